"""Checklist exports: golden files, real readers for XLSX/DOCX/PDF, hostile text.

The golden files in ``tests/golden/`` pin the Markdown, CSV and JSON output for
the toy rulebook, with the rulebook digest written as ``<digest>`` (it changes with
every edit of the toy rules). After an intended change, rewrite them and review the diff::

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_exports.py -q

PDF text is read back with ``pdftotext`` (poppler-utils) when it is installed;
without it those assertions are skipped (fpdf2 cannot read PDFs). Speed is measured by
``make bench`` (bench/exports.py), not asserted here.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook  # type: ignore[import-untyped]

from atmp_pathways import Rulebook, evaluate, load_rulebook, parse_answers
from atmp_pathways.exports import DISCLAIMER, EXPORTS, export_filename
from atmp_pathways.exports import pdf as pdf_export
from atmp_pathways.models import AnswerValue
from atmp_pathways.outcome import Outcome
from atmp_pathways.present import safe_url

from .paths import copy_rules

GOLDEN = Path(__file__).parent / "golden"
DIGEST = "<digest>"


def _text(fmt: str, outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> str:
    data = EXPORTS[fmt].render(outcome, book, generated_at)
    assert isinstance(data, str), fmt
    return data


def _bytes(fmt: str, outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> bytes:
    data = EXPORTS[fmt].render(outcome, book, generated_at)
    assert isinstance(data, bytes), fmt
    return data


def to_markdown(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> str:
    return _text("md", outcome, book, generated_at)


def to_csv(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> str:
    return _text("csv", outcome, book, generated_at)


def to_json(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> str:
    return _text("json", outcome, book, generated_at)


def to_xlsx(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> bytes:
    return _bytes("xlsx", outcome, book, generated_at)


def to_docx(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> bytes:
    return _bytes("docx", outcome, book, generated_at)


def to_pdf(outcome: Outcome, book: Rulebook, generated_at: datetime | None = None) -> bytes:
    return _bytes("pdf", outcome, book, generated_at)


GENERATED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
STAMP_TEXT = "2026-03-01T12:00:00Z"
TOY_ANSWERS: dict[str, AnswerValue] = {
    "uses_widgets": True,
    "widget_count_large": True,
    "widget_colour": "red",
    "ship_to": ["NO", "SE"],
}
HOSTILE = ('=HYPERLINK("http://x")', "@SUM(1)", "<script>alert(1)</script>", "[x](javascript:alert(1))")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
UNICODE = "Ünïcödé — ≥ 5 é ł ö Ω ☐ “quoted”"
LONG_WORD = "https://example.org/" + "x" * 400


@pytest.fixture(scope="module")
def toy_outcome(toy_book: Rulebook) -> Outcome:
    return evaluate(toy_book, TOY_ANSWERS)


@pytest.fixture(scope="module")
def hostile_book(tmp_path_factory: pytest.TempPathFactory) -> Rulebook:
    """The toy rules with hostile and Unicode text in one obligation's title, description and checklist."""
    lines = ", ".join(json.dumps(s) for s in (*HOSTILE, "+1 plus", "-2 minus", "\tTab"))

    def hostile(text: str) -> str:
        text = text.replace("title: Register as a widget maker", f"title: {json.dumps(HOSTILE[2] + ' ' + HOSTILE[0])}")
        text = text.replace(
            "description: Makers of many widgets register with the registry.",
            f"description: {json.dumps(UNICODE + ' ' + HOSTILE[3] + ' `code` # not a heading ' + LONG_WORD)}",
        )
        return text.replace("checklist: [File the registration form]", f"checklist: [{lines}]")

    return load_rulebook(copy_rules(tmp_path_factory.mktemp("hostile") / "rules", {"widgets.yaml": hostile}))


@pytest.fixture(scope="module")
def hostile_outcome(hostile_book: Rulebook) -> Outcome:
    return evaluate(hostile_book, TOY_ANSWERS)


def _checklist_count(outcome: Outcome) -> int:
    return sum(len(f.checklist) for f in outcome.applicable + outcome.upcoming + outcome.horizon)


