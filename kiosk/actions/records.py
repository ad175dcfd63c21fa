"""Records duties and the audit log: backup, purge, subject access, erasure; verify,
anchor and a restore recorded.

What ``kiosk backup``, ``purge``, ``sar``, ``erase`` and ``kiosk audit`` do, as plain
functions. Each takes the person acting (``who``) where someone acts; ``who=None`` only
where the command is open without anyone (a purge's dry run). The domain (``models.records.duties``,
``models.upkeep.backup``, ``models.audit.anchors``) checks every rule again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.actions._common import staff_row
from kiosk.session import SignedIn

if TYPE_CHECKING:
    from models.audit.anchors import Anchor, Restored
    from models.audit.chain import VerifyReport
    from models.records.base import Hold, Subject
    from models.records.duties import PurgeResult


# ---------------------------------------------------------------- backup


def backup(
    who: SignedIn, path: str, anchor: Callable[[], None], before_copy: Callable[[Path], list[str]] | None = None
) -> Path:
    """A consistent copy of the database at ``path`` (audited: it holds everyone's data).

    The backup is recorded (and ``before_copy(dest)``'s own entries written: the old
    backups it will delete), then ``anchor()`` is called, before the copy, so the copy
    holds them all: restored, it is the log as anchored. A copy that fails is recorded
    too, with the old backups kept after all.
    SQLite: the online backup API; PostgreSQL: pg_dump (its absence is one line).
    """
    from models.errors import KioskError
    from models.upkeep.backup import backup_to, check_destination, record_backup

    actor = staff_row(who)
    dest = check_destination(Path(path))
    record_backup(dest, actor=actor)
    to_delete = before_copy(dest) if before_copy is not None else []
    anchor()
    try:
        return backup_to(dest)
    except KioskError as exc:
        record_backup(dest, actor=actor, failed=str(exc), old_kept=to_delete)
        raise


@dataclass(frozen=True)
class NightlyBackup:
    path: Path
    deleted: list[str]  # this database's backups older than keep_days, deleted from the folder
    kept: int  # its other backups in the folder (this one apart)


def backup_into_folder(
    who: SignedIn, url: str, folder: Path | None, keep_days: int, anchor: Callable[[], None], now: dt.datetime
) -> NightlyBackup:
    """``kiosk backup`` with no file: a dated copy in the backup folder, then this
    database's copies there older than ``keep_days`` deleted (only once the new copy is
    whole: a failed backup deletes nothing). Nothing else in the folder is touched.

    The deletion is on record before the copy (the copy holds it, so the newest backup
    restores with its log as anchored); a file that then cannot be deleted is recorded
    after, and is one line."""
    from models.errors import StorageError, ValidationError
    from models.store.files import private_dir
    from models.upkeep.backup import (
        Pruned,
        dated_name,
        default_folder,
        delete_backups,
        old_backups,
        record_prune_failed,
        record_pruned,
    )

    if folder is None:
        folder = private_dir(default_folder())  # 0700: it will hold everyone's data
    elif not folder.expanduser().is_dir():
        # Never made here: a share that is not mounted would get its backups on the local disk.
        raise ValidationError(
            f"The backup folder {folder} ([backup] dir) does not exist: is its disk or share mounted? "
            "No backup was made."
        )
    folder = folder.expanduser()
    planned = Pruned([], 0)

    def record_the_prune(dest: Path) -> list[str]:
        nonlocal planned
        planned = old_backups(dest.parent, url, keep_days, now)
        if planned.deleted:
            record_pruned(planned, dest.parent, keep_days, actor=staff_row(who), now=now)
        return planned.deleted

    dest = backup(who, str(folder / dated_name(url, now)), anchor, before_copy=record_the_prune)
    left, why = delete_backups(dest.parent, planned.deleted)
    if why is not None:
        record_prune_failed(left, why, dest.parent, actor=staff_row(who), now=now)
        raise StorageError(f"Backup written to {dest}. {why}")
    return NightlyBackup(dest, planned.deleted, planned.kept)


@dataclass(frozen=True)
class RestoreDone:
    path: str  # the database restored into
    verified: Verified | None
    unverified: str | None  # why the restored log could not be checked (the PIN key missing?)
    to_restore: list[tuple[str, str]] = field(default_factory=list)  # (code, name): a trust's other schools


def restore(backup_file: str, url: str) -> str:
    """Restore a backup into the empty database at ``url`` (a new SQLite file, or an
    empty PostgreSQL database); one line why not, and nothing changed, otherwise. Returns
    where it went. The schema is not upgraded here: opening it afterwards does that."""
    from models.store.db import init_db, normalise_url
    from models.upkeep import backup as backups

    full = normalise_url(url)
    if full.startswith("sqlite:"):
        target = backups.check_sqlite_target(Path(full[len("sqlite:///") :]))  # before the file: the database first
        backups.restore_sqlite(backups.check_backup_file(Path(backup_file), full), target)
        return str(target)
    init_db(full)  # a connection only: the schema comes from the backup
    backups.check_postgres_target()
    backups.restore_postgres(backups.check_backup_file(Path(backup_file), full))
    from models.errors import KioskError
    from models.trust.chains import refuse_taken

    try:
        refuse_taken()  # a school of a trust: its own records, not another school's
    except KioskError:
        backups.empty_site()  # its place empty again, as it was
        raise
    return full.rsplit("/", 1)[-1].split("?", 1)[0]


def not_the_demo() -> bool:
    """The open database, restored or moved, is a school of its own: not the demo, whose
    sign-in shows its PINs. Whether its records were the demo's."""
    from models.upkeep.demo import forget_demo

    return forget_demo()


