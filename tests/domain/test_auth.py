"""PINs: hashed with a key kept outside the database and bound to the staff row; new PINs
are 6 to 12 digits and not easy to guess; guessing slows down the terminal it comes from,
never the school (issue 12, "People and PINs")."""

import datetime as dt
import os
import stat

import pytest

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.errors import AuthError, StorageError, ValidationError
from models.staff import auth
from models.store import pinkey
from models.store.db import close_db
from models.store.tables import AuditEntry, AuthFailure, Staff
from models.upkeep.demo import DEMO_PINS
from models.upkeep.opening import open_database
from tests.school import NOW, build

VISITOR, RECEPTION, CLI = auth.VISITOR, auth.RECEPTION, auth.COMMAND_LINE
T = "reception-pc"  # a terminal name, so the tests never depend on this machine's


def later(seconds: float) -> dt.datetime:
    return NOW + dt.timedelta(seconds=seconds)


def test_pin_is_hashed_with_argon2id_over_the_key(database):
    build()
    for s in Staff.select():
        assert s.pin_hash.startswith(auth.PEPPERED + "$argon2id$")
        for pin in [*DEMO_PINS.values(), "271845"]:
            assert pin not in s.pin_hash
    # Without the key the stored hash is useless: argon2 of the bare PIN does not match it.
    office = Staff.get(Staff.username == "office")
    with pytest.raises(Exception):  # noqa: B017 - argon2's VerifyMismatchError
        auth._hasher.verify(office.pin_hash[len(auth.PEPPERED) :], DEMO_PINS["office"])


def test_login_and_messages(database):
    build()
    assert auth.authenticate("Office ", DEMO_PINS["office"], now=NOW, terminal=T).username == "office"
    with pytest.raises(AuthError, match="^Type your username.$"):
        auth.authenticate("", DEMO_PINS["office"], now=NOW, terminal=T)
    with pytest.raises(AuthError, match="^Type your PIN.$"):
        auth.authenticate("office", "", now=NOW, terminal=T)


def test_unknown_user_and_wrong_pin_get_the_same_words_after_the_same_work(database, monkeypatch):
    build()
    checks = []
    real = auth._hasher

    class Counting:
        def hash(self, secret):
            return real.hash(secret)

        def verify(self, hash_, secret):
            checks.append(hash_)
            return real.verify(hash_, secret)

    monkeypatch.setattr(auth, "_hasher", Counting())
    messages = []
    for username in ("office", "nobody"):
        checks.clear()
        with pytest.raises(AuthError) as err:
            auth.authenticate(username, "480001", now=NOW, terminal=f"t-{username}")
        messages.append(str(err.value))
        assert len(checks) == 1, username  # one argon2 check each: the unknown name is not quicker
    assert messages == ["Wrong username or PIN.", "Wrong username or PIN."]
    # Both are counted alike (the unknown one with no account), and audited.
    assert AuthFailure.select().count() == 2
    assert AuditEntry.select().where(AuditEntry.action == "auth.failed").count() == 2
    assert audit.verify().ok


def test_empty_pins_are_not_counted(database):
    build()
    for _ in range(20):
        with pytest.raises(AuthError, match="^Type your PIN.$"):
            auth.authenticate("office", "", now=NOW, terminal=T, surface=RECEPTION)
        with pytest.raises(AuthError, match="^Type your username.$"):
            auth.authenticate("  ", "", now=NOW, terminal=T, surface=RECEPTION)
    assert AuthFailure.select().count() == 0
    assert AuditEntry.select().where(AuditEntry.action == "auth.failed").count() == 0
    assert auth.authenticate("office", DEMO_PINS["office"], now=NOW, terminal=T, surface=RECEPTION)


