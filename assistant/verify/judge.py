"""An optional second opinion from the model, kept only when it quotes the abstract.

With ``[llm] judge = true`` and a model configured, each cited sentence the verifier checks is also put
to the model (``prompts/judge_*.md``): it returns a label and the abstract sentence that decides it.
A model can be persuaded by a claim's wording, so its judgement counts only when that sentence anchors
in the abstract (exactly, letters-only, or with at least 0.8 of its words: the verifier's own quote
anchoring); the verdict then takes the model's label and sentence, and keeps the verifier's score. A
judgement whose quote does not anchor, or a call that fails, leaves the verifier's verdict as it was,
marked in its signals (``judge_discarded``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import BaseModel, Field

from ..prompts import render

if TYPE_CHECKING:
    from ..models import Paper


class JudgeOut(BaseModel):
    """The model's judgement of one claim against one abstract."""

    label: Literal["supported", "partial", "unsupported", "contradicted"]
    quote: str = Field(description="the abstract sentence that decides it, copied word for word")


class StructuredClient(Protocol):
    def structured(self, system: str, user: str, schema: type[JudgeOut]) -> JudgeOut: ...


_DATA_TAG = re.compile(r"<\s*(/?)\s*(abstract)\s*>", re.I)


def _as_data(text: str) -> str:
    return _DATA_TAG.sub(lambda m: f"‹{m.group(1)}{m.group(2)}›", text)


class LLMJudge:
    """Asks ``client`` (an :class:`~assistant.engines.llm.LLMClient`) for a label and a deciding quote."""

    def __init__(self, client: StructuredClient) -> None:
        self.client = client
        self.failures: list[str] = []

    def judge(self, claim: str, paper: Paper) -> JudgeOut | None:
        """The model's judgement, or None when it gave no valid one (the reason is kept in ``failures``)."""
        from ..errors import LLMError

        try:
            return self.client.structured(render("judge_system"),
                                          render("judge_user", title=_as_data(paper.title),
                                                 abstract=_as_data(paper.abstract), claim=claim), JudgeOut)
        except LLMError as exc:
            self.failures.append(str(exc))
            return None
