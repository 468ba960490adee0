"""Paper ids and de-duplication keys: titles of only punctuation or emoji get their own, nothing else changes."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from support import examples

from assistant.models import Paper
from assistant.readers import read_records
from assistant.store import bundled_corpus
from assistant.textnorm import clean_text, paper_id_for, title_key

ABSTRACT = "We study a thing carefully. It works well on many benchmarks."


def old_title_key(title: str) -> str:
    """title_key as it was before symbol-only titles got keys of their own (the reference)."""
    text = unicodedata.normalize("NFKD", clean_text(title, "tex").casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(re.findall(r"\w+", text))


def old_paper_id_for(title: str) -> str:
    return hashlib.sha1(old_title_key(title).encode("utf-8")).hexdigest()[:12]


@settings(max_examples=examples(500), deadline=None)
@given(st.text(min_size=1, max_size=80))
@example("BERT: Pre-training of Deep Bidirectional Transformers")
@example("Café naïve? 🚀!")
@example("{BERT}-\\emph{Style} <i>Pre-training</i> of $\\alpha$-Nets")
@example("___")
@example("²")  # a digit only after NFKD
@example("?? 1 ??")
def test_titles_with_letters_or_digits_keep_their_key_and_id(title: str) -> None:
    if not old_title_key(title):
        return  # no letter or digit: the titles this change is about
    assert title_key(title) == old_title_key(title)
    assert paper_id_for(title) == old_paper_id_for(title)


# titles that give no word to the old key (beware: a mark such as U+0345 casefolds to a letter)
SYMBOLS = st.text(st.characters(blacklist_categories=("L", "N", "Cs"), blacklist_characters="_"), min_size=1,
                  max_size=12).filter(lambda t: not old_title_key(t))


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(SYMBOLS, min_size=2, max_size=6, unique_by=lambda t: title_key(t)))
def test_symbol_only_titles_that_differ_get_different_ids(titles: list[str]) -> None:
    """(Titles that differ only in what a key ignores anyway are the same title: see below.)"""
    assert len({paper_id_for(t) for t in titles}) == len(titles)


@settings(max_examples=examples(300), deadline=None)
@given(SYMBOLS, st.text(min_size=1, max_size=40))
def test_a_symbol_only_key_never_equals_the_key_of_a_title_with_words(symbols: str, other: str) -> None:
    if title_key(symbols) and old_title_key(other):
        assert title_key(symbols) != title_key(other)
        assert paper_id_for(symbols) != paper_id_for(other)


def test_examples() -> None:
    titles = ["???", "!!!", "?!", "🚀🚀", "🚀", "🚀 🚀", "…", "—", "(*)", "+/-", "«»", "∞"]
    assert len({paper_id_for(t) for t in titles}) == len({title_key(t) for t in titles}) == len(titles)
    assert all(title_key(t) for t in titles)
    # the same title written a little differently is still the same title
    assert title_key("  ???  ") == title_key("???") == "???"
    assert title_key("🚀\u00a0\u00a0🚀") == title_key("🚀 🚀")
    assert title_key("❤️") == title_key("❤")  # emoji presentation selector
    assert title_key("<b>???</b>") == title_key("???")
    # titles with words: exactly as before, symbols still ignored
    assert title_key("Rockets 🚀 to Mars?!") == title_key("rockets to mars") == "rockets to mars"
    assert title_key("") == title_key("   ") == ""


def test_symbol_only_titles_are_separate_papers(tmp_path: Path) -> None:
    path = tmp_path / "emoji.csv"
    path.write_text(f'title,abstract\n???,"{ABSTRACT}"\n!!!,"{ABSTRACT}"\n🚀🚀,"{ABSTRACT}"\n"? ? ?","{ABSTRACT}"\n'
                    f'???,"{ABSTRACT} Again."\n', encoding="utf-8")
    records = list(read_records(path))
    assert all(isinstance(r, Paper) for r in records)
    ids = [r.paper_id for r in records]
    assert len(set(ids[:4])) == 4 and ids[4] == ids[0]  # the second "???" is a duplicate of the first


@pytest.mark.parametrize("path", bundled_corpus(), ids=lambda p: p.name)
def test_bundled_corpus_ids_unchanged(path: Path) -> None:
    """The bundled vectors are stored under these ids."""
    papers = [r for r in read_records(path) if isinstance(r, Paper)]
    assert papers
    for paper in papers:
        assert paper.paper_id == old_paper_id_for(paper.title)
        assert title_key(paper.title) == old_title_key(paper.title)
