"""Follow-up questions: `ask(..., history=...)` over the real seeded store, and over the LLM test server.

The follow-up set is evals/followups.jsonl (not under evals/sets: `litreview eval` asks without history
and must stay unchanged). Each row: earlier questions ("history"), a question that only makes sense with
them, and the exact title of the paper it is about ("gold"); rows with "kind": "switch" change the subject
and must be read on their own (their gold ranks as without history, or they are refused).
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from support import ROOT, settings_for

from assistant.engines.answer import NO_EVIDENCE, ask
from assistant.engines.conversation import (
    anchor_questions,
    contextual_search,
    history_messages,
    needs_context,
    without_markers,
)
from assistant.engines.evidence import build_evidence
from assistant.evaluation import load_sets
from assistant.models import Answer, Citation, Hit, Paper, Turn
from assistant.retrieval import search
from assistant.store import Store
from assistant.tokens import count_tokens
from testkit.llm_server import FakeOpenAIServer, Reply

FOLLOWUPS = ROOT / "evals" / "followups.jsonl"
K = 6  # ask()'s default k, and the TUI's
POWERINFER = "PowerInfer-2: Fast Large Language Model Inference on a Smartphone"


def _rows(kind: str) -> list[dict]:
    rows = [json.loads(line) for line in FOLLOWUPS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r.get("kind", "followup") == kind]


def _history(store: Store, questions: list[str]) -> list[Turn]:
    """The earlier turns as the chat would have them: each asked (offline) with the turns before it."""
    turns: list[Turn] = []
    for q in questions:
        turns.append(Turn.of(ask(store, q, engine="offline", history=turns)))
    return turns


def _rank(hits: list[Hit], title: str) -> int | None:
    titles = [h.paper.title for h in hits]
    return titles.index(title) + 1 if title in titles else None


# -- the data file ---------------------------------------------------------------------------------------
def test_followup_set_titles_are_exact_corpus_titles(seeded_store: Store) -> None:
    titles = {p.title for p in seeded_store.catalogue.get_many(seeded_store.lexical.paper_ids).values()}
    rows = _rows("followup") + _rows("switch")
    assert len(_rows("followup")) >= 12
    for row in rows:
        assert row["history"] and row["question"]
        assert row.get("refuse") or row["gold"] in titles, row["gold"]


# -- retrieval ---------------------------------------------------------------------------------------------
def test_followups_find_their_paper_with_history(seeded_store: Store) -> None:
    rows = _rows("followup")
    without, with_questions, with_turns = [], [], []
    for row in rows:
        turns = _history(seeded_store, row["history"])
        without.append(_rank(contextual_search(seeded_store, row["question"], (), K)[0], row["gold"]))
        bare = [Turn(t.question) for t in turns]  # questions only: what the query rewriting alone achieves
        with_questions.append(_rank(contextual_search(seeded_store, row["question"], bare, K)[0], row["gold"]))
        hits, reading = contextual_search(seeded_store, row["question"], turns, K)
        with_turns.append(_rank(hits, row["gold"]))
        assert reading.followup, row["id"]

    def recall(ranks: list[int | None], at: int) -> float:
        return sum(1 for r in ranks if r is not None and r <= at) / len(ranks)

    for name, ranks in (("no history", without), ("history questions", with_questions),
                        ("history turns", with_turns)):
        print(f"follow-ups n={len(rows)} {name:18s} recall@1={recall(ranks, 1):.3f} recall@{K}={recall(ranks, K):.3f}")
    assert recall(with_turns, K) >= 15 / 16 and recall(with_turns, 1) >= 0.8
    assert recall(with_turns, K) > recall(without, K) + 0.3  # the history is what finds them


def test_subject_changes_are_read_on_their_own(seeded_store: Store) -> None:
    for row in _rows("switch"):
        turns = _history(seeded_store, row["history"])
        hits, reading = contextual_search(seeded_store, row["question"], turns, K)
        assert not reading.followup, row["id"]
        if row.get("refuse"):
            assert ask(seeded_store, row["question"], engine="offline", history=turns).text == NO_EVIDENCE
        else:
            assert _rank(hits, row["gold"]) == _rank(search(seeded_store, row["question"], k=K), row["gold"]) == 1


def test_eval_questions_after_an_unrelated_turn_are_not_followups(seeded_store: Store) -> None:
    """Every question of `litreview eval` (single-paper, numeric, topic, out-of-collection), asked after a
    turn about another paper, is read on its own: same hits as without history, so no eval regression."""
    turns = [Turn("what does PowerInfer-2 do?", "It serves LLMs on phones [1].",
                  (Paper(POWERINFER, "", "x").paper_id,))]
    flagged = []
    for questions in load_sets().values():
        for q in questions:
            hits, reading = contextual_search(seeded_store, q.question, turns, K)
            if reading.followup:
                flagged.append(q.id)
            else:
                alone = search(seeded_store, q.question, k=K)
                assert [h.paper.paper_id for h in hits] == [h.paper.paper_id for h in alone]
    assert flagged == []


def test_without_history_search_is_unchanged(seeded_store: Store) -> None:
    for q in ["how fast is it on a phone?", "which paper serves a 47B model on a phone?", "tell me more"]:
        hits, reading = contextual_search(seeded_store, q, (), K)
        assert not reading.followup and hits == search(seeded_store, q, k=K)


# -- the detection rule (no store needed) --------------------------------------------------------------------
def _hit(similarity: float) -> Hit:
    return Hit(Paper("T", "A", "x"), 1.0, dense=similarity)


@pytest.mark.parametrize("question", [
    "how fast is it on a phone?", "does it lose any accuracy?", "what AP and FPS does it get?",
    "how much faster does training get with them?", "what about the lighter model's speed?",
    "and with more GPUs?", "tell me more", "what did the authors find?", "is that method better than GPTQ?",
])
def test_questions_that_refer_back(question: str) -> None:
    assert needs_context(question, [_hit(0.6)]) == "refers back"


@pytest.mark.parametrize("question,similarity,expected", [
    ("how many fps on the CPU only?", 0.44, "short"),  # elliptical, matches nothing well on its own
    ("memory usage?", 0.47, "short"),
    ("Which paper prunes visual tokens?", 0.62, None),  # short, but its words match strongly
    ("Which method uses chunked-prefills together with decode-maximal batching so that decodes piggyback "
     "on a prefill chunk and pipeline bubbles shrink?", 0.6, None),  # "that" as a relative pronoun
    ("Speeding up a chatbot when the user asks it to tweak an earlier answer, by copying over the parts it "
     "is going to repeat anyway.", 0.47, None),  # "it" inside a long, self-contained question
    ("How do monarch butterflies navigate during their annual migration to Mexico?", 0.2, None),  # refused
])
def test_standalone_and_elliptical_questions(question: str, similarity: float, expected: str | None) -> None:
    assert needs_context(question, [_hit(similarity)]) == expected


def test_a_name_makes_a_short_question_its_own() -> None:
    assert needs_context("What is StreamDiffusion?", [_hit(0.47)], names=lambda terms: True) is None


def test_chain_of_followups_reaches_back_to_the_subject() -> None:
    a, b = Paper("A", "x", "s").paper_id, Paper("B", "x", "s").paper_id
    history = [Turn("what is ZeRO-Offload?", cited=(a,)), Turn("how big a model can it train?", cited=(a,))]
    assert anchor_questions(history) == ["what is ZeRO-Offload?", "how big a model can it train?"]
    same_paper = [Turn("what is Grounding DINO 1.5?", cited=(a, b)), Turn("how accurate is Pro on COCO?", cited=(a,))]
    assert anchor_questions(same_paper) == ["what is Grounding DINO 1.5?", "how accurate is Pro on COCO?"]
    switched = [Turn("what is SpQR?", cited=(b,)), Turn("Which detector removes NMS in real time?", cited=(a,))]
    assert anchor_questions(switched) == ["Which detector removes NMS in real time?"]


def test_turn_from_answer_keeps_ids_not_numbers() -> None:
    answer = Answer("q?", "It is fast [2].", "offline", True,
                    citations=[Citation(2, "pid-b", "B"), Citation(3, "pid-c", "C")])
    assert Turn.of(answer) == Turn("q?", "It is fast [2].", ("pid-b", "pid-c"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        Turn.of(answer).question = "x"  # type: ignore[misc]


def test_history_messages_are_bounded_and_carry_no_citation_numbers() -> None:
    turns = [Turn(f"question {i}?", "A long answer sentence [1][2]. " * 40, ()) for i in range(10)]
    count = lambda t: count_tokens(t)
    messages = history_messages(turns, 600, count)
    assert messages and sum(count(text) for _, text in messages) <= 600
    assert [role for role, _ in messages][-2:] == ["user", "assistant"] and messages[-2][1] == "question 9?"
    assert all(not re.search(r"\[\d+\]", text) for _, text in messages)
    assert len(messages) < 20  # the oldest turns were dropped
    assert without_markers("Fast [1][3]. Also small [2, 4].") == "Fast. Also small."


# -- answers -----------------------------------------------------------------------------------------------
def test_offline_followup_answer_is_extractive_cited_and_about_the_paper(seeded_store: Store) -> None:
    turns = _history(seeded_store, ["what does PowerInfer-2 do?"])
    answer = ask(seeded_store, "how many tokens per second does it reach?", engine="offline", history=turns)
    alone = ask(seeded_store, "how many tokens per second does it reach?", engine="offline")
    assert not alone.evidence or alone.evidence[0].paper.title != POWERINFER  # on its own, "it" is any paper
    assert answer.grounded and "11.68" in answer.text and answer.evidence[0].paper.title == POWERINFER
    assert answer.citations[0].title == POWERINFER and answer.text.startswith("PowerInfer-2:")
    by_n = {e.n: e.paper for e in answer.evidence}
    assert {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)} == {c.n for c in answer.citations}
    for para in answer.text.split("\n\n"):
        for sentence, n in re.findall(r"(.+?) \[(\d+)\][.!?]\s*", para.split(": ", 1)[1]):
            assert sentence.strip() in by_n[int(n)].abstract  # verbatim quotes of the cited abstract
    assert any("follow-up" in note for note in answer.notes)


# -- the LLM path, over a real HTTP server ------------------------------------------------------------------
def test_llm_gets_earlier_turns_as_messages_and_old_citation_numbers_are_dropped(home: Path) -> None:
    reply = "It reaches 11.68 tokens per second [1]. The phone has 24 GB of memory [5]."
    with FakeOpenAIServer(Reply.text(reply)) as server:
        settings = settings_for(home).replace(openai_base_url=server.base_url,
                                       openai_api_key="sk-test-KEY", llm_model="gpt-4o-mini", llm_timeout=5,
                                       llm_max_retries=0)
        store = Store.open(settings)
        old_answer = ("PowerInfer-2 runs large language models on smartphones [1]. Another system needs 24 GB of "
                      "memory [5].")
        earlier = Turn("what does PowerInfer-2 do?", old_answer,
                       (Paper(POWERINFER, "", "x").paper_id, "some-other-paper-id"))
        answer = ask(store, "how fast is it on a phone?", engine="llm", k=3, history=[earlier])
        messages = server.chat_requests()[0].body["messages"]
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert messages[1]["content"] == "what does PowerInfer-2 do?"
    assert messages[2]["content"] == "PowerInfer-2 runs large language models on smartphones. Another system needs " \
                                     "24 GB of memory."  # the old answer, without its citation numbers
    current = messages[3]["content"]
    assert "[1] " + POWERINFER in current and current.rstrip().endswith("citing them as [n].")
    assert "how fast is it on a phone?" in current and old_answer not in current
    assert "earlier" in messages[0]["content"].lower()  # the system prompt says what earlier turns are for
    # [5] numbered a source of the old turn; the current evidence has at most 3 items: it is removed.
    assert len(answer.evidence) <= 3 and answer.evidence[0].paper.title == POWERINFER
    assert "[5]" not in answer.text and "11.68 tokens per second [1]" in answer.text
    assert [c.title for c in answer.citations] == [POWERINFER]
    assert any("[5]" in note and "numbers no source" in note for note in answer.notes)
    assert answer.uncited == ["The phone has 24 GB of memory."]


def test_llm_without_history_sends_two_messages(home: Path) -> None:
    with FakeOpenAIServer(Reply.text("PowerInfer-2 reaches 11.68 tokens per second [1].")) as server:
        settings = settings_for(home).replace(openai_base_url=server.base_url,
                                       openai_api_key="sk-test-KEY", llm_model="gpt-4o-mini", llm_timeout=5,
                                       llm_max_retries=0)
        ask(Store.open(settings), "how many tokens per second does PowerInfer-2 reach on a smartphone?",
            engine="llm")
        assert [m["role"] for m in server.chat_requests()[0].body["messages"]] == ["system", "user"]


def test_followup_evidence_never_includes_old_turn_papers_by_itself(seeded_store: Store) -> None:
    """A cited paper of an old turn is not evidence unless the current retrieval finds it."""
    bogus = Turn("what does PowerInfer-2 do?", "x [1].", ("no-such-paper",))
    hits, _ = contextual_search(seeded_store, "how fast is it on a phone?", [bogus], K)
    assert all(h.paper.paper_id != "no-such-paper" for h in hits)
    assert build_evidence(hits)[0].paper.title == POWERINFER
