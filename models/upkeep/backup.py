"""Backups: a consistent copy of the database, and restoring one into an empty database.

SQLite: the online backup API (consistent while terminals keep writing), checked with
``PRAGMA integrity_check``. PostgreSQL: ``pg_dump --format=custom`` (one snapshot, so
also consistent while terminals write), checked by reading its table of contents back
with ``pg_restore --list``. Either is written 0600 under a temporary name and renamed
into place only once whole.

A restore goes into an *empty* database only (a new SQLite file, or a PostgreSQL
database with no tables): restoring over records would mix two histories.

The backup folder (``[backup] dir``) holds the nightly backups, named
``<database>-backup-<UTC time>.sqlite3`` or ``.pgdump``; :func:`prune` deletes those
older than ``[backup] keep_days`` and never any other file.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from models import sites
from models.errors import StorageError, ValidationError
from models.store.db import current_site, db, is_sqlite
from models.store.files import create_private, private_dir

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
PG_TOOLS_HINT = "install the PostgreSQL client tools (on Debian: apt install postgresql-client)"


def check_destination(dest: Path) -> Path:
    """The resolved path a backup may be written to, or one plain line why not."""
    dest = dest.expanduser().resolve()
    if dest.exists():
        raise ValidationError(f"{dest} already exists: choose a new file name.")
    if not dest.parent.is_dir():
        raise ValidationError(f"The folder {dest.parent} does not exist.")
    return dest


def backup_to(dest: Path) -> Path:
    """Copy the database to ``dest``. Record it first (:func:`record_backup`), and anchor,
    so the copy holds its own record and matches the anchors file when restored."""
    dest = check_destination(dest)
    if not is_sqlite():
        return _pg_dump_to(dest)
    source = db.obj.connection()
    tmp = dest.with_name(dest.name + ".partial")
    try:
        os.close(create_private(tmp))  # 0600 whatever the umask; SQLite keeps the mode (and its journal's)
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)  # SQLite's online backup API: a consistent snapshot
            # One self-contained file (no -wal or -shm beside it when it is read, copied or
            # restored); the kiosk turns WAL on again when it opens a restored copy.
            target.execute("PRAGMA journal_mode=DELETE")
            ok = target.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            target.close()
        if ok != "ok":
            raise StorageError(f"The backup failed its integrity check: {ok}.")
        tmp.replace(dest)
    except (sqlite3.Error, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise StorageError(f"Backup failed: {exc}.") from None
    return dest


def record_backup(
    dest: Path, *, actor: object, now=None, failed: str | None = None, old_kept: list[str] | None = None
) -> None:
    """Audit a backup: it holds everyone's data, so who made it and where is on record.

    Written before the copy (the copy then holds it); ``failed``: the copy did not happen
    after all, and why (a second entry, since the first cannot be taken back); ``old_kept``:
    the old backups recorded as to be deleted (:func:`record_pruned`), kept after all."""
    from models.audit import chain as audit
    from models.audit.tx import write_tx
    from models.clock import utcnow

    with write_tx():
        if failed is None:
            audit.append(actor, "backup.write", "database", "-", {"file": str(dest)}, now or utcnow())
        else:
            details: dict[str, object] = {"file": str(dest), "why": failed[:300]}
            if old_kept:
                details["old_backups_kept"] = old_kept[:200]
            audit.append(actor, "backup.failed", "database", "-", details, now or utcnow())


# ---------------------------------------------------------------- PostgreSQL tools


def pg_tool(name: str, *, outcome: str = "No backup was made.") -> str:
    """The path of ``pg_dump`` or ``pg_restore``: on PATH, else the newest in
    /usr/lib/postgresql/*/bin (Debian's layout); its absence is one plain line."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0,
    )
    if versions:
        return versions[-1]
    raise StorageError(f"{name} was not found: {PG_TOOLS_HINT}, or put {name} on PATH. {outcome}")


# libpq's environment variables for the connection settings peewee holds: nothing goes on
# the command line, where another account could read a password in the process list.
_PG_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "passfile": "PGPASSFILE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "application_name": "PGAPPNAME",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


def _pg_env() -> dict[str, str]:
    """The environment for a PostgreSQL tool: the open database's connection settings."""
    database = db.obj
    env = dict(os.environ)
    env["PGDATABASE"] = str(database.database)
    for key, value in (getattr(database, "connect_params", None) or {}).items():
        name = _PG_ENV.get(key)
        if name is not None and value is not None:
            env[name] = str(value)
    return env


def _run_tool(args: list[str], what: str, *, outcome: str = "") -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(
            args, env=_pg_env(), capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL
        )
    except OSError as exc:
        raise StorageError(f"{what} failed: {Path(args[0]).name} could not be run ({exc.strerror or exc}).") from None
    if done.returncode != 0:
        lines = [ln.strip() for ln in (done.stderr or "").splitlines() if ln.strip()]
        why = lines[0] if lines else f"exit code {done.returncode}"
        raise StorageError(f"{what} failed: {why[:300].rstrip('.')}.{outcome}")
    return done


def _site_schemas() -> list[str]:
    """What one school's backup holds (models.sites): a site, its own schema alone (not the
    other schools of the trust); site 1 of a trust, its own tables and the trust's registry;
    a school alone, the whole database, as always."""
    from models.sites import MAIN, MAIN_SCHEMA, TRUST_SCHEMA
    from models.store.db import current_schema, current_site

    if current_site() != MAIN:
        return [f"--schema={current_schema()}"]
    has_registry = db.execute_sql("SELECT to_regclass(%s) IS NOT NULL", (f"{TRUST_SCHEMA}.site",)).fetchone()[0]
    return [f"--schema={MAIN_SCHEMA}", f"--schema={TRUST_SCHEMA}"] if has_registry else []


def archive_schemas(path: Path, *, outcome: str = "") -> set[str]:
    """The schemas whose tables a pg_dump archive holds."""
    listing = _run_tool([pg_tool("pg_restore"), "--list", str(path)], "pg_restore", outcome=outcome)
    out = set()
    for line in listing.stdout.splitlines():
        parts = line.split()
        if not line.startswith(";") and len(parts) > 5 and parts[3] == "TABLE" and parts[4] != "DATA":
            out.add(parts[4])
    return out


def _pg_dump_to(dest: Path) -> Path:
    dump = pg_tool("pg_dump")
    restore = pg_tool("pg_restore")
    tmp = dest.with_name(dest.name + ".partial")
    try:
        os.close(create_private(tmp))  # 0600 whatever the umask: pg_dump writes into it
    except OSError as exc:
        raise StorageError(f"Backup failed: {exc}.") from None
    try:
        _run_tool(
            [
                dump,
                "--no-password",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                *_site_schemas(),
                f"--file={tmp}",
            ],
            "pg_dump",
        )
        _check_pgdump(tmp, restore)
        tmp.replace(dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


def _check_pgdump(path: Path, restore: str) -> None:
    """The dump reads back: its magic, and pg_restore can list what it holds."""
    if kind_of(path) != "postgresql":
        raise StorageError("The backup failed its check: pg_dump did not write a custom-format archive.")
    listed = _run_tool([restore, "--list", str(path)], "Checking the backup")
    if "TABLE DATA" not in listed.stdout:
        raise StorageError("The backup failed its check: the archive holds no table data.")


# ---------------------------------------------------------------- restore


def kind_of(path: Path) -> str | None:
    """``"sqlite"`` or ``"postgresql"`` from the file's first bytes, or None."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except OSError:
        return None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "postgresql"
    return None


def check_backup_file(path: Path, url: str) -> Path:
    """The backup to restore into the database at ``url``, or one plain line why not."""
    import stat

    path = path.expanduser()
    try:
        st = os.stat(path)
    except OSError as exc:
        raise ValidationError(f"Cannot read the backup {path}: {exc.strerror or exc}. Nothing was changed.") from None
    if not stat.S_ISREG(st.st_mode):
        raise ValidationError(f"The backup {path} is not a file. Nothing was changed.")
    kind = kind_of(path)
    want = "sqlite" if url.startswith("sqlite:") else "postgresql"
    if kind is None:
        raise ValidationError(
            f"{path} is not a kiosk backup (neither a SQLite file nor a pg_dump archive). Nothing was changed."
        )
    if kind != want:
        made = "a SQLite database" if kind == "sqlite" else "a PostgreSQL database (pg_dump)"
        into = "a SQLite file" if want == "sqlite" else "PostgreSQL"
        raise ValidationError(f"{path} is a backup of {made}: it cannot be restored into {into}. Nothing was changed.")
    return path.resolve()


def _read_only(path: Path) -> sqlite3.Connection:
    """A file opened to read only, leaving nothing beside it (an older backup in WAL mode
    would otherwise get -wal and -shm files)."""
    from urllib.parse import quote

    return sqlite3.connect(f"file:{quote(str(path))}?mode=ro&immutable=1", uri=True)


def _sqlite_tables(path: Path) -> int:
    conn = _read_only(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0])
    finally:
        conn.close()


def check_sqlite_target(target: Path) -> Path:
    """The SQLite file a backup may be restored into: a new name (or an empty file) in an
    existing folder, with none of SQLite's side files beside it; else one line why not."""
    from models.config import data_dir

    target = target.expanduser().resolve()
    side = [target.with_name(target.name + s) for s in ("-wal", "-shm", "-journal")]
    if target.exists():
        try:
            tables = _sqlite_tables(target) if target.stat().st_size else 0
        except sqlite3.Error:
            raise ValidationError(
                f"The database file ({target}) is not a kiosk database, or is damaged beyond reading. "
                "Nothing was changed."
            ) from None
        if tables:
            raise ValidationError(
                f"The database {target} is not empty: restore into a new file (move this one aside first). "
                "Nothing was changed."
            )
    if any(p.exists() for p in side):
        raise ValidationError(
            f"{target} has SQLite's -wal, -shm or -journal files beside it: move them away first. Nothing was changed."
        )
    if target.parent == data_dir().resolve():
        private_dir(target.parent)
    if not target.parent.is_dir():
        raise ValidationError(f"The folder {target.parent} does not exist. Nothing was changed.")
    return target


def restore_sqlite(backup: Path, target: Path) -> None:
    """Copy the backup into a new SQLite file at ``target`` (0600, checked, then renamed
    into place). Refused if ``target`` holds anything (:func:`check_sqlite_target`)."""
    target = check_sqlite_target(target)
    if target.exists():
        target.unlink()  # an empty file
    tmp = target.with_name(target.name + ".restoring")
    tmp.unlink(missing_ok=True)  # our own, left by a restore that was cut off
    try:
        os.close(create_private(tmp))
        source = _read_only(backup)
        out = sqlite3.connect(tmp)
        try:
            source.backup(out)
            ok = out.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            out.close()
            source.close()
        if ok != "ok":
            raise StorageError(f"The backup failed its integrity check: {ok}. Nothing was restored.")
        tmp.replace(target)
    except (sqlite3.Error, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise StorageError(f"Restore failed: {exc}. Nothing was restored.") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_postgres_target() -> None:
    """The open PostgreSQL database has no tables, or one line why a backup cannot go in."""
    tables = db.get_tables()
    if tables:
        raise ValidationError(not_empty(db.obj.database, len(tables), "restore"))


def not_empty(where: str, tables: int, verb: str) -> str:
    """One line: the PostgreSQL target holds a school already. At a trust's school the way on
    is that school's own empty place (``add-site CODE --empty``), not a new database."""
    site = current_site()
    if site != sites.MAIN:
        return (
            f"The school {site!r} in {where} is not empty ({tables} tables): {verb} only into the empty "
            f"place `kiosk trust add-site {site} --empty` makes (at site 1). Nothing was changed."
        )
    return f"The database {where} is not empty ({tables} tables): {verb} into a new, empty database (createdb). Nothing was changed."


def restore_postgres(backup: Path) -> None:
    """pg_restore the archive into the open PostgreSQL database, which must have no tables,
    in one transaction (a failure leaves it empty)."""
    from models.sites import MAIN, MAIN_SCHEMA, SCHEMA_PREFIX
    from models.store.db import current_schema, current_site

    check_postgres_target()
    tool = pg_tool("pg_restore", outcome="Nothing was restored.")
    # A school of a trust goes back into its own place (models.sites), and only there: the
    # audit log verified afterwards is the one at the site the database was opened at.
    held = archive_schemas(backup, outcome=" Nothing was restored: the database is still empty.")
    sites_held = sorted(s.removeprefix(SCHEMA_PREFIX) for s in held if s.startswith(SCHEMA_PREFIX))
    here = current_schema()
    if here not in held:
        whose = f"the school at site {sites_held[0]!r}" if sites_held else "site 1 (or a school alone)"
        where = (
            f"at that site (KIOSK_SITE={sites_held[0]}, its place made empty with `kiosk trust add-site "
            f"{sites_held[0]} --empty`)"
            if sites_held
            else "with no site named"
        )
        raise ValidationError(f"This backup is of {whose}: restore it {where}. Nothing was changed.")
    if current_site() == MAIN and any(s != MAIN_SCHEMA for s in held if s != "trust"):
        raise ValidationError("This backup holds other schools' tables too: restore each school at its own site.")
    # The school's schema is there already: a site's own place (empty, `add-site --empty`), or
    # at site 1 the `public` schema every new database has. A site-1 backup of a trust names
    # it (pg_dump --schema=public writes CREATE SCHEMA public), so it is left out of the list
    # restored; the rest (its tables, the trust's schema and registry) is restored as it was.
    listing = _run_tool([tool, "--list", str(backup)], "pg_restore").stdout
    keep = [ln for ln in listing.splitlines() if not _creates_schema(ln, here)]
    import tempfile

    fd, name = tempfile.mkstemp(suffix=".list")  # (0600: a list of table names, no data)
    with os.fdopen(fd, "w") as fh:
        fh.write("\n".join(keep) + "\n")
    listed = Path(name)
    use_list = [f"--use-list={listed}"]
    db.close()  # pg_restore has its own connection; nothing of ours holds a lock meanwhile
    try:
        _run_tool(
            [
                tool,
                "--no-password",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                *use_list,
                f"--dbname={db.obj.database}",
                str(backup),
            ],
            "pg_restore",
            outcome=" Nothing was restored: the database is still empty.",
        )
    finally:
        if listed is not None:
            listed.unlink(missing_ok=True)
    db.connect(reuse_if_open=True)


def _creates_schema(line: str, schema: str) -> bool:
    """A ``pg_restore --list`` line that makes ``schema`` itself (or comments on it), as in
    ``5; 2615 2200 SCHEMA - public kiosk``: not one of the objects in it."""
    if line.startswith(";") or ";" not in line:
        return False
    parts = line.split(";", 1)[1].split()
    # [oid, oid, SCHEMA, -, name, owner] or [oid, oid, COMMENT, -, SCHEMA, name, owner]
    if len(parts) >= 5 and parts[2] == "SCHEMA" and parts[3] == "-":
        return parts[4] == schema
    return len(parts) >= 6 and parts[2:5] == ["COMMENT", "-", "SCHEMA"] and parts[5] == schema


def empty_site() -> None:
    """A school's place emptied again after a restore that is refused (its records another
    school's): the tables and functions pg_restore made in it dropped, the schema itself
    (and its owner) kept. Never at site 1, whose restore is into a whole new database."""
    from models.store.db import current_schema

    if current_site() == sites.MAIN:
        return
    here = current_schema()
    with db.atomic():
        for (table,) in db.execute_sql(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND c.relispartition = false",
            (here,),
        ).fetchall():
            db.execute_sql(f'DROP TABLE IF EXISTS "{here}"."{table}" CASCADE')
        for (fn,) in db.execute_sql(
            "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
            "WHERE n.nspname = %s",
            (here,),
        ).fetchall():
            db.execute_sql(f"DROP FUNCTION IF EXISTS {fn} CASCADE")


# ---------------------------------------------------------------- the backup folder


STAMP = "%Y%m%d-%H%M%SZ"
_NAME = re.compile(r"^(?P<stem>.+)-backup-(?P<at>\d{8}-\d{6}Z)\.(?:sqlite3|pgdump)$")


def default_folder() -> Path:
    """``backups`` in the data directory (``[backup] dir`` moves it: another disk is better)."""
    from models.config import data_dir

    return data_dir() / "backups"


def stem_of(url: str) -> str:
    """A database's name in its backups' file names (the anchors file's, without the hash)."""
    from models.audit.anchors import default_path

    return default_path(url).name.rsplit("-", 1)[0]


def dated_name(url: str, now: dt.datetime) -> str:
    ext = "sqlite3" if str(url).startswith("sqlite") or "://" not in str(url) else "pgdump"
    return f"{stem_of(url)}-backup-{now.strftime(STAMP)}.{ext}"


@dataclass(frozen=True)
class Pruned:
    deleted: list[str]
    kept: int


def old_backups(folder: Path, url: str, keep_days: int, now: dt.datetime) -> Pruned:
    """This database's backups in ``folder`` made more than ``keep_days`` days before
    ``now`` (``deleted``: to delete, by :func:`delete_backups` once the new copy is whole),
    and how many others are kept. Only regular files named as :func:`dated_name` names them
    (the time is read from the name, not the file's date, which a copy changes); nothing
    else in the folder, nor any other database's backups."""
    import stat

    stem = stem_of(url)
    cutoff = now - dt.timedelta(days=keep_days)
    old: list[str] = []
    kept = 0
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        m = _NAME.match(entry.name)
        if m is None or m.group("stem") != stem:
            continue
        try:
            if not stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode):
                continue
            made = dt.datetime.strptime(m.group("at"), STAMP)
        except (OSError, ValueError):
            continue
        if made >= cutoff:
            kept += 1
        else:
            old.append(entry.name)
    return Pruned(old, kept)


def delete_backups(folder: Path, names: list[str]) -> tuple[list[str], str | None]:
    """Delete ``names`` (from :func:`old_backups`) in ``folder``: the names not deleted, and
    why the first of them was not (one line), or ``([], None)``."""
    left: list[str] = []
    why = None
    for name in names:
        path = folder / name
        try:
            os.unlink(path)
        except FileNotFoundError:
            continue  # gone already (deleted by hand meanwhile): what was wanted
        except OSError as exc:
            left.append(name)
            why = why or f"Cannot delete the old backup {path}: {exc.strerror or exc}."
    return left, why


def record_prune_failed(left: list[str], why: str, folder: Path, *, actor: object, now: dt.datetime) -> None:
    """The old backups that :func:`record_pruned` put on record as deleted but could not be."""
    from models.audit import chain as audit
    from models.audit.tx import write_tx

    with write_tx():
        audit.append(
            actor,
            "backup.prune_failed",
            "database",
            "-",
            {"folder": str(folder), "not_deleted": left[:200], "count": len(left), "why": why[:300]},
            now,
        )


def record_pruned(pruned: Pruned, folder: Path, keep_days: int, *, actor: object, now: dt.datetime) -> None:
    """Audit the old backups to be deleted (file names only: they hold no one's name). Written
    before the copy, so that the copy holds it (after it, the copy's log would be one entry
    short of the anchors, and its restore would fail verify); the files are deleted once the
    copy is whole, and a copy that fails, or a file that cannot be deleted, is recorded as such."""
    from models.audit import chain as audit
    from models.audit.tx import write_tx

    with write_tx():
        audit.append(
            actor,
            "backup.pruned",
            "database",
            "-",
            {
                "folder": str(folder),
                "keep_days": keep_days,
                "deleted": pruned.deleted[:200],
                "count": len(pruned.deleted),
            },
            now,
        )
