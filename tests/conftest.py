"""Shared fixtures: the toy rulebook (the engine's test bed) and the shipped rules."""

from __future__ import annotations

import shutil
from collections.abc import Callable
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


@pytest.fixture
def toy_copy(tmp_path: Path) -> Callable[..., Path]:
    """Copy the toy rules into tmp; add topic files (name → text) and data files."""

    def make(topics: dict[str, str] | None = None, data: dict[str, str] | None = None) -> Path:
        dest = tmp_path / "rules"
        shutil.copytree(TOY, dest)
        meta = dest / "rulebook.yaml"
        for name, text in (topics or {}).items():
            (dest / f"{name}.yaml").write_text(text, encoding="utf-8")
            meta.write_text(meta.read_text().replace("topics: [widgets, shipping]", "topics: [widgets, shipping, " + name + "]").replace("topics: [widgets, shipping, ", "topics: [widgets, shipping, ", 1), encoding="utf-8")
        for name, text in (data or {}).items():
            (dest / "data" / f"{name}.yaml").write_text(text, encoding="utf-8")
        return dest

    return make