def test_back_off_grows_per_terminal_and_surface_and_survives_a_restart(tmp_path):
    url = str(tmp_path / "k.sqlite3")
    open_database(url)
    build()
    for _ in range(3):  # three free tries
        with pytest.raises(AuthError, match="^Wrong username or PIN.( Wait|$)"):
            auth.authenticate("oak", "000001", now=NOW, terminal=T, surface=RECEPTION)
    with pytest.raises(AuthError) as err:
        auth.authenticate("oak", DEMO_PINS["oak"], now=later(1), terminal=T, surface=RECEPTION)
    assert str(err.value) == "Too many wrong PINs here: wait 1 second, then try again."
    assert AuthFailure.select().count() == 3  # a refused try is not counted, and no PIN was checked
    close_db()
    open_database(url)  # a restart
    with pytest.raises(AuthError, match="^Too many wrong PINs here: wait 1 second"):
        auth.authenticate("oak", DEMO_PINS["oak"], now=later(1), terminal=T, surface=RECEPTION)
    # The same terminal's other surfaces, and other terminals, are not slowed down.
    assert auth.authenticate("oak", DEMO_PINS["oak"], now=later(1), terminal=T, surface=CLI)
    assert auth.authenticate("oak", DEMO_PINS["oak"], now=later(1), terminal="office-pc", surface=RECEPTION)
    with pytest.raises(AuthError) as err:  # after the wait: a fourth wrong PIN doubles it
        auth.authenticate("oak", "000001", now=later(2), terminal=T, surface=RECEPTION)
    assert str(err.value) == "Wrong username or PIN. Wait 4 seconds before the next try."
    waits = []
    at = later(6)
    for _ in range(12):
        with pytest.raises(AuthError, match="Wait"):
            auth.authenticate("oak", "000001", now=at, terminal=T, surface=RECEPTION)
        _n, not_before = auth._backoff(T, RECEPTION, at)
        waits.append((not_before - at).total_seconds())
        at = not_before
    assert waits[:5] == [8, 16, 32, 64, 128] and max(waits) == 300  # capped at five minutes
    # The right PIN after the wait signs in, and ends the streak for that terminal and surface.
    assert auth.authenticate("oak", DEMO_PINS["oak"], now=at, terminal=T, surface=RECEPTION)
    assert auth._backoff(T, RECEPTION, at) == (0, None)
    close_db()


def test_the_visitor_terminal_cannot_lock_out_the_reception(database):
    """Today's attack: F10 at the visitor screen and wrong PINs for every account. Here the
    attacker keeps going for a whole school day, as fast as the back-off allows; the
    reception's sign-in still signs the office in with the right PIN at once."""
    build()
    accounts = ["office", "oak", "deputy", "head", "admin"]
    at, tries, refused = NOW, 0, 0
    end = NOW + dt.timedelta(hours=8)
    while at < end:
        for username in accounts:
            try:
                auth.authenticate(username, "480001", now=at, terminal=T, surface=VISITOR)
            except AuthError as exc:
                if str(exc).startswith("Too many"):
                    refused += 1
                else:
                    tries += 1
            _n, not_before = auth._backoff(T, VISITOR, at)
            at = max(at, not_before or at)
    assert tries >= 50 and refused == 0  # it really did guess as fast as allowed
    for username in accounts:  # no account reached its daily cap from there in a day
        assert not auth.capped(Staff.get(Staff.username == username).id, at)
    signed = auth.authenticate("office", DEMO_PINS["office"], now=at, terminal=T, surface=RECEPTION)
    assert signed.username == "office"
    assert auth.authenticate("admin", DEMO_PINS["admin"], now=at, terminal=T, surface=RECEPTION)


