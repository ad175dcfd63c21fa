"""The command line asks who you are (issue 12).

Every command that changes records or exports personal data takes ``--as USERNAME``
with that person's PIN ($KIOSK_PIN, or asked on the terminal), checks their role as the
screens do, and the audit names them. Read-only reports and ``audit verify`` stay open.
The list of protected commands is read from the click command tree, so a new command
that is neither marked open nor protected fails here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest

from kiosk import cli as cli_module
from kiosk.cli import _access
from models.clock import to_local, utcnow
from models.staff import auth
from models.store.db import close_db
from models.store.tables import AuditEntry, Staff
from models.upkeep.opening import open_database
from tests.conftest import POSTGRES_URL
from tests.paths import REPO

# Our own staff, with 6-digit PINs that are neither repeats nor runs.
PINS = {
    "c_office": "482916",
    "c_teacher": "503827",
    "c_head": "725649",
    "c_admin": "836150",
    "c_lead": "614738",
    "c_tlead": "620394",
    "c_tdsl": "715283",
    "c_nightly": "863027",  # the nightly timers' account: purge and backup only (test_nightly_role_i16h.py)
}
ROLES = {
    "c_office": [auth.OFFICE],
    "c_teacher": [auth.TEACHER],
    "c_head": [auth.HEADTEACHER],
    "c_admin": [auth.ADMIN],
    "c_lead": [auth.LEADERSHIP],
    "c_tlead": [auth.TRUST_LEAD],
    "c_tdsl": [auth.TRUST_DSL],
    "c_nightly": [auth.NIGHTLY],
}
WRONG_PIN = "591372"


@dataclass
class Case:
    """One protected command: how to run it, who may and who may not."""

    args: list[str]
    allowed: str
    refused: str
    action: str  # the audit entry the allowed run writes, naming the person
    stdin: bytes = b""
    outputs: list[str] = field(default_factory=list)  # files that must not appear unless allowed


def _dates() -> dict[str, str]:
    today = dt.date.today()
    return {
        "today": today.isoformat(),
        # a mark is for a school day: today, or on a weekend the Friday before (f6s6)
        "school_day": (today - dt.timedelta(days=max(0, today.weekday() - 4))).isoformat(),
        "review": (today + dt.timedelta(days=10)).isoformat(),
        "next": (today + dt.timedelta(days=20)).isoformat(),
        "to": (today + dt.timedelta(days=40)).isoformat(),
        "at": (to_local(utcnow()) - dt.timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M"),  # a moment ago
    }


def _attendance_file(tmp: Path) -> Path:
    path = tmp / "attendance.csv"
    path.write_text(f"Adno,Date,Mark\n000002,{dt.date.today().isoformat()},I\n")
    return path


def move_target(tmp: Path) -> str:
    """The empty PostgreSQL database `kiosk migrate-to` moves into (its own, per test)."""
    if not POSTGRES_URL:
        return "postgresql://kiosk@127.0.0.1:1/nowhere"  # (only the refusals run: never reached)
    base, _, name = POSTGRES_URL.rpartition("/")
    return f"{base}/{name}_auth_{hashlib.sha256(str(tmp).encode()).hexdigest()[:10]}"


def cases(tmp: Path, codes: dict[str, str]) -> dict[str, Case]:
    d = _dates()
    roster = tmp / "roster.csv"
    return {
        "staff add": Case(
            ["staff", "add", "newbie", "--name", "New Person", "--role", "office"],
            "c_admin",
            "c_office",
            "staff.create",
        ),
        "staff set-pin": Case(["staff", "set-pin", "c_teacher"], "c_admin", "c_head", "staff.set_pin"),
        "staff unlock": Case(["staff", "unlock", "c_teacher"], "c_admin", "c_head", "auth.unlock"),
        "staff deactivate": Case(["staff", "deactivate", "c_lead"], "c_admin", "c_teacher", "staff.deactivate"),
        "roster import": Case(["roster", "import", str(roster)], "c_office", "c_teacher", "roster.import"),
        "attendance import": Case(
            ["attendance", "import", str(_attendance_file(tmp))], "c_office", "c_teacher", "attendance.import"
        ),
        "attendance mark": Case(
            ["attendance", "mark", "000002", "--absent", "--date", d["school_day"]],
            "c_teacher",
            "c_admin",
            "attendance.mark",
        ),
        "devices register": Case(
            ["devices", "register", "000003", "--description", "second phone"],
            "c_office",
            "c_teacher",
            "device.register",
        ),
        "devices revoke": Case(["devices", "revoke", codes["000005"]], "c_office", "c_teacher", "label.revoke"),
        "exceptions add": Case(
            [
                "exceptions",
                "add",
                "--organisation",
                "NHS School Nursing",
                "--kind",
                "multi_agency",
                "--allowed",
                "Calls to the team",
                "--where",
                "Medical room",
                "--agreed-on",
                d["today"],
                "--from",
                d["today"],
                "--review",
                d["review"],
                "--to",
                d["to"],
            ],
            "c_head",
            "c_office",
            "exception.record",
        ),
        "exceptions revoke": Case(
            ["exceptions", "revoke", "1", "--reason", "Visits ended"], "c_head", "c_office", "exception.revoke"
        ),
        "exceptions review": Case(
            ["exceptions", "review", "1", "--next", d["next"]], "c_head", "c_lead", "exception.review"
        ),
        "relationships add": Case(
            [
                "relationships",
                "add",
                "--staff",
                "c_lead",
                "--family",
                "The Smith family",
                "--nature",
                "neighbour",
                "--described",
                "lives next door",
                "--advice",
                "No contact on social media; tell the DSL of any concern",
                "--discussed-on",
                d["today"],
                "--review",
                d["next"],
            ],
            "c_head",
            "c_office",
            "relationship.record",
        ),
        "relationships review": Case(
            ["relationships", "review", "1", "--note", "No change", "--next", d["next"]],
            "c_head",
            "c_office",
            "relationship.review",
        ),
        "relationships end": Case(
            ["relationships", "end", "1", "--reason", "The pupil left"], "c_head", "c_lead", "relationship.end"
        ),
        "relationships list": Case(["relationships", "list"], "c_head", "c_office", "auth.login"),
        # issue 15: parents informed (of the concern the fixture raised) and calls to the police
        "parents waiting": Case(["parents", "waiting"], "c_lead", "c_office", "auth.login"),
        "parents informed": Case(
            ["parents", "informed", "--concern", "3", "--name", "Eve Brown", "--how", "phone", "--at", d["at"]],
            "c_head",
            "c_office",
            "parents.informed",
        ),
        "police contact": Case(
            ["police", "contact", "--phone", codes["000005"], "--line", "101", "--reference", "KP-1", "--at", d["at"]],
            "c_head",
            "c_office",
            "police.contact",
        ),
        "policies add": Case(
            [
                "policies",
                "add",
                "mobile-technology",
                "--name",
                "Mobile and smart technology policy",
                "--version",
                "2026-09",
                "--approved",
                d["today"],
                "--next-review",
                d["to"],
            ],
            "c_head",
            "c_office",
            "policy.add",
        ),
        "policies reviewed": Case(
            [
                "policies",
                "reviewed",
                "online-safety",
                "--version",
                "2026-10",
                "--approved",
                d["today"],
                "--next-review",
                d["to"],
            ],
            "c_head",
            "c_lead",
            "policy.review",
        ),
        "policies acknowledge": Case(
            ["policies", "acknowledge", "online-safety", "--how", "paper", "--staff", "c_teacher"],
            "c_office",
            "c_teacher",
            "policy.acknowledge",
        ),
        "policies overdue": Case(["policies", "overdue"], "c_head", "c_office", "auth.login"),
        "school-devices add": Case(
            ["school-devices", "add", "SCH-TAB-09", "--kind", "tablet", "--description", "iPad", "--no-passcode"],
            "c_admin",
            "c_office",
            "school_device.add",
        ),
        "school-devices loan": Case(
            ["school-devices", "loan", "SCH-PH-02", "--to", "c_teacher", "--purpose", "trip", "--due", d["review"]],
            "c_office",
            "c_teacher",
            "school_device.loan",
        ),
        "school-devices return": Case(
            ["school-devices", "return", "SCH-PH-01", "--condition", "fine"],
            "c_office",
            "c_teacher",
            "school_device.return",
        ),
        "school-devices retire": Case(
            ["school-devices", "retire", "SCH-PH-02", "--reason", "broken"],
            "c_admin",
            "c_office",
            "school_device.retire",
        ),
        "school-devices list": Case(["school-devices", "list"], "c_office", "c_teacher", "auth.login"),
        "school-devices overdue": Case(["school-devices", "overdue"], "c_admin", "c_teacher", "auth.login"),
        "staff-devices hold": Case(
            ["staff-devices", "hold", "--staff", "c_office", "--for", "lado", "--reason", "Policy 11.3"],
            "c_head",
            "c_lead",
            "staff_device.register",
        ),
        "staff-devices return": Case(
            ["staff-devices", "return", "6", "--decision", "No further action"],
            "c_head",
            "c_lead",
            "custody.returned_to_staff",
        ),
        "staff-devices list": Case(["staff-devices", "list"], "c_head", "c_office", "auth.login"),
        "staff-devices police": Case(
            [
                "staff-devices",
                "police",
                "6",
                "--officer",
                "PC Smith",
                "--number",
                "123",
                "--reference",
                "KP/1",
                "--yes",
            ],
            "c_head",
            "c_lead",
            "custody.handed_to_police",
        ),
        "staff-devices police-return": Case(
            ["staff-devices", "police-return", "7", "--officer", "PC Smith", "--number", "123", "--reference", "KP/2"],
            "c_head",
            "c_lead",
            "custody.returned_by_police",
        ),
        "concerns follow-up": Case(
            ["concerns", "follow-up", "1", "--note", "Asked the ESS", "--done", "ess_advice"],
            "c_head",
            "c_lead",
            "concern.follow_up",
        ),
        "concerns lessons": Case(
            ["concerns", "lessons", "2", "--text", "Brief staff"], "c_head", "c_office", "concern.lessons"
        ),
        "print reprint": Case(["print", "reprint", "1"], "c_office", "c_teacher", "print.enqueue"),
        "print retry": Case(["print", "retry"], "c_office", "c_teacher", "print.retry"),
        "labels print": Case(["labels", "print", "--pupil", "000001"], "c_office", "c_teacher", "print.enqueue"),
        "purge": Case(["purge"], "c_head", "c_office", "records.purge"),
        "sar": Case(
            ["sar", "--pupil", "000001", "--out", str(tmp / "sar.zip")],
            "c_head",
            "c_office",
            "records.sar",
            outputs=[str(tmp / "sar.zip")],
        ),
        "erase": Case(["erase", "--pupil", "000003", "--yes"], "c_head", "c_office", "records.erase"),
        # pupils' phone events of a day: personal data, office staff and above (f1s6)
        "report day": Case(["report", "day"], "c_office", "c_teacher", "auth.login"),
        "report governors": Case(
            ["report", "governors", "--from", d["today"], "--to", d["review"], "--out", str(tmp / "gov")],
            "c_lead",
            "c_office",
            "report.governors",
            outputs=[str(tmp / "gov" / f"governors-{d['today']}_{d['review']}.pdf")],
        ),
        "audit restored": Case(
            ["audit", "restored", "--config", str(tmp / "restored.toml")], "c_head", "c_office", "audit.restored"
        ),
        "backup": Case(
            ["backup", str(tmp / "copy.backup")],  # SQLite's online backup, or pg_dump (issue 16)
            "c_admin",
            "c_office",
            "backup.write",
            outputs=[str(tmp / "copy.backup")],
        ),
        # issue 16: the school's SQLite database moved to PostgreSQL (the move is recorded in
        # the new database; in this one, the sign-in's anchor, by name)
        "migrate-to": Case(["migrate-to", move_target(tmp)], "c_admin", "c_office", "audit.anchor"),
        # issue 16: a trust's schools, added by site 1's admin and read across by the trust's roles
        "trust add-site": Case(
            ["trust", "add-site", "elm", "--name", "Elm Primary"], "c_admin", "c_office", "trust.site_added"
        ),
        "trust rename-site": Case(
            ["trust", "rename-site", "elm", "--name", "Elm CE Academy"], "c_admin", "c_office", "trust.site_renamed"
        ),
        "trust compliance": Case(["trust", "compliance"], "c_tlead", "c_head", "trust.report_read"),
        "trust uncollected": Case(["trust", "uncollected"], "c_tlead", "c_office", "trust.report_read"),
        "trust feed": Case(["trust", "feed"], "c_tdsl", "c_tlead", "trust.report_read"),
        "trust governors": Case(
            ["trust", "governors", "--term", "autumn-2026"], "c_tdsl", "c_head", "trust.report_read"
        ),
        "scan": Case(
            ["scan", "--mode", "hand-in"],
            "c_office",
            "c_admin",
            "custody.handed_in",
            stdin=(codes["000002"] + "\n").encode(),
        ),
    }


# Open to the kiosk's own OS account. A new command must be added here (and be read-only
# or otherwise harmless) or be protected with @acts and get a row in cases().
OPEN = {
    "demo",
    "run",
    "serve",  # (as run: staff sign in on its screens)
    "devices list",
    "camera test",
    "report uncollected",
    "report compliance",
    "exceptions list",
    "exceptions agreement",
    "audit verify",
    "audit anchor",
    "staff list",
    "print test",
    "print queue",
    "policies list",
    "restore",  # into an empty database only: no one is in it to ask for a PIN (issue 16)
    "trust sites",  # the trust's schools: names and codes
    "trust grants",  # SQL for the superuser to run: reads no records, writes nothing
}


def command_tree(group: click.Group = cli_module.cli, prefix: str = ""):
    for name, cmd in group.commands.items():
        full = f"{prefix}{name}"
        if isinstance(cmd, click.Group):
            yield from command_tree(cmd, full + " ")
        else:
            yield full, cmd


def access(cmd: click.Command):
    return getattr(cmd.callback, _access.ACCESS, None)


def test_every_command_is_either_open_or_asks_who_you_are(tmp_path):
    tree = dict(command_tree())
    unmarked = sorted(name for name, cmd in tree.items() if access(cmd) is None)
    assert not unmarked, f"commands neither marked open nor protected with --as: {unmarked}"
    protected = {name for name, cmd in tree.items() if access(cmd)[0] == "acts"}
    opened = {name for name, cmd in tree.items() if access(cmd)[0] == "open"}
    assert opened == OPEN
    assert protected == set(cases(tmp_path, {"000005": "K", "000002": "K"}))
    for name in protected:
        assert any(p.opts == ["--as"] for p in tree[name].params), name


# ------------------------------------------------------------------ the school


@pytest.fixture
def school(database, tmp_path, monkeypatch):
    """The small school plus our own staff and one exception and one print job, on SQLite or PostgreSQL."""
    from models import outbox
    from models.policy import agreed
    from tests.school import build

    built = build()
    for name, pin in PINS.items():
        auth.create_staff(
            name, name.replace("c_", "Test ").title(), ROLES[name], pin, classes=["Oak"] if name == "c_teacher" else ()
        )
    head = Staff.get(Staff.username == "c_head")
    d = _dates()
    agreed.record(
        head,
        subject_kind="organisation",
        kind="multi_agency",
        allowed="Calls",
        where="Office",
        organisation="Speech Therapy",
        agreed_with="Ms Lee",
        agreed_on=dt.date.fromisoformat(d["today"]),
        starts_on=dt.date.fromisoformat(d["today"]),
        review_on=dt.date.fromisoformat(d["review"]),
        ends_on=dt.date.fromisoformat(d["to"]),
    )
    from models.governance import policies, relationships
    from models.store.tables import Pupil

    relationships.record(
        head,
        staff_id=Staff.get(Staff.username == "c_teacher").id,
        pupil_id=Pupil.get(Pupil.admission_no == "000001").id,
        nature="relative",
        described="aunt",
        dsl_advice="Keep to professional contact in school.",
        discussed_on=dt.date.fromisoformat(d["today"]),
        review_on=dt.date.fromisoformat(d["review"]),
    )
    policies.add_policy(
        head,
        key="online-safety",
        name="Online safety policy",
        version="2026-09",
        approved_on=dt.date.fromisoformat(d["today"]),
        next_review_on=dt.date.fromisoformat(d["to"]),
    )
    from models.custody import school_devices

    admin = Staff.get(Staff.username == "c_admin")
    for tag in ("SCH-PH-01", "SCH-PH-02"):
        school_devices.add_device(admin, asset_tag=tag, kind="phone", description="trips", passcode_set=True)
    school_devices.lend(
        Staff.get(Staff.username == "c_office"),
        asset_tag="SCH-PH-01",
        staff_id=Staff.get(Staff.username == "c_lead").id,
        purpose="trip",
        due_on=dt.date.fromisoformat(d["review"]),
    )
    held = school_devices.hold_staff_device(
        head, staff_id=Staff.get(Staff.username == "c_teacher").id, pending="lado", reason="Policy 11.3"
    )
    assert held.device_id == 6  # (staff-devices return names it)
    with_police = school_devices.hold_staff_device(
        head, staff_id=Staff.get(Staff.username == "c_office").id, pending="police", reason="Policy 11.3"
    )
    school_devices.staff_device_to_police(head, with_police.device_id, officer="PC Smith, 123", force_reference="KP/2")
    assert with_police.device_id == 7  # (staff-devices police-return names it)
    from models.safeguarding import concerns

    pupil = Pupil.get(Pupil.admission_no == "000002").id
    concerns.raise_concern(head, about_kind="pupil", pupil_id=pupil, what="Texting")  # 1: open
    closed = concerns.raise_concern(head, about_kind="pupil", pupil_id=pupil, what="Photos")  # 2: closed
    concerns.follow_up(closed.id, head, note="Done", close=True, outcome="No further action")
    from models.safeguarding import concerns

    concerns.raise_concern(  # about Dan Brown (no command here erases him): parents informed of it
        head,
        about_kind="pupil",
        pupil_id=Pupil.get(Pupil.admission_no == "000004").id,
        what="Upset after a message",
        now=utcnow() - dt.timedelta(hours=1),
    )
    outbox.enqueue(b"slip", kind="test", printer_url="dummy://auth", ref="x", title="A slip", actor="test")
    (tmp_path / "roster.csv").write_text(
        "Adno,Legal Surname,Legal Forename,Year,Reg,DOB,Priority 1 Contact Name,Priority 1 Contact Relationship\n"
        "000009,Irwin,Isla,Year 6,Oak,01/02/2015,Ian Irwin,Father\n",
        encoding="utf-8",
    )
    (tmp_path / "retention.toml").write_text("[retention]\nhand_ins = 1\n", encoding="utf-8")
    # an anchors file holding an anchor past the log's end, as after restoring an older backup
    (tmp_path / "restored.toml").write_text(f'[audit]\nanchors = "{tmp_path / "restored.anchors"}"\n', encoding="utf-8")
    (tmp_path / "restored.anchors").write_text(f"999999\t{'ab' * 32}\t2026-11-12T09:00:00Z\n", encoding="utf-8")
    close_db()
    monkeypatch.setenv("KIOSK_PRINTER", "dummy://auth")
    monkeypatch.setenv("KIOSK_NEW_PIN", "950483")
    monkeypatch.delenv("KIOSK_PIN", raising=False)
    monkeypatch.setattr(_access, "_has_terminal", _no_terminal)
    monkeypatch.chdir(tmp_path)
    yield database, built.codes
    close_db()


def _no_terminal():
    return False


def entries_after(url: str, seq: int) -> list[tuple[str, str]]:
    open_database(url)
    try:
        return [(e.actor, e.action) for e in AuditEntry.select().where(AuditEntry.seq > seq).order_by(AuditEntry.seq)]
    finally:
        close_db()


def last_seq(url: str) -> int:
    open_database(url)
    try:
        return AuditEntry.select().order_by(AuditEntry.seq.desc()).first().seq
    finally:
        close_db()


def staff_id(url: str, username: str) -> int:
    open_database(url)
    try:
        return Staff.get(Staff.username == username).id
    finally:
        close_db()


@pytest.fixture
def kiosk(run, monkeypatch, school):
    """Run a case's command as someone (or no one) with a PIN (or none): (exit code, stdout, stderr)."""
    url, _ = school

    def _kiosk(case: Case, as_user: str | None, pin: str | None):
        if pin is None:
            monkeypatch.delenv("KIOSK_PIN", raising=False)
        else:
            monkeypatch.setenv("KIOSK_PIN", pin)
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(case.stdin)))
        who = ["--as", as_user] if as_user else []
        extra = ["--config", "retention.toml"] if case.args[0] == "purge" else []
        return run(*case.args, *who, "--db", url, *extra)

    return _kiosk