def _xlsx_texts(data: bytes) -> list[str]:
    wb = load_workbook(io.BytesIO(data))
    return [str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    parts += [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    parts += [p.text for section in doc.sections for p in section.footer.paragraphs]
    return "\n".join(parts)


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed; PDF text cannot be read back")
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def _flat(text: str) -> str:
    return " ".join(text.split())


# ---- golden files --------------------------------------------------------------------------


@pytest.mark.parametrize("ext", ["md", "csv", "json"])  # the text formats pinned byte for byte
def test_export_matches_golden_file(ext: str, toy_book: Rulebook, toy_outcome: Outcome) -> None:
    path = GOLDEN / f"toy_outcome.{ext}"
    text = _text(ext, toy_outcome, toy_book, GENERATED)
    assert toy_book.digest in text
    text = text.replace(toy_book.digest, DIGEST)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1"
    assert text == path.read_bytes().decode("utf-8"), f"{path.name} differs: review, then UPDATE_GOLDEN=1"


# ---- every format carries the stamp and the disclaimer -------------------------------------


@pytest.mark.parametrize("fmt", list(EXPORTS))
def test_every_export_carries_stamp_answers_and_disclaimer(
    fmt: str, toy_book: Rulebook, toy_outcome: Outcome, tmp_path: Path
) -> None:
    data = EXPORTS[fmt].render(toy_outcome, toy_book, GENERATED)
    if fmt == "xlsx":
        assert isinstance(data, bytes)
        text = "\n".join(_xlsx_texts(data))
    elif fmt == "docx":
        assert isinstance(data, bytes)
        text = _docx_text(data)
    elif fmt == "pdf":
        assert isinstance(data, bytes)
        text = _pdf_text(data, tmp_path)
    else:
        assert isinstance(data, str)
        text = data
    for needle in ("Toy widget rules", "1.2.3", toy_book.digest, "2026-01-01", STAMP_TEXT):
        assert needle in text, needle
    assert DISCLAIMER in _flat(text)
    if fmt == "json":
        assert json.loads(text)["answers"] == TOY_ANSWERS
    elif fmt != "csv":  # CSV leaves answers out by design (see the exports module docstring)
        assert "Where do you ship widgets?" in text and "Norway, Sweden" in text


def test_generated_at_defaults_to_now_in_utc(toy_book: Rulebook, toy_outcome: Outcome) -> None:
    stamp = json.loads(to_json(toy_outcome, toy_book))["generated_at"]
    when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs((datetime.now(UTC) - when).total_seconds()) < 60


def test_export_registry_and_file_names(toy_book: Rulebook, toy_outcome: Outcome) -> None:
    assert {"md", "csv", "json", "xlsx", "docx", "pdf"} <= set(EXPORTS)
    for name, fmt in EXPORTS.items():
        data = fmt.render(toy_outcome, toy_book, GENERATED)
        assert isinstance(data, bytes) == fmt.binary, name
        assert export_filename(toy_outcome, name) == f"atmp-checklist-2026-01-01-v1.2.3.{fmt.extension}"
    with pytest.raises(ValueError, match="Unknown export format 'no-such-format'"):
        export_filename(toy_outcome, "no-such-format")


# ---- JSON ----------------------------------------------------------------------------------


def test_json_is_stable_and_reads_back_as_answers(toy_book: Rulebook, toy_outcome: Outcome) -> None:
    text = to_json(toy_outcome, toy_book, GENERATED)
    doc = json.loads(text)
    assert list(doc)[:5] == ["ruleset", "as_of", "generated_at", "disclaimer", "complete"]
    assert doc["ruleset"] == {
        "title": "Toy widget rules",
        "version": "1.2.3",
        "digest": toy_book.digest,
        "jurisdiction": "Toyland",
        "reviewed": "2026-01-01",
    }
    assert [o["id"] for o in doc["obligations"]] == [f.id for f in toy_outcome.applicable]
    se = doc["obligations"][-1]
    assert se["item"] == "SE" and se["verification"] == "unverified"
    assert se["details"] == {"Authority": "Swedish Customs", "Deadline": "5 days"}
    assert se["citations"][0]["url"] == "https://example.org/widget-act"
    assert [o["id"] for o in doc["applies_from"]] == ["label_all_widgets"]
    assert [o["id"] for o in doc["horizon"]] == ["widget_tax_proposal"]
    assert parse_answers(toy_book, text.encode()).answers == TOY_ANSWERS
    assert to_json(toy_outcome, toy_book, GENERATED) == text


def test_json_lists_pending_questions_in_asking_order(toy_book: Rulebook) -> None:
    outcome = evaluate(toy_book, {"uses_widgets": True})
    doc = json.loads(to_json(outcome, toy_book, GENERATED))
    assert doc["complete"] is False
    assert [q["id"] for q in doc["pending_questions"]] == list(outcome.pending_questions)
    assert doc["pending_questions"][0]["text"] == toy_book.question(outcome.pending_questions[0]).text
    assert {u["id"] for u in doc["undetermined"]} == {f.id for f in outcome.undetermined}
    assert all(u["pending"] for u in doc["undetermined"])


# ---- Markdown ------------------------------------------------------------------------------


def test_markdown_has_phase_area_headings_checkboxes_and_links(toy_book: Rulebook, toy_outcome: Outcome) -> None:
    md = to_markdown(toy_outcome, toy_book, GENERATED)
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert headings[:2] == ["# Checklist — Toy widget rules", "## Your pathway"]  # conclusions first, in brief
    assert "| Maker size | Large maker | Confirmed against the primary text |" in md
    assert headings[2:6] == ["## Actions by phase", "### Making", "### Shipping", "### Future"]  # then the tables
    assert headings[6:8] == ["## Your pathway: why", "### Maker size"]  # then the long text
    assert headings[8:12] == [
        "## Applies now",
        "### Making",
        "#### Widgets",
        "##### Register as a widget maker",
    ]
    assert "### Shipping" in headings and "## Applies from a later date" in headings
    assert "## On the horizon (not yet law)" in headings
    assert "- [ ] Fix labels to every red widget" in md.splitlines()
    assert "[Widget Act](https://example.org/widget-act), Art 4" in md
    assert "**Verification:** Unverified — confirm with the competent authority" in md


def test_markdown_lists_undetermined_not_applicable_and_ignored_answers(toy_book: Rulebook) -> None:
    incomplete = to_markdown(evaluate(toy_book, {"uses_widgets": True}), toy_book, GENERATED)
    assert "## Still undetermined" in incomplete and "**Questions still to answer**" in incomplete
    assert "1. Do you make more than 100 widgets a year?" in incomplete
    outcome = evaluate(toy_book, {"uses_widgets": False, "widget_colour": "red"})
    assert outcome.ignored_answers == ("widget_colour",)
    md = to_markdown(outcome, toy_book, GENERATED)
    assert "## Does not apply" in md and "### Widgets" in md.split("## Does not apply")[1]  # grouped by topic
    assert "- **Label red widgets** Not for you because “Which colour are the widgets?” does not arise" in md
    assert "when:" not in md.split("## Does not apply")[1]  # condition paths stay in the JSON
    assert "| Which colour are the widgets? | Red (kept, not used) |" in md


def test_markdown_neutralises_html_links_and_code(hostile_book: Rulebook, hostile_outcome: Outcome) -> None:
    md = to_markdown(hostile_outcome, hostile_book, GENERATED)
    assert not re.search(r"(?<!\\)<script|(?<!\\)\]\(javascript:|(?<!\\)`code", md)
    assert "\\<script\\>alert(1)\\</script\\>" in md
    assert "\\[x\\](javascript:alert(1))" in md
    assert "- [ ] \\-2 minus" in md and "- [ ] \\+1 plus" in md  # not a nested list
    # Outside link syntax, no unescaped <, [ or ` remains in any line that carries rule text.
    for line in md.splitlines():
        body = re.sub(r"^- \[ \] |\[[^\]\\]*\]\(https://[^)\s]*\)", "", line)
        assert not re.search(r"(?<!\\)[<\[`]", body), line


# ---- CSV -----------------------------------------------------------------------------------


def test_csv_is_one_row_per_checklist_item(toy_book: Rulebook, toy_outcome: Outcome) -> None:
    rows = list(csv.DictReader(io.StringIO(to_csv(toy_outcome, toy_book, GENERATED))))
    assert len(rows) == len(toy_outcome.determinations) + _checklist_count(toy_outcome) == 8
    assert rows[0]["state"] == "Your pathway" and rows[0]["checklist_item"].startswith("Large maker — ")
    rows = rows[1:]
    assert [r["checklist_item"] for r in rows[:3]] == ["File the registration form", "Print labels", "Fix labels to every red widget"]  # fmt: skip
    assert {r["ruleset_digest"] for r in rows} == {toy_book.digest}
    assert {r["state"] for r in rows} == {"Applies now", "Applies from a later date", "On the horizon (not yet law)"}
    assert rows[1]["valid_to"] == "2026-12-31" and rows[1]["phase"] == "Making"


def test_csv_without_checklist_items_still_carries_the_stamp(toy_book: Rulebook) -> None:
    outcome = evaluate(toy_book, {"uses_widgets": False})
    rows = list(csv.DictReader(io.StringIO(to_csv(outcome, toy_book, GENERATED))))
    assert [r["state"] for r in rows] == ["Your pathway"] * len(outcome.determinations)
    assert all(r["ruleset_version"] == "1.2.3" for r in rows)
    nothing = dataclasses.replace(outcome, determinations=())
    rows = list(csv.DictReader(io.StringIO(to_csv(nothing, toy_book, GENERATED))))
    assert len(rows) == 1 and rows[0]["state"] == "Nothing applies" and rows[0]["ruleset_version"] == "1.2.3"


def test_csv_is_a_tracker_excel_reads_as_utf8(toy_book: Rulebook, toy_outcome: Outcome) -> None:
    first = toy_outcome.applicable[0]
    accented = dataclasses.replace(first.citations[0], title="Règlement des widgets — ÄÖÜ ł ő “quoted”")
    changed = dataclasses.replace(first, citations=(accented, *first.citations[1:]))
    outcome = dataclasses.replace(toy_outcome, applicable=(changed, *toy_outcome.applicable[1:]))
    data = to_csv(outcome, toy_book, GENERATED).encode("utf-8")  # what the download button and -o write
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8, not the legacy code page
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0])[0] == "ruleset_title"  # the BOM is not part of the first header
    assert any(r["citations"].startswith(accented.title + ", ") for r in rows)
    assert list(rows[0])[-5:] == ["owner", "status", "due_date", "notes", "disclaimer"]
    items = [r for r in rows if r["state"] != "Your pathway"]
    assert {r["status"] for r in items} == {"Not started"}
    assert {r["owner"] + r["notes"] + r["due_date"] for r in items} == {""}


