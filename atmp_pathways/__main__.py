"""Command line: ``python -m atmp_pathways <command>``. A thin boundary: it only
turns errors into messages and exit codes (0 ok, 1 problems found, 2 usage, 3 internal
error). Never a traceback: every line it prints about the user's input is bounded and has
control characters and terminal escapes written out (``\x1b``), never sent raw.

Commands: check, catalogue, evaluate, schema, graph, test, diff, impact. See README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from pydantic import BaseModel

from ._dates import EARLIEST, LATEST, as_of_problem, read_as_of
from ._quote import printable, quote, shown_and_more
from .errors import SHOW_PROBLEMS, AnswersError, RulebookError
from .exports import EXPORTS
from .exports.csv_ import BOM
from .loader import RULES_DIR, check_rulebook, display_path, load_rulebook
from .models import Rulebook

COMPARE_FORMATS = ("md", "json", "pdf")
CATALOGUE_START = "<!-- catalogue:start -->"
CATALOGUE_END = "<!-- catalogue:end -->"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m atmp_pathways", description="ATMP Pathways rulebook tools.")
    p.add_argument("--rules", default=str(RULES_DIR), help="rules folder (default: rules/)")
    p.add_argument(
        "--max-problems",
        type=int,
        default=SHOW_PROBLEMS,
        metavar="N",
        help=f"list at most N problems, then '… and M more' (default {SHOW_PROBLEMS})",
    )
    sub = p.add_subparsers(dest="command", required=True)
    c = sub.add_parser("check", help="load and lint the rules; print every problem as file:line")
    c.add_argument("rules_dir", nargs="?", help="rules folder (default: --rules)")
    c.add_argument("--format", choices=["text", "json"], default="text", help="json: the problems as a JSON list")
    c.add_argument(
        "--review-max-age",
        type=int,
        metavar="DAYS",
        help="warn about sources last reviewed longer ago (default: review_max_age_days in rulebook.yaml)",
    )
    c.add_argument("--today", type=date.fromisoformat, help="YYYY-MM-DD compared with review dates (default: today)")
    c = sub.add_parser("catalogue", help="the whole rulebook as data")
    c.add_argument("--format", choices=["json", "md"], default="json")
    c.add_argument("--write-readme", metavar="README", help="replace the catalogue section of this Markdown file")
    c.add_argument("--check-readme", metavar="README", help="exit 1 if this file's catalogue section is out of date")
    c = sub.add_parser("evaluate", help="evaluate an answers file (YAML or JSON)")
    c.add_argument("answers_file")
    c.add_argument("--as-of", type=_as_of, help="YYYY-MM-DD (default: the file's as_of, else today)")
    c.add_argument("--format", choices=list(EXPORTS), default="json")
    c.add_argument("-o", "--output", help="write to this file (required for xlsx, docx, pdf)")
    c = sub.add_parser("compare", help="what an alternative answers file changes against a base one")
    c.add_argument("base_answers")
    c.add_argument("alt_answers")
    c.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD (default: the base file's as_of, else today)")
    c.add_argument("--format", choices=list(COMPARE_FORMATS), default="md")
    c.add_argument("-o", "--output", help="write to this file (required for pdf)")
    c = sub.add_parser("schema", help="JSON Schema of the rule files (for editor autocompletion)")
    c.add_argument("--out", help="write rulebook/topic/sources/data .schema.json into this folder")
    c.add_argument(
        "--kind",
        choices=["topic", "rulebook", "sources", "data", "proposals"],
        default="topic",
        help="which schema to print",
    )
    c = sub.add_parser("graph", help="the rule graph as DOT or Mermaid")
    c.add_argument("--format", choices=["dot", "mermaid"], default="dot")
    c.add_argument("--topic", action="append", help="only these topics (repeatable)")
    c = sub.add_parser("test", help="run YAML scenarios and print coverage (100%% required)")
    c.add_argument("--scenarios", required=True, help="folder of scenario files (this repository's: tests/scenarios)")
    c = sub.add_parser("diff", help="semantic diff of two rulebooks (folders, git:REF or digest:HEX)")
    c.add_argument("old", help="rules folder, git:REF (e.g. git:HEAD~3) or digest:HEX (a stored rulebook)")
    c.add_argument("new", nargs="?", help="the same kinds (default: --rules)")
    c.add_argument("--format", choices=["md", "json"], default="md")
    c.add_argument("--changelog", action="store_true", help="print a CHANGELOG-ready section for NEW instead")
    c.add_argument("--database", help="store URL for digest:HEX (default: ATMP_DATABASE_URL or the local file)")
    c = sub.add_parser("impact", help="what the current rules (or a later date) change for saved assessments")
    c.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD (default: each revision's own date)")
    c.add_argument("--format", choices=["md", "json"], default="md")
    c.add_argument("--user", help="only the assessments this e-mail can see (default: all)")
    c.add_argument("--database", help="store URL (default: ATMP_DATABASE_URL or the local file)")
    return p


def _as_of(text: str) -> date:
    day = read_as_of(text)
    if day is None:
        raise argparse.ArgumentTypeError(f"{as_of_problem(text)}; use a date from {EARLIEST} to {LATEST}")
    return day


def _say(text: str) -> None:
    """Print to stderr, each line bounded and with control characters written out."""
    for line in text.splitlines() or [""]:
        print(printable(line, 2_000), file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    from ._refs import RefError
    from .store import StoreError

    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    # argparse cannot take `diff OLD --format json NEW`: an optional positional after flags.
    if extra and args.command == "diff" and args.new is None and len(extra) == 1 and not extra[0].startswith("-"):
        args.new, extra = extra[0], []
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    limit = max(1, args.max_problems)
    try:
        return int(_COMMANDS[args.command](args))
    except (StoreError, RefError) as err:
        _say(f"error: {err}")
        return 1
    except RulebookError as err:
        _say(err.report(limit))
        return 1
    except AnswersError as err:
        _say("\n".join(shown_and_more(err.problems, limit + 1)))  # + its own "… and N more"
        return 1
    except OSError as err:
        name = err.filename if err.filename is not None else ""
        _say(f"{quote(str(name), 200) if name else 'error'}: {err.strerror or err}")
        return 1
    except _Refused as err:
        _say(str(err))
        return err.code
    except Exception as err:  # noqa: BLE001 - the boundary: a bug is reported in one line, not a traceback
        _say(f"internal error ({type(err).__name__}); please report it with the command you ran")
        return 3


class _Refused(Exception):
    """A message for the user and the exit code (1 problem found, 2 usage)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _book(args: argparse.Namespace) -> Rulebook:
    return load_rulebook(args.rules)


