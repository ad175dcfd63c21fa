"""The ``kiosk`` command line.

Every command takes ``--db`` and ``--config``. Success exits 0; a refusal or bad input
exits non-zero with one plain line on stderr and no traceback. A command that changes
records or exports personal data acts for someone: ``--as USERNAME`` and their PIN
(``$KIOSK_PIN``, or asked on the terminal), see :func:`acts`. Textual is imported only
by ``kiosk run``, so the other commands start fast and work on a machine with no
terminal.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import io
import json
import logging
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from models.errors import KioskError

log = logging.getLogger("kiosk")

EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_UNEXPECTED = 70


class Env:
    """What a command needs, opened lazily: settings, then the database."""

    def __init__(self, db: str | None, config: str | None, demo: bool = False) -> None:
        self.db_arg = db
        self.config_arg = config
        self.demo = demo
        self._opened = False
        self._settings = None
        self.tightened: list[str] = []
        self.damaged = False  # the file failed SQLite's quick check: what a report shows may be wrong

    @property
    def settings(self):
        if self._settings is None:
            from models.config import DEMO_CONFIG, load_settings

            path = self.config_arg
            if path is None and self.demo and "KIOSK_CONFIG" not in os.environ:
                path = str(DEMO_CONFIG)
            self._settings = load_settings(path)
            from models.trays import set_overflow_place

            set_overflow_place(self._settings.overflow_place)  # where phones go when no slot is free
        return self._settings

    def db_url(self) -> str:
        from models.config import data_dir, database_url

        if self.demo and not self.db_arg and "KIOSK_DATABASE_URL" not in os.environ:
            return str(data_dir() / "demo.sqlite3")
        return database_url(self.db_arg, self.settings)

    def open(self, *, create: bool = True, check: bool = True) -> None:
        """Open the database. ``create=False`` (read-only commands, and commands that act
        for someone, who must already be in it): a database path given on purpose (--db,
        $KIOSK_DATABASE_URL, the config) that does not exist is one line, not a new empty
        database; the default database in the data directory is still made. Those also
        run SQLite's quick check (``check``; verify runs the full one): a damaged file is
        written no more, and a report from it ends with a warning and exit code 1."""
        from models import anchors
        from models.db import integrity_problems
        from models.store import open_database

        if self._opened:  # already open (e.g. to check who is acting)
            return
        url = self.db_url()
        named = bool(self.db_arg or os.environ.get("KIOSK_DATABASE_URL") or self.settings.database)
        open_database(url, create=create or not named)
        self._opened = True
        if check and not create and integrity_problems(quick=True):  # (0.3 s per 130 MB; [] on PostgreSQL)
            self.damaged = True
        anchors.configure(self.anchors_path(url))
        from models import pinkey

        pinkey.configure(self.settings.pin_key_file)  # [auth] key_file, else pin.key in the data directory
        self.tightened = _say_tightened()  # `kiosk run` also puts them in kiosk.log
        if not self.damaged:
            from models.jobs import unfinished_jobs

            for line in unfinished_jobs():  # a job that stopped part way: said by every command until done
                click.echo(f"Note: {line}", err=True)

    def anchors_path(self, url: str | None = None) -> Path:
        """Where this database's audit anchors go: ``[audit] anchors``, or the data directory."""
        from models import anchors

        if self.settings.audit_anchors is not None:
            return self.settings.audit_anchors
        return anchors.default_path(url or self.db_url())

    def sync_trays(self) -> None:
        from models.tables import SchoolClass
        from models.trays import sync_trays

        if self.settings.trays and SchoolClass.select().exists():
            sync_trays(self.settings.trays, actor="config")


def _say_tightened() -> list[str]:
    """Files made before they were kept private (the data directory, the database) are
    narrowed at start: say which, once."""
    from models import files

    files.note(files.tighten_data_dir())
    lines = files.take_notes()
    for line in lines:
        click.echo(f"Note: {line}", err=True)
    return lines


class _Warned(Exception):
    """The command ran, but ended with a warning on stderr: exit code 1 (see :func:`main`)."""


def common(fn: Callable) -> Callable:
    """Add --db and --config to a command and pass an :class:`Env`."""

    @click.option(
        "--config",
        "config",
        type=click.Path(),
        default=None,  # a folder: one line from load_settings
        help="Config file (TOML). Default: $KIOSK_CONFIG or the user config directory.",
    )
    @click.option(
        "--db",
        "db",
        default=None,
        metavar="URL",
        help="Database: a file path, sqlite:///… or postgresql://…  Default: $KIOSK_DATABASE_URL or the data directory.",
    )
    @functools.wraps(fn)
    def wrapper(db: str | None, config: str | None, **kwargs: Any) -> Any:
        _check_dates(kwargs)  # before anything is opened, asked for or written
        env = Env(db, config, demo=kwargs.get("demo", False))
        result = fn(env, **kwargs)
        if env.damaged:  # (a command that writes was stopped before this by models.db.damaged)
            click.echo(
                "Warning: The database file failed its integrity check, so what is shown may be wrong or "
                "incomplete: run kiosk audit verify, and restore the last backup.",
                err=True,
            )
            raise _Warned()
        return result

    return wrapper


# ------------------------------------------------------------------ who may run a command
#
# Every command is either open to the kiosk's own OS account (reports, verify: @open_command)
# or acts for a member of staff (@acts: --as USERNAME and their PIN, checked against the same
# permission as the screens, and that person is the audit actor). tests/test_cli_auth.py walks
# the command tree: a command with neither is a failing test.

ACCESS = "kiosk_access"  # attribute on a command's callback: ("open", why) or ("acts", action)


def open_command(why: str) -> Callable[[click.Command], click.Command]:
    """Mark a command (above its ``@….command``) as open to the kiosk's OS account without --as, and say why."""

    def mark(command: click.Command) -> click.Command:
        setattr(command.callback, ACCESS, ("open", why))
        return command

    return mark


def _has_terminal() -> bool:
    """Whether this process has a terminal to ask on (stdin may carry codes, so not stdin)."""
    try:
        os.close(os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY))
    except OSError:
        return False
    return True


def _tty_pin(prompt: str, *, confirm: bool = False) -> str | None:
    """A PIN typed (not echoed) on the terminal; None when there is no terminal."""
    import getpass

    if not _has_terminal():
        return None
    try:
        pin = getpass.getpass(prompt)  # reads and prompts on /dev/tty itself
        if confirm and getpass.getpass("Again: ") != pin:
            raise KioskError("The two PINs differ: nothing was changed.")
    except EOFError:
        raise KioskError("No PIN was typed. Nothing was changed.") from None
    return pin


