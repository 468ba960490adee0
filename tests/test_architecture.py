"""Structural rules: the core never imports the UI; --help stays light."""

from __future__ import annotations

import subprocess
import sys

CORE = ["assistant.store", "assistant.store.ingest", "assistant.retrieval", "assistant.readers",
        "assistant.evaluation", "assistant.store.prepare", "assistant.engines.answer"]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print('\\n'.join(sys.modules))"],
                         capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_core_does_not_import_textual() -> None:
    mods = _modules_after("\n".join(f"import {m}" for m in CORE))
    assert not any(m == "textual" or m.startswith("textual.") for m in mods)


def test_cli_help_imports_no_heavy_dependency() -> None:
    mods = _modules_after("import assistant.cli as c\ntry:\n    c.main(['--help'])\nexcept SystemExit:\n    pass")
    heavy = {"chromadb", "onnxruntime", "numpy", "bm25s", "langchain_core", "openai", "textual", "tiktoken"}
    assert not heavy & {m.split(".")[0] for m in mods}
