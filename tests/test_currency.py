"""Currency as a checked property: stale reviews and past milestones come back as warnings, with file:line."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from atmp_pathways import load_rulebook
from atmp_pathways.__main__ import main
from atmp_pathways.currency import review_problems

from .paths import ROOT, TOY

CURRENCY = ROOT / "tests" / "fixtures" / "toy_currency"
TODAY = date(2026, 12, 2)


def _toy_with_dates(tmp_path: Path) -> Path:
    dest = tmp_path / "rules"
    shutil.copytree(TOY, dest)
    for name in ("rulebook.yaml", "sources.yaml", "widgets.yaml", "shipping.yaml"):
        shutil.copy(CURRENCY / name, dest / name)
    return dest


def test_stale_review_and_past_milestones_are_warnings_with_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rules = _toy_with_dates(tmp_path)
    load_rulebook(rules)  # the fixture is valid rules: currency never makes them invalid
    warnings = review_problems(rules, today=TODAY)
    assert sorted(str(w) for w in warnings) == sorted(
        [
            "rules/shipping.yaml:30: sources[0].milestones[0].date: source 'widget_proposal' expected by 2026-10-31:"
            " Commission opinion expected in October 2026 — that date has passed — check what happened; update the"
            " status, description and dates, then move or remove the milestone",
            "rules/widgets.yaml:68: obligations[3].milestones[0].date: item 'widget_tax_proposal' expected by"
            " 2026-03-31: Vote in the Toy Parliament expected in March 2026 — that date has passed — check what"
            " happened; update the status, description and dates, then move or remove the milestone",
            "rules/sources.yaml:9: sources[0].last_reviewed: source 'widget_act' was last reviewed on 2026-06-01,"
            " 184 days before 2026-12-02 (limit 90 days) — re-read the source, update the items that cite it, then set"
            " last_reviewed",
        ]
    )
    assert all(w.severity == "warning" for w in warnings)


def test_review_age_comes_from_the_rulebook_and_the_override_wins(tmp_path: Path) -> None:
    rules = _toy_with_dates(tmp_path)
    stale = [w for w in review_problems(rules, today=TODAY) if "last reviewed" in w.message]
    assert len(stale) == 1
    assert not [w for w in review_problems(rules, today=TODAY, max_age_days=400) if "last reviewed" in w.message]
    assert len([w for w in review_problems(rules, today=TODAY, max_age_days=20) if "last reviewed" in w.message]) == 2


def test_future_milestones_and_settled_items_raise_nothing(tmp_path: Path) -> None:
    rules = _toy_with_dates(tmp_path)
    assert review_problems(rules, today=date(2026, 3, 1)) == []
    assert review_problems(TOY, today=TODAY) == []  # no limit set, no milestones


def test_check_prints_the_warnings_and_still_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    rules = _toy_with_dates(tmp_path)
    assert main(["check", str(rules), "--today", "2026-12-02"]) == 0
    out, err = capsys.readouterr()
    assert "clean" in out
    assert "warning: rules/widgets.yaml:68: obligations[3].milestones[0].date: item 'widget_tax_proposal'" in err
    assert "warning: rules/sources.yaml:9: sources[0].last_reviewed:" in err
