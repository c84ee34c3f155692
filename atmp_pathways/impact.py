"""What today's rules (or a later as-of date) change for saved assessments.

Pure: a saved revision (answers, as-of, the outcome summary it was saved with) and the
rulebook it was saved under, against the current rulebook. Each obligation or determination
that starts, stops or changes is listed with the rule-diff lines that explain it, joined on
the obligation id (and on the questions and sources it depends on); questions that must now
be answered are listed too. ``atmp_pathways.store`` feeds it the latest revision of every
assessment; the app uses ``AssessmentImpact.banner()`` and the list badge.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from ._gc import paused
from .answers import migrate_answers
from .engine import evaluate, validate_answers
from .models import AnswerValue, Rulebook
from .present import change_words
from .rulediff import RuleDiff, diff_rulebooks
from .store._values import Revision, summarise_outcome

if TYPE_CHECKING:
    from .store._store import Store
    from .store._values import AssessmentSummary

__all__ = ["AssessmentImpact", "ImpactLine", "impact", "impact_json", "impact_markdown", "impact_of", "usable_answers"]

LineKind = Literal["starts", "stops", "changes"]
_LIVE = ("applies", "applies_from", "horizon")
_STATE_WORDS = {
    "applies": "applies",
    "applies_from": "applies from a later date",
    "horizon": "on the horizon",
    "undetermined": "waits for answers",
    "depends": "depends on an answer not decided yet",
    None: "does not apply",
}


@dataclass(frozen=True, slots=True)
class ImpactLine:
    """One obligation (or determination) whose outcome differs from the saved one."""

    kind: LineKind
    collection: str
    id: str
    title: str
    before: str | None
    after: str | None
    causes: tuple[str, ...] = ()
    effect: str = "duty"
    """``relief`` for an exemption or derogation: its loss reads "relief no longer available"."""

    @property
    def key(self) -> str:
        """A stable key, recorded when the user acknowledges the change."""
        return f"{self.collection}:{self.id}:{self.kind}"

    def text(self) -> str:
        """One line for people, e.g. ``\\`x\\` starts: applies (was: does not apply) — because …``."""
        kind = (
            change_words(self.effect, self.kind == "starts")
            if self.effect == "relief" and self.kind != "changes"
            else self.kind
        )
        what = f"`{self.id}` {kind}: {_STATE_WORDS.get(self.after, self.after)}"
        if self.before != self.after:
            what += f" (was: {_STATE_WORDS.get(self.before, self.before)})"
        if self.causes:
            what += " — " + "; ".join(self.causes)
        return what


@dataclass(frozen=True, slots=True)
class AssessmentImpact:
    """What differs for one assessment between its latest revision and the current rules."""

    assessment_id: int
    name: str
    revision: int
    saved_at: datetime | None
    saved_version: str
    saved_digest: str
    saved_as_of: date
    as_of: date
    version: str
    digest: str
    lines: tuple[ImpactLine, ...] = ()
    new_questions: tuple[tuple[str, str], ...] = ()
    dropped_answers: tuple[str, ...] = ()
    problem: str | None = None

    @property
    def changed(self) -> bool:
        """True when the list should show a badge."""
        return bool(self.lines or self.new_questions or self.dropped_answers)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for line in self.lines:
            out[line.collection] = out.get(line.collection, 0) + 1
        return out

    def banner(self) -> str:
        """E.g. "2 obligations changed since you saved this on 2026-12-01 under v0.1.1 — review"."""
        if not self.changed:
            return ""
        parts = [f"{n} {_noun(coll, n)}" for coll, n in sorted(self.counts().items(), reverse=True)]
        if self.new_questions:
            n = len(self.new_questions)
            parts.append(f"{n} new {'question' if n == 1 else 'questions'} to answer")
        if self.dropped_answers:
            n = len(self.dropped_answers)
            parts.append(f"{n} {'answer' if n == 1 else 'answers'} no longer used")
        when = f" on {self.saved_at.date().isoformat()}" if self.saved_at else ""
        date_note = f" (evaluated as of {self.as_of.isoformat()})" if self.as_of != self.saved_as_of else ""
        return (
            f"{_join(parts)} changed since you saved this{when} under v{self.saved_version}{date_note} — review"
            if self.lines
            else f"{_join(parts)} since you saved this{when} under v{self.saved_version}{date_note} — review"
        )


def _noun(collection: str, n: int) -> str:
    word = collection[:-1] if collection.endswith("s") else collection
    return word if n == 1 else f"{word}s"


def _join(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def usable_answers(book: Rulebook, answers: Mapping[str, AnswerValue]) -> tuple[dict[str, AnswerValue], list[str]]:
    """Answers the current rules accept; the rest are reported (a question removed, a choice gone).

    Answers to retired question ids move where ``retired_questions`` says first
    (``answers.migrate_answers``); only what could not move is reported.
    """
    moved, _ = migrate_answers(book, answers)
    kept = {k: v for k, v in moved.items() if k in book.questions_by_id}
    if validate_answers(book, kept):
        kept = {k: v for k, v in kept.items() if not validate_answers(book, {k: v})}
    carried = {old for old, r in book.meta.retired_questions.items() if old in answers and r.moved_to in kept}
    return kept, sorted(set(answers) - set(kept) - carried)


def _causes(
    entry_new: Mapping[str, Any] | None,
    entry_old: Mapping[str, Any] | None,
    obligation: str,
    book: Rulebook,
    diff: RuleDiff | None,
    saved_as_of: date,
    as_of: date,
) -> tuple[str, ...]:
    out: list[str] = []
    if diff is not None:
        change = diff.find("obligations", obligation) or diff.find("determinations", obligation)
        if change is not None:
            out += [
                line.split(": ", 1)[1] if line.startswith("`") and ": " in line else line for line in change.lines()
            ]
        rule = book.obligations_by_id.get(obligation)
        if rule is not None:
            qids: set[str] = set()
            dids: set[str] = set()
            for cond in (rule.when, rule.unless):
                if cond is not None:
                    qids |= cond.questions()
                    dids |= cond.determinations()
            for qid in sorted(qids):
                q_change = diff.find("questions", qid)
                if q_change is not None:
                    out += [f"question {line}" for line in q_change.lines()]
            for did in sorted(dids):
                d_change = diff.find("determinations", did)
                if d_change is not None:
                    out += [f"determination {line}" for line in d_change.lines()]
            for sid in sorted({c.source for c in rule.citations}):
                s_change = diff.find("sources", sid)
                if s_change is not None:
                    out += [f"source {line}" for line in s_change.lines()]
    if as_of != saved_as_of:
        entry = entry_new or entry_old or {}
        for key, words in (("valid_from", "valid from"), ("valid_to", "valid until")):
            raw = entry.get(key)
            if raw:
                edge = date.fromisoformat(raw)
                lo, hi = sorted((saved_as_of, as_of))
                if lo <= edge <= hi or (key == "valid_to" and lo <= edge < hi):
                    out.append(f"{words} {edge.isoformat()} (now evaluated as of {as_of.isoformat()})")
    return tuple(dict.fromkeys(out))


def _entry_differs(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return any(a.get(k) != b.get(k) for k in ("status", "verification", "valid_from", "valid_to", "citations"))


def impact_of(
    revision: Revision,
    book: Rulebook,
    as_of: date | None = None,
    *,
    old_book: Rulebook | None = None,
    diff: RuleDiff | None = None,
    name: str = "",
    problem: str | None = None,
) -> AssessmentImpact:
    """Compare one saved revision with ``book`` (as of ``as_of``, default the revision's own date).

    ``old_book`` is the rulebook the revision was saved under (for the causes); without it
    the changes are still listed, without the rule lines that explain them.
    """
    when = as_of or revision.as_of
    base = AssessmentImpact(
        assessment_id=revision.assessment_id, name=name, revision=revision.number, saved_at=revision.saved_at,
        saved_version=revision.rulebook_version, saved_digest=revision.rulebook_digest, saved_as_of=revision.as_of,
        as_of=when, version=book.meta.version, digest=book.digest, problem=problem,
    )  # fmt: skip
    if revision.rulebook_digest == book.digest and when == revision.as_of:
        return base  # same rules, same answers, same date: the same outcome
    if diff is None and old_book is not None:
        diff = diff_rulebooks(old_book, book)
    answers, dropped = usable_answers(book, revision.answers)
    now = summarise_outcome(evaluate(book, answers, when))
    old = {o["id"]: o for o in revision.outcome.get("obligations", [])}
    new = {o["id"]: o for o in now["obligations"]}
    lines: list[ImpactLine] = []
    for fid in list(new) + [k for k in old if k not in new]:
        a, b = old.get(fid), new.get(fid)
        before, after = (a or {}).get("state"), (b or {}).get("state")
        obligation = str((b or a or {}).get("obligation", fid))
        title = str((b or a or {}).get("title", fid))
        kind: LineKind | None = None
        if before not in _LIVE and after in _LIVE:
            kind = "starts"
        elif before in _LIVE and after not in _LIVE and after not in ("undetermined", "depends"):
            kind = "stops"
        elif before != after or (a and b and _entry_differs(a, b)):
            kind = "changes"
        elif diff is not None and after in _LIVE and diff.find("obligations", obligation) is not None:
            kind = "changes"
        if kind is not None:
            causes = _causes(b, a, obligation, book, diff, revision.as_of, when)
            rule = book.obligations_by_id.get(obligation)
            effect = rule.effect if rule is not None else "duty"
            lines.append(ImpactLine(kind, "obligations", fid, title, before, after, causes, effect))
    old_d = {d["id"]: d for d in revision.outcome.get("determinations", [])}
    new_d = {d["id"]: d for d in now["determinations"]}
    for did in list(new_d) + [k for k in old_d if k not in new_d]:
        x, y = old_d.get(did), new_d.get(did)
        if (x or {}).get("value") != (y or {}).get("value"):
            kind = "starts" if x is None else "stops" if y is None else "changes"
            base_id = str((y or x or {}).get("determination", did))
            causes = _causes(None, None, base_id, book, diff, revision.as_of, when)
            before_v, after_v = (x or {}).get("value"), (y or {}).get("value")
            lines.append(
                ImpactLine(kind, "determinations", did, str((y or x or {}).get("title", did)),
                           None if before_v is None else str(before_v), None if after_v is None else str(after_v),
                           causes)
            )  # fmt: skip
    pending_before = set(revision.outcome.get("pending_questions", []))
    new_questions = tuple(
        (qid, book.questions_by_id[qid].text) for qid in now["pending_questions"] if qid not in pending_before
    )
    return replace(base, lines=tuple(lines), new_questions=new_questions, dropped_answers=tuple(dropped))


def impact(
    source: Store | Iterable[tuple[AssessmentSummary, Revision]] | Iterable[Revision],
    book: Rulebook,
    as_of: date | None = None,
    *,
    user: str | None = None,
    snapshots: Callable[[str], Rulebook | None] | None = None,
) -> list[AssessmentImpact]:
    """The impact of ``book`` (and ``as_of``) on the latest revision of every assessment.

    ``source`` is a ``Store`` (every assessment ``user`` can see; ``None`` = all) or the
    revisions themselves (with their summaries for names); ``snapshots`` looks a stored
    rulebook up by digest (a ``Store`` provides it). The rule diff is computed once per
    distinct saved rulebook.
    """
    from .store._store import Store

    # The saved revisions stay alive for the whole run: the cyclic garbage collector would
    # re-scan them on every pass (cost growing with the portfolio) and can free none of them.
    with paused():
        if isinstance(source, Store):
            snapshots = snapshots or source.rulebook_snapshot
            pairs: list[tuple[str, Revision]] = [(a.name, r) for a, r in source.latest_revisions(user)]
        else:
            pairs = [(item[0].name, item[1]) if isinstance(item, tuple) else ("", item) for item in source]
        return _impacts(pairs, book, as_of, snapshots)


def _impacts(
    pairs: list[tuple[str, Revision]],
    book: Rulebook,
    as_of: date | None,
    snapshots: Callable[[str], Rulebook | None] | None,
) -> list[AssessmentImpact]:
    from .store._errors import StoreError

    diffs: dict[str, tuple[RuleDiff | None, str | None]] = {}
    out = []
    for name, rev in pairs:
        if rev.rulebook_digest not in diffs:
            old_book, problem = None, None
            if rev.rulebook_digest != book.digest:
                try:
                    old_book = snapshots(rev.rulebook_digest) if snapshots else None
                except StoreError as err:
                    problem = str(err)
                if old_book is None and problem is None:
                    problem = (
                        f"saved under rulebook {rev.rulebook_version} (digest {rev.rulebook_digest}), whose snapshot "
                        "is not in the database: changes are listed without the rule lines that caused them"
                    )
            diffs[rev.rulebook_digest] = (diff_rulebooks(old_book, book) if old_book else None, problem)
        diff, problem = diffs[rev.rulebook_digest]
        out.append(impact_of(rev, book, as_of, diff=diff, name=name, problem=problem))
    return out


def impact_json(impacts: Iterable[AssessmentImpact]) -> str:
    def plain(i: AssessmentImpact) -> dict[str, Any]:
        data = asdict(i)
        data["saved_at"] = i.saved_at.isoformat() if i.saved_at else None
        data["saved_as_of"], data["as_of"] = i.saved_as_of.isoformat(), i.as_of.isoformat()
        data["new_questions"] = [{"id": q, "text": t} for q, t in i.new_questions]
        data["banner"] = i.banner()
        return data

    return json.dumps([plain(i) for i in impacts], indent=2, ensure_ascii=False) + "\n"


def impact_markdown(impacts: Iterable[AssessmentImpact], book: Rulebook) -> str:
    items = list(impacts)
    changed = [i for i in items if i.changed or i.problem]
    out = [
        f"# Impact of rulebook {book.meta.version} (digest {book.digest}) on {len(items)} saved "
        f"{'assessment' if len(items) == 1 else 'assessments'}",
        "",
        f"{len(changed)} changed, {len(items) - len(changed)} unchanged.",
        "",
    ]
    for i in changed:
        saved = i.saved_at.date().isoformat() if i.saved_at else "?"
        out += [
            f"## #{i.assessment_id} {i.name} (revision {i.revision}, saved {saved} under v{i.saved_version}, "
            f"as of {i.saved_as_of.isoformat()})",
            "",
        ]
        if i.problem:
            out += [f"> {i.problem}", ""]
        out += [f"- {line.text()}" for line in i.lines]
        out += [f"- new question to answer: `{qid}` — {text}" for qid, text in i.new_questions]
        out += [f"- answer no longer used by these rules: `{qid}`" for qid in i.dropped_answers]
        out.append("")
    return "\n".join(out)
