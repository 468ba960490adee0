"""Slash commands: parsing, a registry that others can extend, and the built-in commands.

Each command is a name, a help line, a usage string and a handler ``handler(chat, args)``
returning ``None`` or an awaitable (``args`` is the text after the name). ``chat`` is a
:class:`CommandContext`: the few things a command may use, never the widget tree. The chat
screen (:class:`~.chat.ChatScreen`) is one; a test can pass any object with these members.

Adding a command::

    from assistant.tui.commands import REGISTRY, CommandError

    @REGISTRY.command("stats", "count the papers", usage="/stats")
    def stats(chat, args):
        chat.say(f"{len(chat.store)} papers")

No textual import here: the parsing is unit-testable on its own.
"""

from __future__ import annotations

import difflib
import shlex
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Protocol

from ..conversations.current import CurrentConversation
from ..conversations.messages import Message, Source, is_command  # noqa: F401  (is_command: for the screen)
from ..errors import LitreviewError
from ..models import Filters

if TYPE_CHECKING:
    from ..engines.answer import EngineName

Handler = Callable[[Any, str], "Awaitable[None] | None"]


class CommandContext(Protocol):
    """What a slash command may use."""

    store: Any  # the paper store (read it in ``run_background``)
    store_view: Any  # the store with the chat's settings, as the core's functions take it
    settings: Any
    filters: Filters
    engine: EngineName
    conversation: CurrentConversation

    @property
    def current_answer(self) -> Message | None: ...
    def say(self, markdown: str) -> None: ...
    def notify(self, message: str, *, severity: str = "information") -> None: ...
    def run_background(self, fn: Callable[[], Any], on_done: Callable[[Any], Any],
                       progress: str | None = None) -> None: ...
    def show_sources(self, sources: Sequence[Source], context: Message | str | None,
                     title: str = "Sources") -> None: ...
    def record(self, command: str, reply: Message) -> Awaitable[None]: ...
    def ask_question(self, question: str, engine: EngineName | None = None) -> Awaitable[None]: ...
    def set_filters(self, filters: Filters) -> None: ...
    def set_engine(self, engine: EngineName, model: str | None = None) -> None: ...
    def run_search(self, query: str) -> None: ...
    def list_papers(self, limit: int | None) -> None: ...
    def new_conversation(self) -> Awaitable[None]: ...
    def export(self, path: str, force: bool = False) -> Any: ...
    def open_citation(self, n: int) -> Any: ...
    def open_conversations(self, query: str = "") -> None: ...
    def panel_source(self, n: int) -> Source: ...
    def copy(self, text: str, what: str) -> None: ...
    def open_link(self, url: str) -> None: ...
    def keys_help(self) -> str: ...
    def quit(self) -> None: ...


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

    def closest(self, name: str) -> str | None:
        """The command a mistyped name most likely meant (``/hlep`` -> ``help``)."""
        names = [*self.commands, *self.aliases]
        match = difflib.get_close_matches(name.lower(), names, n=1, cutoff=0.6)
        if not match:
            match = [n for n in names if n.startswith(name.lower()[:3])] if len(name) >= 3 else []
        return self.aliases.get(match[0], match[0]) if match else None

    def parse(self, line: str) -> tuple[Command, str]:
        """``"/search foo bar"`` -> (the search command, ``"foo bar"``)."""
        text = line.strip()
        if not text.startswith("/"):
            raise CommandError(f"not a command: {text!r}")
        name, _, args = text[1:].partition(" ")
        command = self.get(name)
        if command is None:
            guess = self.closest(name)
            hint = f"did you mean /{guess}? " if guess else ""
            raise CommandError(f"unknown command /{name}; {hint}/help lists the commands")
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
        else:  # source, venue or category: the same text rule as Filters.with_field
            out = out.with_field(key, value)
    return out


def describe_filters(f: Filters) -> str:
    return f.describe()  # one grammar with the CLI (Filters.describe)


