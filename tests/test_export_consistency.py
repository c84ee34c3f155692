"""Every export format says the same thing, in the same words.

One outcome (complete and incomplete; toy rules and shipped rules) is rendered in every
format of ``EXPORTS``; binary formats are read back (openpyxl, python-docx, ``pdftotext``).
Each pending question's text, each obligation's title, legal-status label, verification
label and citation, and each answer label must appear in every format, worded as
``atmp_pathways.present`` words them. CSV is one row per checklist item by design, so it
carries no answers and no list of questions still to answer (see ``exports/csv_.py``);
its undetermined rows still name the questions they wait for.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook  # type: ignore[import-untyped]

from atmp_pathways import Rulebook, evaluate, next_question
from atmp_pathways.exports import EXPORTS
from atmp_pathways.exports.outline import conclusion_label, determination_heading
from atmp_pathways.models import AnswerValue
from atmp_pathways.outcome import Outcome
from atmp_pathways.present import answer_rows, citation_text, due_label, question_text, status_label, verification_label

GENERATED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NO_ANSWERS = {"csv"}  # one row per checklist item: answers do not fit the row shape


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _xlsx(data: bytes, tmp: Path) -> str:
    wb = load_workbook(io.BytesIO(data))
    return "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)


def _docx(data: bytes, tmp: Path) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _pdf(data: bytes, tmp: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; PDF text cannot be read back")
    path = tmp / "out.pdf"
    path.write_bytes(data)
    run = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    # A paragraph may go on over a page break: drop the running footer between its lines.
    footer = re.compile(r"^(.* · digest \S+ · as of \S+|Page \d+ of \d+)$")
    lines = run.stdout.decode().replace("\f", "\n").splitlines()
    return "\n".join(line for line in lines if not footer.match(line.strip()))


def _markdown(data: str) -> str:
    """What a reader of the rendered Markdown sees: no escaping backslashes, links as their text."""
    text = re.sub(r"(?<!\\)\[((?:[^\]\\]|\\.)*)\]\(https://[^)\s]*\)", r"\1", data)
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)


def _csv(data: str) -> str:
    return "\n".join(cell for row in csv.reader(io.StringIO(data)) for cell in row)


def _json(data: str) -> str:
    return "\n".join(_strings(json.loads(data)))


_BINARY_READERS: dict[str, Callable[[bytes, Path], str]] = {"xlsx": _xlsx, "docx": _docx, "pdf": _pdf}
_TEXT_READERS: dict[str, Callable[[str], str]] = {"md": _markdown, "json": _json, "csv": _csv}


def read_back(fmt: str, outcome: Outcome, book: Rulebook, tmp: Path) -> str:
    """The export's text as a reader sees it, whitespace collapsed (PDF lines wrap anywhere)."""
    data = EXPORTS[fmt].render(outcome, book, GENERATED)
    if isinstance(data, bytes):
        reader = _BINARY_READERS.get(fmt)
        assert reader is not None, f"{fmt}: add a read-back for this binary format to {__name__}"
        text = reader(data, tmp)
    else:
        text = _TEXT_READERS.get(fmt, lambda s: s)(data)
    return " ".join(text.split())


def expected_phrases(outcome: Outcome, book: Rulebook, fmt: str) -> dict[str, tuple[int, str]]:
    """What every format must say: phrase → (at least how many times, why).

    A pending question's text is said once in the list of questions still to answer
    (CSV has no such list) and once for each undetermined obligation waiting for it.
    """
    want: dict[str, tuple[int, str]] = {}

    def need(phrase: str, why: str, times: int = 1) -> None:
        key = " ".join(phrase.split())
        want[key] = (max(times, want.get(key, (0, ""))[0]), why)

    for qid in outcome.pending_questions:
        waiting = sum(qid in f.pending for f in outcome.undetermined)
        need(question_text(book, qid), f"pending question {qid}", waiting + (fmt not in NO_ANSWERS))
    for d in outcome.determinations:  # "Your pathway": every format says what the rules conclude
        need(determination_heading(d), f"determination {d.key}")
        need(conclusion_label(d), f"conclusion of {d.key}")
        need(verification_label(d.verification), f"verification of {d.key}")
        if d.because:
            need(d.because, f"because of {d.key}")
        for c in d.citations:
            need(citation_text(c), f"citation of {d.key}")
        for qid in d.pending:
            need(question_text(book, qid), f"question settling {d.key}")
    for f in outcome.applicable + outcome.upcoming + outcome.horizon:
        need(f.title, f"title of {f.id}")
        need(status_label(f.status), f"legal status of {f.id}")
        need(verification_label(f.verification), f"verification of {f.id}")
        need(due_label(book, f), f"when {f.id} falls due")
        for c in f.citations:
            need(citation_text(c), f"citation of {f.id}")
    for f in outcome.undetermined:
        need(f.title, f"title of undetermined {f.id}")
    if fmt not in NO_ANSWERS:
        for f in outcome.not_applicable:
            need(f.title, f"title of not-applicable {f.id}")
        for question, answer in answer_rows(outcome, book):
            need(answer, f"answer to {question!r}")
            need(question, "answered question")
    return want


