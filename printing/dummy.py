"""The test printer (``dummy://[name]``): jobs kept in memory, per printer name.

:func:`dummy_jobs` shows what a dummy printer was sent, :func:`clear_dummy_jobs`
forgets it. A spec with ``offline`` set fails every job, like a printer that is
switched off. :mod:`printing.transports` stores the jobs with :func:`store_dummy` and
raises :func:`dummy_offline`'s error.
"""

from __future__ import annotations

import threading

from .errors import PrintError
from .spec import PrinterSpec

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


def store_dummy(spec: PrinterSpec, data: bytes) -> None:
    """Keep one job sent to the dummy printer ``spec``."""
    with _dummy_lock:
        _dummy_jobs.setdefault(spec.name, []).append(bytes(data))


def dummy_offline(spec: PrinterSpec) -> PrintError:
    """The error for a job sent to a dummy printer set to be offline."""
    return PrintError(f"{spec.describe()} is set to be offline.", "offline")