def test_csv_defuses_spreadsheet_formulas(hostile_book: Rulebook, hostile_outcome: Outcome) -> None:
    rows = list(csv.reader(io.StringIO(to_csv(hostile_outcome, hostile_book, GENERATED))))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_START)]
    items = [row[15] for row in rows[1:]]
    assert '\'=HYPERLINK("http://x")' in items and "'@SUM(1)" in items and "'+1 plus" in items
    assert "'-2 minus" in items and "'\tTab" in items
    assert "<script>alert(1)</script>" in items  # text, not a formula: kept as is


# ---- XLSX ----------------------------------------------------------------------------------


def test_xlsx_checklist_sheet_is_ready_to_fill_in(toy_book: Rulebook, toy_outcome: Outcome) -> None:
    wb = load_workbook(io.BytesIO(to_xlsx(toy_outcome, toy_book, GENERATED)))
    assert wb.sheetnames == [
        "Checklist",
        "Sources",
        "Answers",
        "Not applicable",
        "About",
    ]  # complete: no "Still undetermined"
    ws = wb["Checklist"]
    header = [c.value for c in ws[1]]
    assert header[:6] == ["State", "Phase", "Area", "Obligation ID", "Title", "Checklist item"]
    most = max(len(f.citations) for f in (*toy_outcome.applicable, *toy_outcome.upcoming, *toy_outcome.horizon))
    assert header[-4 - most :] == ["Owner", "Status", "Due date", "Notes"] + [f"Source {i}" for i in range(1, most + 1)]
    assert ws.max_row == 1 + len(toy_outcome.determinations) + _checklist_count(toy_outcome)
    assert ws.auto_filter.ref == f"A1:{ws.cell(row=1, column=len(header)).column_letter}{ws.max_row}"
    assert ws.freeze_panes == "A2"
    assert ws.cell(row=2, column=1).alignment.wrap_text
    assert ws.column_dimensions["F"].width == 40
    owner = header.index("Owner") + 1
    assert all(ws.cell(row=r, column=owner).value is None for r in range(2, ws.max_row + 1))  # Owner left empty
    about = {row[0].value: row[1].value for row in wb["About"].iter_rows(min_row=2)}
    assert about["Version"] == "1.2.3" and about["Digest"] == toy_book.digest
    assert about["Generated at"] == STAMP_TEXT and about["Disclaimer"] == DISCLAIMER
    answers = [(r[0].value, r[1].value) for r in wb["Answers"].iter_rows(min_row=2)]
    assert ("Where do you ship widgets?", "Norway, Sweden") in answers


