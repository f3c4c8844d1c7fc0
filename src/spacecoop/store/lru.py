"""A cache bounded by the bytes it holds, least recently used out first, with its counters.

`ByteLRU` keeps values by key; the caller says what each value weighs in
bytes when it puts it (the cache never measures). A value heavier than
`max_entry` (or than the whole cache) is not kept, so one big value cannot empty
the cache; putting a value past `max_bytes` drops the least recently used ones
until the rest fit. `CacheStats` counts hits, misses and evictions, and holds
the entries and bytes kept; several caches may share one (the stats object is
the caller's to give). Reads and writes take a lock: a cache may be used from
worker threads and the event loop alike.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    entries: int = 0
    bytes: int = 0
    evictions: int = 0


class ByteLRU(Generic[K, V]):
    """Values by key, at most `max_bytes` of them, each at most `max_entry` (0 keeps nothing)."""

    def __init__(self, max_bytes: int, *, max_entry: int | None = None, stats: CacheStats | None = None) -> None:
        self.max_bytes = max_bytes
        self.max_entry = max_bytes if max_entry is None else max_entry
        self.stats = stats if stats is not None else CacheStats()
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    def fits(self, size: int) -> bool:
        """Whether a value of `size` bytes would be kept."""
        return size <= min(self.max_entry, self.max_bytes)

    def get(self, key: K) -> V | None:
        """The value kept under `key` (now the most recently used), counted as a hit or a miss."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self.stats.misses += 1
                return None
            self._entries.move_to_end(key)
            self.stats.hits += 1
            return found[0]

    def put(self, key: K, value: V, size: int) -> None:
        """Keep `value`, weighing `size` bytes, under `key`, if it fits; drop the least recently used past the bound."""
        if not self.fits(size):
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.stats.bytes -= old[1]
            self._entries[key] = (value, size)
            self.stats.bytes += size
            while self.stats.bytes > self.max_bytes and self._entries:
                _, (_, dropped) = self._entries.popitem(last=False)
                self.stats.bytes -= dropped
                self.stats.evictions += 1
            self.stats.entries = len(self._entries)
