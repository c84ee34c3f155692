"""Rule files → a checked, frozen ``Rulebook``; every problem reported at once.

Reads the rule files (``answers`` reads answers files, ``scenarios`` scenario
files, ``__main__`` what the command line names). Layout of a rules folder::

    rulebook.yaml        title, version, jurisdiction, as_of, scope, topics, actors, phases
    <topic>.yaml         one per topic named in rulebook.yaml: questions, obligations, sources
    sources.yaml         the shared source registry (optional)
    proposals.yaml       stakeholders' reform proposals, never law (optional)
    data/*.yaml          shared lists (e.g. EU/EEA states) and per-item data tables
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ._checks import build_rulebook, check_references
from ._files import FileData, UnsafeFile, format_path, read_inside
from ._gc import paused
from ._quote import quote
from ._yaml import MAX_BYTES, LinePath, YamlProblem, decode_text, parse_yaml
from .errors import MAX_PROBLEMS, Problem, RulebookError, did_you_mean
from .models import DataFile, FrozenDict, ProposalsFile, Rulebook, RulebookMeta, SourcesFile, TopicFile

__all__ = ["RULES_DIR", "check_rulebook", "display_path", "load_rulebook"]

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
M = TypeVar("M", bound=BaseModel)


def load_rulebook(rules_dir: str | Path = RULES_DIR, *, strict: bool = True) -> Rulebook:
    """Load, validate and lint a rules folder.

    Raises ``RulebookError`` listing every problem (syntax, schema, references,
    graph lint). With ``strict=False`` only errors, not lint warnings, are fatal.
    """
    root = Path(rules_dir)
    book, problems = check_rulebook(root)
    fatal = [p for p in problems if strict or p.severity == "error"]
    if fatal or book is None:
        raise RulebookError(fatal, display_path(root))
    return book


def check_rulebook(rules_dir: str | Path = RULES_DIR) -> tuple[Rulebook | None, list[Problem]]:
    """Load a rules folder; return the rulebook (None when an error stops it) and every problem,
    warnings included, without raising."""
    # Loading allocates many small objects and frees none of them until the end:
    # the cyclic garbage collector would only re-scan them (about a third of the time).
    with paused():
        return _load(Path(rules_dir))


def _load(root: Path) -> tuple[Rulebook | None, list[Problem]]:
    problems: list[Problem] = []
    display_root = display_path(root)
    hasher = hashlib.sha256()
    unreadable: list[str] = []  # files whose YAML could not be parsed at all
    half_read: set[str] = set()  # ids defined in files that parsed but failed the schema

    def read(path: Path, model: type[M]) -> FileData[M] | None:
        shown = display_path(path)
        try:
            raw = read_inside(root, path, MAX_BYTES)
        except UnsafeFile as err:
            problems.append(Problem(shown, None, "", err.message, err.hint, code="unreadable"))
            unreadable.append(shown)
            return None
        except OSError as err:
            problems.append(
                Problem(shown, None, "", f"cannot read file ({err.strerror})", "check the path", code="unreadable")
            )
            return None
        hasher.update(path.relative_to(root).as_posix().encode() + b"\0" + raw + b"\0")
        try:
            data, lines = parse_yaml(decode_text(raw), shown, tuples=True)
        except YamlProblem as err:
            problems.append(Problem(shown, err.line, "", err.message, err.hint, code="yaml_syntax"))
            unreadable.append(shown)
            return None
        if not isinstance(data, dict):
            problems.append(Problem(shown, 1, "", "the file must be a mapping of keys to values", code="schema"))
            unreadable.append(shown)
            return None
        try:
            return FileData(shown, model.model_validate(data), lines)
        except ValidationError as err:
            problems.extend(_schema_problems(shown, err, lines, data))
            half_read.update(_ids_in(data))
            return None

    if not root.is_dir():
        hint = "pass the folder that holds rulebook.yaml"
        return None, [Problem(display_root, None, "", "rules folder not found", hint, code="missing_file")]
    meta_file = read(root / "rulebook.yaml", RulebookMeta)
    topics: list[tuple[str, FileData[TopicFile]]] = []
    sources: list[FileData[SourcesFile]] = []
    data_files: list[FileData[DataFile]] = []
    listed = {root / "rulebook.yaml", root / "sources.yaml", root / "proposals.yaml"}
    if meta_file is not None:
        for i, topic in enumerate(meta_file.model.topics):
            path = root / f"{topic}.yaml"
            listed.add(path)
            if not path.exists():
                problems.append(
                    Problem(
                        meta_file.display,
                        meta_file.line(("topics", i)),
                        f"topics[{i}]",
                        f"no file {topic}.yaml for topic '{topic}'",
                        "create it or remove the topic",
                        code="missing_file",
                    )
                )
                continue
            topic_file = read(path, TopicFile)
            if topic_file is not None:
                topics.append((topic, topic_file))
    if (root / "sources.yaml").exists():
        sources_file = read(root / "sources.yaml", SourcesFile)
        if sources_file is not None:
            sources.append(sources_file)
    proposals_file = read(root / "proposals.yaml", ProposalsFile) if (root / "proposals.yaml").exists() else None
    if proposals_file is not None:  # its sources join the registry
        sources.append(
            FileData(proposals_file.display, SourcesFile(sources=proposals_file.model.sources), proposals_file.lines)
        )
    for path in sorted((root / "data").glob("*.yaml")) if (root / "data").is_dir() else []:
        listed.add(path)
        data_file = read(path, DataFile)
        if data_file is not None:
            data_files.append(data_file)
    for path in sorted(root.glob("*.yaml")):
        if path not in listed:
            problems.append(
                Problem(
                    display_path(path),
                    None,
                    "",
                    "file is not a topic listed in rulebook.yaml",
                    f"add '{path.stem}' to topics in rulebook.yaml, or move the file",
                    code="stray_file",
                )
            )

    if meta_file is None:
        return None, problems
    defs, more = check_references(meta_file, topics, sources, data_files)
    book = None if more else build_rulebook(defs, hasher.hexdigest()[:16])
    kept, hidden = _without_cascades(more, half_read, unreadable)
    problems.extend(kept)
    if hidden:  # said once, on the unreadable file's own problem, not as extra problems
        note = f"{hidden} reference(s) elsewhere may point into this file and were not checked"
        i = next(i for i, p in enumerate(problems) if p.path in unreadable)
        problems[i] = dataclasses.replace(problems[i], hint=f"{problems[i].hint}; {note}" if problems[i].hint else note)
    if book is not None and proposals_file is not None:
        from ._proposals import check_proposals

        where, more_problems = check_proposals(proposals_file, book)
        problems.extend(more_problems)
        book = book.model_copy(
            update={
                "proposals": proposals_file.model.proposals,
                "proposal_buckets": FrozenDict(proposals_file.model.buckets),
                "locations": FrozenDict({**book.locations, **where}),
            }
        )
    if book is not None:
        from .graph import lint_rulebook  # local import: graph imports models only

        problems.extend(lint_rulebook(book))
    if any(p.severity == "error" for p in problems):
        book = None
    return book, problems


def _ids_in(data: dict[str, Any]) -> set[str]:
    """Ids a file defines, read from its raw data (for a file that failed the schema)."""
    found = set()
    for key in ("questions", "determinations", "obligations", "sources", "lists", "tables"):
        items = data.get(key)
        for item in items if isinstance(items, (list, tuple)) else []:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                found.add(item["id"])
    return found


def _without_cascades(problems: list[Problem], half_read: set[str], unreadable: list[str]) -> tuple[list[Problem], int]:
    """Drop "unknown id" problems that only follow from a file that failed to load.

    An id defined in a file that failed the schema is known; one that no file defines may be
    in a file whose YAML could not be read, so it is counted, not listed (unless a close
    match suggests a typo).
    """
    kept: list[Problem] = []
    hidden = 0
    for p in problems:
        if p.code == "unknown_ref" and p.ref in half_read:
            continue
        if p.code == "unknown_ref" and unreadable and p.suggestion is None:
            hidden += 1
            continue
        kept.append(p)
    return kept, hidden


def display_path(path: Path) -> str:
    """A path as shown in problems: relative to the working folder when inside it."""
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def _schema_problems(shown: str, err: ValidationError, lines: dict[LinePath, int], data: Any) -> list[Problem]:
    out = []
    for e in err.errors(include_url=False)[:MAX_PROBLEMS]:
        loc: LinePath = tuple(p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        kind = e["type"]
        line = None
        for end in range(len(loc), -1, -1):
            line = lines.get(loc[:end])
            if line is not None:
                break
        hint = ""
        message = e["msg"]
        value = e.get("input")
        if kind == "extra_forbidden":
            key = loc[-1]
            allowed = _allowed_keys(err, loc)
            message = f"unexpected key {quote(key)}"
            hint = did_you_mean(str(key), allowed) or (
                f"allowed keys: {', '.join(allowed)}" if allowed else "remove it"
            )
            if value is None and " " in str(key):
                hint = 'a comma inside { … } splits the text into keys: quote the whole text, e.g. ref: "Art 2(1), Annex I"'
            loc = loc[:-1]
        elif kind == "missing":
            message = f"missing key '{loc[-1]}'"
            hint = "add it"
            loc = loc[:-1]
        elif kind in ("string_type", "str_type") and isinstance(value, bool):
            message = f"expected text, got the boolean {str(value).lower()}"
            hint = "quote it if you meant text, e.g. 'NO' for Norway"
        elif kind == "bool_type" and isinstance(value, str):
            message = f"expected true or false, got {quote(value)}"
            hint = "write true or false (yes/no/on/off are not booleans here)"
        elif kind in ("date_type", "date_from_datetime_parsing", "date_parsing"):
            message = f"expected a date, got {quote(value)}"
            hint = "write an ISO date such as 2027-08-07, unquoted"
        elif (
            kind == "string_pattern_mismatch"
            and loc
            and loc[-1] in ("id", "source", "question", "actor", "phase", "list", "table")
        ):
            message = f"{quote(value)} is not a valid id"
            hint = "ids are lower_snake_case: a letter, then letters, digits or _"
        elif kind == "literal_error":
            message = f"{quote(value)} is not allowed here"
            expected = e.get("ctx", {}).get("expected", "")
            hint = f"use one of {expected}" if expected else ""
        elif kind == "value_error":
            message = message.removeprefix("Value error, ")
        out.append(Problem(shown, line, format_path(loc), message, hint, code="schema"))
    if err.error_count() > MAX_PROBLEMS:  # counted, not listed: a hostile file must not flood the report
        more = err.error_count() - MAX_PROBLEMS
        out.append(
            Problem(
                shown,
                None,
                "",
                f"{more:,} more schema problems in this file are not listed",
                "fix the ones above first",
                code="schema",
            )
        )
    return out


def _allowed_keys(err: ValidationError, loc: LinePath) -> list[str]:
    """Best effort: the field names of the model at ``loc`` (from the model's schema)."""
    from . import models

    parent = loc[:-1]
    names = [p for p in parent if isinstance(p, str)]
    last = names[-1] if names else ""
    table: dict[str, type[BaseModel]] = {
        "questions": models.Question,
        "determinations": models.Determination,
        "cases": models.Case,
        "obligations": models.Obligation,
        "sources": models.Source,
        "citations": models.Citation,
        "lists": models.DataList,
        "tables": models.DataTable,
        "for_each": models.ForEach,
        "row_citations": models.Citation,
        "when": models.Condition,
        "unless": models.Condition,
        "all": models.Condition,
        "any": models.Condition,
        "not": models.Condition,
    }
    model: type[BaseModel] | None = table.get(last)
    if model is None and not names:
        tops: dict[str, type[BaseModel]] = {
            "TopicFile": models.TopicFile,
            "RulebookMeta": models.RulebookMeta,
            "SourcesFile": models.SourcesFile,
            "DataFile": models.DataFile,
        }
        model = tops.get(err.title)
    if model is None:
        return []
    return [f.alias or name for name, f in model.model_fields.items()]
