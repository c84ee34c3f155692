"""Currency as a checked property: what the rule author should re-check, and where.

Two warnings, never errors (the law has not changed because a date passed, but the rulebook
may now be stale):

* a source whose ``last_reviewed`` is older than ``review_max_age_days`` (``rulebook.yaml``,
  or the ``check --review-max-age`` override);
* an item that is not law yet (``proposed`` / ``agreed_not_in_force``) with a ``milestones``
  entry whose date has passed — "draft expected Sept 2026" is a prompt to look again.

Each warning points at the line of the field to update (``path:line``).

>>> from datetime import date
>>> _age_message("reg_x", date(2026, 1, 1), 300, date(2026, 12, 2))
"source 'reg_x' was last reviewed on 2026-01-01, 335 days before 2026-12-02 (limit 300 days)"
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ._files import FileData, UnsafeFile, format_path, read_inside
from ._yaml import MAX_BYTES, LinePath, YamlProblem, decode_text, parse_yaml
from .errors import Problem
from .models import PENDING_STATUSES, Milestone, ProposalsFile, RulebookMeta, SourcesFile, TopicFile

__all__ = ["currency_problems", "review_problems"]


def review_problems(rules_dir: str | Path, *, today: date, max_age_days: int | None = None) -> list[Problem]:
    """The currency warnings of a rules folder (``max_age_days`` overrides ``review_max_age_days``).

    Reads the files on its own: loading stays about validity, this is about what to re-read.
    Files that do not load are skipped here — ``check`` reports them as errors.
    """
    root = Path(rules_dir)
    meta = _read(root, root / "rulebook.yaml", RulebookMeta)
    if meta is None:
        return []
    paths: list[tuple[Path, type[BaseModel]]] = [(root / f"{t}.yaml", TopicFile) for t in meta.model.topics]
    paths += [(root / "sources.yaml", SourcesFile), (root / "proposals.yaml", ProposalsFile)]
    files = [fd for fd in (_read(root, path, model) for path, model in paths if path.exists()) if fd is not None]
    limit = max_age_days if max_age_days is not None else meta.model.review_max_age_days
    return currency_problems(files, today=today, max_age_days=limit)


def _read(root: Path, path: Path, model: type[Any]) -> FileData[Any] | None:
    """One rule file, read with the loader's guards (regular file inside the folder, size cap)."""
    from .loader import display_path  # the loader imports nothing from here; keep it one-way

    shown = display_path(path)
    try:
        data, lines = parse_yaml(decode_text(read_inside(root, path, MAX_BYTES)), shown, tuples=True)
        return FileData(shown, model.model_validate(data), lines)
    except (OSError, UnsafeFile, YamlProblem, ValidationError):
        return None


def currency_problems(files: Iterable[FileData[Any]], *, today: date, max_age_days: int | None) -> list[Problem]:
    """Stale reviews and past milestones in the loaded rule files, as warnings."""
    out: list[Problem] = []
    for fd in files:
        for i, source in enumerate(getattr(fd.model, "sources", ())):
            path: LinePath = ("sources", i)
            if max_age_days is not None and (today - source.last_reviewed).days > max_age_days:
                out.append(
                    _warning(
                        fd,
                        (*path, "last_reviewed"),
                        _age_message(source.id, source.last_reviewed, max_age_days, today),
                        "re-read the source, update the items that cite it, then set last_reviewed",
                        "stale_review",
                        source.id,
                    )
                )
            if source.status in PENDING_STATUSES:
                out.extend(_past_milestones(fd, path, "source", source.id, source.milestones, today))
        for i, ob in enumerate(getattr(fd.model, "obligations", ())):
            if ob.status in PENDING_STATUSES:
                out.extend(_past_milestones(fd, ("obligations", i), "item", ob.id, ob.milestones, today))
    return out


def _past_milestones(
    fd: FileData[Any], path: LinePath, what: str, ident: str, milestones: Iterable[Milestone], today: date
) -> list[Problem]:
    return [
        _warning(
            fd,
            (*path, "milestones", k, "date"),
            f"{what} '{ident}' expected by {m.date}: {m.what} — that date has passed",
            "check what happened; update the status, description and dates, then move or remove the milestone",
            "past_milestone",
            ident,
        )
        for k, m in enumerate(milestones)
        if m.date < today
    ]


def _age_message(ident: str, reviewed: date, limit: int, today: date) -> str:
    days = (today - reviewed).days
    return f"source '{ident}' was last reviewed on {reviewed}, {days} days before {today} (limit {limit} days)"


def _warning(fd: FileData[Any], path: LinePath, message: str, hint: str, code: str, ref: str) -> Problem:
    return Problem(fd.display, fd.line(path), format_path(path), message, hint, "warning", code=code, ref=ref)