def test_xlsx_status_is_a_drop_down_prefilled_not_started(toy_book: Rulebook, toy_outcome: Outcome) -> None:
    ws = load_workbook(io.BytesIO(to_xlsx(toy_outcome, toy_book, GENERATED)))["Checklist"]
    header = [c.value for c in ws[1]]
    status = header.index("Status") + 1
    obligations = [r for r in range(2, ws.max_row + 1) if ws.cell(row=r, column=1).value != "Your pathway"]
    assert len(obligations) == _checklist_count(toy_outcome)
    assert {ws.cell(row=r, column=status).value for r in obligations} == {"Not started"}
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list" and dv.formula1 == '"Not started,In progress,Done,Not applicable"'
    covered = {f"{ws.cell(row=r, column=status).column_letter}{r}" for r in obligations}
    assert all(cell in dv.sqref for cell in covered)  # every obligation row's Status cell
    assert not dv.showDropDown  # (openpyxl's name: True would HIDE the arrow)


def test_xlsx_links_every_citation_and_lists_sources(toy_book: Rulebook, rulebook: Rulebook) -> None:
    """Each row links each of its citations; the Sources sheet has each citation once, linked."""
    outcome = evaluate(rulebook, _many_citations(rulebook))
    wb = load_workbook(io.BytesIO(to_xlsx(outcome, rulebook, GENERATED)))
    ws = wb["Checklist"]
    header = [c.value for c in ws[1]]
    first = header.index("Source 1") + 1
    rows = {ws.cell(row=r, column=4).value: r for r in range(2, ws.max_row + 1)}
    multi = [f for f in outcome.applicable if len(f.citations) >= 3]
    assert multi, "the shipped rules have obligations with three or more citations"
    for f in multi:
        r = rows[f.id]
        cells = [ws.cell(row=r, column=first + i) for i in range(len(f.citations))]
        assert [c.hyperlink.target if c.hyperlink else None for c in cells] == [safe_url(c.url) for c in f.citations]
    sources = wb["Sources"]
    assert [c.value for c in sources[1]][:3] == ["Source", "Provision", "Link"]
    listed = [(r[0].value, r[1].value) for r in sources.iter_rows(min_row=2)]
    cited = {(c.title, c.reference) for f in outcome.applicable for c in f.citations}
    assert cited <= set(listed) and len(listed) == len(set(listed))
    links = [
        (r[2].hyperlink.target if r[2].hyperlink else None, safe_url(str(r[2].value)))
        for r in sources.iter_rows(min_row=2)
    ]
    assert all(target == url is not None for target, url in links)