def _case_ids():
    """Every command the tree marks as acting for someone (a new one with no row in cases() errors)."""
    return sorted(name for name, cmd in command_tree() if (access(cmd) or ("",))[0] == "acts")


def _refused_and_nothing_done(url, before, case, code, err, *, allowed_actions=()):
    assert code != 0
    assert err.startswith("Error: ") and err.count("\n") == 1, err
    new = entries_after(url, before)
    assert {a for _, a in new} <= set(allowed_actions), new
    for out in case.outputs:
        assert not Path(out).exists()


@pytest.mark.parametrize("name", _case_ids())
def test_refused_without_as(school, kiosk, tmp_path, name, monkeypatch):
    url, codes = school
    case = cases(tmp_path, codes)[name]
    before = last_seq(url)
    monkeypatch.delenv("KIOSK_NEW_PIN")  # refused for want of --as, before any PIN is asked for
    code, _, err = kiosk(case, None, PINS[case.allowed])  # a PIN alone is not enough: whose is it?
    _refused_and_nothing_done(url, before, case, code, err)
    assert "--as USERNAME" in err


@pytest.mark.parametrize("name", _case_ids())
def test_refused_with_as_but_no_pin_and_no_terminal(school, kiosk, tmp_path, name):
    url, codes = school
    case = cases(tmp_path, codes)[name]
    before = last_seq(url)
    code, _, err = kiosk(case, case.allowed, None)
    _refused_and_nothing_done(url, before, case, code, err)
    assert err == "Error: No PIN: set KIOSK_PIN or run from a terminal. Nothing was changed.\n"


