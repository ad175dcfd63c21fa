"""Issue 12, never falling over: bad input gets one plain line, a non-zero exit, and
nothing written beside a path; `kiosk run` with no terminal stops at once; a scanned
line over 1 KB is refused without being read into memory whole."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import tracemalloc
from pathlib import Path

import click
import pytest

from models.staff import auth
from models.store.db import close_db
from models.upkeep.opening import open_database
from tests.paths import REPO

PIN = "482916"


def listing(folder: Path) -> dict[str, tuple[int, int, bytes | None]]:
    """What is in a folder: name -> (size, mode, content of small files)."""
    out = {}
    for p in sorted(folder.iterdir()):
        st = p.lstat()
        out[p.name] = (st.st_size, st.st_mode, p.read_bytes() if p.is_file() and st.st_size < 1 << 20 else None)
    return out


def one_line(err: str) -> bool:
    return err.endswith("\n") and err.count("\n") == 1 and err.startswith("Error: ") and "Unexpected error" not in err


def kiosk(*args, cwd: Path, timeout: float = 60, **kwargs) -> subprocess.CompletedProcess:
    """The real `kiosk` in a process of its own (bounded in time and memory)."""

    def limits() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # a runaway read fails instead of swapping

    kwargs.setdefault("stdin", subprocess.DEVNULL)
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limits,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        **kwargs,
    )


# ------------------------------------------------------------------ dates


BAD_DATES = ["9999-12-31", "0001-01-01", "2026-02-30"]
EXC_ADD = [
    "exceptions",
    "add",
    "--as",
    "head",
    "--organisation",
    "NHS",
    "--kind",
    "multi_agency",
    "--allowed",
    "Calls",
    "--where",
    "Medical room",
]
EXC_DATES = {"--agreed-on": "2026-11-10", "--from": "2026-11-10", "--review": "2026-11-20", "--to": "2026-12-18"}


def _date_commands(bad: str) -> list[list[str]]:
    cmds = [
        ["report", "day", "--date", bad],
        ["report", "compliance", "--from", bad],
        ["report", "compliance", "--to", bad],
        ["report", "governors", "--from", bad, "--to", "2026-09-30"],
        ["report", "governors", "--from", "2026-09-01", "--to", bad],
        ["trust", "compliance", "--from", bad],
        ["trust", "compliance", "--to", bad],
        ["trust", "feed", "--from", bad],
        ["trust", "feed", "--to", bad],
    ]
    for option in EXC_DATES:
        cmds.append(EXC_ADD + [x for k, v in EXC_DATES.items() for x in (k, bad if k == option else v)])
    if "exceptions review" in _leaf_commands():
        cmds.append(["exceptions", "review", "1", "--next", bad])
    for base, dates in GOVERNANCE_DATES:
        for option in dates:
            cmds.append(base + [x for k, v in dates.items() for x in (k, bad if k == option else v)])
    return [_with_as(c) for c in cmds]


# The governance commands (issue 15) that take dates: each with its other options.
POLICY_ADD = ["policies", "add", "online-safety", "--name", "Online safety", "--version", "2026-09"]
POLICY_REVIEWED = ["policies", "reviewed", "online-safety", "--version", "2026-09"]
POLICY_PAPER = ["policies", "acknowledge", "online-safety", "--how", "paper", "--staff", "office"]
RELATIONSHIP_ADD = [
    "relationships",
    "add",
    "--staff",
    "oak",
    "--family",
    "The Smith family",
    "--nature",
    "neighbour",
    "--described",
    "next-door neighbour",
    "--advice",
    "Keep contact professional",
]
RELATIONSHIP_REVIEW = ["relationships", "review", "1", "--note", "No change"]
ATTENDANCE_MARK = ["attendance", "mark", "000002", "--absent"]
CONCERN_FOLLOW_UP = ["concerns", "follow-up", "1", "--note", "Rang mum", "--lado-reference", "L/1"]
CONCERN_PREVENT = ["concerns", "follow-up", "1", "--note", "Rang", "--prevent-to", "Kent Prevent team"]
SCHOOL_DEVICE_LOAN = ["school-devices", "loan", "TRIP-1", "--to", "oak", "--purpose", "trip"]
GOVERNANCE_DATES = [
    (POLICY_ADD, {"--approved": "2026-09-01", "--next-review": "2027-08-01"}),
    (POLICY_REVIEWED, {"--approved": "2026-09-01", "--next-review": "2027-08-01"}),
    (POLICY_PAPER, {"--on": "2026-09-02"}),
    (RELATIONSHIP_ADD, {"--discussed-on": "2026-09-02", "--review": "2027-08-01"}),
    (RELATIONSHIP_REVIEW, {"--next": "2027-08-01"}),
    (ATTENDANCE_MARK, {"--date": "2026-09-02"}),
    (SCHOOL_DEVICE_LOAN, {"--due": "2026-09-02"}),
    (CONCERN_FOLLOW_UP, {"--lado-day": "2026-09-02"}),
    (CONCERN_PREVENT, {"--prevent-day": "2026-09-02"}),
]


def test_every_date_option_is_in_the_date_test():
    """A command that takes a date (its help says YYYY-MM-DD) is checked above."""
    from kiosk.cli import cli
    from kiosk.cli._common import _is_date_option

    found = set()

    def walk(cmd, prefix):
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, [*prefix, name])
        else:
            found.update((" ".join(prefix), p.opts[0]) for p in cmd.params if _is_date_option(p))

    walk(cli, [])
    tested = {(" ".join(c[:2]), c[c.index("9999-12-31") - 1]) for c in _date_commands("9999-12-31")}
    assert found == tested


@pytest.mark.parametrize("bad", BAD_DATES)
def test_a_date_out_of_range_or_impossible_is_one_line_on_every_command(tmp_path, run, monkeypatch, bad):
    monkeypatch.setenv("KIOSK_PIN", PIN)
    folder = tmp_path / "school"
    folder.mkdir()
    before = listing(folder)
    for args in _date_commands(bad):
        code, out, err = run(*args, "--db", folder / "kiosk.sqlite3")
        assert code == 2, (args, err)
        assert one_line(err), (args, err)
        option = args[args.index(bad) - 1]
        assert err.startswith(f"Error: {option} ")
        assert (
            "out of range: give a date from 2000-01-01 to 2099-12-31" in err
            if bad != "2026-02-30"
            else ": There is no 30 February 2026." in err  # models.dates: no such day, not a wrong format
        ), err
        assert listing(folder) == before, args  # not even the database was created


def test_dates_at_the_ends_of_the_range_are_taken(tmp_path, run, monkeypatch):
    open_database(str(tmp_path / "k.sqlite3"))  # read-only commands never make a database
    auth.create_staff("office", "Office", [auth.OFFICE], PIN)  # report day is read by someone (f1s6)
    close_db()
    monkeypatch.setenv("KIOSK_PIN", PIN)
    for day in ("2000-01-01", "2099-12-31"):
        code, _, err = run("report", "day", "--date", day, "--as", "office", "--db", tmp_path / "k.sqlite3")
        assert code == 0, err


# ------------------------------------------------------------------ config


def test_retention_beyond_its_range_names_the_setting_and_the_range(tmp_path, run):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[retention]\nhand_ins = 999999999\n")
    folder = tmp_path / "school"
    folder.mkdir()
    for args in (("report", "uncollected"), ("purge", "--dry-run")):
        code, _, err = run(*args, "--config", cfg, "--db", folder / "kiosk.sqlite3")
        assert code == 1
        assert err == "Error: retention.hand_ins must be a whole number of days from 1 to 36500.\n"
        assert list(folder.iterdir()) == []
    cfg.write_text("[retention]\nhand_ins = 36500\n")
    open_database(str(folder / "kiosk.sqlite3"))
    close_db()
    code, _, err = run("report", "uncollected", "--config", cfg, "--db", folder / "kiosk.sqlite3")
    assert code == 0, err


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "over-1-mb", "folder"])
def test_a_config_that_is_a_device_a_pipe_or_too_big_is_refused_before_reading(tmp_path, kind):
    folder = tmp_path / "school"
    folder.mkdir()
    if kind == "dev-zero":
        cfg = Path("/dev/zero")
    elif kind == "fifo":
        cfg = tmp_path / "config.toml"
        os.mkfifo(cfg)  # nobody writes to it: reading it would wait for ever
    elif kind == "folder":
        cfg = tmp_path / "config.d"
        cfg.mkdir()
    else:
        cfg = tmp_path / "config.toml"
        cfg.write_bytes(b"# a comment line, valid TOML\n" * 40000)  # 1.1 MB
    before = listing(folder)
    result = kiosk("report", "uncollected", "--config", cfg, "--db", folder / "kiosk.sqlite3", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert one_line(result.stderr), result.stderr
    assert f"The config file {cfg} is " in result.stderr
    assert {
        "dev-zero": "not a regular file",
        "fifo": "not a regular file",
        "folder": "a folder",
        "over-1-mb": "over 1 MB",
    }[kind] in result.stderr
    assert listing(folder) == before


# ------------------------------------------------------------------ --db


@pytest.fixture
def no_dev_null_sidecars():
    sides = [Path("/dev/null" + s) for s in ("-journal", "-wal", "-shm")]
    before = [p.exists() for p in sides]
    yield sides
    for p, was in zip(sides, before, strict=True):
        if p.exists() and not was:  # made by the bug this guards against
            p.unlink()


def test_db_dev_null_is_refused_and_nothing_is_written_beside_it(run, tmp_path, no_dev_null_sidecars):
    link = tmp_path / "kiosk.sqlite3"
    link.symlink_to("/dev/null")
    for target in ("/dev/null", link):
        for args in (("report", "uncollected"), ("audit", "verify"), ("staff", "list")):
            code, _, err = run(*args, "--db", target)
            assert code == 1, err
            assert err == (
                "Error: /dev/null is not a regular file: the database must be a file, or a new name "
                "in an existing folder. Nothing was changed.\n"
            )
            assert not any(p.exists() for p in no_dev_null_sidecars)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kiosk.sqlite3"]


def test_db_that_is_a_fifo_or_a_folder_is_refused(tmp_path):
    fifo = tmp_path / "pipe.sqlite3"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.sqlite3"
    folder.mkdir()
    before = listing(tmp_path)
    for target, what in ((fifo, "is not a regular file"), (folder, "is a folder")):
        result = kiosk("report", "uncollected", "--db", target, cwd=tmp_path)
        assert result.returncode == 1
        assert one_line(result.stderr) and f"{target} {what}" in result.stderr, result.stderr
    assert listing(tmp_path) == before


def test_db_in_a_folder_that_does_not_exist_is_refused(tmp_path, run):
    code, _, err = run("demo", "--db", tmp_path / "no-such-folder" / "k.sqlite3")  # a command that makes one
    assert code == 1 and one_line(err) and "there is no such folder" in err
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ a file that is not a database


def _every_command(tmp_path: Path) -> dict[str, list[str]]:
    roster = tmp_path / "roster.csv"
    roster.write_text("not,a,roster\n")
    return {
        "demo": ["demo"],
        "run": ["run"],
        "serve": ["serve", "--port", "1"],  # (refused before it listens)
        "roster import": ["roster", "import", str(roster)],
        "restore": ["restore", str(tmp_path / "backup.sqlite3")],  # the database is checked first
        "migrate-to": ["migrate-to", "postgresql://kiosk@127.0.0.1:1/school"],  # the source first: no server
        "devices list": ["devices", "list"],
        "devices register": ["devices", "register", "000001"],
        "devices revoke": ["devices", "revoke", "P-ABCDEF"],
        "scan": ["scan", "--mode", "hand-in", "--as", "office"],
        "report day": ["report", "day"],
        "report uncollected": ["report", "uncollected"],
        "report compliance": ["report", "compliance"],
        "exceptions list": ["exceptions", "list"],
        "exceptions add": EXC_ADD + [x for kv in EXC_DATES.items() for x in kv],
        "exceptions revoke": ["exceptions", "revoke", "1", "--as", "head", "--reason", "ended"],
        "exceptions agreement": ["exceptions", "agreement", "1"],
        "audit verify": ["audit", "verify"],
        "audit anchor": ["audit", "anchor"],
        "audit restored": ["audit", "restored"],
        "backup": ["backup", str(tmp_path / "school" / "copy.sqlite3")],
        "staff unlock": ["staff", "unlock", "office"],
        "staff deactivate": ["staff", "deactivate", "office"],
        "staff set-pin": ["staff", "set-pin", "office"],
        "exceptions review": ["exceptions", "review", "1", "--next", "2026-12-01"],
        "staff add": ["staff", "add", "newbie", "--name", "New Person", "--role", "office"],
        "staff list": ["staff", "list"],
        "print queue": ["print", "queue"],
        "print retry": ["print", "retry"],
        "print reprint": ["print", "reprint", "1"],
        "labels print": ["labels", "print", "--class", "Oak"],
        "purge": ["purge"],
        "sar": ["sar", "--staff", "office", "--out", str(tmp_path / "school" / "sar.zip")],
        "erase": ["erase", "--pupil", "000001", "--yes"],
        "report governors": ["report", "governors", "--term", "autumn-2026", "--out", str(tmp_path / "school" / "gov")],
        **{" ".join(base[:2]): base + [x for kv in dates.items() for x in kv] for base, dates in GOVERNANCE_DATES},
        "policies list": ["policies", "list"],
        "policies overdue": ["policies", "overdue"],
        "relationships list": ["relationships", "list"],
        "relationships end": ["relationships", "end", "1", "--reason", "Moved away"],
        "attendance import": ["attendance", "import", str(roster)],
        "school-devices list": ["school-devices", "list"],
        "school-devices overdue": ["school-devices", "overdue"],
        "school-devices add": [
            "school-devices",
            "add",
            "TRIP-1",
            "--kind",
            "phone",
            "--description",
            "phone",
            "--passcode-set",
        ],
        "school-devices return": ["school-devices", "return", "TRIP-1", "--condition", "fine"],
        "school-devices retire": ["school-devices", "retire", "TRIP-1", "--reason", "broken"],
        "staff-devices hold": [
            "staff-devices",
            "hold",
            "--staff",
            "oak",
            "--for",
            "lado",
            "--reason",
            "Phone out in class",
        ],
        "staff-devices return": ["staff-devices", "return", "1", "--decision", "LADO: no further action"],
        "staff-devices police": [
            *("staff-devices", "police", "1", "--officer", "PC A", "--number", "1"),
            *("--reference", "R1", "--yes"),
        ],
        "staff-devices police-return": [
            *("staff-devices", "police-return", "1", "--officer", "PC A", "--number", "1"),
            *("--reference", "R1"),
        ],
        "staff-devices list": ["staff-devices", "list"],
        "concerns lessons": ["concerns", "lessons", "1", "--text", "Brief staff"],
        # issue 15: parents informed and calls to the police
        "parents waiting": ["parents", "waiting"],
        "parents informed": [
            "parents",
            "informed",
            "--event",
            "1",
            "--name",
            "Gran",
            "--how",
            "phone",
            "--at",
            "2026-11-12 09:00",
        ],
        # issue 16: a trust's schools
        "trust sites": ["trust", "sites"],
        "trust grants": ["trust", "grants", "--site", "elm"],
        "trust add-site": ["trust", "add-site", "elm", "--name", "Elm Primary"],
        "trust rename-site": ["trust", "rename-site", "elm", "--name", "Elm CE Academy"],
        "trust compliance": ["trust", "compliance"],
        "trust uncollected": ["trust", "uncollected"],
        "trust feed": ["trust", "feed"],
        "trust governors": ["trust", "governors", "--term", "autumn-2026"],
        "police contact": [
            "police",
            "contact",
            "--phone",
            "K1234567",
            "--line",
            "101",
            "--reference",
            "R",
            "--at",
            "2026-11-12 09:00",
        ],
    }


NO_DATABASE = {"camera test", "print test"}  # they never open the database


def _leaf_commands() -> set[str]:
    from kiosk.cli import cli

    names = set()

    def walk(cmd, prefix):
        if isinstance(cmd, click.Group):
            for name, sub in cmd.commands.items():
                walk(sub, [*prefix, name])
        else:
            names.add(" ".join(prefix))

    walk(cli, [])
    return names


def _with_as(args: list[str]) -> list[str]:
    """Commands that come to ask who is acting (`--as`) get it, so the test reaches the database."""
    from kiosk.cli import cli

    cmd = cli
    for word in args:
        if not isinstance(cmd, click.Group) or word not in cmd.commands:
            break
        cmd = cmd.commands[word]
    takes_as = any("--as" in getattr(p, "opts", ()) for p in cmd.params)
    return args + ["--as", "admin"] if takes_as and "--as" not in args else args


def test_a_non_database_file_gives_one_line_on_every_command(tmp_path, run, monkeypatch):
    monkeypatch.setenv("KIOSK_PIN", PIN)
    monkeypatch.setattr("kiosk.cli.run._is_terminal", lambda stream: True)  # `kiosk run` as from a terminal
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    folder = tmp_path / "school"
    folder.mkdir()
    path = folder / "kiosk.sqlite3"
    path.write_bytes(b"this is not a database, just text\n" * 10)
    leaves = _leaf_commands()
    commands = {k: v for k, v in _every_command(tmp_path).items() if k in leaves}
    assert set(commands) | NO_DATABASE == leaves, "a new command: add it here"
    before = listing(folder)
    for name, args in commands.items():
        code, out, err = run(*_with_as(args), "--db", path)
        assert code != 0, name
        assert one_line(err), (name, err)
        if name != "roster import":  # the roster file is read (and refused) first
            assert "is not a kiosk database, or is damaged beyond reading. Nothing was changed." in err, (name, err)
        assert listing(folder) == before, name


# ------------------------------------------------------------------ kiosk run with no terminal


def test_run_with_no_terminal_stops_at_once_with_one_line(tmp_path):
    folder = tmp_path / "school"
    folder.mkdir()
    result = kiosk(
        "run", "--db", folder / "kiosk.sqlite3", cwd=tmp_path, timeout=60, stdin=subprocess.DEVNULL
    )  # stdin at end of file, stdout a pipe
    assert result.returncode == 1
    assert result.stderr == (
        "Error: kiosk run needs a terminal: its input or output is not one. Start it in a "
        "terminal window, or use kiosk serve for a web browser (for piped codes, use kiosk scan).\n"
    )
    assert result.stdout == ""
    assert list(folder.iterdir()) == []


# ------------------------------------------------------------------ a scanned line over 1 KB


def test_scan_lines_limit():
    from kiosk.cli.scan import scan_lines

    ok = b"A" * 1024 + b"\n"
    long = b"B" * 1025 + b"\n"
    stream = io.BufferedReader(io.BytesIO(ok + long + b"C" * 5000 + b"\nLAST"))
    assert list(scan_lines(stream)) == [ok, None, None, b"LAST"]


@pytest.fixture
def scanner_db(tmp_path):
    path = tmp_path / "k.sqlite3"
    open_database(str(path))
    auth.create_staff("scanner", "Scan Ner", ["office"], PIN, actor="test")
    close_db()
    return path


def _scan(run, monkeypatch, path, feed) -> tuple[int, str, str]:
    """`kiosk scan` reading from a real pipe fed by ``feed(write_fd)`` on a thread."""
    r, w = os.pipe()

    def writer() -> None:
        try:
            feed(w)
        finally:
            os.close(w)

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    with open(r, "rb") as raw:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(raw))
        result = run("scan", "--mode", "hand-in", "--as", "scanner", "--db", path)
    thread.join(timeout=120)
    assert not thread.is_alive()
    return result


def test_a_50_mb_scanned_line_is_refused_without_reading_it_whole(scanner_db, run, monkeypatch):
    monkeypatch.setenv("KIOSK_PIN", PIN)
    code, out, err = _scan(run, monkeypatch, scanner_db, lambda w: os.write(w, b"NOPE\n"))  # warm: imports, caches
    assert code == 0, err
    chunk = b"9" * (1 << 20)

    def fifty_mb(w: int) -> None:
        for _ in range(50):
            view = memoryview(chunk)
            while view:
                view = view[os.write(w, view) :]
        os.write(w, b"\nNOPE\n")

    tracemalloc.start()
    try:
        code, out, err = _scan(run, monkeypatch, scanner_db, fifty_mb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "INVALID - A scanned line over 1 KB was refused."
    assert len(lines) == 2 and lines[1].split()[0] in ("INVALID", "UNKNOWN")  # and the next line is scanned
    assert peak < 8 << 20, f"peak {peak / 1e6:.1f} MB for a 50 MB line"


@pytest.mark.parametrize("kind", ["dev-zero", "fifo"])
def test_device_rules_that_are_a_device_or_a_pipe_are_refused_before_reading(tmp_path, kind):
    """``device_rules = PATH`` in the config names a file the kiosk reads: the same care."""
    rules = Path("/dev/zero") if kind == "dev-zero" else tmp_path / "rules.md"
    if kind == "fifo":
        os.mkfifo(rules)
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'device_rules = "{rules}"\n')
    result = kiosk("print", "test", "--config", cfg, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr == (
        f"Error: The device rules file {rules} is not a regular file (a device or a pipe?): give a Markdown file.\n"
    )


@pytest.mark.parametrize("kind", ["dev-zero", "fifo"])
def test_a_roster_file_that_is_a_device_or_a_pipe_is_refused_at_once(tmp_path, kind):
    from models.school.roster import RosterFileError, parse_roster

    source = Path("/dev/zero") if kind == "dev-zero" else tmp_path / "roster.csv"
    if kind == "fifo":
        os.mkfifo(source)  # nobody writes to it: opening it for reading used to wait for ever
    result: list[BaseException] = []

    def parse() -> None:
        try:
            parse_roster(str(source))
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            result.append(exc)

    thread = threading.Thread(target=parse, daemon=True)
    thread.start()
    thread.join(timeout=60)
    if thread.is_alive():  # unblock it, so the test run can end
        with open(source, "wb"):
            pass
        pytest.fail("parse_roster waited on a pipe")
    assert len(result) == 1 and isinstance(result[0], RosterFileError)
    # a long path (a pytest-xdist worker's tmp_path) is shortened with an ellipsis: compare what is shown
    from models.school.roster import _show

    assert str(result[0]) == (
        f"cannot read the roster file {_show(str(source), 80)}: it is not a regular file (a device or a pipe?)"
    )


# ------------------------------------------------------------------ a mistyped --db


@pytest.mark.parametrize(
    "args",
    [
        ("report", "day", "--as", "office"),  # read by someone (f1s6)
        ("report", "uncollected"),
        ("report", "compliance"),
        ("staff", "list"),
        ("devices", "list"),
        ("exceptions", "list"),
        ("audit", "verify"),
        ("audit", "anchor"),
        ("print", "queue"),
        ("exceptions", "agreement", "1"),
    ],
)
def test_a_read_only_command_on_a_mistyped_db_makes_no_empty_database(tmp_path, run, args, monkeypatch):
    """A new-user walk: `kiosk report day --db kiosk.sqlte3` printed an empty day and left
    an empty database behind, and verify said OK on it."""
    monkeypatch.setenv("KIOSK_PIN", PIN)
    typo = tmp_path / "kiosk.sqlte3"
    code, out, err = run(*args, "--db", typo)
    assert code == 1
    assert one_line(err) and f"There is no database at {typo}" in err, err
    assert list(tmp_path.iterdir()) == []


def test_a_command_acting_for_someone_on_a_mistyped_db_makes_nothing(tmp_path, run, monkeypatch):
    monkeypatch.setenv("KIOSK_PIN", PIN)
    typo = tmp_path / "kiosk.sqlte3"
    code, _, err = run("staff", "unlock", "oak", "--as", "office", "--db", typo)
    assert code == 1
    assert one_line(err) and "There is no database at" in err, err
    assert list(tmp_path.iterdir()) == []


def test_the_first_admin_and_the_demo_still_make_a_new_database(tmp_path, run, monkeypatch):
    monkeypatch.setenv("KIOSK_NEW_PIN", "836150")
    code, _, err = run(
        "staff", "add", "admin", "--name", "Ada Admin", "--role", "admin", "--db", tmp_path / "new.sqlite3"
    )
    assert code == 0, err
    code, _, err = run("demo", "--db", tmp_path / "demo.sqlite3")
    assert code == 0, err
    assert {p.name for p in tmp_path.iterdir()} >= {"new.sqlite3", "demo.sqlite3"}


@pytest.mark.parametrize("address", ["caddy.local", "127.0.0.1:443", "", "127.0.0.1\x1b[2J"])
def test_a_bad_behind_proxy_address_is_one_line(run, address):
    """kiosk serve --behind-proxy takes an IP address only (a name could resolve elsewhere)."""
    code, out, err = run("serve", "--behind-proxy", address)
    assert code != 0 and one_line(err), err
    assert "IP address" in err and "\x1b" not in err
