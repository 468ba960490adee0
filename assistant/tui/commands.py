"""Slash commands: parsing and a registry that others can extend.

Each command is a name, a help line, a usage string and a handler
``handler(app, args) -> None | Awaitable[None]`` (``args`` is the text after the
name). Handlers talk to the app only through its command API, so a new command
never needs to know the widget tree:

=============================================  ==================================================
``app.store`` / ``app.settings``               the paper store and current settings
``app.filters`` / ``app.set_filters(f)``       metadata filters applied to ask and search
``app.say(markdown)``                          an informational message in the transcript
``app.notify(text, severity=...)``             a toast (errors: ``severity="error"``)
``app.run_background(fn, on_done)``            ``fn()`` in a thread worker, ``on_done(result)`` back
                                               in the UI; a LitreviewError becomes a notification
``app.show_sources(sources, context)``         fill the sources panel
``app.ask_question(text)``                     ask like typing a question
=============================================  ==================================================

Adding a command (e.g. ``/compare``)::

    from assistant.tui.commands import REGISTRY, CommandError

    @REGISTRY.command("compare", "compare two papers' abstracts", usage="/compare A vs B")
    def compare(app, args):
        ...

No textual import here: the parsing is unit-testable on its own.
"""

from __future__ import annotations

import shlex
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from ..errors import LitreviewError
from ..models import Filters

Handler = Callable[[Any, str], "Awaitable[None] | None"]


class CommandError(LitreviewError):
    """A slash command was mistyped; the message says how to type it."""


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    handler: Handler
    usage: str = ""  # shown in /help, e.g. "/search QUERY"
    completions: tuple[str, ...] = ()  # offered by the input's completion, e.g. ("/model offline",)
    needs_args: bool = False  # the palette fills the input instead of running it

    @property
    def signature(self) -> str:
        return self.usage or f"/{self.name}"


