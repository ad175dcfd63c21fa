"""Exceptions of the printing package.

Both carry a one-line, plain-English message meant to be shown to office staff as is.
"""

from __future__ import annotations


class PrintingError(Exception):
    """Base class of the printing package's errors."""

    def __init__(self, message: str) -> None:
        # One line, always: the office status bar and the outbox log show it verbatim.
        message = " ".join(str(message).split())
        super().__init__(message)
        self.message = message


class PrinterConfigError(PrintingError, ValueError):
    """A printer URL or config dict is malformed, or names an unknown kind/profile."""


class PrintError(PrintingError):
    """A job could not be delivered to the printer.

    ``reason`` is a short machine-readable tag the outbox may log or count:
    ``refused``, ``timeout``, ``dropped``, ``not_found``, ``unreachable``,
    ``permission``, ``busy``, ``unavailable`` (a driver library is missing),
    ``offline`` (a dummy printer set to fail) or ``failed`` (anything else).
    Every one of them is safe to retry later: ``send()`` keeps no state between calls.
    """

    def __init__(self, message: str, reason: str = "failed") -> None:
        super().__init__(message)
        self.reason = reason
