"""The one place that imports python-escpos, lazily.

``import escpos`` costs ~0.2 s (it loads PyYAML, Pillow, qrcode, python-barcode and
parses a 100 kB printer database), so ``import printing`` must not do it: the kiosk has
to start in under 0.6 s. It happens on the first render to bytes or the first printer
opened.

``escpos.capabilities`` also calls ``logging.basicConfig()`` at import time, which
would attach a stderr handler to the root logger of whatever program imported it: in
the Textual app, log lines would then scribble over the screen. We hold a NullHandler
on the root logger during the import so that basicConfig() finds a handler and does
nothing, and take it off again afterwards.
"""

from __future__ import annotations

import contextlib
import io
import logging
import sys
import threading
from types import ModuleType
from typing import Iterator

_lock = threading.Lock()


def printer_module() -> ModuleType:
    """``escpos.printer``, imported on first use."""
    mod = sys.modules.get("escpos.printer")
    if mod is not None:
        return mod
    with _lock:
        root = logging.getLogger()
        guard = None
        if not root.handlers:
            guard = logging.NullHandler()
            root.addHandler(guard)
        try:
            import escpos.printer as loaded  # noqa: PLC0415 - lazy on purpose
        finally:
            if guard is not None:
                root.removeHandler(guard)
    return loaded


@contextlib.contextmanager
def quiet_stdout() -> Iterator[None]:
    """python-escpos 3.1 print()s chatter ("Using hardware barcode renderer") to stdout,
    which is the kiosk's terminal. Swallow it for the duration of one call."""
    with contextlib.redirect_stdout(io.StringIO()):
        yield
