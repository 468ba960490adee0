"""CLI glue for ``litreview compare`` and ``litreview draft``.

``add_parsers(sub)`` adds both sub-commands to the main parser; ``COMMANDS`` maps their
names to functions taking the parsed arguments and returning an exit code. Output files
are checked before any work starts (a missing directory or an existing file without
``--force`` is refused at once) and written only after the result is complete, so an
error never leaves a file behind. ``--json`` prints exactly one JSON object on stdout;
progress and notices go to stderr. Imports are lazy so ``litreview --help`` stays light.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..review.models import Comparison
    from ..store import Store

ENGINES = ["auto", "llm", "offline"]


EXCLUDE_HELP = "leave this paper out: id, title, unique fragment, method name or close spelling (repeatable)"


def add_selection_args(s: argparse.ArgumentParser, what: str) -> None:
    """``--exclude`` and ``--min-score``, the same for ``compare`` and ``draft``."""
    from .commands import SCORE_HELP, min_score

    s.add_argument("--exclude", action="append", default=[], metavar="REF", help=EXCLUDE_HELP)
    s.add_argument("--min-score", type=min_score, metavar="X",
                   help=f"drop {what} whose score is below X, and say how many were dropped; {SCORE_HELP} "
                        "(`litreview search` shows it per paper)")


def selection(args: argparse.Namespace, store: Store) -> tuple[list[str], float | None]:
    """``(exclude, min_score)`` for ``compare``/``draft``. Each ``--exclude`` is resolved here first, so a
    reference that names no paper stops the command at once (one line, exit 2); the papers' ids are passed on."""
    from ..review.select import excluded_papers

    return list(excluded_papers(store, args.exclude)), args.min_score


def add_parsers(sub) -> None:
    from .commands import positive_int

    s = sub.add_parser("compare", help="compare papers side by side: task, approach, figures, efficiency, code")
    s.add_argument("query", nargs="?", metavar="QUERY", help="find the papers to compare (or name them with --paper)")
    s.add_argument("--paper", action="append", default=[], metavar="TITLE",
                   help="a paper to compare: exact title, unique fragment or close spelling (repeatable)")
    s.add_argument("-k", type=positive_int, default=8, help="papers to compare when found by QUERY (default 8)")
    s.add_argument("--engine", choices=ENGINES, default="auto",
                   help="auto: the LLM when one is configured, else offline extraction")
    add_selection_args(s, "papers found by QUERY")
    s.add_argument("--json", action="store_true", help="print the comparison as one JSON object")
    s.add_argument("-o", "--output", type=Path, metavar="FILE.md|FILE.csv",
                   help="also write the comparison: a .csv file gets the table as CSV (one row per paper), "
                        "any other name Markdown")
    s.add_argument("--force", action="store_true", help="overwrite an existing output file")

    s = sub.add_parser("draft", help="draft a literature review of a topic from the collection, with references")
    s.add_argument("topic", metavar="TOPIC", help="what the review is about")
    s.add_argument("-k", type=positive_int, default=30, help="papers to gather, at most 30 (default 30)")
    add_selection_args(s, "papers")
    s.add_argument("--engine", choices=ENGINES, default="auto",
                   help="auto: the LLM when one is configured, else the extractive offline writer")
    s.add_argument("-o", "--output", type=Path, metavar="review.md", help="write the draft as Markdown")
    s.add_argument("--bib", type=Path, metavar="refs.bib", help="write the references as BibTeX")
    s.add_argument("--json", action="store_true", help="print the draft as one JSON object")
    s.add_argument("--force", action="store_true", help="overwrite existing output files")


def _width() -> int:
    return min(shutil.get_terminal_size((100, 20)).columns, 120)


