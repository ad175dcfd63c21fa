"""The ``kiosk`` command line.

Every command takes ``--db`` and ``--config``. Success exits 0; a refusal or bad input
exits non-zero with one plain line on stderr and no traceback. Textual is imported only
by ``kiosk run``, so the other commands start fast and work on a machine with no
terminal.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import logging
import os
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
        self._settings = None

    @property
    def settings(self):
        if self._settings is None:
            from models.config import DEMO_CONFIG, load_settings

            path = self.config_arg
            if path is None and self.demo and "KIOSK_CONFIG" not in os.environ:
                path = str(DEMO_CONFIG)
            self._settings = load_settings(path)
        return self._settings

    def db_url(self) -> str:
        from models.config import data_dir, database_url

        if self.demo and not self.db_arg and "KIOSK_DATABASE_URL" not in os.environ:
            return str(data_dir() / "demo.sqlite3")
        return database_url(self.db_arg, self.settings)

    def open(self) -> None:
        from models.db import init_db

        init_db(self.db_url())

    def sync_trays(self) -> None:
        from models.tables import SchoolClass
        from models.trays import sync_trays

        if self.settings.trays and SchoolClass.select().exists():
            sync_trays(self.settings.trays, actor="config")


def common(fn: Callable) -> Callable:
    """Add --db and --config to a command and pass an :class:`Env`."""

    @click.option("--config", "config", type=click.Path(dir_okay=False), default=None,
                  help="Config file (TOML). Default: $KIOSK_CONFIG or the user config directory.")
    @click.option("--db", "db", default=None, metavar="URL",
                  help="Database: a file path, sqlite:///… or postgresql://…  Default: $KIOSK_DATABASE_URL or the data directory.")
    @functools.wraps(fn)
    def wrapper(db: str | None, config: str | None, **kwargs: Any) -> Any:
        return fn(Env(db, config, demo=kwargs.get("demo", False)), **kwargs)

    return wrapper


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


FORMAT = click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="reception-kiosk")
def cli() -> None:
    """Reception kiosk: phone hand-in, custody ledger and visitor sign-in."""


# ------------------------------------------------------------------ demo / run


@cli.command()
@common
def demo(env: Env) -> None:
    """Create the demo school in an empty database."""
    from models.demo import create_demo

    if env.config_arg is None and "KIOSK_CONFIG" not in os.environ:
        env.demo = True  # the demo's own config (trays for its classes)
        env._settings = None
    env.open()
    counts = create_demo(env.settings)
    click.echo(
        f"Demo school created: {counts['pupils']} pupils, {counts['staff']} staff, "
        f"{counts['phones']} registered phones, {counts['events']} custody events."
    )


@cli.command()
@click.option("--demo", is_flag=True, help="Use the demo school (created on first run) in its own database.")
@click.option("--start", type=click.Choice(["hand-in", "release", "checklist", "history", "uncollected"]), default=None,
              help="Open this screen straight after login.")
@click.option("--kiosk", "kiosk_mode", is_flag=True, help="Lock the app down: quitting needs the admin PIN.")
@common
def run(env: Env, demo: bool, start: str | None, kiosk_mode: bool) -> None:
    """Start the reception terminal."""
    env.demo = demo
    env._settings = None
    env.open()
    if demo:
        from models.demo import create_demo
        from models.tables import Staff

        if not Staff.select().exists():
            create_demo(env.settings)
    env.sync_trays()
    from kiosk.app import configure_logging, create_app

    configure_logging()
    app = create_app(env.settings, database=env.db_url(), start=start, kiosk_mode=kiosk_mode or env.settings.kiosk_mode)
    app.run()


# ------------------------------------------------------------------ roster


@cli.group()
def roster() -> None:
    """Pupils and contacts from the MIS."""


@roster.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--skip-invalid", is_flag=True, help="Import the good rows even if some rows are rejected.")
@common
def roster_import(env: Env, file: str, skip_invalid: bool) -> None:
    """Import a SIMS- or Arbor-style CSV export. All or nothing unless --skip-invalid."""
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
        summary = import_roster(result, skip_invalid=skip_invalid)
    except RosterRejected as exc:
        raise KioskError(str(exc)) from None
    env.sync_trays()
    click.echo(f"Roster imported ({result.source_format}): {summary.line()}.")


# ------------------------------------------------------------------ devices


@cli.group()
def devices() -> None:
    """Registered phones and their labels."""


@devices.command("list")
@click.option("--class", "class_name", default=None, help="Only this class.")
@FORMAT
@common
def devices_list(env: Env, class_name: str | None, fmt: str) -> None:
    """List registered phones: code, pupil, class, state, slot."""
    from models import reports

    env.open()
    emit(reports.devices(class_name), fmt, ["code", "admission_no", "pupil", "class", "state", "slot"])


@devices.command("register")
@click.argument("admission_no")
@click.option("--description", default="phone", show_default=True)
@common
def devices_register(env: Env, admission_no: str, description: str) -> None:
    """Register a pupil's phone and issue its label code."""
    from models.devices import register_pupil_device

    env.open()
    label = register_pupil_device(admission_no, actor="cli", description=description)
    pupil = label.device.pupil
    click.echo(f"Registered {label.code} to {pupil.full_name} ({pupil.school_class.name}). Print its label with: kiosk labels print --pupil {pupil.admission_no}")


