"""CLI glue for ``litreview lint FILE [--bib BIB] [--json] [--strict]``.

``add_lint_arguments(parser)`` fills the sub-command's parser; ``cmd_lint(args)`` runs
:func:`assistant.lint.lint` and prints one line per citation of each cited sentence (line number,
label, score, key and title, the deciding abstract sentence shortened), then the counts per label.
``--json`` prints exactly one JSON object; ``--strict`` exits 1 when a sentence is unsupported or
contradicted by a paper it cites. Imports of the core are lazy so ``litreview --help`` stays light.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

LABEL_WIDTH = 12
EVIDENCE_MIN = 60  # characters of the deciding abstract sentence shown at least (more as the terminal allows)
TITLE_CHARS = 28


def add_lint_arguments(s: argparse.ArgumentParser) -> None:
    s.add_argument("file", type=Path, metavar="FILE",
                   help="the draft: Markdown with [@key] citations, LaTeX with \\cite{key}, "
                        "or text with [n] markers and a numbered reference list")
    s.add_argument("--bib", type=Path, metavar="BIB",
                   help="the BibTeX file the keys refer to (default: the one the draft names)")
    s.add_argument("--json", action="store_true", help="print the report as one JSON object")
    s.add_argument("--strict", action="store_true",
                   help="exit 1 when a cited paper does not support, or contradicts, a sentence (for CI)")


def cmd_lint(args: argparse.Namespace) -> int:
    from ..lint import check, read_input
    from .commands import open_store

    given = read_input(args.file, args.bib)  # bad input is reported before the store is opened
    report = check(given, open_store())
    for note in report.notes:
        from ..errors import printable

        print(f"litreview: {printable(note)}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        print_report(report)
    return 1 if args.strict and report.failing else 0


def shorten(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def print_report(report, out=None) -> None:
    """One line per citation of each cited sentence, then the counts per label."""
    from ..errors import printable

    out = out or sys.stdout
    width = max(shutil.get_terminal_size((120, 20)).columns, 80)
    for s in report.sentences:
        for c in s.citations:
            title = shorten(c.title, TITLE_CHARS) if c.title else ""
            head = f"{s.line:>5}  {c.label:<{LABEL_WIDTH}} {c.score:.2f}  {c.key}: "
            if c.label == "not_found":
                why = "not in the store" if c.known else "not in the .bib or reference list"
                line = head + (f"{title} ({why})" if title else why)
            else:
                line = head + title + (f" [{c.conflict}]" if c.conflict else "")
                if c.evidence:
                    room = max(width - len(line) - 6, EVIDENCE_MIN)
                    line += f' -> "{shorten(c.evidence, room)}"'
            print(printable(line), file=out)
    summary = report.summary
    cited = sum(summary.values())
    counts = ", ".join(f"{n} {label.replace('_', ' ')}" for label, n in summary.items() if n)
    print(f"\n{report.checked} cited sentences, {cited} citations: {counts or 'none'}", file=out)
    if report.failing:
        print(f"{report.failing} sentences are unsupported or contradicted by a paper they cite", file=out)
