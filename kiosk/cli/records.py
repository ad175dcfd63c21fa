"""Records duties (UK GDPR): ``kiosk backup``, ``restore``, ``purge``, ``sar`` (subject access)
and ``erase``; ``kiosk migrate-to``, which moves a school's SQLite database to PostgreSQL."""

from __future__ import annotations

import json

import click

from kiosk.actions import admin, records
from kiosk.cli._access import acts, open_command
from kiosk.cli._common import Env, anchor_after, common, how_many
from models.errors import KioskError


@click.command()
@click.argument("path", type=click.Path(dir_okay=False), required=False)
@common
@acts("backup")
def backup(env: Env, who, path: str | None) -> None:
    """A consistent copy of the database, safe while the kiosk runs (audited: it holds everyone's data).

    SQLite: SQLite's online backup; PostgreSQL: pg_dump (the PostgreSQL client tools must
    be installed). With PATH, that new file. Without it (the nightly timer), a dated file in
    the backup folder ([backup] dir, default backups/ in the data directory), and then this
    database's backups there older than [backup] keep_days (default 30) are deleted: no
    other file. Never copies the PIN key file.
    """
    env.open()
    # Recorded and anchored before the copy, so the copy holds both: restored, it is the
    # log as anchored (after the copy, the restored log would look cut short). A file that
    # cannot be written is a warning, as after any command.
    if path is not None:
        dest = records.backup(who, path, anchor=lambda: anchor_after(env, who))
        click.echo(f"Backup written to {dest}.")
        return
    done = records.backup_into_folder(
        who,
        env.db_url(),
        env.settings.backup_dir,
        env.settings.backup_keep_days,
        anchor=lambda: anchor_after(env, who),
        now=admin.now(),
    )
    click.echo(f"Backup written to {done.path}.")
    days = env.settings.backup_keep_days
    if done.deleted:
        click.echo(
            f"Deleted {how_many(len(done.deleted), 'backup')} older than {how_many(days, 'day')}: "
            f"{', '.join(done.deleted)}."
        )
    click.echo(
        f"{how_many(done.kept + 1, 'backup')} of this database kept in {done.path.parent} "
        f"(at most {how_many(days, 'day')} old)."
    )


@open_command(
    "restores only into an empty database, which has no one in it to give a PIN; "
    "the restored audit log is verified at once, and recording the restore needs --as (kiosk audit restored)"
)
@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@common
def restore(env: Env, file: str) -> None:
    """Restore a backup (from kiosk backup) into an empty database, then verify its audit log.

    The database (--db, $KIOSK_DATABASE_URL or the config) must be empty: a new SQLite
    file, or a PostgreSQL database with no tables (createdb). A SQLite backup goes into
    SQLite, a pg_dump backup into PostgreSQL. The PIN key file must be in place first.
    """
    where = records.restore(file, env.db_url())
    click.echo(f"Restored {file} into {where}.")
    env.open(create=False, check=False)  # its schema brought up to date, if the backup is older
    done = records.verify_restored(env.anchors_path(), env.settings.tz)
    if done.verified is None:
        raise KioskError(
            f"Restored, but its audit log could not be checked: {done.unverified} Then run kiosk audit verify."
        )
    report = done.verified.report
    if not env.demo and records.not_the_demo():
        click.echo(
            "These are the demo school's records, restored here as a school of their own, not the demo: "
            "its sign-in shows no demo PINs (restore with --demo for the demo)."
        )
    if done.verified.ok:
        click.echo(f"Audit log OK: {report.entries} entries, chain intact; {report.rows_checked} protected rows match.")
        for note in report.notes:
            click.echo(note)
        _say_to_restore(done.to_restore)
        return
    for problem in [*report.problems, *done.verified.states][:20]:
        click.echo(problem, err=True)
    raise KioskError(
        "Restored, but the audit check FAILED (above). If it says only that the log is cut short "
        "(anchors written after this backup), record the restore: kiosk audit restored --as HEAD|ADMIN."
    )


def _say_to_restore(schools: list[tuple[str, str]]) -> None:
    """After site 1 of a trust: the trust's other schools, each still to restore from its own backup."""
    if not schools:
        return
    click.echo(
        f"Site 1 and the trust's registry are back. {how_many(len(schools), 'other school')} of the trust "
        "still to restore, each from its own backup (kiosk audit verify names them until then):"
    )
    for code, name in schools:
        click.echo(f"  {name} ({code}): kiosk trust add-site {code} --empty, then KIOSK_SITE={code} kiosk restore FILE")