def _check(args: argparse.Namespace) -> int:
    """Every problem, warnings included; only errors make the exit code 1."""
    folder = args.rules_dir or args.rules
    start = time.perf_counter()
    book, problems = check_rulebook(folder)
    ms = (time.perf_counter() - start) * 1000
    if book is not None:  # currency: what to re-read (warnings only)
        from .currency import review_problems

        today = args.today or date.today()
        problems = [*problems, *review_problems(folder, today=today, max_age_days=args.review_max_age)]
    report = RulebookError(problems, display_path(Path(folder)))  # sorted, duplicates dropped
    if args.format == "json":
        print(json.dumps([p.to_dict() for p in report.problems], indent=2))
        return 0 if book is not None else 1
    if book is None:
        _say(report.report(max(1, args.max_problems)))
        return 1
    for line in shown_and_more([str(p) for p in report.problems], max(1, args.max_problems), report.total):
        _say(f"warning: {line}")
    print(
        f"{folder}: clean — {len(book.questions)} questions, {len(book.obligations)} obligations, "
        f"{len(book.sources)} sources, {len(book.meta.topics)} topics; version {book.meta.version}, "
        f"digest {book.digest} ({ms:.0f} ms)"
    )
    return 0


def _catalogue(args: argparse.Namespace) -> int:
    from .catalogue import catalogue_json, catalogue_markdown

    book = _book(args)
    if args.write_readme or args.check_readme:
        path = Path(args.write_readme or args.check_readme)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise _Refused(
                f"{path}: not UTF-8 text (byte 0x{err.object[err.start]:02x} at offset {err.start}) — save it as UTF-8"
            ) from None
        if CATALOGUE_START not in text or CATALOGUE_END not in text:
            print(f"{path}: no {CATALOGUE_START} … {CATALOGUE_END} section", file=sys.stderr)
            return 1
        head, rest = text.split(CATALOGUE_START, 1)
        _, tail = rest.split(CATALOGUE_END, 1)
        new = f"{head}{CATALOGUE_START}\n{catalogue_markdown(book)}{CATALOGUE_END}{tail}"
        if args.check_readme:
            if new != text:
                print(f"{path}: the catalogue is out of date — run `make catalogue`", file=sys.stderr)
                return 1
            print(f"{path}: catalogue up to date")
            return 0
        path.write_text(new, encoding="utf-8")
        print(f"{path}: catalogue written")
        return 0
    sys.stdout.write(catalogue_json(book) if args.format == "json" else catalogue_markdown(book))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from .answers import MAX_ANSWERS_BYTES, parse_answers
    from .engine import evaluate

    book = _book(args)
    path = Path(args.answers_file)
    with path.open("rb") as fh:  # at most one byte over the limit: /dev/zero is refused, not read
        raw = fh.read(MAX_ANSWERS_BYTES + 1)
    parsed = parse_answers(book, raw, path.as_posix(), max(1, args.max_problems))
    for warning in parsed.warnings:
        _say(f"warning: {warning}")
    as_of = args.as_of or parsed.as_of or date.today()
    outcome = evaluate(book, parsed.answers, as_of)
    fmt = EXPORTS[args.format]
    data = fmt.render(outcome, book, None)
    if args.output:
        out = Path(args.output)
        try:
            if isinstance(data, bytes):
                out.write_bytes(data)
            else:
                out.write_text(data, encoding="utf-8")
        except OSError as err:
            raise _Refused(f"{out}: cannot write the file ({err.strerror or err})") from None
        print(f"{out}: {fmt.label}, {len(outcome.applicable)} obligations apply as of {as_of}", file=sys.stderr)
    elif isinstance(data, bytes):
        print(f"--format {args.format} is binary: give -o FILE", file=sys.stderr)
        return 2
    else:
        _to_stdout(data)
    return 0


