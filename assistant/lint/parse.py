"""A researcher's draft -> the sentences that cite something, with their line numbers and keys.

Three ways of citing are read:

* **Markdown** with pandoc citations: ``[@key]``, ``[@a; @b]``, ``[see @key, p. 3]``, ``[-@key]`` and
  narrative ``@key`` in running text;
* **LaTeX**: ``\\cite{a,b}``, ``\\citep``, ``\\citet``, ``\\parencite``, ``\\textcite`` ... with optional
  ``[...]`` arguments; a ``thebibliography`` list is read as the references;
* **numbered** markers ``[1]``, ``[1, 3]``, ``[2-4]`` in text or Markdown, with a numbered reference list
  under a "References" heading at the end (entries ``[1] Title ...`` or ``1. Authors. Title. ...``).

Only prose is read: code blocks, front matter, HTML comments, tables and display math in Markdown; the
preamble, comments, math and float environments in LaTeX; and the reference list itself are skipped.
Each paragraph is joined, its citation markup masked so that a locator's "p. 3" or a marker after the
full stop ("... weights.[1] Next") cannot move a sentence boundary, and split with
:func:`assistant.textnorm.split_sentences`. A sentence's line is the line it starts on.

The claim checked against a citation is the sentence without its citation markup. When a sentence
cites different papers at different places ("A prunes 70% of weights [1], while B halves latency
[2]"), each citation is checked against its own part of the sentence (the words before a
parenthetical marker, after a narrative one) when that part is a statement of its own (at least
:data:`SEGMENT_MIN_WORDS` words); otherwise against the whole sentence.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..errors import InputError
from ..readers.base import check_file, read_text
from ..textnorm import clean_text, split_sentences

Format = Literal["markdown", "latex", "numbered"]

SEGMENT_MIN_WORDS = 5  # a part of a sentence this long is checked on its own against its citation
MAX_RANGE = 50  # "[2-4]" expands; a range wider than this is a typo, not a citation
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd", ".rmd", ".qmd", ".txt", ".text", ""}
LATEX_SUFFIXES = {".tex", ".latex", ".ltx"}
NOT_TEXT_SUFFIXES = {".docx", ".doc", ".odt", ".pdf", ".rtf", ".pages", ".epub", ".html", ".htm"}
CITE_FORMS = "[@key] (Markdown/pandoc), \\cite{key} (LaTeX), or [n] markers with a numbered reference list"

# -- citation markup ---------------------------------------------------------------------------------
_PANDOC_KEY = re.compile(r"(?<![\w@.])-?@(\{[^{}]+\}|[A-Za-z0-9_][\w:.#$%&+?<>~/-]*)")
_PANDOC_GROUP = re.compile(r"(?<![!\]\\])\[(?=[^\[\]]*(?<![\w.])-?@[\w{])([^\[\]]*)\](?![(\[:])")
_NUMBER_OR_RANGE = r"\d{1,4}(?:\s*[-–—]\s*\d{1,4})?"
_NUMBERED = re.compile(rf"(?<![\]!\w\\^])\[({_NUMBER_OR_RANGE}(?:\s*[,;]\s*{_NUMBER_OR_RANGE})*)\](?![(\[:])")
_LATEX_CITE = re.compile(r"\\([A-Za-z]*cite[A-Za-z]*|Cite[A-Za-z]*)\*?\s*((?:\[[^\]]*\]\s*){0,2})\{([^{}]*)\}")
_LATEX_NARRATIVE = {"citet", "textcite", "citeauthor", "Citet", "Textcite", "Citeauthor", "citealt", "Citealt"}
_LATEX_NOT_CITES = {"nocite"}

# -- layout ------------------------------------------------------------------------------------------
_REF_TITLE = r"(?:references|bibliography|works cited|literature cited|reference list|cited works)"
_REF_HEADING = re.compile(rf"^\s*(?:(#{{1,6}})\s*)?(?:\*\*|__)?{_REF_TITLE}(?:\*\*|__)?\s*:?\s*#*\s*$", re.I)
_REF_ENTRY = re.compile(r"^\s*(?:[-*]\s+)?(?:\[(\d{1,4})\]|(\d{1,4})[.)])\s+(\S.*)$")
_ATX = re.compile(r"^\s{0,3}(#{1,6})(?:\s|$)")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_LIST_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,9}[.)])\s+")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}")
_LATEX_SECTION = re.compile(r"^\s*\\(?:part|chapter|section|subsection|subsubsection|paragraph|subparagraph)\*?"
                            r"\s*(?:\[[^\]]*\])?\s*\{")
_LATEX_BREAK = re.compile(r"^\s*\\(?:begin|end|item|maketitle|tableofcontents|newpage|clearpage|label|centering|"
                          r"bibliographystyle|printbibliography|appendix|title|author|date|input|include)\b")
_LATEX_BIB = re.compile(r"\\(?:bibliography|addbibresource)\s*(?:\[[^\]]*\])?\{([^}]*)\}")
_LATEX_SKIP_ENVS = {"equation", "align", "gather", "multline", "eqnarray", "flalign", "alignat", "math",
                    "displaymath", "verbatim", "lstlisting", "minted", "tabular", "tabularx", "longtable",
                    "tikzpicture", "algorithm", "algorithmic", "algorithm2e", "figure", "table", "wrapfigure",
                    "comment", "filecontents"}
_BEGIN = re.compile(r"\\begin\{([^}]+)\}")
_END = re.compile(r"\\end\{([^}]+)\}")
_BIBITEM = re.compile(r"\\bibitem\s*(?:\[[^\]]*\])?\s*\{([^}]*)\}\s*(.*)")
_FRONT_BIB = re.compile(r"^\s*bibliography\s*:\s*(.*)$")


@dataclass(frozen=True, slots=True)
class Citation:
    """One place the draft cites: its keys, where it sits in the paragraph, and how it reads."""

    start: int
    end: int
    keys: tuple[str, ...]
    narrative: bool = False  # "@key shows ..." / "\\citet{key} shows ...": the claim follows the citation


@dataclass(frozen=True, slots=True)
class CitedSentence:
    """A sentence that cites: where it starts, how it reads, its keys and the claim checked for each."""

    line: int
    text: str  # the sentence as written, whitespace collapsed
    keys: tuple[str, ...]  # in order of first appearance
    claims: tuple[str, ...]  # the claim checked against each key, same order


@dataclass(frozen=True, slots=True)
class Reference:
    """An entry of the draft's own reference list (numbered list or ``\\bibitem``)."""

    key: str
    line: int
    text: str


