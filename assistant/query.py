"""Question framing that carries no topic ("which paper ...", "is there any work on ...").

Stripping it before embedding keeps short questions from being diluted: with
all-MiniLM-L6-v2, "which paper serves a 47B model on a phone?" scores 0.30
against its gold abstract, "serves a 47B model on a phone" 0.38.
"""

from __future__ import annotations

import re

_FRAMING = re.compile(
    r"^\s*(?:(?:hi|hey|please|so|ok|okay)[,!]?\s+)*"
    r"(?:(?:can|could) you\s+)?(?:(?:please\s+)?(?:find|show|give|list|tell)(?: me)?\s+)?"
    r"(?:i (?:remember|recall|read|saw|think there was)\s+)?"
    r"(?:(?:which|what|is there|are there|do you know|any|a|an|the|some)\s+)*"
    r"(?:(?:paper|papers|work|works|study|studies|method|methods|approach|approaches|article|research|"
    r"publication)s?\s+)"
    r"(?:(?:that|which|where|who|about|on|for|proposing|proposes|describing|describes|introduces|"
    r"introducing)\s+)*",
    re.I,
)


def core_query(question: str) -> str:
    """The topical part of ``question``; the question itself if nothing is left."""
    core = _FRAMING.sub("", question, count=1).strip(" ?.!")
    return core if len(core.split()) >= 2 else question.strip()


# -- follow-up questions -----------------------------------------------------------------------------
# Words that point back at something said earlier in a conversation. "that" counts only as a
# demonstrative ("that method", "is that", "than that"), never as a relative pronoun ("a method that ...").
_ANAPHOR = re.compile(
    r"\b(?:it|its|itself|they|them|their|theirs|themselves|this|these|those|such|former|latter|"
    r"aforementioned|above-mentioned)\b"
    r"|\bthe (?:same|above|previous|first|second|last|latter|former)(?![\w-])"
    r"|\bthat(?=\s+(?:one|ones|paper|method|model|system|approach|work|technique|framework|result|idea|trick|"
    r"design|version|variant|algorithm|architecture|pipeline|detector|optimizer|study)\b)"
    r"|\b(?:about|of|on|with|like|than|from|is|was|does|did|do|for|to|use|uses|beat|beats)\s+that\b"
    r"|\bthat\s*[?.!]*\s*$"
    r"|\bthe (?:[\w-]+ ){0,2}(?:paper|papers|authors|method|methods|approach|system|work|technique|framework|"
    r"model|models|version|variant|variants)\b|\bthe proposed\b",
    re.I,
)
# Openings that continue the conversation ("what about ...", "and on GPUs?", "tell me more").
_CONTINUATION = re.compile(
    r"^\s*(?:(?:and|also|so|but|then|plus)\b|(?:what|how) about\b|what else\b|(?:tell me |say )?more\b|"
    r"why\??\s*$|how so\b|compared (?:to|with)\b|in comparison\b|(?:any|are there) (?:other|more|similar)\b|"
    r"(?:is|are|was|were|does|do|did|can|could|would|has|have) (?:it|they|this|these|that|those)\b)",
    re.I,
)
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+\-]*[A-Za-z0-9]|[A-Za-z0-9]")
# Function words, question words and research boilerplate: what is left of a question without them
# are its content terms.
_STOP = frozenset("""
a about above after again against all also am an and any are aren't as at be because been before being
below between both but by can could did do does doing done down during each else even ever few for from
further get gets getting got had has have having he her here hers him his how however i if in into is
isn't it its itself just let like many may me might more most much must my no nor not now of off on once
one only or other others our out over own per please quite rather really same say says shall she should
so some such tell than that the their theirs them then there these they thing things this those through
thus to too under until up upon us very via was we were what when where whether which while who whom whose
why will with within without would yes yet you your
paper papers work works study studies method methods approach approaches technique techniques article
articles research authors propose proposes proposed proposing introduce introduces show shows shown
describe describes explain explains use uses used using find found know mean means well compare compared
version versions kind sort lot bit way ways result results
""".split())


def content_terms(question: str) -> list[str]:
    """The question's own words minus function words and research boilerplate, lower-cased."""
    text = re.sub(r"['’]s\b", "", question)
    return [w for w in (m.group(0).lower() for m in _WORD.finditer(text)) if w not in _STOP]


def has_anaphor(question: str) -> bool:
    """Whether the question says "it", "their", "these", "that method", "the authors", ..."""
    return bool(_ANAPHOR.search(question))


def refers_back(question: str) -> bool:
    """Whether the wording points at an earlier turn: an anaphor ("it", "these", "that method",
    "the authors") or a continuation ("what about ...", "and ...?", "tell me more")."""
    return bool(_ANAPHOR.search(question) or _CONTINUATION.search(question))
