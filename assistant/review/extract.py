"""Pattern-based extraction of comparison cells from one abstract (the offline engine).

Nothing is paraphrased or inferred: every cell is a clause cut out of the abstract
(word-level windowing, marked with "…" where a clause was shortened), and a cell
stays empty when no pattern fires. What each cell looks for:

* results: clauses carrying a figure with a unit or metric ("53.1% AP", "85x faster",
  "11.68 tokens per second", "2.2 points"), extended to a following comparison clause
  ("..., outperforming X") so the baseline stays with the figure;
* efficiency: clauses claiming speed / memory / latency / throughput / cost;
* task: "we study/tackle/address ..." or "... remains challenging", else the first sentence;
* approach: the object of "we propose/introduce/present X, a ...";
* code_url: the first http(s) or github/gitlab/huggingface link, github first.
"""

from __future__ import annotations

import re

from ..engines.offline import INJECTION_RE, short_name
from ..models import Paper
from ..textnorm import split_sentences
from .models import Row

NUM = r"(?<![\w.\-/])\d+(?:[.,]\d+)*(?:\s?[-–]\s?\d+(?:[.,]\d+)*)?"
UNIT = (r"(?:%|\s?percent\b|\s?[xX×](?![A-Za-z0-9])|-?fold\b|\s?times\b|\s?(?:fps|FPS)\b|\s?frames per second"
        r"|\s?tokens?\s?(?:/\s?s\b|per second)|\s?(?:ms|milliseconds|seconds|sec|minutes|hours|GPU hours|days)\b"
        r"|\s?(?:GB|MB|TB|GiB|MiB|GFLOPs|TFLOPs|FLOPs|MACs|W|mJ|dB)\b|\s?(?:points?|pp)\b"
        r"|\s?(?:AP|mAP|BLEU|ROUGE\S*|FID|FVD|PSNR|SSIM|mIoU|CIDEr|WER)\b)")
METRIC = (r"\b(?:AP|mAP|accuracy|BLEU|ROUGE|FID|FVD|PSNR|SSIM|F1|score|perplexity|WER|[Tt]op-1|mIoU|IoU|CIDEr"
          r"|speed-?ups?|throughput|win rate|pass@\d+)[\w\-@]*\s?(?:of|=|:|to|by|at)?\s?(?:about\s|up to\s)?")
FIGURE_RE = re.compile(rf"{NUM}\s?{UNIT}|{METRIC}{NUM}")
EFFICIENCY_RE = re.compile(
    r"\b(?:fast(?:er|est)?|speed(?:s|up|-up|ups)?|accelerat\w*|latenc\w*|throughput|memory|FLOPs?|MACs|"
    r"compute|computation(?:al|ally)?|efficien\w*|fps|FPS|tokens? per second|TTFT|real-time|lightweight|"
    r"energy|power consumption|GPU hours?|training time|inference time|overhead|compress\w*|footprint|"
    r"cost(?:s|ly)?|cheap\w*|wall-clock)\b", re.I)
CLAIM_RE = re.compile(r"\b(?:we|our|achiev\w*|reduc\w*|improv\w*|outperform\w*|surpass\w*|enabl\w*|accelerat\w*|"
                      r"faster|lower|fewer|less|saves?|speeds? up|up to|without|demonstrat\w*|shows?|yields?)\b", re.I)
IMPROVE_RE = re.compile(r"\b(?:reduc\w*|improv\w*|accelerat\w*|faster|lower\w*|fewer|less|sav(?:e|es|ing)|speeds? up|"
                        r"outperform\w*|enabl\w*|minimal|minimi[sz]\w*|without|boost\w*|cut\w*|decreas\w*|"
                        r"eliminat\w*|maintain\w*|real-time)\b", re.I)
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
COMPARE_LEAD_RE = re.compile(r"^(?:outperform\w*|surpass\w*|compared|than|over|vs\.?|versus|relative|beat\w*|"
                             r"exceed\w*|matching|which is|i\.e\.|respectively)\b", re.I)
TASK_RE = re.compile(
    r"\b(?:we|this (?:paper|work|study))(?:\s+(?:\w+ly|first|further|also|then|here|now|for the first time)){0,2}"
    r"\s+(?:address(?:es)?|tackles?|stud(?:y|ies)|"
    r"investigates?|examines?)\s+(?!(?:these|this|the above|such|"
    r"the aforementioned|both|them|it)\b)", re.I)
