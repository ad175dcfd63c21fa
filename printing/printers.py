"""Printer connections: where a job goes, and delivering it.

A :class:`PrinterSpec` says which printer to use; it comes from a URL (the config's
``[printer] url`` or ``KIOSK_PRINTER``) or a config dict::

    network://192.168.1.50[:9100]        raw TCP ("JetDirect"), port 9100 by default
    usb://04b8:0e15                       vendor:product IDs in hex (needs pyusb)
    serial:///dev/ttyUSB0?baudrate=9600   (needs pyserial)
    file:///dev/usb/lp0                   a device node, FIFO, or a file to append to
    cups://Receipt_Printer                a CUPS queue, sent raw (needs pycups)
    dummy://[name]                        keeps jobs in memory; ?offline=1 fails them

Every kind also takes ``?profile=TM-T88V&paper_mm=58&columns=42&timeout_s=3``.

:func:`send` delivers bytes already rendered by ``to_bytes()`` and raises
:class:`PrintError` (one plain-English line) on any failure, within ``timeout_s`` for
network and file printers. It keeps no state between calls, so the outbox can simply
call it again later.

Network jobs use a plain socket rather than python-escpos's ``Network`` class, for
two reasons. Its timeout is per operation, so connect + write could take twice the
limit. And it cannot tell "the printer has the job" from "the bytes sit in our kernel
buffer": a job of a few kB is "sent" at once even to a printer that has stopped
reading. So we do what CUPS's socket backend does by default (``waiteof``): after the
data, shut down our sending side and wait for the printer to close the connection,
which it does once it has read everything. A printer that never confirms within the
timeout is reported as a failure. ``?wait_eof=0`` turns the wait off for a printer
that keeps connections open. :func:`open_printer` still gives a python-escpos
``Network`` object for streaming a document directly.

The ``file`` kind also writes by hand (non-blocking, with a deadline): python-escpos's
``File`` would block forever on ``/dev/usb/lp0`` of a printer that is switched off.
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import json
import os
import re
import select
import socket
import stat
import threading
import time
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Iterator, Mapping
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from .errors import PrinterConfigError, PrintError

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


# --------------------------------------------------------------------------- the spec


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


# --------------------------------------------------------------------------- dummy printers

_dummy_lock = threading.Lock()
_dummy_jobs: dict[str, list[bytes]] = {}


def _dummy_key(spec_or_name: PrinterSpec | str) -> str:
    return spec_or_name.name if isinstance(spec_or_name, PrinterSpec) else spec_or_name


def dummy_jobs(spec_or_name: PrinterSpec | str = "") -> list[bytes]:
    """The jobs a dummy printer has been sent, oldest first (a copy)."""
    with _dummy_lock:
        return list(_dummy_jobs.get(_dummy_key(spec_or_name), ()))


def clear_dummy_jobs(spec_or_name: PrinterSpec | str | None = None) -> None:
    """Forget the jobs of one dummy printer, or of all of them."""
    with _dummy_lock:
        if spec_or_name is None:
            _dummy_jobs.clear()
        else:
            _dummy_jobs.pop(_dummy_key(spec_or_name), None)


def _store_dummy(spec: PrinterSpec, data: bytes) -> None:
    with _dummy_lock:
        _dummy_jobs.setdefault(spec.name, []).append(bytes(data))


def _dummy_offline(spec: PrinterSpec) -> PrintError:
    return PrintError(f"{spec.describe()} is set to be offline.", "offline")


# --------------------------------------------------------------------------- sending


def _timeout(spec: PrinterSpec, timeout_s: float | None) -> float:
    t = spec.timeout_s if timeout_s is None else timeout_s
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not t > 0:
        raise ValueError(f"timeout_s must be a positive number of seconds, not {t!r}")
    return float(t)


def _secs(t: float) -> str:
    return f"{t:g} s"


def _lc(label: str) -> str:
    """ "Printer at x" -> "printer at x" inside a sentence; "USB printer", "CUPS queue" stay."""
    return label if label[:2].isupper() else label[0].lower() + label[1:]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())[:200]


def send(spec: PrinterSpec, data: bytes, timeout_s: float | None = None) -> None:
    """Deliver already-rendered bytes to the printer: open, write, close.

    Raises :class:`PrintError` on any failure, and nothing else (bar TypeError or
    ValueError for data that is not bytes or a timeout that is not positive). Network
    and file printers give up within ``timeout_s`` (default: the spec's); USB and
    serial writes are given the same limit.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"send() needs bytes, not {type(data).__name__}")
    timeout = _timeout(spec, timeout_s)
    data = bytes(data)
    try:
        if spec.kind == "dummy":
            if spec.offline:
                raise _dummy_offline(spec)
            _store_dummy(spec, data)
        elif spec.kind == "network":
            _send_network(spec, data, timeout)
        elif spec.kind == "file":
            _send_file(spec, data, timeout)
        else:
            _send_escpos(spec, data, timeout)
    except PrintError:
        raise
    except Exception as exc:  # the promise: a PrintError, whatever went wrong underneath
        raise PrintError(f"Printing to {_lc(spec.describe())} failed: {_first_line(exc)}") from exc


