"""Anchors: copies of the audit log's head kept outside the database.

A hash chain proves nothing on its own: whoever can write the database can cut its
newest entries, or remove one and recompute every hash after it. So the kiosk appends
the head (sequence number, hash, time) to an *anchors file* outside the database: by
default beside it in the data directory, or wherever ``[audit] anchors = PATH`` says
(another machine's share is best: someone with the database then cannot also reach
the anchors). Each anchor is also recorded in the log itself (``audit.anchor``), so a
file that loses lines is noticed too.

:func:`check` (run by ``models.audit.chain.verify``) compares every anchor it can read with
the chain: an anchored entry that is no longer there at the end is a cut tail; one
whose hash differs is a history re-written after it. It reads the configured file and
every other file the log's ``audit.anchor`` entries name (a backup restored elsewhere, a
moved folder, a changed setting): a named file that cannot be read fails the check.

Anchors are written daily (:func:`write_if_due`), and whenever the records stop for a
while (:func:`write_if_moved`: the app closing, the terminal locking after the school
day, a command that wrote records). Only a regular file is read or appended to.

The file is plain text, one anchor a line: ``seq<TAB>sha256<TAB>time (UTC)``; lines
starting with ``#`` are comments. It is opened for appending only and synced.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.audit import chain as audit
from models.errors import RuleViolation, StorageError
from models.store.db import tuples as _rows

ACTION = "audit.anchor"
END_OF_DAY = dt.time(17, 0)  # local: the daily anchor is written at the first chance after this

_configured: Path | None = None  # set by the command line / app for the open database


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str  # ISO UTC
    line: int

    @property
    def when(self) -> dt.datetime | None:
        try:
            return dt.datetime.fromisoformat(self.at.rstrip("Z"))
        except ValueError:
            return None

    def short(self) -> str:
        """For paper: ``#1234 3f2a9c1e…`` (seq and the first 16 hex digits)."""
        return f"#{self.seq} {self.hash[:16]}"


def default_path(db_url: str) -> Path:
    """The data directory, one file per database (named after it, so a demo and the real
    school, or two test databases, never share one)."""
    from models.config import data_dir

    text = str(db_url)
    if "://" in text and not text.startswith("sqlite"):
        from urllib.parse import urlparse

        from models.sites import MAIN, split_url

        text, site = split_url(text)
        p = urlparse(text)
        stem = f"{p.hostname or 'local'}-{p.path.strip('/') or 'db'}"
        ident = f"{p.hostname}:{p.port}/{p.path.strip('/')}"
        if site != MAIN:  # each school of a trust has its own chain, and so its own anchors
            stem, ident = f"{stem}-{site}", f"{ident}?site={site}"
    else:
        path = text.split("sqlite:///", 1)[-1]
        stem = Path(path).stem or "kiosk"
        ident = os.path.abspath(path)
    digest = hashlib.sha256(ident.encode("utf-8")).hexdigest()[:8]
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in stem)
    return data_dir() / f"{safe}-{digest}.anchors"


def configure(path: str | os.PathLike | None) -> Path | None:
    global _configured
    _configured = Path(path).expanduser() if path is not None else None
    return _configured


def configured() -> Path | None:
    return _configured


MAX_BYTES = 64 * 1024 * 1024  # far more than a lifetime of daily anchors: anything bigger is not ours


class NotAnAnchorsFile(OSError):
    """The anchors path is a device, a pipe, a folder or something far too big to be ours."""


def _regular(fd: int, path: Any, *, limit: bool) -> None:
    import stat

    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        raise NotAnAnchorsFile("it is not a regular file (a device, a pipe or a folder?)")
    if limit and st.st_size > MAX_BYTES:
        raise NotAnAnchorsFile(f"it is {st.st_size // (1024 * 1024)} MB, far too big to be an anchors file")


