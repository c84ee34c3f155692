"""The shipped rulebook meets the quality bar: every question and obligation is
explained and sourced, journeys are complete, the law is evaluated as of a date,
and injected mistakes in several files all come back in one check."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from atmp_pathways import Rulebook, RulebookError, evaluate, load_rulebook
from atmp_pathways.scenarios import load_scenarios, replay

from .paths import ROOT

OFFICIAL = re.compile(
    r"(^|\.)(europa\.eu|edqm\.eu|picscheme\.org|gov\.uk|legislation\.gov\.uk|basg\.gv\.at|biosafety\.be|gov\.hr|sukl\.eu|"
    r"at\.dk|sante\.fr|pei\.de|ogyei\.gov\.hu|epa\.ie|public\.lu|era\.org\.mt|officielebekendmakingen\.nl|loketgentherapie\.nl|"
    r"lakemedelsverket\.se|environmentagency\.no|legemiddelverket\.no|cogem\.net)$"
)


def test_every_question_has_help_and_a_registered_source(rulebook: Rulebook) -> None:
    for q in rulebook.questions:
        assert len(q.help) >= 40, f"{q.id}: help too short to be useful"
        assert all(c.source in rulebook.sources_by_id for c in q.citations), q.id


def test_every_obligation_is_complete(rulebook: Rulebook) -> None:
    for o in rulebook.obligations:
        assert len(o.description) >= 40, o.id
        assert o.actor in rulebook.meta.actors and o.phase in rulebook.meta.phases, o.id
        assert o.citations and all(c.ref.strip() for c in o.citations), o.id
        assert all(len(item) >= 10 for item in o.checklist), o.id


def test_sources_use_official_https_urls(rulebook: Rulebook) -> None:
    for s in rulebook.sources:
        host = urlparse(s.url).netloc.lower()
        if s.status == "stakeholder_proposal":  # a position paper lives on its author's site
            assert s.url.startswith("https://"), s.id
            continue
        assert s.url.startswith("https://") and OFFICIAL.search(host), (
            f"{s.id}: {s.url} is not an official site we recognise"
        )


def test_pending_reforms_are_never_binding_or_in_force(rulebook: Rulebook) -> None:
    for o in rulebook.obligations:
        if o.status in ("agreed_not_in_force", "proposed"):
            assert o.valid_from is None, f"{o.id}: a pending reform has no date of application yet"
            assert o.phase == "horizon", o.id


def test_secondary_and_unverified_lines_are_shown_as_such(rulebook: Rulebook) -> None:
    """Nothing tagged secondary/unverified comes out of evaluate as confirmed."""
    answers = {"product_type": "gene_therapy"}
    out = evaluate(rulebook, answers)
    for f in out.all_findings():
        assert f.verification == rulebook.obligation(f.obligation).verification or f.item is not None


def _journeys(book: Rulebook) -> list:  # type: ignore[type-arg]
    return load_scenarios((ROOT / "tests" / "scenarios").glob("journeys*.yaml"), book)


def _journey_params() -> list:  # type: ignore[type-arg]
    """One test per journey, named after it (read at collection; a broken rulebook is one failing test)."""
    try:
        book = load_rulebook(ROOT / "rules")
    except RulebookError:
        return [pytest.param(None, id="rules-do-not-load")]  # fails below, and says why
    return [pytest.param(j, id=j.name) for j in _journeys(book)]


def test_there_are_at_least_twelve_product_journeys(rulebook: Rulebook) -> None:
    assert len(_journeys(rulebook)) >= 12


@pytest.mark.parametrize("journey", _journey_params())
def test_each_journey_is_a_complete_interview(rulebook: Rulebook, journey: Any) -> None:
    assert journey is not None, "the shipped rules do not load"
    _, missing = replay(rulebook, journey.answers)
    assert missing is None, f"{journey.name}: the wizard still needs '{missing}'"
    out = evaluate(rulebook, journey.answers, journey.as_of)
    assert out.undetermined == () and out.ignored_answers == (), journey.name


def test_same_answers_give_each_dates_soho_regime(rulebook: Rulebook) -> None:
    j = next(s for s in _journeys(rulebook) if "donor-cell import in Sep 2027" in s.name)
    before = evaluate(rulebook, j.answers, date(2026, 12, 1))
    after = evaluate(rulebook, j.answers, date(2027, 9, 1))
    cited_before = {c.source for f in before.applicable for c in f.citations}
    cited_after = {c.source for f in after.applicable for c in f.citations}
    assert "dir_2004_23" in cited_before and "reg_2024_1938" not in cited_before
    assert "reg_2024_1938" in cited_after and "dir_2004_23" not in cited_after
    assert {f.obligation for f in before.upcoming} & {f.obligation for f in after.applicable}


def test_injected_mistakes_in_several_rule_files_all_come_back_in_one_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    dest = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", dest)
    edits = {
        "gmo.yaml": ("kind: many_of", "kind: many_off"),
        "soho.yaml": ("source: reg_2024_1938", "source: reg_2024_1983"),
        "importation.yaml": ("actor: importer", "actor: importr"),
        "profile.yaml": ("{question: product_type, answered: true}", "{question: product_type, is: not_an_atmp}"),
        "data/member_states.yaml": ('"NO":', "NO:"),  # not a mistake here: NO stays Norway
        "horizon.yaml": ("title:", 'title: "unterminated'),
    }
    for name, (old, new) in edits.items():
        path = dest / name
        text = path.read_text(encoding="utf-8")
        assert old in text, (name, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RulebookError) as info:
        load_rulebook(dest)
    text = str(info.value)
    for name in edits:
        if name.startswith("data/"):
            assert f"rules/{name}" not in text, "an unquoted NO must still be read as Norway"
            continue
        assert re.search(rf"^rules/{re.escape(name)}:\d+: ", text, re.M), f"{name} missing from:\n{text}"
    # The broken files' ids are not reported as unknown everywhere else (no cascade of noise).
    assert len(info.value.problems) <= len(edits), text
    assert "reference(s) elsewhere may point into this file and were not checked" in text
    assert "did you mean 'many_of'" in text or "'many_off' is not allowed here" in text
    assert "unknown source 'reg_2024_1983' — did you mean 'reg_2024_1938'?" in text
    assert "unknown actor 'importr' — did you mean 'importer'?" in text
    assert "'not_an_atmp' is not a choice of question 'product_type' — did you mean 'not_atmp'?" in text