def _send_network(spec: PrinterSpec, data: bytes, timeout: float) -> None:
    label = spec.describe()
    deadline = time.monotonic() + timeout

    def remaining() -> float:
        return deadline - time.monotonic()

    try:
        sock = socket.create_connection((spec.host, spec.port), timeout=timeout)
    except OSError as exc:
        raise _connect_error(spec, exc, timeout) from exc
    with sock:
        try:
            left = remaining()
            if left <= 0:
                raise TimeoutError
            sock.settimeout(left)
            sock.sendall(data)
        except TimeoutError as exc:
            raise PrintError(
                f"{label} stopped accepting data; the job did not go through within {_secs(timeout)}.", "timeout"
            ) from exc
        except OSError as exc:
            raise PrintError(f"{label} dropped the connection mid-job.", "dropped") from exc
        if not spec.wait_eof:
            return
        try:
            sock.shutdown(socket.SHUT_WR)  # "that was all": the printer closes once it has read it
            while True:
                left = remaining()
                if left <= 0:
                    raise TimeoutError
                sock.settimeout(left)
                if not sock.recv(4096):  # anything else is status bytes: ignore them
                    return
        except TimeoutError as exc:
            raise PrintError(f"{label} did not confirm the job within {_secs(timeout)}.", "timeout") from exc
        except OSError as exc:
            raise PrintError(f"{label} dropped the connection mid-job.", "dropped") from exc


_UNREACHABLE = {
    getattr(errno, n) for n in ("EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN") if hasattr(errno, n)
}


def _connect_error(spec: PrinterSpec, exc: OSError, timeout: float) -> PrintError:
    label = spec.describe()
    if isinstance(exc, ConnectionRefusedError):
        return PrintError(f"{label} refused the connection.", "refused")
    if isinstance(exc, TimeoutError):
        return PrintError(f"{label} did not answer within {_secs(timeout)}.", "timeout")
    if isinstance(exc, socket.gaierror):
        return PrintError(
            f"Could not find the printer called '{spec.host}' on the network (check the name, or use its IP address).",
            "not_found",
        )
    if exc.errno in _UNREACHABLE:
        return PrintError(f"{label} cannot be reached from this computer (is the network cable in?).", "unreachable")
    return PrintError(f"Could not connect to {_lc(label)}: {_first_line(exc)}.", "failed")


def _send_file(spec: PrinterSpec, data: bytes, timeout: float) -> None:
    """Write to a device node, FIFO or file without ever blocking past the deadline."""
    label, path = spec.describe(), spec.path
    deadline = time.monotonic() + timeout
    exists = os.path.exists(path)
    if not exists and (path.startswith("/dev/") or not os.path.isdir(os.path.dirname(path) or "/")):
        raise PrintError(f"There is no printer at {path} (is it plugged in and switched on?).", "not_found")
    flags = os.O_WRONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    if not exists:
        flags |= os.O_CREAT | os.O_APPEND
    elif stat.S_ISREG(os.stat(path).st_mode):
        flags |= os.O_APPEND  # a file keeps every job, one after the other
    try:
        fd = os.open(path, flags, 0o600)  # a spool file holds slips that name people: owner only
    except OSError as exc:
        raise _file_error(spec, exc) from exc
    try:
        view = memoryview(data)
        while view:
            left = deadline - time.monotonic()
            if left <= 0 or not _wait_writable(fd, left):
                raise PrintError(f"{label} did not take the job within {_secs(timeout)}.", "timeout")
            try:
                n = os.write(fd, view)
            except BlockingIOError:
                continue
            except OSError as exc:
                raise _file_error(spec, exc) from exc
            view = view[n:]
    finally:
        os.close(fd)


def _wait_writable(fd: int, timeout: float) -> bool:
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        events = poller.poll(max(int(timeout * 1000), 1))
        return bool(events)  # POLLERR/POLLHUP also wake us: the write then reports the error
    _, writable, _ = select.select([], [fd], [], timeout)
    return bool(writable)