def test_no_account_takes_more_than_fifty_wrong_pins_a_day(database):
    school = build()
    for i in range(auth.DAILY_CAP):  # from many terminals, so no back-off slows the guessing
        with pytest.raises(AuthError, match="^Wrong username or PIN.$"):
            auth.authenticate("oak", f"{480001 + i}", now=later(i), terminal=f"pc{i}", surface=RECEPTION)
    assert auth.capped(school.oak.id, later(60))
    # The right PIN is refused now, in the same words, without even being checked.
    with pytest.raises(AuthError, match="^Wrong username or PIN.$"):
        auth.authenticate("oak", DEMO_PINS["oak"], now=later(60), terminal="fresh", surface=RECEPTION)
    assert auth.capped_accounts(later(60)) == ["oak"]
    assert auth.locked_message(school.oak, later(60)).startswith("refuses PINs until tomorrow")
    # The command line (the kiosk's own OS account, which holds the key anyway) still works.
    assert auth.authenticate("oak", DEMO_PINS["oak"], now=later(61), terminal="fresh2", surface=CLI)
    # An admin unlocks it (audited); or it opens again tomorrow.
    tomorrow = NOW + dt.timedelta(days=1)
    assert not auth.capped(school.oak.id, tomorrow)
    auth.unlock("oak", actor=school.admin, now=later(62))
    entry = AuditEntry.select().where(AuditEntry.action == "auth.unlock").get()
    assert entry.actor == f"staff:{school.admin.id}" and entry.entity_id == str(school.oak.id)
    assert auth.authenticate("oak", DEMO_PINS["oak"], now=later(63), terminal="fresh", surface=RECEPTION)
    assert auth.capped_accounts(later(63)) == []


def test_the_quit_dialog_checks_only_an_admin(database):
    school = build()
    for username in ("office", "head", "nobody"):  # the right PIN of someone who is not an admin
        with pytest.raises(AuthError, match="^Wrong username or PIN."):
            auth.authenticate(
                username,
                DEMO_PINS.get(username, "480001"),
                now=later(100 * len(username)),
                terminal=T,
                surface=VISITOR,
                action="quit_kiosk",
            )
    assert [f.staff_id for f in AuthFailure.select()] == [None, None, None]  # no account's count grows
    assert [f.surface for f in AuthFailure.select()] == [VISITOR] * 3
    assert auth.failures_today(school.office.id, later(1000)) == 0
    admin = auth.authenticate(
        "admin", DEMO_PINS["admin"], now=later(1000), terminal=T, surface=VISITOR, action="quit_kiosk"
    )
    assert admin.username == "admin"


def test_bursts_are_told_to_the_office(database):
    build()
    at = dt.datetime(2026, 11, 12, 10, 2)  # 10:02 in London (GMT in November)
    for i in range(9):
        _n, not_before = auth._backoff(T, VISITOR, at)
        at = max(at, not_before or at)
        with pytest.raises(AuthError):
            auth.authenticate(["office", "nobody"][i % 2], "480001", now=at, terminal=T, surface=VISITOR)
        if i == 3:
            assert auth.bursts(at, here=T) == []  # four is not a burst yet
    assert auth.bursts(at, here=T) == ["9 wrong PINs at the visitor screen since 10:02."]
    assert auth.bursts(at, here="another-pc") == [f"9 wrong PINs at the visitor screen of {T} since 10:02."]
    assert auth.bursts(at + dt.timedelta(hours=1), here=T) == []  # over


def test_a_hash_copied_onto_another_member_of_staff_fails(database):
    """The issue's edit: office's PIN hash copied onto the head's row, then the head signed in
    with the office PIN. The hash is bound to the row, so that fails (and verify names the edit)."""
    from tests.attacks.test_tamper import Insider

    build()
    Insider(database)(
        "UPDATE staff SET pin_hash = (SELECT pin_hash FROM staff WHERE username = 'office') WHERE username = 'head'"
    )  # with sqlite3 or psql, not through the kiosk
    open_database(database)
    with pytest.raises(AuthError, match="^Wrong username or PIN.$"):
        auth.authenticate("head", DEMO_PINS["office"], now=NOW, terminal=T)
    with pytest.raises(AuthError):
        auth.authenticate("head", DEMO_PINS["head"], now=later(1), terminal="t2")
    report = audit.verify()
    assert not report.ok and any("staff" in p for p in report.problems), report.problems