@dataclass
class Registry:
    commands: dict[str, Command] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def add(self, command: Command, aliases: tuple[str, ...] = ()) -> Command:
        self.commands[command.name] = command
        for alias in aliases:
            self.aliases[alias] = command.name
        return command

    def command(self, name: str, help: str, *, usage: str = "", completions: tuple[str, ...] = (),
                needs_args: bool = False, aliases: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:
        """Decorator form of :meth:`add`."""
        def register(handler: Handler) -> Handler:
            self.add(Command(name, help, handler, usage, completions, needs_args), aliases)
            return handler
        return register

    def get(self, name: str) -> Command | None:
        name = name.lower()
        return self.commands.get(self.aliases.get(name, name))

    def __iter__(self) -> Iterator[Command]:
        return iter(self.commands.values())

    def parse(self, line: str) -> tuple[Command, str]:
        """``"/search foo bar"`` -> (the search command, ``"foo bar"``)."""
        text = line.strip()
        if not text.startswith("/"):
            raise CommandError(f"not a command: {text!r}")
        name, _, args = text[1:].partition(" ")
        command = self.get(name)
        if command is None:
            raise CommandError(f"unknown command /{name}; /help lists the commands")
        args = args.strip()
        if command.needs_args and not args:
            raise CommandError(f"usage: {command.signature}")
        return command, args

    def suggestions(self) -> list[str]:
        """Completions for the input: ``/name`` (with a space when it takes arguments), then extras."""
        out: list[str] = []
        for c in self:
            takes_args = c.needs_args or " " in c.signature
            out.append(f"/{c.name} " if takes_args else f"/{c.name}")
            out += list(c.completions)
        return list(dict.fromkeys(out))

    def help_markdown(self) -> str:
        return "\n".join(f"- `{c.signature}`: {c.help}" for c in self)


def is_command(text: str) -> bool:
    return text.lstrip().startswith("/")


# -- argument parsers ------------------------------------------------------------------------------
FILTER_KEYS = ("year", "source", "venue", "category")


def parse_years(value: str) -> tuple[int | None, int | None]:
    """``2023`` -> (2023, 2023); ``2022-2024``; ``2022-`` (from); ``-2024`` (until)."""
    lo, dash, hi = value.strip().partition("-")
    try:
        year_min = int(lo) if lo.strip() else None
        year_max = int(hi) if hi.strip() else (year_min if not dash else None)
    except ValueError:
        raise CommandError(f"year must look like 2023, 2022-2024, 2022- or -2024, not {value!r}") from None
    if year_min is not None and year_max is not None and year_min > year_max:
        raise CommandError(f"year range {value!r} is empty: {year_min} is after {year_max}")
    return year_min, year_max


def parse_filters(args: str, current: Filters | None = None) -> Filters:
    """``year=2023-2024 source=NAME`` on top of ``current``; ``key=`` clears one, ``clear`` clears all."""
    current = current or Filters()
    try:
        words = shlex.split(args)
    except ValueError as exc:
        raise CommandError(f"/filter: {exc}") from None
    if words == ["clear"]:
        return Filters()
    out = current
    for word in words:
        key, eq, value = word.partition("=")
        key = key.strip().lower()
        if not eq or key not in FILTER_KEYS:
            raise CommandError(f"/filter takes {', '.join(k + '=...' for k in FILTER_KEYS)} or `clear`, "
                               f"not {word!r}")
        value = value.strip()
        if key == "year":
            lo, hi = parse_years(value) if value else (None, None)
            out = replace(out, year_min=lo, year_max=hi)
        else:
            out = replace(out, **{key: value or None})
    return out


def describe_filters(f: Filters) -> str:
    parts = []
    if f.year_min is not None or f.year_max is not None:
        if f.year_min == f.year_max:
            parts.append(f"year={f.year_min}")
        else:
            parts.append(f"year={f.year_min or ''}-{f.year_max or ''}")
    parts += [f"{k}={getattr(f, k)}" for k in ("source", "venue", "category") if getattr(f, k)]
    return " ".join(parts) if parts else "none"


def parse_cite(args: str) -> int:
    value = args.strip().strip("[]")
    if not value.isdigit() or int(value) < 1:
        raise CommandError(f"usage: /cite N, where N is a citation number like 1 (not {args!r})")
    return int(value)


def parse_export(args: str) -> tuple[str, bool]:
    try:
        words = shlex.split(args)
    except ValueError as exc:
        raise CommandError(f"/export: {exc}") from None
    force = "--force" in words
    paths = [w for w in words if w != "--force"]
    if len(paths) != 1:
        raise CommandError("usage: /export PATH.md [--force]")
    return paths[0], force


def parse_limit(args: str, default: int = 100) -> int | None:
    value = args.strip().lower()
    if not value:
        return default
    if value == "all":
        return None
    if not value.isdigit() or int(value) < 1:
        raise CommandError("usage: /papers [N|all]")
    return int(value)


# -- the built-in commands -------------------------------------------------------------------------
REGISTRY = Registry()


@REGISTRY.command("search", "find papers by description; results fill the sources panel",
                  usage="/search QUERY", needs_args=True)
def _search(app: Any, args: str) -> None:
    app.run_search(args)


@REGISTRY.command("papers", "list the stored papers (first 100 unless N or `all`)", usage="/papers [N|all]")
def _papers(app: Any, args: str) -> None:
    app.list_papers(parse_limit(args))


@REGISTRY.command("filter", "restrict answers and searches: year=2023 or 2022-2024, source=, venue=, "
                  "category=; `key=` drops one; `clear` drops all; no argument shows them",
                  usage="/filter year=FROM-TO source=NAME | clear", completions=("/filter clear", "/filter year="))
def _filter(app: Any, args: str) -> None:
    if not args.strip():
        app.say(f"Filters: **{describe_filters(app.filters)}**")
        return
    app.set_filters(parse_filters(args, app.filters))


@REGISTRY.command("model", "answer with the offline engine, the configured LLM, or the LLM model NAME",
                  usage="/model offline|llm|NAME", needs_args=True,
                  completions=("/model offline", "/model llm", "/model auto"))
def _model(app: Any, args: str) -> None:
    choice = args.strip()
    if choice.lower() in ("offline", "llm", "auto"):
        app.set_engine(choice.lower())
    else:
        app.set_engine("llm", model=choice)


@REGISTRY.command("new", "start a new conversation (the current one stays saved)")
def _new(app: Any, args: str) -> Awaitable[None] | None:
    return app.new_conversation()


@REGISTRY.command("export", "write this conversation to Markdown with a references list; "
                  "--force overwrites an existing file", usage="/export PATH.md [--force]", needs_args=True)
def _export(app: Any, args: str) -> None:
    path, force = parse_export(args)
    app.export_conversation(path, force=force)


@REGISTRY.command("cite", "open paper [N] of the current answer, its supporting sentence highlighted",
                  usage="/cite N", needs_args=True)
def _cite(app: Any, args: str) -> None:
    app.open_citation(parse_cite(args))


@REGISTRY.command("history", "list saved conversations to reopen, rename or delete (ctrl+o)",
                  aliases=("conversations",))
def _history(app: Any, args: str) -> None:
    app.action_conversations()


@REGISTRY.command("help", "show the commands and keys")
def _help(app: Any, args: str) -> None:
    app.say(REGISTRY.help_markdown() + "\n\n" + app.keys_help())


@REGISTRY.command("quit", "leave litreview (ctrl+q)", aliases=("exit",))
def _quit(app: Any, args: str) -> None:
    app.exit()