PROBLEM_RE = re.compile(r"\b(?:is|are|remains?|becomes?|has been|have been)\s+(?:\w+\s+){0,3}?(?:challeng\w*|"
                        r"difficult|hard|an open problem|a bottleneck|critical|crucial|costly|expensive)\b", re.I)
APPROACH_RE = re.compile(
    r"\b(?:we|this (?:paper|work|report)|our (?:work|paper))(?:\s+\w+){0,2}?\s+(?:propose|introduce|present|develop|"
    r"design|build|create|devise|put forward|release|construct)s?\s+(?:here\s+)?", re.I)
WEAK_APPROACH_RE = re.compile(r"\b(?:we|our method|our approach)(?:\s+\w+){0,2}?\s+(?:integrate|leverage|utili[sz]e|adopt|"
                              r"extend|combine|employ|train|use)s?\s+", re.I)
LEAD_RE = re.compile(r"^(?:and|while|whereas|but|which|thus|thereby|and thus)\s+", re.I)
PASSIVE_APPROACH_RE = re.compile(r"\b(?:is|are) (?:proposed|introduced|presented)\b", re.I)
URL_RE = re.compile(r"https?://[^\s<>\"'\])]+|\b(?:github\.com|gitlab\.com|huggingface\.co)/[^\s<>\"'\])]+"
                    r"|(?<![/\w.])www\.[\w-]+\.[^\s<>\"'\])]+")
MAX_RESULTS, MAX_EFFICIENCY, MAX_WORDS = 4, 3, 40


def clause_spans(sentence: str) -> list[tuple[int, int]]:
    """Character spans of the clauses of a sentence: split at ';', ', ' and ' — ' outside brackets."""
    spans, start, depth, i = [], 0, 0, 0
    while i < len(sentence):
        ch = sentence[i]
        depth += ch in "([{"
        depth -= ch in ")]}" and depth > 0
        cut = 0
        if depth == 0:
            if ch == ";" or (ch == "," and sentence[i + 1:i + 2] == " "):
                cut = 1
            elif sentence.startswith(" — ", i) or sentence.startswith(" -- ", i):
                cut = 3
        if cut:
            spans.append((start, i))
            start = i + cut
        i += max(cut, 1)
    spans.append((start, len(sentence)))
    return [(a, b) for a, b in spans if sentence[a:b].strip()]


def _tidy(text: str) -> str:
    return LEAD_RE.sub("", text.strip().strip(",;:").rstrip(".").strip())