def test_a_hash_from_before_the_key_works_once_and_is_rehashed_in_the_audited_sign_in(database):
    school = build()
    legacy = auth._hasher.hash("1234")  # as older versions stored a (4-digit) PIN: no key, no binding
    with write_tx():
        Staff.update(pin_hash=legacy).where(Staff.id == school.oak.id).execute()
        audit.append("upgrade-test", "staff.legacy_pin", "staff", school.oak.id, {}, NOW)
    assert audit.verify().ok
    signed = auth.authenticate("oak", "1234", now=later(1), terminal=T)
    assert signed.pin_hash.startswith(auth.PEPPERED)
    assert Staff.get_by_id(school.oak.id).pin_hash == signed.pin_hash
    entry = AuditEntry.select().order_by(AuditEntry.seq.desc()).get()
    assert entry.action == "auth.login" and '"rehashed":true' in entry.details
    assert audit.verify().ok  # the re-hash is bound into the chain with its sign-in
    assert auth.authenticate("oak", "1234", now=later(2), terminal=T).pin_hash == signed.pin_hash


def test_new_pins_are_six_to_twelve_digits_and_not_easy_to_guess(database):
    build()
    for pin, words in [
        ("12345", "A PIN is 6 to 12 digits."),
        ("1234567890123", "A PIN is 6 to 12 digits."),
        ("12a456", "A PIN is 6 to 12 digits."),
        ("111111", "a digit or a pair repeated"),
        ("121212", "a digit or a pair repeated"),
        ("123456", "a run of digits"),
        ("654321", "a run of digits"),
        ("234567890", "a run of digits"),
        ("123123", "repeated group"),
        ("12341234", "repeated group"),
        ("159753", "common PIN"),
    ]:
        with pytest.raises(ValidationError, match=words):
            auth.create_staff("newbie", "New", ["office"], pin, now=NOW)
    assert auth.create_staff("newbie", "New", ["office"], "271845", now=NOW).username == "newbie"
    assert all(auth.pin_problem(pin) is None for pin in DEMO_PINS.values())


def test_bad_staff_input(database):
    build()
    with pytest.raises(ValidationError, match="Unknown role 'cook'"):
        auth.create_staff("newbie", "New", ["cook"], "271845", now=NOW)
    with pytest.raises(ValidationError, match="already a member of staff called 'office'"):
        auth.create_staff("office", "Dup", ["office"], "271845", now=NOW)
    with pytest.raises(ValidationError, match="A username is"):
        auth.create_staff("x y", "New", ["office"], "271845", now=NOW)


@pytest.fixture
def key_file(tmp_path):
    path = pinkey.configure(tmp_path / "keys" / "pin.key")
    pinkey.forget()
    yield path
    pinkey.configure(None)
    pinkey.forget()


@pytest.mark.parametrize("umask", [0o022, 0o000])
def test_the_key_file_is_made_at_first_use_readable_by_the_kiosk_only(database, key_file, umask):
    old = os.umask(umask)
    try:
        assert not key_file.exists()
        build()
    finally:
        os.umask(old)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_bytes()) == pinkey.KEY_BYTES


def test_a_missing_key_file_is_one_plain_line_never_a_new_key(database, key_file):
    build()
    key = key_file.read_bytes()
    key_file.unlink()
    pinkey.forget()
    for call in (
        lambda: auth.authenticate("office", DEMO_PINS["office"], now=NOW, terminal=T),
        lambda: auth.create_staff("newbie", "New", ["office"], "271845", now=NOW),
    ):
        with pytest.raises(StorageError) as err:
            call()
        assert str(err.value) == (
            f"The PIN key file {key_file} is missing: restore it from your separate copy "
            "(without it no one can sign in)."
        )
        assert not key_file.exists()  # no new key that would lock everyone out
    assert not Staff.select().where(Staff.username == "newbie").exists()
    key_file.write_bytes(key)  # restored from the copy
    assert auth.authenticate("office", DEMO_PINS["office"], now=NOW, terminal=T)


