"""Cross-file reference checks (ids, choices, sources, lists, tables, dates), then the Rulebook.

``collect`` gathers what the parsed files define, ``check_references`` checks every
reference against it, and ``build_rulebook`` assembles the checked parts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ._determinations import check_determinations, lint_determinations
from ._files import FileData, format_path
from ._yaml import LinePath
from .errors import Problem, Severity, closest, did_you_mean
from .models import (
    KINDS,
    UNDECIDED,
    Citation,
    Condition,
    DataFile,
    DataList,
    DataTable,
    Determination,
    Obligation,
    Question,
    Retired,
    Rulebook,
    RulebookMeta,
    Source,
    SourcesFile,
    TopicFile,
)
from .plan import PLACEHOLDER

__all__ = ["PLACEHOLDER", "Defs", "build_rulebook", "check_references", "collect"]


class _Problems:
    """Collects problems raised against any loaded file and key path."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(
        self,
        fd: FileData[Any],
        path: LinePath,
        message: str,
        hint: str = "",
        *,
        code: str = "bad_value",
        ref: str = "",
        suggestion: str | None = None,
        severity: Severity = "error",
    ) -> None:
        self.problems.append(
            Problem(fd.display, fd.line(path), format_path(path), message, hint, severity, code, ref, suggestion)
        )

    def unknown(
        self, fd: FileData[Any], path: LinePath, what: str, ident: str, known: Iterable[str], fallback: str = ""
    ) -> None:
        """An ``unknown_ref`` problem: ``what`` '``ident``' is not defined anywhere."""
        match = closest(ident, known)
        hint = f"did you mean '{match}'?" if match else fallback
        self.add(fd, path, f"unknown {what} '{ident}'", hint, code="unknown_ref", ref=ident, suggestion=match)


@dataclass
class Defs:
    """What the rule files define, in file order, with where each id is defined."""

    meta: RulebookMeta
    questions: list[tuple[FileData[Any], int, Question]] = field(default_factory=list)
    obligations: list[tuple[FileData[Any], int, Obligation]] = field(default_factory=list)
    determinations: list[tuple[FileData[Any], int, Determination]] = field(default_factory=list)
    sources: list[tuple[FileData[Any], LinePath, Source]] = field(default_factory=list)
    lists: list[tuple[FileData[Any], int, DataList]] = field(default_factory=list)
    tables: list[tuple[FileData[Any], int, DataTable]] = field(default_factory=list)
    topic_of: dict[str, str] = field(default_factory=dict)
    topic_titles: dict[str, str] = field(default_factory=dict)
    topic_skipped_because: dict[str, str] = field(default_factory=dict)
    seen: dict[str, tuple[FileData[Any], LinePath]] = field(default_factory=dict)
    locations: dict[str, tuple[str, int]] = field(default_factory=dict)

    def define(self, out: _Problems, fd: FileData[Any], path: LinePath, ident: str, what: str) -> None:
        if ident in self.seen:
            other, opath = self.seen[ident]
            out.add(
                fd,
                (*path, "id"),
                f"duplicate id '{ident}' ({what})",
                f"already defined at {other.display}:{other.line(opath)}; ids must be unique across the rulebook",
                code="duplicate_id",
                ref=ident,
            )
            return
        self.seen[ident] = (fd, path)
        self.locations[ident] = (fd.display, fd.line((*path, "id")) or 0)

    @property
    def source_ids(self) -> set[str]:
        return {s.id for _, _, s in self.sources}

    @property
    def list_items(self) -> dict[str, dict[str, str]]:
        return {lst.id: lst.items for _, _, lst in self.lists}

    @property
    def table_by_id(self) -> dict[str, DataTable]:
        return {t.id: t for _, _, t in self.tables}

    @property
    def q_by_id(self) -> dict[str, Question]:
        return {q.id: q for _, _, q in self.questions}


