"""What a sentence states, read clause by clause: content terms, negation, direction, names.

A sentence is cut into clauses (at semicolons, commas, "and", "while", enumerations). Each
:class:`Clause` keeps its stemmed content terms, whether it is negated (an odd number of
negators: "not", "without", "fails to", "training-free", "lossless"), its direction on each
axis (``amount``: increase/decrease; ``quality``: better/worse, faster/slower) with negation
applied, and, for comparisons, the terms before the direction word and after "than/over/
compared to", so that "A beats B" and "B beats A" can be told apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from ..terms import STOP, stem
from .lexicon import CLAUSE_SPLIT, CONNECTORS, HEDGES, PART_SPLIT, UNIVERSALS, direction, negates, privative

TOKEN_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.'’]*(?:[-/][A-Za-z0-9.'’]+)*|%|×")
_TRAIL = ".'’"


def _words(text: str) -> list[str]:
    return [w.rstrip(_TRAIL) for w in TOKEN_RE.findall(text) if w.rstrip(_TRAIL)]


def _parts(word: str) -> list[str]:
    """A hyphenated word's parts and the word itself: 'raw-pixel' -> raw, pixel."""
    parts = [p for p in re.split(r"[-/]", word) if p]
    return parts if len(parts) > 1 else [word]


UNIT_WORDS = frozenset("times fold percent".split())  # units of figures, not content ("2.05 times")
MEASURE_UNITS = frozenset("gb mb kb tb gib mib fps flops tflops gflops ms".split())  # "8.19 GB": a unit, not a name
_FIGURE_TOKEN_RE = re.compile(r"[\d.,]+(?:x|×|%|k|m|b|fps|db|ms|s|h|mv|gb|mb|times|-fold)?", re.I)


def _keys(word: str) -> list[str]:
    out = []
    for part in _parts(word):
        low = part.lower().removesuffix("'s").removesuffix("’s")
        if low in STOP or low in UNIT_WORDS or len(low) < 2 or not low[0].isalpha() or direction(low) or negates(low):
            continue
        out.append(stem(low))
    return out


@lru_cache(maxsize=50000)
def content_terms(text: str) -> frozenset[str]:
    """Stemmed content words (stop words, numbers, negators and direction words left out)."""
    return frozenset(k for w in _words(text) for k in _keys(w))


@dataclass(frozen=True, slots=True)
class Clause:
    """One clause of a sentence, as the verifier compares it."""

    text: str
    terms: frozenset[str]
    negated: bool
    privative_only: bool  # negated only by "avoids" / "prevents" / "eliminates"
    denied: frozenset[str]  # stems a negator applies to ("not outperform ResNet", "model-free")
    stems: frozenset[str]   # content terms plus the stems of direction words
    directions: dict[str, int] = field(default_factory=dict)  # axis -> +1 / -1 after negation
    before: frozenset[str] = frozenset()  # terms before the first direction word (comparisons)
    after: frozenset[str] = frozenset()   # terms after "than" / "over" / "compared to"
    hedged: bool = False
    universal: frozenset[str] = frozenset()


def read_clause(text: str) -> Clause:
    words = _words(text)
    lows = [w.lower() for w in words]
    negators = [i for i, w in enumerate(lows) if negates(w) and not (w == "nor" and "neither" in lows[:i])]
    totals: dict[str, int] = {}
    first_dir = None
    for i, w in enumerate(lows):
        d = direction(w)
        if d is None:
            continue
        axis, s = d
        # "more than 30%" states a figure, not a comparison
        if w in ("more", "less", "fewer") and i + 1 < len(lows) and lows[i + 1] == "than":
            continue
        flips = sum(1 for j in negators if i - 3 <= j < i)  # "does not outperform", "without increasing"
        totals[axis] = totals.get(axis, 0) + (-s if flips % 2 else s)
        if first_dir is None:
            first_dir = i
    directions = {a: (1 if v > 0 else -1) for a, v in totals.items() if v}
    negations = len(negators)
    before: frozenset[str] = frozenset()
    after: frozenset[str] = frozenset()
    if first_dir is not None:
        conn = next((i for i in range(first_dir, len(lows)) if lows[i] in CONNECTORS
                     and not (i + 1 < len(lows) and lows[i + 1][:1].isdigit())), None)
        if conn is not None:
            before = frozenset(k for w in words[:first_dir] for k in _keys(w))
            after = frozenset(k for w in words[conn + 1:] for k in _keys(w))
    plain = sum(1 for i in negators if not privative(lows[i]))
    denied: set[str] = set()
    for j in negators:
        w = lows[j]
        if w.endswith("-free") or (w.endswith("less") and w not in ("unless", "regardless")):
            denied.add(stem(w.removesuffix("-free").removesuffix("less").rsplit("-", 1)[-1] or w))
            continue
        taken = 0
        for word in lows[j + 1:]:
            keys = _keys(word) or ([stem(word)] if direction(word) else [])
            denied.update(keys)
            taken += bool(keys)
            if taken >= 3:
                break
    stems = frozenset(content_terms(text) | {stem(w) for w in lows if direction(w)})
    return Clause(text, content_terms(text), bool(negations % 2), bool(negations % 2) and not plain,
                  frozenset(denied), stems, directions, before, after,
                  any(w in HEDGES for w in lows), frozenset(w for w in lows if w in UNIVERSALS))


