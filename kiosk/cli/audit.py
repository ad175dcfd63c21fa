"""``kiosk audit``: the tamper-evident audit log (verify, anchor, restored)."""

from __future__ import annotations

import click

from kiosk.actions import records
from kiosk.cli._access import acts, open_command
from kiosk.cli._common import Env, common
from models.errors import KioskError


@click.group()
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
    records.check_paper_anchors(paper)  # a mistyped anchor is refused before any work
    env.open(create=False, check=False)  # its own full check
    verified = records.verify(env.anchors_path(), paper, env.settings.tz)
    report, states = verified.report, verified.states  # the chain; the projections, by replay
    if verified.ok:
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
    env.open(create=False)
    path = env.anchors_path()
    written = records.anchor(path)
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
    env.open(create=False)
    path = env.anchors_path()
    done = records.declare_restored(who, path, anchors_lost)
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