def parse_cite(args: str) -> int:
    value = args.strip().strip("[]")
    if not value.isdigit() or int(value) < 1:
        raise CommandError(f"usage: /cite N, where N is a citation number like 1 (not {args!r})")
    return int(value)


def parse_number(args: str, usage: str) -> int:
    value = args.strip().strip("[]")
    if not value.isdigit() or int(value) < 1:
        raise CommandError(f"usage: {usage}, where N is a number like 1 (not {args!r})")
    return int(value)


def parse_export(args: str) -> tuple[str, bool]:
    try:
        words = shlex.split(args)
    except ValueError as exc:
        raise CommandError(f"/export: {exc}") from None
    force = "--force" in words
    paths = [w for w in words if w != "--force"]
    if len(paths) != 1:
        raise CommandError("usage: /export PATH.md|PATH.json [--force]")
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
def _search(chat: CommandContext, args: str) -> None:
    chat.run_search(args)


@REGISTRY.command("papers", "list the stored papers (first 100 unless N or `all`)", usage="/papers [N|all]")
def _papers(chat: CommandContext, args: str) -> None:
    chat.list_papers(parse_limit(args))


@REGISTRY.command("filter", "restrict answers and searches: year=2023 or 2022-2024, source=, venue=, "
                  "category=; `key=` drops one; `clear` drops all; no argument shows them",
                  usage="/filter year=FROM-TO source=NAME | clear", completions=("/filter clear", "/filter year="))
def _filter(chat: CommandContext, args: str) -> None:
    if not args.strip():
        chat.say(f"Filters: **{describe_filters(chat.filters)}**")
        return
    chat.set_filters(parse_filters(args, chat.filters))


ENGINE_NAMES: dict[str, EngineName] = {"auto": "auto", "offline": "offline", "llm": "llm"}  # as typed, lower-cased


@REGISTRY.command("model", "answer with the offline engine, the configured LLM, or the LLM model NAME",
                  usage="/model offline|llm|NAME", needs_args=True,
                  completions=("/model offline", "/model llm", "/model auto"))
def _model(chat: CommandContext, args: str) -> None:
    choice = args.strip()
    named = ENGINE_NAMES.get(choice.lower())
    if named is not None:
        chat.set_engine(named)
    else:
        chat.set_engine("llm", model=choice)


@REGISTRY.command("retry", "write the last answer again with the other engine (or the one named)",
                  usage="/retry [offline|llm]", completions=("/retry offline", "/retry llm"))
def _retry(chat: CommandContext, args: str) -> Awaitable[None]:
    last = next((m for m in reversed(chat.conversation.messages) if m.is_answer), None)
    if last is None:
        raise CommandError("nothing to retry yet: ask a question first")
    choice = args.strip().lower()
    named = ENGINE_NAMES.get(choice) if choice else None
    if choice and named not in ("offline", "llm"):
        raise CommandError(f"usage: /retry [offline|llm], not {args!r}")
    engine: EngineName = named or ("offline" if last.engine.startswith("llm") else "llm")
    if engine == "llm" and not chat.settings.llm_configured:
        raise CommandError("no LLM is configured: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server")
    return chat.ask_question(last.question, engine=engine)


@REGISTRY.command("new", "start a new conversation (the current one stays saved)")
def _new(chat: CommandContext, args: str) -> Awaitable[None]:
    return chat.new_conversation()


@REGISTRY.command("export", "write this conversation (answers, tables and drafts in it) to Markdown, or to JSON "
                  "for a .json name; --force overwrites an existing file", usage="/export PATH.md|PATH.json [--force]",
                  needs_args=True)
def _export(chat: CommandContext, args: str) -> None:
    path, force = parse_export(args)
    chat.export(path, force=force)


@REGISTRY.command("cite", "open paper [N] of the current answer, its supporting sentence highlighted",
                  usage="/cite N", needs_args=True)
def _cite(chat: CommandContext, args: str) -> None:
    chat.open_citation(parse_cite(args))