@pytest.mark.parametrize("name", _case_ids())
def test_refused_with_a_wrong_pin(school, kiosk, tmp_path, name):
    url, codes = school
    case = cases(tmp_path, codes)[name]
    before = last_seq(url)
    code, _, err = kiosk(case, case.allowed, WRONG_PIN)
    _refused_and_nothing_done(
        url, before, case, code, err, allowed_actions=("auth.failed", "auth.locked", "audit.anchor")
    )
    assert "PIN" in err


@pytest.mark.parametrize("name", _case_ids())
def test_refused_for_a_role_that_may_not_act(school, kiosk, tmp_path, name):
    url, codes = school
    case = cases(tmp_path, codes)[name]
    before = last_seq(url)
    code, _, err = kiosk(case, case.refused, PINS[case.refused])
    _refused_and_nothing_done(
        url, before, case, code, err, allowed_actions=("auth.login", "auth.refused", "audit.anchor")
    )
    assert " may not " in err
    # what they tried is on record, by name (a tester found only "auth.login" for a refused purge)
    assert (f"staff:{staff_id(url, case.refused)}", "auth.refused") in entries_after(url, before)


def _postgres(sql: str) -> None:
    import psycopg2

    conn = psycopg2.connect(POSTGRES_URL)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql)
    finally:
        conn.close()