def test_a_replaced_key_file_says_so_instead_of_wrong_pin_for_everyone(database, key_file):
    build()
    key = key_file.read_bytes()
    key_file.write_bytes(os.urandom(pinkey.KEY_BYTES))  # the right size, another key
    pinkey.forget()
    with pytest.raises(StorageError) as err:
        auth.authenticate("office", DEMO_PINS["office"], now=NOW, terminal=T)
    hint = (
        ""
        if database.endswith(".sqlite3")
        else " or this terminal opened another school's records: it is at site 1 of the trust; check KIOSK_SITE "
        "and the config's site"
    )
    assert str(err.value) == (
        f"The PIN key file {key_file} is not the one this database's PINs were made with "
        f"(was it replaced?{hint}): restore it from your separate copy. No one can sign in until then."
    )
    key_file.write_bytes(key)  # the right one back
    pinkey.forget()
    assert auth.authenticate("office", DEMO_PINS["office"], now=NOW, terminal=T)


def test_a_backup_does_not_hold_the_key(sqlite_db, tmp_path):
    from models.upkeep.backup import backup_to

    build()
    key = pinkey.load(create=False)
    copy = backup_to(tmp_path / "backup.sqlite3")
    data = copy.read_bytes()
    assert key not in data and key.hex().encode() not in data
    assert not list(copy.parent.glob("*.key"))
    close_db()


def test_the_key_file_can_live_elsewhere_and_a_bad_setting_is_one_line(tmp_path, run, monkeypatch):
    db_path = tmp_path / "k.sqlite3"
    config = tmp_path / "config.toml"
    config.write_text('[auth]\nkey_file = "keys/school-pin.key"\n')
    monkeypatch.setenv("KIOSK_NEW_PIN", "271845")  # the first admin of a new database needs no --as
    try:
        code, out, err = run(
            "staff", "add", "msmith", "--name", "Ms Smith", "--role", "admin", "--db", db_path, "--config", config
        )
        assert code == 0, err
        key = tmp_path / "keys" / "school-pin.key"
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    finally:
        pinkey.configure(None)
    config.write_text("[auth]\nkey_file = 3\n")
    code, _, err = run("staff", "list", "--db", db_path, "--config", config)
    assert code != 0 and err.count("\n") == 1 and "auth.key_file" in err
    config.write_text('[auth]\npepper = "x"\n')
    code, _, err = run("staff", "list", "--db", db_path, "--config", config)
    assert code != 0 and err == "Error: Unknown setting 'pepper' in [auth]: use key_file.\n"


def test_staff_list_shows_an_account_over_its_daily_cap(tmp_path, run):
    import json

    from models.clock import utcnow

    url = str(tmp_path / "k.sqlite3")
    open_database(url)
    build()
    now = utcnow()
    for i in range(auth.DAILY_CAP):
        with pytest.raises(AuthError):
            auth.authenticate("oak", "480001", now=now, terminal=f"pc{i}", surface=RECEPTION)
    close_db()
    code, out, _ = run("staff", "list", "--format", "json", "--db", url)
    assert code == 0
    assert {r["username"]: r["locked"] for r in json.loads(out)}["oak"] == "yes"
    assert {r["username"]: r["locked"] for r in json.loads(out)}["office"] == ""


def test_staff_list_says_when_only_the_visitor_screen_refuses_an_account(tmp_path, run):
    """It said "yes" for the reception's cap only: an account refusing PINs at the visitor
    screen showed nothing, while the sign-in screens named it."""
    import json

    from models.clock import utcnow

    url = str(tmp_path / "k.sqlite3")
    open_database(url)
    build()
    now = utcnow()
    for i in range(auth.DAILY_CAP):
        with pytest.raises(AuthError):
            auth.authenticate("admin", "480001", now=now, terminal=f"pc{i}", surface=auth.VISITOR)
    close_db()
    code, out, _ = run("staff", "list", "--format", "json", "--db", url)
    assert code == 0
    locked = {r["username"]: r["locked"] for r in json.loads(out)}
    assert locked["admin"] == "at the visitor screen"
    assert locked["office"] == ""