@dataclass(frozen=True)
class Draft:
    """What :func:`parse_draft` read from a draft."""

    path: Path
    format: Format
    sentences: tuple[CitedSentence, ...]
    references: dict[str, Reference] = field(default_factory=dict)
    bibliographies: tuple[tuple[str, int], ...] = ()  # bibliography files the draft names, with their line


# -- reading -----------------------------------------------------------------------------------------
def parse_draft(path: Path | str) -> Draft:
    """The cited sentences of a draft, in file order. Bad input raises :class:`InputError` naming the file."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in NOT_TEXT_SUFFIXES:
        check_file(path)
        raise InputError(path, f"unknown format ({suffix} is not a text draft); save the draft as Markdown "
                               "(.md) or LaTeX (.tex)")
    try:
        lines = read_text(path).split("\n")
    except InputError as exc:
        if exc.reason.startswith("looks like a binary file"):  # the readers' advice is about paper exports
            raise InputError(path, "unknown format: a binary file, not text; save the draft as Markdown (.md) "
                                   "or LaTeX (.tex)") from exc
        raise
    fmt = _detect(path, lines)
    if fmt == "latex":
        blocks, refs, bibs = _latex_blocks(lines)
        sentences = _sentences(blocks, _latex_citations, "tex")
    else:
        blocks, refs, bibs = _markdown_blocks(lines)
        finder = _pandoc_citations if fmt == "markdown" else _numbered_citations
        sentences = _sentences(blocks, finder, "markdown")
        if fmt == "numbered" and sentences and not refs:
            raise InputError(path, "cites [n] markers but has no numbered reference list (a 'References' "
                                   "heading followed by entries like '[1] Title ...' or '1. Authors. Title.')")
    if not sentences:
        raise InputError(path, f"no citations found in the prose; cite as {CITE_FORMS}")
    return Draft(path, fmt, tuple(sentences), refs, tuple(bibs))


def _detect(path: Path, lines: list[str]) -> Format:
    """LaTeX by suffix or content; otherwise pandoc keys or numbered markers, whichever the prose uses more."""
    text = "\n".join(lines)
    suffix = path.suffix.lower()
    latex_cites = len(_LATEX_CITE.findall(text))
    if suffix in LATEX_SUFFIXES or (suffix not in MARKDOWN_SUFFIXES and (
            latex_cites or "\\documentclass" in text or "\\begin{document}" in text)):
        return "latex"
    pandoc = sum(len(_pandoc_citations(line)) for line in lines)
    numbered = sum(len(_numbered_citations(line)) for line in lines)
    if latex_cites and not pandoc and not numbered:
        return "latex"  # LaTeX saved with a .txt or .md name
    if pandoc and pandoc >= numbered:
        return "markdown"
    if numbered:
        return "numbered"
    if suffix not in MARKDOWN_SUFFIXES:
        raise InputError(path, f"unknown format: no citations that litreview reads; cite as {CITE_FORMS}")
    return "markdown"  # no citations: parse_draft says so


# -- Markdown and plain text ---------------------------------------------------------------------------
Block = list[tuple[int, str]]


def _markdown_blocks(lines: list[str]) -> tuple[list[Block], dict[str, Reference], list[tuple[str, int]]]:
    """Paragraphs of prose (each a list of (line, text)), the numbered reference list, bibliography files."""
    blocks: list[Block] = []
    current: Block = []
    refs: dict[str, Reference] = {}
    bibs: list[tuple[str, int]] = []
    fence: str | None = None
    in_comment = in_math = in_div = False
    refs_level: int | None = None  # inside the reference list (its heading level; 7 for a plain heading)
    last_ref: str | None = None
    after_blank, in_list = True, False

    def close() -> None:
        nonlocal current
        if current:
            blocks.append(current)
        current = []

    start = 0
    if lines and lines[0].strip() == "---":  # YAML front matter
        for n in range(1, len(lines)):
            if m := _FRONT_BIB.match(lines[n]):
                bibs += [(b, n + 1) for b in _front_bib_values(m.group(1), lines[n + 1:])]
            if lines[n].strip() in ("---", "..."):
                start = n + 1
                break
    while start < len(lines) and lines[start].startswith("%"):  # pandoc title block
        start += 1
    for i in range(start, len(lines)):
        n, raw = i + 1, lines[i]
        line = raw.rstrip()
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence):
                fence = None
            continue
        if in_comment:
            in_comment = "-->" not in line
            continue
        if in_math:
            in_math = not stripped.endswith("$$")
            continue
        if in_div:
            in_div = not stripped.startswith(":::")
            continue
        if m := _FENCE.match(line):
            close()
            fence = m.group(1)[0] * 3
            continue
        if stripped.startswith("<!--"):
            close()
            in_comment = "-->" not in stripped
            continue
        if stripped.startswith("$$"):
            close()
            in_math = not (len(stripped) > 2 and stripped.endswith("$$"))
            continue
        if stripped.startswith(":::") and "refs" in stripped:
            close()
            in_div = True
            continue
        heading = _ATX.match(line)
        setext = i + 1 < len(lines) and stripped and _SETEXT.match(lines[i + 1]) and not _LIST_ITEM.match(line) \
            and not _TABLE_RULE.match(lines[i + 1]) and lines[i + 1].strip()[:1] in "=-" \
            and not current
        if _REF_HEADING.match(line) and (heading or setext or after_blank or _next_is_entry(lines, i)):
            close()
            refs_level = len(heading.group(1)) if heading else 7
            last_ref = None
            continue
        if heading and refs_level is not None and len(heading.group(1)) <= refs_level:
            refs_level = None  # a new section after the references
        if refs_level is not None:
            if m := _REF_ENTRY.match(line):
                last_ref = m.group(1) or m.group(2)
                refs[last_ref] = Reference(last_ref, n, m.group(3).strip())
            elif stripped and last_ref is not None and not _SETEXT.match(line):
                ref = refs[last_ref]
                refs[last_ref] = Reference(ref.key, ref.line, f"{ref.text} {stripped}")
            continue
        if heading or setext:
            close()
            continue
        if _SETEXT.match(line) and not current:
            continue  # the underline of a setext heading already skipped, or a rule
        if not stripped:
            close()
            after_blank = True
            continue
        if stripped.startswith("|") or _TABLE_RULE.match(line) and "|" in line:
            close()
            after_blank = False
            continue
        if after_blank and (raw.startswith("    ") or raw.startswith("\t")) and not in_list:
            close()  # an indented code block
            continue
        if item := _LIST_ITEM.match(line):
            close()
            in_list = True
            line = line[item.end():]
        elif after_blank and not raw[:1].isspace():
            in_list = False
        line = re.sub(r"^\s*(?:>\s?)+", "", line)  # block quotes
        if re.fullmatch(r"\s*(?:[-*_]\s*){3,}", line):
            close()
            continue
        current.append((n, line))
        after_blank = False
    close()
    return blocks, refs, bibs


def _next_is_entry(lines: list[str], i: int) -> bool:
    """A "References" line followed (after blank lines) by a numbered entry."""
    for line in lines[i + 1:i + 4]:
        if line.strip():
            return bool(_REF_ENTRY.match(line))
    return False


def _front_bib_values(value: str, following: list[str]) -> list[str]:
    """``bibliography: refs.bib``, ``[a.bib, b.bib]`` or a YAML list on the following lines."""
    value = value.strip()
    if value:
        return [v.strip().strip("'\"") for v in value.strip("[]").split(",") if v.strip()]
    out = []
    for line in following:
        m = re.match(r"^\s*-\s+(.+)$", line)
        if not m:
            break
        out.append(m.group(1).strip().strip("'\""))
    return out


def _pandoc_citations(text: str) -> list[Citation]:
    """``[@a; see @b, p. 3]`` groups and narrative ``@key`` outside them."""
    out = []
    taken: list[tuple[int, int]] = []
    for m in _PANDOC_GROUP.finditer(text):
        keys = tuple(_pandoc_key(k.group(1)) for k in _PANDOC_KEY.finditer(m.group(1)))
        if keys:
            out.append(Citation(m.start(), m.end(), keys))
            taken.append((m.start(), m.end()))
    for k in _PANDOC_KEY.finditer(text):
        if any(a <= k.start() < b for a, b in taken) or (k.start() and not text[k.start() - 1].isspace()
                                                         and text[k.start() - 1] not in "(\"'"):
            continue
        end = k.end()
        key = _pandoc_key(k.group(1))
        end -= len(k.group(1)) - len(k.group(1).rstrip(".:,;?!"))  # "as @smith2020." ends before the stop
        locator = re.match(r"\s*\[[^\[\]@]*\](?![(\[:])", text[end:])  # "@key [p. 33]"
        if locator:
            end += locator.end()
        out.append(Citation(k.start(), end, (key,), narrative=True))
    return sorted(out, key=lambda c: c.start)


def _pandoc_key(raw: str) -> str:
    return raw[1:-1] if raw.startswith("{") else raw.rstrip(".:,;?!")


def _numbered_citations(text: str) -> list[Citation]:
    out = []
    for m in _NUMBERED.finditer(text):
        keys: list[str] = []
        for part in re.split(r"\s*[,;]\s*", m.group(1)):
            span = re.fullmatch(r"(\d+)\s*[-–—]\s*(\d+)", part)
            if span:
                a, b = int(span.group(1)), int(span.group(2))
                if not 0 <= b - a <= MAX_RANGE:
                    keys = []
                    break
                keys += [str(x) for x in range(a, b + 1)]
            else:
                keys.append(str(int(part)))
        if keys:
            out.append(Citation(m.start(), m.end(), tuple(dict.fromkeys(keys))))
    return out


# -- LaTeX -----------------------------------------------------------------------------------------------
def _latex_blocks(lines: list[str]) -> tuple[list[Block], dict[str, Reference], list[tuple[str, int]]]:
    """Paragraphs of the document body, the ``thebibliography`` entries, the bibliography files named."""
    blocks: list[Block] = []
    current: Block = []
    refs: dict[str, Reference] = {}
    bibs: list[tuple[str, int]] = []
    skip: list[str] = []  # environments being skipped (nested)
    in_bib = False
    last_ref: str | None = None

    def close() -> None:
        nonlocal current
        if current:
            blocks.append(current)
        current = []

    text = [re.sub(r"(?<!\\)%.*", "", line) for line in lines]  # comments
    begin = next((i + 1 for i, line in enumerate(text) if "\\begin{document}" in line), 0)
    for i, line in enumerate(text):  # the preamble's \bibliography / \addbibresource count too
        for m in _LATEX_BIB.finditer(line):
            bibs += [(b.strip(), i + 1) for b in m.group(1).split(",") if b.strip()]
    i = begin - 1
    while i + 1 < len(text):
        i += 1
        n, line = i + 1, text[i]
        stripped = line.strip()
        if "\\end{document}" in line:
            break
        if skip:
            for m in _END.finditer(line):
                if m.group(1).rstrip("*") == skip[-1]:
                    skip.pop()
                    if not skip:
                        break
            for m in _BEGIN.finditer(line):
                if m.group(1).rstrip("*") in _LATEX_SKIP_ENVS:
                    skip.append(m.group(1).rstrip("*"))
            continue
        if in_bib:
            if "\\end{thebibliography}" in line:
                in_bib = False
            elif item := _BIBITEM.search(line):
                last_ref = item.group(1).strip()
                refs[last_ref] = Reference(last_ref, n, item.group(2).strip())
            elif stripped and last_ref is not None:
                ref = refs[last_ref]
                refs[last_ref] = Reference(ref.key, ref.line, f"{ref.text} {stripped}")
            continue
        if "\\begin{thebibliography}" in line:
            close()
            in_bib = True
            continue
        env = _BEGIN.search(line)
        if env and env.group(1).rstrip("*") in _LATEX_SKIP_ENVS:
            close()
            name = env.group(1).rstrip("*")
            if not re.search(rf"\\end\{{{re.escape(name)}\*?\}}", line[env.end():]):
                skip.append(name)
            continue
        if stripped.startswith("\\[") or stripped.startswith("$$"):
            close()
            if not (stripped.endswith("\\]") or (len(stripped) > 2 and stripped.endswith("$$"))):
                closing = "\\]" if stripped.startswith("\\[") else "$$"
                while i + 1 < len(text):  # display math, to its closing line
                    i += 1
                    if text[i].strip().endswith(closing):
                        break
            continue
        if not stripped:
            close()
            continue
        if _LATEX_BIB.search(line) and not _LATEX_BIB.sub("", line).strip():
            close()
            continue
        if _LATEX_SECTION.match(line):
            close()
            rest = _after_braces(line, line.index("{"))
            if rest.strip():
                current.append((n, rest))
            continue
        if brk := _LATEX_BREAK.match(line):
            close()
            rest = re.sub(r"^\s*\\item\s*(?:\[[^\]]*\])?", "", line) if brk.group(0).strip() == "\\item" else ""
            if rest.strip():
                current.append((n, rest))
            continue
        current.append((n, line))
    close()
    return blocks, refs, bibs



def _after_braces(line: str, at: int) -> str:
    """The text after the balanced ``{...}`` that opens at ``at`` (a section title)."""
    depth = 0
    for j in range(at, len(line)):
        depth += {"{": 1, "}": -1}.get(line[j], 0)
        if depth == 0:
            return line[j + 1:]
    return ""


def _latex_citations(text: str) -> list[Citation]:
    out = []
    for m in _LATEX_CITE.finditer(text):
        if m.group(1) in _LATEX_NOT_CITES:
            continue
        keys = tuple(k.strip() for k in m.group(3).split(",") if k.strip())
        if keys:
            out.append(Citation(m.start(), m.end(), keys, narrative=m.group(1) in _LATEX_NARRATIVE))
    return out


# -- sentences -----------------------------------------------------------------------------------------
def _sentences(blocks: list[Block], find: Callable[[str], list[Citation]], markup: str) -> list[CitedSentence]:
    out = []
    for block in blocks:
        text, where = _join(block)
        cites = find(text)
        if not cites:
            continue
        masked = list(text)
        for c in cites:
            masked[c.start] = "C"  # a sentence may start with a citation ("@key shows ...", "\\citet{key} ...")
            for j in range(c.start + 1, c.end - 1):
                masked[j] = "_"
            if c.start and text[c.start - 1] in ".!?" and c.end - c.start > 1:
                masked[c.end - 1] = "."  # "... weights.[1] Next": the marker closes the sentence it follows
        flat = "".join(masked)
        cursor = 0
        for piece in split_sentences(flat):
            start = flat.find(piece, cursor)
            if start < 0:
                continue
            end = cursor = start + len(piece)
            inside = [c for c in cites if start <= c.start and c.end <= end]
            if not inside:
                continue
            sentence = text[start:end]
            shifted = [Citation(c.start - start, c.end - start, c.keys, c.narrative) for c in inside]
            keys, claims = _claims(sentence, shifted, markup)
            if keys and any(claims):
                out.append(CitedSentence(where[start], sentence, keys, claims))
    return out


def _join(block: Block) -> tuple[str, list[int]]:
    """The paragraph as one line with whitespace collapsed, and the file line of every character."""
    chars: list[str] = []
    where: list[int] = []
    for n, line in block:
        for word in line.split():
            if chars:
                chars.append(" ")
                where.append(n)
            chars.extend(word)
            where.extend([n] * len(word))
    return "".join(chars), where


def _claims(sentence: str, cites: list[Citation], markup: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Each key of the sentence and the claim checked against it."""
    whole = clean_claim(_without(sentence, cites), markup)
    groups = _groups(sentence, cites)
    keys: dict[str, str] = {}
    repeated: set[str] = set()
    kinds = {c.narrative for c in cites}
    for g, group in enumerate(groups):
        claim = whole
        if len(groups) > 1 and len(kinds) == 1:  # a mix of narrative and parenthetical: the whole sentence
            first, last = group[0], group[-1]
            if first.narrative:  # "\citet{a} show X": the words up to the next citation
                stop = groups[g + 1][0].start if g + 1 < len(groups) else len(sentence)
                part = sentence[last.end:stop]
            else:  # "X [1]": the words since the previous citation
                since = groups[g - 1][-1].end if g else 0
                part = sentence[since:first.start]
            part = clean_claim(part, markup)
            if len(re.findall(r"\w+", part)) >= SEGMENT_MIN_WORDS:
                claim = part
        for c in group:
            for key in c.keys:
                if key in keys and keys[key] != claim:
                    repeated.add(key)
                keys.setdefault(key, claim)
    for key in repeated:  # one key cited at two places of the sentence: the whole sentence
        keys[key] = whole
    return tuple(keys), tuple(keys.values())