def collect(
    meta_file: FileData[RulebookMeta],
    topics: list[tuple[str, FileData[TopicFile]]],
    sources_files: list[FileData[SourcesFile]],
    data_files: list[FileData[DataFile]],
    out: _Problems,
) -> Defs:
    """Gather every definition; report duplicate ids."""
    defs = Defs(meta_file.model)
    for topic, fd in topics:
        defs.topic_titles[topic] = fd.model.title
        if fd.model.skipped_because is not None:
            defs.topic_skipped_because[topic] = fd.model.skipped_because
        for i, q in enumerate(fd.model.questions):
            defs.define(out, fd, ("questions", i), q.id, "question")
            defs.questions.append((fd, i, q))
            defs.topic_of[q.id] = topic
        for i, d in enumerate(fd.model.determinations):
            defs.define(out, fd, ("determinations", i), d.id, "determination")
            defs.determinations.append((fd, i, d))
            defs.topic_of[d.id] = topic
        for i, o in enumerate(fd.model.obligations):
            defs.define(out, fd, ("obligations", i), o.id, "obligation")
            defs.obligations.append((fd, i, o))
            defs.topic_of[o.id] = topic
        for i, s in enumerate(fd.model.sources):
            defs.define(out, fd, ("sources", i), s.id, "source")
            defs.sources.append((fd, ("sources", i), s))
    for sfd in sources_files:
        for i, s in enumerate(sfd.model.sources):
            defs.define(out, sfd, ("sources", i), s.id, "source")
            defs.sources.append((sfd, ("sources", i), s))
    for dfd in data_files:
        for i, lst in enumerate(dfd.model.lists):
            defs.define(out, dfd, ("lists", i), lst.id, "list")
            defs.lists.append((dfd, i, lst))
        for i, tbl in enumerate(dfd.model.tables):
            defs.define(out, dfd, ("tables", i), tbl.id, "table")
            defs.tables.append((dfd, i, tbl))
    return defs


def check_references(
    meta_file: FileData[RulebookMeta],
    topics: list[tuple[str, FileData[TopicFile]]],
    sources_files: list[FileData[SourcesFile]],
    data_files: list[FileData[DataFile]],
) -> tuple[Defs, list[Problem]]:
    """Every definition, and every problem with the references between them."""
    out = _Problems()
    defs = collect(meta_file, topics, sources_files, data_files, out)
    ctx = _Context(defs, out)
    meta = meta_file.model
    for phase, milestone in meta.phase_milestones.items():
        if phase not in meta.phases:
            out.unknown(meta_file, ("phase_milestones", phase), "phase", phase, meta.phases, "use a phase of phases:")
        if milestone not in meta.milestones:
            hint = "define it under milestones: in rulebook.yaml"
            out.unknown(meta_file, ("phase_milestones", phase), "milestone", milestone, meta.milestones, hint)
    for fd, i, q in defs.questions:
        ctx.question(fd, ("questions", i), q)
    for old, retired in meta.retired_questions.items():
        ctx.retired(meta_file, ("retired_questions", old), old, retired)
    for fd, i, o in defs.obligations:
        ctx.obligation(fd, ("obligations", i), o)
    for fd, path, s in defs.sources:
        ctx.window(fd, path, s.valid_from, s.valid_to)
    for fd, i, tbl in defs.tables:
        ctx.table(fd, ("tables", i), tbl)
    tested: list[tuple[FileData[Any], LinePath, Condition]] = [
        (fd, ("questions", i, "when"), q.when) for fd, i, q in defs.questions if q.when is not None
    ]
    tested += [(fd, ("questions", i, "prefill", "when"), q.prefill.when) for fd, i, q in defs.questions if q.prefill]
    for fd, i, o in defs.obligations:
        tested += [(fd, ("obligations", i, k), c) for k, c in (("when", o.when), ("unless", o.unless)) if c]
    check_determinations(defs.determinations, tested, defs.q_by_id, ctx.choices_of, ctx.table_by_id, ctx.citations, out)
    if not out.problems:  # the table checks (cycles, shadowed cases, gaps) need sound references
        lint_determinations(defs.determinations, defs.q_by_id, ctx.choices_of, out)
    return defs, out.problems