def _to_stdout(data: str) -> None:
    """Text to standard output; a terminal gets it without the byte-order mark the CSV export
    starts with (for Excel, which reads a saved file as UTF-8 only with it; on a screen it is a
    stray invisible character). A redirect or a pipe gets the bytes a file would hold."""
    if data.startswith(BOM) and sys.stdout.isatty():
        data = data[len(BOM) :]
    sys.stdout.write(data)


def _write(data: str | bytes, output: str | None, fmt: str, summary: str) -> int:
    if output:
        out = Path(output)
        if isinstance(data, bytes):
            out.write_bytes(data)
        else:
            out.write_text(data, encoding="utf-8")
        print(f"{out}: {summary}", file=sys.stderr)
    elif isinstance(data, bytes):
        print(f"--format {fmt} is binary: give -o FILE", file=sys.stderr)
        return 2
    else:
        _to_stdout(data)
    return 0


def _compare(args: argparse.Namespace) -> int:
    from .answers import parse_answers
    from .compare import compare, comparison_json, comparison_outline

    book = _book(args)
    parsed = []
    for name in (args.base_answers, args.alt_answers):
        path = Path(name)
        one = parse_answers(book, path.read_bytes(), path.as_posix())
        for warning in one.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        parsed.append(one)
    as_of = args.as_of or parsed[0].as_of or date.today()
    result = compare(book, parsed[0].answers, parsed[1].answers, as_of)
    data: str | bytes
    if args.format == "json":
        data = json.dumps(comparison_json(result, book), indent=2, ensure_ascii=False) + "\n"
    elif args.format == "md":
        from .exports.markdown import render_blocks

        data = render_blocks(comparison_outline(result, book, None))
    else:
        from .exports.pdf import render_blocks as pdf_blocks

        s = result.base.ruleset
        data = pdf_blocks(
            comparison_outline(result, book, None),
            title=f"Comparison — {s.title} v{s.version}",
            footer=(s.title, f" v{s.version} · digest {s.digest} · as of {as_of.isoformat()}"),
        )
    summary = f"{len(result.starts)} start, {len(result.stops)} stop applying as of {as_of}"
    return _write(data, args.output, args.format, summary)


def _schema(args: argparse.Namespace) -> int:
    from .models import DataFile, ProposalsFile, RulebookMeta, SourcesFile, TopicFile

    kinds: dict[str, type[BaseModel]] = {
        "topic": TopicFile,
        "rulebook": RulebookMeta,
        "sources": SourcesFile,
        "data": DataFile,
        "proposals": ProposalsFile,
    }
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        for name, model in kinds.items():
            (out / f"{name}.schema.json").write_text(
                json.dumps(model.model_json_schema(by_alias=True), indent=2) + "\n", encoding="utf-8"
            )
        print(f"{out}: wrote {', '.join(f'{k}.schema.json' for k in kinds)}")
        return 0
    print(json.dumps(kinds[args.kind].model_json_schema(by_alias=True), indent=2))
    return 0


