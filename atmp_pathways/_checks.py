"""Cross-file reference checks: ids, choices, sources, lists, tables, dates."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from ._files import FileData, format_path
from ._yaml import LinePath
from .errors import RuleError, did_you_mean
from .models import (
    Citation,
    Condition,
    DataFile,
    DataList,
    DataTable,
    Obligation,
    Question,
    Rulebook,
    RulebookMeta,
    Source,
    SourcesFile,
    TopicFile,
)

__all__ = ["check_references", "PLACEHOLDER"]

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class _Problems:
    """Collects problems raised against any loaded file and key path."""

    def __init__(self) -> None:
        self.problems: list[RuleError] = []

    def add(self, fd: FileData[Any], path: LinePath, message: str, hint: str = "", severity: str = "error") -> None:
        self.problems.append(RuleError(fd.display, fd.line(path), format_path(path), message, hint, severity))


def check_references(
    meta_file: FileData[RulebookMeta],
    topics: list[tuple[str, FileData[TopicFile]]],
    sources_files: list[FileData[SourcesFile]],
    data_files: list[FileData[DataFile]],
    digest: str,
) -> tuple[Rulebook | None, list[RuleError]]:
    """Check every cross-reference; build the Rulebook when the parts are sound."""
    out = _Problems()
    meta = meta_file.model

    # Where each id is defined, to report duplicates and build locations.
    seen: dict[str, tuple[FileData[Any], LinePath]] = {}
    locations: dict[str, tuple[str, int]] = {}

    def define(fd: FileData[Any], path: LinePath, ident: str, what: str) -> None:
        if ident in seen:
            other, opath = seen[ident]
            out.add(
                fd,
                (*path, "id"),
                f"duplicate id '{ident}' ({what})",
                f"already defined at {other.display}:{other.line(opath)}; ids must be unique across the rulebook",
            )
            return
        seen[ident] = (fd, path)
        locations[ident] = (fd.display, fd.line((*path, "id")) or 0)

    questions: list[tuple[FileData[Any], int, Question]] = []
    obligations: list[tuple[FileData[Any], int, Obligation]] = []
    sources: list[tuple[FileData[Any], LinePath, Source]] = []
    topic_of: dict[str, str] = {}
    topic_titles: dict[str, str] = {}
    for topic, fd in topics:
        topic_titles[topic] = fd.model.title
        for i, q in enumerate(fd.model.questions):
            define(fd, ("questions", i), q.id, "question")
            questions.append((fd, i, q))
            topic_of[q.id] = topic
        for i, o in enumerate(fd.model.obligations):
            define(fd, ("obligations", i), o.id, "obligation")
            obligations.append((fd, i, o))
            topic_of[o.id] = topic
        for i, s in enumerate(fd.model.sources):
            define(fd, ("sources", i), s.id, "source")
            sources.append((fd, ("sources", i), s))
    for sfd in sources_files:
        for i, s in enumerate(sfd.model.sources):
            define(sfd, ("sources", i), s.id, "source")
            sources.append((sfd, ("sources", i), s))
    lists: list[tuple[FileData[Any], int, DataList]] = []
    tables: list[tuple[FileData[Any], int, DataTable]] = []
    for dfd in data_files:
        for i, lst in enumerate(dfd.model.lists):
            define(dfd, ("lists", i), lst.id, "list")
            lists.append((dfd, i, lst))
        for i, tbl in enumerate(dfd.model.tables):
            define(dfd, ("tables", i), tbl.id, "table")
            tables.append((dfd, i, tbl))

    source_ids = {s.id for _, _, s in sources}
    list_items = {lst.id: lst.items for _, _, lst in lists}
    table_by_id = {t.id: t for _, _, t in tables}
    q_by_id = {q.id: q for _, _, q in questions}

    def choices_of(q: Question) -> dict[str, str] | None:
        if q.choices is not None:
            return q.choices
        if q.choices_from is not None:
            return list_items.get(q.choices_from)
        return None

    def check_citations(fd: FileData[Any], path: LinePath, citations: tuple[Citation, ...]) -> None:
        for j, c in enumerate(citations):
            if c.source not in source_ids:
                out.add(
                    fd,
                    (*path, j, "source"),
                    f"unknown source '{c.source}'",
                    did_you_mean(c.source, source_ids) or "register it in rules/sources.yaml",
                )

    def check_window(fd: FileData[Any], path: LinePath, start: date | None, end: date | None) -> None:
        if start is not None and end is not None and start > end:
            out.add(
                fd,
                (*path, "valid_to"),
                f"validity window is inverted: valid_from {start} is after valid_to {end}",
                "swap the dates or correct one",
            )

    for fd, i, q in questions:
        path: LinePath = ("questions", i)
        check_citations(fd, (*path, "citations"), q.citations)
        if q.choices_from is not None and q.choices_from not in list_items:
            out.add(
                fd,
                (*path, "choices_from"),
                f"unknown list '{q.choices_from}'",
                did_you_mean(q.choices_from, list_items) or "define it under lists: in rules/data/",
            )
        if q.when is not None:
            for p, msg, hint in _check_condition(q.when, (*path, "when"), q_by_id, choices_of):
                out.add(fd, p, msg, hint)

    for fd, i, o in obligations:
        path = ("obligations", i)
        check_citations(fd, (*path, "citations"), o.citations)
        check_window(fd, path, o.valid_from, o.valid_to)
        if o.actor not in meta.actors:
            out.add(
                fd,
                (*path, "actor"),
                f"unknown actor '{o.actor}'",
                did_you_mean(o.actor, meta.actors)
                or f"use one of the actors in rulebook.yaml: {', '.join(meta.actors)}",
            )
        if o.phase not in meta.phases:
            out.add(
                fd,
                (*path, "phase"),
                f"unknown phase '{o.phase}'",
                did_you_mean(o.phase, meta.phases)
                or f"use one of the phases in rulebook.yaml: {', '.join(meta.phases)}",
            )
        for key in ("when", "unless"):
            cond = getattr(o, key)
            if cond is not None:
                for p, msg, hint in _check_condition(cond, (*path, key), q_by_id, choices_of):
                    out.add(fd, p, msg, hint)
        allowed_names: set[str] = set()
        if o.for_each is not None:
            fe = o.for_each
            fq = q_by_id.get(fe.question)
            table = table_by_id.get(fe.table)
            if fq is None:
                out.add(
                    fd,
                    (*path, "for_each", "question"),
                    f"unknown question '{fe.question}'",
                    did_you_mean(fe.question, q_by_id),
                )
            elif fq.kind != "many_of":
                out.add(
                    fd,
                    (*path, "for_each", "question"),
                    f"question '{fe.question}' is {fq.kind}; for_each needs a many_of question",
                    "",
                )
            if table is None:
                out.add(
                    fd, (*path, "for_each", "table"), f"unknown table '{fe.table}'", did_you_mean(fe.table, table_by_id)
                )
            elif fq is not None and fq.choices_from is not None and fq.choices_from != table.list:
                out.add(
                    fd,
                    (*path, "for_each", "table"),
                    f"table '{fe.table}' is keyed by list '{table.list}' but question '{fe.question}' takes its choices from '{fq.choices_from}'",
                    "use a table over the same list",
                )
            if table is not None:
                allowed_names = {"item", "item_label", *table.columns}
        for field, texts in (("title", [o.title]), ("description", [o.description]), ("checklist", list(o.checklist))):
            for j, text in enumerate(texts):
                for name in PLACEHOLDER.findall(text):
                    if name not in allowed_names:
                        where: LinePath = (*path, field, j) if field == "checklist" else (*path, field)
                        hint = (
                            f"use one of {{{'}, {'.join(sorted(allowed_names))}}}"
                            if allowed_names
                            else "placeholders work only in for_each obligations"
                        )
                        out.add(fd, where, f"unknown placeholder '{{{name}}}'", hint)

    for fd, path, s in sources:
        check_window(fd, path, s.valid_from, s.valid_to)

    for fd, i, tbl in tables:
        path = ("tables", i)
        items = list_items.get(tbl.list)
        if items is None:
            out.add(fd, (*path, "list"), f"unknown list '{tbl.list}'", did_you_mean(tbl.list, list_items))
            items = {}
        for key, row in tbl.rows.items():
            if items and key not in items:
                out.add(
                    fd,
                    (*path, "rows", key),
                    f"'{key}' is not an item of list '{tbl.list}'",
                    did_you_mean(key, items) or "quote codes such as 'NO'",
                )
            missing = [c for c in tbl.columns if c not in row]
            extra = [c for c in row if c not in tbl.columns]
            if missing:
                out.add(
                    fd,
                    (*path, "rows", key),
                    f"row '{key}' lacks column(s) {', '.join(missing)}",
                    "give every column a value (write 'not known' if need be)",
                )
            for c in extra:
                out.add(
                    fd,
                    (*path, "rows", key, c),
                    f"unknown column '{c}'",
                    did_you_mean(c, tbl.columns) or f"columns are: {', '.join(tbl.columns)}",
                )
        for key in tbl.row_verification:
            if key not in tbl.rows:
                out.add(
                    fd, (*path, "row_verification", key), f"no row '{key}' in this table", did_you_mean(key, tbl.rows)
                )
        for key, cits in tbl.row_citations.items():
            if key not in tbl.rows:
                out.add(fd, (*path, "row_citations", key), f"no row '{key}' in this table", did_you_mean(key, tbl.rows))
            check_citations(fd, (*path, "row_citations", key), cits)

    if out.problems:
        return None, out.problems
    book = Rulebook(
        meta=meta,
        questions=tuple(_ordered(meta.topics, topic_of, [q for _, _, q in questions])),
        obligations=tuple(o for _, _, o in obligations),
        sources=tuple(s for _, _, s in sources),
        lists=tuple(lst for _, _, lst in lists),
        tables=tuple(t for _, _, t in tables),
        topic_of=topic_of,
        topic_titles=topic_titles,
        digest=digest,
        locations=locations,
    )
    return book, []


def _ordered(topics: tuple[str, ...], topic_of: dict[str, str], items: list[Question]) -> list[Question]:
    rank = {t: i for i, t in enumerate(topics)}
    return sorted(items, key=lambda q: rank[topic_of[q.id]])  # stable: file order within a topic


def _check_condition(
    cond: Condition,
    path: LinePath,
    questions: dict[str, Question],
    choices_of: Callable[[Question], dict[str, str] | None],
) -> Iterator[tuple[LinePath, str, str]]:
    """Yield (path, message, hint) for every bad leaf in a condition tree."""
    for key, children in (("all", cond.all), ("any", cond.any)):
        if children is not None:
            for j, child in enumerate(children):
                yield from _check_condition(child, (*path, key, j), questions, choices_of)
    if cond.not_ is not None:
        yield from _check_condition(cond.not_, (*path, "not"), questions, choices_of)
    if cond.question is None:
        return
    q = questions.get(cond.question)
    if q is None:
        yield (*path, "question"), f"unknown question '{cond.question}'", did_you_mean(cond.question, questions)
        return
    op, value = cond.operator, cond.operand
    fits = {
        "yes_no": ("is", "answered"),
        "one_of": ("is", "in", "answered"),
        "many_of": ("includes", "answered"),
        "date": ("before", "on_or_after", "answered"),
    }[q.kind]
    if op not in fits:
        yield (
            (*path, op),
            f"'{op}' does not fit {q.kind} question '{q.id}'",
            f"use {' or '.join(repr(f) for f in fits)}",
        )
        return
    if q.kind == "yes_no" and op == "is" and not isinstance(value, bool):
        yield (
            (*path, "is"),
            f"yes_no question '{q.id}' needs true or false, got '{value}'",
            "write true or false unquoted (yes/no/on/off/NO are text here)",
        )
        return
    if q.kind == "one_of" and op == "is" and isinstance(value, bool):
        yield (
            (*path, "is"),
            f"one_of question '{q.id}' needs a choice id, got {str(value).lower()}",
            "quote the choice id",
        )
        return
    choices = choices_of(q)
    if not choices or op not in ("is", "in", "includes"):
        return
    values = [value] if isinstance(value, str) else list(value) if isinstance(value, tuple) else []
    for v in values:
        if v not in choices:
            yield (
                (*path, op),
                f"'{v}' is not a choice of question '{q.id}'",
                did_you_mean(v, choices) or f"choices are: {', '.join(list(choices)[:12])}",
            )
