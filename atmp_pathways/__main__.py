"""Command line: ``python -m atmp_pathways <command>``. A thin boundary: it only
turns errors into messages and exit codes (0 ok, 1 problems found, 2 usage).

Commands: check, catalogue, evaluate, schema, graph, test. See README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

from pydantic import BaseModel

from .errors import AnswersError, RulebookError
from .exports import EXPORTS
from .loader import RULES_DIR, check_rulebook, display_path, load_rulebook
from .models import Rulebook

CATALOGUE_START = "<!-- catalogue:start -->"
CATALOGUE_END = "<!-- catalogue:end -->"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m atmp_pathways", description="ATMP Pathways rulebook tools.")
    p.add_argument("--rules", default=str(RULES_DIR), help="rules folder (default: rules/)")
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
    c.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD (default: the file's as_of, else today)")
    c.add_argument("--format", choices=list(EXPORTS), default="json")
    c.add_argument("-o", "--output", help="write to this file (required for xlsx, docx, pdf)")
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
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(_COMMANDS[args.command](args))
    except RulebookError as err:
        print(str(err), file=sys.stderr)
        return 1
    except AnswersError as err:
        print(str(err), file=sys.stderr)
        return 1
    except OSError as err:
        print(f"{err.filename or ''}: {err.strerror}", file=sys.stderr)
        return 1


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
        print(str(report), file=sys.stderr)
        return 1
    for p in report.problems:
        print(f"warning: {p}", file=sys.stderr)
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
        text = path.read_text(encoding="utf-8")
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
    from .answers import parse_answers
    from .engine import evaluate

    book = _book(args)
    path = Path(args.answers_file)
    parsed = parse_answers(book, path.read_bytes(), path.as_posix())
    for warning in parsed.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    as_of = args.as_of or parsed.as_of or date.today()
    outcome = evaluate(book, parsed.answers, as_of)
    fmt = EXPORTS[args.format]
    data = fmt.render(outcome, book, None)
    if args.output:
        out = Path(args.output)
        if isinstance(data, bytes):
            out.write_bytes(data)
        else:
            out.write_text(data, encoding="utf-8")
        print(f"{out}: {fmt.label}, {len(outcome.applicable)} obligations apply as of {as_of}", file=sys.stderr)
    elif isinstance(data, bytes):
        print(f"--format {args.format} is binary: give -o FILE", file=sys.stderr)
        return 2
    else:
        sys.stdout.write(data)
    return 0


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
    sys.stdout.write(to_dot(book, topics) if args.format == "dot" else to_mermaid(book, topics))
    return 0


def _test(args: argparse.Namespace) -> int:
    from .scenarios import coverage, load_scenarios, run_scenario

    book = _book(args)
    folder = Path(args.scenarios)
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


_COMMANDS = {
    "check": _check,
    "catalogue": _catalogue,
    "evaluate": _evaluate,
    "schema": _schema,
    "graph": _graph,
    "test": _test,
}

if __name__ == "__main__":
    sys.exit(main())