def acts(
    action: str | Callable[[dict[str, Any]], str],
    *,
    open_when: Callable[[dict[str, Any]], bool] | None = None,
    doing: str | None = None,
    own: Callable[[dict[str, Any]], str] | None = None,
) -> Callable[[Callable], Callable]:
    """Add --as USERNAME: the member of staff acting, signed in with their PIN, who must
    be allowed ``action`` (a ``models.auth.PERMISSIONS`` key, or a function of the
    command's options). The command gets them as ``who``.

    ``open_when(options)``: without --as the command runs with ``who=None`` (purge
    --dry-run; the first admin). Use inside :func:`common` (``@common`` above ``@acts``).
    ``doing``: what the command does, in a refusal, when the permission's words do not
    say it ("make a backup" needs someone who may purge, export or erase records).
    ``own(options)``: the username the command acts on; anyone may do it to their own
    account (their new PIN), whatever ``action`` says.
    A refusal after a right PIN is audited (``auth.refused``): who tried what.
    """
    words = action if isinstance(action, str) else "do this"

    def decorate(fn: Callable) -> Callable:
        @click.option(
            "--as",
            "as_user",
            default=None,
            metavar="USERNAME",
            help="Who is acting (a member of staff). The PIN comes from $KIOSK_PIN or is asked for.",
        )
        @functools.wraps(fn)
        def wrapper(env: Env, as_user: str | None, **kwargs: Any) -> Any:
            from models.auth import ACTION_WORDS, authenticate, require
            from models.errors import PermissionDenied

            wanted = action if isinstance(action, str) else action(kwargs)
            if as_user is None:
                if open_when is not None and open_when(kwargs):
                    return fn(env, who=None, **kwargs)
                raise PermissionDenied(
                    f"Say who you are with --as USERNAME (a member of staff who may "
                    f"{ACTION_WORDS[wanted]}); the PIN comes from $KIOSK_PIN or is asked for."
                )
            pin = _read_pin(as_user)  # before the database is opened: no PIN, nothing written
            env.open(create=False)  # whoever acts is in it already: a mistyped --db makes nothing
            from models.db import commits

            signing_in = commits()
            try:
                who = authenticate(as_user, pin)
            except KioskError:
                if commits() != signing_in:  # the wrong PIN is in the log: anchored like any record
                    _anchor_after(env, None, quiet=True)
                raise
            try:
                if own is None or (own(kwargs) or "").strip().lower() != who.username:
                    require(who, wanted)
            except PermissionDenied as refused:
                _audit_refused(who, wanted)
                _anchor_after(env, who, quiet=True)  # the refusal is in the log: anchored like any record
                if doing:
                    from models.auth import who_text

                    raise PermissionDenied(
                        f"{who_text(who)} may not {doing}: that needs someone who may {ACTION_WORDS[wanted]}."
                    ) from None
                raise refused from None
            before = signing_in
            result = fn(env, who=who, **kwargs)
            if commits() != before:  # it wrote records: anchor them (not a job that stopped part way)
                _anchor_after(env, who)
            return result

        setattr(wrapper, ACCESS, ("acts", words))
        return wrapper

    return decorate


def _audit_refused(who: Any, action: str) -> None:
    """Record that a member of staff, signed in, was refused a command (what they tried)."""
    from models import audit
    from models.clock import utcnow
    from models.tx import write_tx

    ctx = click.get_current_context(silent=True)
    command = ctx.command_path if ctx is not None else "kiosk"
    with write_tx():
        audit.append(who, "auth.refused", "staff", who.id, {"command": command[:80], "needs": action}, utcnow())


