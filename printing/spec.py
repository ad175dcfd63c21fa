"""Which printer to use: :class:`PrinterSpec`, parsed and checked from a URL or a config.

A spec comes from a URL (the config's ``[printer] url`` or ``KIOSK_PRINTER``) or a
config dict::

    network://192.168.1.50[:9100]        raw TCP ("JetDirect"), port 9100 by default
    usb://04b8:0e15                       vendor:product IDs in hex (needs pyusb)
    serial:///dev/ttyUSB0?baudrate=9600   (needs pyserial)
    file:///dev/usb/lp0                   a device node, FIFO, or a file to append to
    cups://Receipt_Printer                a CUPS queue, sent raw (needs pycups)
    dummy://[name]                        keeps jobs in memory; ?offline=1 fails them

Every kind also takes ``?profile=TM-T88V&paper_mm=58&columns=42&timeout_s=3``.

Every mistake is a :class:`PrinterConfigError` of one plain-English line. Nothing here
opens a printer or imports python-escpos (:func:`known_profiles` reads its printer
database as JSON); sending is in :mod:`printing.transports`.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Mapping
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from .errors import PrinterConfigError

KINDS = ("network", "usb", "serial", "file", "cups", "dummy")
_KINDS_TEXT = "network, usb, serial, file, cups or dummy"
DEFAULT_PORT = 9100
DEFAULT_TIMEOUT_S = 3.0
BAUDRATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600)

_COMMON = ("profile", "paper_mm", "columns", "timeout_s")
_URL_OPTIONS = {
    "network": ("wait_eof",),
    "usb": ("in_ep", "out_ep"),
    "serial": ("baudrate",),
    "file": (),
    "cups": (),
    "dummy": ("offline",),
}
_CONFIG_KEYS = {
    "network": ("host", "port", "wait_eof"),
    "usb": ("vendor_id", "product_id", "in_ep", "out_ep"),
    "serial": ("path", "baudrate"),
    "file": ("path",),
    "cups": ("queue",),
    "dummy": ("name", "offline"),
}
_REQUIRED = {
    "network": ("host",),
    "usb": ("vendor_id", "product_id"),
    "serial": ("path",),
    "file": ("path",),
    "cups": ("queue",),
    "dummy": (),
}
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)
_USB_IDS = re.compile(r"^(?:0x)?([0-9a-fA-F]{1,4}):(?:0x)?([0-9a-fA-F]{1,4})$")
_QUEUE = re.compile(r"^[^\s/#\\\x00-\x1f\x7f]{1,127}$")


@dataclass(frozen=True)
class PrinterSpec:
    """Where jobs go. Build it with :meth:`from_url` or :meth:`from_config`."""

    kind: str
    host: str = ""  # network
    port: int = DEFAULT_PORT  # network
    wait_eof: bool = True  # network: wait for the printer to close before calling a job done
    vendor_id: int = 0  # usb
    product_id: int = 0  # usb
    in_ep: int | None = None  # usb endpoints; python-escpos's defaults (0x82, 0x01) if None
    out_ep: int | None = None
    path: str = ""  # serial device, or file/device path
    baudrate: int = 9600  # serial
    queue: str = ""  # cups
    name: str = ""  # dummy: separate in-memory printers
    offline: bool = False  # dummy: behave like a printer that is switched off
    profile: str = "default"  # python-escpos printer profile
    paper_mm: int = 80
    columns: int | None = None  # text columns if not the paper's default (48 on 80 mm, 32 on 58 mm)
    timeout_s: float = DEFAULT_TIMEOUT_S

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise PrinterConfigError(f"Unknown printer kind '{self.kind}'. Use {_KINDS_TEXT}.")

    # ----------------------------------------------------------------- parsing

    @classmethod
    def from_url(cls, url: str) -> "PrinterSpec":
        """Parse ``network://host[:port]``, ``usb://VVVV:PPPP``, ``serial:///dev/X``,
        ``file:///path``, ``cups://QUEUE`` or ``dummy://[name]``, with options as a query."""
        if not isinstance(url, str) or not url.strip():
            raise PrinterConfigError("The printer URL is empty. Use e.g. network://192.168.1.50:9100.")
        url = url.strip()
        if "://" not in url:
            head = url.split(":", 1)[0].lower()
            if head in KINDS:
                raise PrinterConfigError(f"Printer URL '{url}' needs '://' after '{head}', e.g. {head}://...")
            raise PrinterConfigError(
                f"Printer URL '{url}' does not say what kind of printer it is. "
                f"Start it with {', '.join(k + '://' for k in KINDS)}."
            )
        scheme = url.split("://", 1)[0]
        kind = scheme.lower()
        if kind not in KINDS:
            raise PrinterConfigError(f"Unknown printer kind '{scheme}'. Use {_KINDS_TEXT}.")
        if any(ord(c) < 0x20 or c in " \x7f" for c in url):
            raise PrinterConfigError("The printer URL contains spaces or control characters.")
        if "#" in url:
            raise PrinterConfigError(f"Printer URL '{url}' must not contain '#'.")
        parts = urlsplit(url)
        netloc, path = parts.netloc, parts.path
        values: dict[str, Any] = {"kind": kind}

        if kind == "network":
            if not netloc:
                raise PrinterConfigError("A network printer URL needs a host, e.g. network://192.168.1.50:9100.")
            if "@" in netloc:
                raise PrinterConfigError("A network printer URL takes no user name or password.")
            if path not in ("", "/"):
                raise PrinterConfigError(f"A network printer URL has no path: use network://{netloc}.")
            host = parts.hostname or ""
            try:
                port = parts.port
            except ValueError:
                raw = netloc.rsplit(":", 1)[-1]
                raise PrinterConfigError(f"Printer port '{raw}' is not a number from 1 to 65535.") from None
            if netloc.endswith(":"):
                raise PrinterConfigError("The printer URL ends with ':' but gives no port number.")
            if port == 0:
                raise PrinterConfigError("Printer port '0' is not a number from 1 to 65535.")
            values["host"] = host
            values["port"] = DEFAULT_PORT if port is None else port
        elif kind == "usb":
            m = _USB_IDS.match(netloc)
            if not m or path not in ("", "/"):
                raise PrinterConfigError(
                    f"USB printer URL '{url}' needs the vendor and product IDs in hex, e.g. usb://04b8:0e15."
                )
            values["vendor_id"] = int(m.group(1), 16)
            values["product_id"] = int(m.group(2), 16)
        elif kind in ("serial", "file"):
            example = "serial:///dev/ttyUSB0" if kind == "serial" else "file:///dev/usb/lp0"
            if netloc and path:
                raise PrinterConfigError(f"Write {kind} printer URLs with three slashes, e.g. {example}.")
            device = unquote(path or netloc)
            if not device or device == "/":
                raise PrinterConfigError(f"A {kind} printer URL needs a device path, e.g. {example}.")
            if kind == "file" and not os.path.isabs(device):
                raise PrinterConfigError(f"A file printer URL needs a full path, e.g. {example}.")
            values["path"] = device
        elif kind == "cups":
            queue = unquote(netloc)
            if not queue or path not in ("", "/"):
                raise PrinterConfigError("A CUPS printer URL needs a queue name, e.g. cups://Receipt_Printer.")
            values["queue"] = queue
        else:  # dummy
            if path not in ("", "/"):
                raise PrinterConfigError("A dummy printer URL is dummy:// or dummy://name.")
            values["name"] = unquote(netloc)

        try:
            query = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
        except ValueError:
            raise PrinterConfigError(f"The options in printer URL '{url}' are malformed.") from None
        allowed = _URL_OPTIONS[kind] + _COMMON
        seen: set[str] = set()
        for key, value in query:
            if key not in allowed:
                raise PrinterConfigError(f"Unknown option '{key}' for a {kind} printer. Use {', '.join(allowed)}.")
            if key in seen:
                raise PrinterConfigError(f"Option '{key}' is given twice in the printer URL.")
            seen.add(key)
            values[key] = value
        return cls._build(values)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "PrinterSpec":
        """Build from a dict such as ``{"kind": "network", "host": "...", "port": 9100,
        "profile": "TM-T88V", "paper_mm": 80, "timeout_s": 3}``, or ``{"url": "...",
        "paper_mm": 58, ...}`` (a URL plus common settings: profile, paper_mm, columns, timeout_s)."""
        if isinstance(config, PrinterSpec):
            return config
        if not isinstance(config, Mapping):
            raise PrinterConfigError("The printer settings must be a table of keys and values.")
        cfg = dict(config)
        if "url" in cfg:
            if "kind" in cfg:
                raise PrinterConfigError("Give the printer either a 'url' or a 'kind', not both.")
            spec = cls.from_url(cfg.pop("url"))
            for key in cfg:
                if key not in _COMMON:
                    raise PrinterConfigError(
                        f"Unknown printer setting '{key}' next to a url. Use {', '.join(_COMMON)}."
                    )
            overrides = {k: _convert(k, v, spec.kind) for k, v in cfg.items() if v is not None}
            return replace(spec, **overrides)
        kind = cfg.pop("kind", None)
        if kind is None:
            raise PrinterConfigError(f"The printer settings need a 'url' or a 'kind' ({_KINDS_TEXT}).")
        if not isinstance(kind, str) or kind.lower() not in KINDS:
            raise PrinterConfigError(f"Unknown printer kind '{kind}'. Use {_KINDS_TEXT}.")
        kind = kind.lower()
        allowed = _CONFIG_KEYS[kind] + _COMMON
        for key in cfg:
            if key not in allowed:
                raise PrinterConfigError(f"Unknown setting '{key}' for a {kind} printer. Use {', '.join(allowed)}.")
        for key in _REQUIRED[kind]:
            if cfg.get(key) in (None, ""):
                raise PrinterConfigError(f"A {kind} printer needs '{key}'.")
        return cls._build({"kind": kind, **cfg})

    @classmethod
    def _build(cls, values: dict[str, Any]) -> "PrinterSpec":
        """Validate and convert every value (URL query values arrive as strings)."""
        kind = values["kind"]
        out: dict[str, Any] = {"kind": kind}
        for key, value in values.items():
            if key == "kind" or value is None:
                continue
            out[key] = _convert(key, value, kind)
        if kind == "network":
            host = out.get("host", "")
            if not _valid_host(host):
                raise PrinterConfigError(f"'{host}' is not a valid printer host name or IP address.")
        if kind == "file" and not os.path.isabs(out.get("path", "")):
            raise PrinterConfigError("A file printer needs a full path, e.g. /dev/usb/lp0.")
        if kind == "cups" and not _QUEUE.match(out.get("queue", "")):
            raise PrinterConfigError(f"'{out.get('queue', '')}' is not a valid CUPS queue name.")
        return cls(**out)

    # ----------------------------------------------------------------- display

    def to_url(self) -> str:
        """The canonical URL of this spec; ``from_url(spec.to_url()) == spec``."""
        if self.kind == "network":
            host = f"[{self.host}]" if ":" in self.host else self.host
            base = f"network://{host}:{self.port}"
        elif self.kind == "usb":
            base = f"usb://{self.vendor_id:04x}:{self.product_id:04x}"
        elif self.kind in ("serial", "file"):
            base = f"{self.kind}://{quote(self.path)}"  # "/dev/x" gives the three slashes
        elif self.kind == "cups":
            base = f"cups://{quote(self.queue, safe='')}"
        else:
            base = f"dummy://{quote(self.name, safe='')}"
        default = PrinterSpec(self.kind)
        opts = []
        for key in _URL_OPTIONS[self.kind] + _COMMON:
            value = getattr(self, key)
            if value != getattr(default, key):
                if isinstance(value, bool):
                    value = int(value)
                elif key in ("in_ep", "out_ep"):
                    value = f"0x{value:02x}"
                opts.append(f"{key}={quote(str(value), safe='')}")
        return base + ("?" + "&".join(opts) if opts else "")

    def describe(self) -> str:
        """How messages name this printer: "Printer at 192.168.1.50:9100"."""
        if self.kind == "network":
            host = f"[{self.host}]" if ":" in self.host else self.host
            return f"Printer at {host}:{self.port}"
        if self.kind == "usb":
            return f"USB printer {self.vendor_id:04x}:{self.product_id:04x}"
        if self.kind == "serial":
            return f"Serial printer on {self.path}"
        if self.kind == "file":
            return f"Printer device {self.path}"
        if self.kind == "cups":
            return f"CUPS queue '{self.queue}'"
        return f"Dummy printer '{self.name}'" if self.name else "Dummy printer"

    def __str__(self) -> str:
        return self.to_url()