def _part_answers(book: Rulebook, full: dict[str, AnswerValue], steps: int) -> dict[str, AnswerValue]:
    """The first ``steps`` answers the wizard would ask for, from ``full``."""
    out: dict[str, AnswerValue] = {}
    while len(out) < steps and (q := next_question(book, out)) is not None and q.id in full:
        out[q.id] = full[q.id]
    return out


TOY_FULL: dict[str, AnswerValue] = {
    "uses_widgets": True,
    "widget_count_large": True,
    "widget_colour": "red",
    "ship_to": ["NO", "SE"],
}


def _rich_answers(book: Rulebook) -> dict[str, AnswerValue]:
    """Answer every question the wizard asks: yes, the first choice, every item, the review date."""
    out: dict[str, AnswerValue] = {}
    while (q := next_question(book, out)) is not None:
        choices = list(book.choices(q))
        value: AnswerValue
        if q.kind == "yes_no":
            value = True
        elif q.kind == "one_of":
            value = choices[0]
        elif q.kind == "many_of":
            value = choices
        else:
            value = book.meta.as_of
        out[q.id] = value
    return out


def _outcomes(toy_book: Rulebook, rulebook: Rulebook) -> dict[str, tuple[Rulebook, Outcome]]:
    rich = _rich_answers(rulebook)
    return {
        "toy complete": (toy_book, evaluate(toy_book, TOY_FULL)),
        "toy incomplete": (toy_book, evaluate(toy_book, _part_answers(toy_book, TOY_FULL, 1))),
        "toy kept not used": (
            toy_book,
            evaluate(toy_book, {"uses_widgets": False, "widget_colour": "red", "ship_to": []}),
        ),
        "shipped complete": (rulebook, evaluate(rulebook, rich)),
        "shipped incomplete": (rulebook, evaluate(rulebook, _part_answers(rulebook, rich, 3))),
    }


CASES = ["toy complete", "toy incomplete", "toy kept not used", "shipped complete", "shipped incomplete"]


@pytest.fixture(scope="module")
def outcomes(toy_book: Rulebook, rulebook: Rulebook) -> dict[str, tuple[Rulebook, Outcome]]:
    return _outcomes(toy_book, rulebook)


@pytest.mark.parametrize("fmt", list(EXPORTS))
@pytest.mark.parametrize("case", CASES)
def test_every_format_says_the_same_thing(
    case: str, fmt: str, outcomes: dict[str, tuple[Rulebook, Outcome]], tmp_path: Path
) -> None:
    book, outcome = outcomes[case]
    if case.endswith("incomplete"):
        assert outcome.pending_questions, "the incomplete case must have pending questions"
    text = read_back(fmt, outcome, book, tmp_path)
    missing = {
        phrase: f"{why} (said {text.count(phrase)} of {times} times)"
        for phrase, (times, why) in expected_phrases(outcome, book, fmt).items()
        if text.count(phrase) < times
    }
    assert not missing, f"{fmt} ({case}) lacks: " + "; ".join(f"{why}: {p!r}" for p, why in list(missing.items())[:8])


def test_an_empty_list_reads_the_same_everywhere(toy_book: Rulebook, tmp_path: Path) -> None:
    outcome = evaluate(toy_book, {"uses_widgets": True, "ship_to": []})
    label = dict(answer_rows(outcome, toy_book))["Where do you ship widgets?"]
    assert label.startswith("None of these")
    for fmt in EXPORTS:
        if fmt not in NO_ANSWERS:
            assert label in read_back(fmt, outcome, toy_book, tmp_path), fmt


@pytest.mark.parametrize("case", CASES)
def test_every_obligation_has_a_when(case: str, outcomes: dict[str, tuple[Rulebook, Outcome]]) -> None:
    """Every obligation says when it falls due: its own milestone or its phase's default."""
    book, outcome = outcomes[case]
    missing = [f.id for f in outcome.all_findings() if not due_label(book, f)]
    assert not missing, f"no milestone for {missing[:5]}: add its phase to phase_milestones in rulebook.yaml"


def test_an_obligation_s_own_milestone_overrides_its_phase(rulebook: Rulebook) -> None:
    ob = rulebook.obligations_by_id["traceability_data_retention_30_years"]
    assert ob.due == "retention_30y" and rulebook.meta.phase_milestones[ob.phase] != ob.due
