"""Answers kept in memory: the same query, dataset and format over one release give the same bytes.

A release never changes while it is served, so an answer can be reused for as
long as the server runs; the cache (an `lru.ByteLRU`) is bounded by the bytes it holds and drops
the least recently used answers first. An answer larger than a sixteenth of
the cache is not kept, so one big answer cannot empty it.

Only answers the store gave in full are kept: errors (syntax, limits) are not,
so a query stopped at the time limit is tried again on the next request. The
cache sits in front of the store's time, memory and row limits, never around
them: every answer in it was computed under those limits.
"""

from __future__ import annotations

from spacecoop.store.lru import ByteLRU, CacheStats
from spacecoop.store.protocol import QueryResult

Key = tuple[str, str, tuple[str, ...], tuple[str, ...]]  # media type, query, default and named graphs

__all__ = ["AnswerCache", "CacheStats", "Key"]


class AnswerCache:
    def __init__(self, max_bytes: int) -> None:
        """`max_bytes`: the most answer bytes held (0 keeps nothing)."""
        self.max_bytes = max_bytes
        self.max_entry = max_bytes // 16
        self._answers: ByteLRU[Key, QueryResult] = ByteLRU(max_bytes, max_entry=self.max_entry)
        self.stats = self._answers.stats

    @staticmethod
    def key(media_type: str, query: str, default_graphs: tuple[str, ...], named_graphs: tuple[str, ...]) -> Key:
        return (media_type, query, default_graphs, named_graphs)

    def get(self, key: Key) -> QueryResult | None:
        return self._answers.get(key)

    def put(self, key: Key, answer: QueryResult) -> None:
        self._answers.put(key, answer, self._size(key, answer))

    @staticmethod
    def _size(key: Key, answer: QueryResult) -> int:
        return len(answer.body) + len(key[1]) + sum(map(len, key[2])) + sum(map(len, key[3]))
