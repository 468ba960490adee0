"""Tables in Markdown text: found and parsed for display, cleaned, and copied as CSV.

Comparisons and review drafts carry GitHub-flavoured tables (``| a | b |`` rows under a
``|---|---|`` line). :func:`split_tables` cuts a Markdown text into its prose and its tables, so a
screen can lay each table out to fit its width, and :func:`to_csv` gives a table to a spreadsheet.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

EMPTY_CELLS = frozenset({"", "—", "-", "–", "n/a"})
_SEPARATOR_RE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_SPLIT_RE = re.compile(r"(?<!\\)\|")


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def is_empty_column(self, index: int) -> bool:
        return all(row[index].strip().casefold() in EMPTY_CELLS for row in self.rows)

    def sparse_columns(self) -> list[int]:
        """Columns with a value in at most a third of the rows (and not the first): kept out of the
        grid, listed under it instead, so they do not take a column's width for a few cells."""
        if len(self.rows) < 3:
            return []
        out = []
        for i in range(1, len(self.columns)):
            filled = sum(1 for row in self.rows if row[i].strip().casefold() not in EMPTY_CELLS)
            if 0 < filled <= len(self.rows) / 3:
                out.append(i)
        return out

    def without_empty_columns(self) -> "Table":
        keep = [i for i in range(len(self.columns)) if i == 0 or not self.is_empty_column(i)]
        return self.select(keep)

    def select(self, indices: list[int]) -> "Table":
        return Table(tuple(self.columns[i] for i in indices), tuple(tuple(r[i] for i in indices) for r in self.rows))


def _cells(line: str) -> list[str]:
    text = line.strip()
    if text.startswith("|"):
        text = text[1:]
    if text.endswith("|") and not text.endswith("\\|"):
        text = text[:-1]
    return [c.strip().replace("\\|", "|") for c in _SPLIT_RE.split(text)]


def parse_table(lines: list[str]) -> Table:
    columns = _cells(lines[0])
    rows = []
    for line in lines[2:]:
        cells = _cells(line)
        cells = (cells + [""] * len(columns))[: len(columns)]
        rows.append(tuple(cells))
    return Table(tuple(columns), tuple(rows))


def split_tables(markdown: str) -> list[str | Table]:
    """The text in order: Markdown prose as strings, each table as a :class:`Table`."""
    lines = markdown.split("\n")
    out: list[str | Table] = []
    prose: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "|" in line and i + 1 < len(lines) and _SEPARATOR_RE.match(lines[i + 1]) \
                and len(_cells(line)) == len(_cells(lines[i + 1])):
            end = i + 2
            while end < len(lines) and lines[end].strip() and "|" in lines[end]:
                end += 1
            if prose and "\n".join(prose).strip():
                out.append("\n".join(prose).strip("\n"))
            prose = []
            out.append(parse_table(lines[i:end]))
            i = end
            continue
        prose.append(line)
        i += 1
    if prose and "\n".join(prose).strip():
        out.append("\n".join(prose).strip("\n"))
    return out


def tables_in(markdown: str) -> list[Table]:
    return [part for part in split_tables(markdown) if isinstance(part, Table)]


def plain_cell(text: str) -> str:
    """A cell's text without Markdown link/code marks: ``<https://x>`` -> ``https://x``."""
    text = re.sub(r"<(https?://[^>]+)>", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\((?:cite:\d+|[^)]*)\)", r"\1", text)
    return text.replace("`", "").strip()


def to_csv(table: Table) -> str:
    """The table as CSV (RFC 4180, a header row first), cell text without Markdown marks."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([plain_cell(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([plain_cell(c) for c in row])
    return buffer.getvalue()