@REGISTRY.command("copy", "copy to the clipboard: the answer as Markdown with its references; `bib N`: paper "
                  "[N]'s BibTeX; `table [N]`: the last reply's (Nth) table as CSV",
                  usage="/copy [bib N | table [N]]", completions=("/copy bib ", "/copy table"))
def _copy(chat: CommandContext, args: str) -> None:
    from .clipboard import copy_command

    copy_command(chat, args)


@REGISTRY.command("open", "open paper [N] of the sources panel in the browser (DOI, URL or arXiv page)",
                  usage="/open N", needs_args=True)
def _open(chat: CommandContext, args: str) -> None:
    from .clipboard import paper_url

    source = chat.panel_source(parse_number(args, "/open N"))
    paper = chat.store.get(source.paper_id)
    url = paper_url(paper) if paper else None
    if url is None:
        raise CommandError(f"[{source.n}] {source.title} has no DOI, URL or arXiv id to open")
    chat.open_link(url)


@REGISTRY.command("pin", "add paper [N] of the sources panel to the shortlist (`/compare` alone compares it)",
                  usage="/pin N", needs_args=True)
def _pin(chat: CommandContext, args: str) -> None:
    source = chat.panel_source(parse_number(args, "/pin N"))
    added = chat.conversation.pin(source)
    chat.notify(f"{'pinned' if added else 'already pinned'}: {source.title} "
                f"({len(chat.conversation.pinned)} on the shortlist)")


@REGISTRY.command("exclude", "leave paper [N] of the sources panel out of the next comparisons and drafts",
                  usage="/exclude N", needs_args=True)
def _exclude(chat: CommandContext, args: str) -> None:
    source = chat.panel_source(parse_number(args, "/exclude N"))
    added = chat.conversation.exclude(source)
    chat.notify(f"{'excluded' if added else 'already excluded'}: {source.title}")


@REGISTRY.command("shortlist", "show the pinned and the excluded papers; `clear` empties both",
                  usage="/shortlist [clear]", completions=("/shortlist clear",))
def _shortlist(chat: CommandContext, args: str) -> None:
    conv = chat.conversation
    if args.strip().lower() == "clear":
        conv.pinned.clear()
        conv.excluded.clear()
        chat.notify("the shortlist and the exclusions are empty")
        return
    if args.strip():
        raise CommandError(f"usage: /shortlist [clear], not {args!r}")
    if not conv.pinned and not conv.excluded:
        chat.say("The shortlist is empty: `/pin N` adds paper [N] of the sources panel, `/exclude N` leaves one "
                 "out of comparisons and drafts.")
        return
    pinned = [Source(i, s.paper_id, s.title, s.year, cited=True) for i, s in enumerate(conv.pinned.values(), 1)]
    lines = ["**Shortlist** (`/compare` alone compares it):" if pinned else "**Shortlist**: empty"]
    lines += [f"{s.n}. {s.title} ({s.year or 'n.d.'})" for s in pinned]
    if conv.excluded:
        lines += ["", "**Excluded** from comparisons and drafts:"]
        lines += [f"- {s.title} ({s.year or 'n.d.'})" for s in conv.excluded.values()]
    chat.say("\n".join(lines))
    if pinned:
        chat.show_sources(pinned, "/shortlist", title="Shortlist")


@REGISTRY.command("history", "saved conversations to reopen, rename or delete (ctrl+o); with QUERY, those that "
                  "mention it", usage="/history [QUERY]", aliases=("conversations",))
def _history(chat: CommandContext, args: str) -> None:
    chat.open_conversations(args.strip())


@REGISTRY.command("help", "show the commands and keys")
def _help(chat: CommandContext, args: str) -> None:
    chat.say(REGISTRY.help_markdown() + "\n\n" + chat.keys_help())


@REGISTRY.command("quit", "leave litreview (ctrl+q)", aliases=("exit",))
def _quit(chat: CommandContext, args: str) -> None:
    chat.quit()