def _many_citations(book: Rulebook) -> dict[str, AnswerValue]:
    from atmp_pathways import next_question

    out: dict[str, AnswerValue] = {}
    while (q := next_question(book, out)) is not None:
        choices = list(book.choices(q))
        out[q.id] = {"yes_no": True, "one_of": choices[0] if choices else "", "many_of": choices}.get(
            q.kind, book.meta.as_of
        )
    return out


def test_exports_show_states_in_words_never_codes(toy_book: Rulebook, toy_outcome: Outcome, tmp_path: Path) -> None:
    codes = re.compile(r"\b(applies_from|not_applicable|undetermined|reform_proposal_not_law)\b")
    for fmt in ("csv", "md"):
        text = _text(fmt, toy_outcome, toy_book, GENERATED)
        assert not codes.search(text.replace("label_all_widgets", "")), fmt
    texts = _xlsx_texts(to_xlsx(toy_outcome, toy_book, GENERATED))
    assert "Applies from a later date" in texts and not [t for t in texts if codes.fullmatch(t) or t == "applies"]
    assert not codes.search(_docx_text(to_docx(toy_outcome, toy_book, GENERATED)))
    assert "Applies from a later date" in _flat(_pdf_text(to_pdf(toy_outcome, toy_book, GENERATED), tmp_path))


def test_xlsx_stores_hostile_text_as_text_never_formulas(hostile_book: Rulebook, hostile_outcome: Outcome) -> None:
    wb = load_workbook(io.BytesIO(to_xlsx(hostile_outcome, hostile_book, GENERATED)))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    values = {c.value for c in cells}
    assert set(HOSTILE) <= values
    risky = [c for c in cells if str(c.value).startswith(FORMULA_START)]
    assert risky and all(c.quotePrefix for c in risky)


@pytest.mark.parametrize("bad", ["\x07", "\x0b", "\x08", "\x0c", "\ufffe"])  # \x08 and \x0c: JSON writes \b, \f
def test_xlsx_and_docx_drop_xml_control_characters(toy_book: Rulebook, toy_outcome: Outcome, bad: str) -> None:
    title = dataclasses.replace(toy_outcome.applicable[0], **{"title": f"Bell{bad} and tab{bad}"})
    outcome = dataclasses.replace(toy_outcome, **{"applicable": (title, *toy_outcome.applicable[1:])})
    assert "Bell and tab" in _xlsx_texts(to_xlsx(outcome, toy_book, GENERATED))
    assert "Bell and tab" in _docx_text(to_docx(outcome, toy_book, GENERATED))


