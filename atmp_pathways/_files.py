"""A parsed rule file with its key-path → line map, and key-path formatting."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel

from ._yaml import LinePath

__all__ = ["FileData", "UnsafeFile", "format_path", "read_inside"]

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


class UnsafeFile(Exception):
    """A path in a rules folder that is not read: outside the folder, or not a regular file."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def read_inside(root: Path, path: Path, limit: int) -> bytes:
    """The bytes of ``path`` — at most ``limit + 1`` of them, so an oversized file is refused
    without reading it all — if it is a regular file inside ``root`` once symlinks are resolved.

    A rules folder is untrusted input: a symlink to ``/dev/zero`` would be read until memory
    runs out, a FIFO would block forever, and a link to ``/etc`` would leak another file.
    Raises ``UnsafeFile`` for those, ``OSError`` when the file cannot be read.
    """
    real = path.resolve()
    if not real.is_relative_to(root.resolve()):
        raise UnsafeFile("the file leads outside the rules folder", "copy the file into the folder instead of linking")
    # O_NONBLOCK: opening a FIFO whose writer never comes returns at once instead of blocking.
    fd = os.open(real, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnsafeFile("not a regular file (a device, pipe or socket)", "replace it with a plain text file")
        if info.st_size > limit:
            raise UnsafeFile(f"file is {info.st_size:,} bytes; the limit is {limit:,}", "split it into smaller files")
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)
