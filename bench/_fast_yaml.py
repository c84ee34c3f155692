"""The proposed faster YAML loader for ``atmp_pathways/_yaml.py``, measured by the bench only.

libyaml (C) scans and parses; PyYAML's Python ``Composer`` still builds the nodes, so
the alias, depth, tag and duplicate-key guards of ``_yaml`` run unchanged. ``patched()``
swaps it in for the duration of a ``with`` block.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import Node

from atmp_pathways import _yaml

__all__ = ["available", "patched"]

try:
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    CParser = None


def available() -> bool:
    return CParser is not None


if CParser is not None:

    class FastLoader(Composer, CParser, SafeConstructor, _yaml._Resolver):  # type: ignore[misc, valid-type]
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            _yaml._Resolver.__init__(self)
            self._depth = 0

        def compose_node(self, parent: Node | None, index: Any) -> Node | None:
            if self.check_event(AliasEvent):
                raise _yaml.YamlProblem(
                    "anchors and aliases (*name) are not allowed",
                    self.peek_event().start_mark.line + 1,
                    "write the value out in full",
                )
            self._depth += 1
            if self._depth > _yaml.MAX_DEPTH:
                raise _yaml.YamlProblem(
                    f"nesting deeper than {_yaml.MAX_DEPTH} levels",
                    self.peek_event().start_mark.line + 1,
                    "flatten the structure",
                )
            try:
                return Composer.compose_node(self, parent, index)  # type: ignore[no-any-return]
            finally:
                self._depth -= 1


@contextmanager
def patched() -> Iterator[None]:
    original = _yaml._Loader
    _yaml._Loader = FastLoader  # type: ignore[misc]
    try:
        yield
    finally:
        _yaml._Loader = original  # type: ignore[misc]