def _graph(args: argparse.Namespace) -> int:
    from .graph import to_dot, to_mermaid

    book = _book(args)
    topics = set(args.topic) if args.topic else None
    unknown = sorted(topics - set(book.meta.topics)) if topics else []
    if unknown:
        raise _Refused(
            f"unknown topic {', '.join(quote(t) for t in unknown)} — topics are: {', '.join(book.meta.topics)}", 2
        )
    sys.stdout.write(to_dot(book, topics) if args.format == "dot" else to_mermaid(book, topics))
    return 0


def _test(args: argparse.Namespace) -> int:
    from .scenarios import coverage, load_scenarios, run_scenario

    book = _book(args)
    folder = Path(args.scenarios)
    if not folder.is_dir():
        raise _Refused(f"{folder}: scenarios folder not found — pass the folder that holds the scenario files", 2)
    scenarios = load_scenarios(folder.glob("*.yaml"), book)
    failed = 0
    outcomes = {}
    for sc in scenarios:
        outcome, failures = run_scenario(book, sc)
        outcomes[sc.test_id] = outcome
        if failures:
            failed += 1
            print(f"FAIL {sc.path}:{sc.line or ''}\n  Scenario '{sc.name}':")
            for f in failures:
                print("    " + f.replace("\n", "\n    "))
    cov = coverage(book, scenarios, outcomes)
    print(f"{len(scenarios) - failed} passed, {failed} failed")
    print(
        f"coverage: {cov.percent:.1f}% — questions asked {sum(cov.asked.values())}/{len(cov.asked)}, "
        f"obligations applying {sum(cov.applies.values())}/{len(cov.applies)}, "
        f"not applying {sum(cov.not_applies.values())}/{len(cov.not_applies)}, "
        f"determination values reached {sum(cov.values.values())}/{len(cov.values)}"
        + (f", reform proposals shown {sum(cov.proposals.values())}/{len(cov.proposals)}" if cov.proposals else "")
    )
    for gap in cov.gaps():
        print(f"  gap: {gap}")
    return 1 if failed or cov.percent < 100.0 else 0


def _snapshot_lookup(database: str | None) -> Callable[[str], Rulebook | None]:
    from ._refs import RefError
    from .store import open_store

    def lookup(prefix: str) -> Rulebook | None:
        store = open_store(database)
        try:
            found = store.rulebook_digests(prefix)
            if len(found) > 1:
                listed = ", ".join(f"{d} (v{v})" for d, v in found[:4])
                raise RefError(
                    f"digest:{prefix} — matches {len(found)} stored rulebooks: {listed}; give more characters"
                )
            return store.rulebook_snapshot(found[0][0]) if found else None
        finally:
            store.close()

    return lookup


def _diff(args: argparse.Namespace) -> int:
    from ._refs import resolve_rulebook
    from .rulediff import diff_rulebooks

    lookup = _snapshot_lookup(args.database)
    old = resolve_rulebook(args.old, Path(args.rules), lookup)
    new = resolve_rulebook(args.new, Path(args.rules), lookup) if args.new else load_rulebook(args.rules)
    diff = diff_rulebooks(old, new)
    if args.changelog:
        sys.stdout.write(diff.changelog())
    else:
        sys.stdout.write(diff.to_json() if args.format == "json" else diff.to_markdown())
    return 0


def _impact(args: argparse.Namespace) -> int:
    from .impact import impact, impact_json, impact_markdown
    from .store import open_store

    book = _book(args)
    store = open_store(args.database)
    try:
        impacts = impact(store, book, args.as_of, user=args.user)
    finally:
        store.close()
    sys.stdout.write(impact_json(impacts) if args.format == "json" else impact_markdown(impacts, book))
    problems = [i for i in impacts if i.problem]
    for i in problems:
        print(f"error: assessment {i.assessment_id}: {i.problem}", file=sys.stderr)
    return 1 if problems else 0


_COMMANDS = {
    "check": _check,
    "catalogue": _catalogue,
    "evaluate": _evaluate,
    "compare": _compare,
    "schema": _schema,
    "graph": _graph,
    "test": _test,
    "diff": _diff,
    "impact": _impact,
}

if __name__ == "__main__":
    sys.exit(main())
