"""The layer contract, read from the source (imports inside functions included, since most imports are lazy).

* the core never imports the presentation layers (``cli``, ``tui``);
* ``cli`` and ``tui`` do not import each other, except ``cli`` starting the app through ``tui.run``;
* the lower layers (``store``, ``readers``, ``retrieval``, ``models``) never import ``engines`` or ``review``;
* there is no import cycle between the top-level parts of the package.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "assistant"
UI = {"cli", "tui", "__main__"}  # __main__ is `python -m assistant`, the CLI's entry
LOWER = {"store", "readers", "retrieval", "models", "textnorm", "errors", "settings"}
UPPER = {"engines", "review"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """``(line, imported module, names)`` for every import in the file, at any depth."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [alias.name for alias in node.names]
            out.append((node.lineno, target, names))
            out += [(node.lineno, f"{target}.{n}", []) for n in names]  # `from . import evaluation`
    return out


def _part(module: str) -> str | None:
    """The top-level part of the package a module belongs to (``assistant.store.ingest`` -> ``store``)."""
    bits = module.split(".")
    return bits[1] if bits[0] == "assistant" and len(bits) > 1 else None


def _known(module: str) -> bool:
    bits = module.split(".")[1:]
    path = PACKAGE.joinpath(*bits)
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _edges() -> list[tuple[str, int, str, str, list[str]]]:
    """``(file, line, from part, to part, names)`` for every import between two parts of the package."""
    edges = []
    for path in sorted(PACKAGE.rglob("*.py")):
        source = _part(_module_name(path))
        for line, target, names in _imports(path):
            part = _part(target)
            if source and part and part != source and _known(target):
                edges.append((str(path.relative_to(PACKAGE.parent)), line, source, part, names))
    return edges


def test_the_core_never_imports_the_ui() -> None:
    bad = [f"{f}:{line} imports {to}" for f, line, src, to, _ in _edges() if to in UI and src not in UI]
    assert not bad, bad


def test_cli_and_tui_meet_only_at_tui_run() -> None:
    bad = [f"{f}:{line} imports {to}" for f, line, src, to, names in _edges()
           if src in UI and to in UI and src != "__main__"
           and not (src == "cli" and to == "tui" and names in (["run"], []))]
    assert not bad, bad


def test_lower_layers_never_import_engines_or_review() -> None:
    bad = [f"{f}:{line} imports {to}" for f, line, src, to, _ in _edges() if src in LOWER and to in UPPER]
    assert not bad, bad


def test_no_import_cycle_between_parts() -> None:
    graph: dict[str, set[str]] = {}
    for _, _, src, to, _ in _edges():
        graph.setdefault(src, set()).add(to)

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            for nxt in graph.get(node, ()):
                if nxt == goal:
                    return True
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return False

    cycles = sorted({tuple(sorted((a, b))) for a, targets in graph.items() for b in targets if reaches(b, a)})
    assert not cycles, cycles


def test_the_contract_sees_imports_inside_functions(tmp_path: Path) -> None:
    """The scanner finds a lazy relative import in a function body (how most imports here are written)."""
    module = PACKAGE / "store" / "prepare.py"
    found = {target for _, target, _ in _imports(module)}
    assert "assistant.store.bundled_corpus" in found or "assistant.store" in found
