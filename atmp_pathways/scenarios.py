"""Sentence-named YAML scenarios: run them, explain failures, measure coverage.

A scenario file is a list of mappings with ``name``, ``answers`` and any of
``as_of``, ``applies``, ``applies_from``, ``horizon``, ``does_not_apply``,
``undetermined``, ``depends`` (settled only by a "not decided yet" answer), ``asked``,
``determinations``. Only what is listed is checked.
``determinations`` maps a determination id (``id[ITEM]`` for a per-item result)
to the value it must conclude, or ``null`` for "not determined".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ._files import UnsafeFile, read_inside
from ._quote import describe_id, quote
from ._yaml import MAX_BYTES, LinePath, YamlProblem, decode_text, parse_yaml
from .answers import _coerce
from .engine import evaluate, next_question, validate_answers
from .errors import Problem, RulebookError, did_you_mean
from .models import AnswerValue, Rulebook
from .outcome import Determined, Finding, Outcome

__all__ = ["Coverage", "Scenario", "coverage", "load_scenarios", "replay", "run_scenario"]

_EXPECT_KEYS = ("applies", "applies_from", "horizon", "does_not_apply", "undetermined", "depends")
_ALLOWED = {"name", "as_of", "answers", "asked", "determinations", *_EXPECT_KEYS}


@dataclass(frozen=True)
class Scenario:
    path: str
    line: int | None
    name: str
    answers: dict[str, AnswerValue]
    as_of: date | None = None
    expect: dict[str, tuple[str, ...]] = field(default_factory=dict)
    asked: tuple[str, ...] | None = None
    determinations: dict[str, str | None] = field(default_factory=dict)

    @property
    def test_id(self) -> str:
        return f"{Path(self.path).name}::{self.name}"


def load_scenarios(paths: Iterable[Path], book: Rulebook) -> list[Scenario]:
    """Read scenario files; raise ``RulebookError`` listing every malformed scenario."""
    out: list[Scenario] = []
    problems: list[Problem] = []
    for path in sorted(paths):
        out += _read_file(path, book, problems)
    if problems:
        root = {Path(p.path).parent.as_posix() for p in problems}
        raise RulebookError(problems, f"{root.pop()}/" if len(root) == 1 else "the scenario folders")
    return out


class _At:
    """Where in one scenario file a problem is: adds ``bad_scenario`` problems to a shared list."""

    def __init__(self, shown: str, lines: dict[LinePath, int], problems: list[Problem]) -> None:
        self.shown, self.lines, self.problems = shown, lines, problems

    def add(
        self, key: LinePath, fallback: int | None, where: str, message: str, hint: str = "", code: str = "bad_scenario"
    ) -> None:
        self.problems.append(Problem(self.shown, self.lines.get(key, fallback), where, message, hint, code=code))


def _read_file(path: Path, book: Rulebook, problems: list[Problem]) -> list[Scenario]:
    shown = path.as_posix()
    try:
        data, lines = parse_yaml(decode_text(read_inside(path.parent, path, MAX_BYTES)), shown)
    except YamlProblem as err:
        problems.append(Problem(shown, err.line, "", err.message, err.hint, code="yaml_syntax"))
        return []
    except UnsafeFile as err:
        problems.append(Problem(shown, None, "", err.message, err.hint, code="unreadable"))
        return []
    except OSError as err:
        problems.append(
            Problem(shown, None, "", f"cannot read file ({err.strerror})", "check the path", code="unreadable")
        )
        return []
    at = _At(shown, lines, problems)
    if not isinstance(data, list):
        at.add((), 1, "", "a scenario file is a list of scenarios", "start each scenario with '- name: …'")
        return []
    out: list[Scenario] = []
    names: set[str] = set()
    for i, raw in enumerate(data):
        sc = _read_scenario(at, i, raw, book)
        if sc is None:
            continue
        if sc.name in names:
            at.add((i,), None, f"[{i}]", f"duplicate scenario name '{sc.name}'", "names must be unique within a file")
        names.add(sc.name)
        out.append(sc)
    return out


def _read_scenario(at: _At, i: int, raw: object, book: Rulebook) -> Scenario | None:
    line = at.lines.get((i,))
    where = f"[{i}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
        at.add((i,), None, where, "a scenario needs a 'name' sentence")
        return None
    for key in raw:
        if key not in _ALLOWED:
            hint = did_you_mean(str(key), _ALLOWED) or f"allowed: {', '.join(sorted(_ALLOWED))}"
            at.add((i, key), line, where, f"unexpected key '{key}'", hint)
    answers_raw = raw.get("answers") or {}
    if not isinstance(answers_raw, dict):
        at.add((i,), None, f"{where}.answers", "answers must be a mapping")
        return None
    answers = {str(k): _coerce(book, str(k), v) for k, v in answers_raw.items()}
    for msg in validate_answers(book, answers):
        at.add((i, "answers"), None, f"{where}.answers", msg, code="bad_value")
    expect = {key: _ids(at, i, key, raw.get(key) or [], book.obligations_by_id, "obligation") for key in _EXPECT_KEYS}
    asked = raw.get("asked")
    if asked is not None:
        asked = _ids(at, i, "asked", asked, book.questions_by_id, "question")
    as_of = raw.get("as_of")
    if as_of is not None and not isinstance(as_of, date):
        at.add(
            (i, "as_of"), line, f"{where}.as_of", f"expected a date, got {quote(as_of)}", "write YYYY-MM-DD unquoted"
        )
        as_of = None
    expected = {k: v for k, v in expect.items() if v is not None}
    determinations = _determinations(at, i, raw.get("determinations") or {}, book)
    return Scenario(at.shown, line, raw["name"], answers, as_of, expected, asked, determinations)


def _determinations(at: _At, i: int, raw: object, book: Rulebook) -> dict[str, str | None]:
    """``{id or id[ITEM]: value or null}``, each checked against the rulebook."""
    where = f"[{i}].determinations"
    if not isinstance(raw, dict):
        at.add((i, "determinations"), at.lines.get((i,)), where, "expected a mapping of determination id to value")
        return {}
    out: dict[str, str | None] = {}
    for key, value in raw.items():
        key = str(key)
        line = at.lines.get((i, "determinations", key), at.lines.get((i,)))
        d = book.determinations_by_id.get(key.split("[", 1)[0])
        if d is None:
            hint = did_you_mean(key, book.determinations_by_id)
            at.add((i, "determinations", key), line, where, f"unknown determination '{key}'", hint, "unknown_ref")
            continue
        if value is not None and (not isinstance(value, str) or value not in d.values):
            hint = did_you_mean(str(value), d.values) or f"values are: {', '.join(d.values)} (or null)"
            at.add((i, "determinations", key), line, where, f"'{value}' is not a value of determination '{d.id}'", hint)
            continue
        out[key] = value
    return out


def _ids(at: _At, i: int, key: str, ids: object, known: Mapping[str, object], what: str) -> tuple[str, ...] | None:
    """A list of obligation or question ids under ``key``; None (and a problem) when it is not one."""
    line = at.lines.get((i,))
    where = f"[{i}].{key}"
    if not isinstance(ids, list) or not all(isinstance(x, str) for x in ids):
        at.add((i, key), line, where, f"expected a list of {what} ids")
        return None
    for j, ident in enumerate(ids):
        if ident.split("[", 1)[0] not in known:
            at.add(
                (i, key, j),
                line,
                f"{where}[{j}]",
                f"unknown {what} {describe_id(ident, what)}",
                did_you_mean(ident, known) if len(ident) <= 64 else "",
                "unknown_ref",
            )
    return tuple(ids)


def replay(book: Rulebook, answers: dict[str, AnswerValue], as_of: date | None = None) -> tuple[list[str], str | None]:
    """Answer each next question from ``answers``; return the questions asked and
    the first one the answers lack (None when the interview completed)."""
    given: dict[str, AnswerValue] = {}
    asked: list[str] = []
    while (q := next_question(book, given, as_of)) is not None:
        asked.append(q.id)
        if q.id not in answers:
            return asked, q.id
        given[q.id] = answers[q.id]
    return asked, None


def _matches(ident: str, finding: Finding) -> bool:
    return finding.id == ident if "[" in ident else finding.obligation == ident


def _describe(f: Finding) -> str:
    if f.state == "not_applicable":
        return f"it does not apply, because: {f.why_not}"
    if f.state == "undetermined":
        return f"it is undetermined; still waiting for: {', '.join(f.pending) or '—'}"
    if f.state == "depends":
        return f"it depends on answers not decided yet: {', '.join(f.undecided)}"
    label = {
        "applies": "it applies",
        "applies_from": f"it applies only from {f.valid_from}",
        "horizon": "it is on the horizon (not yet law)",
    }[f.state]
    return f"{label}, because: " + "; ".join(r.text for r in f.because)


def _concluded(d: Determined) -> str:
    if d.value is None and d.pending:
        return f"it is not determined; still waiting for: {', '.join(d.pending)}"
    if d.value is None:
        return f"it reached no value: {d.because}"
    return f"it concluded {d.value}, because: {d.because}" + "".join(f"; {r.text}" for r in d.trace)


def run_scenario(book: Rulebook, sc: Scenario) -> tuple[Outcome, list[str]]:
    """Evaluate one scenario; return the outcome and every failed expectation in words."""
    outcome = evaluate(book, sc.answers, sc.as_of)
    findings = outcome.all_findings()
    failures: list[str] = []
    for key, ids in sc.expect.items():
        for ident in ids:
            hits = [f for f in findings if _matches(ident, f)]
            if key == "does_not_apply":
                bad = [f for f in hits if f.state != "not_applicable"]
                if bad or not hits:
                    failures.append(
                        f"expected not to apply: {ident}\n    {_describe(bad[0]) if bad else 'no such finding in the outcome'}"
                    )
                continue
            want = key
            if not any(f.state == want for f in hits):
                shown = (
                    _describe(hits[0]) if hits else "no such finding in the outcome (per-item instances are id[ITEM])"
                )
                failures.append(f"expected {key.replace('_', ' ')}: {ident}\n    {shown}")
    for name, value in sc.determinations.items():
        got = next((d for d in outcome.determinations if d.key == name), None)
        if got is None:
            failures.append(
                f"expected {name} = {value}\n    no such result in the outcome (per-item results are id[ITEM])"
            )
        elif got.value != value:
            failures.append(f"expected {name} = {value or 'not determined'}\n    {_concluded(got)}")
    if sc.asked is not None:
        asked, missing = replay(book, sc.answers, sc.as_of)
        if asked != list(sc.asked):
            msg = f"expected questions asked: {list(sc.asked)}\n    asked: {asked}"
            if missing is not None:
                msg += f"\n    the wizard needed an answer to '{missing}', which the scenario does not give"
            failures.append(msg)
    return outcome, failures


@dataclass
class Coverage:
    asked: dict[str, bool]
    applies: dict[str, bool]
    not_applies: dict[str, bool]
    values: dict[str, bool] = field(default_factory=dict)  # "determination = value" → reached
    proposals: dict[str, bool] = field(default_factory=dict)
    """Reform proposal id → shown by some scenario (a question or obligation it would change is on screen)."""

    @property
    def percent(self) -> float:
        parts = (self.asked, self.applies, self.not_applies, self.values, self.proposals)
        total = sum(len(p) for p in parts)
        hit = sum(sum(p.values()) for p in parts)
        return 100.0 * hit / total if total else 100.0

    def gaps(self) -> list[str]:
        out = [f"question never asked: {q}" for q, ok in self.asked.items() if not ok]
        out += [f"obligation never applies: {o}" for o, ok in self.applies.items() if not ok]
        out += [f"obligation never shown not applying: {o}" for o, ok in self.not_applies.items() if not ok]
        out += [f"determination value never reached: {v}" for v, ok in self.values.items() if not ok]
        out += [f"reform proposal never shown: {p}" for p, ok in self.proposals.items() if not ok]
        return out


def coverage(book: Rulebook, scenarios: Iterable[Scenario], outcomes: dict[str, Outcome] | None = None) -> Coverage:
    """Which questions some scenario's replay asks, which obligations some scenario
    makes apply (in force, from a date, or on the horizon) and some makes not apply,
    and which determination values some scenario reaches."""
    cov = Coverage(
        {q.id: False for q in book.questions},
        {o.id: False for o in book.obligations},
        {o.id: False for o in book.obligations},
        {f"{d.id} = {v}": False for d in book.determinations for v in d.values},
        {p.id: False for p in book.proposals},
    )
    for sc in scenarios:
        asked, _ = replay(book, sc.answers, sc.as_of)
        shown = set(asked)
        for qid in asked:
            cov.asked[qid] = True
        outcome = (outcomes or {}).get(sc.test_id) or evaluate(book, sc.answers, sc.as_of)
        for f in outcome.all_findings():
            if f.state in ("applies", "applies_from", "horizon"):
                cov.applies[f.obligation] = True
                shown.add(f.obligation)
            elif f.state == "not_applicable":
                cov.not_applies[f.obligation] = True
        for d in outcome.determinations:
            if d.value is not None:
                cov.values[f"{d.id} = {d.value}"] = True
        for p in book.proposals:
            if shown.intersection(p.affects):
                cov.proposals[p.id] = True
    return cov