def read_lines(path: str | os.PathLike) -> tuple[list[Anchor], int]:
    """Every anchor in the file, and how many lines were not anchors (comments and blank
    lines are neither). Only a regular file is read (never a device or a pipe, which could
    hang or fill the memory). Raises OSError if it cannot be read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        _regular(fd, path, limit=True)
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            if sum(map(len, chunks)) > MAX_BYTES:
                raise NotAnAnchorsFile("it is far too big to be an anchors file")
    finally:
        os.close(fd)
    out: list[Anchor] = []
    bad = 0
    for n, raw in enumerate(b"".join(chunks).decode("utf-8", errors="replace").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) < 3 or not parts[0].isdigit() or len(parts[1]) != 64:
            bad += 1
            continue
        out.append(Anchor(int(parts[0]), parts[1].lower(), parts[2], n))
    return out, bad


def read(path: str | os.PathLike) -> list[Anchor]:
    """Every anchor in the file (bad lines are skipped). Raises OSError if unreadable."""
    return read_lines(path)[0]


def last(path: str | os.PathLike) -> Anchor | None:
    try:
        anchors = read(path)
    except OSError:
        return None
    return max(anchors, key=lambda a: (a.seq, a.line)) if anchors else None


def _append_line(path: Path, text: str) -> None:
    try:
        import stat

        from models.store.files import create_private, private_dir

        with contextlib.suppress(FileNotFoundError):
            if not stat.S_ISREG(os.stat(path).st_mode):  # a pipe would hang, a device swallow it
                raise NotAnAnchorsFile("it is not a regular file (a device, a pipe or a folder?)")
        private_dir(path.parent)
        fd = create_private(
            path, os.O_WRONLY | os.O_APPEND | getattr(os, "O_NONBLOCK", 0), exclusive=False
        )  # 0600 whatever the umask
        try:
            _regular(fd, path, limit=False)
            os.write(fd, text.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise StorageError(f"Cannot write the audit anchor to {path}: {exc.strerror or exc}.") from None


def write(
    path: str | os.PathLike, *, actor: Any = None, now: dt.datetime | None = None, why: str = "asked"
) -> Anchor | None:
    """Append the log's head to the anchors file, and record that in the log. None if the log is empty."""
    from models.audit import chain as audit
    from models.audit.tx import write_tx
    from models.clock import utcnow

    path = Path(path).expanduser()
    now = now or utcnow()
    with write_tx():
        seq, digest = audit.head()
        if seq == 0:
            return None
        from models.store.tables import AuditEntry

        newest = AuditEntry.select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).first()
        if newest is None or newest.seq != seq or newest.hash != digest:
            # The head record and the log disagree (entries cut, the head left alone):
            # anchoring the head would vouch for entries that are not there.
            ends = newest.seq if newest is not None else 0
            raise RuleViolation(
                f"The log's head record names entry {seq}, but the log ends at entry {ends}: "
                "entries were cut or changed. Nothing was written: run kiosk audit verify."
            )
        prev = last(path)
        if prev is not None and prev.seq > seq:
            # An older head after a newer one would hide the cut: verify must say it first.
            raise RuleViolation(
                f"The anchors file {path} already anchors entry {prev.seq}, but this log ends at "
                f"entry {seq}: it was cut, or restored from a backup. Nothing was written: "
                "run kiosk audit verify."
            )
        at = now.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"
        _append_line(path, f"{seq}\t{digest}\t{at}\n")
        audit.append(actor, ACTION, "audit", seq, {"seq": seq, "hash": digest, "file": str(path), "why": why}, now)
    return Anchor(seq, digest, at, 0)


def due(path: str | os.PathLike, now: dt.datetime, tz: Any) -> bool:
    """Whether the daily anchor is due: the log has moved since the last anchor, and that
    anchor is from an earlier day, or from before the end of today's school day when it is
    now past it."""
    from models.audit import chain as audit

    seq, _ = audit.head()
    prev = last(path)
    if seq > 0 and prev is not None and prev.seq > seq:
        return True  # a file ahead of the log: writing says why (never a silent stop)
    if seq == 0 or (prev is not None and prev.seq >= seq - 1):  # -1: the anchor's own entry
        return False
    if prev is None or prev.when is None:
        return True
    utc = dt.UTC

    def local(t: dt.datetime) -> dt.datetime:
        return t.replace(tzinfo=utc).astimezone(tz)

    then, today = local(prev.when), local(now)
    if then.date() < today.date():
        return True
    return today.time() >= END_OF_DAY and then.time() < END_OF_DAY


def write_if_due(path: str | os.PathLike | None, now: dt.datetime, tz: Any) -> Anchor | None:
    """The kiosk's own anchors: at the first start on a new day, and after the end of the
    school day (the app checks every few minutes)."""
    if path is None or not due(path, now, tz):
        return None
    return write(path, now=now, why="daily")


def _recorded() -> dict[Path, list[tuple[int, Any, Any]]]:
    """The anchors the log says it wrote, by file: (entry that recorded it, seq, hash)."""
    import json

    from models.store.tables import AuditEntry

    out: dict[Path, list[tuple[int, Any, Any]]] = {}
    for seq, details in _rows(
        AuditEntry.select(AuditEntry.seq, AuditEntry.details)
        .where(AuditEntry.action == ACTION)
        .order_by(AuditEntry.seq)
    ):
        try:
            d = json.loads(details)
        except ValueError:
            continue
        if not isinstance(d, dict) or not d.get("file"):
            continue
        out.setdefault(Path(str(d["file"])).expanduser(), []).append((seq, d.get("seq"), d.get("hash")))
    return out


