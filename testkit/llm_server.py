"""A real OpenAI-compatible HTTP server for tests (stdlib only, 127.0.0.1, random port).

    with FakeOpenAIServer() as server:
        server.push(Reply.status(429, headers={"Retry-After": "1"}), Reply.text("Hello there"))
        settings = Settings(home=tmp, openai_base_url=server.base_url, ...)
        ...
        assert server.requests[0].body["messages"][0]["role"] == "system"

Chat completions (``/v1/chat/completions``) take the next scripted :class:`Reply` from a
queue (or from ``server.script(request) -> Reply``), else ``server.default``. A text reply is
sent as one JSON completion or, when the request asks ``"stream": true``, as SSE chunks (one
per word, chunked transfer encoding, ``data: [DONE]`` last, plus a usage chunk when
``stream_options.include_usage`` is set). ``/v1/embeddings`` returns deterministic unit
vectors (dim 64, or the request's ``dimensions``); ``/v1/models`` lists ``server.models``.
Every request is recorded in ``server.requests``.

:class:`Misbehave` builds the replies small local models really give, written from the request's own
sources block: reasoning in ``<think>`` blocks, an echo of the source list, an abstract dump, a
repetition loop, a made-up figure behind a valid marker, first-person text copied from an abstract.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CHAT = "/v1/chat/completions"


@dataclass
class Reply:
    """One scripted answer. Build with the class methods below."""

    kind: str = "text"              # text | tool_call | status | malformed | html
    content: str = "Hello from the fake server."
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    error: str | None = None        # error message in the JSON error body
    delay: float = 0.0              # seconds before the status line (trigger client timeouts)
    chunk_delay: float = 0.0        # seconds between stream chunks
    usage: bool | dict = True       # False: never send usage; dict: these numbers
    cut_after: int | None = None    # stream: send this many words, then drop the connection
    clean_cut: bool = False         # ...ending the HTTP body properly (no finish_reason, no [DONE])
    stall_after: int | None = None  # stream: after this many words, wait `stall` seconds
    stall: float = 0.0
    ping: float = 0.0               # stream: during a stall, send an SSE comment (": ping") this often
    finish: str | None = None       # finish_reason to send instead of "stop" (e.g. "length")
    tool: str | None = None         # tool_call: function name (default: the request's first tool)
    arguments: dict = field(default_factory=dict)
    raw_arguments: str | None = None  # tool_call: the arguments string exactly as sent (e.g. with bad escapes)
    render: Callable[[dict], str] | None = None  # text: content written from the request body

    @classmethod
    def text(cls, content: str, **kw: Any) -> "Reply":
        return cls(kind="text", content=content, **kw)

    @classmethod
    def status(cls, code: int, error: str | None = None,  # noqa: F811 - the field holds the code, this builds one
               headers: dict[str, str] | None = None, **kw: Any) -> "Reply":
        return cls(kind="status", status=code, error=error or f"fake error {code}", headers=headers or {}, **kw)

    @classmethod
    def tool_call(cls, arguments: dict, tool: str | None = None, **kw: Any) -> "Reply":
        return cls(kind="tool_call", arguments=arguments, tool=tool, **kw)

    @classmethod
    def written(cls, render: Callable[[dict], str], **kw: Any) -> "Reply":
        """A text reply written from the request body when it arrives (see :class:`Misbehave`)."""
        return cls(kind="text", render=render, **kw)

    @classmethod
    def malformed(cls, **kw: Any) -> "Reply":
        """200 with a body that is not JSON (or an SSE stream whose data is not JSON)."""
        return cls(kind="malformed", **kw)

    @classmethod
    def html(cls, **kw: Any) -> "Reply":
        """200 with an HTML page, as from a web server that is not an OpenAI endpoint."""
        return cls(kind="html", **kw)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: Any                # parsed JSON, or None
    at: float                # time.monotonic() when the request arrived
    completed: bool | None = None  # streams: True once [DONE] was sent, False if the client hung up first


def words(text: str) -> list[str]:
    """How the server splits a reply into stream chunks: one word with its trailing space."""
    return re.findall(r"\S+\s*|\s+", text)


def fake_embedding(text: str, dim: int = 64) -> list[float]:
    """A deterministic unit vector derived from sha256(text)."""
    raw = b"".join(hashlib.sha256(f"{i}:{text}".encode()).digest() for i in range(math.ceil(dim / 8)))
    vec = [int.from_bytes(raw[4 * i:4 * i + 4], "big") / 2**31 - 1.0 for i in range(dim)]
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        self._record(None)
        if self.path.rstrip("/").endswith("/models"):
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self.server.owner.models]
            return self._json(200, {"object": "list", "data": data})
        self._json(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        req = self._record(body)
        try:
            if self.path == "/v1/embeddings":
                return self._embeddings(body or {})
            if self.path != CHAT:
                return self._json(404, {"error": {"message": f"no route {self.path}"}})
            self._chat(self.server.owner._next(req), body or {}, req)
        except (BrokenPipeError, ConnectionResetError):
            req.completed = False
            self.close_connection = True  # the client hung up (timeout, stop): fine

    # -- helpers ---------------------------------------------------------------------------
    def _record(self, body: Any) -> Recorded:
        req = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
        with self.server.owner._lock:
            self.server.owner.requests.append(req)
        return req

    def _send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for k, v in {"Content-Type": ctype, "Content-Length": str(len(body)), **(headers or {})}.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, obj: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json", headers)

    def _embeddings(self, body: dict) -> None:
        mode = self.server.owner.embedding_mode
        if mode == "echo_auth_401":  # a proxy that echoes the request's headers in its error body
            return self._json(401, {"error": {"message": f"bad key: {self.headers.get('Authorization')}",
                                              "type": "invalid_request_error", "code": "401"}})
        items = body.get("input", [])
        items = [items] if isinstance(items, str) or (items and isinstance(items[0], int)) else items
        dim = int(body.get("dimensions") or 64)
        data = []
        for i, item in enumerate(items):
            vec = fake_embedding(item if isinstance(item, str) else json.dumps(item), dim)
            emb: Any = vec
            if body.get("encoding_format") == "base64":
                emb = base64.b64encode(struct.pack(f"<{dim}f", *vec)).decode()
            if mode == "zero":
                emb = [0.0] * dim
            elif mode == "mixed" and i % 2:
                emb = vec[: dim // 2]
            data.append({"object": "embedding", "index": i, "embedding": emb})
        if mode == "short":
            data = data[:-1]
        n = sum(len(str(x).split()) for x in items)
        self._json(200, {"object": "list", "data": data, "model": body.get("model", "fake"),
                         "usage": {"prompt_tokens": n, "total_tokens": n}})

    def _chat(self, reply: Reply, body: dict, req: Recorded) -> None:
        stop = self.server.owner._stopping
        if reply.delay and stop.wait(reply.delay):
            return
        stream = bool(body.get("stream"))
        if reply.kind == "status":
            err = {"error": {"message": reply.error, "type": "fake_error", "code": str(reply.status)}}
            return self._json(reply.status, err, reply.headers)
        if reply.kind == "html":
            return self._send(200, b"<html><body><h1>It works!</h1></body></html>", "text/html")
        if reply.kind == "malformed" and not stream:
            return self._send(200, b'{"id": "x", "choices": [{"message": ', "application/json")
        model = body.get("model", "fake-model")
        base = {"id": "chatcmpl-fake", "created": int(time.time()), "model": model}
        content = reply.render(body) if reply.render is not None else reply.content
        pieces = words(content)
        prompt_words = sum(len(str(m.get("content") or "").split()) for m in body.get("messages", []))
        usage = reply.usage if isinstance(reply.usage, dict) else {
            "prompt_tokens": prompt_words, "completion_tokens": len(pieces),
            "total_tokens": prompt_words + len(pieces)}
        tool_call = None
        if reply.kind == "tool_call":
            name = reply.tool or ((body.get("tools") or [{}])[0].get("function", {}).get("name", "tool"))
            tool_call = {"id": "call_fake1", "type": "function",
                         "function": {"name": name, "arguments": reply.raw_arguments
                                      if reply.raw_arguments is not None else json.dumps(reply.arguments)}}
        finish = reply.finish or ("tool_calls" if tool_call else "stop")
        if not stream:
            message = {"role": "assistant", "content": None if tool_call else content}
            if tool_call:
                message["tool_calls"] = [tool_call]
            obj = {**base, "object": "chat.completion",
                   "choices": [{"index": 0, "message": message, "finish_reason": finish}]}
            if reply.usage is not False:
                obj["usage"] = usage
            return self._json(200, obj, reply.headers)
        # -- streaming (SSE over chunked transfer encoding) --
        self.send_response(200)
        for k, v in {"Content-Type": "text/event-stream", "Transfer-Encoding": "chunked", **reply.headers}.items():
            self.send_header(k, v)
        self.end_headers()

        def chunk(delta: dict | None, finish_reason: str | None = None, extra: dict | None = None) -> None:
            choices = [] if delta is None else [{"index": 0, "delta": delta, "finish_reason": finish_reason}]
            self._chunk(b"data: " + json.dumps({**base, "object": "chat.completion.chunk",
                                                 "choices": choices, **(extra or {})}).encode() + b"\n\n")

        if reply.kind == "malformed":
            self._chunk(b"data: {this is not json\n\n")
            return self._chunk(b"")
        chunk({"role": "assistant", "content": ""})
        if tool_call:  # the name first, then the arguments a few characters at a time, as real servers do
            args = tool_call["function"]["arguments"]
            chunk({"tool_calls": [{"index": 0, "id": tool_call["id"], "type": "function",
                                   "function": {"name": tool_call["function"]["name"], "arguments": ""}}]})
            pieces = [args[i:i + 12] for i in range(0, len(args), 12)]
        for i, piece in enumerate(pieces):
            if reply.cut_after is not None and i >= reply.cut_after:
                if reply.clean_cut:
                    self._chunk(b"")  # a well-formed end of the HTTP body, but no finish_reason or [DONE]
                self.close_connection = True
                return
            if reply.stall_after is not None and i == reply.stall_after:
                if self._stall(reply, stop):
                    return
            if reply.chunk_delay and stop.wait(reply.chunk_delay):
                return
            chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]} if tool_call else {"content": piece})
        chunk({}, finish)
        if (body.get("stream_options") or {}).get("include_usage") and reply.usage is not False:
            chunk(None, extra={"usage": usage})
        self._chunk(b"data: [DONE]\n\n")
        self._chunk(b"")
        req.completed = True

    def _stall(self, reply: Reply, stop: threading.Event) -> bool:
        """Wait ``reply.stall`` seconds with a keep-alive comment every ``reply.ping`` s; True if the server stops."""
        end = time.monotonic() + reply.stall
        while (left := end - time.monotonic()) > 0:
            if stop.wait(min(left, reply.ping) if reply.ping else left):
                return True
            if reply.ping and end - time.monotonic() > 0:
                self._chunk(b": ping\n\n")
        return False

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: "FakeOpenAIServer"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client dropping its connection (a timed-out call, a pooled keep-alive socket closed at exit)
        is normal traffic for this server, not an error: record it instead of printing a traceback to
        stderr, where the tests look for the CLI's own output. Anything else still prints."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
            self.owner.dropped_connections += 1
            return
        super().handle_error(request, client_address)


class FakeOpenAIServer:
    """Context manager running the fake endpoint in a background thread."""

    def __init__(self, *replies: Reply, default: Reply | None = None,
                 models: tuple[str, ...] = ("gpt-4o-mini",)) -> None:
        self.default = default or Reply.text("Hello from the fake server.")
        self.embedding_mode = "ok"  # ok | echo_auth_401 | zero | short (one vector too few) | mixed (sizes)
        self.models = models
        self.requests: list[Recorded] = []
        self.dropped_connections = 0
        self.script: Callable[[Recorded], Reply | None] | None = None
        self._queue: deque[Reply] = deque(replies)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"

    def push(self, *replies: Reply) -> "FakeOpenAIServer":
        with self._lock:
            self._queue.extend(replies)
        return self

    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path == CHAT]

    def _next(self, req: Recorded) -> Reply:
        if self.script is not None:
            reply = self.script(req)
            if reply is not None:
                return reply
        with self._lock:
            return self._queue.popleft() if self._queue else self.default

    def start(self) -> "FakeOpenAIServer":
        self._thread.start()
        return self

    def close(self) -> None:
        self._stopping.set()  # ends delays and stalls at once
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "FakeOpenAIServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- the bad habits of small local models -------------------------------------------------------------------
_SOURCE_HEAD = re.compile(r"^\[(\d+)\]\s+(.+?)(?:\s+\((\d{4})\))?\s*$")
_ROLE_TAG = re.compile(r"^\s*(?:[-*]\s*)?(?:\([a-z ]+\)\s*)?")


def request_sources(body: dict) -> list[tuple[int, str, str]]:
    """``(n, title, text)`` of each numbered source in the last user message of a chat request: lines
    ``[n] Title (year)`` each followed by the source's text (plain, or one role-tagged sentence a line)."""
    user = next((m.get("content") or "" for m in reversed(body.get("messages", [])) if m.get("role") == "user"), "")
    block = user.split("<sources>", 1)[-1].split("</sources>", 1)[0]
    out: list[tuple[int, str, list[str]]] = []
    for line in block.splitlines():
        head = _SOURCE_HEAD.match(line.strip())
        if head:
            out.append((int(head.group(1)), head.group(2), []))
        elif out and line.strip():
            out[-1][2].append(_ROLE_TAG.sub("", line.strip(), count=1))
    return [(n, title, " ".join(lines)) for n, title, lines in out]


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9])", text.strip()) if s]


