"""Blocking work off the event loop: database calls in thread workers that post messages.

Screens never call the database directly. They call :func:`call_db`, which runs the
function in a thread worker (``exit_on_error=False``) and posts a :class:`DbResult`
back to the screen: "messages up". Functions passed here should return plain data
(dicts, dataclasses, strings), not lazy model objects, so the UI thread never queries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from textual.message import Message
from textual.message_pump import MessagePump

from models.db import reset_if_disconnected, retrying
from models.errors import KioskError

log = logging.getLogger("kiosk")

CALM = "Something went wrong and nothing was changed. The details are in the log; please try again."


class DbResult(Message):
    """The outcome of :func:`call_db`: ``value`` on success, else ``error`` (one plain line)."""

    def __init__(self, tag: str, value: Any = None, error: str | None = None, exc: BaseException | None = None) -> None:
        super().__init__()
        self.tag = tag
        self.value = value
        self.error = error
        self.exc = exc

    @property
    def ok(self) -> bool:
        return self.error is None


def run_guarded(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, str | None, BaseException | None]:
    """Call ``fn``; turn refusals into their message and crashes into a calm one (logged)."""
    try:
        return retrying(fn, *args, **kwargs), None, None
    except KioskError as exc:
        return None, str(exc), exc
    except Exception as exc:  # noqa: BLE001 - logged, never shown as a traceback
        log.exception("unexpected error in %s", getattr(fn, "__name__", fn))
        reset_if_disconnected()  # a read on a lost PostgreSQL connection: the next call reconnects
        return None, CALM, exc


def call_db(node: MessagePump, tag: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Run ``fn(*args, **kwargs)`` in a thread worker; post ``DbResult(tag, …)`` to ``node``."""

    def job() -> None:
        value, error, exc = run_guarded(fn, *args, **kwargs)
        node.post_message(DbResult(tag, value, error, exc))

    node.run_worker(job, thread=True, exit_on_error=False, group=f"db-{tag}", name=tag)