def _file_error(spec: PrinterSpec, exc: OSError) -> PrintError:
    label, path = spec.describe(), spec.path
    if isinstance(exc, FileNotFoundError) or exc.errno == errno.ENODEV:
        return PrintError(f"There is no printer at {path} (is it plugged in and switched on?).", "not_found")
    if isinstance(exc, PermissionError):
        return PrintError(f"This computer has no permission to write to {path}.", "permission")
    if isinstance(exc, IsADirectoryError):
        return PrintError(f"{path} is a folder, not a printer.", "failed")
    if exc.errno == errno.ENXIO:
        return PrintError(f"{label} is not ready (nothing is connected to it).", "not_found")
    if exc.errno == errno.EBUSY:
        return PrintError(f"{label} is busy with another program.", "busy")
    if exc.errno in (errno.EPIPE, errno.ECONNRESET):
        return PrintError(f"{label} went away mid-job.", "dropped")
    if exc.errno == errno.EIO:
        return PrintError(f"{label} reported an error (switched off, or out of paper?).", "failed")
    return PrintError(f"Could not write to {path}: {_first_line(exc)}.", "failed")


# --------------------------------------------------------------------------- python-escpos printers

_LIBRARY_NEEDED = {"usb": "pyusb", "serial": "pyserial", "cups": "pycups"}


def _make_printer(spec: PrinterSpec, timeout: float) -> Any:
    """A python-escpos printer object for ``spec`` (not yet opened)."""
    from ._escpos import printer_module  # noqa: PLC0415 - lazy: python-escpos is slow to import

    mod = printer_module()
    kw = {"profile": spec.profile}
    if spec.kind == "network":
        return mod.Network(spec.host, spec.port, timeout, **kw)
    if spec.kind == "file":
        return mod.File(spec.path, **kw)
    if spec.kind == "dummy":
        return mod.Dummy(**kw)
    cls = {"usb": mod.Usb, "serial": mod.Serial, "cups": mod.CupsPrinter}[spec.kind]
    if not cls.is_usable():
        what = {"usb": "USB", "serial": "Serial", "cups": "CUPS"}[spec.kind]
        raise PrintError(
            f"{what} printing needs the {_LIBRARY_NEEDED[spec.kind]} package, which is not installed.",
            "unavailable",
        )
    if spec.kind == "usb":
        eps = {k: v for k, v in (("in_ep", spec.in_ep), ("out_ep", spec.out_ep)) if v is not None}
        # pyusb's write timeout is in milliseconds, and python-escpos's default 0 means "forever"
        return mod.Usb(spec.vendor_id, spec.product_id, timeout=max(int(timeout * 1000), 1), **eps, **kw)
    if spec.kind == "serial":
        return mod.Serial(spec.path, spec.baudrate, timeout=timeout, **kw)
    return mod.CupsPrinter(spec.queue, **kw)


def _escpos_error(spec: PrinterSpec, exc: BaseException, timeout: float) -> PrintError:
    """Map what python-escpos and its drivers raise to one plain line."""
    if isinstance(exc, PrintError):
        return exc
    label = spec.describe()
    chain = [exc]
    while chain[-1].__cause__ or chain[-1].__context__:
        chain.append(chain[-1].__cause__ or chain[-1].__context__)  # type: ignore[arg-type]
        if len(chain) > 5:
            break
    text = " ".join(_first_line(e) for e in chain).lower()
    names = " ".join(type(e).__name__ for e in chain).lower()
    if "timeout" in names or "timed out" in text:
        return PrintError(f"{label} did not take the job within {_secs(timeout)}.", "timeout")
    if (
        any(isinstance(e, PermissionError) for e in chain)
        or "errno 13" in text
        or "access denied" in text
        or "permission" in text
    ):
        hint = " (add a udev rule for it)" if spec.kind == "usb" else ""
        return PrintError(f"This computer has no permission to use {_lc(label)}{hint}.", "permission")
    if any(isinstance(e, (ConnectionRefusedError,)) for e in chain):
        return PrintError(f"{label} refused the connection.", "refused")
    if any(isinstance(e, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)) for e in chain):
        return PrintError(f"{label} dropped the connection mid-job.", "dropped")
    if "devicenotfound" in names or "usbnotfound" in names or "no such" in text or "not found" in text:
        if spec.kind == "usb":
            return PrintError(f"{label} is not connected, or is switched off.", "not_found")
        if spec.kind == "cups":
            return PrintError(f"{label} does not exist, or CUPS is not running.", "not_found")
        if spec.kind == "network":
            return PrintError(f"{label} cannot be reached.", "unreachable")
        return PrintError(f"There is no printer at {spec.path} (is it plugged in and switched on?).", "not_found")
    if "nobackend" in names:
        return PrintError("USB printing needs libusb, which is not installed.", "unavailable")
    return PrintError(f"Printing to {_lc(label)} failed: {_first_line(exc)}", "failed")


