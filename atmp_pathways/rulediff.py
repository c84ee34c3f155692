"""A semantic diff of two rulebooks: what was added, removed or changed, and in words.

Generic over the rulebook's id-keyed collections (questions, obligations, sources, lists,
tables, and any other tuple of models with an ``id``), so a new kind of rule is diffed
without touching this module. Pure: two ``Rulebook`` values in, a ``RuleDiff`` out.

>>> from atmp_pathways.loader import load_rulebook
>>> book = load_rulebook("tests/fixtures/toy_rules")
>>> diff_rulebooks(book, book).changes
()
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel

from .models import LEGAL_STATUSES, Citation, Condition, Rulebook

__all__ = ["Change", "RuleDiff", "Side", "diff_rulebooks", "short_title"]

ChangeKind = Literal["added", "removed", "changed"]
_SKIP_FIELDS = {"id"}
_SHORT_TEXT = 90
_NOUNS = {
    "questions": "Question",
    "obligations": "Obligation",
    "determinations": "Determination",
    "sources": "Source",
    "lists": "List",
    "tables": "Table",
    "rulebook": "Rulebook",
}


def short_title(title: str) -> str:
    """A source title without its subject clause, for one-line diffs.

    >>> short_title("Directive 2001/18/EC on the deliberate release of GMOs")
    'Directive 2001/18/EC'
    >>> short_title("Regulation (EC) No 726/2004 (centralised procedure)")
    'Regulation (EC) No 726/2004'
    """
    for sep in (" on ", " — ", ": "):
        head = title.split(sep, 1)[0]
        if head != title and len(head) >= 6:
            return head
    if title.endswith(")") and " (" in title:
        head = title[: title.rfind(" (")]
        if len(head) >= 6:
            return head
    return title


@dataclass(frozen=True, slots=True)
class Side:
    """Which rulebook one side of the diff is."""

    title: str
    version: str
    digest: str
    reviewed: date

    @classmethod
    def of(cls, book: Rulebook) -> Side:
        return cls(book.meta.title, book.meta.version, book.digest, book.meta.as_of)

    def label(self) -> str:
        return f"{self.version} (digest {self.digest})"


@dataclass(frozen=True, slots=True)
class Change:
    """One item added, removed or changed; ``details`` say what changed, one phrase each."""

    kind: str
    id: str
    change: ChangeKind
    title: str
    details: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """The change as Markdown lines, e.g. ``\\`x\\`: citation added: Widget Act Art 9``."""
        if self.change == "added":
            return [f"`{self.id}` added: {self.title}"]
        if self.change == "removed":
            return [f"`{self.id}` removed: {self.title}"]
        return [f"`{self.id}`: {d}" for d in self.details]


@dataclass(frozen=True, slots=True)
class RuleDiff:
    old: Side
    new: Side
    changes: tuple[Change, ...]

    def find(self, kind: str, ident: str) -> Change | None:
        """The change to one item (e.g. ``find("obligations", "x")``), if any."""
        for ch in self.changes:
            if ch.kind == kind and ch.id == ident:
                return ch
        return None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for side in ("old", "new"):
            data[side]["reviewed"] = data[side]["reviewed"].isoformat()
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    def to_markdown(self) -> str:
        out = [f"# Rule changes: {self.old.label()} → {self.new.label()}", ""]
        if not self.changes:
            return "\n".join([*out, "No semantic change.", ""])
        for kind in _kinds(self.changes):
            out += [f"## {kind.capitalize()}", ""]
            for change in (c for c in self.changes if c.kind == kind):
                out += [f"- {line}" for line in change.lines()]
            out.append("")
        return "\n".join(out)

    def changelog(self) -> str:
        """A CHANGELOG-ready section for the new version: Added / Changed / Removed."""
        out = [f"## {self.new.version} — {self.new.reviewed.isoformat()}", ""]
        if not self.changes:
            return "\n".join([*out, "- No change to questions, obligations or sources.", ""])
        for change_kind, heading in (("added", "Added"), ("changed", "Changed"), ("removed", "Removed")):
            entries: list[str] = []
            for c in (c for c in self.changes if c.change == change_kind):
                noun = _NOUNS.get(c.kind, c.kind.rstrip("s").capitalize())
                if c.kind == "rulebook":  # the heading already names the version
                    entries += [f"- Rulebook: {d}" for d in c.details if not d.startswith("version ")]
                elif change_kind == "changed":
                    entries += [f"- {noun} {line}" for line in c.lines()]
                else:
                    entries.append(f"- {noun} `{c.id}`: {c.title}")
            if entries:
                out += [f"### {heading}", "", *entries, ""]
        return "\n".join(out)


def _kinds(changes: tuple[Change, ...]) -> list[str]:
    seen: list[str] = []
    for c in changes:
        if c.kind not in seen:
            seen.append(c.kind)
    return seen


def _collections(book: Rulebook) -> Iterator[tuple[str, dict[str, BaseModel]]]:
    """Every field of the rulebook that is a tuple of models with an ``id``, in model order."""
    for name in type(book).model_fields:
        value = getattr(book, name)
        if isinstance(value, tuple) and value and isinstance(value[0], BaseModel) and hasattr(value[0], "id"):
            yield name, {str(item.id): item for item in value}


def _title(item: BaseModel) -> str:
    for attr in ("title", "text", "id"):
        value = getattr(item, attr, None)
        if isinstance(value, str):
            return value
    return ""


def diff_rulebooks(old: Rulebook, new: Rulebook) -> RuleDiff:
    """The semantic changes from ``old`` to ``new``."""
    changes: list[Change] = []
    meta = _meta_details(old, new)
    if meta:
        changes.append(Change("rulebook", "rulebook", "changed", new.meta.title, tuple(meta)))
    old_cols = dict(_collections(old))
    new_cols = dict(_collections(new))
    for kind in list(new_cols) + [k for k in old_cols if k not in new_cols]:
        before, after = old_cols.get(kind, {}), new_cols.get(kind, {})
        for ident, item in after.items():
            if ident not in before:
                changes.append(Change(kind, ident, "added", _title(item)))
        for ident, item in before.items():
            if ident not in after:
                changes.append(Change(kind, ident, "removed", _title(item)))
        for ident, item in after.items():
            if ident in before and before[ident] != item:
                details = list(_model_details(before[ident], item, old, new))
                if old.topic_of.get(ident) != new.topic_of.get(ident) and ident in new.topic_of:
                    details.append(f"moved from topic {old.topic_of.get(ident)} to {new.topic_of.get(ident)}")
                if details:
                    changes.append(Change(kind, ident, "changed", _title(item), tuple(details)))
            elif ident in before and old.topic_of.get(ident) != new.topic_of.get(ident) and ident in new.topic_of:
                details = [f"moved from topic {old.topic_of.get(ident)} to {new.topic_of.get(ident)}"]
                changes.append(Change(kind, ident, "changed", _title(item), tuple(details)))
    return RuleDiff(Side.of(old), Side.of(new), tuple(changes))


def _meta_details(old: Rulebook, new: Rulebook) -> list[str]:
    a, b = old.meta, new.meta
    out = []
    if a.version != b.version:
        out.append(f"version {a.version} → {b.version}")
    if a.as_of != b.as_of:
        out.append(f"reviewed {a.as_of.isoformat()} → {b.as_of.isoformat()}")
    out += [d for d in _model_details(a, b, old, new) if not d.startswith(("version ", "as of "))]
    return out


def _words(field: str) -> str:
    return field.rstrip("_").replace("_", " ")


def _show(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value in LEGAL_STATUSES:
        return value.replace("_", " ")
    if isinstance(value, Condition):
        return value.description
    if isinstance(value, BaseModel):
        return ", ".join(f"{k}: {_show(v)}" for k, v in value.model_dump(exclude_none=True, by_alias=True).items())
    if isinstance(value, str) and len(value) > _SHORT_TEXT:
        return f"'{value[: _SHORT_TEXT - 1]}…'"
    if isinstance(value, str):
        return f"'{value}'" if " " in value or not value else value
    return str(value)


def _citation_label(c: Citation, book: Rulebook) -> str:
    source = book.sources_by_id.get(c.source)
    return f"{short_title(source.title) if source else c.source} {c.ref}"


def _model_details(a: BaseModel, b: BaseModel, old: Rulebook, new: Rulebook) -> Iterator[str]:
    for field in type(b).model_fields:
        if field in _SKIP_FIELDS:
            continue
        x, y = getattr(a, field, None), getattr(b, field, None)
        if x == y:
            continue
        yield from _field_details(_words(field), x, y, old, new)


def _field_details(name: str, x: Any, y: Any, old: Rulebook, new: Rulebook) -> Iterator[str]:
    if isinstance(x, Condition) or isinstance(y, Condition):
        if x is None:
            yield f"condition `{name}` added: {_show(y)}"
        elif y is None:
            yield f"condition `{name}` removed (was: {_show(x)})"
        else:
            yield f"condition `{name}` changed: {_show(x)} → {_show(y)}"
        return
    if _is_citations(x) or _is_citations(y):
        yield from _citation_details(tuple(x or ()), tuple(y or ()), old, new)
        return
    if isinstance(x, Mapping) or isinstance(y, Mapping):
        yield from _mapping_details(name, x or {}, y or {}, old, new)
        return
    if _is_models(x) or _is_models(y):
        yield from _indexed_details(name, tuple(x or ()), tuple(y or ()), old, new)
        return
    if isinstance(x, tuple) or isinstance(y, tuple):
        before, after = list(x or ()), list(y or ())
        noun = "checklist line" if name == "checklist" else f"{name} entry"
        for v in after:
            if v not in before:
                yield f"{noun} added: {_show(v)}"
        for v in before:
            if v not in after:
                yield f"{noun} removed: {_show(v)}"
        if sorted(map(str, before)) == sorted(map(str, after)):
            yield f"{name} reordered"
        return
    if isinstance(x, str) and isinstance(y, str) and max(len(x), len(y)) > _SHORT_TEXT:
        yield f"{name} reworded"
        return
    if x is None:
        yield f"{name} set: {_show(y)}"
    elif y is None:
        yield f"{name} removed (was {_show(x)})"
    else:
        yield f"{name} changed: {_show(x)} → {_show(y)}"


def _is_models(value: object) -> bool:
    return isinstance(value, tuple) and bool(value) and isinstance(value[0], BaseModel) and not _is_citations(value)


def _indexed_details(
    name: str, x: tuple[BaseModel, ...], y: tuple[BaseModel, ...], old: Rulebook, new: Rulebook
) -> Iterator[str]:
    """Ordered sub-items without ids (e.g. a determination's cases): compared position by position."""
    noun = name[:-1] if name.endswith("s") else name
    for i in range(max(len(x), len(y))):
        if i >= len(x):
            yield f"{noun} {i + 1} added: {_show(y[i])}"
        elif i >= len(y):
            yield f"{noun} {i + 1} removed: {_show(x[i])}"
        elif x[i] != y[i]:
            for detail in _model_details(x[i], y[i], old, new):
                yield f"{noun} {i + 1}: {detail}"


def _is_citations(value: object) -> bool:
    return isinstance(value, tuple) and bool(value) and isinstance(value[0], Citation)


def _citation_details(x: tuple[Citation, ...], y: tuple[Citation, ...], old: Rulebook, new: Rulebook) -> Iterator[str]:
    before = {(c.source, c.ref): c for c in x}
    after = {(c.source, c.ref): c for c in y}
    for key, c in after.items():
        if key not in before:
            yield f"citation added: {_citation_label(c, new)}"
        elif before[key].quote != c.quote:
            yield f"citation {_citation_label(c, new)}: quote {'added' if before[key].quote is None else 'changed'}"
    for key, c in before.items():
        if key not in after:
            yield f"citation removed: {_citation_label(c, old)}"


def _mapping_details(
    name: str, x: Mapping[Any, Any], y: Mapping[Any, Any], old: Rulebook, new: Rulebook
) -> Iterator[str]:
    singular = {"choices": "choice", "items": "item", "rows": "row", "columns": "column", "actors": "actor",
                "phases": "phase"}.get(name, f"{name} entry")  # fmt: skip
    for key, value in y.items():
        if key not in x:
            yield f"{singular} added: {key}" + ("" if isinstance(value, Mapping) else f" ({_show(value)})")
    for key, value in x.items():
        if key not in y:
            yield f"{singular} removed: {key}" + ("" if isinstance(value, Mapping) else f" ({_show(value)})")
    for key, value in y.items():
        if key in x and x[key] != value:
            if isinstance(value, Mapping) or _is_citations(value) or isinstance(value, tuple):
                for detail in _field_details("", x[key], value, old, new):
                    yield f"{singular} {key}: {detail.lstrip()}"
            else:
                yield f"{singular} {key} changed: {_show(x[key])} → {_show(value)}"
