"""One settings object (pydantic-settings), read from the environment and an optional TOML file.

Precedence (highest first): keyword arguments, environment variables, the settings file, defaults.
The settings file is ``$LITREVIEW_CONFIG`` or ``<home>/config.toml``; its sections are the
sections of :class:`Settings`::

    [llm]
    model = "gpt-4o-mini"
    base_url = "http://localhost:11434/v1"   # Ollama, vLLM, llama.cpp server, ...
    timeout = 60                             # seconds without a token before a call fails
    max_retries = 3                          # 0 means no retry

    [store]
    chroma_url = "http://127.0.0.1:8000"     # optional shared Chroma server
    read_only = true                         # mirror that server's papers; never write to it
    embedding = "minilm"                     # or "openai:text-embedding-3-small"
    ingest_batch = 1000                      # papers per all-or-nothing ingest batch

    [retrieval]
    dense_weight = 0.6

    [answer]
    weak_match = 0.5                         # below this best similarity an answer says it is a near miss
    llm_sources = 4                          # papers the model is shown

    [tui.keymap]
    toggle_panel = "f2"                      # binding id = keys

Every field can also be set as ``LITREVIEW_<SECTION>__<FIELD>`` (``LITREVIEW_STORE__INGEST_BATCH=200``);
the common ones keep their short names (:data:`SHORT_ENV`). A misspelt key, a value of the wrong type
or out of range is a :class:`~assistant.errors.ConfigError` naming the key and where it came from; zero
means zero where zero makes sense (``max_retries = 0``) and is refused where it does not.

The API key is only ever read from ``OPENAI_API_KEY``: it is never written to a file by litreview and
never printed (``repr`` and :meth:`Settings.describe` hide it).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from .errors import ConfigError

APP_NAME = "litreview"

# Environment variables with short names (documented in the README), and the field each one sets.
SHORT_ENV = {
    "LITREVIEW_CHROMA_URL": ("store", "chroma_url"),
    "LITREVIEW_READ_ONLY": ("store", "read_only"),
    "LITREVIEW_EMBEDDING": ("store", "embedding"),
    "LITREVIEW_INGEST_BATCH": ("store", "ingest_batch"),
    "LITREVIEW_MODEL": ("llm", "model"),
    "LITREVIEW_LLM_TIMEOUT": ("llm", "timeout"),
    "LITREVIEW_LLM_FIRST_TOKEN_TIMEOUT": ("llm", "first_token_timeout"),
    "LITREVIEW_LLM_RETRIES": ("llm", "max_retries"),
    "OPENAI_BASE_URL": ("llm", "base_url"),
}
# Keyword shortcuts accepted by ``Settings(...)`` and :meth:`Settings.replace` (the flat names).
SHORT_KEYS = {"chroma_url": ("store", "chroma_url"), "read_only": ("store", "read_only"),
              "embedding": ("store", "embedding"), "ingest_batch": ("store", "ingest_batch"),
              "llm_model": ("llm", "model"), "llm_timeout": ("llm", "timeout"),
              "llm_first_token_timeout": ("llm", "first_token_timeout"),
              "llm_max_retries": ("llm", "max_retries"), "openai_base_url": ("llm", "base_url")}
SECTIONS = ("llm", "store", "retrieval", "answer", "tui")


def default_home() -> Path:
    env = os.environ.get("LITREVIEW_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class LLMSettings(_Section):
    """The OpenAI-compatible chat endpoint (used when ``OPENAI_API_KEY`` or ``base_url`` is set)."""

    model: str = Field("gpt-4o-mini", min_length=1, description="chat model name as the endpoint knows it")
    base_url: str | None = Field(None, description="OpenAI-compatible endpoint, e.g. http://localhost:11434/v1")
    timeout: float = Field(60.0, gt=0, allow_inf_nan=False,
                           description="seconds a call may wait for the next token before failing")
    first_token_timeout: float = Field(300.0, gt=0, allow_inf_nan=False,
                                       description="seconds a call may wait for its first token (never less than "
                                                   "timeout): a local model reads the whole prompt first, which "
                                                   "takes a minute or more on a CPU")
    max_retries: int = Field(3, ge=0, le=20, description="retries after a rate limit or server error; 0 = none")
    judge: bool = Field(False, description="also ask the model to judge each cited sentence against its abstract "
                                           "(one call per citation); its label counts only when the sentence it "
                                           "quotes is in the abstract")


class StoreSettings(_Section):
    """Where papers and vectors live."""

    chroma_url: str | None = Field(None, description="a shared Chroma server (http://host:port); none = embedded")
    read_only: bool = Field(False, description="mirror the shared server's papers; never write to it")
    embedding: str = Field("minilm", min_length=1,
                           description='"minilm" (offline all-MiniLM-L6-v2) or "openai:<model>"')
    ingest_batch: int = Field(1000, ge=1, le=1_000_000,
                              description="papers per all-or-nothing ingest batch (1000: the pipeline's peak RSS "
                                          "grows 1.44x from 10k to 100k papers, bench/RESULTS.md)")


class RetrievalSettings(_Section):
    """Hybrid search (``retrieval.py``): the fused score is ``dense_weight * dense + (1 - dense_weight) * BM25``."""

    dense_weight: float = Field(0.6, ge=0, le=1,
                                description="weight of the dense score in hybrid search; 0.5-0.6 tied best when "
                                            "swept over 0.4-0.8 on evals/sets (all-MiniLM-L6-v2 int8)")
    dense_pool: int = Field(200, ge=1, le=10_000, description="nearest passages fetched from Chroma per query")
    lexical_pool: int = Field(100, ge=1, le=10_000, description="best BM25 papers fused per query")


class AnswerSettings(_Section):
    """``ask`` (``engines/``): when an answer is a weak match, and how much the model reads."""

    weak_match: float = Field(0.5, ge=0, le=1,
                              description="best evidence similarity below which an answer says the abstracts are "
                                          "only near the question; on evals/heldout 7 of 10 near-miss questions "
                                          "scored 0.39-0.48, answerable ones from 0.51")
    evidence_tokens: int = Field(3000, ge=100, le=1_000_000,
                                 description="tokens of abstracts the LLM path gathers as evidence")
    history_tokens: int = Field(1500, ge=0, le=1_000_000,
                                description="tokens of earlier turns the LLM reads as chat messages; 0 = none")
    llm_sources: int = Field(4, ge=1, le=50,
                             description="papers the model is shown (small models lose track of more)")
    llm_sentences: int = Field(5, ge=1, le=100,
                               description="sentences per paper the model is shown: its first own method sentence "
                                           "and those sharing most words with the question")


class TuiSettings(_Section):
    """The chat app (``litreview chat``)."""

    keymap: dict[str, str] = Field(default_factory=dict,
                                   description="binding id -> keys, e.g. toggle_panel = \"f2\" (ids: /help in chat)")


class _TomlSource(PydanticBaseSettingsSource):
    """The settings file's sections (the API key may not be in it)."""

    def __init__(self, settings_cls: type[BaseSettings], data: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self.data = data

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover - unused
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return self.data


class _EnvSource(PydanticBaseSettingsSource):
    """``LITREVIEW_<SECTION>__<FIELD>``, the short names in :data:`SHORT_ENV`, and ``OPENAI_API_KEY``."""

    def __init__(self, settings_cls: type[BaseSettings], env: dict[str, str]) -> None:
        super().__init__(settings_cls)
        self.env = env

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:  # pragma: no cover - unused
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        out: dict[str, dict[str, Any]] = {}
        for name, value in self.env.items():
            if value == "":
                continue  # an empty variable is unset
            if name in SHORT_ENV:
                section, key = SHORT_ENV[name]
            elif name.startswith("LITREVIEW_") and "__" in name:
                section, _, key = name.removeprefix("LITREVIEW_").lower().partition("__")
                if section not in SECTIONS:
                    raise ConfigError(f"{name}: no settings section {section!r} (sections: {', '.join(SECTIONS)})")
            else:
                continue
            out.setdefault(section, {})[key] = value
        data: dict[str, Any] = dict(out)
        if self.env.get("OPENAI_API_KEY"):
            data["openai_api_key"] = self.env["OPENAI_API_KEY"]
        return data


def _fill_sections(data: Any) -> Any:
    """The flat names in :data:`SHORT_KEYS` moved into their sections; anything but a dict is returned as is."""
    if not isinstance(data, dict) or not SHORT_KEYS.keys() & data.keys():
        return data
    data = dict(data)
    for flat, (section, key) in SHORT_KEYS.items():
        if flat in data:
            current = data.get(section) or {}
            current = current.model_dump() if isinstance(current, BaseModel) else dict(current)
            current[key] = data.pop(flat)
            data[section] = current
    return data


class Settings(BaseSettings):
    """Everything litreview can be configured with; see the module docstring for where values come from."""

    model_config = SettingsConfigDict(extra="forbid", frozen=True, validate_default=True)

    home: Path = Field(description="the data dir: $LITREVIEW_HOME, else the platform's user data dir")
    config_file: Path | None = Field(None, description="the settings file that was read, if any")
    llm: LLMSettings = LLMSettings()
    store: StoreSettings = StoreSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    answer: AnswerSettings = AnswerSettings()
    tui: TuiSettings = TuiSettings()
    openai_api_key: str | None = Field(None, repr=False, description="from OPENAI_API_KEY only; never printed")

    @model_validator(mode="before")
    @classmethod
    def _shortcuts(cls, data: Any) -> Any:
        """``Settings(home=..., chroma_url=...)``: the flat names in :data:`SHORT_KEYS` fill their sections."""
        return _fill_sections(data)

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.store.read_only and not self.store.chroma_url:
            raise ValueError("read_only (LITREVIEW_READ_ONLY) is for readers of a shared Chroma server; "
                             "set LITREVIEW_CHROMA_URL too, or unset it")
        return self

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings):
        return (init_settings,)  # load() assembles the environment and the file itself

    # -- reading -----------------------------------------------------------------------------------
    @classmethod
    def load(cls, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``env`` (default: the process environment) and the settings file it points at."""
        env = dict(os.environ if env is None else env)
        home = Path(env["LITREVIEW_HOME"]).expanduser() if env.get("LITREVIEW_HOME") else default_home()
        config_file = Path(env.get("LITREVIEW_CONFIG") or home / "config.toml").expanduser()
        exists = config_file.is_file()
        file_data = _read_toml(config_file) if exists else {}
        env_data = _EnvSource(cls, env)()
        merged = _merge(file_data, env_data)
        try:
            return cls(home=home, config_file=config_file if exists else None, **_merge(merged, overrides))
        except ValidationError as exc:
            raise ConfigError(_describe(exc, config_file if exists else None)) from None

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed (flat shortcuts allowed), validated again."""
        data = self.model_dump()
        try:
            return type(self)(**_merge(data, dict(_fill_sections(changes))))
        except ValidationError as exc:
            raise ConfigError(_describe(exc, self.config_file)) from None

    # -- derived -----------------------------------------------------------------------------------
    @property
    def llm_configured(self) -> bool:
        """An LLM is used when a key is set, or a base URL points at a local server."""
        return bool(self.openai_api_key or self.llm.base_url)

    @property
    def catalogue_path(self) -> Path:
        return self.home / "papers.sqlite"

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    # Short read access to the store fields most of the code asks about.
    @property
    def chroma_url(self) -> str | None:
        return self.store.chroma_url

    @property
    def read_only(self) -> bool:
        return self.store.read_only

    def describe(self) -> dict[str, object]:
        """Settings safe to show: the key is reported as set or not, never its value."""
        out: dict[str, object] = {"home": str(self.home),
                                  "config_file": str(self.config_file) if self.config_file else None}
        for section in SECTIONS:
            for key, value in getattr(self, section).model_dump().items():
                out[f"{section}.{key}"] = value
        out["openai_api_key"] = "set" if self.openai_api_key else "not set"
        return out


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = {**out[key], **value}
        else:
            out[key] = value
    return out


def _where(section: str, key: str, config_file: Path | None) -> str:
    env = next((name for name, target in SHORT_ENV.items() if target == (section, key)),
               f"LITREVIEW_{section.upper()}__{key.upper()}")
    in_file = f"[{section}] {key} in {config_file}" if config_file else f"[{section}] {key} in config.toml"
    return f"{section}.{key} ({env} or {in_file})"


def _describe(exc: ValidationError, config_file: Path | None) -> str:
    """The first validation error as one sentence naming the key and where it can be set."""
    error = exc.errors()[0]
    loc = [str(part) for part in error["loc"]]
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        where = f" in {config_file}" if config_file else ""
        section = Settings.model_fields[loc[0]].annotation if len(loc) > 1 else None
        fields = section.model_fields if isinstance(section, type) and issubclass(section, BaseModel) else SECTIONS
        known = ", ".join(fields)
        return f"unknown setting {'.'.join(loc)}{where} (known here: {known})"
    if len(loc) >= 2 and loc[0] in SECTIONS:
        value = error.get("input")
        return f"{_where(loc[0], loc[1], config_file)}: {message.lower()}, not {value!r}"
    if not loc:
        return message.removeprefix("Value error, ")
    return f"{'.'.join(loc)}: {message.lower()}"


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read settings file ({exc.strerror})") from exc
    for section, value in data.items():
        if section not in SECTIONS:
            raise ConfigError(f"{path}: unknown section or key {section!r} (sections: {', '.join(SECTIONS)})")
        if not isinstance(value, dict):
            raise ConfigError(f"{path}: [{section}] must be a table")
    return data