def emit(rows: Sequence[dict[str, Any]], fmt: str, columns: Sequence[str] | None = None) -> None:
    """Print rows as an aligned table, CSV (formula-safe) or JSON."""
    columns = list(columns or (rows[0].keys() if rows else []))
    if fmt == "json":
        click.echo(json.dumps(list(rows), ensure_ascii=False, indent=2, default=str))
        return
    if fmt == "csv":
        from models.csvsafe import write_csv

        buf = io.StringIO()
        write_csv(buf, columns, [[r.get(c, "") for c in columns] for r in rows])
        click.echo(buf.getvalue(), nl=False)
        return
    if not rows:
        click.echo("(none)")
        return
    from models.codes import printable

    cells = [[printable(str(r.get(c, "")), 60) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    click.echo("  ".join(c.upper().ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())


FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="reception-kiosk")
def cli() -> None:
    """Reception kiosk: phone hand-in, custody ledger and visitor sign-in."""


# ------------------------------------------------------------------ demo / run


@open_command("creates the demo school only in an empty database")
@cli.command()
@common
def demo(env: Env) -> None:
    """Create the demo school in an empty database (all or nothing: if stopped, run it again)."""
    if env.config_arg is None and "KIOSK_CONFIG" not in os.environ:
        env.demo = True  # the demo's own config (trays for its classes)
        env._settings = None
    env.open()
    counts = _create_demo(env)
    click.echo(
        f"Demo school created: {counts['pupils']} pupils, {counts['staff']} staff, "
        f"{counts['phones']} registered phones, {counts['events']} custody events."
    )


def _create_demo(env: Env) -> dict[str, int]:
    """Build the demo school (one transaction: an interrupted build leaves nothing)."""
    from models.demo import create_demo
    from models.errors import ValidationError

    try:
        counts = create_demo(env.settings)
    except KeyboardInterrupt:
        raise click.exceptions.Abort(
            "Stopped: the demo school was not created (nothing of it was kept). Run kiosk demo again."
        ) from None
    except ValidationError as exc:
        if env.demo and not env.db_arg and "KIOSK_DATABASE_URL" not in os.environ:  # the demo's own database
            raise ValidationError(
                f"{exc} If an earlier demo was stopped part way, delete {env.db_url()} and run the demo again."
            ) from None
        raise
    if env.settings.audit_anchors is None:  # a new demo log: an earlier demo's anchors are not its own
        old = env.anchors_path()
        if old.exists():
            old.rename(old.with_name(f"{old.name}.replaced-{dt.datetime.now():%Y%m%d-%H%M%S}"))
    _anchor_after(env, "demo")  # its hundreds of entries, anchored at once
    return counts


@open_command("the terminal app: staff sign in on its screens")
@cli.command()
@click.option("--demo", is_flag=True, help="Use the demo school (created on first run) in its own database.")
@click.option(
    "--start",
    type=click.Choice(["hand-in", "release", "checklist", "history", "uncollected", "visitors", "visitor"]),
    default=None,
    help="Open this screen straight after login.",
)
@click.option("--kiosk", "kiosk_mode", is_flag=True, help="Lock the app down: quitting needs the admin PIN.")
@common
def run(env: Env, demo: bool, start: str | None, kiosk_mode: bool) -> None:
    """Start the reception terminal."""
    if not (_is_terminal(sys.stdin) and _is_terminal(sys.stdout)):
        raise KioskError(
            "kiosk run needs a terminal: its input or output is not one. Start it in a terminal "
            "window (for piped codes, use kiosk scan)."
        )
    env.demo = demo
    env._settings = None
    env.open()
    if demo:
        from models.tables import Staff

        if not Staff.select().exists():
            _create_demo(env)
    env.sync_trays()
    _daily_anchor(env)
    tune_for_scanning()
    from kiosk.app import configure_logging, create_app

    configure_logging()
    for line in env.tightened:
        log.warning("Permissions tightened at start: %s", line)
    app = create_app(env.settings, database=env.db_url(), start=start, kiosk_mode=kiosk_mode or env.settings.kiosk_mode)
    app.call_after_refresh(_freeze_startup_objects)
    app.run()


def _is_terminal(stream: Any) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (OSError, ValueError):  # closed
        return False


def _anchor_after(env: Env, who: Any, *, quiet: bool = False) -> None:
    """After a command that wrote records, an anchor if the log moved since the last one.
    ``quiet``: after a refusal, whose one line stays the only one (a failure is logged)."""
    from models import anchors

    try:
        anchors.write_if_moved(env.anchors_path(), why="command", actor=who)
    except KioskError as exc:
        log.warning("Audit anchor after the command not written: %s", exc)
        if not quiet:
            click.echo(f"Warning: {exc}", err=True)


def _daily_anchor(env: Env) -> None:
    """The first start on a new day anchors the log (the app also does after the school day)."""
    from models import anchors
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


# ------------------------------------------------------------------ roster


@cli.group()
def roster() -> None:
    """Pupils and contacts from the MIS."""


@roster.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--skip-invalid", is_flag=True, help="Import the good rows even if some rows are rejected.")
@common
@acts("import_roster")
def roster_import(env: Env, who, file: str, skip_invalid: bool) -> None:
    """Import a SIMS- or Arbor-style CSV export. Any rejected row stops it unless --skip-invalid.

    Applied 40 pupils at a time, each step audited; an import cut off part way is
    finished by importing the same file again."""
    from models.people import RosterRejected, import_roster
    from models.roster import RosterFileError, parse_roster

    try:
        result = parse_roster(file)
    except RosterFileError as exc:
        raise KioskError(str(exc)) from None
    for w in result.warnings:
        click.echo(f"Warning: {w}", err=True)
    for e in result.errors:
        click.echo(e.message, err=True)
    env.open()
    try:
        summary = import_roster(result, skip_invalid=skip_invalid, actor=who)
    except RosterRejected as exc:
        raise KioskError(str(exc)) from None
    env.sync_trays()
    click.echo(f"Roster imported ({result.source_format}): {summary.line()}.")
    for line in summary.contact_lines():  # every contact added, changed or switched off
        click.echo(f"  {line}")


# ------------------------------------------------------------------ devices


@cli.group()
def devices() -> None:
    """Registered phones and their labels."""


@open_command("read-only report")
@devices.command("list")
@click.option("--class", "class_name", default=None, help="Only this class.")
@FORMAT
@common
def devices_list(env: Env, class_name: str | None, fmt: str) -> None:
    """List registered phones: code, pupil, class, state, slot."""
    from models import reports

    env.open(create=False)
    emit(reports.devices(class_name), fmt, ["code", "admission_no", "pupil", "class", "state", "slot"])


@devices.command("register")
@click.argument("admission_no")
@click.option("--description", default="phone", show_default=True)
@common
@acts("register_device")
def devices_register(env: Env, who, admission_no: str, description: str) -> None:
    """Register a pupil's phone and issue its label code."""
    from models.devices import register_pupil_device

    env.open()
    label = register_pupil_device(admission_no, actor=who, description=description)
    pupil = label.device.pupil
    click.echo(
        f"Registered {label.code} to {pupil.full_name} ({pupil.school_class.name}). Print its label with: kiosk labels print --pupil {pupil.admission_no}"
    )


@devices.command("revoke")
@click.argument("code")
@click.option("--reason", default="lost", show_default=True)
@click.option("--no-reissue", is_flag=True, help="Do not issue a replacement label.")
@common
@acts("revoke_label")
def devices_revoke(env: Env, who, code: str, reason: str, no_reissue: bool) -> None:
    """Revoke a lost or damaged label and issue its replacement."""
    from models.devices import revoke_label

    env.open()
    new = revoke_label(code, actor=who, reason=reason, reissue=not no_reissue)
    click.echo(f"Revoked {code.strip().upper()}." + (f" Replacement label: {new.code}." if new else ""))


# ------------------------------------------------------------------ scan


MAX_SCAN_LINE = 1024  # bytes: a label code is 8 characters
LINE_TOO_LONG = "A scanned line over 1 KB was refused."


def scan_lines(stream: io.BufferedIOBase, limit: int = MAX_SCAN_LINE, chunk: int = 64 * 1024):
    """The lines of scanner input on ``stream`` (bytes, with their line end), or None for a
    line over ``limit`` bytes. No more than ``limit`` + 1 bytes of one line are held: the
    rest of a long line is read in ``chunk``-sized pieces and dropped, up to its newline."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if line.endswith(b"\n") or len(line) <= limit:
            yield line
            continue
        while True:  # discard to the end of the line
            rest = stream.readline(chunk)
            if not rest or rest.endswith(b"\n"):
                break
        yield None


def _read_pin(username: str) -> str:
    """The PIN of the person in --as: $KIOSK_PIN, or asked for (hidden) on the terminal."""
    pin = os.environ.get("KIOSK_PIN")
    if pin is None:
        pin = _tty_pin(f"PIN for {username}: ")
        if pin is None:
            raise KioskError("No PIN: set KIOSK_PIN or run from a terminal. Nothing was changed.")
    if not pin.strip():
        raise KioskError("No PIN: KIOSK_PIN is empty. Nothing was changed.")
    return pin


@cli.command()
@click.option("--mode", type=click.Choice(["hand-in", "release"]), required=True)
@common
@acts(lambda options: "hand_in" if options["mode"] == "hand-in" else "release")
def scan(env: Env, who, mode: str) -> None:
    """Headless scanning: one code per line on stdin, one result line per code.

    Each result is printed only after that code is committed, and starts with OK,
    DUPLICATE, UNKNOWN, INVALID, REVOKED or BLOCKED.
    """
    from models import custody
    from models.clock import Clock
    from models.codes import printable
    from models.db import retrying

    env.open()
    env.sync_trays()
    staff = who
    # (the file's quick check ran as --as opened it: a damaged file was refused in one line)
    op = custody.hand_in if mode == "hand-in" else custody.release
    clock = Clock()
    out = sys.stdout
    for raw in scan_lines(sys.stdin.buffer):
        if raw is None:  # over 1 KB: not a label (a stuck key, a pasted file); never read whole
            out.write(f"INVALID - {LINE_TOO_LONG}\n")
            out.flush()
            continue
        text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if not text.strip():
            continue
        try:
            result = retrying(op, text, staff, now=clock.now())
            line = result.line()
        except KioskError as exc:
            line = f"{exc.outcome} {printable(text.strip())} {exc}"
        out.write(line + "\n")
        out.flush()


# ------------------------------------------------------------------ camera


@cli.group()
def camera() -> None:
    """The webcam barcode reader."""


@open_command("reads the camera; no records")
@camera.command("test")
@click.option(
    "--source",
    default=None,
    metavar="SOURCE",
    help="A camera index (0), a video file or a folder of images. Default: [camera] source in the config.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@common
def camera_test_command(env: Env, source: str | None, fmt: str) -> None:
    """Decode every frame of a source with the kiosk's own pipeline: one line per frame.

    Each line gives the file name (or frame number), the code read or "-", and the
    milliseconds it took. A live camera is tested on its first 100 frames.
    """
    from kiosk.camera import CameraError, camera_test, format_results

    spec = source if source is not None else str(env.settings.camera.get("source", "0"))
    try:
        results = camera_test(spec)
    except CameraError as exc:
        raise KioskError(str(exc)) from None
    click.echo(format_results(results, fmt))


# ------------------------------------------------------------------ reports


@cli.group()
def report() -> None:
    """Reports for the office, leadership and inspectors."""


def _is_date_option(param: click.Parameter) -> bool:
    """An option that takes a date says so: its help starts with, or its metavar is, YYYY-MM-DD."""
    return isinstance(param, click.Option) and (
        param.metavar == "YYYY-MM-DD" or (param.help or "").startswith("YYYY-MM-DD")
    )


def _check_dates(kwargs: dict[str, Any]) -> None:
    """Every date option of the running command, checked as :func:`_parse_date` does, first."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return
    for param in ctx.command.params:
        if _is_date_option(param) and isinstance(kwargs.get(param.name), str):
            _parse_date(kwargs[param.name], param.opts[0])


class BadInput(click.ClickException):
    """A bad value on the command line: one line ("Error: …"), no usage text, exit 2."""

    exit_code = EXIT_USAGE


class RecordNumber(click.ParamType):
    """A record's number (an exception, a print job): a whole number from 1 to 2**62, else one
    plain line. Python's int would take 99999999999999999999 and the database overflow on it.

    A number no record can have (0, -5) is a refusal like a number not on record (exit 1),
    pointing at the list that shows the numbers; text that is not a number is bad usage (exit 2).
    """

    name = "number"
    LIMIT = 2**62

    def __init__(self, what: str, listing: str) -> None:
        self.what = what
        self.listing = listing  # the command that shows these numbers

    def convert(self, value, param, ctx):  # noqa: ANN001 - click's signature
        from models.errors import ValidationError

        if isinstance(value, int):
            return value
        text = str(value).strip()
        if re.fullmatch(r"-?[0-9]+", text) and int(text) < 1:
            raise ValidationError(f"{text[:40]} is not {self.what} number: use the number shown by {self.listing}.")
        if not text.isdigit() or len(text) > 19 or not 1 <= int(text) < self.LIMIT:
            raise BadInput(f"{text[:40]!r} is not {self.what} number: give a whole number, such as 12.")
        return int(text)


class RecordCommand(click.Command):
    """A command whose argument is a record number (:class:`RecordNumber`).

    Click reads "-5" as an unknown option and prints its usage block; here a bare negative
    number that is not an option's value is that argument, refused in one plain line.
    Real options, and an option's value that starts with a minus ("--reason -5"), are
    parsed by click as before.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        takes_value: set[str] = set()
        numbers = [p for p in self.params if isinstance(p, click.Argument) and isinstance(p.type, RecordNumber)]
        for p in self.params:
            if isinstance(p, click.Option) and not p.is_flag and not p.count:
                takes_value.update(p.opts)
        prev = None
        for token in args:
            if token == "--":
                break
            if numbers and re.fullmatch(r"-[0-9]+", token) and prev not in takes_value:
                numbers[0].type.convert(token, numbers[0], ctx)  # refuses it in one line
            prev = token
        return super().parse_args(ctx, args)


def _parse_date(value: str | None, option: str = "--date") -> dt.date | None:
    """YYYY-MM-DD between 2000-01-01 and 2099-12-31, else one plain line (exit 2)."""
    if value is None:
        return None
    text = value.strip()
    try:
        if len(text) != 10:
            raise ValueError
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{option} {value[:40]!r} is not a date: write it as YYYY-MM-DD.") from None
    from models.clock import DAY_RANGE_TEXT, in_day_range

    if not in_day_range(day):  # models.clock: the same range as the screens
        raise BadInput(f"{option} {text} is out of range: give {DAY_RANGE_TEXT}.")
    return day


@open_command("read-only report")
@report.command("day")
@click.option("--date", "date_text", default=None, help="YYYY-MM-DD (default: today).")
@FORMAT
@common
def report_day(env: Env, date_text: str | None, fmt: str) -> None:
    """Every custody event of one day."""
    from models import reports
    from models.clock import local_day, utcnow

    day = _parse_date(date_text, "--date") or local_day(utcnow(), env.settings.tz)
    env.open(create=False)
    emit(reports.day(day, env.settings.tz), fmt, ["time", "event", "code", "pupil", "class", "slot", "by", "detail"])


@open_command("read-only report")
@report.command("uncollected")
@FORMAT
@common
def report_uncollected(env: Env, fmt: str) -> None:
    """Phones the school still holds."""
    from models import reports

    env.open(create=False)
    emit(reports.uncollected(tz=env.settings.tz), fmt, ["slot", "code", "pupil", "class", "state", "since"])


@open_command("read-only report")
@report.command("compliance")
@click.option("--from", "from_text", default=None, help="YYYY-MM-DD (default: the first of the last 30 school days).")
@click.option("--to", "to_text", default=None, help="YYYY-MM-DD (default: today).")
@FORMAT
@common
def report_compliance(env: Env, from_text: str | None, to_text: str | None, fmt: str) -> None:
    """Hand-in rates per class per school day, the last 30 school days, phones not collected.

    School days are weekdays on which any phone was handed in (holidays are left out).
    Pupils with an agreed exception are counted separately.
    """
    from models import compliance

    from_day, to_day = _parse_date(from_text, "--from"), _parse_date(to_text, "--to")
    env.open(create=False)
    rep = compliance.compliance(from_day, to_day, tz=env.settings.tz)
    if fmt == "json":
        click.echo(json.dumps(rep.as_dict(), ensure_ascii=False, indent=2, default=str))
        return

    def pct(rate: float | None) -> str:
        return "" if rate is None else f"{rate:.1f}"

    def day_row(section: str, r: dict[str, Any]) -> dict[str, Any]:
        return {
            "section": section,
            "date": r["date"].isoformat(),
            "class": r.get("class", "all"),
            "handed_in": r["handed_in"],
            "expected": r["expected"],
            "exceptions": r["exceptions"],
            "rate_percent": pct(r["rate"]),
        }

    day_cols = ["date", "class", "handed_in", "expected", "exceptions", "rate_percent"]
    held_cols = ["slot", "code", "pupil", "class", "state", "since"]
    visit_cols = ["badge", "name", "organisation", "type", "signed_in", "signed_out"]
    if fmt == "csv":
        rows = [day_row("class_day", r) for r in rep.class_days]
        rows += [day_row("school_day", r) for r in rep.last_30]
        rows += [{"section": "not_collected", **{k: h[k] for k in held_cols}} for h in rep.not_collected]
        rows += [{"section": "visitor_not_signed_out", **v} for v in rep.visitors_not_signed_out_rows]
        emit(rows, "csv", ["section", *day_cols, "slot", "code", "pupil", "state", "since", *visit_cols])
        return
    t = rep.totals
    click.echo(
        f"Compliance {rep.from_day} to {rep.to_day}: {t['handed_in']} of {t['expected']} phones handed in "
        f"({pct(t['rate']) or '-'} %) over {t['school_days']} school days."
    )
    click.echo(f"\nToday ({rep.to_day}), per class:")
    emit([day_row("today", r) for r in rep.today], "table", day_cols[1:])
    click.echo("\nLast 30 school days (all classes):")
    for line in compliance.chart(rep.last_30):
        click.echo(line)
    click.echo("\nPer class per school day:")
    emit([day_row("class_day", r) for r in rep.class_days], "table", day_cols)
    click.echo(f"\nPhones not collected ({len(rep.not_collected)}):")
    emit(rep.not_collected, "table", held_cols)
    click.echo(f"\nVisitors not signed out by the end of their day ({rep.visitors_not_signed_out}):")
    if rep.visitors_not_signed_out_rows:
        emit(
            [{**v, "signed_out": v["signed_out"] or "still signed in"} for v in rep.visitors_not_signed_out_rows],
            "table",
            ["date", *visit_cols],
        )
    for note in rep.notes:
        click.echo(f"Note: {note}")


# ------------------------------------------------------------------ exceptions


@cli.group("exceptions")
def exceptions_group() -> None:
    """Phone exceptions agreed with the headteacher."""


def _exception_rows(items, day) -> list[dict[str, Any]]:
    from models import exceptions

    return [exceptions.describe(e, day) for e in items]


EXC_COLUMNS = ["id", "for", "class", "kind_text", "starts_on", "review_on", "ends_on", "status", "signed_copy"]


@open_command("read-only report")
@exceptions_group.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include ended and revoked exceptions.")
@click.option(
    "--due-within",
    type=click.IntRange(0, 365),
    default=None,
    metavar="DAYS",
    help="Only those due for review within DAYS days (overdue included).",
)
@FORMAT
@common
def exceptions_list(env: Env, show_all: bool, due_within: int | None, fmt: str) -> None:
    """List exceptions: who, kind, dates, status."""
    from models import exceptions
    from models.clock import local_day, utcnow

    today = local_day(utcnow(), env.settings.tz)
    env.open(create=False)
    items = (
        exceptions.due_for_review(today, due_within)
        if due_within is not None
        else exceptions.list_exceptions(today, include_past=show_all)
    )
    emit(_exception_rows(items, today), fmt, EXC_COLUMNS)


@exceptions_group.command("add")
@click.option("--pupil", "admission_no", default=None, help="For a pupil: admission number.")
@click.option("--staff", "staff_username", default=None, help="For a member of staff: username.")
@click.option("--visitor", "visitor_name", default=None, help="For a named visitor.")
@click.option("--organisation", default=None, help="The visitor's organisation; alone: for everyone from it.")
@click.option(
    "--kind",
    type=click.Choice(
        ["medical_monitoring", "young_carer", "multi_agency", "emergency_use", "remote_learning", "other"]
    ),
    required=True,
)
@click.option(
    "--medical-category",
    type=click.Choice(
        ["monitoring_device", "emergency_alert", "medication_reminder", "communication_aid", "other_medical"]
    ),
    default=None,
)
@click.option("--allowed", required=True, help="Exactly what is allowed.")
@click.option("--where", "where", required=True, help="Where it is allowed.")
@click.option("--condition", "conditions", multiple=True, help="A condition (repeatable).")
@click.option("--sanction", default=None, help="For pupils: the sanction for misuse.")
@click.option("--agreed-with", default=None, help="Who it was agreed with (for pupils, a listed parent/carer's name).")
@click.option("--agreed-on", "agreed_text", required=True, help="YYYY-MM-DD")
@click.option("--from", "from_text", required=True, help="YYYY-MM-DD: first day it has effect.")
@click.option("--review", "review_text", required=True, help="YYYY-MM-DD")
@click.option("--to", "to_text", required=True, help="YYYY-MM-DD: last day it has effect.")
@click.option("--risk-assessment", "risk_ref", default=None, help="Risk assessment reference.")
@common
@acts("record_exception")
def exceptions_add(
    env: Env,
    who,
    admission_no,
    staff_username,
    visitor_name,
    organisation,
    kind,
    medical_category,
    allowed,
    where,
    conditions,
    sanction,
    agreed_with,
    agreed_text,
    from_text,
    review_text,
    to_text,
    risk_ref,
) -> None:
    """Record an exception agreed with the headteacher."""
    from models import exceptions
    from models.errors import NotFound
    from models.people import contacts_of
    from models.tables import Pupil, Staff

    chosen = [x for x in (admission_no, staff_username, visitor_name) if x]
    if len(chosen) > 1:
        raise KioskError("Give one of --pupil, --staff or --visitor (with --organisation), or --organisation alone.")
    subject = "pupil" if admission_no else "staff" if staff_username else "visitor" if visitor_name else "organisation"
    dates = {
        k: _parse_date(v, opt)
        for k, v, opt in (
            ("agreed_on", agreed_text, "--agreed-on"),
            ("starts_on", from_text, "--from"),
            ("review_on", review_text, "--review"),
            ("ends_on", to_text, "--to"),
        )
    }
    env.open()
    head = who
    extra: dict[str, Any] = {}
    if subject == "pupil":
        pupil = Pupil.get_or_none(Pupil.admission_no == admission_no.strip())
        if pupil is None:
            raise NotFound(f"There is no pupil with admission number {admission_no!r}.")
        extra["pupil_id"] = pupil.id
        wanted = exceptions.name_key(agreed_with)
        contact = next((c for c in contacts_of(pupil.id) if exceptions.name_key(c.name) == wanted), None)
        if contact is not None:
            extra["agreed_with_contact_id"] = contact.id
        else:
            extra["agreed_with"] = agreed_with
    else:
        extra["agreed_with"] = agreed_with
        if subject == "staff":
            who = Staff.get_or_none(Staff.username == staff_username.strip().lower())
            if who is None:
                raise NotFound(f"There is no member of staff called {staff_username!r}.")
            extra["staff_id"] = who.id
    exc = exceptions.record(
        head,
        subject_kind=subject,
        kind=kind,
        medical_category=medical_category,
        allowed=allowed,
        where=where,
        conditions=list(conditions),
        sanction=sanction,
        visitor_name=visitor_name,
        organisation=organisation,
        risk_assessment_ref=risk_ref,
        **dates,
        **extra,
    )
    click.echo(
        f"Exception {exc.id} recorded for {exceptions.subject_name(exc)} ({exceptions.kind_text(exc)}), "
        f"{exc.starts_on} to {exc.ends_on}."
        + (" It has effect once the signed copy is back." if subject == "pupil" else "")
    )


@exceptions_group.command("revoke", cls=RecordCommand)
@click.argument("exception_id", type=RecordNumber("an exception", "kiosk exceptions list"))
@click.option("--reason", required=True)
@common
@acts("record_exception")
def exceptions_revoke(env: Env, who, exception_id: int, reason: str) -> None:
    """Revoke an exception from now on. The record is kept."""
    from models import exceptions

    env.open()
    exc = exceptions.revoke(exception_id, who, reason=reason)
    click.echo(f"Exception {exc.id} for {exceptions.subject_name(exc)} revoked.")


@exceptions_group.command("review", cls=RecordCommand)
@click.argument("exception_id", type=RecordNumber("an exception", "kiosk exceptions list"))
@click.option("--next", "next_text", required=True, metavar="YYYY-MM-DD", help="The next review date.")
@common
@acts("record_exception")
def exceptions_review(env: Env, who, exception_id: int, next_text: str) -> None:
    """The headteacher reviewed an exception and kept it: set the next review date."""
    from models import exceptions

    next_review_on = _parse_date(next_text)
    env.open()
    exc = exceptions.record_review(exception_id, who, next_review_on=next_review_on)
    click.echo(f"Exception {exc.id} for {exceptions.subject_name(exc)} reviewed: next review {exc.review_on}.")


@open_command("read-only: shows an agreement to print")
@exceptions_group.command("agreement", cls=RecordCommand)
@click.argument("exception_id", type=RecordNumber("an exception", "kiosk exceptions list"))
@common
def exceptions_agreement(env: Env, exception_id: int) -> None:
    """Show the written agreement as text (print it from the kiosk)."""
    from models import exceptions
    from models.tables import AgreedException
    from printing.render import to_text

    env.open(create=False)
    exc = AgreedException.get_or_none(AgreedException.id == exception_id)
    if exc is None:
        raise KioskError("There is no such exception.")
    doc = exceptions.agreement_document(
        exc,
        school_name=env.settings.school_name,
        headteacher_name="" if env.settings.headteacher_name.startswith("the ") else env.settings.headteacher_name,
    )
    click.echo(to_text(doc), nl=False)


# ------------------------------------------------------------------ audit, backup, staff


@cli.group()
def audit() -> None:
    """The tamper-evident audit log."""


@open_command("read-only check")
@audit.command("verify")
@click.option(
    "--anchor",
    "paper",
    multiple=True,
    metavar="'#SEQ HASH'",
    help="An anchor copied from an end-of-day slip, checked against the log (repeatable).",
)
@common
def audit_verify(env: Env, paper: tuple[str, ...]) -> None:
    """Check the hash chain and that current state agrees with the ledger."""
    from models import anchors
    from models.compliance import cache_problems
    from models.custody import verify_states

    for text in paper:  # a mistyped anchor is refused before any work
        anchors.parse_short(text)
    env.open(create=False, check=False)  # its own full check
    report = anchors.verify(env.anchors_path())
    for text in paper:
        anchors.check_paper(report, text)
    states = verify_states() + cache_problems(env.settings.tz)  # the projections, by replay
    if report.ok and not states:
        click.echo(
            f"Audit log OK: {report.entries} entries, chain intact; {report.rows_checked} protected rows "
            f"match the log; {report.anchors_checked} anchors agree; current state agrees with the ledger."
        )
        for note in report.notes:
            click.echo(note)
        return
    for note in report.notes:
        click.echo(note, err=True)
    for problem in report.problems:
        click.echo(problem, err=True)
    for problem in states[:20]:
        click.echo(problem if problem.startswith("Table ") else f"Ledger: {problem}", err=True)
    raise KioskError(f"Audit check FAILED.{_first_bad(report)}")


def _first_bad(report) -> str:
    """Where the log first goes wrong, for the last line of a failed verify: never an
    entry past the end of the log (a cut-off tail is what follows the last entry), and
    nothing invented for a row written outside the kiosk (it has no entry)."""
    seq = report.first_bad_seq
    if seq is None:
        if report.problems and all(p.startswith(("Table ", "…")) for p in report.problems):
            return " No entry of the log is bad: the rows named above were changed outside the kiosk."
        return ""
    if seq > report.last_seq:
        return f" The log ends at entry {report.last_seq}: the entries after it are missing."
    return f" First bad entry: {seq}."


@open_command("only witnesses the log's head outside the database (for cron); no records or personal data")
@audit.command("anchor")
@common
def audit_anchor(env: Env) -> None:
    """Append the log's head (entry number, hash, time) to the anchors file outside the database."""
    from models import anchors

    env.open(create=False)
    path = env.anchors_path()
    written = anchors.write(path, actor="cli")
    if written is None:
        click.echo("The audit log is empty: nothing to anchor.")
        return
    click.echo(f"Anchored entry {written.seq} ({written.hash[:16]}…) in {path}.")


@audit.command("restored")
@click.option(
    "--anchors-lost", is_flag=True, help="The anchors file is lost for good (no copy anywhere): record that, by name."
)
@common
@acts("manage_records", doing="record a restore")
def audit_restored(env: Env, who, anchors_lost: bool) -> None:
    """Record that this database was restored from a backup (run it after copying the backup
    into place): anchors written after the backup are set aside in a file of their own,
    and the restore is recorded and anchored, so verify no longer reports a cut log."""
    from models import anchors

    env.open(create=False)
    path = env.anchors_path()
    done = anchors.declare_restored(path, actor=who, anchors_lost=anchors_lost)
    if done.lost:
        click.echo(
            f"Recorded: the anchors file {path} and the {done.lost} anchor(s) written to it are lost. "
            "A new file is started; every verify will say so."
        )
    elif done.set_aside is None:
        click.echo(
            f"Nothing to record: every anchor in {path} agrees with this log, which ends at entry "
            f"{done.log_ends_at} (a backup restored straight after it was made needs nothing more)."
        )
    else:
        click.echo(
            f"Restore recorded: the restored log ended at entry {done.log_ends_at}. {done.dropped} anchor(s) "
            f"of the history it replaced (up to entry {done.newest_dropped}) were set aside in "
            f"{done.set_aside}: keep that file."
        )


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False))
@common
@acts("manage_records", doing="make a backup")
def backup(env: Env, who, path: str) -> None:
    """A consistent copy of the SQLite database, safe while the kiosk runs (audited: it holds everyone's data)."""
    from models.backup import backup_to, check_destination, record_backup

    env.open()
    dest = check_destination(Path(path))
    # Recorded and anchored before the copy, so the copy holds both: restored, it is the
    # log as anchored (after the copy, the restored log would look cut short).
    record_backup(dest, actor=who)
    _anchor_after(env, who)  # a file that cannot be written is a warning, as after any command
    try:
        dest = backup_to(dest)
    except KioskError as exc:
        record_backup(dest, actor=who, failed=str(exc))
        raise
    click.echo(f"Backup written to {dest}.")


