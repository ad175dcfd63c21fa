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

import datetime as dt
import os
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from models.errors import ConfigError

if TYPE_CHECKING:
    from printing import PrinterSpec

DEFAULT_OVERFLOW_PLACE = "Office overflow box"
MAX_OVERFLOW_PLACE = 80
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


# Days each kind of record is kept (``[retention]``; see models.records.duties and models.records.kinds).
# The defaults and their sources (README "Records duties" says the same; a figure we could
# not tie to a source says so, rather than cite one):
#   visits 365         no statutory period; the school's own choice for a visitors' book
#                      (IRMS Toolkit, school management: visitors' books "current year + 6"
#                      is sometimes quoted for signing-in books; not checked: a school may
#                      set 2190 to follow it).
#   hand_ins 60        routine phone hand-ins: no source; the kiosk's own default (data
#                      minimisation, UK GDPR Art. 5(1)(e): routine records go soon).
#   confiscations 2190 six years: DfE "Searching, screening and confiscation" (2022) asks for
#                      a record of searches but sets no period; six years follows the
#                      Limitation Act 1980 (claims within six years). Episodes with a search
#                      or a police hand-over of a PUPIL's phone are kept longer: see below.
#   exceptions 2190    six years after the arrangement ends (Limitation Act 1980); medical
#                      needs: IRMS keeps the pupil's medical records longer in the pupil's
#                      file, outside the kiosk.
#   concerns 2190      a CLOSED concern, from its last follow-up (an open one is never
#                      purged). Visitors: six years (Limitation Act 1980). About a PUPIL:
#                      kept until date of birth + 25 years as well (below). About a member
#                      of STAFF: never purged (below).
#   audit 2190         six years, as the records it accounts for (Limitation Act 1980).
# Child protection (IRMS Information Management Toolkit for Schools, "Child protection
# files": date of birth of the child + 25 years): a concern about a pupil, and an episode
# of a pupil's phone with a search or a police hand-over (and the confiscation it belongs
# to), are kept until the later of the flat period and the pupil's date of birth plus
# CHILD_PROTECTION_YEARS; an unknown date of birth keeps them (never purged on a guess)
# and the purge lists them. ``[retention] child_protection_years`` may only raise it.
# Allegations about staff (KCSIE Part 4: until the person's normal retirement age or ten
# years from the allegation, whichever is longer): the kiosk knows neither age nor
# retirement date, so it never purges a concern about a member of staff; the purge lists
# them for the DSL to review by hand.
CHILD_PROTECTION_KEY = "child_protection_years"
CHILD_PROTECTION_YEARS = 25  # the IRMS minimum: a config value below it is refused
# Backups (``[backup]``): `kiosk backup` with no file writes a dated copy into ``dir`` and
# deletes this database's copies there older than ``keep_days``. 30 days: a backup is for
# putting the records back after a loss, found within days; kept longer, it keeps what a
# purge or an erasure removed (UK GDPR Art. 5(1)(e); the ICO asks that erased data in
# backups be "put beyond use" and go when the backup is overwritten on its schedule).
BACKUP_KEEP_DAYS = 30
MAX_BACKUP_KEEP_DAYS = 366
RETENTION_KINDS = ("visits", "hand_ins", "confiscations", "exceptions", "concerns", "audit")
DEVICE_RULES = ASSETS / "device-rules.md"

# Visitor types, in the order the sign-in screen offers them.
VISITOR_TYPES = ("parent_carer", "contractor", "professional", "volunteer", "governor", "other")
VISITOR_TYPE_NAMES = {
    "parent_carer": "Parent or carer",
    "contractor": "Contractor",
    "professional": "Professional or multi-agency",
    "volunteer": "Volunteer",
    "governor": "Governor",
    "other": "Other",
}
# The same in a word or two, where a list is narrow.
VISITOR_TYPE_SHORT = {**VISITOR_TYPE_NAMES, "professional": "Professional"}


@dataclass(frozen=True)
class TraySpec:
    name: str
    slots: int
    school_class: str | None = None


def check_overflow_place(name: object) -> str:
    """The configured overflow place, or a ConfigError saying what is wrong."""
    if not isinstance(name, str) or not name.strip():
        raise ConfigError('overflow_place must be the name of a place, e.g. "Office cupboard, box O".')
    name = name.strip()
    if len(name) > MAX_OVERFLOW_PLACE or not name.isprintable():
        raise ConfigError(f"overflow_place must be up to {MAX_OVERFLOW_PLACE} printable characters.")
    return name


