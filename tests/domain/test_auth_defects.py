"""Issue 12, a tester's findings on PINs: the visitor screen cannot cap an account elsewhere;
a plain hash written into the database is not a PIN; parallel guesses see each other; an
admin replaces a PIN; spaces around a PIN; a key file that is not a regular file."""

import datetime as dt
import os
import threading

import pytest

from models.audit import chain as audit
from models.audit.tx import write_tx
from models.errors import AuthError, PermissionDenied, StorageError, ValidationError
from models.staff import auth
from models.store import pinkey
from models.store.tables import AuditEntry, AuthFailure, Staff
from models.upkeep.demo import DEMO_PINS
from models.upkeep.opening import open_database
from tests.school import NOW, build

VISITOR, RECEPTION, CLI = auth.VISITOR, auth.RECEPTION, auth.COMMAND_LINE
T = "reception-pc"
WAIT_S = 30.0


def later(seconds: float) -> dt.datetime:
    return NOW + dt.timedelta(seconds=seconds)


# ------------------------------------------------------------------ 1. the visitor screen's own cap


def test_sixty_wrong_pins_at_the_visitor_screen_never_cap_the_admin_elsewhere(database):
    school = build()
    for i in range(60):  # from many visitor terminals, so no back-off slows it down
        with pytest.raises(AuthError, match=f"^{auth.WRONG}$"):
            auth.authenticate("admin", f"{480001 + i}", now=later(i), terminal=f"kiosk{i}", surface=VISITOR)
    assert not auth.capped(school.admin.id, later(60))
    assert auth.capped(school.admin.id, later(60), surface=VISITOR)
    # The admin signs in at the reception, and at the command line, at once.
    assert auth.authenticate("admin", DEMO_PINS["admin"], now=later(61), terminal=T, surface=RECEPTION)
    assert auth.authenticate("admin", DEMO_PINS["admin"], now=later(62), terminal=T, surface=CLI)
    # At the visitor screen the account now refuses even the right PIN, in the same words.
    with pytest.raises(AuthError, match=f"^{auth.WRONG}$"):
        auth.authenticate("admin", DEMO_PINS["admin"], now=later(63), terminal="fresh", surface=VISITOR)
    assert auth.capped_accounts(later(63)) == ["admin"]  # the office and admin see it, and can unlock it
    assert "visitor screen" in auth.locked_message(school.admin, later(63))
    auth.unlock("admin", actor=school.admin, now=later(64))
    assert auth.authenticate("admin", DEMO_PINS["admin"], now=later(65), terminal="fresh", surface=VISITOR)


def test_reception_and_command_line_share_their_cap(database):
    school = build()
    for i in range(auth.DAILY_CAP):
        with pytest.raises(AuthError):
            auth.authenticate("oak", f"{480001 + i}", now=later(i), terminal=f"pc{i}", surface=(RECEPTION, CLI)[i % 2])
    assert auth.capped(school.oak.id, later(60)) and not auth.capped(school.oak.id, later(60), surface=VISITOR)
    with pytest.raises(AuthError, match=f"^{auth.WRONG}$"):
        auth.authenticate("oak", DEMO_PINS["oak"], now=later(61), terminal="fresh", surface=RECEPTION)


# ------------------------------------------------------------------ 2. a plain hash is not a PIN


def test_a_plain_hash_written_outside_the_kiosk_is_refused(database):
    from tests.attacks.test_tamper import Insider

    build()
    plain = auth._hasher.hash("271845")  # a PIN the intruder chose, hashed as older versions did
    Insider(database)(f"UPDATE staff SET pin_hash = '{plain}' WHERE username = 'head'")
    open_database(database)
    with pytest.raises(AuthError, match=f"^{auth.WRONG}$"):
        auth.authenticate("head", "271845", now=NOW, terminal=T)
    assert Staff.get(Staff.username == "head").pin_hash == plain  # not re-hashed into a real one
    assert not AuditEntry.select().where(AuditEntry.action == "auth.login").exists()


def test_a_genuine_hash_from_before_the_key_still_works_once(database):
    school = build()
    legacy = auth._hasher.hash("1234")  # written by the kiosk itself, so bound in the audit chain
    with write_tx():
        Staff.update(pin_hash=legacy).where(Staff.id == school.head.id).execute()
        audit.append("upgrade-test", "staff.legacy_pin", "staff", school.head.id, {}, NOW)
    signed = auth.authenticate("head", "1234", now=later(1), terminal=T)
    assert signed.pin_hash.startswith(auth.PEPPERED)
    assert audit.verify().ok


# ------------------------------------------------------------------ 3. parallel attempts


def test_parallel_wrong_pins_see_each_other(database, monkeypatch):
    """Twelve processes guess at once from one terminal: only the free tries are checked."""
    build()
    real = auth._hasher
    release = threading.Event()
    checking = []
    moved = threading.Condition()  # signalled when a thread reaches the gate or finishes

    class Gated:  # every PIN check waits until all twelve have been let in or refused
        def hash(self, secret):
            return real.hash(secret)

        def verify(self, hash_, secret):
            with moved:
                checking.append(1)
                moved.notify_all()
            release.wait(WAIT_S)
            return real.verify(hash_, secret)

    auth._dummy_verify("warm")  # the dummy hash made before the gate
    monkeypatch.setattr(auth, "_hasher", Gated())
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt():
        from models.store.db import close_db

        try:
            auth.authenticate("admin", "480001", now=NOW, terminal=T, surface=CLI)
        except AuthError as exc:
            with lock:
                outcomes.append(str(exc))
        except Exception as exc:  # noqa: BLE001 - shown in the assertion
            with lock:
                outcomes.append(f"error {exc!r}")
        finally:
            close_db()
            with moved:
                moved.notify_all()

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for t in threads:
        t.start()
    with moved:  # every thread at the gate or done, waited for at most WAIT_S
        moved.wait_for(lambda: len(checking) + len(outcomes) >= 12, timeout=WAIT_S)
    release.set()
    for t in threads:
        t.join(WAIT_S)
    assert len(outcomes) == 12, outcomes
    refused = [o for o in outcomes if o.startswith("Too many wrong PINs here")]
    checked = [o for o in outcomes if o.startswith(auth.WRONG)]
    assert len(checked) == auth.FREE_FAILURES and len(refused) == 12 - auth.FREE_FAILURES, outcomes
    assert AuthFailure.select().count() == auth.FREE_FAILURES


