"""The litreview terminal app: what is shared by every screen, and the chat screen it opens on.

:class:`LitreviewApp` holds the store, the settings, the saved conversations (one SQLite file) and
the key bindings (with the user's keymap applied); the conversation and everything done in it live
on :class:`~.chat.ChatScreen`. Over it open the paper viewer and the conversations list
(:mod:`.screens`) and the command palette (:mod:`.palette`).

=======================  =====================================================================
:mod:`.chat`             the chat screen: transcript, prompt, sources panel, status bar
:mod:`.answering`        an answer written in a thread worker, its tokens posted as events
:mod:`.commands`         slash commands (a registry) and the context they run in
:mod:`.review_commands`  /compare and /draft
:mod:`.keymap`           binding ids, the ``[tui] keymap`` of the settings file, the keys help
:mod:`.terminal`         the terminal driver: quit when the terminal goes away
=======================  =====================================================================
"""

from __future__ import annotations

from typing import Any

from textual.app import App

from ..conversations.history import History
from ..engines.answer import EngineName
from ..errors import LitreviewError
from ..settings import Settings
from . import review_commands  # noqa: F401  (registers /compare and /draft)
from .chat import ChatScreen
from .keymap import APP_BINDINGS, CHAT_BINDINGS, keys_for, keys_help, read_keymap
from .palette import LitreviewCommands
from .terminal import TerminalLost, driver_class


class LitreviewApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "litreview"
    COMMANDS = App.COMMANDS | {LitreviewCommands}
    BINDINGS = [*APP_BINDINGS]  # a list of BindingType, as Textual declares it

    def __init__(self, store: Any, settings: Settings | None = None, *, engine: EngineName = "auto",
                 warm_up: bool = True) -> None:
        """Raises :class:`~assistant.errors.ConfigError` for a keymap naming an unknown binding."""
        super().__init__()
        self.settings = settings or store.settings
        self.store = store
        self.keymap = read_keymap(self.settings)
        self.history_error: str | None = None
        self.history: History | None = None
        try:
            self.history = History.in_home(self.settings.home, redact=[self.settings.openai_api_key])
        except LitreviewError as exc:
            self.history_error = str(exc)
        self._engine = engine
        self._warm_up = warm_up
        self.set_keymap(self.keymap)

    def get_default_screen(self) -> ChatScreen:
        return ChatScreen(self.store, self.settings, self.history, engine=self._engine, warm_up=self._warm_up)

    @property
    def chat(self) -> ChatScreen:
        """The chat screen (the app's default screen)."""
        return next(s for s in self.screen_stack if isinstance(s, ChatScreen))

    @property
    def generation(self) -> Any:
        """The answer being written in the chat, if any."""
        return self.chat.generation

    @property
    def prompt(self) -> Any:
        """The chat's question box."""
        return self.chat.prompt

    def on_mount(self) -> None:
        if self.history_error:
            self.notify(f"conversations will not be saved: {self.history_error}", severity="error")

    def on_unmount(self) -> None:
        try:
            gen = self.chat.generation
        except StopIteration:
            gen = None
        if gen is not None:
            gen.stop.set()
        if self.history is not None:
            self.history.close()

    def get_driver_class(self):
        return driver_class(super().get_driver_class())

    def on_terminal_lost(self, event: TerminalLost) -> None:
        """The terminal went away (tmux or ssh killed): quit as on ctrl+q, the conversation saved."""
        self.log.warning(f"terminal lost: {event.reason}; quitting")
        self.exit()

    # -- keys ---------------------------------------------------------------------------------------
    def key_for(self, binding_id: str) -> str:
        """The keys bound to ``binding_id`` now (the keymap applied), as the help writes them."""
        binding = next(b for b in [*CHAT_BINDINGS, *APP_BINDINGS] if b.id == binding_id)
        return keys_for(binding, self.keymap)

    def keys_help(self) -> str:
        return keys_help(self.keymap)

    def action_help_quit(self) -> None:
        """ctrl+c outside a text field: say how to quit (plain text, not markup)."""
        self.notify(f"press {self.key_for('quit')} to quit litreview", title="Do you want to quit?")

    def notify(self, message: str, *, title: str = "", severity: Any = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Notifications carry user data (titles, paths, "[1]"): never parse them as markup."""
        if timeout is None and severity == "error":
            timeout = 10
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)
