"""Citation markers: the one grammar of ``[n]``, and how text from the evidence is kept out of it.

An answer cites evidence item *n* with ``[n]`` (also ``[1, 3]``, ``[2-4]``, ``[1; 2]``). Abstracts
and titles contain bracketed numbers of their own ("outperforms [12]", "values in [0, 1]"); copied
into an answer as they are, they would read as citations of *other* evidence. So every piece of
evidence text that goes into generated prose, or into a prompt, passes through :func:`as_data`,
which turns its brackets into look-alikes (``［12］``) that no marker pattern matches;
:func:`restore` turns them back where a sentence is compared with its abstract.

A marker is a number of at most :data:`MAX_DIGITS` digits: a longer "number" is no evidence item,
and is never converted to an ``int`` (Python refuses strings over 4,300 digits).
"""

from __future__ import annotations

import re

MAX_DIGITS = 6
_GROUP = r"\d+(?:\s*(?:,|;|-|–)\s*\d+)*"
MARKER_RE = re.compile(rf"\[({_GROUP})\]")
SINGLE_RE = re.compile(r"\[(\d+)\]")
_DATA_OPEN, _DATA_CLOSE = "［", "］"  # fullwidth brackets: read as brackets, never as a marker
_DATA_RE = re.compile(rf"{_DATA_OPEN}({_GROUP}){_DATA_CLOSE}")


def number(digits: str) -> int:
    """The evidence number a marker names; 0 (no evidence item) for one too long to be one."""
    return int(digits) if len(digits) <= MAX_DIGITS else 0


def numbers(group: str) -> list[int]:
    """The numbers in one marker's inside, as written ("1-3" is 1, 2, 3; "1-2-3" and "1-90" each number)."""
    out: list[int] = []
    for part in re.split(r"\s*[,;]\s*", group):
        bounds = [number(x) for x in re.split(r"\s*[-–]\s*", part)]
        if len(bounds) == 2 and 0 < bounds[1] - bounds[0] < 20:
            out.extend(range(bounds[0], bounds[1] + 1))
        else:
            out.extend(bounds)
    return out


def markers_of(text: str) -> list[int]:
    """The source numbers a text cites, in order, each once."""
    return list(dict.fromkeys(n for group in MARKER_RE.findall(text) for n in numbers(group)))


def single_markers(text: str) -> list[int]:
    """The numbers of the plain ``[n]`` markers in checked text, in order, each once."""
    return list(dict.fromkeys(number(n) for n in SINGLE_RE.findall(text)))


def as_data(text: str) -> str:
    """Evidence text made safe to quote: its bracketed numbers can no longer be read as markers."""
    return MARKER_RE.sub(lambda m: f"{_DATA_OPEN}{m.group(1)}{_DATA_CLOSE}", text)


def restore(text: str) -> str:
    """Quoted evidence text as its abstract has it (the inverse of :func:`as_data`)."""
    return _DATA_RE.sub(lambda m: f"[{m.group(1)}]", text)


def cite(sentence: str, n: int) -> str:
    """An evidence sentence quoted with marker ``[n]`` before its final stop."""
    sentence = as_data(sentence.strip())
    sentence = sentence if sentence.endswith((".", "!", "?")) else sentence + "."
    return f"{sentence[:-1]} [{n}]{sentence[-1]}"