@cli.group()
def staff() -> None:
    """Staff accounts."""


@staff.command("unlock")
@click.argument("username")
@common
@acts("manage_staff")
def staff_unlock(env: Env, who, username: str) -> None:
    """Clear a lockout after repeated wrong PINs."""
    from models.auth import unlock

    env.open()
    unlock(username, actor=who)
    click.echo(f"{username} unlocked.")


@staff.command("set-pin")
@click.argument("username")
@common
@acts("manage_staff", own=lambda options: options["username"])
def staff_set_pin(env: Env, who, username: str) -> None:
    """Replace a member of staff's PIN (--as an admin, or --as yourself for your own).
    The new PIN comes from $KIOSK_NEW_PIN or is asked for."""
    from models.auth import set_pin
    from models.errors import NotFound
    from models.tables import Staff

    env.open()
    target = Staff.get_or_none(Staff.username == (username or "").strip().lower())
    if target is None:
        raise NotFound(f"There is no member of staff called {username!r}.")
    pin = os.environ.get("KIOSK_NEW_PIN")
    if pin is None:
        pin = _tty_pin(f"New PIN for {target.username} (6 to 12 digits): ", confirm=True)
        if pin is None:
            raise KioskError(
                f"No PIN for {target.username}: set KIOSK_NEW_PIN or run from a terminal. Nothing was changed."
            )
    set_pin(target.id, pin, who)
    click.echo(f"New PIN set for {target.username}.")