def recorded_files() -> list[Path]:
    """Every anchors file the log says it wrote to (``kiosk audit verify`` reads them all)."""
    return sorted(_recorded())


def moved(path: str | os.PathLike) -> bool:
    """Whether the log has entries after the last anchor in ``path`` (other than that anchor's own)."""
    from models.audit import chain as audit

    seq, _ = audit.head()
    prev = last(path)
    # A file ahead of the log (cut, restored, or a line written into it) counts as moved:
    # :func:`write` then refuses and says why, where anchoring used to stop without a word.
    return seq > 0 and (prev is None or prev.seq < seq - 1 or prev.seq > seq)


def write_if_moved(
    path: str | os.PathLike | None, *, why: str, actor: Any = None, now: dt.datetime | None = None
) -> Anchor | None:
    """An anchor now if the log moved since the last one: when the kiosk closes, when the
    terminal locks after the school day, after a command that wrote records. Entries after
    the last anchor could otherwise be cut without a trace until the next daily anchor."""
    if path is None or not moved(path):
        return None
    return write(path, actor=actor, now=now, why=why)


def verify(path: str | os.PathLike | None, **options: Any) -> audit.VerifyReport:
    """:func:`models.audit.chain.verify`, and then (in the same read) every anchor in ``path``
    compared with the chain: a log cut back or re-chained since an anchor is named."""
    if path is None:
        return audit.verify(**options)
    return audit.verify(then=lambda report: check(report, path), **options)


def check(report: Any, path: str | os.PathLike | None) -> None:
    """Compare the chain with every anchor in ``path`` (the configured file), and in every
    other file the log records writing anchors to (for ``models.audit.chain.verify``): a backup
    restored elsewhere, a moved folder or a changed setting does not lose its anchors."""
    recorded = _recorded()
    files = [Path(path).expanduser()] if path is not None else []
    files += sorted(f for f in recorded if f not in files)
    for f in files:
        _check_file(report, f, recorded.get(f, []))
    restore_notes(report)


def _check_file(report: Any, path: Path, recorded: list[tuple[int, Any, Any]]) -> None:
    from models.audit import chain as audit
    from models.store.tables import AuditEntry

    try:
        anchors, bad_lines = read_lines(path)
    except FileNotFoundError:
        anchors, bad_lines = [], 0
        readable = False
        if not recorded:
            report.notes.append(f"No anchors file at {path} yet.")
    except OSError as exc:
        message = (
            f"Could not read the anchors file {path}: {exc.strerror or exc}; the chain could not be checked against it."
        )
        if recorded:
            report.bad(recorded[0][0], f"{message[:-1]} (the log recorded writing {len(recorded)} anchor(s) to it).")
        else:
            report.notes.append(message)
        return
    else:
        readable = True
    if bad_lines:
        report.notes.append(f"The anchors file {path} has {bad_lines} line(s) that are not anchors (skipped).")
    start_seq, start_hash = audit.anchor()
    newest = AuditEntry.select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).scalar() or 0
    wanted = sorted({a.seq for a in anchors if a.seq > start_seq})
    hashes: dict[int, str] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        hashes.update(_rows(AuditEntry.select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq.in_(chunk))))
    cut_reported = False
    for a in sorted(anchors, key=lambda x: (x.seq, x.line)):
        report.anchors_checked += 1
        if a.seq < start_seq:
            continue  # before what a purge removed
        if a.seq == start_seq:
            if a.hash != start_hash:
                report.bad(
                    a.seq,
                    f"Entry {a.seq} does not match the anchor written at {a.at} ({path}, line {a.line}): "
                    "the log was re-written (re-chained).",
                )
            continue
        if a.seq > newest:
            if not cut_reported:
                report.bad(
                    newest + 1,
                    f"The log is cut short: the anchor written at {a.at} records entry {a.seq}, "
                    f"but the log ends at entry {newest} ({path}, line {a.line}).",
                )
                cut_reported = True
            continue
        have = hashes.get(a.seq)
        if have is None:
            continue  # a missing entry in the middle: the chain check names it
        if have != a.hash:
            report.bad(
                a.seq,
                f"Entry {a.seq} does not match the anchor written at {a.at} ({path}, line {a.line}): "
                "the log was re-written (re-chained) after it.",
            )
    # the anchors the log says were written to this file must be in it (but those a restore
    # declared lost with the file: noted, by whom and when, in restore_notes)
    declared = _declared_lost(path)
    if declared:
        recorded = [r for r in recorded if r[0] > declared]
    in_file = {(a.seq, a.hash) for a in anchors}
    lost = [(seq, anchored) for seq, anchored, digest in recorded if (anchored, digest) not in in_file]
    if lost:
        first = lost[0]
        if readable:
            report.bad(
                first[0],
                f"The anchors file {path} is missing {len(lost)} anchor(s) the log recorded writing, "
                f"the first for entry {first[1]} (recorded by entry {first[0]}): it was cut or replaced.",
            )
        else:
            report.bad(
                first[0],
                f"The anchors file {path} is not there, but the log recorded writing {len(lost)} "
                f"anchor(s) to it, the first for entry {first[1]}: it was removed, or its folder "
                "(a network share?) cannot be reached, or this database was moved or restored "
                "from a backup; the chain could not be checked against it.",
            )


