"""The conversation in progress: its messages, saved as they arrive, and the papers curated in it.

The first message creates the saved conversation, titled by it; every later message is appended
to it. An answer still being written when the user moves to another conversation is saved to the
conversation it belongs to (``save_reply(message, conversation_id)``), and not shown. A failure to
save raises :class:`~assistant.errors.StoreError` after the message has joined the conversation on
screen, so the user can keep working and be told once.

Curation belongs to the conversation: pinned papers make the shortlist, excluded papers are left
out of the next comparisons and drafts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .history import History, default_title
from .messages import Message, Source, turns


@dataclass
class CurrentConversation:
    history: History | None = None
    id: int | None = None
    title: str = ""
    messages: list[Message] = field(default_factory=list)
    pinned: dict[str, Source] = field(default_factory=dict)  # paper_id -> the paper, in pinning order
    excluded: dict[str, Source] = field(default_factory=dict)

    # -- what it holds -------------------------------------------------------------------------
    @property
    def replies(self) -> list[Message]:
        return [m for m in self.messages if m.role == "assistant"]

    @property
    def last_reply(self) -> Message | None:
        replies = self.replies
        return replies[-1] if replies else None

    def turns(self) -> list:
        """Context for a follow-up question: earlier questions and their answers, never commands."""
        return turns(self.messages)

    def display_title(self) -> str:
        return self.title or (default_title(self.messages[0].text) if self.messages else "conversation")

    # -- adding and saving ---------------------------------------------------------------------
    def add_user(self, text: str) -> None:
        """A question or command line joins the conversation (created and titled at the first one)."""
        self.messages.append(Message("user", text))
        if self.history is None:
            return
        if self.id is None:
            self.id = self.history.create(text)
            info = self.history.get(self.id)
            self.title = info.title if info else default_title(text)
        self.history.add(self.id, "user", text)

    def add_reply(self, message: Message) -> None:
        """A reply to the conversation on screen."""
        self.messages.append(message)
        self.save_reply(message, self.id)

    def save_reply(self, message: Message, conversation_id: int | None) -> None:
        """Save a reply to ``conversation_id`` (the conversation its question was asked in)."""
        if self.history is not None and conversation_id is not None:
            self.history.add(conversation_id, "assistant", message.text, message.citations_json())

    # -- switching -----------------------------------------------------------------------------
    def reset(self) -> None:
        self.id, self.title, self.messages = None, "", []
        self.pinned, self.excluded = {}, {}

    def load(self, conversation_id: int) -> bool:
        """Replace the messages with a saved conversation's; False if it no longer exists."""
        if self.history is None:
            return False
        info = self.history.get(conversation_id)
        if info is None:
            return False
        self.reset()
        self.messages = [Message.from_row(m.role, m.text, m.citations_json)
                         for m in self.history.messages(conversation_id)]
        self.id, self.title = info.id, info.title
        return True

    def refresh_title(self) -> bool:
        """Follow a rename or deletion made in the conversations list; False if it was deleted."""
        if self.history is None or self.id is None:
            return True
        info = self.history.get(self.id)
        if info is None:
            self.id = None  # the next message starts a new saved conversation
            return False
        self.title = info.title
        return True

    # -- curation ------------------------------------------------------------------------------
    def pin(self, source: Source) -> bool:
        """Add to the shortlist; False if it was there already."""
        if source.paper_id in self.pinned:
            return False
        self.pinned[source.paper_id] = source
        self.excluded.pop(source.paper_id, None)
        return True

    def exclude(self, source: Source) -> bool:
        """Leave out of the next comparisons and drafts; False if it was already excluded."""
        if source.paper_id in self.excluded:
            return False
        self.excluded[source.paper_id] = source
        self.pinned.pop(source.paper_id, None)
        return True