@staff.command("deactivate")
@click.argument("username")
@common
@acts("manage_staff")
def staff_deactivate(env: Env, who, username: str) -> None:
    """Switch off a leaver's account. It stays on record: the chain of custody names who acted."""
    from models.staffing import deactivate

    gone = deactivate(username, actor=who)
    click.echo(f"{gone.username} deactivated: they can no longer sign in.")


@staff.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help='Name shown on screen, e.g. "Mrs J Patel".')
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice(["office", "teacher", "leadership", "headteacher", "dsl", "admin"]),
    help="Repeat for several roles.",
)
@click.option("--class", "classes", multiple=True, help="A class the teacher teaches (repeatable).")
@common
@acts("manage_staff", open_when=lambda options: True)  # without --as: only the first admin (models.staffing)
def staff_add(
    env: Env, who, username: str, display_name: str, roles: tuple[str, ...], classes: tuple[str, ...]
) -> None:
    """Add a member of staff (--as an admin). Their PIN comes from $KIOSK_NEW_PIN or is asked for.

    A database with no active admin: the first admin is added without --as.
    """
    from models.auth import create_staff
    from models.staffing import check_first_admin, create_first_admin

    if who is None:  # refused before asking for a PIN unless this is the first admin
        env.open()
        check_first_admin(roles)
    pin = os.environ.get("KIOSK_NEW_PIN")
    if pin is None:
        pin = _tty_pin(f"New PIN for {username} (6 to 12 digits): ", confirm=True)
        if pin is None:
            raise KioskError(f"No PIN for {username}: set KIOSK_NEW_PIN or run from a terminal. Nothing was changed.")
    env.open()
    if who is None:
        added = create_first_admin(username, display_name, roles, pin, classes=classes)
    else:
        added = create_staff(username, display_name, roles, pin, classes=classes, actor=who)
    click.echo(f"Added {added.username} ({', '.join(sorted(added.role_set))}).")


