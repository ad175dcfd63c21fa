"""The kiosk's log file, ``kiosk.log`` in the data directory (0600 in a 0700 folder).

Both the terminal app and the command line write here, and nothing here imports
Textual (the CLI loads Textual only for ``kiosk run``). An unexpected error is written
with its traceback by :func:`log_error`, never shown on screen.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from models.config import data_dir


def log_path() -> Path:
    return data_dir() / "kiosk.log"


def _log_handler() -> logging.FileHandler:
    """A handler appending to ``kiosk.log``, which is created 0600 in a 0700 data directory."""
    from models.store.files import create_private, private_dir

    path = log_path()
    private_dir(path.parent)
    os.close(create_private(path, os.O_WRONLY | os.O_APPEND, exclusive=False))
    return logging.FileHandler(path, encoding="utf-8")


def log_error(error: BaseException, what: str = "unexpected error in the terminal app") -> Path | None:
    """Write ``error`` and its traceback to the log; where it went, or None if the log cannot be written."""
    try:
        handler = _log_handler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger = logging.getLogger("kiosk.crash")
        logger.addHandler(handler)
        try:
            logger.error(what, exc_info=(type(error), error, error.__traceback__))
        finally:
            logger.removeHandler(handler)
            handler.close()
    except OSError:
        return None
    return log_path()


def configure_logging() -> None:
    """Send the app's log to a file in the data directory, never to the screen."""
    try:
        handler = _log_handler()
    except OSError:
        return
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger("kiosk")
    root.addHandler(handler)
    root.setLevel(logging.INFO)