def _valid_host(host: str) -> bool:
    if not host:
        return False
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return bool(_HOSTNAME.match(host))


def _convert(key: str, value: Any, kind: str) -> Any:
    def bad(expect: str) -> PrinterConfigError:
        return PrinterConfigError(f"Printer {key} must be {expect}, not '{value}'.")

    def as_int(lo: int, hi: int, expect: str, base: int = 10) -> int:
        if isinstance(value, bool):
            raise bad(expect)
        if isinstance(value, int):
            n = value
        elif isinstance(value, str):
            try:
                n = int(value.strip(), 16 if base == 16 else 0 if value.strip().lower().startswith("0x") else 10)
            except ValueError:
                raise bad(expect) from None
        else:
            raise bad(expect)
        if not lo <= n <= hi:
            raise bad(expect)
        return n

    if key in ("host", "path", "queue", "name"):
        if not isinstance(value, str):
            raise bad("text")
        value = value.strip() if key != "path" else value
        if any(ord(c) < 0x20 or c == "\x7f" for c in value):
            raise bad("text without control characters")
        if key == "host" and value.startswith("[") and value.endswith("]"):
            value = value[1:-1]
        return value
    if key == "port":
        return as_int(1, 65535, "a number from 1 to 65535")
    if key in ("vendor_id", "product_id"):
        return as_int(1, 0xFFFF, "a USB ID in hex, such as 04b8", base=16)
    if key in ("in_ep", "out_ep"):
        return as_int(0, 0xFF, "a USB endpoint number, such as 0x82")
    if key == "baudrate":
        n = as_int(1, 10_000_000, f"one of {', '.join(map(str, BAUDRATES))}")
        if n not in BAUDRATES:
            raise bad(f"one of {', '.join(map(str, BAUDRATES))}")
        return n
    if key == "paper_mm":
        n = as_int(0, 1000, "80 or 58")
        if n not in (80, 58):
            raise bad("80 or 58")
        return n
    if key == "columns":
        return as_int(16, 64, "a number of text columns from 16 to 64")
    if key == "timeout_s":
        expect = "a number of seconds from 0.05 to 120"
        if isinstance(value, bool):
            raise bad(expect)
        try:
            t = float(value)
        except (TypeError, ValueError):
            raise bad(expect) from None
        if not 0.05 <= t <= 120:
            raise bad(expect)
        return t
    if key in ("wait_eof", "offline"):
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on", "0", "false", "no", "off"):
            return value.strip().lower() in ("1", "true", "yes", "on")
        raise bad("yes or no (1 or 0)")
    if key == "profile":
        if not isinstance(value, str) or not value.strip():
            raise bad("a printer profile name such as TM-T88V")
        value = value.strip()
        known = known_profiles()
        if known is not None and value not in known:
            examples = ", ".join(p for p in ("default", "TM-T88V", "TM-T20II", "CT-S651", "POS-5890") if p in known)
            raise PrinterConfigError(f"Unknown printer profile '{value}'. Use one from python-escpos, e.g. {examples}.")
        return value
    raise PrinterConfigError(f"Unknown printer setting '{key}'.")  # pragma: no cover


@lru_cache(maxsize=1)
def known_profiles() -> frozenset[str] | None:
    """Profile names from python-escpos's printer database, read as JSON without importing
    python-escpos (2 ms instead of 200 ms). None if it cannot be found."""
    try:
        path = os.environ.get("ESCPOS_CAPABILITIES_FILE")
        if not path:
            import importlib.util

            spec = importlib.util.find_spec("escpos")
            if spec is None or not spec.submodule_search_locations:
                return None
            path = os.path.join(list(spec.submodule_search_locations)[0], "capabilities.json")
        with open(path, encoding="utf-8") as fh:
            return frozenset(json.load(fh)["profiles"])
    except Exception:  # an unreadable database: let python-escpos complain at render time
        return None
