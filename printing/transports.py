"""Delivering a job: :func:`send`, :func:`open_printer` and :func:`is_online`.

:func:`send` delivers bytes already rendered by ``to_bytes()`` (for the printer a
:class:`~printing.spec.PrinterSpec` names) and raises :class:`PrintError` (one
plain-English line) on any failure, within ``timeout_s`` for network and file
printers. It keeps no state between calls, so the outbox can simply call it again
later.

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
USB, serial and CUPS go through python-escpos; dummy printers keep their jobs in
:mod:`printing.dummy`.
"""

from __future__ import annotations

import contextlib
import errno
import os
import select
import socket
import stat
import time
from typing import Any, Iterator

from .dummy import dummy_offline, store_dummy
from .errors import PrintError
from .spec import PrinterSpec

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
                raise dummy_offline(spec)
            store_dummy(spec, data)
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
        raise dummy_offline(spec)
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
            store_dummy(spec, printer.output)
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