@open_command("read-only report")
@staff.command("list")
@FORMAT
@common
def staff_list(env: Env, fmt: str) -> None:
    from models.auth import VISITOR, capped, roles_text
    from models.clock import utcnow
    from models.tables import Staff

    env.open(create=False)
    now = utcnow()

    def locked(staff_id: int) -> str:  # over today's cap of wrong PINs (kiosk staff unlock)
        if capped(staff_id, now):  # the staff sign-in and the command line
            return "yes"
        return "at the visitor screen" if capped(staff_id, now, surface=VISITOR) else ""  # its own cap

    rows = [
        {"username": s.username, "name": s.display_name, "roles": roles_text(s), "locked": locked(s.id)}
        for s in Staff.select().order_by(Staff.username)
    ]
    emit(rows, fmt)


# ------------------------------------------------------------------ printing and labels


def _printer_spec(env: Env):
    from printing import PrinterConfigError, PrinterSpec

    try:
        return PrinterSpec.from_config(env.settings.printer)
    except PrinterConfigError as exc:
        raise KioskError(f"Printer settings: {exc}") from None


def _send_now(env: Env, job_id: int) -> str:
    """Try the outbox once for the configured printer; say what happened to ``job_id``."""
    from models import outbox
    from models.tables import PrintJob

    spec = _printer_spec(env)
    report = outbox.send_pending(spec, timeout=spec.timeout_s)
    status = PrintJob.get_by_id(job_id).status
    if status == outbox.SENT:
        return "printed"
    if report.error:
        return f"not printed ({report.error}); it waits in the outbox: kiosk print retry"
    return "waiting in the outbox: kiosk print retry"


