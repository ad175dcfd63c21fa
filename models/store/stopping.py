"""A long read that stops when asked: the app's records' check, when the app is closing.

The records' check (``kiosk audit verify``'s, run by the terminal at start and hourly in a
thread worker) reads the whole log and every protected row: on a big school, a minute or
more. Textual waits for thread workers as the app closes, so quitting waited for it. Within
:func:`models.store.db.stoppable` the check looks at its stop flag between batches (:func:`stop_point`) and,
on SQLite, a statement running when the flag is set (``PRAGMA integrity_check``, one long
query) is interrupted by a progress handler: the check ends at once with :class:`CheckStopped`,
and gives no answer (neither passed nor failed).
"""

from __future__ import annotations

import threading

PROGRESS_EVERY = 10_000  # SQLite virtual machine steps between looks at the flag (well under a millisecond)


class CheckStopped(Exception):
    """The check was asked to stop before it finished: it has no answer."""


_here = threading.local()


def stop_point() -> None:
    """Raise :class:`CheckStopped` if this thread's check has been asked to stop."""
    stop = getattr(_here, "stop", None)
    if stop is not None and stop.is_set():
        raise CheckStopped


def stopping() -> bool:
    """Whether this thread's check has been asked to stop (for an error that may be its interruption)."""
    stop = getattr(_here, "stop", None)
    return stop is not None and stop.is_set()


def set_stop(stop: threading.Event | None) -> None:
    """The stop flag of this thread's check (None: no check); see models.store.db.stoppable."""
    _here.stop = stop
