"""Name a rulebook on the command line: a rules folder, a git revision, or a stored digest.

``rules/`` · ``git:v0.1.1`` · ``git:HEAD~3`` · ``digest:912794b41d71b091`` (a prefix is enough
when it is unique). Every failure is a ``RefError`` with one line to show.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from .errors import RulebookError
from .loader import RULES_DIR, load_rulebook
from .models import Rulebook

__all__ = ["RefError", "resolve_rulebook"]


class RefError(ValueError):
    """A rulebook reference that cannot be resolved, in one line."""


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60, check=False)
    except FileNotFoundError:
        raise RefError("git is not installed: give a rules folder instead of git:REF") from None
    except subprocess.TimeoutExpired:
        raise RefError(f"git {' '.join(args)} took too long") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise RefError(message[0] if message else f"git {' '.join(args)} failed")
    return done.stdout


def _from_git(ref: str, rules_dir: Path) -> Rulebook:
    if not ref or ref.startswith("-"):
        raise RefError(f"git:{ref} — give a revision, e.g. git:HEAD~1 or git:v0.1.1")
    folder = rules_dir.resolve()
    anchor = folder if folder.is_dir() else RULES_DIR
    try:
        top = Path(_git(["rev-parse", "--show-toplevel"], anchor).decode().strip())
    except RefError as err:
        raise RefError(f"git:{ref} — {anchor} is not in a git checkout ({err})") from None
    try:
        inside = (anchor if anchor.is_dir() else RULES_DIR).resolve().relative_to(top).as_posix()
    except ValueError:
        inside = "rules"
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    except RefError:
        raise RefError(f"git:{ref} — no such git revision in {top}") from None
    try:
        archive = _git(["archive", "--format=tar", ref, "--", inside], top)
    except RefError as err:
        raise RefError(f"git:{ref} — no {inside}/ folder at that revision ({err})") from None
    with tempfile.TemporaryDirectory(prefix="atmp-rules-") as tmp, tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tmp, filter="data")
        try:
            return load_rulebook(Path(tmp) / inside, strict=False)
        except RulebookError as err:
            raise RefError(
                f"git:{ref} — the rules at that revision do not load with this version "
                f"({len(err.problems)} problems; first: {err.problems[0] if err.problems else '?'})"
            ) from None


def resolve_rulebook(
    spec: str,
    rules_dir: Path = RULES_DIR,
    snapshot: Callable[[str], Rulebook | None] | None = None,
) -> Rulebook:
    """Load the rulebook ``spec`` names. ``snapshot`` finds a stored one by digest prefix."""
    if spec.startswith("git:"):
        return _from_git(spec[4:], rules_dir)
    if spec.startswith("digest:"):
        prefix = spec[7:].strip()
        if len(prefix) < 6:
            raise RefError(f"{spec} — give at least 6 characters of the digest")
        if snapshot is None:
            raise RefError(f"{spec} — no assessment store to look the digest up in")
        book = snapshot(prefix)
        if book is None:
            raise RefError(f"{spec} — no stored rulebook has that digest")
        return book
    path = Path(spec)
    if not path.is_dir():
        raise RefError(f"{spec} — not a rules folder (nor git:REF or digest:HEX)")
    return load_rulebook(path, strict=False)