def _parts(data: bytes) -> dict[str, bytes]:
    """An XLSX's parts, without the creation and save times in docProps/core.xml."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    core = parts["docProps/core.xml"]
    parts["docProps/core.xml"] = re.sub(rb"<dcterms:(created|modified)[^<]*</dcterms:(created|modified)>", b"", core)
    return parts


def test_xlsx_fast_save_writes_the_parts_openpyxl_writes(
    toy_book: Rulebook, toy_outcome: Outcome, hostile_book: Rulebook, hostile_outcome: Outcome, rulebook: Rulebook,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """``_xlsx_save.save`` (rows as text, links from their fields, sheets in memory) = ``Workbook.save``, part for part."""
    from atmp_pathways.exports import _xlsx_save
    from atmp_pathways.exports import xlsx as xlsx_export

    books: list[Any] = []
    monkeypatch.setattr(xlsx_export, "save", lambda wb: books.append(wb) or b"")
    cases = [
        (toy_outcome, toy_book),
        (hostile_outcome, hostile_book),
        (evaluate(rulebook, _many_citations(rulebook)), rulebook),
    ]
    for outcome, book in cases:  # each twice: a workbook is saved once (openpyxl's save changes it)
        xlsx_export.render(outcome, book, GENERATED)
        xlsx_export.render(outcome, book, GENERATED)
    for fast_book, slow_book in zip(books[::2], books[1::2], strict=True):
        fast = _parts(_xlsx_save.save(fast_book))
        buf = io.BytesIO()
        slow_book.save(buf)
        slow = _parts(buf.getvalue())
        assert fast.keys() == slow.keys()
        assert [name for name in slow if fast[name] != slow[name]] == []
    xlsx_export.render(hostile_outcome, hostile_book, GENERATED)
    sheet = _parts(_xlsx_save.save(books[-1]))["xl/worksheets/sheet1.xml"]
    assert b'xml:space="preserve"' in sheet and b"&lt;script&gt;" in sheet  # hostile text took the escaping paths


# ---- DOCX ----------------------------------------------------------------------------------


def test_docx_has_headings_checkboxes_citations_and_stamp(toy_book: Rulebook, toy_outcome: Outcome) -> None:
    doc = Document(io.BytesIO(to_docx(toy_outcome, toy_book, GENERATED)))
    headings = [(p.style.name, p.text) for p in doc.paragraphs if p.style is not None and p.style.name.startswith(("Heading", "Title"))]  # fmt: skip
    assert headings[:4] == [
        ("Title", "Checklist — Toy widget rules"),
        ("Heading 1", "Your pathway"),  # in brief (a table)
        ("Heading 1", "Actions by phase"),  # then the action tables
        ("Heading 2", "Making"),
    ]
    assert headings[6:8] == [("Heading 1", "Your pathway: why"), ("Heading 2", "Maker size")]
    assert headings[8:12] == [
        ("Heading 1", "Applies now"),
        ("Heading 2", "Making"),
        ("Heading 3", "Widgets"),
        ("Heading 4", "Register as a widget maker"),
    ]
    assert ("Heading 1", "Your answers") == headings[-1]
    texts = [p.text for p in doc.paragraphs]
    assert "☐ Fix labels to every red widget" in texts
    assert sum(t.startswith("☐ ") for t in texts) == _checklist_count(toy_outcome)
    assert any(t.startswith("Widget Act, Art 4 — “Every large maker shall register.”") for t in texts)
    links = {r.target_ref for r in doc.part.rels.values() if r.reltype.endswith("/hyperlink")}
    assert links == {"https://example.org/widget-act", "https://example.org/widget-tax"}
    stamp = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert stamp["Digest"] == toy_book.digest and stamp["Generated at"] == STAMP_TEXT
    assert any(DISCLAIMER in t for t in texts)


def test_docx_body_markup_escapes_text_and_keeps_tabs_bold_and_colour(
    hostile_book: Rulebook, hostile_outcome: Outcome
) -> None:
    """The body is written as markup: hostile text stays literal text, tabs stay tabs, emphasis survives."""
    doc = Document(io.BytesIO(to_docx(hostile_outcome, hostile_book, GENERATED)))
    texts = [p.text for p in doc.paragraphs]
    assert f"{HOSTILE[2]} {HOSTILE[0]}" in texts  # '<script>' and quotes as text, a Heading 4
    assert f"☐ {HOSTILE[2]}" in texts and "☐ \tTab" in texts
    assert any(UNICODE in t for t in texts)
    facts = next(p for p in doc.paragraphs if p.text.startswith("Who: "))
    assert [r.text for r in facts.runs if r.bold][0] == "Who: "
    horizon = next(p for p in doc.paragraphs if "Verification: Unverified" in p.text)
    warn = next(r for r in horizon.runs if r.text.startswith("Unverified"))
    assert warn.bold and warn.font.color.rgb is not None and str(warn.font.color.rgb) == "B03A2E"
    answers = doc.tables[-1]
    assert answers.rows[0].cells[0].text == "Question" and answers.rows[0].cells[0].paragraphs[0].runs[0].bold


# ---- PDF -----------------------------------------------------------------------------------


def test_pdf_is_a_pdf_with_embedded_font_and_page_numbers(
    toy_book: Rulebook, toy_outcome: Outcome, tmp_path: Path
) -> None:
    data = to_pdf(toy_outcome, toy_book, GENERATED)
    assert data.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page\b(?!s)", data))
    assert pages > 0
    assert b"+DejaVuSans" in data  # the embedded font subset
    text = _pdf_text(data, tmp_path)
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    footer = f"{toy_book.meta.title} v{toy_book.meta.version} · digest {toy_book.digest}"
    for number, page in enumerate(text.split("\f")[:pages], 1):  # every page's footer, once the count is known
        assert page.count(f"Page {number} of {pages}") == 1 and footer in page
    assert "☐ File the registration form" in _flat(text)
    assert "Widget Act, Art 4" in text and "https://example.org/widget-act" in text


def test_pdf_declares_language_title_bookmarks_and_says_it_is_untagged(
    toy_book: Rulebook, toy_outcome: Outcome, tmp_path: Path
) -> None:
    data = to_pdf(toy_outcome, toy_book, GENERATED)
    assert re.search(rb"/Lang \(en\)", data) and re.search(rb"/DisplayDocTitle true", data)
    assert re.search(rb"/Outlines \d+ 0 R", data) and b"/Title (Actions by phase)" in data  # a bookmark
    # Not tagged: if a structure tree appears, check it covers the text and drop the notice.
    assert b"/StructTreeRoot" not in data
    first_page = _flat(_pdf_text(data, tmp_path).split("\f")[0])
    assert _flat(pdf_export.UNTAGGED) in first_page and "Word (DOCX) or Markdown" in first_page


def _phases(book: Rulebook, outcome: Outcome) -> list[str]:
    from atmp_pathways.present import group_findings

    return [g.phase_title for g in group_findings(book, (*outcome.applicable, *outcome.upcoming, *outcome.horizon))]


def test_docx_and_pdf_open_with_an_action_table_per_phase(
    toy_book: Rulebook, toy_outcome: Outcome, tmp_path: Path
) -> None:
    from atmp_pathways.exports.outline import ACTION_COLUMNS

    doc = Document(io.BytesIO(to_docx(toy_outcome, toy_book, GENERATED)))
    actions = [t for t in doc.tables if tuple(c.text for c in t.rows[0].cells) == ACTION_COLUMNS]
    assert len(actions) == len(_phases(toy_book, toy_outcome)) == 3
    assert [c.text for c in doc.tables[1].rows[0].cells] == ["Determination", "Conclusion", "Verification"]
    assert doc.tables[2]._tbl is actions[0]._tbl  # right after the stamp and "Your pathway" in brief
    rows = [[c.text for c in r.cells] for t in actions for r in t.rows[1:]]
    assert len(rows) == len(toy_outcome.applicable + toy_outcome.upcoming + toy_outcome.horizon)
    assert {r[-1] for r in rows} == {"Not started"} and {r[-2] for r in rows} == {""}
    assert actions[0].rows[0]._tr.trPr is not None  # the header row repeats (w:tblHeader)
    body = list(doc.element.body)
    applies_now = body.index(next(p._p for p in doc.paragraphs if p.text == "Applies now"))
    assert body.index(actions[-1]._tbl) < applies_now  # the long text comes after every action table
    text = _flat(_pdf_text(to_pdf(toy_outcome, toy_book, GENERATED), tmp_path))
    table_at, long_at = text.index("Actions by phase"), text.index("Applies now")
    assert table_at < long_at
    assert text[table_at:long_at].count("Not started") == len(rows)
    for f in toy_outcome.applicable:
        assert f.title in text[table_at:long_at]


def test_pdf_renders_unicode_and_long_words(hostile_book: Rulebook, hostile_outcome: Outcome, tmp_path: Path) -> None:
    data = to_pdf(hostile_outcome, hostile_book, GENERATED)
    assert data.startswith(b"%PDF-")
    text = _pdf_text(data, tmp_path)
    assert UNICODE in _flat(text)
    assert "x" * 60 in text  # the 400-character word is wrapped, not cut off
    assert HOSTILE[0] in text


def _pdf_body(data: bytes) -> bytes:
    """The PDF without its creation date and file id, which change from run to run."""
    return re.sub(rb"/CreationDate \(D:[^)]*\)|/ID \[[^\]]*\]", b"", data)


def test_pdf_cached_fonts_do_not_carry_state_between_documents(
    toy_book: Rulebook, toy_outcome: Outcome, hostile_book: Rulebook, hostile_outcome: Outcome
) -> None:
    """Each document gets its own glyph subset of the per-process parsed font."""
    first = to_pdf(toy_outcome, toy_book, GENERATED)
    to_pdf(hostile_outcome, hostile_book, GENERATED)  # other glyphs (Ω, ł, …) in between
    assert _pdf_body(to_pdf(toy_outcome, toy_book, GENERATED)) == _pdf_body(first)


def test_pdf_fonts_parsed_once_give_the_file_fpdf2s_own_font_loading_gives(
    toy_book: Rulebook,
    toy_outcome: Outcome,
    hostile_book: Rulebook,
    hostile_outcome: Outcome,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Glyphs, glyph names, cmap and widths are parsed once per process and shared; each document's
    subset renumbers and trims its own copies (Ü, ï, ö, é are composite glyphs in DejaVu), so the
    same file comes out byte for byte, whatever was rendered before."""
    fast = [_pdf_body(to_pdf(o, b, GENERATED)) for o, b in ((hostile_outcome, hostile_book), (toy_outcome, toy_book))]
    again = _pdf_body(to_pdf(hostile_outcome, hostile_book, GENERATED))

    def broken(style: str) -> None:
        raise AttributeError(style)

    monkeypatch.setattr(pdf_export, "_parsed_font", broken)  # fpdf2's add_font, parsing the files anew
    slow = [_pdf_body(to_pdf(o, b, GENERATED)) for o, b in ((hostile_outcome, hostile_book), (toy_outcome, toy_book))]
    assert fast == slow and again == slow[0]


