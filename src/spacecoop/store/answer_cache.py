"""Answers kept in memory: the same query, dataset and format over one release give the same bytes.

A release never changes while it is served, so an answer can be reused for as
long as the server runs; the cache is bounded by the bytes it holds and drops
the least recently used answers first. An answer larger than a sixteenth of
the cache is not kept, so one big answer cannot empty it.

Only answers the store gave in full are kept: errors (syntax, limits) are not,
so a query stopped at the time limit is tried again on the next request. The
cache sits in front of the store's time, memory and row limits, never around
them: every answer in it was computed under those limits.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from spacecoop.store.protocol import QueryResult

Key = tuple[str, str, tuple[str, ...], tuple[str, ...]]  # media type, query, default and named graphs


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    entries: int = 0
    bytes: int = 0


class AnswerCache:
    def __init__(self, max_bytes: int) -> None:
        """`max_bytes`: the most answer bytes held (0 keeps nothing)."""
        self.max_bytes = max_bytes
        self.max_entry = max_bytes // 16
        self._answers: OrderedDict[Key, QueryResult] = OrderedDict()
        self._lock = threading.Lock()
        self.stats = CacheStats()

    @staticmethod
    def key(media_type: str, query: str, default_graphs: tuple[str, ...], named_graphs: tuple[str, ...]) -> Key:
        return (media_type, query, default_graphs, named_graphs)

    def get(self, key: Key) -> QueryResult | None:
        with self._lock:
            answer = self._answers.get(key)
            if answer is None:
                self.stats.misses += 1
                return None
            self._answers.move_to_end(key)
            self.stats.hits += 1
            return answer

    def put(self, key: Key, answer: QueryResult) -> None:
        size = self._size(key, answer)
        if size > self.max_entry:
            return
        with self._lock:
            old = self._answers.pop(key, None)
            if old is not None:
                self.stats.bytes -= self._size(key, old)
            self._answers[key] = answer
            self.stats.bytes += size
            while self.stats.bytes > self.max_bytes:
                dropped_key, dropped = self._answers.popitem(last=False)
                self.stats.bytes -= self._size(dropped_key, dropped)
            self.stats.entries = len(self._answers)

    @staticmethod
    def _size(key: Key, answer: QueryResult) -> int:
        return len(answer.body) + len(key[1]) + sum(map(len, key[2])) + sum(map(len, key[3]))