@cli.group("print")
def print_group() -> None:
    """The receipt printer and its outbox of jobs."""


@open_command("prints a sample slip; no records or personal data")
@print_group.command("test")
@common
def print_test(env: Env) -> None:
    """Print a sample visitor slip with the current device rules (straight to the printer)."""
    import printing
    from models.clock import to_local, utcnow
    from models.codes import SLIP_PREFIX, make_code
    from models.rules import rules_for

    spec = _printer_spec(env)
    settings = env.settings
    rules = rules_for(settings)
    doc = printing.visitor_slip(
        school_name=settings.school_name,
        visitor_name="Sample Visitor",
        organisation="Test print",
        time_in=to_local(utcnow(), settings.tz).replace(tzinfo=None),
        badge_number="000",
        supervised=True,
        device_rules=list(rules.short),
        dsl_name=settings.dsl_name,
        report_concern=settings.report_concern,
        signout_code=make_code(SLIP_PREFIX, 0),
        visiting="the office",
    )
    try:
        data = printing.print_document(spec, doc)
    except printing.PrintingError as exc:
        raise KioskError(str(exc)) from None
    click.echo(f"Sample slip ({len(data):,} bytes, device rules version {rules.version}) sent to {spec.describe()}.")


@open_command("read-only report")
@print_group.command("queue")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "in_doubt", "cancelled"]), default=None)
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@FORMAT
@common
def print_queue(env: Env, status: str | None, limit: int, fmt: str) -> None:
    """List print jobs, newest first, and the printer's status."""
    from models import outbox
    from models.clock import local_from_utc_naive

    env.open(create=False)
    rows = [
        {
            "job": j.id,
            "kind": j.kind,
            "ref": j.ref,
            "status": outbox.STATUS_WORDS.get(j.status, j.status),
            "tries": j.attempts,
            "queued": local_from_utc_naive(j.created_at, env.settings.tz),
            "printed": local_from_utc_naive(j.sent_at, env.settings.tz),
            "error": j.last_error or "",
        }
        for j in outbox.jobs(status=status, limit=limit)
    ]
    emit(rows, fmt, ["job", "kind", "ref", "status", "tries", "queued", "printed", "error"])
    if fmt == "table":
        click.echo(outbox.printer_status(_printer_spec(env)).line())


@print_group.command("retry")
@click.option(
    "--job",
    "job_id",
    type=RecordNumber("a print job", "kiosk print queue"),
    default=None,
    help="Only this job (default: every waiting job).",
)
@common
@acts("print")
def print_retry(env: Env, who, job_id: int | None) -> None:
    """Send waiting jobs now, without waiting for their back-off."""
    from models import outbox

    env.open()
    spec = _printer_spec(env)
    n = outbox.retry_now(job_id, actor=who)
    report = outbox.send_pending(spec, timeout=spec.timeout_s)
    click.echo(f"{len(report.sent)} of {n} waiting job{'s' if n != 1 else ''} printed.")
    if report.error:
        raise KioskError(f"Printer still offline: {report.error}")


@print_group.command("reprint", cls=RecordCommand)
@click.argument("job_id", type=RecordNumber("a print job", "kiosk print queue"))
@common
@acts("print")
def print_reprint(env: Env, who, job_id: int) -> None:
    """Print a job again as a new job (e.g. one in doubt that did not come out)."""
    from models import outbox

    env.open()
    job = outbox.reprint(job_id, actor=who, printer_url=_printer_spec(env).to_url())
    click.echo(f"Job {job.id} (reprint of {job_id}): {_send_now(env, job.id)}.")