def parse_short(text: str) -> tuple[int, str]:
    """``#1234 3f2a9c1e4b5d6a7f`` (as printed on the end-of-day slip) -> (1234, "3f2a9c1e4b5d6a7f")."""
    from models.errors import ValidationError

    parts = (text or "").replace("…", " ").split()
    if len(parts) >= 2 and parts[0].lstrip("#").isdigit() and len(parts[0].lstrip("#")) <= 18:
        seq, prefix = int(parts[0].lstrip("#")), parts[1].lower()
        if 8 <= len(prefix) <= 64 and all(c in "0123456789abcdef" for c in prefix):
            return seq, prefix
    raise ValidationError(f'{text!r} is not an anchor: copy it from the slip, e.g. "#1234 3f2a9c1e4b5d6a7f".')


def check_paper(report: Any, text: str) -> None:
    """Compare an anchor copied from paper with the chain (for ``kiosk audit verify --anchor``)."""
    from models.audit import chain as audit
    from models.store.tables import AuditEntry

    seq, prefix = parse_short(text)
    report.anchors_checked += 1
    start_seq, start_hash = audit.anchor()
    if seq < start_seq:
        report.notes.append(f"The paper anchor #{seq} is from before the records a purge removed; nothing to compare.")
        return
    have = (
        start_hash if seq == start_seq else (AuditEntry.select(AuditEntry.hash).where(AuditEntry.seq == seq).scalar())
    )
    if have is None:
        newest = AuditEntry.select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).scalar() or 0
        if seq > newest:
            report.bad(
                newest + 1,
                f"The log is cut short: the paper anchor records entry {seq}, but the log ends at entry {newest}.",
            )
        else:
            report.bad(seq, f"Entry {seq}, recorded by the paper anchor, is missing from the log.")
        return
    if not have.startswith(prefix):
        report.bad(
            seq,
            f"Entry {seq} does not match the paper anchor ({prefix}): the log was re-written (re-chained) after it.",
        )


RESTORED_ACTION = "audit.restored"


@dataclass(frozen=True)
class Restored:
    log_ends_at: int
    kept: int
    set_aside: Path | None  # the anchors file as it was, if it held anchors this log does not have
    dropped: int
    newest_dropped: int | None
    lost: int = 0  # anchors declared lost with their file (--anchors-lost)


def _declared_lost(path: Path) -> int:
    """The newest entry that declared the anchors written to ``path`` lost (0: none)."""
    import json

    from models.store.tables import AuditEntry

    newest = 0
    for seq, details in _rows(
        AuditEntry.select(AuditEntry.seq, AuditEntry.details).where(AuditEntry.action == RESTORED_ACTION)
    ):
        try:
            d = json.loads(details)
        except ValueError:
            continue
        if isinstance(d, dict) and d.get("anchors_lost") and Path(str(d.get("file"))).expanduser() == path:
            newest = max(newest, seq)
    return newest