@pytest.mark.parametrize("name", _case_ids())
def test_allowed_for_the_right_role_and_the_audit_names_them(school, kiosk, tmp_path, name, request):
    url, codes = school
    case = cases(tmp_path, codes)[name]
    if name == "migrate-to":
        if not POSTGRES_URL or url.startswith("postgresql"):
            pytest.skip("moves a SQLite database to PostgreSQL: KIOSK_TEST_POSTGRES, and the school on SQLite")
        target = case.args[1].rsplit("/", 1)[1]
        _postgres(f'CREATE DATABASE "{target}"')
        request.addfinalizer(lambda: _postgres(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)'))
    if name == "trust rename-site" and url.startswith("postgresql"):
        added = cases(tmp_path, codes)["trust add-site"]
        assert kiosk(added, added.allowed, PINS[added.allowed])[0] == 0  # the school to rename
    if name in ("trust add-site", "trust rename-site") and not url.startswith("postgresql"):
        pytest.skip(
            "a trust of several schools is on PostgreSQL (SQLite refuses: tests/domain/test_trust_sites_i16s.py)"
        )
    before = last_seq(url)
    code, out, err = kiosk(case, case.allowed, PINS[case.allowed])
    assert code == 0, err
    who = f"staff:{staff_id(url, case.allowed)}"
    if name == "migrate-to":  # the move is in the new database's log, by name
        assert (who, "records.migrated") in entries_after(case.args[1], 0)
    new = entries_after(url, before)
    assert (who, "auth.login") in new
    assert (who, case.action) in new, new
    # Everyone else in these entries is the system itself (print worker, binding), never "cli".
    assert {actor for actor, _ in new} <= {who, "system"}, new
    for out_file in case.outputs:
        assert Path(out_file).exists()


# ------------------------------------------------------------------ open commands


def test_read_only_commands_stay_open(school, run, tmp_path):
    url, _ = school
    for args in (
        ["devices", "list"],
        ["report", "uncollected"],
        ["exceptions", "list"],
        ["staff", "list"],
        ["print", "queue"],
        ["audit", "verify"],
        ["exceptions", "agreement", "1"],
        ["policies", "list"],
    ):
        code, _, err = run(*args, "--db", url)
        assert code == 0, (args, err)
    code, out, err = run("purge", "--dry-run", "--db", url, "--config", "retention.toml")
    assert code == 0 and out.startswith("Would delete:"), err


def test_no_pin_leaves_no_database_behind(tmp_path, run, monkeypatch):
    monkeypatch.delenv("KIOSK_PIN", raising=False)
    monkeypatch.setattr(_access, "_has_terminal", _no_terminal)
    db = tmp_path / "none.sqlite3"
    code, _, err = run("staff", "unlock", "someone", "--as", "admin", "--db", db)
    assert code == 1 and err == "Error: No PIN: set KIOSK_PIN or run from a terminal. Nothing was changed.\n"
    assert not db.exists()
    monkeypatch.setenv("KIOSK_PIN", "")
    code, _, err = run("staff", "unlock", "someone", "--as", "admin", "--db", db)
    assert code == 1 and err == "Error: No PIN: KIOSK_PIN is empty. Nothing was changed.\n"
    assert not db.exists()


# ------------------------------------------------------------------ the first admin


def test_first_admin_only_while_there_is_none(database, run, monkeypatch):
    from models.staff.accounts import FIRST_ADMIN

    close_db()
    monkeypatch.delenv("KIOSK_PIN", raising=False)
    monkeypatch.setattr(_access, "_has_terminal", _no_terminal)
    monkeypatch.setenv("KIOSK_NEW_PIN", PINS["c_admin"])
    # Without an admin, only an admin can be added without --as.
    code, _, err = run("staff", "add", "first", "--name", "First Office", "--role", "office", "--db", database)
    assert code == 1 and err == "Error: There is no admin yet: add the first one with --role admin (no --as needed).\n"
    code, out, err = run("staff", "add", "boss", "--name", "The Boss", "--role", "admin", "--db", database)
    assert code == 0 and out == "Added boss (admin).\n", err
    assert entries_after(database, 0)[-1] == (FIRST_ADMIN, "staff.create")
    # Now the door is shut: another admin needs --as an admin.
    before = last_seq(database)
    code, _, err = run("staff", "add", "boss2", "--name", "Second", "--role", "admin", "--db", database)
    assert code == 1 and err == (
        "Error: There is already an admin: say who you are with --as USERNAME (an admin); "
        "the PIN comes from $KIOSK_PIN or is asked for.\n"
    )
    assert entries_after(database, before) == []
    monkeypatch.setenv("KIOSK_PIN", PINS["c_admin"])
    monkeypatch.setenv("KIOSK_NEW_PIN", PINS["c_office"])
    code, out, err = run(
        "staff", "add", "office", "--name", "Office", "--role", "office", "--as", "boss", "--db", database
    )
    assert code == 0 and out == "Added office (office).\n", err
    # Office staff cannot make themselves (or anyone) headteacher and admin.
    monkeypatch.setenv("KIOSK_PIN", PINS["c_office"])
    code, _, err = run(
        "staff",
        "add",
        "sneaky",
        "--name",
        "Sneaky",
        "--role",
        "headteacher",
        "--role",
        "admin",
        "--as",
        "office",
        "--db",
        database,
    )
    assert code == 1 and err == "Error: Office (office staff) may not manage staff.\n"
    code, out, _ = run("staff", "list", "--format", "csv", "--db", database)
    assert "sneaky" not in out and "boss2" not in out


def test_first_admin_bootstrap_reopens_only_if_no_admin_is_active(database, run, monkeypatch):
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", _no_terminal)
    monkeypatch.setenv("KIOSK_NEW_PIN", PINS["c_admin"])
    assert run("staff", "add", "boss", "--name", "Boss", "--role", "admin", "--db", database)[0] == 0
    monkeypatch.setenv("KIOSK_PIN", PINS["c_admin"])
    # The only active admin cannot be switched off: the bootstrap door would open again.
    code, _, err = run("staff", "deactivate", "boss", "--as", "boss", "--db", database)
    assert code == 1 and err == "Error: boss is the only active admin: add another admin first.\n"


def test_a_deactivated_account_cannot_act(school, run, monkeypatch):
    url, _ = school
    monkeypatch.setenv("KIOSK_PIN", PINS["c_admin"])
    code, out, err = run("staff", "deactivate", "c_office", "--as", "c_admin", "--db", url)
    assert code == 0 and out == "c_office deactivated: they can no longer sign in.\n", err
    code, _, err = run("staff", "deactivate", "c_office", "--as", "c_admin", "--db", url)
    assert code == 1 and err == "Error: c_office is already deactivated.\n"
    monkeypatch.setenv("KIOSK_PIN", PINS["c_office"])
    code, _, err = run("print", "retry", "--as", "c_office", "--db", url)
    assert code == 1 and err.startswith("Error: ")
    code, out, _ = run("audit", "verify", "--db", url)
    assert code == 0 and "chain intact" in out


def test_staff_add_without_a_new_pin_and_no_terminal_is_one_line(school, run, monkeypatch):
    url, _ = school
    monkeypatch.delenv("KIOSK_NEW_PIN")
    monkeypatch.setenv("KIOSK_PIN", PINS["c_admin"])
    code, _, err = run("staff", "add", "newbie", "--name", "New", "--role", "office", "--as", "c_admin", "--db", url)
    assert (
        code == 1
        and err == "Error: No PIN for newbie: set KIOSK_NEW_PIN or run from a terminal. Nothing was changed.\n"
    )


def test_sqlite_file_untouched_when_refused(tmp_path, run, monkeypatch):
    """No --as, no PIN: the database file is not even opened for writing."""
    from tests.school import build

    db = tmp_path / "k.sqlite3"
    open_database(str(db))
    build()
    close_db()
    monkeypatch.setattr(_access, "_has_terminal", _no_terminal)
    before = db.read_bytes()
    for args in (["erase", "--pupil", "000001", "--yes"], ["sar", "--pupil", "000001", "--as", "head"]):
        code, _, err = run(*args, "--db", db)
        assert code == 1 and err.count("\n") == 1
    assert db.read_bytes() == before
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT COUNT(*) FROM pupil WHERE admission_no = '000001'").fetchone()[0] == 1
    conn.close()


def test_on_a_terminal_the_pin_is_asked_for_hidden(school, run, monkeypatch):
    import getpass

    url, _ = school
    asked = []

    def fake_getpass(prompt="", stream=None):
        asked.append(prompt)
        return PINS["c_admin"]

    monkeypatch.setattr(_access, "_has_terminal", lambda: True)
    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    code, out, err = run("staff", "unlock", "c_office", "--as", "c_admin", "--db", url)
    assert code == 0 and out == "c_office unlocked.\n", err
    assert asked == ["PIN for c_admin: "]
    # The new member's PIN is asked twice; two different PINs change nothing.
    monkeypatch.delenv("KIOSK_NEW_PIN")
    answers = iter([PINS["c_admin"], "950483", "950484"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="", stream=None: next(answers))
    before = last_seq(url)
    code, _, err = run("staff", "add", "newbie", "--name", "New", "--role", "office", "--as", "c_admin", "--db", url)
    assert code == 1 and err == "Error: The two PINs differ: nothing was changed.\n"
    assert {a for _, a in entries_after(url, before)} <= {
        "auth.login",
        "audit.anchor",
    }  # the sign-in, anchored; no change


def test_a_real_terminal_asks_for_the_pin(tmp_path):
    """On a real terminal (a pty as the controlling terminal), the PIN is asked for, hidden."""
    import os
    import pty
    import select
    import time

    from tests.school import build

    db = tmp_path / "k.sqlite3"
    open_database(str(db))
    build()
    auth.create_staff("c_admin", "Test Admin", [auth.ADMIN], PINS["c_admin"])
    close_db()
    env = {k: v for k, v in os.environ.items() if k not in ("KIOSK_PIN", "KIOSK_NEW_PIN")}
    repo = REPO
    pid, fd = pty.fork()
    if pid == 0:  # the child: a new session whose controlling terminal is the pty
        try:
            os.chdir(repo)
            os.execve(
                sys.executable,
                [sys.executable, "-m", "kiosk.cli", "staff", "unlock", "office", "--as", "c_admin", "--db", str(db)],
                env,
            )
        finally:
            os._exit(99)
    seen = b""
    deadline = time.monotonic() + 60

    def read_until(marker: bytes) -> None:
        nonlocal seen
        while marker not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            try:
                chunk = os.read(fd, 1024)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk

    try:
        read_until(b"PIN for c_admin: ")
        assert b"PIN for c_admin: " in seen, seen
        os.write(fd, PINS["c_admin"].encode() + b"\n")
        read_until(b"unlocked.")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    assert b"office unlocked." in seen, seen
    assert PINS["c_admin"].encode() not in seen  # not echoed
    assert os.waitstatus_to_exitcode(status) == 0


# ------------------------------------------------------------------ rows edited outside the kiosk (issue-12 walk)


def test_switching_the_admin_off_outside_the_kiosk_does_not_reopen_the_first_admin_door(school, run, monkeypatch):
    """An insider set the admins inactive with sqlite3, added themselves as admin, headteacher
    and DSL through the first-admin door, then switched the admins back on: verify said OK."""
    from tests.attacks.test_tamper import Insider

    url, _ = school
    insider = Insider(url)
    admins = [r[0] for r in insider.rows("SELECT id FROM staff WHERE roles LIKE '%admin%' AND active = TRUE")]
    assert admins
    insider(*[f"UPDATE staff SET active = FALSE WHERE id = {i}" for i in admins])
    before = last_seq(url)
    monkeypatch.setenv("KIOSK_NEW_PIN", "950483")
    code, _, err = run(
        "staff",
        "add",
        "mallory",
        "--name",
        "Mallory",
        "--role",
        "admin",
        "--role",
        "headteacher",
        "--role",
        "dsl",
        "--db",
        url,
    )
    assert code == 1
    assert err.startswith("Error: This database has had staff before")
    assert entries_after(url, before) == []
    code, out, _ = run("staff", "list", "--format", "csv", "--db", url)
    assert "mallory" not in out


def test_roles_given_outside_the_kiosk_do_not_let_anyone_act(school, run, monkeypatch):
    """Office given admin, DSL and headteacher with sqlite3: their PIN must not open the
    subject access export (which shows the DSL's concerns) nor anything else."""
    from tests.attacks.test_tamper import Insider

    url, _ = school
    Insider(url)("UPDATE staff SET roles = 'office,admin,dsl,headteacher' WHERE username = 'c_office'")
    before = last_seq(url)
    monkeypatch.setenv("KIOSK_PIN", PINS["c_office"])
    code, out, err = run("staff", "unlock", "c_head", "--as", "c_office", "--db", url)
    assert code == 1
    assert err == "Error: c_office's account was changed outside the kiosk: an admin must run kiosk audit verify.\n"
    assert [a for _, a in entries_after(url, before)] == ["auth.failed", "audit.anchor"]


def test_a_pin_hash_copied_onto_another_account_does_not_sign_in_even_with_the_copied_pin(database):
    """(The hash is bound to its row's id and username, and the row to the log.)"""
    from tests.attacks.test_tamper import Insider
    from tests.school import build

    build()
    auth.create_staff("c_office", "Office", [auth.OFFICE], PINS["c_office"])
    auth.create_staff("c_head", "Head", [auth.HEADTEACHER], PINS["c_head"])
    close_db()
    Insider(database)(
        "UPDATE staff SET pin_hash = (SELECT pin_hash FROM staff WHERE username = 'c_office') WHERE username = 'c_head'"
    )
    open_database(database)
    with pytest.raises(auth.AuthError):
        auth.authenticate("c_head", PINS["c_office"])
    assert auth.authenticate("c_office", PINS["c_office"]).username == "c_office"


def test_anyone_may_change_their_own_pin_but_not_anothers(school, run, monkeypatch):
    url, _ = school
    monkeypatch.setenv("KIOSK_PIN", PINS["c_teacher"])
    monkeypatch.setenv("KIOSK_NEW_PIN", "950483")
    code, out, err = run("staff", "set-pin", "C_Teacher", "--as", "c_teacher", "--db", url)
    assert code == 0 and out == "New PIN set for c_teacher.\n", err
    me = f"staff:{staff_id(url, 'c_teacher')}"
    assert (me, "staff.set_pin") in entries_after(url, last_seq(url) - 3)
    monkeypatch.setenv("KIOSK_PIN", "950483")
    code, _, err = run("staff", "set-pin", "c_office", "--as", "c_teacher", "--db", url)
    assert code == 1 and err == "Error: Test Teacher (teacher) may not manage staff.\n"


def test_a_wrong_pin_or_a_refusal_at_the_command_line_is_anchored(school, kiosk, tmp_path, monkeypatch):
    """helper-32: refused and failed commands wrote audit entries but no anchor, so they
    could be cut from the log (and the wrong-PIN counts emptied) without a trace."""
    from models.audit import anchors
    from models.store.db import close_db
    from models.upkeep.opening import open_database

    url, codes = school
    case = cases(tmp_path, codes)["backup"]
    for who, pin in (("c_office", PINS["c_office"]), ("c_head", WRONG_PIN)):
        before = last_seq(url)
        code, _, err = kiosk(case, who, pin)
        assert code != 0 and err.count("\n") == 1, err
        new = entries_after(url, before)
        assert [a for _, a in new][-1] == "audit.anchor", new
        open_database(url)
        try:
            assert not anchors.moved(anchors.default_path(url))
        finally:
            close_db()


def test_deleting_every_staff_row_and_staff_create_entry_does_not_reopen_the_first_admin_door(school, run, monkeypatch):
    """helper-32: with the staff rows and the staff.create entries deleted in sqlite3, the
    first-admin door opened (and the new admin took id 1, so office's old records named them)."""
    from tests.attacks.test_tamper import Insider

    url, _ = school
    insider = Insider(url)
    fk = [] if insider.pg else ["PRAGMA foreign_keys = OFF"]
    insider(
        *fk,
        "DELETE FROM staff_class",
        "DELETE FROM auth_failure",
        "ALTER TABLE staff DISABLE TRIGGER ALL" if insider.pg else "SELECT 1",
        "DELETE FROM staff",
        "DELETE FROM audit_entry WHERE action = 'staff.create'",
    )
    monkeypatch.setenv("KIOSK_NEW_PIN", "950483")
    code, _, err = run("staff", "add", "boot", "--name", "Boot", "--role", "admin", "--db", url)
    assert code == 1, err
    assert err.startswith("Error: This database has had staff before")


def test_a_command_that_fails_after_signing_in_anchors_the_sign_in(school, run, monkeypatch):
    """Walk finding (issue 14): the sign-in was written to the log, the command then failed
    (here: a new PIN too short), and no anchor followed, so the sign-in could be cut from
    the end of the log without a trace."""
    from models.audit import anchors
    from models.store.db import close_db
    from models.upkeep.opening import open_database

    url, _ = school
    assert run("audit", "anchor", "--db", url)[0] == 0  # the school's anchors file (cron writes one daily)
    before = last_seq(url)
    monkeypatch.setenv("KIOSK_PIN", PINS["c_teacher"])
    monkeypatch.setenv("KIOSK_NEW_PIN", "1")
    code, _, err = run("staff", "set-pin", "c_teacher", "--as", "c_teacher", "--db", url)
    assert code == 1 and err.count("\n") == 1, err
    new = [a for _, a in entries_after(url, before)]
    assert "auth.login" in new and new[-1] == "audit.anchor", new
    open_database(url)
    try:
        assert not anchors.moved(anchors.default_path(url))
    finally:
        close_db()
