"""Errors that rule authors and users read: where → what → how to fix.

>>> str(RuleError("rules/gmo.yaml", 27, "obligations[3].when", "unknown question 'x'", "did you mean 'y'?"))
"rules/gmo.yaml:27: obligations[3].when: unknown question 'x' — did you mean 'y'?"
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["AnswersError", "RuleError", "RulebookError", "did_you_mean"]


@dataclass(frozen=True, order=True)
class RuleError:
    """One problem in one rule file."""

    path: str
    line: int | None
    location: str
    message: str
    hint: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        loc = f" {self.location}:" if self.location else ""
        hint = f" — {self.hint}" if self.hint else ""
        return f"{where}:{loc} {self.message}{hint}"


class RulebookError(Exception):
    """Every problem found in a rulebook, reported together."""

    def __init__(self, problems: Iterable[RuleError], root: str = "rules/") -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.location, p.message))
        self.root = root
        super().__init__(str(self))

    def __str__(self) -> str:
        files = {p.path for p in self.problems}
        lines = [str(p) for p in self.problems]
        noun = "problem" if len(self.problems) == 1 else "problems"
        fnoun = "file" if len(files) == 1 else "files"
        lines.append(
            f"{len(self.problems)} {noun} in {len(files)} {fnoun} under {self.root}. "
            "Fix them, then run `python -m atmp_pathways check`."
        )
        return "\n".join(lines)


class AnswersError(ValueError):
    """Answers that do not fit the rulebook (unknown ids, wrong values, bad file)."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A 'did you mean' hint, or '' when nothing is close.

    >>> did_you_mean("clinical_trial_plan", ["clinical_trial_planned", "gmo"])
    "did you mean 'clinical_trial_planned'?"
    """
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""
