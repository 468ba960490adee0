"""The store seam: the rest of litreview asks ``Store`` for what it needs and never reaches into its parts.

The first tests read the package's source (``ast``) for reach-ins; the others check the operations that
replace them on a real store built from a small listing written here.
"""

from __future__ import annotations

import ast
import csv
from pathlib import Path

import numpy as np
import pytest
from support import settings_for

from assistant.models import Filters
from assistant.retrieval import search
from assistant.store import Store
from assistant.store.lexical import tokenize

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
# The store's own package holds the parts; `doctor` reports on each part by name.
ALLOWED = (PACKAGE / "store", PACKAGE / "cli" / "doctor.py")
PARTS = ("lexical", "vectors")


def _is_store(node: ast.expr) -> bool:
    """``store`` or ``self.store``."""
    if isinstance(node, ast.Name):
        return node.id == "store"
    return (isinstance(node, ast.Attribute) and node.attr == "store"
            and isinstance(node.value, ast.Name) and node.value.id == "self")


def reach_ins(source: str) -> list[tuple[int, str]]:
    """Each place the source uses ``store.lexical``, ``store.vectors`` or calls ``store.embedder.embed``
    (also through ``self.store``), with its line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute):
            continue
        if node.attr in PARTS and _is_store(node.value):
            found.append((node.lineno, f"store.{node.attr}"))
        elif (node.attr == "embed" and isinstance(node.value, ast.Attribute) and node.value.attr == "embedder"
              and _is_store(node.value.value)):
            found.append((node.lineno, "store.embedder.embed"))
    return sorted(found)


def test_the_scan_finds_each_kind_of_reach_in() -> None:
    source = "\n".join([
        "def f(store, other):",
        "    a = store.lexical.idf(terms)",  # 2
        "    b = store.vectors",  # 3
        "    c = store.embedder.embed(['x'])",  # 4
        "    d = Verifier(store.embedder)",  # handing the embedder on is no reach-in
        "    e = store.idf(terms) + store.lexical_scores(q)",
        "    g = other.lexical.idf(terms)",
        "class C:",
        "    def m(self):",
        "        return self.store.vectors.vectors_for(ids)",  # 10
    ])
    assert reach_ins(source) == [(2, "store.lexical"), (3, "store.vectors"), (4, "store.embedder.embed"),
                                 (10, "store.vectors")]


def test_nothing_outside_the_store_reaches_into_its_parts() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if any(path == allowed or allowed in path.parents for allowed in ALLOWED):
            continue
        for line, what in reach_ins(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {what}")
    assert not offenders, "use Store's own operations (idf, doc_freq, embed, paper_vectors, ...):\n" + \
        "\n".join(offenders)


# -- the operations, on a real store -------------------------------------------------------------------

PAPERS = [
    {"title": "Gaussian Splatting on Mobile Phones",
     "abstract": "We render Gaussian splatting scenes on mobile phones. Our method prunes splats and halves the "
                 "memory footprint while keeping image quality.", "year": "2023"},
    {"title": "Compact Gaussian Splatting through Vector Quantization",
     "abstract": "Gaussian splatting models take hundreds of megabytes. We apply vector quantization to the splat "
                 "attributes and store scenes in a tenth of the space.", "year": "2024"},
    {"title": "Quantization of Language Models for Phones",
     "abstract": "We study quantization of large language models to four bits so that a chatbot runs on a phone "
                 "with little loss in accuracy.", "year": "2024"},
    {"title": "Retrieval of Scientific Abstracts for Literature Reviews",
     "abstract": "We combine lexical and dense retrieval of scientific abstracts to help researchers write "
                 "literature reviews, and improve recall on paraphrased questions.", "year": "2021"},
]


@pytest.fixture(scope="module")
def small_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    home = tmp_path_factory.mktemp("seam")
    listing = home / "papers.csv"
    with listing.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=["title", "abstract", "year"])
        writer.writeheader()
        writer.writerows(PAPERS)
    store = Store.open(settings_for(home / "data"))
    store.ingest([listing])
    yield store
    store.close()


def _id(store: Store, title: str) -> str:
    return next(p.paper_id for p in store.catalogue.find_titles(title) if p.title == title)


def _stem(word: str) -> str:
    return tokenize([word])[0][0]


def test_doc_freq_and_idf_count_the_stored_papers(small_store: Store) -> None:
    gaussian, quant, retriev, unseen = (_stem(w) for w in ("gaussian", "quantization", "retrieval", "zyzzyva"))
    assert small_store.doc_freq([gaussian, quant, retriev, unseen]) == {gaussian: 2, quant: 2, retriev: 1,
                                                                         unseen: 0}
    idf = small_store.idf([gaussian, retriev, unseen])
    assert idf[unseen] > idf[retriev] > idf[gaussian] > 0  # rarer weighs more; unknown counts as rare
    assert idf == small_store.lexical.idf([gaussian, retriev, unseen])


def test_lexical_scores_pair_every_paper_with_its_score(small_store: Store) -> None:
    ids, scores = small_store.lexical_scores("vector quantization")
    assert sorted(ids) == sorted(p.paper_id for p in small_store.catalogue.iter_papers())
    assert len(scores) == len(ids)
    scored = {pid for pid, s in zip(ids, scores) if s > 0}
    assert scored == {_id(small_store, PAPERS[1]["title"]), _id(small_store, PAPERS[2]["title"])}
    assert ids[int(np.argmax(scores))] == _id(small_store, PAPERS[1]["title"])  # both words, in the title


def test_embed_gives_unit_rows_like_the_query_vector(small_store: Store) -> None:
    rows = small_store.embed(["splatting on phones", "literature reviews"])
    assert rows.shape[0] == 2
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-3)
    assert np.allclose(rows[1], small_store.query_vector("literature reviews"), atol=1e-5)


def test_nearest_passages_rank_by_similarity_within_the_years(small_store: Store) -> None:
    vector = small_store.query_vector("dense retrieval of abstracts for literature reviews")
    hits = small_store.nearest_passages(vector, 50)
    assert hits and len(hits) < 50  # the store holds fewer passages than asked for
    assert hits[0].paper_id == _id(small_store, PAPERS[3]["title"])
    assert [h.similarity for h in hits] == sorted((h.similarity for h in hits), reverse=True)
    recent = small_store.nearest_passages(vector, 50, filters=Filters(year_min=2024))
    assert {h.paper_id for h in recent} == {_id(small_store, PAPERS[1]["title"]),
                                            _id(small_store, PAPERS[2]["title"])}


def test_paper_vectors_are_unit_means_of_each_papers_passages(small_store: Store) -> None:
    a, b, d = (_id(small_store, PAPERS[i]["title"]) for i in (0, 1, 3))
    vectors = small_store.paper_vectors([a, b, d, "no-such-paper"])
    assert set(vectors) == {a, b, d}
    assert all(abs(float(np.linalg.norm(v)) - 1.0) < 1e-3 for v in vectors.values())
    assert float(vectors[a] @ vectors[b]) > float(vectors[a] @ vectors[d])  # two splatting papers are closer


def test_open_vectors_opens_chroma_before_the_first_query(small_store: Store) -> None:
    store = Store.open(small_store.settings)
    try:
        assert "vectors" not in store.__dict__
        store.open_vectors()
        assert "vectors" in store.__dict__
        assert store.nearest_passages(store.query_vector("quantization"), 1)
    finally:
        store.close()


def test_search_uses_only_the_seam(small_store: Store) -> None:
    """Retrieval runs on an object that offers only the operations of ``StoreLike`` (as a front end's view
    of a store does), and its catalogue decides which papers exist."""
    hidden = _id(small_store, PAPERS[1]["title"])

    class Catalogue:
        def get_many(self, paper_ids):
            return small_store.catalogue.get_many(pid for pid in paper_ids if pid != hidden)

        def share_known(self, paper_ids):
            return small_store.catalogue.share_known(paper_ids)

    class View:
        settings = small_store.settings
        catalogue = Catalogue()
        shared_writer = small_store.shared_writer
        query_vector = staticmethod(small_store.query_vector)
        lexical_scores = staticmethod(small_store.lexical_scores)
        open_vectors = staticmethod(small_store.open_vectors)
        nearest_passages = staticmethod(small_store.nearest_passages)
        paper_vectors = staticmethod(small_store.paper_vectors)

        def __len__(self) -> int:
            return len(small_store)

    query = "gaussian splatting quantization"
    direct = [h.paper.paper_id for h in search(small_store, query, k=4)]
    viewed = [h.paper.paper_id for h in search(View(), query, k=4)]
    assert hidden in direct
    assert viewed == [pid for pid in direct if pid != hidden]
    diverse = search(View(), query, k=2, diverse=True)  # more candidates than k: MMR over the paper vectors
    assert len(diverse) == 2 and hidden not in {h.paper.paper_id for h in diverse}
