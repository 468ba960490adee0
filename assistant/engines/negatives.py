"""Negative questions: where a paper stands on the thing a question excludes ("… without a separate draft
model", "… need no training").

A paper qualifies when its own sentences say it needs no X ("does not require auxiliary models",
"training-free"), or when it sets X out as the field's burden and its own method does not use X. The
excluded thing is matched as a phrase: its modifiers followed by its head noun ("draft model",
"drafting model", "drafter"), and "training" covers fine-tuning and retraining. Used by the offline engine
(:mod:`.offline`) to list the papers that do without X and to quote the sentence that says so.
"""

from __future__ import annotations

import re

from ..roles import Role, TaggedSentence
from .question import TRAINING_PREFIXES, Reading

# "does not require auxiliary models", "without requiring fine-tuning", "requires no", "training-free"
_NEGATION_RE = re.compile(r"\b(?:without|no|not|never|free of|free from|eliminat\w*|avoid\w*|bypass\w*|"
                          r"dispens\w*|unnecessary)\b", re.I)
_SCOPED_BY = frozenset({"on", "with"})
NEGATION_WINDOW = 3  # words before X in which "no", "not", "without" negate it ("requires no auxiliary models")
_TRAINING_FAMILY = ("training", "fine-tuning", "finetuning", "retraining", "train", "tuning")

_GENERIC_HEADS = frozenset("model models method methods module modules network networks component components "
                           "step steps stage stages".split())
_BURDEN_RE = re.compile(r"\b(?:challeng\w*|impede\w*|burden\w*|costly|expensive|overhead|requir\w*|necessitat\w*|"
                        r"rel(?:y|ies|ying) on|depend\w*|need\w*|extra|additional|separate|auxiliary|limit\w*|"
                        r"hinder\w*|restrict\w*|difficult\w*|lack\w*|resource-intensive|prohibitive)\b", re.I)


def _stem(word: str) -> str:
    word = word.lower().rstrip("s")
    return word[:max(4, len(word) - 3)]


def _family(word: str) -> tuple[str, ...]:
    """Stems that name the same thing: "training" also covers fine-tuning and retraining."""
    if word.startswith(TRAINING_PREFIXES):
        return tuple(_stem(w) for w in _TRAINING_FAMILY)
    return (_stem(word),)


def _thing_positions(text: str, terms: tuple[str, ...]) -> list[int]:
    """Word positions where the excluded thing is named: for "draft model", a word of its modifiers
    followed within two words by its head noun ("draft model", "drafting model") or, for a generic head,
    the modifier's agent noun ("drafter"); for a one-word thing ("training"), the word itself, its family
    ("fine-tuning", "retraining") and "training-free"."""
    words = re.findall(r"[\w-]+", text.lower())
    if len(terms) == 1:
        stems = _family(terms[0])
        return [i for i, w in enumerate(words)
                if any(w.startswith(s) or f"-{s}" in w or f"{s}-free" in w for s in stems)]
    head, modifiers = _stem(terms[-1]), [s for t in terms[:-1] for s in _family(t)]
    found = []
    for i, w in enumerate(words):
        if not any(w.startswith(s) for s in modifiers):
            continue
        agent = terms[-1] in _GENERIC_HEADS and w.endswith(("er", "ers"))
        if agent or any(words[j].startswith(head) for j in range(i + 1, min(i + 3, len(words)))):
            found.append(i)
    return found


def does_without(text: str, terms: tuple[str, ...]) -> bool:
    """The sentence says it needs no X: a negation shortly before X ("requires no auxiliary models",
    "without requiring fine-tuning"), or "X-free"."""
    words = re.findall(r"[\w-]+", text.lower())
    head = terms[-1]
    spots = _thing_positions(text, terms)
    if head in _GENERIC_HEADS:  # "no auxiliary models" is no separate draft model either
        spots += [i for i, w in enumerate(words) if w.startswith(_stem(head)) and i > 0
                  and words[i - 1] in ("auxiliary", "extra", "additional", "separate", "external", "draft")]
    for i in spots:
        if words[i].endswith("-free") or (i + 1 < len(words) and words[i + 1] == "free"):
            return True
        if i + 1 < len(words) and words[i + 1] in _SCOPED_BY and len(terms) == 1:
            continue  # "without training on long videos" still trains: it only leaves out that data
        before = words[max(0, i - NEGATION_WINDOW):i]
        if any(w == "specific" or w.endswith("-specific") for w in before):
            continue  # "without any VQA-specific fine-tuning" still fine-tunes: it only leaves out one kind
        if _NEGATION_RE.search(" ".join(before)):
            return True
    return False


def _uses(text: str, terms: tuple[str, ...]) -> bool:
    """The sentence speaks of X without negating it."""
    return bool(_thing_positions(text, terms)) and not does_without(text, terms)


def negative_standing(tagged: list[TaggedSentence], reading: Reading) -> str:
    """Where a paper stands on a negative question's excluded thing X:

    * ``"without"``: its own sentences say it needs no X;
    * ``"uses"``: its own method or result sentences use X;
    * ``"alternative"``: it sets X out as the field's burden (a prior-work or problem sentence that
      names X as something required, costly or separate) and its own sentences do not use X;
    * ``"silent"``: it does not speak of X.
    """
    terms = reading.excluded_terms
    own = [t for t in tagged if t.own and t.role in (Role.METHOD, Role.RESULT, Role.CONCLUSION)]
    if any(does_without(t.text, terms) for t in own):
        return "without"
    if any(_uses(t.text, terms) for t in own):
        return "uses"
    if any(t.role in (Role.PRIOR, Role.PROBLEM) and _thing_positions(t.text, terms) and _BURDEN_RE.search(t.text)
           for t in tagged if not t.own or t.role is Role.PROBLEM):
        return "alternative"
    return "silent"
