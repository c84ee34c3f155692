"""Shared fixtures: the toy rulebook (the engine's test bed) and the shipped rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from atmp_pathways import Rulebook, load_rulebook

ROOT = Path(__file__).resolve().parent.parent
TOY = ROOT / "tests" / "fixtures" / "toy_rules"
INVALID = ROOT / "tests" / "fixtures" / "invalid"


@pytest.fixture(scope="session")
def toy_book() -> Rulebook:
    return load_rulebook(TOY)


@pytest.fixture(scope="session")
def rulebook() -> Rulebook:
    return load_rulebook(ROOT / "rules")
