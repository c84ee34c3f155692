"""Shared fixtures: the toy rulebook (the engine's test bed) and the shipped rules."""

from __future__ import annotations

import pytest

from atmp_pathways import Rulebook, load_rulebook

from .paths import INVALID, ROOT, RULES, TOY

__all__ = ["INVALID", "ROOT", "TOY"]  # re-exported for modules that still import them from here


@pytest.fixture(scope="session")
def toy_book() -> Rulebook:
    return load_rulebook(TOY)


@pytest.fixture(scope="session")
def rulebook() -> Rulebook:
    return load_rulebook(RULES)
