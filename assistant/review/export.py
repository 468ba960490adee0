"""Markdown and BibTeX for comparisons and drafts, and the one function that writes files.

* Drafts cite as pandoc-style ``[@key]`` (runs of markers become ``[@a; @b]``) and end with a
  References section listing each key with the exact stored title, then the citation audit.
* A standalone comparison keeps ``[n]`` markers and lists its sources as ``[n] Title``.
* Tables are GitHub-flavoured Markdown; ``|`` in a cell is escaped, "—" marks a cell the
  abstract does not fill.
* :func:`comparison_to_csv` writes the same table for spreadsheets (the ``csv`` module, one row per
  paper: n, title, year, task, approach, results, efficiency, code, citations); a list cell joins its
  items with "; ", an empty cell stays empty, and a cell a spreadsheet could run as a formula
  (starting with ``=``, ``+``, ``-`` or ``@``) is prefixed with an apostrophe.
* :func:`to_bibtex` escapes ``& % $ # _ { }`` (and backslash, tilde, caret, backtick) in text fields and breaks TeX's
  ligatures (``--`` becomes ``-{}-``, ``''`` becomes ``'{}'``) so titles read back as stored; ``url`` and
  ``doi`` are verbatim fields for biblatex, so only braces are percent-encoded there.
* :func:`write_output` writes atomically (temporary file in the same directory, then
  ``os.replace``) and refuses a missing directory or an existing file without ``force``.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path

from ..errors import InputError
from .models import Comparison, Draft, Reference, Row

EMPTY = "—"
CONFERENCE_RE = re.compile(r"\b(?:conference|proceedings|workshop|symposium|CVPR|ICCV|ECCV|NeurIPS|NIPS|ICML|ICLR|"
                           r"AAAI|IJCAI|ACL|EMNLP|NAACL|COLING|KDD|SIGIR|WWW|MICCAI|INTERSPEECH|ICASSP|SIGGRAPH|"
                           r"MLSys|OSDI|SOSP|ISCA|MICRO|HPCA|ASPLOS|DAC|FPGA)\b", re.I)
_BIB_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                "`": r"\textasciigrave{}"}
_LIGATURE_RE = re.compile(r"([-'])(?=\1)")  # TeX joins "--" into a dash and "''" into a quote: keep them apart
RUN_RE = re.compile(r"(?:\[\d+\])+")


# -- Markdown --------------------------------------------------------------------------------------
def cell(value: str | list[str] | None) -> str:
    """One table cell: lists joined with '; ', pipes escaped, one line."""
    text = "; ".join(value) if isinstance(value, list) else (value or "")
    text = " ".join(text.split()).replace("|", r"\|")
    return text or EMPTY


def markdown_table(rows: list[Row], label: dict[int, str] | None = None) -> str:
    """A GFM table, one row per paper; ``label`` maps n to the citation shown ([n] by default)."""
    head = "| Paper | Task | Approach | Results | Efficiency | Code |\n|---|---|---|---|---|---|"
    lines = [head]
    for r in rows:
        cite = (label or {}).get(r.n, f"[{r.n}]")
        code = f"<{r.code_url}>" if r.code_url else ""
        lines.append("| " + " | ".join([cell(f"{r.short_name} {cite}"), cell(r.task), cell(r.approach),
                                        cell(r.results), cell(r.efficiency), cell(code)]) + " |")
    return "\n".join(lines)


def cite_keys(text: str, keys: dict[int, str]) -> str:
    """'[1][3]' -> '[@a; @b]' for numbers with a key; unknown numbers are left as written."""
    def swap(match: re.Match[str]) -> str:
        nums = [int(n) for n in re.findall(r"\d+", match.group(0))]
        if not all(n in keys for n in nums):
            return match.group(0)
        return "[" + "; ".join(f"@{keys[n]}" for n in nums) + "]"

    return RUN_RE.sub(swap, text)


def comparison_to_markdown(comparison: Comparison, title: str | None = None) -> str:
    heading = title or (f"Comparison: {comparison.query}" if comparison.query else "Comparison")
    parts = [f"# {heading}", f"_{len(comparison.rows)} papers, {comparison.engine} engine; {EMPTY} = not stated "
             "in the abstract._", markdown_table(comparison.rows)]
    if comparison.synthesis:
        parts += ["## Synthesis", comparison.synthesis]
    parts += ["## Sources", "\n".join(f"- [{r.n}] {r.title}" for r in comparison.rows)]
    if comparison.notes:
        parts += ["## Notes", "\n".join(f"- {n}" for n in comparison.notes)]
    return "\n\n".join(parts) + "\n"


# -- CSV -------------------------------------------------------------------------------------------
CSV_COLUMNS = ("n", "title", "year", "task", "approach", "results", "efficiency", "code", "citations")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet may run as a formula (OWASP's list)


def csv_cell(value: str | list[str] | int | None) -> str:
    """One CSV cell: lists joined with '; ', whitespace collapsed, a would-be formula defused."""
    if value is None:
        return ""
    text = "; ".join(value) if isinstance(value, list) else str(value)
    text = " ".join(text.split())
    return "'" + text if text.startswith(_FORMULA_START) else text


def comparison_to_csv(comparison: Comparison, years: Mapping[str, int | None] | None = None) -> str:
    """The comparison table as CSV, one row per paper. ``years`` maps paper ids to years (rows do not hold
    them); ``citations`` counts the synthesis's markers that cite the row's paper."""
    cited = [int(n) for n in re.findall(r"\[(\d+)\]", comparison.synthesis)]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in comparison.rows:
        writer.writerow([csv_cell(x) for x in (r.n, r.title, (years or {}).get(r.paper_id), r.task, r.approach,
                                               r.results, r.efficiency, r.code_url, cited.count(r.n))])
    return out.getvalue()


def _reference_line(ref: Reference) -> str:
    paper = ref.paper
    bits = [f"[@{ref.key}] {paper.title}."]
    if paper.authors:
        bits.append(", ".join(paper.authors) + ".")
    where = ", ".join(str(x) for x in (paper.venue, paper.year) if x)
    if where:
        bits.append(where + ".")
    if paper.doi:
        bits.append(f"doi:{paper.doi}")
    if paper.arxiv_id:
        bits.append(f"arXiv:{paper.arxiv_id}")
    if paper.url:
        bits.append(f"<{paper.url}>")
    return "- " + " ".join(bits)


def draft_to_markdown(draft: Draft) -> str:
    keys = draft.keys
    labels = {n: f"[@{k}]" for n, k in keys.items()}
    parts = [f"# Literature review: {draft.topic}",
             f"_Draft written by litreview ({draft.engine}) from {len(draft.references)} abstracts in the "
             "collection. Citations are pandoc-style citation keys; every key is listed under References and in "
             "the BibTeX file._",
             "## Outline", "\n".join(f"{i}. {h}" for i, h in enumerate(draft.outline, 1))]
    for section in draft.sections:
        parts += [f"## {section.heading}", cite_keys(section.text, keys)]
        if section.comparison is not None and section.comparison.rows:
            parts.append(markdown_table(section.comparison.rows, labels))
    parts += ["## References", "\n".join(_reference_line(r) for r in draft.references)]
    audit = draft.audit
    lines = [f"Measure: {audit.measure}.",
             f"Citations checked: {len(audit.records)}; kept {audit.kept}, flagged {audit.flagged}, "
             f"removed {audit.removed}."]
    lines += [f"- {r.status}: \"{r.sentence}\" ({r.label or 'unchecked'}; cited [@{keys.get(r.n, r.n)}], "
              f"score {r.support:.2f}" + (f"; closest abstract sentence: \"{r.evidence}\")" if r.evidence else ")")
              for r in audit.records if r.status != "kept"]
    lines += [f"- uncited: {s}" for s in audit.uncited]
    parts += ["## Citation audit", "\n".join(lines)]
    return "\n\n".join(parts) + "\n"


# -- BibTeX ----------------------------------------------------------------------------------------
def bib_escape(text: str) -> str:
    """Text safe in a BibTeX field: special characters escaped, and TeX's ligatures broken with an empty
    group ("--" -> "-{}-", "''" -> "'{}'", a backtick spelled out) so the text reads back as written."""
    escaped = "".join(_BIB_SPECIAL.get(ch, ch) for ch in " ".join(str(text).split()))
    return _LIGATURE_RE.sub(r"\1{}", escaped)


def _verbatim(text: str) -> str:
    return " ".join(str(text).split()).replace("{", "%7B").replace("}", "%7D")


def bibtex_entry(ref: Reference) -> str:
    paper = ref.paper
    fields: list[tuple[str, str]] = [("title", bib_escape(paper.title))]
    if paper.authors:
        fields.append(("author", " and ".join(bib_escape(a) for a in paper.authors)))
    if paper.year:
        fields.append(("year", str(paper.year)))
    kind = "misc"
    if paper.venue:
        kind = "inproceedings" if CONFERENCE_RE.search(paper.venue) else "article"
        fields.append(("booktitle" if kind == "inproceedings" else "journal", bib_escape(paper.venue)))
    if paper.doi:
        fields.append(("doi", _verbatim(paper.doi)))
    if paper.url:
        fields.append(("url", _verbatim(paper.url)))
    if paper.arxiv_id:
        fields += [("eprint", _verbatim(paper.arxiv_id)), ("archivePrefix", "arXiv")]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{kind}{{{ref.key},\n{body}\n}}"


def to_bibtex(references: list[Reference]) -> str:
    return "\n\n".join(bibtex_entry(r) for r in references) + "\n"


# -- files -----------------------------------------------------------------------------------------
def check_destination(path: str | os.PathLike[str], force: bool = False) -> Path:
    """The path, if writing there is allowed; InputError (naming the path) otherwise."""
    target = Path(path).expanduser()
    parent = target.parent
    if not parent.is_dir():
        raise InputError(target, f"the directory {parent} does not exist; create it first")
    if target.is_dir():
        raise InputError(target, "is a directory; give a file name")
    if target.exists() and not target.is_file():  # /dev/stdout, a FIFO: --force must never replace a device
        raise InputError(target, "is not a regular file (a device or pipe); exports are written to files only, "
                                 "leave out -o to print to the terminal")
    if (target.exists() or target.is_symlink()) and not force:
        raise InputError(target, "already exists; use --force to overwrite it")
    return target


def write_output(path: str | os.PathLike[str], text: str, force: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically (and nowhere else for good); returns the path."""
    target = check_destination(path, force)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        # mkstemp makes the file 0600: keep an overwritten file's mode, else the usual 0644
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(target, f"cannot write: {exc.strerror or exc}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
