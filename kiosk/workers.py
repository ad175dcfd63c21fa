"""Blocking work off the event loop: database calls in thread workers that post messages.

A screen (or dialog) that needs the database mixes in :class:`DbWork` and calls::

    self.db(actions.custody.load_phone, self.who, code, then=self.show, latest="load")

``fn`` runs in a thread worker (``exit_on_error=False``). Its result comes back to the
screen as a :class:`DbDone` message ("messages up"), and the handler that the call named
runs on the event loop: ``then(value)`` on success, ``failed(Failure)`` on a refusal or a
crash. There is no tag to switch on. ``latest="key"`` makes a call supersede the earlier
calls with the same key: only the newest one's result is delivered (a lookup typed over,
a list refreshed twice). Functions passed here return plain data (dataclasses, strings),
never lazy model objects, so the UI thread never queries.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from textual.message import Message

from models.errors import KioskError
from models.store.db import reset_if_disconnected, retrying

log = logging.getLogger("kiosk")

CALM = "Something went wrong and nothing was changed. The details are in the log; please try again."

T = TypeVar("T")


@dataclass(frozen=True)
class Failure:
    """Why a call did not succeed: one plain line, and the exception behind it."""

    message: str
    exc: BaseException | None = None

    def refused_as(self, kind: type[BaseException]) -> bool:
        """True when the domain refused with ``kind`` (a subclass of KioskError)."""
        return isinstance(self.exc, kind)


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


class DbDone(Message, Generic[T]):
    """A call's outcome, carrying the handlers it was made with."""

    def __init__(
        self,
        value: T | None,
        failure: Failure | None,
        then: Callable[[T], Any],
        failed: Callable[[Failure], Any] | None,
        latest: tuple[str, int] | None,
    ) -> None:
        super().__init__()
        self.value = value
        self.failure = failure
        self.then = then
        self.failed = failed
        self.latest = latest


class DbWork:
    """Mixed into a Screen or ModalScreen: :meth:`db` runs a call, :meth:`on_db_done` delivers it."""

    _db_latest: dict[str, int]

    def db(
        self,
        fn: Callable[..., T],
        *args: Any,
        then: Callable[[T], Any],
        failed: Callable[[Failure], Any] | None = None,
        latest: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Run ``fn(*args, **kwargs)`` in a thread worker; deliver to ``then`` or ``failed``.

        ``failed`` defaults to :meth:`db_failed`. With ``latest``, a newer call with the
        same key makes this one's result stale: it is dropped, not delivered.
        """
        if not self.for_whoever_is_signed_in(args, kwargs):
            return
        stamp = None
        if latest is not None:
            seqs = self.__dict__.setdefault("_db_latest", {})
            seqs[latest] = seqs.get(latest, 0) + 1
            stamp = (latest, seqs[latest])
        node: Any = self

        def job() -> None:
            value, error, exc = run_guarded(fn, *args, **kwargs)
            failure = None if error is None else Failure(error, exc)
            node.post_message(DbDone(value, failure, then, failed, stamp))

        name = getattr(fn, "__name__", "db")
        node.run_worker(job, thread=True, exit_on_error=False, group=f"db-{latest or name}", name=name)

    def for_whoever_is_signed_in(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        """Whether a call made as someone (a :class:`~kiosk.session.SignedIn` among its
        arguments) is made as whoever is signed in now. A screen keeps the person it was
        opened for; after the lock, someone else signing in unwinds the screens beneath,
        and each one that resumes on the way would read (and record in the audit log, and
        mark seen) as the person before. While the lock is up, the person who locked is
        still the one their screens beneath act for (an Enter already on its way when the
        lock came is theirs, and is saved). Calls that name no one (signing in, the public
        visitor screen) run."""
        from kiosk.session import SignedIn

        people = [a for a in (*args, *kwargs.values()) if isinstance(a, SignedIn)]
        if not people:
            return True
        app: Any = getattr(self, "app", None)
        if app is None or not hasattr(app, "signed_in"):
            return True
        now = app.signed_in if app.signed_in is not None else getattr(app, "locked_by", None)
        return all(p == now for p in people)

    def superseded(self, key: str) -> None:
        """Drop whatever is still on its way for ``key`` (for example, the field was cleared)."""
        seqs = self.__dict__.setdefault("_db_latest", {})
        seqs[key] = seqs.get(key, 0) + 1

    def on_db_done(self, message: DbDone[Any]) -> None:
        message.stop()
        if message.latest is not None:
            key, seq = message.latest
            if self.__dict__.get("_db_latest", {}).get(key) != seq:
                return  # a newer call with the same key is on its way
        if message.failure is None:
            message.then(message.value)
        else:
            (message.failed or self.db_failed)(message.failure)

    def db_failed(self, failure: Failure) -> None:
        """What a refusal does when the call named no ``failed``: override to show it in place."""
        self.notify(failure.message, severity="error")  # type: ignore[attr-defined]
