"""The one place litreview talks to a language model: any OpenAI-compatible chat endpoint.

:class:`LLMClient` wraps langchain-openai's ``ChatOpenAI`` (OpenAI itself, or a local
Ollama / vLLM / llama.cpp server through ``base_url``).

Retries and backoff are the openai client's: with ``max_retries=N`` it retries connection
errors, timeouts, 408, 409, 429 and 5xx up to N times, waiting what the server asks for in
``Retry-After`` / ``retry-after-ms`` (when between 0 and 120 s; a longer request is not
retried), else exponential backoff (0.5 s doubling up to 8 s, minus up to 25 % jitter).
litreview adds no retry loop of its own; tests/engines/test_llm.py checks this against a
real HTTP server.

Every failure becomes an :class:`~assistant.errors.LLMError` whose message is one line a
user can act on, never a traceback and never the API key. A stream that breaks after some
text arrived is not an error: :meth:`LLMClient.complete` returns the partial text with
``finished=False`` and the reason in ``error``.

langchain and openai are imported lazily so that importing this module stays cheap.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import time
from contextvars import copy_context
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Sequence, TypeVar
from urllib.parse import urlsplit, urlunsplit

from ..errors import ConfigError, LLMError
from ..settings import Settings

if TYPE_CHECKING:
    from pydantic import BaseModel

    M = TypeVar("M", bound=BaseModel)

_POLL = 0.05  # seconds between checks of the stop event while waiting for the next chunk
_KEYLIKE = re.compile(r"\b(sk|key)-[A-Za-z0-9_\-*.]{4,}")


@dataclass
class Completion:
    """What a chat call produced.

    ``usage``: prompt_tokens, completion_tokens, total_tokens, cost_usd (None for models
    without a known price), model, seconds, estimated (True when the server sent no usage
    and the numbers were counted locally with tiktoken).
    ``finished`` is False when the stream was cut or stopped; ``error`` then says why.
    """

    text: str
    usage: dict[str, Any] = field(default_factory=dict)
    finished: bool = True
    error: str | None = None
    finish_reason: str | None = None  # "stop", "length" (hit the token limit), "tool_calls", ...


class _NotCompatible(Exception):
    """The endpoint answered, but not with an OpenAI chat completion."""


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
        from langchain_openai import ChatOpenAI

        from ..tokens import seed_tiktoken_cache

        try:  # so that langchain's own get_num_tokens() finds the BPE files without downloading
            seed_tiktoken_cache()
        except Exception:  # noqa: BLE001 - token counting for langchain is a convenience only
            pass
        self.settings = settings
        self.model = settings.llm.model
        # None: the openai client's own default endpoint (OpenAI), used only when a key is configured.
        self.base_url = settings.llm.base_url.rstrip("/") if settings.llm.base_url else None
        self._secret = settings.openai_api_key or ""
        self.last_usage: dict[str, Any] | None = None
        self.chat = ChatOpenAI(
            model=settings.llm.model,
            api_key=settings.openai_api_key or "not-needed",  # local servers ignore it, the client insists
            base_url=self.base_url,
            timeout=settings.llm.timeout,
            max_retries=settings.llm.max_retries,
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
        """Stream an answer, calling ``on_token`` with each piece of text in order.

        ``history``: earlier turns of a conversation, ``("user" | "assistant", text)`` oldest first,
        sent as chat messages between the system message and ``user``.
        Setting ``stop`` ends the call within ~50 ms, even while the server is silent; the
        text so far comes back with ``finished=False``. ``on_token`` runs in the caller's thread.
        """
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        start = time.perf_counter()
        stop = stop or threading.Event()
        parts: list[str] = []
        usage: dict[str, Any] | None = None
        finish_reason, model, error, chunks = None, None, None, 0
        events: queue.Queue[tuple[str, Any]] = queue.Queue()
        abandon = threading.Event()
        prior = [AIMessage(text) if role == "assistant" else HumanMessage(text) for role, text in history]
        messages = [SystemMessage(system), *prior, HumanMessage(user)]

        def pump() -> None:  # reads the stream in a worker thread so that `stop` is honoured at once
            stream = self.chat.stream(messages)
            try:
                for piece in stream:
                    if abandon.is_set():
                        break
                    events.put(("chunk", piece))
                events.put(("end", None))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                events.put(("error", exc))
            finally:
                stream.close()  # closes the HTTP response

        if not stop.is_set():
            threading.Thread(target=copy_context().run, args=(pump,), daemon=True, name="llm-stream").start()
        try:
            while True:
                if stop.is_set():
                    abandon.set()
                    error = "stopped before the answer finished"
                    break
                try:
                    kind, item = events.get(timeout=_POLL)
                except queue.Empty:
                    continue
                if kind == "end":
                    break
                if kind == "error":
                    if not parts:
                        raise self._error(item) from item
                    error = f"stream ended early: {self._reason(item)}"
                    break
                chunks += 1
                meta = {**item.response_metadata, **(getattr(item, "generation_info", None) or {})}
                finish_reason = meta.get("finish_reason") or finish_reason
                model = meta.get("model_name") or model
                if item.usage_metadata:
                    usage = dict(item.usage_metadata)
                text = item.content if isinstance(item.content, str) else ""
                if text:
                    parts.append(text)
                    if on_token:
                        on_token(text)
        finally:
            abandon.set()  # also when on_token raised: the worker closes the stream at its next chunk
        text = "".join(parts)
        if error is None and finish_reason is None:
            if chunks == 0:
                raise LLMError(f"the LLM endpoint at {self.shown_url} returned a response that is not an "
                               "OpenAI-compatible chat completion (no chat-completion chunks in the stream)")
            if not text:
                raise LLMError(f"the LLM endpoint at {self.shown_url} closed the stream before sending any text")
            error = "stream ended early: the server closed it without a finish_reason"
        self.last_usage = self._usage(usage, model, [system, *(t for _, t in history), user], text,
                                      time.perf_counter() - start)
        return Completion(text, self.last_usage, finished=error is None, error=error, finish_reason=finish_reason)

    # -- structured output -------------------------------------------------------------------
    def structured(self, system: str, user: str, schema: type[M]) -> M:
        """Ask for a ``schema`` instance: a tool call first, else JSON in plain text.

        Endpoints without tool support (HTTP 400/422, or an answer without a tool call) get
        a second request asking for JSON that matches the schema; LLMError if that fails too.
        """
        import openai
        from langchain_core.messages import HumanMessage, SystemMessage

        start = time.perf_counter()
        runnable = self.chat.with_structured_output(schema, method="function_calling", include_raw=True)
        messages = [SystemMessage(system), HumanMessage(user)]
        first_problem = "the endpoint answered without a tool call"
        try:
            out = runnable.invoke(messages)
        except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
            out, first_problem = None, f"tool calling refused ({self._reason(exc)})"
        except Exception as exc:  # noqa: BLE001
            raise self._error(exc) from exc
        if out is not None:
            raw = out.get("raw")
            usage = getattr(raw, "usage_metadata", None)
            model = (getattr(raw, "response_metadata", None) or {}).get("model_name")
            self.last_usage = self._usage(dict(usage) if usage else None, model, [system, user],
                                          str(getattr(raw, "content", "") or ""), time.perf_counter() - start)
            if isinstance(out.get("parsed"), schema):
                return out["parsed"]
            if out.get("parsing_error") is not None:
                first_problem = f"the tool call did not match the schema ({_explain(out['parsing_error'])})"
            content = getattr(raw, "content", None)
            if isinstance(content, str) and content.strip():
                try:  # some servers answer with the JSON as text instead of a tool call
                    return _parse_json_as(content, schema)
                except ValueError:
                    pass
        schema_json = json.dumps(schema.model_json_schema(), ensure_ascii=False)
        ask_json = (f"{system}\n\nReply with one JSON object that matches this JSON Schema, and nothing else "
                    f"(no prose, no code fences):\n{schema_json}")
        completion = self.complete(ask_json, user)
        try:
            return _parse_json_as(completion.text, schema)
        except ValueError as exc:
            raise LLMError(f"the model at {self.shown_url} did not return a valid {schema.__name__}: "
                           f"{first_problem}, and the JSON fallback failed ({exc})") from None

    # -- helpers -----------------------------------------------------------------------------
    def _usage(self, server: dict[str, Any] | None, model: str | None, prompt: list[str], text: str,
               seconds: float) -> dict[str, Any]:
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
                "seconds": round(seconds, 3), "estimated": not server}

    def _clean(self, message: str) -> str:
        """One line, no API key, not too long."""
        if self._secret:
            message = message.replace(self._secret, "***")
        message = _KEYLIKE.sub(r"\1-***", message)
        return _short(message)

    def _reason(self, exc: BaseException) -> str:
        """A short description of a failure that happened mid-stream."""
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return f"no data for {self.settings.llm.timeout:g} s"
        if isinstance(exc, openai.APIConnectionError):
            return "the connection was lost"
        if isinstance(exc, openai.APIStatusError):
            return self._clean(f"HTTP {exc.status_code}: {_server_message(exc)}")
        if isinstance(exc, (ValueError, KeyError, TypeError)):
            return "the server sent a malformed chunk"
        return self._clean(f"{type(exc).__name__}: {exc}")

    def _error(self, exc: BaseException) -> LLMError:
        """Map any failure of a call to one user-facing LLMError."""
        import openai

        url, model = self.shown_url, self.model
        retries = self.settings.llm.max_retries
        after = f" after {retries} retr{'y' if retries == 1 else 'ies'}" if retries else ""
        if isinstance(exc, LLMError):
            return exc
        if isinstance(exc, openai.APITimeoutError):
            msg = (f"the LLM endpoint at {url} did not answer within {self.settings.llm.timeout:g} s{after} "
                   "(raise [llm] timeout or LITREVIEW_LLM_TIMEOUT for slow models)")
        elif isinstance(exc, openai.APIConnectionError):
            cause = _root_cause(exc)
            msg = (f"cannot reach the LLM endpoint at {url} ({cause}): is the server running and the "
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
            msg = f"the LLM endpoint at {url} answered HTTP {exc.status_code}: {_server_message(exc)}"
        elif isinstance(exc, (openai.APIResponseValidationError, _NotCompatible, ValueError, KeyError,
                              TypeError, AttributeError)):
            msg = f"the LLM endpoint at {url} returned a response that is not an OpenAI-compatible chat completion"
        else:
            msg = f"the LLM call to {url} failed: {type(exc).__name__}: {exc}"
        return LLMError(self._clean(msg))


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


def _parse_json_as(text: str, schema: type[M]) -> M:
    """The first JSON object in ``text`` (code fences allowed), validated as ``schema``; ValueError if not."""
    from pydantic import ValidationError

    body = text.strip()
    fence = re.search(r"```(?:json)?\s*(.*?)```", body, re.S)
    if fence:
        body = fence.group(1).strip()
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("no JSON object in the answer")
    try:
        data = json.loads(body[start:end + 1])
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc.msg}") from None
    try:
        return schema.model_validate(data)
    except ValidationError as exc:
        raise ValueError(_explain(exc)) from None


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