def _wrap(label: str, values: list[str] | str | None, width: int) -> list[str]:
    items = [values] if isinstance(values, str) else list(values or [])
    items = [v for v in items if v] or ["—"]
    pad = " " * 16
    lines: list[str] = []
    for i, item in enumerate(items):
        bullet = "- " if len(items) > 1 else ""
        head = f"    {label:<12}" if i == 0 else pad
        lines += textwrap.wrap(bullet + item, width, initial_indent=head, subsequent_indent=pad + "  " * bool(bullet))
    return lines


def print_comparison(result) -> None:
    width = _width()
    title = f"Comparison: {result.query}" if result.query else "Comparison"
    print(f"{title}  ({len(result.rows)} papers, {result.engine})\n")
    for row in result.rows:
        print(textwrap.fill(f"[{row.n}] {row.title}", width, subsequent_indent="    "))
        for label, value in (("task", row.task), ("approach", row.approach), ("results", row.results),
                             ("efficiency", row.efficiency), ("code", row.code_url)):
            print("\n".join(_wrap(label, value, width)))
        print()
    if result.synthesis:
        print("Synthesis")
        for para in result.synthesis.split("\n"):
            print(textwrap.fill(para, width, subsequent_indent="  " if para.startswith("- ") else "") if para else "")
        print()
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)


def _refuse_early(paths: list[Path | None], force: bool) -> None:
    from ..errors import InputError
    from ..review.export import check_destination

    given = [p for p in paths if p is not None]
    for path in given:
        check_destination(path, force)
    if len({p.expanduser().resolve() for p in given}) < len(given):
        raise InputError(given[-1], "is given twice; use different files for the draft and the BibTeX")


def comparison_file(result: Comparison, path: Path, store: Store) -> str:
    """The comparison as the output file's name asks: CSV for ``.csv``, Markdown otherwise."""
    from ..review.export import comparison_to_csv, comparison_to_markdown

    if path.suffix.lower() == ".csv":
        return comparison_to_csv(result, {row.paper_id: getattr(store.get(row.paper_id), "year", None)
                                          for row in result.rows})
    return comparison_to_markdown(result)


def cmd_compare(args: argparse.Namespace) -> int:
    from ..review.compare import compare
    from ..review.export import write_output
    from .commands import open_store
    from .progress import Progress

    _refuse_early([args.output], args.force)
    store = open_store()
    exclude, floor = selection(args, store)
    with Progress.for_stderr() as progress:
        result = compare(store, args.query, args.paper, k=args.k, engine=args.engine, progress=progress,
                         exclude=exclude, min_score=floor)
    if args.output:
        path = write_output(args.output, comparison_file(result, args.output, store), force=args.force)
        print(f"litreview: wrote {path}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        print_comparison(result)
    return 0


def cmd_draft(args: argparse.Namespace) -> int:
    from ..review.draft import draft
    from ..review.export import draft_to_markdown, to_bibtex, write_output
    from .commands import open_store
    from .progress import Progress

    _refuse_early([args.output, args.bib], args.force)
    store = open_store()
    exclude, floor = selection(args, store)
    with Progress.for_stderr() as progress:
        result = draft(store, args.topic, k=args.k, engine=args.engine, progress=progress, exclude=exclude,
                       min_score=floor)
    markdown = draft_to_markdown(result)
    if args.output:
        path = write_output(args.output, markdown, force=args.force)
        print(f"litreview: wrote {path} ({len(result.sections)} sections, {len(result.references)} references)",
              file=sys.stderr)
    if args.bib:
        path = write_output(args.bib, to_bibtex(result.references), force=args.force)
        print(f"litreview: wrote {path} ({len(result.references)} BibTeX entries)", file=sys.stderr)
    audit = result.audit
    print(f"litreview: citation audit: {len(audit.records)} checked, {audit.kept} kept, {audit.flagged} flagged, "
          f"{audit.removed} removed", file=sys.stderr)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps(result.to_json(), ensure_ascii=False))
    elif not args.output:
        sys.stdout.write(markdown)
    return 0


COMMANDS = {"compare": cmd_compare, "draft": cmd_draft}