def verify_restored(anchors_path: Path, tz: Any) -> RestoreDone:
    """Verify the restored database's audit log (as ``kiosk audit verify`` does)."""
    from models import sites
    from models.errors import KioskError
    from models.store.db import current_site, db
    from models.trust import MISSING, all_sites

    where = str(db.obj.database)
    to_restore: list[tuple[str, str]] = []
    try:
        if current_site() == sites.MAIN:
            # Site 1 of a trust comes back with the registry and its own tables only: every
            # other school is restored from its own backup, at its own site (no fault here).
            to_restore = [(s.code, s.name) for s in all_sites() if s.state == MISSING]
        return RestoreDone(where, verify(anchors_path, (), tz, missing_schools=False), None, to_restore)
    except KioskError as exc:
        return RestoreDone(where, None, str(exc), to_restore)


# ---------------------------------------------------------------- moving to PostgreSQL


MIGRATED_ACTION = "records.migrated"


def check_move_target(url: str) -> str:
    """The PostgreSQL URL ``kiosk migrate-to`` moves to, or one plain line why not (a bad
    URL, another engine, no driver): checked before anyone signs in or anything is opened."""
    from models.upkeep.move import check_target

    return check_target(url)


@dataclass(frozen=True)
class Migrated:
    source: Path  # the SQLite file, read only
    target: str  # the PostgreSQL URL as it may be shown (no password)
    rows: dict[str, int]  # table -> rows copied
    source_check: Verified
    target_check: Verified
    entry: int  # the new database's entry recording the move
    target_anchors: Path
    anchor_problem: str | None  # the move is done, but its anchor was not written
    anchor_files: list[Path]  # every anchors file the moved log names (verify reads them all)
    config_file: Path  # where ``database = "…"`` goes

    @property
    def tables(self) -> int:
        return len(self.rows)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def migrate_to(
    who: SignedIn,
    source_url: str,
    target_url: str,
    source_anchors: Path,
    target_anchors: Path,
    tz: Any,
    config_file: Path | None = None,
) -> Migrated:
    """Move the open SQLite database to the empty PostgreSQL database at ``target_url``.

    The source's log is anchored (the sign-in) and verified first: a log that does not
    verify is not moved. Then every row is copied with its ids, times and hashes, in one
    transaction on PostgreSQL, which is verified before it commits (the same key, and the
    anchors files the log names); the move itself is recorded in the new log, whose first
    anchor goes to ``target_anchors``. Any failure leaves PostgreSQL empty. The SQLite
    file is not deleted, and nothing of the copy is written to it.
    """
    from models.audit import anchors
    from models.audit import chain as audit
    from models.audit.tx import write_tx
    from models.clock import utcnow
    from models.config import default_config_path
    from models.errors import KioskError, RuleViolation
    from models.upkeep import move

    actor = staff_row(who)
    target = move.check_target(target_url)
    source = move.source_file(source_url)
    anchors.write_if_moved(source_anchors, why="migrate", actor=actor)  # the sign-in: copied, anchored
    before = verify(source_anchors, (), tz)
    if not before.ok:
        first = [*before.report.problems, *before.states][0]
        raise RuleViolation(
            f"The audit log of {source} does not verify, so it was not moved ({first.rstrip('.')}): "
            "run kiosk audit verify. Nothing was changed."
        )

    def check() -> tuple[Verified, int]:
        from models.trust.chains import refuse_taken

        refuse_taken()  # a school of a trust: not records that are another school's already
        after = verify(target_anchors, (), tz)
        if not after.ok:
            first = [*after.report.problems, *after.states][0]
            raise RuleViolation(
                f"The copy's audit log does not verify on PostgreSQL ({first.rstrip('.')}): "
                "nothing was moved, and the PostgreSQL database is empty again."
            )
        with write_tx():
            seq, _ = audit.head()
            entry = audit.append(
                actor,
                MIGRATED_ACTION,
                "audit",
                seq,
                {"from": "sqlite", "file": str(source), "entries": after.report.entries, "head": seq},
                utcnow(),
            )
        return after, entry.seq

    def then() -> tuple[str | None, list[Path]]:
        problem = None
        try:
            anchors.write(target_anchors, actor=actor, why="migrated")
        except KioskError as exc:
            problem = str(exc)
        files = sorted({target_anchors.expanduser(), *anchors.recorded_files()})
        return problem, files

    same = source_anchors.expanduser().absolute() == target_anchors.expanduser().absolute()  # [audit] anchors
    done = move.copy_to_postgres(source, target, check, then, new_anchors=None if same else target_anchors)
    after, entry = done.checked
    problem, files = done.after
    settings_file = config_file if config_file is not None else default_config_path()
    return Migrated(
        source,
        move.shown(target),
        done.rows,
        before,
        after,
        entry,
        target_anchors,
        problem,
        files,
        settings_file,
    )


