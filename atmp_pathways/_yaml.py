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
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import ScalarNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from ._gc import paused
from ._quote import quote

try:
    from yaml import _yaml as _libyaml
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _libyaml = None  # type: ignore[assignment]
_CParser: Any = getattr(_libyaml, "CParser", None)

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

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
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


class _PyLoader(Reader, Scanner, Parser, SafeConstructor, _Resolver):
    """Pure-Python scanning and parsing (used when PyYAML was built without libyaml)."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        SafeConstructor.__init__(self)
        _Resolver.__init__(self)


_Loader: type[Any] = _PyLoader
if _CParser is not None:

    class _CLoader(_CParser, SafeConstructor, _Resolver):  # type: ignore[misc]
        """libyaml (C) scans and parses, several times faster on large rule sets; the
        events go through the same guarded builder below."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            _Resolver.__init__(self)

    _Loader = _CLoader


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


def parse_yaml(text: str, name: str = "<text>", *, tuples: bool = False) -> tuple[Any, dict[LinePath, int]]:
    """Parse one YAML document into plain data and a key-path → line map.

    With ``tuples`` lists come back as tuples (what the frozen rule models hold).
    """
    if len(text) > MAX_BYTES:
        raise YamlProblem(f"text is {len(text):,} characters; the limit is {MAX_BYTES:,}")
    try:
        loader = _Loader(text)
    except yaml.reader.ReaderError as err:
        raise _reader_problem(text, err) from None
    lines: dict[LinePath, int] = {}
    # Building holds no reference cycles, yet each few hundred containers would start a
    # collection that walks all the data built so far: a large file parses faster without.
    with paused():
        try:
            data = _document(loader, lines, tuples)
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


def _document(loader: Any, lines: dict[LinePath, int], tuples: bool = False) -> Any:
    """Build plain data straight from parser events (no node tree), one document only."""
    loader.get_event()  # stream start
    if loader.check_event(StreamEndEvent):
        return None
    loader.get_event()  # document start
    data = _Builder(loader, lines, tuples).value(loader.get_event(), (), 0)
    loader.get_event()  # document end
    if not loader.check_event(StreamEndEvent):
        event = loader.peek_event()
        raise YamlProblem("more than one YAML document in the file", event.start_mark.line + 1, "remove the '---' line")
    return data


# C0 controls other than tab and newline, DEL and C1 controls: refused in parsed values and
# keys too, where YAML escapes ("\0", "\x0b", "\e") put them past the reader's own check.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# What a malformed typed scalar was meant to be, and how to write it instead.
_KINDS = {
    "tag:yaml.org,2002:timestamp": ("date", "write YYYY-MM-DD"),
    "tag:yaml.org,2002:int": ("whole number", "write digits only, at most 4,300 of them"),
    "tag:yaml.org,2002:float": ("number", "write digits with one decimal point, e.g. 2.5"),
    "tag:yaml.org,2002:bool": ("boolean", "write true or false"),
}


