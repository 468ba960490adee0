"""The chat's key bindings, each with an id, and the keymap that rebinds them.

A user changes keys in the settings file::

    [tui.keymap]
    stop = "ctrl+x"
    toggle_panel = "f2,ctrl+t"

Every id must be one of :data:`BINDING_IDS`; an unknown id or a value that is not a string of keys is
a :class:`~assistant.errors.ConfigError` naming the file and the id. The help text (``/help``) is
written from the bindings with the keys in effect, so it never disagrees with them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.binding import Binding

from ..errors import ConfigError
from ..settings import Settings

# The app's own bindings (they work on every screen) and the chat screen's.
APP_BINDINGS = [
    Binding("ctrl+q", "quit", "Quit", priority=True, id="quit"),
]
CHAT_BINDINGS = [
    Binding("escape", "stop", "Stop answer", id="stop"),
    Binding("ctrl+g", "cite", "Citations", id="cite"),
    Binding("ctrl+s", "focus_sources", "Sources", id="focus_sources"),
    Binding("ctrl+t", "toggle_panel", "Panel", id="toggle_panel"),
    Binding("ctrl+y", "copy_answer", "Copy", id="copy_answer"),
    Binding("ctrl+o", "conversations", "Conversations", id="conversations"),
    Binding("ctrl+n", "new_conversation", "New", id="new_conversation"),
]
# Keys that are not bindings of the app but that the help names (the prompt's own, the palette).
EXTRA_HELP = [("enter", "ask"), ("↑/↓", "earlier entries"), ("→", "accept completion"),
              ("ctrl+p", "command palette")]
# What each binding does, for the help text.
HELP = {"stop": "stop an answer", "cite": "open citations", "focus_sources": "focus the sources panel",
        "toggle_panel": "show/hide the sources panel", "copy_answer": "copy the answer (Markdown)",
        "conversations": "conversations", "new_conversation": "new conversation", "quit": "quit"}
BINDING_IDS = tuple(b.id for b in [*CHAT_BINDINGS, *APP_BINDINGS] if b.id)


def read_keymap(settings: Settings) -> dict[str, str]:
    """The settings file's ``[tui.keymap]`` table (read and typed by the settings), checked against the ids."""
    return check_keymap(settings.tui.keymap, settings.config_file or "the settings")


def check_keymap(keymap: Mapping[str, object], where: object = "the keymap") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in keymap.items():
        if key not in BINDING_IDS:
            raise ConfigError(f"{where}: [tui] keymap: unknown binding id {key!r} "
                              f"(known: {', '.join(BINDING_IDS)})")
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f"{where}: [tui] keymap: {key} must be keys like \"ctrl+x\" or \"f2,ctrl+t\", "
                              f"not {value!r}")
        out[key] = ",".join(k.strip() for k in value.split(",") if k.strip())
    return out


def keys_for(binding: Binding, keymap: Mapping[str, str]) -> str:
    """The keys a binding answers to once the keymap is applied, as the help shows them."""
    keys = keymap.get(binding.id or "", binding.key)
    return " / ".join(k.strip() for k in keys.split(","))


def keys_help(keymap: Mapping[str, str], bindings: Iterable[Binding] | None = None) -> str:
    """One line of Markdown naming every key and what it does, from the bindings in effect."""
    parts = [f"**{k}** {what}" for k, what in EXTRA_HELP]
    for binding in bindings if bindings is not None else [*CHAT_BINDINGS, *APP_BINDINGS]:
        if binding.id in HELP:
            parts.append(f"**{keys_for(binding, keymap)}** {HELP[binding.id]}")
    return "Keys: " + " · ".join(parts)
