"""Figures in text: values with their units, read so that equal figures compare equal.

"2.3x", "2.3×", "2.3 times" and "2.3-fold" are all ``Figure(2.3, "x")``; "70%", "70 %" and
"70 percent" are ``Figure(70, "%")``; "50k hours" is ``Figure(50000, "hours")``; "twice" is
``Figure(2, "x")``. Numbers inside names (GPT-2, ResNet50, LLaMA-2-7B, RTX3060, Human3.6M) are
not figures. A range such as "2-7 times" or "1.6x - 4.1x" gives one figure per end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SCALE = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "b": 1e9, "billion": 1e9, "t": 1e12, "trillion": 1e12}
_UNITS = {
    "x": "x", "×": "x", "times": "x", "time": "x", "fold": "x", "-fold": "x",
    "%": "%", "percent": "%", "pct": "%",
    "fps": "fps", "db": "db", "ms": "ms", "s": "s", "sec": "s", "seconds": "s", "second": "s",
    "mv": "mv", "gb": "gb", "mb": "mb", "kb": "kb", "tb": "tb",
    "hours": "hours", "hour": "hours", "h": "hours", "days": "days", "day": "days",
    "frames": "frames", "frame": "frames", "tokens": "tokens", "token": "tokens",
    "gpus": "gpus", "gpu": "gpus", "steps": "steps", "step": "steps", "bits": "bits", "bit": "bits",
    "layers": "layers", "parameters": "parameters", "params": "parameters", "points": "points",
    "datasets": "datasets", "tasks": "tasks", "dimensions": "dimensions", "categories": "categories",
}
_NUMBER = r"\d{1,3}(?:,\d{3})+(?!\d)|\d+(?:\.\d+)?"
_SUFFIX = r"(?:\s?(?:%|×)|x(?![a-z0-9])|times\b|-fold\b|(?:k|m|b|billion|million|thousand|trillion)(?![a-z0-9])|" \
          r"(?:fps|db|ms|mv|gb|mb|kb|tb|h|s)(?![a-z0-9]))?"
_FIGURE_RE = re.compile(
    rf"(?<![\w.\-^/])(?<![a-z]-)({_NUMBER})({_SUFFIX})"
    rf"(?:\s?(?:-|–|~|to)\s?({_NUMBER})({_SUFFIX}))?(?![\w.]*[a-z]\d)(?!\.?\d)(?![a-z])",
    re.I)
_WORD_AFTER_RE = re.compile(r"\s*([A-Za-z%]+)")
_RESOLUTION_RE = re.compile(r"\d+\s?[x×]\s?\d+")
_WORD_FIGURES = {"twice": (2.0, "x"), "double": (2.0, "x"), "doubles": (2.0, "x"), "doubled": (2.0, "x"),
                 "triple": (3.0, "x"), "triples": (3.0, "x"), "tripled": (3.0, "x"), "half": (0.5, "x")}


@dataclass(frozen=True, slots=True)
class Figure:
    """One figure: its value (scaled: 50k -> 50000), unit ('' when none) and where it starts."""

    value: float
    unit: str
    start: int
    text: str

    def same_value(self, other: "Figure") -> bool:
        return abs(self.value - other.value) <= 1e-9 * max(abs(self.value), abs(other.value), 1.0)

    def compatible(self, other: "Figure") -> bool:
        """Units agree, or one side states none ("a speedup of 1.27" vs "1.27x")."""
        return self.unit == other.unit or not self.unit or not other.unit


def _unit(suffix: str, after: str) -> tuple[str, float]:
    """Unit and scale of a number from the characters glued to it or the next word."""
    s = suffix.strip().lower()
    if s in _SCALE:
        word = _WORD_AFTER_RE.match(after)
        unit = _UNITS.get(word.group(1).lower(), "") if word else ""
        return unit, _SCALE[s]
    if s:
        return _UNITS.get(s, s), 1.0
    word = _WORD_AFTER_RE.match(after)
    if word:
        low = word.group(1).lower()
        if low in _SCALE and len(low) > 1:
            nxt = _WORD_AFTER_RE.match(after[word.end():])
            return (_UNITS.get(nxt.group(1).lower(), "") if nxt else ""), _SCALE[low]
        return _UNITS.get(low, ""), 1.0
    return "", 1.0


def figures(text: str) -> list[Figure]:
    """Every figure stated in ``text``, in order."""
    out: list[Figure] = []
    masked = _RESOLUTION_RE.sub(lambda m: " " * len(m.group(0)), text)
    for m in _FIGURE_RE.finditer(masked):
        after = masked[m.end():]
        first, suffix1, second, suffix2 = m.group(1), m.group(2), m.group(3), m.group(4)
        unit2, scale2 = _unit(suffix2 or "", after) if second else ("", 1.0)
        unit1, scale1 = _unit(suffix1, after if not second else "")
        if second and not unit1:
            unit1, scale1 = unit2, (scale2 if not suffix1 else scale1)
        out.append(Figure(float(first.replace(",", "")) * scale1, unit1, m.start(), m.group(0).strip()))
        if second:
            out.append(Figure(float(second.replace(",", "")) * scale2, unit2, m.start(3), m.group(0).strip()))
    for m in re.finditer(r"\b(" + "|".join(_WORD_FIGURES) + r")\b", text, re.I):
        value, unit = _WORD_FIGURES[m.group(1).lower()]
        out.append(Figure(value, unit, m.start(), m.group(0)))
    return sorted(out, key=lambda f: f.start)