def _move_target(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """A bad URL, another engine or no PostgreSQL driver: one line, before anyone signs in."""
    return records.check_move_target(value)


@click.command("migrate-to")
@click.argument("url", metavar="postgresql://USER@HOST/DBNAME", callback=_move_target)
@common
@acts("manage_records", doing="move the school's database to PostgreSQL")
def migrate_to(env: Env, who, url: str) -> None:
    """Move the school's SQLite database (--db, else the configured one) to an empty
    PostgreSQL database, with its audit log verified on both sides.

    Every row of every table is copied with its ids, times and audit hashes, in one
    transaction: if anything fails, PostgreSQL is left empty. The SQLite file is not
    deleted. Stop every terminal first. Afterwards, point the kiosk at PostgreSQL
    (database = "postgresql://…" in the config file) on every terminal, each with the
    same PIN key and able to read the anchors files this prints.
    """
    env.open(create=False)
    done = records.migrate_to(
        who,
        env.db_url(),
        url,
        env.anchors_path(),
        env.anchors_path(url),
        env.settings.tz,
        env.settings.source,
    )
    src = done.source_check.report
    click.echo(
        f"Audit log of {done.source} OK: {src.entries} entries, chain intact; {src.rows_checked} protected rows match."
    )
    click.echo(
        f"Copied {done.tables} tables, {done.total} rows into {done.target} in one transaction; ids, times and audit hashes as they were."
    )
    for table, n in done.rows.items():
        if n:
            click.echo(f"  {table}: {n}")
    tgt = done.target_check.report
    click.echo(
        f"Audit log on PostgreSQL OK: {tgt.entries} entries, chain intact; {tgt.rows_checked} protected rows match; "
        f"{tgt.anchors_checked} anchors agree. The move is recorded as entry {done.entry}."
    )
    if done.anchor_problem is not None:
        click.echo(f"Warning: the move is done, but {done.anchor_problem}", err=True)
    click.echo(f"{done.source} was not deleted: keep it as a copy, and stop using it.")
    click.echo(
        f"To use PostgreSQL, put this line at the top of {done.config_file} on every terminal (or set KIOSK_DATABASE_URL):"
    )
    click.echo(f'  database = "{done.target}"')
    if ":…@" in done.target:
        click.echo("(The password is not shown: keep it in a password file, PGPASSFILE, not in the config.)")
    click.echo("Every terminal needs the same PIN key, and must read these anchors files at these paths:")
    for path in done.anchor_files:
        click.echo(f"  {path}")


def _subject(
    pupil: str | None, visitor: str | None, staff_user: str | None = None, *, options: str = "--pupil or --visitor"
):
    given = [x for x in (pupil, visitor, staff_user) if x is not None]
    if len(given) != 1:
        raise click.UsageError(f"Give exactly one of {options}.")
    return records.subject(pupil, visitor, staff_user)


@click.command()
@click.option("--dry-run", is_flag=True, help="Only list what would be deleted and what is kept under a legal hold.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@common
@acts("purge_records", open_when=lambda options: options["dry_run"])
def purge(env: Env, who, dry_run: bool, fmt: str) -> None:
    """Delete records past their retention period ([retention] in the config).

    Lists what is kept because of a legal hold (a phone in a tray, confiscated or with
    the police; an open concern; a visitor on site): the same holds that stop an
    erasure. Works in short transactions (terminals keep scanning), each with its own
    audit entry; if it is cut off, run it again to finish.
    """
    env.open(create=False)  # --dry-run reads only; with --as, already open (whoever acts is in it)
    done = records.purge(who, env.settings.retention_days, dry_run, None if dry_run else env.anchors_path())
    result = done.result
    if done.anchor_problem is not None:
        click.echo(f"Warning: the purge is done, but {done.anchor_problem}", err=True)
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


@click.command()
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
    env.open()
    subject = _subject(pupil, visitor, staff_user, options="--pupil, --visitor or --staff")
    done = records.subject_access(who, subject, out, admin.now())
    click.echo(f"Subject access export for {done.label} written to {done.path} ({done.counts}).")
    if done.withheld:  # said in the export too (sar.json, WITHHELD.txt)
        click.echo(done.withheld)


@click.command()
@click.option("--pupil", "pupil", metavar="ADMISSION_NO", default=None, help="A pupil, by admission number.")
@click.option("--visitor", "visitor", metavar="NAME", default=None, help="A visitor, by name.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@common
@acts("manage_records")
def erase(env: Env, who, pupil: str | None, visitor: str | None, yes: bool) -> None:
    """Erase one person's data. Refused, with the reason, under a legal hold (a phone in
    a tray, confiscated or with the police; an open concern; a visitor on site)."""
    env.open()
    subject = _subject(pupil, visitor)
    holds = records.holds_for(subject)
    if not holds and not yes and not _confirmed(f"Erase everything held about {subject.label}? This cannot be undone"):
        raise KioskError("Not erased: you did not answer y, so nothing was changed.")  # a refusal (exit 1), not ctrl+c
    click.echo(records.erase(who, subject))


def _confirmed(question: str) -> bool:
    """y/N on the terminal; anything but yes (n, Enter, end of input) is no."""
    try:
        return click.confirm(question, default=False)
    except click.exceptions.Abort:  # end of input
        return False
