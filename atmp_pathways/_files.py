"""A parsed rule file with its key-path → line map, and key-path formatting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

from ._yaml import LinePath

__all__ = ["FileData", "format_path"]

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class FileData(Generic[M]):
    """One parsed rule file: its display path, model and key-path → line map."""

    display: str
    model: M
    lines: dict[LinePath, int]

    def line(self, path: LinePath) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


def format_path(path: LinePath) -> str:
    """``('obligations', 3, 'when', 'all', 1)`` → ``obligations[3].when.all[1]``.

    >>> format_path(("obligations", 3, "when", "all", 1))
    'obligations[3].when.all[1]'
    """
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out