# ---------------------------------------------------------------- retention


@dataclass(frozen=True)
class Purged:
    result: PurgeResult
    anchor_problem: str | None  # the purge is done, but its anchor was not written


def purge(who: SignedIn | None, retention_days: Mapping[str, int], dry_run: bool, anchors_path: Path | None) -> Purged:
    """Delete records past their retention period (``dry_run``: only say what would go).

    A real purge is anchored at once (``anchors_path``): what it deleted cannot be put back unseen.
    """
    from models.audit import anchors
    from models.errors import KioskError
    from models.records import duties as records

    actor = staff_row(who) if who is not None else None
    result = records.purge(retention_days, actor=actor, dry_run=dry_run)
    problem = None
    if not dry_run and anchors_path is not None:
        try:
            anchors.write(anchors_path, actor=actor, why="purge")
        except KioskError as exc:
            problem = str(exc)
    return Purged(result, problem)


# ---------------------------------------------------------------- one person's records


def subject(pupil: str | None = None, visitor: str | None = None, staff_user: str | None = None) -> Subject:
    """The person a subject access or erasure is about (give one)."""
    from models.records import duties as records

    if pupil is not None:
        return records.pupil_subject(pupil)
    if visitor is not None:
        return records.visitor_subject(visitor)
    assert staff_user is not None
    return records.staff_subject(staff_user)


@dataclass(frozen=True)
class SarWritten:
    label: str  # who it is about
    path: Path
    counts: str  # "3 custody events, 0 concerns, …"
    withheld: str = ""  # the export's statement of the concerns it withheld and who reviews them