@devices.command("revoke")
@click.argument("code")
@click.option("--reason", default="lost", show_default=True)
@click.option("--no-reissue", is_flag=True, help="Do not issue a replacement label.")
@common
def devices_revoke(env: Env, code: str, reason: str, no_reissue: bool) -> None:
    """Revoke a lost or damaged label and issue its replacement."""
    from models.devices import revoke_label

    env.open()
    new = revoke_label(code, actor="cli", reason=reason, reissue=not no_reissue)
    click.echo(f"Revoked {code.strip().upper()}." + (f" Replacement label: {new.code}." if new else ""))


# ------------------------------------------------------------------ scan


def _read_pin(username: str) -> str:
    pin = os.environ.get("KIOSK_PIN")
    if pin is not None:
        return pin
    import getpass

    try:
        with open("/dev/tty", "r+") as tty:  # stdin carries the codes
            tty.write(f"PIN for {username}: ")
            tty.flush()
            return getpass.getpass("", stream=tty)
    except OSError:
        raise KioskError("No PIN: set KIOSK_PIN or run from a terminal.") from None


@cli.command()
@click.option("--mode", type=click.Choice(["hand-in", "release"]), required=True)
@click.option("--as", "username", required=True, help="The member of staff scanning.")
@common
def scan(env: Env, mode: str, username: str) -> None:
    """Headless scanning: one code per line on stdin, one result line per code.

    Each result is printed only after that code is committed, and starts with OK,
    DUPLICATE, UNKNOWN, INVALID, REVOKED or BLOCKED.
    """
    from models import custody
    from models.auth import authenticate
    from models.clock import Clock
    from models.codes import printable
    from models.db import retrying

    env.open()
    env.sync_trays()
    staff = authenticate(username, _read_pin(username))
    op = custody.hand_in if mode == "hand-in" else custody.release
    clock = Clock()
    out = sys.stdout
    for raw in sys.stdin.buffer:
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


@camera.command("test")
@click.option("--source", default=None, metavar="SOURCE",
              help="A camera index (0), a video file or a folder of images. Default: [camera] source in the config.")
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


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date: write it as YYYY-MM-DD.") from None


@report.command("day")
@click.option("--date", "date_text", default=None, help="YYYY-MM-DD (default: today).")
@FORMAT
@common
def report_day(env: Env, date_text: str | None, fmt: str) -> None:
    """Every custody event of one day."""
    from models import reports
    from models.clock import local_day, utcnow

    day = _parse_date(date_text) or local_day(utcnow(), env.settings.tz)
    env.open()
    emit(reports.day(day, env.settings.tz), fmt, ["time", "event", "code", "pupil", "class", "slot", "by", "detail"])


@report.command("uncollected")
@FORMAT
@common
def report_uncollected(env: Env, fmt: str) -> None:
    """Phones the school still holds."""
    from models import reports

    env.open()
    emit(reports.uncollected(tz=env.settings.tz), fmt, ["slot", "code", "pupil", "class", "state", "since"])


# ------------------------------------------------------------------ audit, backup, staff


@cli.group()
def audit() -> None:
    """The tamper-evident audit log."""


@audit.command("verify")
@common
def audit_verify(env: Env) -> None:
    """Check the hash chain and that current state agrees with the ledger."""
    from models import audit as audit_log
    from models.custody import verify_states

    env.open()
    report = audit_log.verify()
    states = verify_states()
    if report.ok and not states:
        click.echo(f"Audit log OK: {report.entries} entries, chain intact; current state agrees with the ledger.")
        return
    for problem in report.problems:
        click.echo(problem, err=True)
    for problem in states[:20]:
        click.echo(f"Ledger: {problem}", err=True)
    first = f" First bad entry: {report.first_bad_seq}." if report.first_bad_seq else ""
    raise KioskError(f"Audit check FAILED.{first}")


@cli.command()
@click.argument("path", type=click.Path(dir_okay=False))
@common
def backup(env: Env, path: str) -> None:
    """A consistent copy of the SQLite database, safe while the kiosk runs."""
    from models.backup import backup_to

    env.open()
    dest = backup_to(Path(path))
    click.echo(f"Backup written to {dest}.")


@cli.group()
def staff() -> None:
    """Staff accounts."""


