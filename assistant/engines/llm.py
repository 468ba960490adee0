"""The one place litreview talks to a language model: any OpenAI-compatible chat endpoint.

:class:`LLMClient` wraps langchain-openai's ``ChatOpenAI`` (OpenAI itself, or a local
Ollama / vLLM / llama.cpp / LM Studio server through ``base_url``). Slow local servers are
first-class:

* Every call streams, the structured ones (tool calls) too, so that a long generation on a CPU
  server is never cut by a timeout over the whole answer.
* ``[llm] timeout`` is measured between tokens; the wait for the first token, while a local model
  reads the whole prompt, has its own, longer limit (``[llm] first_token_timeout``, 300 s). A server
  that goes quiet mid-answer gives a ``partial`` completion marked ``stalled``; one that never sends
  a first token is an :class:`~assistant.errors.LLMError`.
* Retries are litreview's own, and only ever before the server has started answering: connection
  errors, 408, 409, 429 and 5xx are retried up to ``max_retries`` times, waiting what the server
  asks for in ``Retry-After`` / ``retry-after-ms`` (up to :data:`RETRY_AFTER_MAX` s; a longer wait
  is reported as such, at once) or else exponential backoff (0.5 s doubling up to 8 s, minus up to
  25 % jitter). A timeout is never retried: the server is slow, not failing, and a new request
  would only queue behind the generation it is still running. tests/engines/test_llm*.py check
  this against a real HTTP server.
* A stream that ends early is not an error: :meth:`LLMClient.complete` returns the text so far
  with ``finished=False`` and a ``status`` saying what happened: ``stopped`` (the caller's stop
  event), ``cut`` (the server closed or dropped the stream), ``stalled`` (no token within the
  timeout) or ``length`` (the model hit its token limit).
* Reasoning blocks (``<think>…</think>`` and kin, see :mod:`.output`) are held back from
  ``on_token`` and left out of ``Completion.text``; they are kept in ``Completion.reasoning``.

Every failure becomes an :class:`~assistant.errors.LLMError` whose message is one line a
user can act on, never a traceback and never the API key.

langchain and openai are imported lazily so that importing this module stays cheap.
"""

from __future__ import annotations

import email.utils
import json
import math
import queue
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from contextvars import ContextVar, copy_context
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

from ..errors import ConfigError, LLMError, redact
from ..settings import Settings
from .output import ReasoningFilter, strip_reasoning

if TYPE_CHECKING:
    from pydantic import BaseModel

    M = TypeVar("M", bound=BaseModel)

_POLL = 0.05  # seconds between checks of the stop event and the token clock while waiting for a chunk
_KEYLIKE = re.compile(r"\b(sk|key)-[A-Za-z0-9_\-*.]{4,}")
RETRY_AFTER_MAX = 120.0  # longest server-requested wait litreview sits through before a retry
_BACKOFF_FIRST, _BACKOFF_MAX = 0.5, 8.0
_RETRY_STATUS = frozenset({408, 409, 429})

Status = Literal["complete", "stopped", "cut", "stalled", "length"]


@dataclass
class Completion:
    """What a chat call produced.

    ``usage``: prompt_tokens, completion_tokens, total_tokens, cost_usd (None for models
    without a known price), model, seconds, estimated (True when the server sent no usage
    and the numbers were counted locally with tiktoken), first_token_seconds.
    ``finished`` is False when the answer is incomplete; ``status`` says why and ``error``
    describes it in words. ``text`` never holds reasoning blocks: they are in ``reasoning``.
    """

    text: str
    usage: dict[str, Any] = field(default_factory=dict)
    finished: bool = True
    error: str | None = None
    finish_reason: str | None = None  # "stop", "length" (hit the token limit), "tool_calls", ...
    status: Status = "complete"
    reasoning: str = ""
    retries: int = 0  # retries made before the server started answering

    @property
    def partial(self) -> bool:
        return self.status != "complete"

    @property
    def note(self) -> str | None:
        """One line for the user about an incomplete answer, None when it is complete."""
        return {
            "complete": None,
            "stopped": "the answer was stopped before it finished",
            "cut": f"the server cut the answer off before it finished ({self.error})",
            "stalled": f"the server stopped sending before the answer finished ({self.error})",
            "length": "the answer is cut: the model reached its output token limit",
        }[self.status]


