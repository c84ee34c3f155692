"""Pausing Python's cyclic garbage collector around work that builds many objects and frees few."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused"]


@contextmanager
def paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off, then turn it back on if it was on.

    Loading rules, rendering a document or re-evaluating a portfolio allocates many containers
    and frees almost none of them until the end: every few hundred allocations would start a
    collection that walks everything alive (in the app, the rules and libraries: ~140 000
    objects) and frees nothing. Reference counting still frees what is dropped; a cycle made
    inside waits for the next collection after. The switch is process-wide: a thread that finds
    the collector already off leaves it to the thread that turned it off.

    >>> with paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