def _groups(sentence: str, cites: list[Citation]) -> list[list[Citation]]:
    """Citations next to each other ("[1], [2]", "\\cite{a}; \\cite{b}") form one group."""
    groups: list[list[Citation]] = []
    for c in cites:
        if groups and not re.sub(r"[\s,;()~]|and", "", sentence[groups[-1][-1].end:c.start]) \
                and c.narrative == groups[-1][-1].narrative:
            groups[-1].append(c)
        else:
            groups.append([c])
    return groups


def _without(sentence: str, cites: list[Citation]) -> str:
    out, at = [], 0
    for c in cites:
        out.append(sentence[at:c.start])
        at = c.end
    out.append(sentence[at:])
    return " ".join(out)


_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_FOOTNOTE = re.compile(r"\[\^[^\]]*\]")
_MD_EMPHASIS = re.compile(r"(?<!\w)(\*{1,3}|_{1,3})(?=\S)(.+?)(?<=\S)\1(?!\w)")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_EMPTY_PARENS = re.compile(r"[(\[]\s*(?:(?:see|e\.g\.|cf\.|i\.e\.)\s*)?[,;]?\s*[)\]]", re.I)


def clean_claim(text: str, markup: str) -> str:
    """The words of a sentence (or part) without markup: what the verifier reads."""
    if markup == "tex":
        text = re.sub(r"(?<!\\)~", " ", text).replace("---", "—").replace("--", "–")
        text = re.sub(r"\\(?:ref|eqref|autoref|cref|Cref|label|footnote)\s*\{[^{}]*\}", "", text)
        text = clean_text(text, "tex")
    else:
        text = _MD_LINK.sub(r"\1", text)
        text = _MD_FOOTNOTE.sub("", text)
        text = text.replace("`", "")
        text = _HTML_TAG.sub("", text)
        for _ in range(2):
            text = _MD_EMPHASIS.sub(r"\2", text)
        text = clean_text(text)
    text = _EMPTY_PARENS.sub("", text)
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r"([,;:])(?=[,;:.])", "", text)
    text = re.sub(r"\s+", " ", text).strip(" ,;:")
    return text
