"""The answer cache: bounded by bytes, least recently used out first."""

from __future__ import annotations

from support.server import MAX_ROWS

from spacecoop.store.answer_cache import AnswerCache
from spacecoop.store.protocol import QueryResult

CSV = "text/csv"


def answer(size: int) -> QueryResult:
    return QueryResult("select", CSV, b"x" * size, 1)


def key(query: str):
    return AnswerCache.key(CSV, query, (), ())


def test_an_answer_is_reused_for_the_same_query_dataset_and_format():
    cache = AnswerCache(16_000)
    cache.put(key("q"), answer(10))
    assert cache.get(key("q")).body == b"x" * 10
    assert cache.get(AnswerCache.key("application/sparql-results+json", "q", (), ())) is None
    assert cache.get(AnswerCache.key(CSV, "q", ("http://example.org/g",), ())) is None
    assert (cache.stats.hits, cache.stats.misses) == (1, 2)


def test_the_least_recently_used_answer_goes_first_when_the_cache_is_full():
    cache = AnswerCache(16_000)
    for name in "abcdefghijklmnop":
        cache.put(key(name), answer(999))  # 1000 bytes with the query
    cache.get(key("a"))
    cache.put(key("q"), answer(999))
    assert cache.get(key("a")) is not None
    assert cache.get(key("b")) is None
    assert cache.stats.bytes <= 16_000


def test_an_answer_over_a_sixteenth_of_the_cache_is_not_kept():
    cache = AnswerCache(16_000)
    cache.put(key("big"), answer(1_001))
    assert cache.get(key("big")) is None
    assert cache.stats.entries == 0


def test_a_cache_of_zero_keeps_nothing():
    cache = AnswerCache(0)
    cache.put(key("q"), answer(1))
    assert cache.get(key("q")) is None


def test_the_server_answers_a_repeated_query_from_the_cache(server_client):
    query = {"query": "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s LIMIT 3 # answer-cache test"}
    before = server_client.get("/health").json()["answer_cache"]
    first = server_client.get("/sparql", params=query, headers={"Accept": "text/csv"})
    second = server_client.get("/sparql", params=query, headers={"Accept": "text/csv"})
    after = server_client.get("/health").json()["answer_cache"]
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert after["hits"] == before["hits"] + 1
    assert after["misses"] == before["misses"] + 1


def test_the_server_does_not_keep_errors(server_client):
    over_the_cap = " ".join(str(n) for n in range(MAX_ROWS + 1))
    query = {"query": f"SELECT ?n WHERE {{ VALUES ?n {{ {over_the_cap} }} }} # answer-cache test"}
    before = server_client.get("/health").json()["answer_cache"]
    for _ in range(2):
        assert server_client.get("/sparql", params=query, headers={"Accept": "text/csv"}).status_code == 422
    after = server_client.get("/health").json()["answer_cache"]
    assert after["hits"] == before["hits"]
    assert after["entries"] == before["entries"]
