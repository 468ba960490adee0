"""Every prompt file's placeholders are exactly what the code that renders it fills in."""

from __future__ import annotations

import ast
import string
from collections import defaultdict
from pathlib import Path

import pytest

from assistant.prompts import PROMPTS_DIR, render

SOURCE = Path(__file__).resolve().parent.parent / "assistant"


def _calls() -> tuple[dict[str, list[tuple[str, set[str]]]], set[str]]:
    """``render("name", key=...)`` calls in the package: name -> [(where, keys)]; and names used via ``template``."""
    rendered: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
    templated: set[str] = set()
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                continue
            name = node.args[0].value
            if node.func.id == "render":
                assert all(k.arg for k in node.keywords), f"{path}:{node.lineno}: render(**...) hides its keys"
                rendered[name].append((f"{path.relative_to(SOURCE.parent)}:{node.lineno}",
                                       {k.arg for k in node.keywords if k.arg}))
            elif node.func.id == "template":
                templated.add(name)
    return rendered, templated


def _placeholders(name: str) -> set[str]:
    text = (PROMPTS_DIR / f"{name}.md").read_text(encoding="utf-8")
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


RENDERED, TEMPLATED = _calls()


@pytest.mark.parametrize("name", sorted(p.stem for p in PROMPTS_DIR.glob("*.md")))
def test_every_prompt_file_is_used_and_filled_exactly(name: str) -> None:
    assert name in RENDERED or name in TEMPLATED, f"prompts/{name}.md is never used"
    wanted = _placeholders(name)
    for where, keys in RENDERED.get(name, []):
        assert keys == wanted, f"{where} fills {sorted(keys)}, the prompt has {sorted(wanted)}"
    if name in TEMPLATED and name not in RENDERED:
        assert _placeholders(name) == set(), f"prompts/{name}.md is used verbatim but has placeholders"


def test_every_rendered_prompt_exists() -> None:
    assert set(RENDERED) | TEMPLATED <= {p.stem for p in PROMPTS_DIR.glob("*.md")}
    assert len(RENDERED) >= 8  # the scan really sees the answer, compare and draft calls


def test_values_are_inserted_verbatim() -> None:
    text = render("answer_user", sources="{not a placeholder} [1] A", question="why {x}?", caution="")
    assert "{not a placeholder}" in text and "why {x}?" in text
