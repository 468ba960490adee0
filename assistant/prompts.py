"""Prompt templates, read from the ``prompts/`` files shipped with the package.

Templates use ``{name}`` placeholders filled with :meth:`str.format_map`; the
values (abstracts, questions) are inserted verbatim, so braces inside them are
safe: only the template's own placeholders are substituted.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .errors import ConfigError

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"


@cache
def template(name: str) -> str:
    path = PROMPTS_DIR / f"{name}.md"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"prompt file {path} is missing; reinstall litreview") from exc


def render(name: str, **values: str) -> str:
    return template(name).format_map(values)
