"""Conversations: saved as they go (see :mod:`.history`), started afresh, reopened, exported.

The first question creates the saved conversation, titled by it; every message is appended as
it arrives (``_save_message``). ``/new`` and reopening a saved conversation leave an answer that
is still being written to finish, and be saved, in the conversation it belongs to.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import LitreviewError, NotFoundError
from .commands import CommandError
from .export import conversation_markdown, write_export
from .history import default_title
from .screens import ConversationsScreen
from .session import Message
from .widgets import AnswerMessage, UserMessage, answer_meta

if TYPE_CHECKING:
    from .app import LitreviewApp


class ConversationsMixin:
    """Part of :class:`~.app.LitreviewApp`: the saved conversations and the one on screen."""

    def _save_message(self: LitreviewApp, message: Message, conversation_id: int | None = None) -> None:
        """Append to the saved conversation (created at the first question, titled by it)."""
        if message.role == "user":
            self.messages.append(message)
        if self.history is None:
            return
        try:
            if message.role == "user" and self.conversation_id is None:
                self.conversation_id = self.history.create(message.text)
                self.conversation_title = default_title(message.text)
                self.sub_title = self.conversation_title
            target = self.conversation_id if message.role == "user" else conversation_id
            if target is not None:
                self.history.add(target, message.role, message.text, message.citations_json())
        except LitreviewError as exc:
            self.notify(f"could not save the conversation: {exc}", severity="error")

    async def _leave_conversation(self: LitreviewApp) -> None:
        """Detach an answer still being written: it is stopped, and saved to its own conversation."""
        gen = self.generation
        if gen is not None:
            gen.stop.set()
            gen.detached = True
            self.generation = None
            self.refresh_bindings()
            await gen.widget.stop_stream()

    async def new_conversation(self: LitreviewApp) -> None:
        await self._leave_conversation()
        await self.transcript.remove_children()
        self.conversation_id = None
        self.conversation_title = ""
        self.messages = []
        self.current_answer = None
        self.last_draft = None
        self.show_sources([], None)
        self.sub_title = "new conversation"
        await self._welcome()
        self.prompt.focus()

    async def action_new_conversation(self: LitreviewApp) -> None:
        await self.new_conversation()

    def action_conversations(self: LitreviewApp) -> None:
        if self.history is None:
            self.notify("conversations are not being saved (the history file could not be opened)",
                        severity="error")
            return
        if isinstance(self.screen, ConversationsScreen):
            return
        self.push_screen(ConversationsScreen(self.history, self.conversation_id), self._after_conversations)

    async def _after_conversations(self: LitreviewApp, chosen: int | None) -> None:
        try:
            await self._sync_with_history(chosen)
        except LitreviewError as exc:
            self.notify(str(exc), severity="error")

    async def _sync_with_history(self: LitreviewApp, chosen: int | None) -> None:
        if self.history is None:
            return
        if self.conversation_id is not None and self.history.get(self.conversation_id) is None:
            self.conversation_id = None  # deleted: the next question starts a new saved conversation
            self.sub_title = "new conversation (the saved copy was deleted)"
        elif self.conversation_id is not None:
            info = self.history.get(self.conversation_id)
            if info is not None:
                self.conversation_title = info.title
                self.sub_title = info.title
        if chosen is not None:
            await self.open_conversation(chosen)

    async def open_conversation(self: LitreviewApp, conversation_id: int) -> None:
        """Replace the transcript with a saved conversation."""
        assert self.history is not None
        info = self.history.get(conversation_id)
        if info is None:
            raise NotFoundError(f"conversation {conversation_id} no longer exists")
        await self._leave_conversation()
        await self.transcript.remove_children()
        self.messages = [Message.from_row(m.role, m.text, m.citations_json)
                         for m in self.history.messages(conversation_id)]
        self.conversation_id, self.conversation_title = info.id, info.title
        self.sub_title = info.title
        widgets = [UserMessage(m.text) if m.role == "user" else AnswerMessage(m, answer_meta(m))
                   for m in self.messages]
        if widgets:
            await self.transcript.mount_all(widgets)
        answers = [m for m in self.messages if m.role == "assistant"]
        self.current_answer = answers[-1] if answers else None
        if self.current_answer is not None:
            self.show_sources(self.current_answer.sources, self.current_answer)
        else:
            self.show_sources([], None)
        self.transcript.scroll_end(animate=False)
        self.prompt.focus()

    # -- export -------------------------------------------------------------------------------------
    def export_conversation(self: LitreviewApp, path: str, force: bool = False) -> Path:
        """The last /draft (with a .bib beside it) if there is one, else the conversation."""
        if self.last_draft is not None:
            from .review_commands import export_draft

            return export_draft(self, path, force=force)
        if not self.messages:
            raise CommandError("nothing to export yet: ask a question first")
        title = self.conversation_title or default_title(self.messages[0].text)
        text = conversation_markdown(title, self.messages, self.store.get)
        key = self.settings.openai_api_key
        if key and len(key) >= 4:  # as in the saved history: a key pasted into a question is blanked out
            text = text.replace(key, "[redacted]")
        target = write_export(path, text, force=force)
        self.notify(f"exported {len(self.messages)} messages to {target}")
        return target
