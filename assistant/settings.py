"""One settings object, read from the environment and an optional TOML file.

Precedence (highest first): environment variables, the settings file, defaults.
The settings file is ``$LITREVIEW_CONFIG`` or ``<home>/config.toml``::

    [llm]
    model = "gpt-4o-mini"
    base_url = "http://localhost:11434/v1"   # Ollama, vLLM, llama.cpp server, ...
    timeout = 60

    [store]
    chroma_url = "http://127.0.0.1:8000"       # optional shared Chroma server
    read_only = true                            # mirror that server's papers; never write to it
    embedding = "minilm"                        # or "openai:text-embedding-3-small"

The API key is only ever read from ``OPENAI_API_KEY``: it is never written to a
file by litreview and never printed (``Settings.__repr__`` hides it).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from .errors import ConfigError

APP_NAME = "litreview"


def default_home() -> Path:
    env = os.environ.get("LITREVIEW_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


@dataclass(frozen=True)
class Settings:
    home: Path
    chroma_url: str | None = None
    embedding: str = "minilm"
    llm_model: str = "gpt-4o-mini"
    openai_base_url: str | None = None
    openai_api_key: str | None = field(default=None, repr=False)
    llm_timeout: float = 60.0
    llm_max_retries: int = 3
    ingest_batch: int = 1000  # papers per atomic ingest batch
    read_only: bool = False  # a reader of a shared Chroma server: mirror its papers, never write
    config_file: Path | None = None

    @property
    def llm_configured(self) -> bool:
        """An LLM is used when a key is set, or a base URL points at a local server."""
        return bool(self.openai_api_key or self.openai_base_url)

    @property
    def catalogue_path(self) -> Path:
        return self.home / "papers.sqlite"

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @classmethod
    def load(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        home = Path(env["LITREVIEW_HOME"]).expanduser() if env.get("LITREVIEW_HOME") else default_home()
        config_file = Path(env.get("LITREVIEW_CONFIG") or home / "config.toml").expanduser()
        data = _read_toml(config_file) if config_file.exists() else {}
        llm, store = data.get("llm", {}), data.get("store", {})

        def pick(env_key: str, section: dict, key: str, default: object) -> object:
            return env.get(env_key) or section.get(key) or default

        try:
            timeout = float(pick("LITREVIEW_LLM_TIMEOUT", llm, "timeout", 60.0))  # type: ignore[arg-type]
            retries = int(pick("LITREVIEW_LLM_RETRIES", llm, "max_retries", 3))  # type: ignore[call-overload]
            batch = int(pick("LITREVIEW_INGEST_BATCH", store, "ingest_batch", 1000))  # type: ignore[call-overload]
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"LLM timeout, max_retries and ingest_batch must be numbers ({exc})") from exc
        settings = cls(
            home=home,
            chroma_url=pick("LITREVIEW_CHROMA_URL", store, "chroma_url", None),  # type: ignore[arg-type]
            embedding=str(pick("LITREVIEW_EMBEDDING", store, "embedding", "minilm")),
            llm_model=str(pick("LITREVIEW_MODEL", llm, "model", "gpt-4o-mini")),
            openai_base_url=pick("OPENAI_BASE_URL", llm, "base_url", None),  # type: ignore[arg-type]
            openai_api_key=env.get("OPENAI_API_KEY") or None,
            llm_timeout=timeout,
            llm_max_retries=retries,
            ingest_batch=max(1, batch),
            read_only=_flag("LITREVIEW_READ_ONLY", env.get("LITREVIEW_READ_ONLY"), store.get("read_only")),
            config_file=config_file if config_file.exists() else None,
        )
        if settings.read_only and not settings.chroma_url:
            raise ConfigError("read_only (LITREVIEW_READ_ONLY) is for readers of a shared Chroma server; "
                              "set LITREVIEW_CHROMA_URL too, or unset it")
        return settings

    def describe(self) -> dict[str, object]:
        """Settings safe to show: the key is reported as set or not, never its value."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "openai_api_key"}
        out["openai_api_key"] = "set" if self.openai_api_key else "not set"
        return {k: str(v) if isinstance(v, Path) else v for k, v in out.items()}


def _flag(name: str, env_value: str | None, file_value: object) -> bool:
    """A yes/no setting: the environment wins; "1/true/yes/on" or "0/false/no/off" (or a TOML boolean)."""
    value = env_value if env_value not in (None, "") else file_value
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name} must be true or false, not {value!r}")


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read settings file ({exc.strerror})") from exc
    for section in ("llm", "store"):
        if not isinstance(data.get(section, {}), dict):
            raise ConfigError(f"{path}: [{section}] must be a table")
    return data