class _NotCompatible(Exception):
    """The endpoint answered, but not with an OpenAI chat completion."""


class _TooLongToWait(Exception):
    """The server asked for a longer wait before a retry than litreview sits through."""

    def __init__(self, cause: BaseException, seconds: float) -> None:
        super().__init__(str(cause))
        self.cause, self.seconds = cause, seconds


@dataclass
class _Run:
    """One streamed request, as read: text pieces, tool-call argument pieces, metadata, how it ended."""

    parts: list[str] = field(default_factory=list)
    tool_name: str | None = None
    tool_args: list[str] = field(default_factory=list)
    usage: dict[str, Any] | None = None
    finish_reason: str | None = None
    model: str | None = None
    chunks: int = 0
    status: Status = "complete"
    error: str | None = None
    failure: BaseException | None = None  # before any chunk: the caller decides whether to retry
    first_token: float | None = None


def without_credentials(url: str) -> str:
    """``url`` with any user:password part removed, for messages and reports."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        parts = parts._replace(netloc=(parts.hostname or "") + (f":{parts.port}" if parts.port else ""))
    return urlunsplit(parts)


class LLMClient:
    """Chat with the configured endpoint: streamed text (:meth:`complete`) or a pydantic object (:meth:`structured`)."""

    def __init__(self, settings: Settings) -> None:
        if not settings.llm_configured:
            raise ConfigError("no LLM is configured: set OPENAI_API_KEY, or OPENAI_BASE_URL for a local server")
        import httpx
        from langchain_openai import ChatOpenAI

        from ..tokens import seed_tiktoken_cache

        try:  # so that langchain's own get_num_tokens() finds the BPE files without downloading
            seed_tiktoken_cache()
        except Exception:
            pass
        self.settings = settings
        self.model = settings.llm.model
        self.timeout = settings.llm.timeout
        self.first_token_timeout = max(settings.llm.first_token_timeout, self.timeout)
        self.max_retries = settings.llm.max_retries
        # None: the openai client's own default endpoint (OpenAI), used only when a key is configured.
        self.base_url = settings.llm.base_url.rstrip("/") if settings.llm.base_url else None
        self._secret = settings.openai_api_key or ""
        self.last_usage: dict[str, Any] | None = None
        # The socket timeout is a backstop a little past the token clock, which decides (and words) a timeout.
        socket_timeout = httpx.Timeout(self.first_token_timeout + 5, connect=min(self.timeout + 5, 30.0))
        # the token clock starts when the request leaves, not while langchain is still setting it up
        http = httpx.Client(timeout=socket_timeout, follow_redirects=True, event_hooks={"request": [_note_sent]})
        self.chat = ChatOpenAI(
            http_client=http,
            model=settings.llm.model,
            api_key=settings.openai_api_key or "not-needed",  # local servers ignore it, the client insists
            base_url=self.base_url,
            timeout=socket_timeout,
            max_retries=0,  # litreview retries itself, never once the server has started answering
            temperature=0,
            stream_usage=True,
        )

    def __repr__(self) -> str:
        return f"LLMClient(model={self.model!r}, base_url={self.shown_url!r})"

    @property
    def shown_url(self) -> str:
        """The base URL without any user:password part."""
        return without_credentials(self.base_url) if self.base_url else "the OpenAI API"

    # -- plain text --------------------------------------------------------------------------
    def complete(self, system: str, user: str, on_token: Callable[[str], None] | None = None,
                 stop: threading.Event | None = None, history: Sequence[tuple[str, str]] = ()) -> Completion:
        """Stream an answer, calling ``on_token`` with each piece of visible text in order.

        ``history``: earlier turns of a conversation, ``("user" | "assistant", text)`` oldest first,
        sent as chat messages between the system message and ``user``.
        Setting ``stop`` ends the call within ~50 ms, even while the server is silent; the
        text so far comes back with ``finished=False``. ``on_token`` runs in the caller's thread.
        Reasoning blocks are not passed to ``on_token``.
        """
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        start = time.perf_counter()
        prior = [AIMessage(text) if role == "assistant" else HumanMessage(text) for role, text in history]
        messages = [SystemMessage(system), *prior, HumanMessage(user)]
        shown = ReasoningFilter()

        def on_piece(text: str) -> None:
            visible = shown.feed(text)
            if visible and on_token:
                on_token(visible)

        run, retries = self._stream(self.chat, messages, stop, on_piece)
        tail = shown.flush()
        if tail and on_token:
            on_token(tail)
        raw = "".join(run.parts)
        if run.status == "complete" and run.finish_reason is None:
            if run.chunks == 0:
                raise LLMError(f"the LLM endpoint at {self.shown_url} returned a response that is not an "
                               "OpenAI-compatible chat completion (no chat-completion chunks in the stream)")
            if not raw:
                raise LLMError(f"the LLM endpoint at {self.shown_url} closed the stream before sending any text")
            run.status, run.error = "cut", "stream ended early: the server closed it without a finish_reason"
        if run.status == "complete" and run.finish_reason == "length":
            run.status, run.error = "length", "the model reached its output token limit"
        text, reasoning = strip_reasoning(raw)
        self.last_usage = self._usage(run.usage, run.model, [system, *(t for _, t in history), user], raw,
                                      time.perf_counter() - start, run.first_token)
        return Completion(text, self.last_usage, finished=run.status == "complete", error=run.error,
                          finish_reason=run.finish_reason, status=run.status, reasoning=reasoning, retries=retries)

    # -- structured output -------------------------------------------------------------------
    def structured(self, system: str, user: str, schema: type[M]) -> M:
        """Ask for a ``schema`` instance: a streamed tool call first, else JSON in plain text.

        Endpoints without tool support (HTTP 400/422, or an answer without a tool call) get
        a second request asking for JSON that matches the schema; LLMError if that fails too.
        Backslashes the sources hold (LaTeX macros such as ``\\name``) survive the JSON decoding.
        """
        import openai
        from langchain_core.messages import HumanMessage, SystemMessage

        start = time.perf_counter()
        literal = f"{system}\n{user}"
        bound = self.chat.bind_tools([schema], tool_choice=schema.__name__, parallel_tool_calls=False)
        messages = [SystemMessage(system), HumanMessage(user)]
        first_problem = "the endpoint answered without a tool call"
        try:
            run, _ = self._stream(bound, messages, None, None)
        except LLMError as exc:
            cause = exc.__cause__
            if not isinstance(cause, (openai.BadRequestError, openai.UnprocessableEntityError)):
                raise
            run, first_problem = None, f"tool calling refused ({self._reason(cause)})"
        if run is not None:
            raw_text = "".join(run.parts)
            self.last_usage = self._usage(run.usage, run.model, [system, user], raw_text + "".join(run.tool_args),
                                          time.perf_counter() - start, run.first_token)
            if run.status != "complete":
                first_problem = f"the answer was incomplete ({run.error})"
            elif run.tool_args:
                try:
                    return _parse_json_as("".join(run.tool_args), schema, literal)
                except ValueError as exc:
                    first_problem = f"the tool call did not match the schema ({exc})"
            text = strip_reasoning(raw_text)[0]
            if run.status == "complete" and text.strip():
                try:  # some servers answer with the JSON as text instead of a tool call
                    return _parse_json_as(text, schema, literal)
                except ValueError:
                    pass
        schema_json = json.dumps(schema.model_json_schema(), ensure_ascii=False)
        ask_json = (f"{system}\n\nReply with one JSON object that matches this JSON Schema, and nothing else "
                    f"(no prose, no code fences):\n{schema_json}")
        completion = self.complete(ask_json, user)
        if not completion.finished:
            raise LLMError(self._clean(f"the model at {self.shown_url} did not return a valid {schema.__name__}: "
                                       f"{first_problem}, and the JSON answer was incomplete ({completion.error})"))
        try:
            return _parse_json_as(completion.text, schema, literal)
        except ValueError as exc:
            raise LLMError(self._clean(f"the model at {self.shown_url} did not return a valid {schema.__name__}: "
                                       f"{first_problem}, and the JSON fallback failed ({exc})")) from None

    # -- the stream, retries and the token clock --------------------------------------------------
    def _stream(self, runnable: Any, messages: list[Any], stop: threading.Event | None,
                on_piece: Callable[[str], None] | None) -> tuple[_Run, int]:
        """Read one streamed answer; retries (before any chunk arrived) as the module docstring says."""
        stop = stop or threading.Event()
        retries = 0
        while True:
            run = self._attempt(runnable, messages, stop, on_piece, retries)
            if run.failure is None:
                return run, retries
            exc = run.failure
            try:
                wait = self._retry_wait(exc, retries)
            except _TooLongToWait as too_long:
                raise self._error(too_long, retries) from exc
            if wait is None or retries >= self.max_retries:
                raise self._error(exc, retries) from exc
            if stop.wait(wait):
                return _Run(status="stopped", error="stopped before the answer started"), retries
            retries += 1

    def _attempt(self, runnable: Any, messages: list[Any], stop: threading.Event,
                 on_piece: Callable[[str], None] | None, retries: int) -> _Run:
        run = _Run()
        if stop.is_set():
            run.status, run.error = "stopped", "stopped before the answer started"
            return run
        events: queue.Queue[tuple[str, Any]] = queue.Queue()
        abandon = threading.Event()
        headers = {"x-stainless-retry-count": str(retries)}
        sent: list[float] = []

        def pump() -> None:  # reads the stream in a worker thread so that `stop` and the clock are honoured
            _SENT.set(sent)
            stream = runnable.stream(messages, extra_headers=headers)
            try:
                for piece in stream:
                    if abandon.is_set():
                        break
                    events.put(("chunk", piece))
                events.put(("end", None))
            except BaseException as exc:
                events.put(("error", exc))
            finally:
                stream.close()  # closes the HTTP response

        begun = time.monotonic()
        last = begun
        threading.Thread(target=copy_context().run, args=(pump,), daemon=True, name="llm-stream").start()
        try:
            while True:
                if stop.is_set():
                    run.status, run.error = "stopped", "stopped before the answer finished"
                    break
                try:
                    kind, item = events.get(timeout=_POLL)
                except queue.Empty:
                    if run.chunks == 0 and sent:
                        last = max(last, sent[-1])  # waiting for the first token: counted from the request
                    # a model reads the whole prompt before its first token: that wait has its own limit
                    limit = self.timeout if run.parts or run.tool_args else self.first_token_timeout
                    if (sent or run.chunks) and time.monotonic() - last > limit:
                        if not run.parts and not run.tool_args:
                            raise self._error(_FirstTokenTimeout(), retries) from None
                        run.status = "stalled"
                        run.error = f"stream ended early: no token for {self.timeout:g} s"
                        break
                    continue
                last = time.monotonic()
                if kind == "end":
                    break
                if kind == "error":
                    if run.chunks == 0:
                        run.failure = item
                    elif not run.parts and not run.tool_args:
                        raise self._error(item, retries) from item
                    else:
                        reason = self._reason(item)
                        run.status = "stalled" if reason.startswith("no data") else "cut"
                        run.error = f"stream ended early: {reason}"
                    break
                self._read_chunk(item, run, on_piece, last - begun)
        finally:
            abandon.set()  # also when on_piece raised: the worker closes the stream at its next chunk
        return run

    @staticmethod
    def _read_chunk(item: Any, run: _Run, on_piece: Callable[[str], None] | None, at: float) -> None:
        run.chunks += 1
        meta = {**item.response_metadata, **(getattr(item, "generation_info", None) or {})}
        run.finish_reason = meta.get("finish_reason") or run.finish_reason
        run.model = meta.get("model_name") or run.model
        if item.usage_metadata:
            run.usage = dict(item.usage_metadata)
        for call in getattr(item, "tool_call_chunks", None) or []:
            if call.get("index") not in (None, 0) and run.tool_name is not None:
                continue  # one object is asked for: a second, parallel call is ignored
            run.tool_name = run.tool_name or call.get("name")
            if call.get("args"):
                run.tool_args.append(call["args"])
                if run.first_token is None:
                    run.first_token = round(at, 3)
        text = item.content if isinstance(item.content, str) else ""
        if text:
            run.parts.append(text)
            if run.first_token is None:
                run.first_token = round(at, 3)
            if on_piece:
                on_piece(text)

    def _retry_wait(self, exc: BaseException, retries: int) -> float | None:
        """Seconds to wait before retrying ``exc``, or None when it is not worth a retry."""
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return None
        if isinstance(exc, openai.APIStatusError):
            response = exc.response
            if response.headers.get("x-should-retry") == "false":
                return None
            if exc.status_code not in _RETRY_STATUS and exc.status_code < 500 \
                    and response.headers.get("x-should-retry") != "true":
                return None
            asked = _retry_after(response.headers)
            if asked is not None and asked > RETRY_AFTER_MAX:
                raise _TooLongToWait(exc, asked)
            if asked is not None and asked > 0 and retries < self.max_retries:
                return asked
        elif not isinstance(exc, openai.APIConnectionError):
            return None
        return min(_BACKOFF_FIRST * 2.0 ** retries, _BACKOFF_MAX) * (1 - 0.25 * random.random())

    # -- helpers -----------------------------------------------------------------------------
    def _usage(self, server: dict[str, Any] | None, model: str | None, prompt: list[str], text: str,
               seconds: float, first_token: float | None = None) -> dict[str, Any]:
        from ..tokens import cost_usd, count_tokens

        model = model or self.model
        if server:
            prompt_tokens, completion_tokens = int(server.get("input_tokens", 0)), int(server.get("output_tokens", 0))
            total = int(server.get("total_tokens") or prompt_tokens + completion_tokens)
        else:  # 3 tokens of framing per message plus 3 to prime the reply (OpenAI's cookbook)
            prompt_tokens = sum(count_tokens(p, self.model) + 3 for p in prompt) + 3
            completion_tokens = count_tokens(text, self.model)
            total = prompt_tokens + completion_tokens
        cost = cost_usd(model, prompt_tokens, completion_tokens)
        return {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": total,
                "cost_usd": None if cost is None else round(cost, 6), "model": model,
                "seconds": round(seconds, 3), "first_token_seconds": first_token, "estimated": not server}

    def _clean(self, message: str) -> str:
        """One line, no API key (this client's, or anything shaped like one), not too long."""
        return _short(_KEYLIKE.sub(r"\1-***", redact(message, self._secret)))

    def _reason(self, exc: BaseException) -> str:
        """A short description of a failure that happened mid-stream."""
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return f"no data for {self.timeout:g} s"
        if isinstance(exc, openai.APIConnectionError):
            return "the server dropped the connection"
        if isinstance(exc, openai.APIStatusError):
            return self._clean(f"HTTP {exc.status_code}: {_server_message(exc)}")
        if isinstance(exc, (ValueError, KeyError, TypeError)):
            return "the server sent a malformed chunk"
        return self._clean(f"{type(exc).__name__}: {exc}")

    def _error(self, exc: BaseException, retries: int = 0) -> LLMError:
        """Map any failure of a call to one user-facing LLMError; ``retries`` is how many were really made."""
        import openai

        url, model = self.shown_url, self.model
        after = f" after {retries} retr{'y' if retries == 1 else 'ies'}" if retries else ""
        if isinstance(exc, LLMError):
            return exc
        if isinstance(exc, _TooLongToWait):
            refused, wait = exc.cause, _duration(exc.seconds)
            if isinstance(refused, openai.RateLimitError):
                msg = (f"the LLM endpoint at {url} rate-limited the request (429) and asks to wait {wait} before "
                       f"another, longer than litreview waits ({RETRY_AFTER_MAX:g} s){after}: try again later")
            else:
                status = getattr(refused, "status_code", "?")
                msg = (f"the LLM endpoint at {url} answered HTTP {status} ({_server_message(refused)}) and asks to "
                       f"wait {wait} before another request, longer than litreview waits "
                       f"({RETRY_AFTER_MAX:g} s){after}: try again later")
        elif isinstance(exc, (_FirstTokenTimeout, openai.APITimeoutError)):
            msg = (f"the LLM endpoint at {url} did not answer within {self.first_token_timeout:g} s (no first "
                   "token; a slow local model may need more: raise [llm] first_token_timeout or "
                   "LITREVIEW_LLM_FIRST_TOKEN_TIMEOUT)")
        elif isinstance(exc, openai.APIConnectionError):
            cause = _root_cause(exc)
            msg = (f"cannot reach the LLM endpoint at {url} ({cause}){after}: is the server running and the "
                   "base URL (OPENAI_BASE_URL or [llm] base_url) right?")
        elif isinstance(exc, (openai.AuthenticationError, openai.PermissionDeniedError)):
            msg = (f"the LLM endpoint rejected the API key ({exc.status_code}) at {url}: "
                   "check OPENAI_API_KEY")  # the server's text is left out: it may quote the key
        elif isinstance(exc, openai.NotFoundError):
            msg = (f"model '{model}' not found at {url} (404): check [llm] model / LITREVIEW_MODEL, "
                   "and that the base URL ends in /v1")
        elif isinstance(exc, openai.RateLimitError):
            if "quota" in _server_message(exc).lower():
                msg = f"the LLM endpoint at {url} says the account has no quota left (429): check your plan and billing"
            else:
                msg = f"the LLM endpoint at {url} rate-limited the request (429){after}: try again later"
        elif isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
            msg = (f"the LLM endpoint at {url} failed with HTTP {exc.status_code}{after}: "
                   f"{_server_message(exc)} (try again later)")
        elif isinstance(exc, openai.BadRequestError):
            text = _server_message(exc)
            if "context" in text.lower() and ("length" in text.lower() or "window" in text.lower()):
                msg = f"the prompt is too long for model '{model}' (400): {text}"
            else:
                msg = f"the LLM endpoint at {url} refused the request (400): {text}"
        elif isinstance(exc, openai.APIStatusError):
            msg = f"the LLM endpoint at {url} answered HTTP {exc.status_code}{after}: {_server_message(exc)}"
        elif isinstance(exc, (openai.APIResponseValidationError, _NotCompatible, ValueError, KeyError,
                              TypeError, AttributeError)):
            msg = f"the LLM endpoint at {url} returned a response that is not an OpenAI-compatible chat completion"
        else:
            msg = f"the LLM call to {url} failed: {type(exc).__name__}: {exc}"
        return LLMError(self._clean(msg))


_SENT: ContextVar[list[float] | None] = ContextVar("litreview_llm_sent", default=None)


def _note_sent(request: Any) -> None:
    """httpx request hook: records when a chat request leaves, for the stream that sent it."""
    sent = _SENT.get()
    if sent is not None:
        sent.append(time.monotonic())


class _FirstTokenTimeout(Exception):
    """No chunk arrived within the timeout after the request was sent."""


def _retry_after(headers: Any) -> float | None:
    """Seconds the server asks to wait: ``retry-after-ms``, else ``Retry-After`` in seconds or as an HTTP date."""
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) / divisor
        except ValueError:
            continue
        return seconds if math.isfinite(seconds) else RETRY_AFTER_MAX + 1
    value = headers.get("retry-after")
    if value:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        return max(0.0, when.timestamp() - time.time())
    return None


