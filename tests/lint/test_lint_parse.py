"""Drafts -> cited sentences: the three citation styles, what is skipped, line numbers, claims."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.lint.parse import parse_draft

VTRANS = "VTrans: Accelerating Transformer Compression with Variational Information Bottleneck based Pruning"
VAD = "VAD: Vectorized Scene Representation for Efficient Autonomous Driving"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def cited(path: Path) -> list[tuple[int, tuple[str, ...], tuple[str, ...]]]:
    return [(s.line, s.keys, s.claims) for s in parse_draft(path).sentences]


def test_markdown_pandoc_citations_and_what_is_skipped(tmp_path: Path) -> None:
    path = write(tmp_path, "draft.md", """---
title: "A review [@notacite]"
bibliography: refs.bib
---

# Pruning [@heading]

Pruning large models is hard [@vtrans2024]. Planning gets faster
with vector maps [see @vad2023, p. 3]. Write to me at someone@example.org.

```python
cites = "[@incode]"
```

<!-- a note [@incomment] -->

    indented code [@indented]

| method | cite |
|---|---|
| VTrans | [@intable] |

Both works are cited [@vtrans2024; -@vad2023]. @vad2023 report a 29.0% lower collision rate.

- A list item [@listed].

> Quoted text [@quoted].

# References

[@inrefs]
""")
    draft = parse_draft(path)
    assert draft.format == "markdown"
    assert draft.bibliographies == (("refs.bib", 3),)
    assert cited(path) == [
        (8, ("vtrans2024",), ("Pruning large models is hard.",)),
        (8, ("vad2023",), ("Planning gets faster with vector maps.",)),  # "p. 3" does not end the sentence
        (23, ("vtrans2024", "vad2023"), ("Both works are cited.",) * 2),
        (23, ("vad2023",), ("report a 29.0% lower collision rate.",)),
        (25, ("listed",), ("A list item.",)),
        (27, ("quoted",), ("Quoted text.",)),
    ]


def test_a_sentence_over_several_lines_has_the_line_it_starts_on(tmp_path: Path) -> None:
    path = write(tmp_path, "draft.md", "Intro.\n\nFirst sentence here. The second\nsentence goes on\nacross lines "
                                       "[@k].\n")
    draft = parse_draft(path)
    assert [(s.line, s.text) for s in draft.sentences] == [(3, "The second sentence goes on across lines [@k].")]


def test_latex_citations_preamble_comments_and_math(tmp_path: Path) -> None:
    path = write(tmp_path, "paper.tex", r"""\documentclass{article}
\usepackage{natbib}
\newcommand{\x}{\cite{inpreamble}}
\begin{document}
\section{Related work \cite{insection}}
% \cite{commented}
Unlike earlier pruning methods, VTrans compresses all structural components, including
embeddings~\citep[see][p.~3]{vtrans2024}. % a trailing comment \cite{trailing}
\citet{vad2023} report that VAD-Base reduces the average collision rate by 29.0\%.
\begin{equation}
  y = f(x) \cite{inmath}
\end{equation}
Both are efficient \cite{vtrans2024,vad2023}.

\begin{itemize}
\item An item \citep{item}.
\end{itemize}
\bibliography{refs,more}
\end{document}
After the end \cite{after}.
""")
    draft = parse_draft(path)
    assert draft.format == "latex"
    assert [b for b, _ in draft.bibliographies] == ["refs", "more"]
    assert cited(path) == [
        (7, ("vtrans2024",), ("Unlike earlier pruning methods, VTrans compresses all structural components, "
                              "including embeddings.",)),
        (9, ("vad2023",), ("report that VAD-Base reduces the average collision rate by 29.0%.",)),
        (13, ("vtrans2024", "vad2023"), ("Both are efficient.",) * 2),
        (16, ("item",), ("An item.",)),
    ]


def test_latex_thebibliography_is_the_reference_list(tmp_path: Path) -> None:
    path = write(tmp_path, "paper.tex", "\\begin{document}\nPruning is hard \\cite{v}.\n"
                                        "\\begin{thebibliography}{9}\n\\bibitem{v} O. Dhar.\n" + VTRANS +
                                        ". 2024.\n\\end{thebibliography}\n\\end{document}\n")
    draft = parse_draft(path)
    assert [(s.line, s.keys) for s in draft.sentences] == [(2, ("v",))]
    assert draft.references["v"].text == f"O. Dhar. {VTRANS}. 2024."


def test_numbered_markers_ranges_and_reference_list(tmp_path: Path) -> None:
    path = write(tmp_path, "draft.txt", f"""Related work

Pruning compresses every component [1]. Two studies [2, 3] and a third [4-5] agree.
Planning got faster.[2] See the figure [Fig. 2] and the link [site](http://x.org) [6].

References

[1] {VTRANS}. 2024.
[2] Jiang, B. et al.
    {VAD}. ICCV 2023.
3. Smith, J. Another paper. 2020.
""")
    draft = parse_draft(path)
    assert draft.format == "numbered"
    assert [(s.line, s.keys) for s in draft.sentences] == [
        (3, ("1",)), (3, ("2", "3", "4", "5")), (4, ("2",)), (4, ("6",))]
    assert draft.sentences[2].text == "Planning got faster.[2]"  # the marker after the stop closes it
    assert draft.sentences[3].claims == ("See the figure [Fig. 2] and the link site.",)
    assert {k: r.line for k, r in draft.references.items()} == {"1": 8, "2": 9, "3": 11}
    assert draft.references["2"].text == f"Jiang, B. et al. {VAD}. ICCV 2023."


def test_citations_at_different_places_are_checked_against_their_own_part(tmp_path: Path) -> None:
    path = write(tmp_path, "draft.md", "VTrans prunes the embedding layer too [@a], while VAD runs much faster "
                                       "than earlier planners [@b].\nShort one [@a] and another [@b] here.\n")
    assert [s.claims for s in parse_draft(path).sentences] == [
        ("VTrans prunes the embedding layer too", "while VAD runs much faster than earlier planners"),
        ("Short one and another here.",) * 2,  # parts too short to stand alone: the whole sentence
    ]


@pytest.mark.parametrize(("name", "text", "fragment"), [
    ("draft.md", "Nothing is cited here.\n\nNor here.\n", "no citations found"),
    ("draft.md", "Only in code:\n\n```\n[@k]\n```\n", "no citations found"),
    ("notes.xyz", "Plain words without any citation.\n", "unknown format"),
    ("draft.txt", "Pruning works [1].\n", "no numbered reference list"),
])
def test_bad_drafts_raise_one_input_error_naming_the_file(tmp_path: Path, name: str, text: str,
                                                         fragment: str) -> None:
    path = write(tmp_path, name, text)
    with pytest.raises(InputError) as err:
        parse_draft(path)
    assert str(path) in str(err.value) and fragment in str(err.value)
    assert "\n" not in str(err.value)


def test_a_word_document_is_an_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "draft.docx"
    path.write_bytes(b"PK\x03\x04binary")
    with pytest.raises(InputError, match="unknown format"):
        parse_draft(path)


def test_a_binary_draft_is_an_unknown_format(tmp_path: Path) -> None:
    path = tmp_path / "draft.md"
    path.write_bytes(b"\x00\x01\x02 not text")
    with pytest.raises(InputError, match="unknown format: a binary file"):
        parse_draft(path)