def test_pdf_rendering_leaves_the_shared_glyphs_untouched(hostile_book: Rulebook, hostile_outcome: Outcome) -> None:
    """Downloads may render at once on a server's threads: none may change what they all read."""
    shared = pdf_export._parsed_tables("")[-1].glyphs
    before = {name: dict(vars(glyph)) for name, glyph in shared.items()}
    to_pdf(hostile_outcome, hostile_book, GENERATED)  # composite glyphs: the subsetter renumbers and trims them
    assert {name: dict(vars(glyph)) for name, glyph in shared.items()} == before


def test_exports_render_with_the_garbage_collector_paused(toy_book: Rulebook, toy_outcome: Outcome) -> None:
    """A collection started midway walked every object of the app for nothing (bench: Excel 268 → 143 ms)."""
    import gc

    seen = []
    fmt = EXPORTS["md"]
    module = importlib.import_module(f"atmp_pathways.exports.{fmt.module}")
    real = module.render

    def spy(*args: object) -> str:
        seen.append(gc.isenabled())
        return str(real(*args))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(module, "render", spy)
        assert fmt.render(toy_outcome, toy_book, GENERATED).startswith("# Checklist")
    assert seen == [False] and gc.isenabled()


def test_pdf_falls_back_to_add_font_when_the_font_cache_fails(
    toy_book: Rulebook, toy_outcome: Outcome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cached = to_pdf(toy_outcome, toy_book, GENERATED)

    def broken(style: str) -> None:
        raise AttributeError(style)

    monkeypatch.setattr(pdf_export, "_parsed_font", broken)
    data = to_pdf(toy_outcome, toy_book, GENERATED)
    assert b"+DejaVuSans" in data
    assert _pdf_text(data, tmp_path) == _pdf_text(cached, tmp_path)