@dataclass(frozen=True)
class VisitorChecks:
    """What the office must check for one visitor type (KCSIE leaves this to the school).

    ``id_seen``: photo ID must be seen. ``dbs_assured``: the employer's DBS assurance
    must be confirmed, and by whom. ``supervised``: the default band on the slip (staff
    may change it for one visit; self-service sign-in always takes the default).
    """

    id_seen: bool = False
    dbs_assured: bool = False
    supervised: bool = True


def _default_visitor_checks() -> dict[str, VisitorChecks]:
    return {
        "parent_carer": VisitorChecks(id_seen=False, dbs_assured=False, supervised=True),
        "contractor": VisitorChecks(id_seen=True, dbs_assured=False, supervised=True),
        "professional": VisitorChecks(id_seen=True, dbs_assured=True, supervised=False),
        "volunteer": VisitorChecks(id_seen=True, dbs_assured=True, supervised=False),
        "governor": VisitorChecks(id_seen=True, dbs_assured=True, supervised=False),
        "other": VisitorChecks(id_seen=True, dbs_assured=False, supervised=True),
    }


@dataclass
class Settings:
    school_name: str = "Our School"
    school_name_given: bool = False  # the config named the school (else a trust's registry may: registered_name)
    dsl_name: str = "the Designated Safeguarding Lead"
    headteacher_name: str = "the Headteacher"
    report_concern: str = "Tell the office or the DSL straight away."
    timezone: str = "Europe/London"
    idle_lock_seconds: int = 120
    kiosk_mode: bool = False
    scanner_terminator: str = "enter"  # enter | tab
    database: str | None = None
    site: str = ""  # a trust's school this terminal is for (PostgreSQL; models.sites); "" = a school alone
    site_1_chosen: bool = False  # KIOSK_SITE set but empty: site 1, which a ?site= on the URL must agree with
    trays: list[TraySpec] = field(default_factory=list)
    overflow_place: str = DEFAULT_OVERFLOW_PLACE  # where phones go when no slot is free
    printer: dict[str, Any] = field(default_factory=lambda: {"url": "dummy://", "paper_mm": 80, "profile": "default"})
    camera: dict[str, Any] = field(default_factory=lambda: {"source": "0", "debounce_seconds": 3.0})
    retention_days: dict[str, int] = field(
        default_factory=lambda: {
            "visits": 365,
            "hand_ins": 60,
            "confiscations": 2190,
            "exceptions": 2190,
            "concerns": 2190,
            "audit": 2190,
            CHILD_PROTECTION_KEY: CHILD_PROTECTION_YEARS,  # years after the pupil's date of birth
        }
    )
    device_rules_path: Path = DEVICE_RULES
    visitor_checks: dict[str, VisitorChecks] = field(default_factory=_default_visitor_checks)
    visitor_flag_time: dt.time = dt.time(16, 30)  # local time after which visitors still in are flagged
    # Morning hand-in (local time, from the injected clock): a scan at Home in this window
    # goes straight to the hand-in screen; outside it Home only says where the phone is and
    # offers the hand-in as a key of its own (models.custody.devices.route_home_scan).
    hand_in_from: dt.time = dt.time(7, 30)
    hand_in_until: dt.time = dt.time(9, 30)
    audit_anchors: Path | None = None  # [audit] anchors: None = beside the database in the data directory
    pin_key_file: Path | None = None  # [auth] key_file: None = pin.key in the data directory (models.store.pinkey)
    backup_dir: Path | None = None  # [backup] dir: None = backups/ in the data directory (models.upkeep.backup)
    backup_keep_days: int = BACKUP_KEEP_DAYS  # [backup] keep_days: `kiosk backup` deletes its older backups
    source: Path | None = None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def printer_spec(self) -> PrinterSpec:
        """``[printer]`` as a :class:`printing.PrinterSpec`: built once (again only if the
        table is changed), and checked when the settings load, so a mistake is found at start."""
        from printing import PrinterSpec

        key = repr(sorted(self.printer.items()))
        cached = self.__dict__.get("_printer_spec")
        if cached is None or cached[0] != key:
            cached = (key, PrinterSpec.from_config(self.printer))
            self.__dict__["_printer_spec"] = cached
        return cached[1]

    @property
    def camera_source(self) -> str:
        """``[camera] source``: a device index, a video file or a folder of frames."""
        return str(self.camera.get("source", "0"))

    @property
    def camera_debounce(self) -> float:
        """``[camera] debounce_seconds``: how long the same code is not read again (checked at load)."""
        return float(self.camera.get("debounce_seconds", 3.0))

    @property
    def scan_terminators(self) -> tuple[str, ...]:
        """The keys that end a scanned code: the scanner sends Enter (the default) or Tab."""
        return ("tab",) if self.scanner_terminator == "tab" else ("enter",)