class Misbehave:
    """Replies written from the request's sources, as weak local models really answer. Each is a
    :class:`Reply`; ``answer`` is the sound part of the reply, if any."""

    @staticmethod
    def think(answer: str, inside: str = "The user asks about this. Source [3] looks relevant.",
              tag: str = "think", closed: bool = True, **kw: Any) -> Reply:
        """Reasoning in a ``<tag>`` block before the answer (never closed: the answer is all reasoning)."""
        opener, close = f"<{tag}>", (f"</{tag}>" if not tag.startswith("|") else f"<|/{tag[1:]}>")
        return Reply.text(f"{opener}{inside}{close if closed else ''}\n\n{answer if closed else ''}", **kw)

    @staticmethod
    def source_echo(answer: str = "", **kw: Any) -> Reply:
        """The source list repeated ("[1] Title [2] Title ..."), then the answer."""
        def render(body: dict) -> str:
            listing = " ".join(f"[{n}] {title}" for n, title, _ in request_sources(body))
            return f"{listing}\n\n{answer}".strip()
        return Reply.written(render, **kw)

    @staticmethod
    def abstract_dump(**kw: Any) -> Reply:
        """Every source's text copied out, uncited: no answer at all."""
        return Reply.written(lambda body: "\n\n".join(text for _, _, text in request_sources(body)), **kw)

    @staticmethod
    def repetition_loop(answer: str, times: int = 3, **kw: Any) -> Reply:
        """The same paragraph ``times`` times."""
        return Reply.text("\n\n".join([answer] * times), **kw)

    @staticmethod
    def made_up_figure(n: int = 1, **kw: Any) -> Reply:
        """A figure no source states, behind a marker that numbers a real source."""
        return Reply.text(f"The model has 1,068,240 parameters [{n}].", **kw)

    @staticmethod
    def first_person(n: int = 1, **kw: Any) -> Reply:
        """Source ``n``'s first "We ..." sentence copied as the answer, with its marker."""
        def render(body: dict) -> str:
            text = next((t for m, _, t in request_sources(body) if m == n), "")
            ours = [s for s in _sentences(text) if re.match(r"(?:In this (?:paper|work), )?[Ww]e\b", s)]
            return f"{(ours or _sentences(text) or ['We did it.'])[0].rstrip('.')} [{n}]."
        return Reply.written(render, **kw)