@staff.command("unlock")
@click.argument("username")
@common
def staff_unlock(env: Env, username: str) -> None:
    """Clear a lockout after repeated wrong PINs."""
    from models.auth import unlock

    env.open()
    unlock(username, actor="cli")
    click.echo(f"{username} unlocked.")


@staff.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Name shown on screen, e.g. \"Mrs J Patel\".")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["office", "teacher", "leadership", "headteacher", "dsl", "admin"]),
              help="Repeat for several roles.")
@click.option("--class", "classes", multiple=True, help="A class the teacher teaches (repeatable).")
@common
def staff_add(env: Env, username: str, display_name: str, roles: tuple[str, ...], classes: tuple[str, ...]) -> None:
    """Add a member of staff. The PIN comes from $KIOSK_PIN or is asked for."""
    from models.auth import create_staff

    pin = os.environ.get("KIOSK_PIN")
    if pin is None:
        pin = click.prompt(f"PIN for {username} (4 to 8 digits)", hide_input=True, confirmation_prompt=True)
    env.open()
    who = create_staff(username, display_name, roles, pin, classes=classes, actor="cli")
    click.echo(f"Added {who.username} ({', '.join(sorted(who.role_set))}).")


@staff.command("list")
@FORMAT
@common
def staff_list(env: Env, fmt: str) -> None:
    from models.auth import roles_text
    from models.tables import Staff

    env.open()
    rows = [
        {"username": s.username, "name": s.display_name, "roles": roles_text(s),
         "locked": "yes" if s.locked_until else ""}
        for s in Staff.select().order_by(Staff.username)
    ]
    emit(rows, fmt)


# ------------------------------------------------------------------ records duties (UK GDPR)


def _subject(pupil: str | None, visitor: str | None, staff_user: str | None = None, *, options: str = "--pupil or --visitor"):
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
def purge(env: Env, dry_run: bool, fmt: str) -> None:
    """Delete records past their retention period ([retention] in the config).

    Lists what is kept because of a legal hold (a phone handed to the police, a
    confiscated phone still held). One transaction, with its own audit entry.
    """
    from models import records

    env.open()
    result = records.purge(env.settings.retention_days, actor="cli", dry_run=dry_run)
    if fmt == "json":
        click.echo(json.dumps({
            "dry_run": result.dry_run, "deleted": result.deleted,
            "cutoffs": {k: v.isoformat() for k, v in result.cutoffs.items()},
            "holds": [{"entity": h.entity, "id": h.entity_id, "why": h.code, "reason": h.reason} for h in result.holds],
            "audit_seq": result.audit_seq,
        }, indent=2))
        return
    for line in result.lines():
        click.echo(line)


@cli.command()
@click.option("--pupil", "pupil", metavar="ADMISSION_NO", default=None, help="A pupil, by admission number.")
@click.option("--visitor", "visitor", metavar="NAME", default=None, help="A visitor, by name.")
@click.option("--staff", "staff_user", metavar="USERNAME", default=None, help="A member of staff, by username.")
@click.option("--out", "out", type=click.Path(), default=None,
              help="A new folder, or a file ending .zip. Default: sar-<who>-<date>.zip here.")
@common
def sar(env: Env, pupil: str | None, visitor: str | None, staff_user: str | None, out: str | None) -> None:
    """Subject access: everything held about one person, as JSON and one CSV per kind."""
    from models import records
    from models.clock import utcnow

    env.open()
    subject = _subject(pupil, visitor, staff_user, options="--pupil, --visitor or --staff")
    export = records.subject_access(subject, actor="cli")
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
def erase(env: Env, pupil: str | None, visitor: str | None, yes: bool) -> None:
    """Erase one person's data. Refused, with the reason, under a legal hold."""
    from models import records

    env.open()
    subject = _subject(pupil, visitor)
    holds = records.holds_for(subject)
    if not holds and not yes:
        click.confirm(f"Erase everything held about {subject.label}? This cannot be undone", abort=True)
    result = records.erase(subject, actor="cli")
    click.echo(result.line())


# ------------------------------------------------------------------ entry point


def _log_path() -> Path:
    from models.config import data_dir

    return data_dir() / "kiosk.log"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; turn every failure into one plain line and an exit code."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="kiosk", standalone_mode=False)
        return 0
    except click.exceptions.Abort:
        click.echo("Stopped.", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except KioskError as exc:
        click.echo(f"Error: {exc}", err=True)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the last line of defence: never a traceback
        where = _record_crash(exc)
        click.echo(f"Unexpected error ({type(exc).__name__}). Nothing more was changed.{where}", err=True)
        return EXIT_UNEXPECTED


def _record_crash(exc: BaseException) -> str:
    try:
        path = _log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        import traceback

        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {dt.datetime.now().isoformat()} ---\n")
            fh.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        return f" Details are in {path}."
    except OSError:
        return ""


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
