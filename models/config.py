"""Settings: a TOML file, with environment overrides.

Where things are:

* the config file: ``--config``, else ``KIOSK_CONFIG``, else ``config.toml`` in the
  platformdirs user config directory (it need not exist: defaults apply);
* the database: ``--db``, else ``KIOSK_DATABASE_URL``, else ``database`` in the file,
  else ``kiosk.sqlite3`` in the platformdirs user data directory;
* the data directory: ``KIOSK_DATA_DIR``, else platformdirs' user data directory;
* the printer: ``KIOSK_PRINTER`` overrides ``[printer] url``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .trays import TraySpec

APP_NAME = "reception-kiosk"
REPO_ROOT = Path(__file__).resolve().parent.parent
ASSETS = REPO_ROOT / "assets"
DEMO_CONFIG = ASSETS / "demo-config.toml"


def data_dir() -> Path:
    env = os.environ.get("KIOSK_DATA_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME, appauthor=False)


def default_config_path() -> Path:
    env = os.environ.get("KIOSK_CONFIG")
    return Path(env).expanduser() if env else config_dir() / "config.toml"


RETENTION_KINDS = ("visits", "hand_ins", "confiscations", "exceptions", "audit")


@dataclass
class Settings:
    school_name: str = "Our School"
    dsl_name: str = "the Designated Safeguarding Lead"
    headteacher_name: str = "the Headteacher"
    report_concern: str = "Tell the office or the DSL straight away."
    timezone: str = "Europe/London"
    idle_lock_seconds: int = 120
    kiosk_mode: bool = False
    scanner_terminator: str = "enter"  # enter | tab
    database: str | None = None
    trays: list[TraySpec] = field(default_factory=list)
    printer: dict[str, Any] = field(default_factory=lambda: {"url": "dummy://", "paper_mm": 80, "profile": "default"})
    camera: dict[str, Any] = field(default_factory=lambda: {"source": "0", "debounce_seconds": 3.0})
    retention_days: dict[str, int] = field(
        default_factory=lambda: {"visits": 365, "hand_ins": 60, "confiscations": 2190, "exceptions": 2190, "audit": 2190}
    )
    source: Path | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _expect(table: dict, key: str, kind: type | tuple, where: str) -> Any:
    value = table[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"{where}{key} must be {names.replace('str', 'text').replace('int', 'a whole number').replace('bool', 'true or false')}.")
    return value


def load_settings(path: str | os.PathLike | None = None, *, required: bool = False) -> Settings:
    """Read the config file (or the default location); missing file → defaults."""
    explicit = path is not None or "KIOSK_CONFIG" in os.environ
    cfg_path = Path(path).expanduser() if path is not None else default_config_path()
    settings = Settings()
    if not cfg_path.exists():
        if explicit or required:
            raise ConfigError(f"Config file not found: {cfg_path}")
        _apply_env(settings)
        return settings
    try:
        raw = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{cfg_path} is not UTF-8 text.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{cfg_path} is not valid TOML: {exc}.") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read {cfg_path}: {exc.strerror}.") from None
    settings.source = cfg_path
    for key in ("school_name", "dsl_name", "headteacher_name", "report_concern", "timezone", "scanner_terminator", "database"):
        if key in raw:
            setattr(settings, key, _expect(raw, key, str, ""))
    if "idle_lock_seconds" in raw:
        settings.idle_lock_seconds = _expect(raw, "idle_lock_seconds", int, "")
        if not 15 <= settings.idle_lock_seconds <= 86400:
            raise ConfigError("idle_lock_seconds must be between 15 and 86400.")
    if "kiosk_mode" in raw:
        settings.kiosk_mode = _expect(raw, "kiosk_mode", bool, "")
    if settings.scanner_terminator not in ("enter", "tab"):
        raise ConfigError("scanner_terminator must be \"enter\" or \"tab\".")
    try:
        ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"Unknown timezone {settings.timezone!r}.") from None
    trays = raw.get("trays", [])
    if not isinstance(trays, list):
        raise ConfigError("trays must be a list of [[trays]] tables.")
    for i, t in enumerate(trays, 1):
        if not isinstance(t, dict) or "name" not in t or "slots" not in t:
            raise ConfigError(f"Tray {i} needs a name and a number of slots.")
        settings.trays.append(
            TraySpec(
                name=str(_expect(t, "name", str, f"trays[{i}].")),
                slots=_expect(t, "slots", int, f"trays[{i}]."),
                school_class=_expect(t, "class", str, f"trays[{i}].") if "class" in t else None,
            )
        )
    for section in ("printer", "camera"):
        if section in raw:
            if not isinstance(raw[section], dict):
                raise ConfigError(f"[{section}] must be a table.")
            getattr(settings, section).update(raw[section])
    if "retention" in raw:
        ret = raw["retention"]
        if not isinstance(ret, dict):
            raise ConfigError("[retention] must be a table of days.")
        for key, value in ret.items():
            key = key.removesuffix("_days")
            if key not in RETENTION_KINDS:
                raise ConfigError(f"Unknown retention kind {key!r}: use {', '.join(RETENTION_KINDS)}.")
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"retention.{key} must be a whole number of days.")
            settings.retention_days[key] = value
    _apply_env(settings)
    return settings


def _apply_env(settings: Settings) -> None:
    if os.environ.get("KIOSK_PRINTER"):
        settings.printer["url"] = os.environ["KIOSK_PRINTER"]


def database_url(cli_value: str | None, settings: Settings) -> str:
    if cli_value:
        return cli_value
    env = os.environ.get("KIOSK_DATABASE_URL")
    if env:
        return env
    if settings.database:
        return settings.database
    return str(data_dir() / "kiosk.sqlite3")
