"""The results and efficiency cells: the paper's own figures, each kept with its whole statement.

A figure means nothing without what it measures, on what and against what: "55.3% AP" is only
true "after pre-training with Objects365", Clover's "37%" is its margin over Medusa. So a cell
item is the whole statement that carries the figure (a sentence of the abstract, without its
reporting lead such as "Extensive experiments demonstrate that" or "For instance,"), never a
clause cut out of it. Only a statement too long to show (over :data:`MAX_STATEMENT_WORDS`) is
split, at its own enumeration ("(1) ... (2) ...") or semicolons, and shortened with "…" only
as a last resort.

Only sentences that state the paper's own results are read (roles from :mod:`assistant.roles`):
own RESULT sentences, and own METHOD sentences that claim an outcome ("... reduces X by 40%"). A bit
width counts as a figure only where a result says the method reaches it ("compresses the KV cache to
1.5-bit precision"), never where it names a setting ("2-bit quantization").
Background, prior work and problem statements never fill a cell, whatever figures they hold.

Each figure is classified as an *efficiency* figure (speed, latency, throughput, memory, size,
energy, cost: "2.2x speedup", "108 FPS", "19.8% reduction in GPU memory") or a *quality* one (AP,
accuracy, perplexity, a margin over a baseline). A statement whose figures are all efficiency
figures goes to the efficiency cell; any other goes to results. A paper whose only figures are
efficiency figures has them as its results, shown once: the efficiency cell never repeats results.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..roles import Role, TaggedSentence

MAX_RESULTS, MAX_EFFICIENCY = 4, 3
MAX_STATEMENT_WORDS = 60
WINDOW_WORDS = 7  # how far from a bare figure ("2.3x", "37%") its metric word may stand

NUM = r"(?<![\w.\-/])\d+(?:[.,]\d+)*(?:\s?[-–]\s?\d+(?:[.,]\d+)*)?"
UNIT = (r"(?:%|\s?percent\b|\s?[xX×](?![A-Za-z0-9])|-?fold\b|\s?times\b|\s?(?:fps|FPS)\b|\s?frames per second"
        r"|\s?tokens?\s?(?:/\s?s\b|per second)|\s?(?:ms|milliseconds|seconds|sec|minutes|hours|GPU hours|days)\b"
        r"|\s?(?:GB|MB|TB|GiB|MiB|GFLOPs|TFLOPs|FLOPs|MACs|W|mJ|dB)\b|\s?(?:points?|pp)\b"
        r"|\s?(?:AP|mAP|BLEU|ROUGE\S*|FID|FVD|PSNR|SSIM|mIoU|CIDEr|WER)\b)")
METRIC = (r"\b(?:AP|mAP|accuracy|BLEU|ROUGE|FID|FVD|PSNR|SSIM|F1|score|perplexity|WER|[Tt]op-1|mIoU|IoU|CIDEr"
          r"|speed-?ups?|throughput|win rate|pass@\d+)[\w\-@]*\s?(?:of|=|:|to|by|at)?\s?(?:about\s|up to\s)?")
FIGURE_RE = re.compile(rf"{NUM}\s?{UNIT}|{METRIC}{NUM}")
# also "perplexity increases of no more than 0.05", "FID of 7.2 on ...", "FID scores for one-step generation: 1.20"
STATED_FIGURE_RE = re.compile(
    rf"{FIGURE_RE.pattern}|\b(?:perplexity|PPL|FID|FVD|BLEU|accuracy|mAP|AP|F1|PSNR|SSIM|WER|CIDEr|top-1)\b"
    rf"(?:(?:\s+[\w-]+){{0,3}}?\s+(?:of|to|by|than|is|=)|(?:\s+[\w-]+){{0,5}}?:)\s+"
    rf"(?:only\s+|about\s+|around\s+|up to\s+|"
    rf"(?:no|not) more than\s+|less than\s+|over\s+)?{NUM}")

BIT_FIGURE_RE = re.compile(rf"\b(?:to|at|as low as|down to)\s+{NUM}-?\s?bits?\b")  # "to 1.5-bit": a size reached
_EFFICIENCY_UNIT_RE = re.compile(
    r"fps|frames per second|tokens?\s?(?:/\s?s|per second)|\b(?:ms|milliseconds|seconds|sec|minutes|hours|days)\b|"
    r"\b(?:GB|MB|TB|GiB|MiB|GFLOPs|TFLOPs|FLOPs|MACs|W|mJ)\b|^(?:speed-?ups?|throughput)", re.I)
_QUALITY_UNIT_RE = re.compile(r"\b(?:AP|mAP|BLEU|ROUGE\S*|FID|FVD|PSNR|SSIM|mIoU|CIDEr|WER|dB|points?|pp)\b|"
                              r"^(?:AP|mAP|accuracy|BLEU|ROUGE|FID|FVD|PSNR|SSIM|F1|score|perplexity|WER|top-1|"
                              r"miou|iou|cider|win rate|pass@)", re.I)
_EFFICIENCY_WORD_RE = re.compile(
    r"^(?:speed\w*|fast\w*|faster|slow\w*|latenc\w*|throughput|memory|compress\w*|smaller|size|footprint|"
    r"overhead|energy|power|costs?|cheap\w*|time|accelerat\w*|savings?|fps|flops|macs|bandwidth|storage|"
    r"parameters?|params|bits?|efficien\w*|wall-clock|ttft|runtime)$", re.I)
_QUALITY_WORD_RE = re.compile(
    r"^(?:accura\w*|ap|map|ap\d*|perplexity|ppl|fid|fvd|bleu|rouge\S*|scores?|f1|quality|performance|errors?|"
    r"equivalence|win|psnr|ssim|miou|iou|wer|cider|recall|precision|hit|acceptance)$", re.I)
_CLAIM_RE = re.compile(r"\b(?:achiev\w*|attain\w*|outperform\w*|surpass\w*|exceed\w*|reduc\w*|improv\w*|"
                       r"accelerat\w*|speed\w*|faster|yield\w*|deliver\w*|boost\w*|sav(?:e|es|ing)|cut\w*|"
                       r"lower\w*|increas\w*|decreas\w*|compress\w*|obtain\w*|reach\w*|runs?|consum\w*)\b", re.I)
_LEAD_RE = re.compile(
    r"^(?:(?:furthermore|moreover|additionally|in addition|notably|specifically|for (?:instance|example)|"
    r"in particular|finally|overall|importantly|remarkably|as a result|consequently|thus|therefore|in response|"
    r"in terms of [\w\s-]{1,30}?|end-to-end|empirically|experimentally|concretely),\s+)?"
    r"(?:(?:the |our |extensive |comprehensive |empirical |experimental )?(?:[\w-]+ ){0,5}?"
    r"(?:experiments?|evaluations?|results|studies|tests|benchmarks?|analys[ie]s)(?: [\w/,-]+){0,10}? "
    r"(?:show|shows|showed|demonstrate|demonstrates|demonstrated|reveal|reveals|indicate|indicates|confirm|"
    r"confirms|suggest|suggests|verify|verifies)\s+that\s+)?", re.I)
_ENUM_RE = re.compile(r"(?:^|[,;:]?\s+(?:and\s+)?)\((?:\d|[ivx]+|[a-e])\)\s+")
_WORD_RE = re.compile(r"[\w@.-]+")


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of the paper's own figures, as the cell shows it (verbatim from the abstract)."""

    text: str
    position: int  # sentence index in the abstract
    efficiency: bool  # every figure in it is a speed/memory/cost figure


