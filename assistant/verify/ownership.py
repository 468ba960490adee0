"""Which abstract sentences state the paper's own work, and which the field's background.

A claim about a paper ("X shows that ...") is only supported by the paper's own method and
result sentences. When :mod:`assistant.roles` is installed its tagger decides; otherwise a
small rule reads the abstract: a sentence is the paper's own when it says "we", "our", "this
paper/work", "the proposed", or names the paper's method (the title's name before a colon, a
name the abstract introduces with "we propose X", "called X", ...). Sentences before the
first such sentence are background; sentences after it are the paper's own unless they point
at other work ("existing", "previous", "et al.", "however, current methods ...").
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass

from .statements import name_key, names

OWN_RE = re.compile(r"\b(?:we|our|ours|us|this (?:paper|work|study|report|article|letter)|the proposed|"
                    r"our proposed|here)\b", re.I)
PRIOR_RE = re.compile(r"\b(?:et al|existing|previous(?:ly)?|prior|traditional|conventional|earlier|"
                      r"recent (?:works?|studies|efforts|advances|attempts|methods|approaches|models)|"
                      r"most (?:existing )?(?:methods|approaches|works|models)|current (?:methods|approaches|"
                      r"models|solutions|systems)|mainstream|dominant|popular|typical(?:ly)?|widely)\b", re.I)
RESULT_RE = re.compile(r"\b(?:achiev\w*|outperform\w*|surpass\w*|results?|experiment\w*|evaluat\w*|"
                       r"demonstrat\w*|speed-?ups?|improv\w*|reduc\w*)\b|\d", re.I)
INTRO_RE = re.compile(r"\b(?:propose|proposes|present|presents|introduce|introduces|develop|develops|call(?:ed)?|"
                      r"named|termed|dubbed|namely|launch)\b((?:\W+\w+){1,8})", re.I)


@dataclass(frozen=True, slots=True)
class TaggedSentence:
    """One abstract sentence and its role; ``own`` is True for the paper's own work."""

    index: int
    text: str
    role: str  # BACKGROUND PRIOR PROBLEM METHOD RESULT CONCLUSION
    own: bool


def own_names(title: str, abstract: str) -> frozenset[str]:
    """Name keys of the paper's own method: the title's lead-in and names the abstract introduces."""
    keys: set[str] = set()
    head, sep, _ = title.partition(":")
    if sep and len(head.split()) <= 4:
        keys.add(name_key(head))
        keys.update(name_key(n) for n in names(head))
    for match in INTRO_RE.finditer(abstract):
        keys.update(name_key(n) for n in names(match.group(1)) if len(n) > 2)
    keys.update(name_key(n) for n in names(title) if any(c.isupper() for c in n[1:]))
    keys.discard("")
    return frozenset(keys)


def _fallback(title: str, sentences: list[str]) -> list[TaggedSentence]:
    own_keys = own_names(title, " ".join(sentences))
    out: list[TaggedSentence] = []
    seen_own = False
    for i, text in enumerate(sentences):
        named = any(name_key(n) in own_keys for n in names(text))
        marked = bool(OWN_RE.search(text)) or named
        prior = bool(PRIOR_RE.search(text)) or text.lower().startswith(("however", "yet", "but "))
        own = marked or (seen_own and not prior)
        seen_own = seen_own or marked
        if own:
            role = "RESULT" if RESULT_RE.search(text) else "METHOD"
        else:
            role = "PRIOR" if prior else "BACKGROUND"
        out.append(TaggedSentence(i, text, role, own))
    return out


def tag_sentences(title: str, abstract: str, sentences: list[str]) -> list[TaggedSentence]:
    """Role of each of ``sentences`` (the abstract's, in order)."""
    try:
        roles = importlib.import_module("assistant.roles")
    except ModuleNotFoundError:
        return _fallback(title, sentences)
    tagged = roles.tag_abstract(title, abstract)
    by_text = {t.text.strip(): t for t in tagged}
    if len(tagged) == len(sentences) and all(t.text.strip() == s.strip() for t, s in zip(tagged, sentences)):
        return [TaggedSentence(i, s, str(t.role), bool(t.own)) for i, (t, s) in enumerate(zip(tagged, sentences))]
    fallback = _fallback(title, sentences)
    return [TaggedSentence(i, s, str(by_text[s.strip()].role), bool(by_text[s.strip()].own))
            if s.strip() in by_text else fallback[i] for i, s in enumerate(sentences)]