def test_the_wait_is_never_said_to_be_over_five_minutes(database):
    build()
    with write_tx():  # failures stamped a little ahead (another process's clock)
        for _ in range(20):
            AuthFailure.create(at=later(40), terminal=T, surface=CLI, staff_id=None)
    with pytest.raises(AuthError) as err:
        auth.authenticate("admin", DEMO_PINS["admin"], now=NOW, terminal=T, surface=CLI)
    assert str(err.value) == "Too many wrong PINs here: wait 5 minutes, then try again."


def test_a_right_pin_leaves_no_failure_behind(database):
    build()
    for i in range(5):
        assert auth.authenticate("office", DEMO_PINS["office"], now=later(i), terminal=T, surface=RECEPTION)
    assert AuthFailure.select().count() == 0
    assert auth.bursts(later(5), here=T) == []


# ------------------------------------------------------------------ 4. replacing a PIN


def test_an_admin_replaces_a_pin_audited(database):
    school = build()
    with pytest.raises(PermissionDenied):
        auth.set_pin(school.oak.id, "503827", school.head, later(1))
    with pytest.raises(ValidationError, match="a run of digits"):
        auth.set_pin(school.oak.id, "123456", school.admin, later(1))
    auth.set_pin(school.oak.id, " 271845 ", school.admin, later(2))
    with pytest.raises(AuthError, match=f"^{auth.WRONG}$"):
        auth.authenticate("oak", DEMO_PINS["oak"], now=later(3), terminal=T)
    assert auth.authenticate("oak", "271845", now=later(4), terminal=T)
    entry = AuditEntry.get(AuditEntry.action == "staff.set_pin")
    assert entry.actor == f"staff:{school.admin.id}" and "271845" not in (entry.details or "")
    assert audit.verify().ok
    auth.set_pin(school.head.id, "603917", school.head, later(5))  # one's own PIN, signed in
    assert auth.authenticate("head", "603917", now=later(6), terminal=T)
    with pytest.raises(PermissionDenied):
        auth.set_pin(school.head.id, "603917", None, later(7))


def test_staff_set_pin_on_the_command_line(sqlite_db, run, monkeypatch):
    from models.store.db import close_db

    build()
    close_db()
    monkeypatch.setenv("KIOSK_PIN", f" {DEMO_PINS['admin']}  ")  # spaces around it are not a wrong PIN
    monkeypatch.setenv("KIOSK_NEW_PIN", "271845")
    code, out, err = run("staff", "set-pin", "oak", "--as", "admin", "--db", sqlite_db)
    assert code == 0, err
    assert out == "New PIN set for oak.\n"
    monkeypatch.setenv("KIOSK_NEW_PIN", "111111")
    code, _, err = run("staff", "set-pin", "oak", "--as", "admin", "--db", sqlite_db)
    assert code != 0 and err.count("\n") == 1 and "too easy" in err
    code, _, err = run("staff", "set-pin", "nobody", "--as", "admin", "--db", sqlite_db)
    assert code != 0 and "no member of staff called 'nobody'" in err
    open_database(sqlite_db)
    assert auth.authenticate("oak", "271845", now=NOW, terminal=T)


# ------------------------------------------------------------------ 5. spaces around a PIN


def test_spaces_around_a_pin_are_not_a_wrong_pin(database):
    build()
    assert auth.authenticate("office", f"  {DEMO_PINS['office']} \n", now=NOW, terminal=T)
    assert AuthFailure.select().count() == 0
    with pytest.raises(AuthError, match="^Type your PIN.$"):
        auth.authenticate("office", "   ", now=NOW, terminal=T)


# ------------------------------------------------------------------ 7. the key file


@pytest.fixture
def key_at():
    def point(path):
        pinkey.configure(path)
        pinkey.forget()

    yield point
    pinkey.configure(None)
    pinkey.forget()


def test_a_key_file_that_is_a_device_or_fifo_is_one_line(database, key_at, tmp_path):
    build()
    fifo = tmp_path / "key.fifo"
    os.mkfifo(fifo)
    for where in ("/dev/zero", fifo, tmp_path):
        key_at(where)
        with pytest.raises(StorageError) as err:
            auth.authenticate("office", DEMO_PINS["office"], now=NOW, terminal=T)
        assert "\n" not in str(err.value) and "not a regular file" in str(err.value), where
    assert AuthFailure.select().count() == 0


def test_the_command_line_says_one_line_for_a_key_file_at_dev_zero(sqlite_db, run, tmp_path, monkeypatch, key_at):
    from models.store.db import close_db

    build()
    close_db()
    config = tmp_path / "config.toml"
    for where in ("/dev/zero", tmp_path):
        config.write_text(f'[auth]\nkey_file = "{where}"\n')
        monkeypatch.setenv("KIOSK_PIN", DEMO_PINS["admin"])
        code, _, err = run("staff", "unlock", "oak", "--as", "admin", "--db", sqlite_db, "--config", config)
        assert code != 0 and err.count("\n") == 1 and "not a regular file" in err, err