def strip_lead(sentence: str) -> str:
    """The sentence without its reporting lead ("Our experiments show that", "For instance,") and
    closing stop; conditions ("After pre-training with Objects365,") stay."""
    text = sentence.strip().rstrip(".").strip()
    match = _LEAD_RE.match(text)
    rest = text[match.end():] if match else text
    return rest if len(rest.split()) >= 3 else text


def _window(text: str, around: int, limit: int) -> str:
    """At most ``limit`` words of ``text`` around character ``around``; '…' marks a cut."""
    words = text.split()
    if len(words) <= limit:
        return text
    at = len(text[:around].split())
    lo = max(0, min(at - limit // 3, len(words) - limit))
    hi = lo + limit
    return ("… " if lo else "") + " ".join(words[lo:hi]) + (" …" if hi < len(words) else "")


def pieces(sentence: str) -> list[str]:
    """The statements of one sentence: the whole (lead stripped) when it is short enough, else its
    enumerated items or semicolon parts, else a window around its first figure."""
    text = strip_lead(sentence)
    parts = [p.strip(" ,;") for p in _ENUM_RE.split(text)]
    if len(parts) > 2:  # "we (1) ..., (2) ..., and (3) ...": each item is a statement
        return [p for p in parts[1:] if p]
    if len(text.split()) <= MAX_STATEMENT_WORDS:
        return [text]
    if len(parts) == 1:
        parts = [p.strip(" ,") for p in text.split(";")]
    out = []
    for part in parts:
        if not part:
            continue
        if len(part.split()) > MAX_STATEMENT_WORDS:
            figure = FIGURE_RE.search(part)
            part = _window(part, figure.start() if figure else 0, MAX_STATEMENT_WORDS)
        out.append(part)
    return out


def figure_kind(text: str, match: re.Match[str]) -> str:
    """"efficiency" or "quality" for one figure of ``text``: by its unit when it has a telling one
    ("108 FPS", "53.1% AP"), else by the nearest metric word around it ("2.3x speedup", "reduced by 40%
    in memory", "by 2.2% in accuracy"); a figure with no metric word near it counts as quality."""
    figure = match.group(0)
    if _EFFICIENCY_UNIT_RE.search(figure):
        return "efficiency"
    if _QUALITY_UNIT_RE.search(figure):
        return "quality"
    before = _WORD_RE.findall(text[:match.start()])[-WINDOW_WORDS:]
    after = _WORD_RE.findall(text[match.end():])[:WINDOW_WORDS]
    best: tuple[int, int, str] | None = None  # (distance, after-first tie break, kind)
    for distance, word in enumerate(reversed(before), 1):
        word = word.strip(".,-")
        for kind, pattern in (("quality", _QUALITY_WORD_RE), ("efficiency", _EFFICIENCY_WORD_RE)):
            if pattern.match(word) and (best is None or (distance, 1) < best[:2]):
                best = (distance, 1, kind)
    for distance, word in enumerate(after, 1):
        word = word.strip(".,-")
        for kind, pattern in (("quality", _QUALITY_WORD_RE), ("efficiency", _EFFICIENCY_WORD_RE)):
            if pattern.match(word) and (best is None or (distance, 0) < best[:2]):
                best = (distance, 0, kind)
    return best[2] if best else "quality"


def _states_results(t: TaggedSentence) -> bool:
    if not t.own:
        return False
    if t.role is Role.RESULT:
        return True
    return t.role is Role.METHOD and bool(_CLAIM_RE.search(t.text))


def _bit_result(t: TaggedSentence) -> bool:
    """An own result sentence whose figure is a bit width it reaches: "compresses the KV cache to 1.5-bit
    precision with almost no performance drop". ("2-bit quantization can hardly hurt" names a setting.)"""
    return t.own and t.role is Role.RESULT and bool(BIT_FIGURE_RE.search(t.text) and _CLAIM_RE.search(t.text))


def figure_statements(tagged: list[TaggedSentence]) -> list[Statement]:
    """Every statement of the paper's own figures, in reading order."""
    out: list[Statement] = []
    for t in tagged:
        bits = _bit_result(t)
        if not bits and (not STATED_FIGURE_RE.search(t.text) or not _states_results(t)):
            continue
        for piece in pieces(t.text):
            matches = list(STATED_FIGURE_RE.finditer(piece))
            if bits:
                matches += list(BIT_FIGURE_RE.finditer(piece))
            if not matches or any(piece in s.text or s.text in piece for s in out):
                continue
            kinds = {"efficiency" if BIT_FIGURE_RE.fullmatch(m.group(0)) else figure_kind(piece, m) for m in matches}
            out.append(Statement(piece, t.index, kinds == {"efficiency"}))
    return out


def results_and_efficiency(tagged: list[TaggedSentence]) -> tuple[list[str], list[str]]:
    """(results, efficiency) cell items: each statement once, in the cell its figures belong to."""
    statements = figure_statements(tagged)
    results = [s.text for s in statements if not s.efficiency]
    efficiency = [s.text for s in statements if s.efficiency]
    if not results:  # speed / memory figures are this paper's results: show them there, once
        return efficiency[:MAX_RESULTS], []
    return results[:MAX_RESULTS], efficiency[:MAX_EFFICIENCY]


def is_efficiency_statement(text: str) -> bool:
    """Whether every figure ``text`` states is a speed / memory / cost figure (and it states one)."""
    kinds = {figure_kind(text, m) for m in STATED_FIGURE_RE.finditer(text)}
    return kinds == {"efficiency"}