def _window(text: str, around: int | None = None, limit: int = MAX_WORDS) -> str:
    """At most ``limit`` words of ``text``, centred on character ``around``; '…' marks a cut."""
    words = text.split()
    if len(words) <= limit:
        return text
    at = len(text[:around].split()) if around is not None else 0
    lo = max(0, min(at - limit // 3, len(words) - limit))
    hi = lo + limit
    return ("… " if lo else "") + " ".join(words[lo:hi]) + (" …" if hi < len(words) else "")


def _clause_around(sentence: str, pos: int, min_words: int = 4) -> tuple[str, int]:
    """The clause holding character ``pos``, grown to a useful size; returns (clause, offset of pos in it)."""
    spans = clause_spans(sentence)
    idx = next((i for i, (a, b) in enumerate(spans) if a <= pos < b), len(spans) - 1)
    lo = hi = idx
    while len(sentence[spans[lo][0]:spans[hi][1]].split()) < min_words and (lo > 0 or hi < len(spans) - 1):
        if hi < len(spans) - 1:
            hi += 1
        else:
            lo -= 1
    if hi + 1 < len(spans) and COMPARE_LEAD_RE.search(sentence[spans[hi + 1][0]:spans[hi + 1][1]].strip()):
        hi += 1  # keep the baseline: "..., outperforming YOLOv8"
    start = spans[lo][0]
    while start < len(sentence) and sentence[start] == " ":
        start += 1
    return sentence[start:spans[hi][1]], pos - start


def _sentences(text: str) -> list[str]:
    return [s for s in split_sentences(text) if len(s.split()) >= 3]


def figure_clauses(text: str, limit: int = MAX_RESULTS, name: str = "") -> list[str]:
    """Clauses stating the paper's own figures, in reading order, one per clause.

    Figures in sentences about prior work's problems ("however, X leads to 20% overhead") rank
    below claims ("we/our/<name> achieve ..."): they are dropped when they rank negative, or
    when the abstract states claims of its own.
    """
    found: list[tuple[int, int, str]] = []
    for pos, sentence in enumerate(_sentences(text)):
        rank = (bool(CLAIM_RE.search(sentence)) + bool(name and name.casefold() in sentence.casefold())
                - bool(LIMITATION_RE.search(sentence) and not CLAIM_RE.search(sentence)))
        for match in FIGURE_RE.finditer(sentence):
            clause, at = _clause_around(sentence, match.start())
            cell = _tidy(_window(clause, at))
            if rank >= 0 and cell and not any(cell in c or c in cell for _, _, c in found):
                found.append((rank, pos, cell))
    if any(f[0] > 0 for f in found):  # the paper's own claims exist: leave out figures it merely mentions
        found = [f for f in found if f[0] > 0]
    best = sorted(found, key=lambda f: (-f[0], f[1]))[:limit]
    return [c for _, _, c in sorted(best, key=lambda f: f[1])]


def efficiency_claims(text: str, limit: int = MAX_EFFICIENCY, name: str = "") -> list[str]:
    """The paper's own speed/memory/latency/throughput/cost claims: figures first, then qualitative ones."""
    found: list[tuple[int, int, str]] = []
    for pos, sentence in enumerate(_sentences(text)):
        if not EFFICIENCY_RE.search(sentence) or re.match(r"(?:however|although|but)\b", sentence, re.I):
            continue
        claim = ((CLAIM_RE.search(sentence) or (name and name.casefold() in sentence.casefold()))
                 and not (LIMITATION_RE.search(sentence) and not CLAIM_RE.search(sentence)))
        for a, b in clause_spans(sentence):
            clause = sentence[a:b]
            word = EFFICIENCY_RE.search(clause)
            if not word:
                continue
            figure = FIGURE_RE.search(clause)
            if not claim or (not figure and not IMPROVE_RE.search(clause)):
                continue
            grown, at = _clause_around(sentence, a + (figure or word).start())
            cell = _tidy(_window(grown, at))
            if cell and not any(cell in c or c in cell for _, _, c in found):
                found.append((0 if figure else 1, pos, cell))
    return [c for _, _, c in sorted(found)[:limit]]


def _trim(text: str, limit: int = 30) -> str:
    """A sentence cut to ``limit`` words, at a clause boundary when one is close enough."""
    text = _tidy(text)
    if len(text.split()) <= limit:
        return text
    for a, b in reversed(clause_spans(text)):
        head = text[:b]
        if b < len(text) and limit // 2 <= len(head.split()) <= limit:
            return _tidy(head) + " …"
    return _window(text, 0, limit)


def task_of(text: str) -> str:
    sentences = _sentences(text)
    for s in sentences:
        m = TASK_RE.search(s)
        if m and len(s[m.end():].split()) >= 3:
            return _trim(s[m.end():])
    for s in sentences:
        if PROBLEM_RE.search(s):
            return _trim(s)
    return _trim(sentences[0]) if sentences else ""


def approach_of(text: str) -> str:
    sentences = _sentences(text)
    for s in sentences:
        m = APPROACH_RE.search(s)
        if m and len(s[m.end():].split()) >= 3:
            return _trim(s[m.end():], MAX_WORDS)
    for s in sentences:
        if PASSIVE_APPROACH_RE.search(s):
            return _trim(s, MAX_WORDS)
    for s in sentences:
        m = WEAK_APPROACH_RE.search(s)
        if m and len(s[m.end():].split()) >= 3:
            return _trim(s[m.end():], MAX_WORDS)
    return ""


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


def extract_row(n: int, paper: Paper) -> Row:
    """One comparison row from the paper's abstract alone."""
    text = paper.abstract
    return Row(n=n, paper_id=paper.paper_id, title=paper.title, short_name=short_name(paper.title),
               task=task_of(text), approach=approach_of(text), results=figure_clauses(text, name=short_name(paper.title)),
               efficiency=efficiency_claims(text, name=short_name(paper.title)), code_url=code_url_of(text))