def _send_escpos(spec: PrinterSpec, data: bytes, timeout: float) -> None:
    printer = None
    try:
        printer = _make_printer(spec, timeout)
        printer.open()
        if spec.kind == "serial":
            printer.device.write_timeout = timeout  # python-escpos only sets the read timeout
        printer._raw(data)
        printer.close()  # for CUPS this is what submits the job
    except Exception as exc:
        raise _escpos_error(spec, exc, timeout) from exc
    finally:
        if printer is not None:
            with contextlib.suppress(Exception):
                printer.close()


@contextlib.contextmanager
def open_printer(spec: PrinterSpec, timeout_s: float | None = None) -> Iterator[Any]:
    """An opened python-escpos printer for ``spec``, closed on exit, for streaming::

        with open_printer(spec) as p:
            render_escpos(doc, p, spec.paper_mm)

    Network gives ``escpos.printer.Network``, file ``File``, usb ``Usb``, serial
    ``Serial``, cups ``CupsPrinter``, dummy ``Dummy`` (its output is kept like a sent
    job). Failures to open or write raise :class:`PrintError`; prefer :func:`send`
    for jobs that matter: it has the deadlines and the delivery check.
    """
    timeout = _timeout(spec, timeout_s)
    if spec.kind == "dummy" and spec.offline:
        raise _dummy_offline(spec)
    printer = None
    try:
        printer = _make_printer(spec, timeout)
        printer.open()
    except Exception as exc:
        if printer is not None:
            with contextlib.suppress(Exception):
                printer.close()
        raise _escpos_error(spec, exc, timeout) from exc
    try:
        yield printer
        if spec.kind == "dummy":
            _store_dummy(spec, printer.output)
        printer.close()
    except (OSError, PrintError) as exc:
        raise _escpos_error(spec, exc, timeout) from exc
    except Exception as exc:
        if type(exc).__module__.startswith(("escpos", "usb", "serial", "cups")):
            raise _escpos_error(spec, exc, timeout) from exc
        raise
    finally:
        with contextlib.suppress(Exception):
            printer.close()


# --------------------------------------------------------------------------- status


def is_online(spec: PrinterSpec, timeout_s: float | None = None) -> bool:
    """A cheap "is the printer there?" check for the office's status light. Never raises.

    Network: a TCP connection is accepted (then closed, nothing sent). A printer busy
    with another job may refuse it, so treat one False as "maybe", a few as "offline".
    File/serial: the device node exists and is writable. USB: the device is on the bus.
    CUPS: the queue exists and is not stopped. Dummy: not set offline.
    """
    timeout = _timeout(spec, timeout_s)
    try:
        if spec.kind == "dummy":
            return not spec.offline
        if spec.kind == "network":
            with socket.create_connection((spec.host, spec.port), timeout=timeout):
                return True
        if spec.kind in ("file", "serial"):
            if os.path.exists(spec.path):
                return os.access(spec.path, os.W_OK)
            parent = os.path.dirname(spec.path) or "/"
            return spec.kind == "file" and not spec.path.startswith("/dev/") and os.access(parent, os.W_OK)
        if spec.kind == "usb":
            import usb.core  # noqa: PLC0415 - optional dependency

            return usb.core.find(idVendor=spec.vendor_id, idProduct=spec.product_id) is not None
        if spec.kind == "cups":
            import cups  # noqa: PLC0415 - optional dependency

            printer = cups.Connection().getPrinters().get(spec.queue)
            return bool(printer) and printer.get("printer-state") != 5  # 5: stopped
    except Exception:
        return False
    return False


# --------------------------------------------------------------------------- conveniences


def render_for(spec: PrinterSpec, doc: Any) -> bytes:
    """``to_bytes(doc)`` with this printer's paper, profile and columns: what the outbox stores."""
    from .render import to_bytes  # noqa: PLC0415

    return to_bytes(doc, spec.paper_mm, spec.profile, columns=spec.columns)


def print_document(spec: PrinterSpec, doc: Any, timeout_s: float | None = None) -> bytes:
    """Render and send in one go (for tests and demos; the app goes through the outbox).
    Returns the bytes sent."""
    data = render_for(spec, doc)
    send(spec, data, timeout_s)
    return data
