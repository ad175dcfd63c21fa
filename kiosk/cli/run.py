"""``kiosk run`` (the terminal app) and ``kiosk demo`` (the demo school). Textual is
imported here only, inside ``run``: the other commands start fast without it."""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import sys
from typing import Any

import click

from kiosk.cli._access import open_command
from kiosk.cli._common import Env, anchor_after, common
from models.errors import KioskError

log = logging.getLogger("kiosk")


@open_command("creates the demo school only in an empty database")
@click.command()
@common
def demo(env: Env) -> None:
    """Create the demo school in an empty database (all or nothing: if stopped, run it again)."""
    # Always the demo's own database (demo.sqlite3, unless --db or $KIOSK_DATABASE_URL names
    # one), never the school's; its own config too unless --config or $KIOSK_CONFIG is given.
    env.demo = True
    env._settings = None
    env.open()
    counts = _create_demo(env)
    click.echo(
        f"Demo school created: {counts['pupils']} pupils, {counts['staff']} staff, "
        f"{counts['phones']} registered phones, {counts['events']} custody events."
    )


def _create_demo(env: Env) -> dict[str, int]:
    """Build the demo school (one transaction: an interrupted build leaves nothing)."""
    from models.errors import ValidationError
    from models.upkeep.demo import create_demo

    try:
        counts = create_demo(env.settings)
    except KeyboardInterrupt:
        raise click.exceptions.Abort(
            "Stopped: the demo school was not created (nothing of it was kept). Run kiosk demo again."
        ) from None
    except ValidationError as exc:
        if env.demo and not env.db_arg and "KIOSK_DATABASE_URL" not in os.environ:  # the demo's own database
            raise ValidationError(
                f"{exc} To use the demo school already there, add --demo to any command (kiosk run --demo); "
                f"if an earlier demo was stopped part way, delete {env.db_url()} and run the demo again."
            ) from None
        raise
    if env.settings.audit_anchors is None:  # a new demo log: an earlier demo's anchors are not its own
        old = env.anchors_path()
        if old.exists():
            old.rename(old.with_name(f"{old.name}.replaced-{dt.datetime.now():%Y%m%d-%H%M%S}"))
    anchor_after(env, "demo")  # its hundreds of entries, anchored at once
    return counts


@open_command("the terminal app: staff sign in on its screens")
@click.command()
@click.option(
    "--start",
    type=click.Choice(["hand-in", "release", "checklist", "history", "uncollected", "visitors", "visitor", "trust"]),
    default=None,
    help="Open this screen straight after login.",
)
@click.option("--kiosk", "kiosk_mode", is_flag=True, help="Lock the app down: quitting needs the admin PIN.")
# A browser session of kiosk serve: textual-serve speaks to the app through pipes, not a terminal.
@click.option("--served", is_flag=True, hidden=True)
@common
def run(env: Env, start: str | None, kiosk_mode: bool, served: bool) -> None:
    """Start the reception terminal."""
    if not served and not (_is_terminal(sys.stdin) and _is_terminal(sys.stdout)):
        raise KioskError(
            "kiosk run needs a terminal: its input or output is not one. Start it in a terminal "
            "window, or use kiosk serve for a web browser (for piped codes, use kiosk scan)."
        )
    if start == "trust":
        trust_terminal_first(env)
    prepare(env)
    if start == "trust":
        trust_terminal_then(env)
    tune_for_scanning()
    from kiosk.app import create_app
    from kiosk.logfile import configure_logging

    configure_logging()
    for line in env.tightened:
        log.warning("Permissions tightened at start: %s", line)
    # (the database is open: env.open above; create_app opens it only when given one)
    app = create_app(env.settings, start=start, kiosk_mode=kiosk_mode or env.settings.kiosk_mode)
    app.call_after_refresh(_freeze_startup_objects)
    app.run()


def trust_terminal_first(env: Env) -> None:
    """``--start trust`` before anything is opened: the trust's screen reads the schools of a
    trust on one PostgreSQL database, so a SQLite file (one school) is refused in one line."""
    from models.store.db import normalise_url

    if not normalise_url(env.db_url()).startswith("postgresql://"):
        raise KioskError(
            "--start trust needs the trust's PostgreSQL database: this terminal opens a SQLite file (one school)."
        )


def trust_terminal_then(env: Env) -> None:
    """``--start trust`` once the database is open: the trust's roles are held at site 1, so a
    terminal configured for another school cannot open the trust's screen."""
    from models.sites import MAIN
    from models.store.db import current_site

    site = current_site()
    if site != MAIN:
        raise KioskError(
            f"--start trust opens the trust's screen at site 1, where the trust's roles are: "
            f"this terminal is for site {site!r} (KIOSK_SITE, or the config)."
        )


def prepare(env: Env, *, create: bool = True) -> None:
    """Open the database (--demo: the demo school, made on first use), the trays, the daily
    anchor. ``create=False`` (kiosk serve): a database that does not exist, or is empty, is
    one line and none is made (only run, demo and the first staff add make one)."""
    env.open(create=create)
    if env.demo:  # (--demo: the demo school, created on first run)
        from models.store.tables import Staff

        if not Staff.select().exists():
            _create_demo(env)
            env.print_demo_nowhere()  # (made just now: its printing goes nowhere, as when opened)
    env.sync_trays()
    _daily_anchor(env)


def _is_terminal(stream: Any) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):  # closed
        return False


def _daily_anchor(env: Env) -> None:
    """The first start on a new day anchors the log (the app also does after the school day)."""
    from models.audit import anchors
    from models.clock import utcnow

    try:
        anchors.write_if_due(env.anchors_path(), utcnow(), env.settings.tz)
    except KioskError as exc:
        log.warning("Daily audit anchor not written: %s", exc)
        click.echo(f"Warning: {exc}", err=True)


def tune_for_scanning() -> None:
    """Process settings for the terminal app (measured in benchmarks/bench_scan.py).

    * Redraw up to 240 times a second instead of Textual's 60 (unless TEXTUAL_FPS is
      set): a result then reaches the screen up to 13 ms sooner. Frames are drawn only
      when something changed, so an idle kiosk costs nothing more.
    * Switch threads every 1 ms instead of 5 ms, so the UI thread is not held up
      behind the scan worker's Python work.
    * Full garbage collections at quiet moments (see KioskApp.collect_garbage).
    Must run before Textual is imported (it reads TEXTUAL_FPS then).
    """
    os.environ.setdefault("TEXTUAL_FPS", "240")
    sys.setswitchinterval(0.001)
    # Python's own full collections ten times rarer: the app runs them at quiet
    # moments instead (KioskApp.collect_garbage), not in the middle of a scan.
    gc.set_threshold(700, 10, 100)  # Python's defaults are 700, 10, 10


def _freeze_startup_objects() -> None:
    """Move everything alive after start-up out of the garbage collector's sight, so
    a collection during a burst of scans walks only the objects made since."""
    gc.collect()
    gc.freeze()