def _expect(table: dict, key: str, kind: type | tuple, where: str) -> Any:
    value = table[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(
            f"{where}{key} must be {names.replace('str', 'text').replace('int', 'a whole number').replace('bool', 'true or false')}."
        )
    return value


MAX_CONFIG_BYTES = 1024 * 1024  # a kiosk's config is a few KB
MAX_RETENTION_DAYS = 36500  # 100 years: any longer is a typing slip (and overflows the date arithmetic)


def read_small_file(
    path: Path,
    what: str = "The config file",
    hint: str = "a TOML file",
    size_hint: str = "a kiosk config is a few KB of TOML",
) -> bytes | None:
    """The bytes of a file the kiosk is configured with (the config itself, the device rules);
    None if there is none. Refuses, before reading it whole, a folder, a device
    (``/dev/zero``), a pipe (without waiting for a writer) or a file over 1 MB."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"Cannot read {what[0].lower()}{what[1:]} {path}: {exc.strerror}.") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file (a device or a pipe?)"
            raise ConfigError(f"{what} {path} is {kind}: give {hint}.")
        too_big = ConfigError(f"{what} {path} is over 1 MB: {size_hint}. Check the path.")
        if st.st_size > MAX_CONFIG_BYTES:
            raise too_big
        chunks, size = [], 0
        while size <= MAX_CONFIG_BYTES:
            chunk = os.read(fd, MAX_CONFIG_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_CONFIG_BYTES:
            raise too_big
        return b"".join(chunks)
    except OSError as exc:
        raise ConfigError(f"Cannot read {what[0].lower()}{what[1:]} {path}: {exc.strerror}.") from None
    finally:
        os.close(fd)


# Every key the file may have, by where it goes: anything else is refused (a misspelt or
# misplaced key is a setting silently not made: `site` written after a [[trays]] block,
# which TOML puts inside that tray, would open site 1).
TEXT_KEYS = (
    "school_name",
    "dsl_name",
    "headteacher_name",
    "report_concern",
    "timezone",
    "scanner_terminator",
    "database",
    "site",
)
TOP_LEVEL_KEYS = (
    *TEXT_KEYS,
    "idle_lock_seconds",
    "kiosk_mode",
    "overflow_place",
    "device_rules",
    "visitor_flag_time",
    "hand_in_from",
    "hand_in_until",
)
TABLES = ("trays", "printer", "camera", "retention", "visitors", "audit", "auth", "backup")
TRAY_KEYS = ("name", "slots", "class")
CAMERA_KEYS = ("source", "debounce_seconds")
_BELONGS = "belongs at the top of the file, before any [[trays]] or [table]"


class _KeyError(ConfigError):
    """A key refused by :func:`_check_keys` (load_settings names the file)."""


def _check_misplaced(table: dict, where: str) -> None:
    """A ConfigError if ``table`` holds a key of the top of the file (TOML puts every key
    after a [table] or [[trays]] header into it): one line saying where it belongs."""
    for key in table:
        if key in TOP_LEVEL_KEYS:
            raise _KeyError(f"Setting {key!r} is {where}, where it means nothing: {key} {_BELONGS}.")


def _check_keys(table: dict, allowed: tuple[str, ...], where: str) -> None:
    """One line for the first key of ``table`` not in ``allowed`` (at the top of the file,
    the tables too): the key, where it is, and a near name or where it belongs."""
    import difflib

    top = where == "at the top of the file"
    known = allowed + TABLES if top else allowed
    for key in table:
        if key in known:
            continue
        if top and isinstance(table[key], dict):
            inside = next((k for k in table[key] if k in TOP_LEVEL_KEYS), None)
            hint = f"{inside} {_BELONGS}" if inside else f"use {', '.join(f'[{t}]' for t in TABLES[1:])} or [[trays]]"
            raise _KeyError(f"Unknown table [{key}] {where}: {hint}.")
        if not top and key in TOP_LEVEL_KEYS:
            _check_misplaced({key: None}, where)
        near = difflib.get_close_matches(key.lower(), known, n=1, cutoff=0.6)
        hint = f"did you mean {near[0]}?" if near else f"use {', '.join(known)}."
        raise _KeyError(f"Unknown setting {key!r} {where}: {hint}")


def load_settings(path: str | os.PathLike | None = None, *, required: bool = False) -> Settings:
    """Read the config file (or the default location); missing file → defaults."""
    explicit = path is not None or "KIOSK_CONFIG" in os.environ
    cfg_path = Path(path).expanduser() if path is not None else default_config_path()
    settings = Settings()
    data = read_small_file(cfg_path)
    if data is None:
        if explicit or required:
            raise ConfigError(f"Config file not found: {cfg_path}")
        _apply_env(settings)
        return settings
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{cfg_path} is not UTF-8 text.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{cfg_path} is not valid TOML: {exc}.") from None
    settings.source = cfg_path
    try:
        _check_keys(raw, TOP_LEVEL_KEYS, "at the top of the file")
        for key in TEXT_KEYS:
            if key in raw:
                setattr(settings, key, _expect(raw, key, str, ""))
        settings.school_name_given = "school_name" in raw
        if "idle_lock_seconds" in raw:
            settings.idle_lock_seconds = _expect(raw, "idle_lock_seconds", int, "")
            if not 15 <= settings.idle_lock_seconds <= 86400:
                raise ConfigError("idle_lock_seconds must be between 15 and 86400.")
        if "kiosk_mode" in raw:
            settings.kiosk_mode = _expect(raw, "kiosk_mode", bool, "")
        if settings.scanner_terminator not in ("enter", "tab"):
            raise ConfigError('scanner_terminator must be "enter" or "tab".')
        try:
            ZoneInfo(settings.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"Unknown timezone {settings.timezone!r}.") from None
        if "overflow_place" in raw:
            settings.overflow_place = check_overflow_place(raw["overflow_place"])
        trays = raw.get("trays", [])
        if not isinstance(trays, list):
            raise ConfigError("trays must be a list of [[trays]] tables.")
        for i, t in enumerate(trays, 1):
            if isinstance(t, dict):
                name = t.get("name")
                where = f"in [[trays]] number {i}" + (
                    f" ({name[:40]})" if isinstance(name, str) and name.strip() else ""
                )
                _check_keys(t, TRAY_KEYS, where)
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
                if section == "camera":
                    _check_keys(raw[section], CAMERA_KEYS, "in [camera]")
                else:  # the printer's keys depend on its kind (printing.PrinterSpec checks them): a top-level one here
                    _check_misplaced(raw[section], "in [printer]")
                getattr(settings, section).update(raw[section])
        if "retention" in raw:
            ret = raw["retention"]
            if not isinstance(ret, dict):
                raise ConfigError("[retention] must be a table of days.")
            for key, value in ret.items():
                if key == CHILD_PROTECTION_KEY:
                    if (
                        not isinstance(value, int)
                        or isinstance(value, bool)
                        or not CHILD_PROTECTION_YEARS <= value <= 100
                    ):
                        raise ConfigError(
                            f"retention.{key} must be a whole number of years from {CHILD_PROTECTION_YEARS} to 100: "
                            f"child protection records are kept at least until the pupil's date of birth plus "
                            f"{CHILD_PROTECTION_YEARS} years (IRMS toolkit for schools)."
                        )
                    settings.retention_days[key] = value
                    continue
                _check_misplaced({key: value}, "in [retention]")
                key = key.removesuffix("_days")
                if key not in RETENTION_KINDS:
                    raise ConfigError(
                        f"Unknown retention kind {key!r}: use {', '.join(RETENTION_KINDS)} (days), "
                        f"or {CHILD_PROTECTION_KEY} (years)."
                    )
                if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_RETENTION_DAYS:
                    raise ConfigError(f"retention.{key} must be a whole number of days from 1 to {MAX_RETENTION_DAYS}.")
                settings.retention_days[key] = value
        if "device_rules" in raw:
            rules = Path(_expect(raw, "device_rules", str, "")).expanduser()
            if not rules.is_absolute():
                rules = cfg_path.parent / rules
            settings.device_rules_path = rules
        if "visitor_flag_time" in raw:
            settings.visitor_flag_time = parse_flag_time(_expect(raw, "visitor_flag_time", str, ""))
        for key, example in (("hand_in_from", "08:30"), ("hand_in_until", "09:15")):
            if key in raw:
                setattr(settings, key, parse_flag_time(_expect(raw, key, str, ""), key, example))
        if settings.hand_in_from >= settings.hand_in_until:
            raise ConfigError(
                f"hand_in_from ({settings.hand_in_from:%H:%M}) must be before hand_in_until "
                f"({settings.hand_in_until:%H:%M})."
            )
        if "visitors" in raw:
            _load_visitor_checks(raw["visitors"], settings)
        if "audit" in raw:
            _load_audit(raw["audit"], settings, cfg_path)
        if "auth" in raw:
            _load_auth(raw["auth"], settings, cfg_path)
        if "backup" in raw:
            _load_backup(raw["backup"], settings, cfg_path)
    except _KeyError as exc:  # which file: a terminal may be given one by KIOSK_CONFIG in a unit file
        raise ConfigError(f"{cfg_path}: {exc}") from None
    _apply_env(settings)
    _check_printer(settings)
    _check_camera(settings)
    return settings


def _check_camera(settings: Settings) -> None:
    window = settings.camera.get("debounce_seconds", 3.0)
    if isinstance(window, bool) or not isinstance(window, (int, float)) or not 0 < window <= 60:
        raise ConfigError("camera.debounce_seconds must be a number of seconds from 0 to 60 (for example 3).")
    source = settings.camera.get("source", "0")
    if isinstance(source, bool) or not isinstance(source, (str, int)):
        raise ConfigError("camera.source must be a device number, a video file or a folder of frames.")


def _check_printer(settings: Settings) -> None:
    """A wrong ``[printer]`` (or ``KIOSK_PRINTER``) is one plain line at start, not a failure at the first slip."""
    from printing import PrinterConfigError

    try:
        _ = settings.printer_spec
    except PrinterConfigError as exc:
        raise ConfigError(f"Printer settings: {exc}") from None


def _load_audit(table: Any, settings: Settings, cfg_path: Path) -> None:
    """``[audit] anchors = PATH``: where the audit anchors file is (models.audit.anchors)."""
    if not isinstance(table, dict):
        raise ConfigError("[audit] must be a table.")
    _check_misplaced(table, "in [audit]")
    for key in table:
        if key != "anchors":
            raise ConfigError(f"Unknown setting {key!r} in [audit]: use anchors.")
    if "anchors" in table:
        text = _expect(table, "anchors", str, "audit.").strip()
        if not text:
            raise ConfigError("audit.anchors must be a file path.")
        path = Path(text).expanduser()
        settings.audit_anchors = path if path.is_absolute() else cfg_path.parent / path


def _load_auth(table: Any, settings: Settings, cfg_path: Path) -> None:
    """``[auth] key_file = PATH``: where the PIN key is (models.store.pinkey)."""
    if not isinstance(table, dict):
        raise ConfigError("[auth] must be a table.")
    _check_misplaced(table, "in [auth]")
    for key in table:
        if key != "key_file":
            raise ConfigError(f"Unknown setting {key!r} in [auth]: use key_file.")
    text = _expect(table, "key_file", str, "auth.").strip() if "key_file" in table else ""
    if "key_file" in table and not text:
        raise ConfigError("auth.key_file must be a file path.")
    if text:
        path = Path(text).expanduser()
        settings.pin_key_file = path if path.is_absolute() else cfg_path.parent / path


def _load_backup(table: Any, settings: Settings, cfg_path: Path) -> None:
    """``[backup] dir = PATH`` and ``keep_days = N``: the nightly backups (models.upkeep.backup)."""
    if not isinstance(table, dict):
        raise ConfigError("[backup] must be a table.")
    _check_misplaced(table, "in [backup]")
    for key in table:
        if key not in ("dir", "keep_days"):
            raise ConfigError(f"Unknown setting {key!r} in [backup]: use dir or keep_days.")
    if "dir" in table:
        text = _expect(table, "dir", str, "backup.").strip()
        if not text:
            raise ConfigError("backup.dir must be a folder.")
        path = Path(text).expanduser()
        settings.backup_dir = path if path.is_absolute() else cfg_path.parent / path
    if "keep_days" in table:
        value = table["keep_days"]
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_BACKUP_KEEP_DAYS:
            raise ConfigError(
                f"backup.keep_days must be a whole number of days from 1 to {MAX_BACKUP_KEEP_DAYS} "
                f"(default {BACKUP_KEEP_DAYS})."
            )
        settings.backup_keep_days = value


_HHMM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


def parse_flag_time(text: str, key: str = "visitor_flag_time", example: str = "16:30") -> dt.time:
    """ "16:30" -> 16:30; anything else is a one-line ConfigError naming ``key``."""
    m = _HHMM.match(text.strip())
    if not m:
        raise ConfigError(f'{key} must be a time of day such as "{example}", not {text!r}.')
    return dt.time(int(m.group(1)), int(m.group(2)))


_CHECK_KEYS = ("id_seen", "dbs_assured", "supervised")


def _load_visitor_checks(table: Any, settings: Settings) -> None:
    """``[visitors.<type>]`` tables: id_seen, dbs_assured, supervised (true/false)."""
    if not isinstance(table, dict):
        raise ConfigError("[visitors] must be a table of visitor types.")
    _check_misplaced(table, "in [visitors]")
    for vtype, checks in table.items():
        if vtype not in VISITOR_TYPES:
            raise ConfigError(f"Unknown visitor type {vtype!r} in [visitors]: use {', '.join(VISITOR_TYPES)}.")
        if not isinstance(checks, dict):
            raise ConfigError(f"[visitors.{vtype}] must be a table of checks.")
        _check_misplaced(checks, f"in [visitors.{vtype}]")
        current = settings.visitor_checks[vtype]
        values = {k: getattr(current, k) for k in _CHECK_KEYS}
        for key in checks:
            if key not in _CHECK_KEYS:
                raise ConfigError(f"Unknown check {key!r} in [visitors.{vtype}]: use {', '.join(_CHECK_KEYS)}.")
            values[key] = _expect(checks, key, bool, f"visitors.{vtype}.")
        settings.visitor_checks[vtype] = VisitorChecks(**values)


def _apply_env(settings: Settings) -> None:
    if "KIOSK_SITE" in os.environ:
        value = os.environ["KIOSK_SITE"]
        if value and not value.strip():
            # spaces only: a slip in a service's environment file, not a choice of site 1 (KIOSK_SITE=)
            raise ConfigError(
                "KIOSK_SITE is set to spaces only: set it to a school's code (kiosk trust sites lists them), "
                "or leave it empty (KIOSK_SITE=) or unset for site 1. Nothing was opened."
            )
        if not value.strip() and settings.site.strip():
            # An empty KIOSK_SITE= left in a service's environment file must not quietly open
            # site 1 at a terminal whose config names its school (issue 16, the trust's attack).
            raise ConfigError(
                f"KIOSK_SITE is set but empty, and the config file names the site {settings.site.strip()[:40]!r}: "
                "unset KIOSK_SITE to use the config's site, or set it to a school's code. Nothing was opened."
            )
        settings.site = value
        settings.site_1_chosen = not value.strip()
    if settings.site.strip():
        from models.sites import check_code

        settings.site = check_code(settings.site)
    if os.environ.get("KIOSK_PRINTER"):
        settings.printer["url"] = os.environ["KIOSK_PRINTER"]


def database_url(cli_value: str | None, settings: Settings) -> str:
    """The database to open, at the configured site (``site`` / ``KIOSK_SITE``) unless the
    URL names one itself."""
    url = cli_value or os.environ.get("KIOSK_DATABASE_URL") or settings.database or str(data_dir() / "kiosk.sqlite3")
    if settings.site.strip():
        from models.sites import MAIN, split_url, with_site

        _, named = split_url(str(url))
        if named == MAIN:
            return with_site(str(url), settings.site)
        if named != settings.site:
            raise ConfigError(
                f"The database URL names site {named!r} but this terminal is set for {settings.site!r} "
                "(KIOSK_SITE or the config's site): name one."
            )
    elif settings.site_1_chosen:
        from models.sites import MAIN, split_url

        _, named = split_url(str(url))
        if named != MAIN:
            raise ConfigError(
                f"The database URL names site {named!r} but KIOSK_SITE is set empty, which is site 1: name one."
            )
    return str(url)