def _duration(seconds: float) -> str:
    if seconds >= 90:
        minutes = seconds / 60
        return f"{minutes:.0f} min" if minutes < 90 else f"{minutes / 60:.1f} h"
    return f"{seconds:g} s"


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _server_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if message:
            return _short(str(message), 160)
    return _short(getattr(exc, "message", "") or type(exc).__name__, 160)


def _root_cause(exc: BaseException) -> str:
    """The innermost cause, e.g. 'Connection refused', without the class-name noise."""
    seen = exc
    while seen.__cause__ is not None or seen.__context__ is not None:
        seen = seen.__cause__ or seen.__context__  # type: ignore[assignment]
    text = str(seen) or type(seen).__name__
    match = re.search(r"\[Errno -?\d+\] ([^\]'\"]+)", text)
    return _short(match.group(1) if match else text, 120)


def _parse_json_as(text: str, schema: type[M], literal: str = "") -> M:
    """The first JSON object in ``text`` (code fences allowed), validated as ``schema``; ValueError if not.

    ``literal``: the prompt. A backslash the model copied from it (a LaTeX macro such as ``\\name``)
    is kept as a backslash, not read as the JSON escape it happens to start (``\\n``); see
    :func:`repair_escapes`. Raw line breaks inside strings are accepted."""
    from pydantic import ValidationError

    body = text.strip()
    fence = re.search(r"```(?:json)?\s*(.*?)```", body, re.S)
    if fence:
        body = fence.group(1).strip()
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("no JSON object in the answer")
    try:
        data = json.loads(repair_escapes(body[start:end + 1], literal), strict=False)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg}") from None
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise ValueError(_explain(exc)) from None


