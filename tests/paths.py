"""Where the test data lives: one place for every test module (and ``bench/``)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
TOY = ROOT / "tests" / "fixtures" / "toy_rules"
INVALID = ROOT / "tests" / "fixtures" / "invalid"
SCENARIOS = ROOT / "tests" / "scenarios"
TOY_SCENARIOS = ROOT / "tests" / "fixtures" / "toy_scenarios"
DECISIONS = ROOT / "tests" / "fixtures" / "toy_decisions"
DECISION_SCENARIOS = ROOT / "tests" / "fixtures" / "toy_decisions_scenarios"
UNDECIDED = ROOT / "tests" / "fixtures" / "toy_undecided"
UNDECIDED_SCENARIOS = ROOT / "tests" / "fixtures" / "toy_undecided_scenarios"