def build_rulebook(defs: Defs, digest: str) -> Rulebook:
    """The Rulebook from checked definitions (questions in topic order, then file order)."""
    rank = {t: i for i, t in enumerate(defs.meta.topics)}
    questions = sorted((q for _, _, q in defs.questions), key=lambda q: rank[defs.topic_of[q.id]])  # stable
    determinations = sorted((d for _, _, d in defs.determinations), key=lambda d: rank[defs.topic_of[d.id]])
    return Rulebook(
        meta=defs.meta,
        questions=tuple(questions),
        obligations=tuple(o for _, _, o in defs.obligations),
        determinations=tuple(determinations),
        sources=tuple(s for _, _, s in defs.sources),
        lists=tuple(lst for _, _, lst in defs.lists),
        tables=tuple(t for _, _, t in defs.tables),
        topic_of=defs.topic_of,
        topic_titles=defs.topic_titles,
        topic_skipped_because=defs.topic_skipped_because,
        digest=digest,
        locations=defs.locations,
    )


class _Context:
    """Reference checks for one rulebook's definitions; problems go to ``out``."""

    def __init__(self, defs: Defs, out: _Problems) -> None:
        self.defs, self.out = defs, out
        self.meta = defs.meta
        self.source_ids = defs.source_ids
        self.list_items = defs.list_items
        self.table_by_id = defs.table_by_id
        self.q_by_id = defs.q_by_id

    def choices_of(self, q: Question) -> dict[str, str] | None:
        if q.choices is not None:
            return q.choices
        if q.choices_from is not None:
            return self.list_items.get(q.choices_from)
        return None

    def citations(self, fd: FileData[Any], path: LinePath, citations: tuple[Citation, ...]) -> None:
        for j, c in enumerate(citations):
            if c.source not in self.source_ids:
                fallback = "register it in rules/sources.yaml"
                self.out.unknown(fd, (*path, j, "source"), "source", c.source, self.source_ids, fallback)

    def window(self, fd: FileData[Any], path: LinePath, start: date | None, end: date | None) -> None:
        if start is not None and end is not None and start > end:
            self.out.add(
                fd,
                (*path, "valid_to"),
                f"validity window is inverted: valid_from {start} is after valid_to {end}",
                "swap the dates or correct one",
            )

    def question(self, fd: FileData[Any], path: LinePath, q: Question) -> None:
        self.citations(fd, (*path, "citations"), q.citations)
        if q.choices_from is not None and q.choices_from not in self.list_items:
            self.out.unknown(
                fd,
                (*path, "choices_from"),
                "list",
                q.choices_from,
                self.list_items,
                "define it under lists: in rules/data/",
            )
        if q.when is not None:
            self.condition(fd, q.when, (*path, "when"))
        if q.prefill is not None:
            self.prefill(fd, (*path, "prefill"), q)
        if q.undecided is not None and UNDECIDED in (self.choices_of(q) or {}):
            self.out.add(
                fd,
                (*path, "undecided"),
                f"question '{q.id}' offers 'undecided' but its list '{q.choices_from}' has a choice '{UNDECIDED}'",
                f"rename that choice, or drop 'undecided' ('{UNDECIDED}' is the stored answer for it)",
            )

    def retired(self, fd: FileData[Any], path: LinePath, old: str, retired: Retired) -> None:
        """A retired id is not a live question; where its answer moved exists and has the choice."""
        if old in self.q_by_id:
            self.out.add(fd, path, f"'{old}' is retired but still defined as a question", "remove one of the two")
        if retired.moved_to is None or retired.choice is None:
            return
        target = self.q_by_id.get(retired.moved_to)
        if target is None:
            self.out.unknown(fd, (*path, "moved_to"), "question", retired.moved_to, self.q_by_id)
            return
        if target.kind not in ("one_of", "many_of"):
            self.out.add(
                fd,
                (*path, "moved_to"),
                f"'{target.id}' is a {target.kind} question",
                "move a yes/no answer into a one_of or many_of question",
            )
            return
        choices = self.choices_of(target) or {}
        if retired.choice not in choices:
            hint = did_you_mean(retired.choice, choices) or f"choices are: {', '.join(list(choices)[:12])}"
            self.out.add(
                fd,
                (*path, "choice"),
                f"'{retired.choice}' is not a choice of question '{target.id}'",
                hint,
                code="unknown_choice",
                ref=retired.choice,
            )

    def prefill(self, fd: FileData[Any], path: LinePath, q: Question) -> None:
        """A prefill's condition refers to known questions, and its value fits the question."""
        assert q.prefill is not None
        self.condition(fd, q.prefill.when, (*path, "when"))
        choices = self.choices_of(q)
        value = KINDS[q.kind].coerce(list(q.prefill.value) if isinstance(q.prefill.value, tuple) else q.prefill.value)
        for problem in KINDS[q.kind].validate(q.id, value, choices or {}):
            hint = (
                f"choices are: {', '.join(list(choices)[:12])}" if choices else f"give a value a {q.kind} answer takes"
            )
            self.out.add(fd, (*path, "value"), f"prefill value does not fit: {problem}", hint, code="unknown_choice")

    def obligation(self, fd: FileData[Any], path: LinePath, o: Obligation) -> None:
        self.citations(fd, (*path, "citations"), o.citations)
        self.window(fd, path, o.valid_from, o.valid_to)
        for what, value, known in (("actor", o.actor, self.meta.actors), ("phase", o.phase, self.meta.phases)):
            if value not in known:
                self.out.unknown(
                    fd,
                    (*path, what),
                    what,
                    value,
                    known,
                    f"use one of the {what}s in rulebook.yaml: {', '.join(known)}",
                )
        if o.due is not None and o.due not in self.meta.milestones:
            known = self.meta.milestones
            self.out.unknown(fd, (*path, "due"), "milestone", o.due, known, f"use one of the milestones in rulebook.yaml: {', '.join(known)}")  # fmt: skip
        for key in ("when", "unless"):
            cond = getattr(o, key)
            if cond is not None:
                self.condition(fd, cond, (*path, key))
        self.placeholders(fd, path, o, self.for_each(fd, path, o))

    def for_each(self, fd: FileData[Any], path: LinePath, o: Obligation) -> set[str]:
        """Check ``for_each``; return the placeholder names its table allows."""
        if o.for_each is None:
            return set()
        fe = o.for_each
        fq = self.q_by_id.get(fe.question)
        table = self.table_by_id.get(fe.table)
        if fq is None:
            self.out.unknown(fd, (*path, "for_each", "question"), "question", fe.question, self.q_by_id)
        elif fq.kind != "many_of":
            self.out.add(
                fd,
                (*path, "for_each", "question"),
                f"question '{fe.question}' is {fq.kind}; for_each needs a many_of question",
            )
        if table is None:
            self.out.unknown(fd, (*path, "for_each", "table"), "table", fe.table, self.table_by_id)
            return set()
        if fq is not None and fq.choices_from is not None and fq.choices_from != table.list:
            self.out.add(
                fd,
                (*path, "for_each", "table"),
                f"table '{fe.table}' is keyed by list '{table.list}' but question '{fe.question}' takes its choices from '{fq.choices_from}'",
                "use a table over the same list",
            )
        for col, values in (fe.where or {}).items():
            where_path = (*path, "for_each", "where", col)
            if col not in table.columns:
                self.out.unknown(fd, where_path, "column", col, table.columns)
                continue
            known = {row[col] for row in table.rows.values() if col in row}
            for i, value in enumerate(values):
                if value not in known:
                    self.out.unknown(
                        fd,
                        (*where_path, i),
                        f"value of column '{col}'",
                        value,
                        sorted(known),
                        f"use one of {', '.join(map(repr, sorted(known)))}",
                    )
        return {"item", "item_label", *table.columns}

    def placeholders(self, fd: FileData[Any], path: LinePath, o: Obligation, allowed: set[str]) -> None:
        for key, texts in (("title", [o.title]), ("description", [o.description]), ("checklist", list(o.checklist))):
            for j, text in enumerate(texts):
                for name in PLACEHOLDER.findall(text):
                    if name in allowed:
                        continue
                    where: LinePath = (*path, key, j) if key == "checklist" else (*path, key)
                    hint = (
                        f"use one of {{{'}, {'.join(sorted(allowed))}}}"
                        if allowed
                        else "placeholders work only in for_each obligations"
                    )
                    self.out.add(fd, where, f"unknown placeholder '{{{name}}}'", hint, code="unknown_placeholder")

    def table(self, fd: FileData[Any], path: LinePath, tbl: DataTable) -> None:
        items = self.list_items.get(tbl.list)
        if items is None:
            self.out.unknown(fd, (*path, "list"), "list", tbl.list, self.list_items)
            items = {}
        for key, row in tbl.rows.items():
            self.row(fd, (*path, "rows", key), tbl, key, row, items)
        for key in tbl.row_verification:
            if key not in tbl.rows:
                self.out.add(
                    fd, (*path, "row_verification", key), f"no row '{key}' in this table", did_you_mean(key, tbl.rows)
                )
        for key, cits in tbl.row_citations.items():
            if key not in tbl.rows:
                self.out.add(
                    fd, (*path, "row_citations", key), f"no row '{key}' in this table", did_you_mean(key, tbl.rows)
                )
            self.citations(fd, (*path, "row_citations", key), cits)

    def row(
        self, fd: FileData[Any], path: LinePath, tbl: DataTable, key: str, row: dict[str, str], items: dict[str, str]
    ) -> None:
        if items and key not in items:
            self.out.add(
                fd,
                path,
                f"'{key}' is not an item of list '{tbl.list}'",
                did_you_mean(key, items) or "quote codes such as 'NO'",
            )
        missing = [c for c in tbl.columns if c not in row]
        if missing:
            self.out.add(
                fd,
                path,
                f"row '{key}' lacks column(s) {', '.join(missing)}",
                "give every column a value (write 'not known' if need be)",
            )
        for c in row:
            if c not in tbl.columns:
                self.out.add(
                    fd,
                    (*path, c),
                    f"unknown column '{c}'",
                    did_you_mean(c, tbl.columns) or f"columns are: {', '.join(tbl.columns)}",
                )

    def condition(self, fd: FileData[Any], cond: Condition, path: LinePath) -> None:
        """Report every bad leaf in a condition tree."""
        for key, children in (("all", cond.all), ("any", cond.any)):
            for j, child in enumerate(children or ()):
                self.condition(fd, child, (*path, key, j))
        if cond.not_ is not None:
            self.condition(fd, cond.not_, (*path, "not"))
        if cond.question is None:
            return
        q = self.q_by_id.get(cond.question)
        if q is None:
            self.out.unknown(fd, (*path, "question"), "question", cond.question, self.q_by_id)
            return
        op, value = cond.operator, cond.operand
        spec = KINDS[q.kind]
        if op not in spec.operators:
            fits = " or ".join(repr(f) for f in spec.operators)
            self.out.add(fd, (*path, op), f"'{op}' does not fit {q.kind} question '{q.id}'", f"use {fits}")
            return
        wrong = spec.operand_problem(q.id, op, value)
        if wrong is not None:
            self.out.add(fd, (*path, op), *wrong)
            return
        choices = self.choices_of(q)
        if not choices or op not in ("is", "in", "includes"):
            return
        for v in [value] if isinstance(value, str) else list(value) if isinstance(value, tuple) else []:
            if v not in choices:
                self.out.add(
                    fd,
                    (*path, op),
                    f"'{v}' is not a choice of question '{q.id}'",
                    did_you_mean(v, choices) or f"choices are: {', '.join(list(choices)[:12])}",
                    code="unknown_choice",
                    ref=v,
                    suggestion=closest(v, choices),
                )
