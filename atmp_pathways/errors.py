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

from ._quote import shown_and_more

__all__ = [
    "MAX_PROBLEMS",
    "SHOW_PROBLEMS",
    "AnswersError",
    "Problem",
    "RulebookError",
    "Severity",
    "closest",
    "did_you_mean",
]

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


MAX_PROBLEMS = 1_000
"""Most problems kept from one load; the rest are counted ("… and N more"), so a hostile
folder with 60 000 bad items cannot produce hundreds of megabytes of messages."""

SHOW_PROBLEMS = 200
"""Problems ``str(RulebookError)`` lists (the CLI's ``--max-problems``; the app shows fewer)."""


class RulebookError(Exception):
    """Every problem found in a rulebook, reported together (the first ``MAX_PROBLEMS``;
    ``omitted`` counts the others)."""

    def __init__(self, problems: Iterable[Problem], root: str = "rules/", omitted: int = 0) -> None:
        ordered = sorted(set(problems), key=lambda p: (p.path, p.line or 0, p.where, p.message))
        self.problems = ordered[:MAX_PROBLEMS]
        self.omitted = omitted + len(ordered) - len(self.problems)
        self.root = root
        super().__init__(self.report(SHOW_PROBLEMS))

    @property
    def total(self) -> int:
        return len(self.problems) + self.omitted

    def __str__(self) -> str:
        return str(self.args[0])

    def report(self, limit: int = SHOW_PROBLEMS) -> str:
        """The first ``limit`` problems, one per line, "… and N more", and a summary line."""
        files = {p.path for p in self.problems}
        lines = shown_and_more([str(p) for p in self.problems[:limit]], limit, self.total)
        noun = "problem" if self.total == 1 else "problems"
        fnoun = "file" if len(files) == 1 else "files"
        in_files = f"{len(files)} or more {fnoun}" if self.omitted else f"{len(files)} {fnoun}"
        lines.append(
            f"{self.total:,} {noun} in {in_files} under {self.root}. "
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