_ESCAPE_RE = re.compile(r"\\(u[0-9a-fA-F]{4}|[A-Za-z]+|.)", re.S)


def repair_escapes(body: str, literal: str = "") -> str:
    """JSON text with the backslashes a model meant literally escaped, so they survive decoding.

    * An escape JSON does not have (``\\alpha``, ``\\sigma``, ``\\%``) is a literal backslash.
    * ``\\b`` or ``\\f`` followed by letters (``\\beta``, ``\\frac``) is a macro: no one means a
      backspace or form feed in prose.
    * ``\\n``, ``\\r`` or ``\\t`` followed by letters (``\\name``, ``\\rho``, ``\\textbf``) is a
      macro when that macro is in ``literal`` (the prompt: the sources the model copied from),
      else the escape it spells (``\\nThe`` after a heading is a line break).
    """
    def fix(m: re.Match[str]) -> str:
        esc = m.group(1)
        head = esc[0]
        if head in "\"\\/" or (head == "u" and re.fullmatch(r"u[0-9a-fA-F]{4}", esc)):
            return m.group(0)
        if head in "bfnrt":
            if len(esc) == 1:
                return m.group(0)
            if head in "bf" or "\\" + esc in literal or _macro_prefix(esc, literal):
                return "\\\\" + esc
            return m.group(0)
        return "\\\\" + esc

    return _ESCAPE_RE.sub(fix, body)


def _macro_prefix(letters: str, literal: str) -> bool:
    """Whether ``literal`` holds a backslash macro that ``letters`` starts with ("\\name" for "nameX")."""
    return any(len(m) > 1 and letters.startswith(m) for m in re.findall(r"\\([A-Za-z]+)", literal))


def _explain(exc: BaseException) -> str:
    """'field: problem; ...' for a pydantic error (also one wrapped by a langchain parser), else its text."""
    from pydantic import ValidationError

    seen: BaseException | None = exc
    while seen is not None and not isinstance(seen, ValidationError):
        seen = seen.__cause__ or seen.__context__
    if seen is None:
        return _short(str(exc), 160)
    problems = [f"{'.'.join(map(str, e['loc'])) or 'object'}: {e['msg']}" for e in seen.errors()[:3]]
    return _short("; ".join(problems), 200)
