"""One bounded, thread-safe, single-flight memo for the wizard's shared caches.

The app keeps one ``Wizard`` (and its ``JourneyCounter``) per loaded rulebook for every session,
so its memos are read and filled by many threads at once. ``Memo.get`` makes a missing value in
one thread only: another thread asking for the same key meanwhile waits for that value instead
of making it again (one server, many users on the same screen). Beyond ``size`` entries the
least recently used go first; a miss only costs time.

>>> memo: Memo[str, int] = Memo(1)
>>> memo.get("a", lambda: 1), memo.get("a", lambda: 2), memo.get("b", lambda: 3), memo.get("a", lambda: 4)
(1, 1, 3, 4)
>>> memo.peek("a"), memo.peek("b")
(4, None)
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Memo"]

_K = TypeVar("_K", bound=Hashable)
_V = TypeVar("_V")


class Memo(Generic[_K, _V]):
    """The ``size`` most recently used values, each made once (see the module docstring)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[_K, _V] = OrderedDict()
        self._making: dict[_K, threading.Event] = {}

    def peek(self, key: _K) -> _V | None:
        """The value remembered for ``key``, or None: never makes it, never waits."""
        with self._lock:
            return self._items.get(key)

    def put(self, key: _K, value: _V) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def get(self, key: _K, make: Callable[[], _V]) -> _V:
        """The value for ``key``; made by ``make`` in this thread unless another is making it."""
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key]
                making = self._making.get(key)
                if making is None:
                    making = self._making[key] = threading.Event()
                    break
            making.wait()  # then look again (and make it here, if that thread failed or it was evicted)
        try:
            value = make()
            self.put(key, value)
            return value
        finally:
            with self._lock:
                del self._making[key]
            making.set()