def declare_restored(
    path: str | os.PathLike, *, actor: Any, now: dt.datetime | None = None, anchors_lost: bool = False
) -> Restored:
    """This database was restored from a backup: the anchors written after the backup
    (or for a history it does not hold) are set aside in a file of their own, kept as
    evidence of what the restore lost, and the restore is recorded in the log and anchored.

    Without this, a restored log is rightly reported as cut short by every later verify.
    The anchors that agree with the log stay in ``path``; the file as it was is renamed
    ``<name>.before-restore-<UTC time>``, never deleted.
    """
    from models.audit import chain as audit
    from models.audit.tx import write_tx
    from models.clock import utcnow
    from models.store.tables import AuditEntry

    path = Path(path).expanduser()
    now = now or utcnow()
    try:
        found, _bad = read_lines(path)
    except FileNotFoundError:
        recorded = _recorded().get(path, [])
        if recorded and anchors_lost:
            # Lost for good (a new PC, no copy): on record, by name, and noted by every verify.
            with write_tx():
                seq, _ = audit.head()
                audit.append(
                    actor,
                    RESTORED_ACTION,
                    "audit",
                    seq,
                    {
                        "file": str(path),
                        "anchors_lost": True,
                        "lost": len(recorded),
                        "set_aside": None,
                        "kept": 0,
                        "dropped": 0,
                        "newest_dropped": None,
                    },
                    now,
                )
            write(path, actor=actor, now=now, why="restored")
            return Restored(seq, 0, None, 0, None, lost=len(recorded))
        if recorded:
            # A new, empty file would not hold the anchors the log says it wrote: verify would
            # fail for ever. The file (or its copy) must come back first.
            raise StorageError(
                f"The anchors file {path} is not there, but this log recorded writing {len(recorded)} "
                "anchor(s) to it: put it (or its copy) back first, or, if it is lost for good, "
                "run this again with --anchors-lost. Nothing was changed."
            ) from None
        found = []
    except OSError as exc:
        raise StorageError(
            f"Cannot read the anchors file {path}: {exc.strerror or exc}. Nothing was changed."
        ) from None
    seq, _ = audit.head()
    if seq == 0:
        raise RuleViolation("The audit log is empty: there is nothing restored to record. Nothing was changed.")
    start_seq, start_hash = audit.anchor()
    wanted = sorted({a.seq for a in found if start_seq < a.seq <= seq})
    hashes: dict[int, str] = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i : i + 500]
        hashes.update(_rows(AuditEntry.select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq.in_(chunk))))

    def agrees(a: Anchor) -> bool:
        if a.seq < start_seq:
            return True  # before what a purge removed: nothing to compare it with
        if a.seq == start_seq:
            return a.hash == start_hash
        return hashes.get(a.seq) == a.hash

    keep = [a for a in found if agrees(a)]
    drop = [a for a in found if not agrees(a)]
    if not drop:
        # Nothing the restore lost is anchored (a backup restored straight after it was
        # made, or this was run twice): recording a restore here would be a false record.
        return Restored(seq, len(keep), None, 0, None)
    aside: Path | None = None
    if drop:
        aside = path.with_name(f"{path.name}.before-restore-{now:%Y%m%d-%H%M%S}")
        try:
            os.rename(path, aside)
        except OSError as exc:
            raise StorageError(
                f"Cannot set the anchors file {path} aside: {exc.strerror or exc}. Nothing was changed."
            ) from None
        for a in sorted(keep, key=lambda x: x.line):
            _append_line(path, f"{a.seq}\t{a.hash}\t{a.at}\n")
    with write_tx():
        audit.append(
            actor,
            RESTORED_ACTION,
            "audit",
            seq,
            {
                "file": str(path),
                "set_aside": str(aside) if aside else None,
                "kept": len(keep),
                "dropped": len(drop),
                "newest_dropped": max(a.seq for a in drop) if drop else None,
            },
            now,
        )
    write(path, actor=actor, now=now, why="restored")
    return Restored(seq, len(keep), aside, len(drop), max(a.seq for a in drop) if drop else None)


def restore_notes(report: Any) -> None:
    """Verify's notes on restores this log records (see :func:`declare_restored`)."""
    import json

    from models.store.tables import AuditEntry

    for seq, at, details in _rows(
        AuditEntry.select(AuditEntry.seq, AuditEntry.at, AuditEntry.details)
        .where(AuditEntry.action == RESTORED_ACTION)
        .order_by(AuditEntry.seq)
    ):
        try:
            d = json.loads(details)
        except ValueError:
            d = {}
        if not isinstance(d, dict):
            d = {}
        text = f"Restored from a backup (recorded by entry {seq}, {str(at)[:16]})"
        if d.get("anchors_lost"):
            text += (
                f": the anchors file {d.get('file')} was declared lost, with the {d.get('lost')} anchor(s) "
                "written to it before then; the log before that entry is checked by its chain only."
            )
        elif d.get("dropped"):
            aside = d.get("set_aside")
            gone = not (isinstance(aside, str) and os.path.lexists(aside))
            text += (
                f": {d['dropped']} anchor(s) of the history it replaced, up to entry {d.get('newest_dropped')}, "
                f"were set aside in {aside}"
                + (", which is no longer there: what the restore replaced cannot be shown." if gone else ".")
            )
        else:
            text += "."
        report.notes.append(text)
