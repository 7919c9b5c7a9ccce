"""Configuration: defaults, an optional TOML file, then environment variables, then the command line.

Looked up in this order (later wins): built-in defaults, `reviewlens.toml` in the working directory
(or the file named by `--config` / REVIEWLENS_CONFIG), environment variables REVIEWLENS_DB,
REVIEWLENS_DATA_DIR, REVIEWLENS_GRID_URL, REVIEWLENS_MODEL, REVIEWLENS_LLM_URL.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class ConfigError(ValueError):
    """A configuration file or value that cannot be used; the message says which and why."""


@dataclass
class ScraperSettings:
    grid_url: str | None = None          # remote WebDriver / Selenium Grid; None = local Chromium
    browsers: int = 1                    # parallel browsers for JS-rendered sites (bounded)
    delay: float = 1.0                   # seconds between page loads on one site
    timeout: float = 20.0                # page load / wait timeout
    retries: int = 3                     # on timeouts, 429 and 5xx, with exponential backoff
    max_pages: int = 50
    respect_robots: bool = True
    user_agent: str = "ReviewLensBot/0.1 (+https://github.com/reviewlens/reviewlens)"
    chromium: str = "/usr/bin/chromium"
    chromedriver: str = "/usr/bin/chromedriver"


@dataclass
class AnalysisSettings:
    model: str = "qwen2.5-coder-0.5b"    # packaged alias, HF id, local folder or .gguf file
    llm_url: str | None = None           # OpenAI-compatible server (vLLM, TGI, llama.cpp)
    llm_api_key: str | None = None
    precision: str = "auto"              # auto, 4bit, 8bit, bf16, fp32
    batch_size: int = 8
    max_chars: int = 2000                # longer reviews are truncated for the model
    topics: list[dict[str, Any]] = field(default_factory=list)  # extra/override taxonomy entries
    entity_types: list[str] = field(default_factory=list)       # extra entity types


@dataclass
class Settings:
    db: str = ""
    data_dir: str = ""
    scraper: ScraperSettings = field(default_factory=ScraperSettings)
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    sites_dir: str | None = None         # extra site configs (TOML) beyond the bundled ones
    source_file: str | None = None       # the TOML file these came from, if any

    @property
    def data_path(self) -> Path:
        return Path(self.data_dir)

    @property
    def reports_dir(self) -> Path:
        return self.data_path / "reports"

    @property
    def debug_dir(self) -> Path:
        return self.data_path / "debug"

    @property
    def locks_dir(self) -> Path:
        return self.data_path / "locks"


def _merge(obj: Any, values: dict[str, Any], where: str) -> None:
    known = {f.name: f for f in fields(obj)}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown setting '{key}' (known: {', '.join(sorted(known))})")
        current = getattr(obj, key)
        if hasattr(current, "__dataclass_fields__"):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: [{key}] must be a table")
            _merge(current, value, f"{where} [{key}]")
        else:
            setattr(obj, key, value)


def read_toml(path: Path, what: str, hint: str = "") -> dict[str, Any]:
    """A TOML file as a dict, or a ConfigError that names the file and the problem."""
    if not path.is_file():
        raise ConfigError(f"{what} not found: {path}{hint}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path}: not valid TOML: {e}") from e
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 text: {e}") from e


def load_settings(config_file: str | os.PathLike | None = None, **overrides: Any) -> Settings:
    s = Settings()
    s.data_dir = os.environ.get("REVIEWLENS_DATA_DIR", "data")
    path = config_file or os.environ.get("REVIEWLENS_CONFIG")
    if not path and Path("reviewlens.toml").is_file():
        path = "reviewlens.toml"
    if path:
        p = Path(path)
        data = read_toml(p, "config file")
        data.pop("schedule", None)  # read by the scheduler
        data.pop("sources", None)
        _merge(s, data, str(p))
        s.source_file = str(p)
    env = os.environ
    if env.get("REVIEWLENS_DB"):
        s.db = env["REVIEWLENS_DB"]
    if env.get("REVIEWLENS_GRID_URL"):
        s.scraper.grid_url = env["REVIEWLENS_GRID_URL"]
    if env.get("REVIEWLENS_MODEL"):
        s.analysis.model = env["REVIEWLENS_MODEL"]
    if env.get("REVIEWLENS_LLM_URL"):
        s.analysis.llm_url = env["REVIEWLENS_LLM_URL"]
    for key, value in overrides.items():
        if value is None:
            continue
        if "." in key:
            section, name = key.split(".", 1)
            setattr(getattr(s, section), name, value)
        else:
            setattr(s, key, value)
    if not s.db:
        s.db = str(Path(s.data_dir) / "reviewlens.db")
    return s
