"""The optional LLM judge: its label counts only when the sentence it quotes is in the abstract."""

from __future__ import annotations

from pathlib import Path

from support import settings_for

from assistant.engines.llm import LLMClient
from assistant.engines.output import verifier_for
from assistant.store import Store
from assistant.verify import Verifier
from assistant.verify.judge import LLMJudge
from testkit.llm_server import FakeOpenAIServer, Reply

POWERINFER = "PowerInfer-2: Fast Large Language Model Inference on a Smartphone"
CLAIM = "PowerInfer-2 serves TurboSparse-Mixtral-47B at 11.68 tokens per second on a smartphone [1]."


def _paper(store: Store):  # type: ignore[no-untyped-def]
    return store.resolve(POWERINFER)


def _deciding_sentence(paper) -> str:  # type: ignore[no-untyped-def]
    return next(s for s in Verifier().view(paper).sentences if "11.68" in s)


def _judge(server: FakeOpenAIServer, home: Path) -> LLMJudge:
    settings = settings_for(home).replace(openai_base_url=server.base_url, openai_api_key="sk-judge",
                                          llm_timeout=5, llm_max_retries=0)
    return LLMJudge(LLMClient(settings))


def test_an_anchored_judgement_decides_the_label_and_the_sentence(seeded_store: Store, tmp_path: Path) -> None:
    paper = _paper(seeded_store)
    alone = Verifier().verify(CLAIM, paper)
    assert alone.label == "supported"
    quote = _deciding_sentence(paper)
    with FakeOpenAIServer(default=Reply.tool_call({"label": "partial", "quote": quote})) as server:
        judged = Verifier(judge=_judge(server, tmp_path)).verify(CLAIM, paper)
        (request,) = server.chat_requests()
    assert judged.label == "partial" and judged.evidence == quote and judged.score == alone.score
    assert judged.signals["judge_agrees"] == 0.0
    user = request.body["messages"][-1]["content"]
    assert user.index("<abstract>") < user.index(POWERINFER) < user.index("</abstract>") < user.index("Claim: ")
    assert "[1]" not in user.split("Claim: ", 1)[1]  # the claim without its marker


def test_a_judgement_quoting_what_the_abstract_never_says_is_discarded(seeded_store: Store, tmp_path: Path) -> None:
    paper = _paper(seeded_store)
    invented = "PowerInfer-2 never exceeds 2 tokens per second on any phone."
    with FakeOpenAIServer(default=Reply.tool_call({"label": "contradicted", "quote": invented})) as server:
        judged = Verifier(judge=_judge(server, tmp_path)).verify(CLAIM, paper)
    assert judged.label == "supported" and judged.evidence != invented
    assert judged.signals["judge_discarded"] == 1.0


def test_a_failing_judge_leaves_the_verdict(seeded_store: Store, tmp_path: Path) -> None:
    with FakeOpenAIServer(default=Reply.malformed()) as server:
        judge = _judge(server, tmp_path)
        judged = Verifier(judge=judge).verify(CLAIM, _paper(seeded_store))
    assert judged.label == "supported" and judged.signals["judge_discarded"] == 1.0 and judge.failures


def test_the_setting_turns_the_judge_on_for_answers(home: Path) -> None:
    from assistant.engines.answer import ask

    with FakeOpenAIServer(default=Reply.tool_call({"label": "unsupported", "quote": "not in any abstract"})) as server:
        base = settings_for(home).replace(openai_base_url=server.base_url, openai_api_key="sk-judge",
                                          llm_timeout=5, llm_max_retries=0)
        off = Store.open(base)
        assert verifier_for(off).judge is None
        off.close()
        store = Store.open(base.replace(llm={**base.llm.model_dump(), "judge": True}))
        answer = ask(store, "how many tokens per second does PowerInfer-2 generate on a smartphone?",
                     engine="offline")
        judged_calls = [r for r in server.chat_requests() if "Claim: " in r.body["messages"][-1]["content"]]
        store.close()
    assert judged_calls and verifier_for(store).judge is not None
    assert all(c.support == "supported" for c in answer.citations)  # the unanchored judgement changed nothing