class _Builder:
    """Plain data and the line map from one document's events.

    Keys and short values repeat on every item of a long list, and a scalar's meaning depends
    only on its tag, text, style and implicitness: each distinct scalar is resolved and built
    once per document (the values kept are immutable: text, numbers, dates, booleans, null).
    Scalars inside mappings and lists are handled in place, without a call per value.
    """

    def __init__(self, loader: Any, lines: dict[LinePath, int], tuples: bool) -> None:
        self.loader = loader
        self.lines = lines
        self.tuples = tuples
        self.get_event = loader.get_event
        self.scalars: dict[tuple[Any, ...], tuple[str, Any]] = {}

    def scalar(self, event: Any) -> tuple[str, Any]:
        """(tag, value) of a scalar event; refuses unsafe tags, escaped controls, malformed values."""
        key = (event.tag, event.value, event.implicit, event.style == '"')
        hit = self.scalars.get(key)
        if hit is not None:
            return hit
        line = event.start_mark.line + 1
        tag = event.tag
        if tag is None or tag == "!":
            tag = self.loader.resolve(ScalarNode, event.value, event.implicit)
        if tag not in _SAFE_TAGS:
            raise YamlProblem(f"tag '{tag}' is not allowed", line, "remove the tag; write plain data")
        tag = str(tag)
        if tag == _STR:
            if event.style == '"':  # only escapes in double quotes can produce what the reader refuses raw
                _refuse_controls(event.value, line)
            value: Any = event.value
        else:
            node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
            try:
                value = self.loader.construct_object(node)
            except Exception:  # noqa: BLE001 - any failure to build a scalar is the author's typo, not a crash
                kind, hint = _KINDS.get(tag, ("value", "write plain text, a number, a date or true/false"))
                article = "an" if kind[0] in "aeiou" else "a"
                raise YamlProblem(f"{quote(event.value)} is not {article} valid {kind}", line, hint) from None
        hit = self.scalars[key] = (tag, value)
        return hit

    @staticmethod
    def container_tag(event: Any) -> None:
        """An untagged mapping or list is always plain (no path resolvers); a tagged one must be safe."""
        tag = event.tag
        if tag is not None and tag != "!" and tag not in _SAFE_TAGS:
            raise YamlProblem(
                f"tag '{tag}' is not allowed", event.start_mark.line + 1, "remove the tag; write plain data"
            )

    def value(self, event: Any, path: LinePath, depth: int) -> Any:
        line = event.start_mark.line + 1
        self.lines[path] = line
        if isinstance(event, AliasEvent):
            raise YamlProblem("anchors and aliases (*name) are not allowed", line, "write the value out in full")
        if depth >= MAX_DEPTH:
            raise YamlProblem(f"nesting deeper than {MAX_DEPTH} levels", line, "flatten the structure")
        if isinstance(event, ScalarEvent):
            return self.scalar(event)[1]
        if isinstance(event, SequenceStartEvent):
            return self.sequence(event, path, depth)
        return self.mapping(event, path, depth)

    def sequence(self, event: Any, path: LinePath, depth: int) -> Any:
        self.container_tag(event)
        get_event, lines, scalar = self.get_event, self.lines, self.scalar
        inner = depth + 1
        flat = inner < MAX_DEPTH  # a scalar item can be read in place
        items: list[Any] = []
        while True:
            item = get_event()
            kind = type(item)
            if kind is SequenceEndEvent:
                break
            child = (*path, len(items))
            if flat and kind is ScalarEvent:
                lines[child] = item.start_mark.line + 1
                items.append(scalar(item)[1])
            else:
                items.append(self.value(item, child, inner))
        return tuple(items) if self.tuples else items

    def mapping(self, event: Any, path: LinePath, depth: int) -> dict[Any, Any]:
        self.container_tag(event)
        get_event, lines, scalar = self.get_event, self.lines, self.scalar
        inner = depth + 1
        flat = inner < MAX_DEPTH
        result: dict[Any, Any] = {}
        while True:
            key_event = get_event()
            kind = type(key_event)
            if kind is MappingEndEvent:
                break
            key_line = key_event.start_mark.line + 1
            if kind is AliasEvent:
                raise YamlProblem(
                    "anchors and aliases (*name) are not allowed", key_line, "write the value out in full"
                )
            if kind is not ScalarEvent:
                raise YamlProblem("keys must be plain text", key_line)
            key_tag, key = scalar(key_event)
            if key_tag == _NULL:
                raise YamlProblem("keys must be plain text", key_line)
            if isinstance(key, bool):
                raise YamlProblem(
                    f"key '{key_event.value}' is read as a boolean", key_line, f"quote it: '{key_event.value}'"
                )
            if not isinstance(key, (str, int)):
                key = str(key_event.value)
            if key in result:
                raise YamlProblem(f"duplicate key {quote(key)}", key_line, "each key may appear once")
            child = (*path, key)
            item = get_event()
            if flat and type(item) is ScalarEvent:
                result[key] = scalar(item)[1]
            else:
                result[key] = self.value(item, child, inner)
            lines[child] = key_line
        return result


def _refuse_controls(text: str, line: int) -> None:
    found = _CONTROL.search(text)
    if found is not None:
        raise YamlProblem(
            f"special characters are not allowed (found U+{ord(found.group()):04X})",
            line,
            "remove it; save the file as plain UTF-8 text",
        )
