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