_PAREN_RE = re.compile(r"\([^()]*\)")
_VERB_AND_RE = re.compile(r"\s+and\s+(?=(?:is|are|was|were|be|been|has|have|had|can|could|will|would|does|do|did|"
                          r"also|then|still)\b)", re.I)


def _split(sentence: str) -> list[str]:
    """Clause texts: commas inside parentheses ("(e.g., A, B)") do not cut; "and is/has/can ..." does."""
    masked = _PAREN_RE.sub(lambda m: m.group(0).replace(",", "\x00"), sentence)
    masked = _VERB_AND_RE.sub(", ", masked)
    return [p.replace("\x00", ",").strip() for p in CLAUSE_SPLIT.split(masked) if p and p.strip()]


@lru_cache(maxsize=20000)
def clauses(sentence: str) -> tuple[Clause, ...]:
    """The sentence's clauses; a sentence with no break is one clause."""
    return tuple(read_clause(p) for p in _split(sentence)) or (read_clause(sentence),)


@lru_cache(maxsize=20000)
def spans(sentence: str) -> tuple[Clause, ...]:
    """Units to compare a claim clause with: each clause, each pair of adjacent clauses, the whole sentence."""
    parts = _split(sentence)
    texts = parts + [f"{a}, {b}" for a, b in zip(parts, parts[1:])]
    if len(parts) > 2:
        texts.append(sentence)
    return tuple(read_clause(t) for t in dict.fromkeys(texts)) or (read_clause(sentence),)


def parts(text: str) -> list[frozenset[str]]:
    """Content terms of each part of a claim, split at commas and "and" too (for coverage)."""
    return [content_terms(p) for p in PART_SPLIT.split(text) if p and p.strip()]


_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9.'’+]*(?:[-/][A-Za-z0-9.'’+]+)*")


def _is_name(word: str, first: bool) -> bool:
    core = word.rstrip(_TRAIL)
    if _FIGURE_TOKEN_RE.fullmatch(core) or core.lower() in MEASURE_UNITS:
        return False  # 5x, 2.39x, 50k, GB: figures and units, not names
    parts = re.split(r"[-/]", core)
    if any(_FIGURE_TOKEN_RE.fullmatch(p) for p in parts) and all(_FIGURE_TOKEN_RE.fullmatch(p) or p.islower()
                                                                 for p in parts):
        return False  # "1.3B-parameter", "1.3B/14B": figures with their words
    letters = [c for c in core if c.isalpha()]
    if len(letters) < 2 and not any(c.isdigit() for c in core):
        return False
    if any(c.isdigit() for c in core) and letters:
        return True  # A100, RTX3060, Llama2-7b, INT8
    if any(c.isupper() for c in core[1:]):
        return True  # ViT, DeiT, GPT, ImageNet, LLaMA
    return core[:1].isupper() and not first and core.lower() not in STOP


def names(text: str) -> list[str]:
    """Method, model and dataset names: acronyms, mixed case, names with digits, capitalised words."""
    out = []
    for m in _NAME_RE.finditer(text):
        first = m.start() == 0 or bool(re.search(r"[.!?:]\s*$", text[:m.start()]))
        word = m.group(0).removesuffix("'s").removesuffix("’s").rstrip(_TRAIL)
        if _is_name(word, first):
            out.append(word)
    return out


def name_key(name: str) -> str:
    """Case- and punctuation-free form of a name, plural 's' of acronyms dropped (TPUs -> tpu)."""
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    if name.endswith("s") and len(name) > 2 and name[-2].isupper():
        key = key[:-1]
    return key


def name_keys(text: str) -> frozenset[str]:
    """Every name key a text offers: whole tokens, their hyphen parts, and adjacent pairs joined."""
    tokens = _NAME_RE.findall(text)
    out: set[str] = set()
    for tok in tokens:
        tok = tok.removesuffix("'s").removesuffix("’s").rstrip(_TRAIL)
        out.add(name_key(tok))
        out.update(name_key(p) for p in _parts(tok))
    for a, b in zip(tokens, tokens[1:]):
        out.add(name_key(a + b))
    out.discard("")
    return frozenset(out)