@cli.group()
def labels() -> None:
    """Phone labels for pupils' phones."""


@labels.command("print")
@click.option("--class", "class_name", default=None, help="Every registered phone in this class.")
@click.option(
    "--pupil",
    "admission_no",
    default=None,
    metavar="ADMISSION_NO",
    help="One pupil's phone (after a revoke: its new code).",
)
@common
@acts("register_device", doing="print phone labels")
def labels_print(env: Env, who, class_name: str | None, admission_no: str | None) -> None:
    """Print phone labels (QR code and Code 128, name and class) for a class or a pupil."""
    from models.labels import enqueue_labels

    if (class_name is None) == (admission_no is None):
        raise click.UsageError("Give --class NAME or --pupil ADMISSION_NO (one of them).")
    _printer_spec(env)
    env.open()
    job_id, count = enqueue_labels(env.settings, class_name=class_name, admission_no=admission_no, actor=who)
    click.echo(f"{count} label{'s' if count != 1 else ''} (job {job_id}): {_send_now(env, job_id)}.")


# ------------------------------------------------------------------ records duties (UK GDPR)


def _subject(
    pupil: str | None, visitor: str | None, staff_user: str | None = None, *, options: str = "--pupil or --visitor"
):
    from models import records

    given = [x for x in (pupil, visitor, staff_user) if x is not None]
    if len(given) != 1:
        raise click.UsageError(f"Give exactly one of {options}.")
    if pupil is not None:
        return records.pupil_subject(pupil)
    if visitor is not None:
        return records.visitor_subject(visitor)
    return records.staff_subject(staff_user)


@cli.command()
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted and what is kept under a legal hold.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@common
@acts("manage_records", open_when=lambda options: options["dry_run"])
def purge(env: Env, who, dry_run: bool, fmt: str) -> None:
    """Delete records past their retention period ([retention] in the config).

    Lists what is kept because of a legal hold (a phone in a tray, confiscated or with
    the police; an open concern; a visitor on site): the same holds that stop an
    erasure. Works in short transactions (terminals keep scanning), each with its own
    audit entry; if it is cut off, run it again to finish.
    """
    from models import records

    env.open()
    result = records.purge(env.settings.retention_days, actor=who, dry_run=dry_run)
    if not dry_run:
        from models import anchors

        try:
            anchors.write(env.anchors_path(), actor=who, why="purge")
        except KioskError as exc:
            click.echo(f"Warning: the purge is done, but {exc}", err=True)
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "dry_run": result.dry_run,
                    "deleted": result.deleted,
                    "cutoffs": {k: v.isoformat() for k, v in result.cutoffs.items()},
                    "holds": [
                        {"entity": h.entity, "id": h.entity_id, "why": h.code, "reason": h.reason} for h in result.holds
                    ],
                    "audit_seq": result.audit_seq,
                },
                indent=2,
            )
        )
        return
    for line in result.lines():
        click.echo(line)


@cli.command()
@click.option("--pupil", "pupil", metavar="ADMISSION_NO", default=None, help="A pupil, by admission number.")
@click.option("--visitor", "visitor", metavar="NAME", default=None, help="A visitor, by name.")
@click.option("--staff", "staff_user", metavar="USERNAME", default=None, help="A member of staff, by username.")
@click.option(
    "--out",
    "out",
    type=click.Path(),
    default=None,
    help="A new (or empty) folder; a new file ending .zip (JSON and CSVs); or a new file ending "
    ".json (the JSON alone). Default: sar-<who>-<date>.zip here.",
)
@common
@acts("manage_records", doing="export a subject access request")
def sar(env: Env, who, pupil: str | None, visitor: str | None, staff_user: str | None, out: str | None) -> None:
    """Subject access: everything held about one person, as JSON and one CSV per kind.

    Audited only once the file is completely written; the folder it goes in must exist.
    --out m.json writes the JSON alone, as one file.
    """
    from models import records
    from models.clock import utcnow

    env.open()
    subject = _subject(pupil, visitor, staff_user, options="--pupil, --visitor or --staff")
    export = records.subject_access(subject, actor=who)
    if out is None:
        safe = "".join(ch if ch.isalnum() else "-" for ch in subject.key).strip("-") or "subject"
        out = f"sar-{subject.kind}-{safe}-{utcnow():%Y%m%d-%H%M%S}.zip"
    path = records.write_sar(export, out)
    counts = ", ".join(f"{len(rows)} {name.replace('_', ' ')}" for name, rows in export.sections.items())
    click.echo(f"Subject access export for {subject.label} written to {path} ({counts}).")


@cli.command()
@click.option("--pupil", "pupil", metavar="ADMISSION_NO", default=None, help="A pupil, by admission number.")
@click.option("--visitor", "visitor", metavar="NAME", default=None, help="A visitor, by name.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@common
@acts("manage_records")
def erase(env: Env, who, pupil: str | None, visitor: str | None, yes: bool) -> None:
    """Erase one person's data. Refused, with the reason, under a legal hold (a phone in
    a tray, confiscated or with the police; an open concern; a visitor on site)."""
    from models import records

    env.open()
    subject = _subject(pupil, visitor)
    holds = records.holds_for(subject)
    if not holds and not yes:
        click.confirm(f"Erase everything held about {subject.label}? This cannot be undone", abort=True)
    result = records.erase(subject, actor=who)
    click.echo(result.line())


# ------------------------------------------------------------------ entry point


def _log_path() -> Path:
    from models.config import data_dir

    return data_dir() / "kiosk.log"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; turn every failure into one plain line and an exit code."""
    if not log.handlers:  # what a command logs it also says: not again through Python's last-resort handler
        log.addHandler(logging.NullHandler())  # (`kiosk run` adds kiosk.log's handler)
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="kiosk", standalone_mode=False)
        return 0
    except click.exceptions.Abort as exc:
        click.echo(str(exc) or "Stopped.", err=True)
        return 130
    except click.UsageError as exc:  # one line, not click's usage block
        command = exc.ctx.command_path if exc.ctx is not None else "kiosk"
        click.echo(f"Error: {exc.format_message()} ({command} --help says more.)", err=True)
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except _Warned:
        return EXIT_REFUSED
    except KioskError as exc:
        click.echo(f"Error: {exc}", err=True)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        from models.db import damage_message

        if (message := damage_message(exc)) is not None:  # a corrupt, truncated or non-database file
            click.echo(f"Error: {message}", err=True)
            return EXIT_REFUSED
        where = _record_crash(exc)
        click.echo(f"Unexpected error ({type(exc).__name__}). Nothing more was changed.{where}", err=True)
        return EXIT_UNEXPECTED


def _record_crash(exc: BaseException) -> str:
    try:
        from models.files import open_private, private_dir

        path = _log_path()
        private_dir(path.parent)
        import traceback

        with open_private(path, "a") as fh:
            fh.write(f"--- {dt.datetime.now().isoformat()} ---\n")
            fh.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        return f" Details are in {path}."
    except OSError:
        return ""


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
