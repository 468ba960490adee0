"""Extraction of comparison cells from one abstract (the offline engine), and the text patterns the
review writers share.

Nothing is paraphrased or inferred: every cell is cut out of the abstract (or, for a task the
abstract never states, the title) verbatim, and a cell stays empty when nothing fits. Each cell is
read only from the paper's own sentences (:mod:`assistant.roles`), so field background never fills
one:

* task and approach: :mod:`.proposal` (the problem the paper states or its proposal's purpose; the
  method's name and its mechanism);
* results and efficiency: :mod:`.figures` (each figure with its whole statement; speed/memory/cost
  figures in efficiency, everything else in results, nothing in both);
* code_url: the first http(s) or github/gitlab/huggingface link, github first.
"""

from __future__ import annotations

import re

from ..engines.offline import INJECTION_RE, short_name
from ..models import Paper
from ..roles import TaggedSentence, method_names, tag_abstract
from ..textnorm import split_sentences
from .figures import FIGURE_RE, results_and_efficiency  # noqa: F401  (FIGURE_RE is shared with the writers)
from .models import Row
from .proposal import approach_of, task_of

EFFICIENCY_RE = re.compile(
    r"\b(?:fast(?:er|est)?|speed(?:s|up|-up|ups)?|accelerat\w*|latenc\w*|throughput|memory|FLOPs?|MACs|"
    r"compute|computation(?:al|ally)?|efficien\w*|fps|FPS|tokens? per second|TTFT|real-time|lightweight|"
    r"energy|power consumption|GPU hours?|training time|inference time|overhead|compress\w*|footprint|"
    r"cost(?:s|ly)?|cheap\w*|wall-clock)\b", re.I)
LIMITATION_RE = re.compile(
    r"\b(?:remains? (?:a |an )?(?:challeng\w*|difficult|open|unclear|unexplored|limited|elusive)|limitations?|"
    r"limited|however|future (?:work|research|directions?)|open (?:problems?|questions?|challenges?)|"
    r"challeng\w*|bottlenecks?|struggl\w*|suffer\w*|lacks?|lacking|fail\w*|hinders?|prohibitive|"
    r"not yet|(?:under|un)explored|questionable|still)\b", re.I)
STRONG_LIMITATION_RE = re.compile(
    r"\b(?:remains? (?:a |an )?(?:challeng\w*|difficult|open|unclear|unexplored|elusive)|future work|"
    r"open (?:problems?|questions?|challenges?)|limitations?|(?:under|un)explored|not yet)\b", re.I)
SOLVED_RE = re.compile(r"\b(?:address\w*|overcom\w*|tackl\w*|solv\w*|mitigat\w*|alleviat\w*|resolv\w*|"
                       r"bridg\w*|we aim|to this end)\b", re.I)
CONTRAST_RE = re.compile(r"\b(?:while|whereas|trade-?offs?|outperform\w*|surpass\w*|compared (?:to|with)|than|"
                         r"at the cost|without (?:sacrificing|compromising|retraining|any|much)|in contrast|unlike|"
                         r"vs\.?|versus|faster|slower|fewer)\b", re.I)
APPROACH_RE = re.compile(
    r"\b(?:we|this (?:paper|work|report)|our (?:work|paper))(?:\s+\w+){0,2}?\s+(?:propose|introduce|present|develop|"
    r"design|build|create|devise|put forward|release|construct)s?\s+(?:here\s+)?", re.I)
URL_RE = re.compile(r"https?://[^\s<>\"'\])]+|\b(?:github\.com|gitlab\.com|huggingface\.co)/[^\s<>\"'\])]+"
                    r"|(?<![/\w.])www\.[\w-]+\.[^\s<>\"'\])]+")


def _sentences(text: str) -> list[str]:
    return [s for s in split_sentences(text) if len(s.split()) >= 3]


def code_url_of(text: str) -> str | None:
    urls = [u.rstrip(".,;:") for u in URL_RE.findall(text)]
    urls = [u if u.startswith("http") else f"https://{u}" for u in urls if len(u) > 10]
    code = [u for u in urls if re.search(r"github\.com|gitlab\.com|huggingface\.co", u)]
    return (code or urls or [None])[0]


def quotable(sentence: str) -> bool:
    """Fit to quote in prose: no links, no bracketed numbers (they would read as citations), and
    nothing that addresses an assistant (text in an abstract is data, never an instruction)."""
    return not (INJECTION_RE.search(sentence) or "http" in sentence or re.search(r"\[\d", sentence))


def limitation_sentences(text: str) -> list[tuple[float, str]]:
    """Sentences that point at a limitation or open problem, with a strength: 2 for a strong cue
    ("remains challenging", "future work", "open problem"), 1 for a weak one ("however", "limited").
    Sentences saying the paper solves the problem ("to address these limitations") are left out."""
    out = []
    for s in _sentences(text):
        if LIMITATION_RE.search(s) and quotable(s):
            if not SOLVED_RE.search(s):
                out.append((2.0 if STRONG_LIMITATION_RE.search(s) else 1.0, s))
    return out


def extract_row(n: int, paper: Paper, tagged: list[TaggedSentence] | None = None) -> Row:
    """One comparison row from the paper's abstract alone; ``tagged`` are its sentences' roles (the
    store keeps them, :meth:`assistant.store.Store.tagged`), computed here when not given."""
    tagged = tagged if tagged is not None else tag_abstract(paper.title, paper.abstract)
    names = method_names(paper.title, paper.abstract)
    results, efficiency = results_and_efficiency(tagged)
    return Row(n=n, paper_id=paper.paper_id, title=paper.title, short_name=short_name(paper.title),
               task=task_of(paper.title, tagged, names), approach=approach_of(paper.title, tagged, names),
               results=results, efficiency=efficiency, code_url=code_url_of(paper.abstract))
