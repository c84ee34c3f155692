"""Safe, line-aware YAML reading for untrusted text.

* Only plain data: mappings, lists, strings, numbers, ``true``/``false``, ISO dates, null.
* ``yes``/``no``/``on``/``off``/``NO`` stay strings (YAML 1.2 booleans only), so
  Norway's code ``NO`` can never turn into ``False``.
* Anchors/aliases (billion-laughs bombs), custom tags (``!!python/object``),
  duplicate keys, nesting deeper than ``MAX_DEPTH`` and oversized text are refused.
* Every value's line is kept in a map from key path to line number.

>>> data, lines = parse_yaml("a:\\n  b: NO\\n", "x.yaml")
>>> data, lines[("a", "b")]
({'a': {'b': 'NO'}}, 2)
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

__all__ = ["MAX_BYTES", "MAX_DEPTH", "LinePath", "YamlProblem", "parse_yaml", "decode_text"]

MAX_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 40

LinePath = tuple[str | int, ...]


class YamlProblem(ValueError):
    """A YAML text that cannot be read; ``line`` is 1-based or None."""

    def __init__(self, message: str, line: int | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint


class _Resolver(Resolver):
    pass


# YAML 1.2 core schema booleans only: `yes`, `no`, `on`, `off` stay strings.
_Resolver.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in value if tag != "tag:yaml.org,2002:bool"]
    for key, value in Resolver.yaml_implicit_resolvers.copy().items()
}
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)

_SAFE_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


class _Loader(Reader, Scanner, Parser, Composer, SafeConstructor, _Resolver):
    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        _Resolver.__init__(self)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise YamlProblem(
                "anchors and aliases (*name) are not allowed",
                event.start_mark.line + 1,
                "write the value out in full",
            )
        self._depth += 1
        if self._depth > MAX_DEPTH:
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise YamlProblem(
                f"nesting deeper than {MAX_DEPTH} levels",
                event.start_mark.line + 1,
                "flatten the structure",
            )
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def decode_text(raw: bytes, max_bytes: int = MAX_BYTES) -> str:
    """Bytes → text, refusing oversized or non-UTF-8 input with a clear message."""
    if len(raw) > max_bytes:
        raise YamlProblem(
            f"file is {len(raw):,} bytes; the limit is {max_bytes:,}",
            None,
            "split it into smaller files",
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise YamlProblem(
            f"not UTF-8 text (byte 0x{raw[err.start]:02x} at offset {err.start})",
            line,
            "save the file as UTF-8",
        ) from None


def parse_yaml(text: str, name: str = "<text>") -> tuple[Any, dict[LinePath, int]]:
    """Parse one YAML document into plain data and a key-path → line map."""
    if len(text) > MAX_BYTES:
        raise YamlProblem(f"text is {len(text):,} characters; the limit is {MAX_BYTES:,}")
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as err:
        raise _reader_problem(text, err) from None
    try:
        node = loader.get_single_node()
    except YamlProblem:
        raise
    except yaml.reader.ReaderError as err:
        raise _reader_problem(text, err) from None
    except yaml.MarkedYAMLError as err:
        start, found = err.context_mark, err.problem_mark
        mark = start or found
        line = mark.line + 1 if mark is not None else None
        problem = err.problem or "invalid YAML"
        if err.context:
            problem = f"{err.context}, {problem}"
        if start is not None and found is not None and found.line != start.line:
            problem += f" (noticed at line {found.line + 1})"
        raise YamlProblem(f"YAML syntax error: {problem}", line, "check indentation and quoting") from None
    except yaml.YAMLError as err:
        raise YamlProblem(f"YAML error: {err}", None) from None
    finally:
        loader.dispose()
    if node is None:
        return None, {}
    lines: dict[LinePath, int] = {}
    data = _build(loader, node, (), lines)
    return data, lines


def _reader_problem(text: str, err: yaml.reader.ReaderError) -> YamlProblem:
    """A control or non-printable character (e.g. NUL) the YAML reader refuses."""
    line = text.count("\n", 0, max(err.position, 0)) + 1
    char = err.character if isinstance(err.character, str) else chr(err.character)
    return YamlProblem(
        f"special characters are not allowed (found U+{ord(char):04X})",
        line,
        "remove it; save the file as plain UTF-8 text",
    )


def _build(loader: _Loader, node: Node, path: LinePath, lines: dict[LinePath, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if node.tag not in _SAFE_TAGS:
        raise YamlProblem(
            f"tag '{node.tag}' is not allowed", node.start_mark.line + 1, "remove the tag; write plain data"
        )
    if isinstance(node, MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode) or key_node.tag == "tag:yaml.org,2002:null":
                raise YamlProblem("keys must be plain text", key_node.start_mark.line + 1)
            if key_node.tag not in _SAFE_TAGS:
                raise YamlProblem(
                    f"tag '{key_node.tag}' is not allowed",
                    key_node.start_mark.line + 1,
                    "remove the tag; write plain data",
                )
            key = loader.construct_object(key_node)
            if isinstance(key, bool):
                raise YamlProblem(
                    f"key '{key_node.value}' is read as a boolean",
                    key_node.start_mark.line + 1,
                    f"quote it: '{key_node.value}'",
                )
            if not isinstance(key, (str, int)):
                key = str(key_node.value)
            if key in result:
                raise YamlProblem(f"duplicate key '{key}'", key_node.start_mark.line + 1, "each key may appear once")
            result[key] = _build(loader, value_node, (*path, key), lines)
            lines[(*path, key)] = key_node.start_mark.line + 1
        return result
    if isinstance(node, SequenceNode):
        return [_build(loader, child, (*path, i), lines) for i, child in enumerate(node.value)]
    return loader.construct_object(node)
