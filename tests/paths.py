"""Where the test data lives: one place for every test module (and ``bench/``)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
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


def copy_rules(dest: Path, edits: Mapping[str, Callable[[str], str]], src: Path = TOY) -> Path:
    """Copy a rules folder to ``dest`` and apply ``edits`` (file name → text → new text); returns ``dest``.

    Each edit must change its file, so a fixture whose text drifted fails instead of testing the original.
    """
    shutil.copytree(src, dest)
    for name, edit in edits.items():
        path = dest / name
        before = path.read_text(encoding="utf-8")
        after = edit(before)
        assert after != before, f"the edit of {name} changed nothing: has the fixture's text moved?"
        path.write_text(after, encoding="utf-8")
    return dest
