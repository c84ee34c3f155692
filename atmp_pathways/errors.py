"""Problems that rule authors and users read: where → what → how to fix.

A ``Problem`` is data (a code, a place, a message, a hint, a suggestion), so the
loader filters cascades on fields and ``check --format json`` prints it as is.

>>> p = Problem("rules/gmo.yaml", 27, "obligations[3].when", "unknown question 'x'", "did you mean 'y'?",
...             code="unknown_ref", ref="x", suggestion="y")
>>> str(p)
"rules/gmo.yaml:27: obligations[3].when: unknown question 'x' — did you mean 'y'?"
>>> p.to_dict()["code"], p.to_dict()["suggestion"]
('unknown_ref', 'y')
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

__all__ = ["AnswersError", "Problem", "RulebookError", "Severity", "closest", "did_you_mean"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one file.

    ``code`` names the kind of problem (``yaml_syntax``, ``schema``, ``unknown_ref``,
    ``duplicate_id``, ``bad_value``, ``missing_file``, ``stray_file``, ``cycle``,
    ``unused``, ``unreachable``, ``never_applies``, ``uncited``, ``bad_scenario``, and for
    determinations ``catch_all_not_last``, ``shadowed``, ``gap``);
    ``ref`` is the id the problem is about, ``suggestion`` the close id a hint proposes.
    Warnings are printed but do not fail ``check``.
    """

    path: str
    line: int | None
    where: str
    message: str
    hint: str = ""
    severity: Severity = "error"
    code: str = "invalid"
    ref: str = ""
    suggestion: str | None = None

    def __str__(self) -> str:
        at = f"{self.path}:{self.line}" if self.line else self.path
        where = f" {self.where}:" if self.where else ""
        hint = f" — {self.hint}" if self.hint else ""
        return f"{at}:{where} {self.message}{hint}"

    def to_dict(self) -> dict[str, object]:
        """The problem as plain JSON-ready data."""
        return asdict(self)


class RulebookError(Exception):
    """Every problem found in a rulebook, reported together."""

    def __init__(self, problems: Iterable[Problem], root: str = "rules/") -> None:
        self.problems = sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.where, p.message))
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


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate closest to ``word``, or None when nothing is close."""
    close = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A 'did you mean' hint, or '' when nothing is close.

    >>> did_you_mean("clinical_trial_plan", ["clinical_trial_planned", "gmo"])
    "did you mean 'clinical_trial_planned'?"
    """
    match = closest(word, candidates)
    return f"did you mean '{match}'?" if match else ""
