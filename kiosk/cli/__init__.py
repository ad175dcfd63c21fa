"""The ``kiosk`` command line.

Every command takes ``--db`` and ``--config``. Success exits 0; a refusal or bad input
exits non-zero with one plain line on stderr and no traceback. A command that changes
records or exports personal data acts for someone: ``--as USERNAME`` and their PIN
(``$KIOSK_PIN``, or asked on the terminal), see :func:`kiosk.cli._access.acts`. Textual is
imported only by ``kiosk run``, so the other commands start fast and work on a machine
with no terminal.

This package: the ``cli`` group and :func:`main` (the ``kiosk`` entry point) here; what
every command shares in ``_common`` (:class:`~kiosk.cli._common.Env`, ``--db``/``--config``,
output, dates and record numbers) and ``_access`` (``--as`` and PINs, ``open_command``);
one module per command or group of commands, each added to ``cli`` below. A command is a
view over the use cases (``kiosk.actions``), as a screen is: it reads its options, calls
them with the person in ``--as`` and prints; it does not import ``models`` (an import
contract in pyproject.toml; ``_common``, ``_access`` and ``run`` below them excepted).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import click

from kiosk.cli import (
    attendance,
    audit,
    camera,
    concerns,
    devices,
    exceptions,
    labels,
    parents,
    policies,
    printer,
    records,
    relationships,
    report,
    roster,
    run,
    scan,
    school_devices,
    serve,
    staff,
    trust,
)
from kiosk.cli._common import (
    EXIT_REFUSED,
    EXIT_UNEXPECTED,
    Warned,
    database_options,
    remember_database_options,
)
from models.errors import KioskError

log = logging.getLogger("kiosk")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="reception-kiosk")
@database_options
def cli(db: str | None, config: str | None, demo: bool) -> None:
    """Reception kiosk: phone hand-in, custody ledger and visitor sign-in.

    --db, --config and --demo go before the command (kiosk --db URL scan ...) or after it
    (kiosk scan --db URL ...); given in both places, they must agree."""
    remember_database_options(db, config, demo)


# Each module defines its command or group of commands; they join `kiosk` here.
cli.add_command(run.demo)
cli.add_command(run.run)
cli.add_command(serve.serve)
cli.add_command(roster.roster)
cli.add_command(devices.devices)
cli.add_command(scan.scan)
cli.add_command(camera.camera)
cli.add_command(report.report)
cli.add_command(exceptions.exceptions_group)
cli.add_command(audit.audit)
cli.add_command(records.backup)
cli.add_command(records.restore)
cli.add_command(records.migrate_to)
cli.add_command(staff.staff)
cli.add_command(printer.print_group)
cli.add_command(labels.labels)
cli.add_command(records.purge)
cli.add_command(records.sar)
cli.add_command(records.erase)
cli.add_command(relationships.relationships_group)
cli.add_command(policies.policies_group)
cli.add_command(school_devices.school_devices_group)
cli.add_command(school_devices.staff_devices_group)
cli.add_command(attendance.attendance_group)
cli.add_command(concerns.concerns_group)
cli.add_command(parents.parents_group)
cli.add_command(parents.police_group)
cli.add_command(trust.trust_group)


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
    except click.UsageError as exc:  # one line, not click's usage block (that is for --help)
        click.echo(usage_line(exc), err=True)
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except Warned:
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
        from models.store.db import damage_message

        if (message := damage_message(exc)) is not None:  # a corrupt, truncated or non-database file
            click.echo(f"Error: {message}", err=True)
            return EXIT_REFUSED
        where = _record_crash(exc)
        click.echo(f"Unexpected error ({type(exc).__name__}). Nothing more was changed.{where}", err=True)
        return EXIT_UNEXPECTED


def usage_line(exc: click.UsageError) -> str:
    """A mistake on the command line as one plain line: what is wrong, and where --help is.
    A group given no command (``kiosk``, ``kiosk devices``) names its commands; click's
    own text ("Usage: …" and the help, or "Choose from:" with one choice a line) is not shown."""
    ctx = exc.ctx
    command = ctx.command_path if ctx is not None else "kiosk"
    if isinstance(exc, click.exceptions.NoArgsIsHelpError) and ctx is not None and isinstance(ctx.command, click.Group):
        names = ", ".join(ctx.command.list_commands(ctx))
        return f"Error: {command} needs a command: {names}. ({command} --help says more.)"
    message = " ".join(exc.format_message().split())  # one line, whatever click put in it
    if not message.endswith((".", "?", "!")):
        message += "."
    return f"Error: {message} ({command} --help says more.)"


def _record_crash(exc: BaseException) -> str:
    """Log an unexpected error with its traceback; the sentence that says where."""
    from kiosk.logfile import log_error

    path = log_error(exc, "unexpected error in a kiosk command")
    return f" Details are in {path}." if path is not None else ""