def subject_access(who: SignedIn, about: Subject, out: str | None, now: dt.datetime) -> SarWritten:
    """Everything held about one person, written to ``out`` (default: a new .zip here);
    audited only once the file is completely written."""
    from models.records import duties as records
    from models.records.base import counted

    export = records.subject_access(about, actor=staff_row(who))
    if out is None:
        safe = "".join(ch if ch.isalnum() else "-" for ch in about.key).strip("-") or "subject"
        out = f"sar-{about.kind}-{safe}-{now:%Y%m%d-%H%M%S}.zip"
    path = records.write_sar(export, out)
    counts = counted({name: len(rows) for name, rows in export.sections.items()})
    return SarWritten(about.label, path, counts, export.withheld.statement())


def holds_for(about: Subject) -> list[Hold]:
    """What keeps this person's records from being erased (an empty list: nothing)."""
    from models.records import duties as records

    return records.holds_for(about)


def erase(who: SignedIn, about: Subject) -> str:
    """Erase one person's data (refused, with the reason, under a legal hold); the line to show."""
    from models.records import duties as records

    return records.erase(about, actor=staff_row(who)).line()


# ---------------------------------------------------------------- the audit log


def check_paper_anchors(paper: Iterable[str]) -> None:
    """Refuse a mistyped anchor from an end-of-day slip ('#SEQ HASH') before any work."""
    from models.audit import anchors

    for text in paper:
        anchors.parse_short(text)


@dataclass(frozen=True)
class Verified:
    report: VerifyReport  # the chain, the protected rows, the anchors
    states: list[str]  # current state that disagrees with the ledger (by replay)

    @property
    def ok(self) -> bool:
        return bool(self.report.ok) and not self.states


def verify(anchors_path: Path | None, paper: Sequence[str], tz: Any, *, missing_schools: bool = True) -> Verified:
    """Check the hash chain, the anchors (and those copied from slips), and that current
    state agrees with the ledger. A paper anchor that disagrees is refused in one line."""
    from models.audit import anchors
    from models.custody.ledger import verify_states
    from models.reports.compliance import cache_problems
    from models.upkeep.migrations import lost_columns

    lost = lost_columns()
    if lost:  # rows that cannot be read whole: the chain and the anchors only, and the columns named
        report = anchors.verify(anchors_path, content=False)
        for text in paper:
            anchors.check_paper(report, text)
        return Verified(report, lost)
    report = anchors.verify(anchors_path)
    for text in paper:
        anchors.check_paper(report, text)
    from models.trust import registry_problems

    return Verified(report, verify_states() + cache_problems(tz) + registry_problems(missing=missing_schools))


def anchor(anchors_path: Path) -> Anchor | None:
    """Append the log's head to the anchors file; None when the log is empty."""
    from models.audit import anchors

    return anchors.write(anchors_path, actor="cli")


def declare_restored(who: SignedIn, anchors_path: Path, anchors_lost: bool) -> Restored:
    """Record that this database was restored from a backup (anchors after it set aside)."""
    from models.audit import anchors

    return anchors.declare_restored(anchors_path, actor=staff_row(who), anchors_lost=anchors_lost)


# ---------------------------------------------------------------- the app's own records' check

RECORDS_CHECK_FAILED = "The records' check FAILED"


def records_check_roles() -> frozenset[str]:
    """Who Home tells that the check failed: those who answer for the records, not the
    office, the teachers or the public screen."""
    from models.staff import auth

    return frozenset({auth.LEADERSHIP, auth.HEADTEACHER, auth.DSL, auth.ADMIN})


def records_check(tz: Any) -> bool:
    """The audit check ``kiosk audit verify`` runs (the chain, every protected row's content,
    the anchors written outside the database, current state against the ledger), without
    paper anchors: True when it passes. For the app's background worker (kiosk.app)."""
    from models.audit import anchors

    return verify(anchors.configured(), (), tz).ok


def records_check_line(who: SignedIn, failed_at: dt.datetime | None, tz: Any) -> str:
    """Home's red line while the last records' check failed ("" when it passed, or for
    someone who does not answer for the records)."""
    from models.clock import to_local

    if failed_at is None or not (who.roles & records_check_roles()):
        return ""
    return (
        f"{RECORDS_CHECK_FAILED} at {to_local(failed_at, tz):%H:%M}: a record was changed outside the kiosk. "
        "Run `kiosk audit verify`; do not rely on the records it names."
    )
