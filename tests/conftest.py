"""Shared fixtures. Tests never touch the user's real directories or settings."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest

# Before anything imports platformdirs or reads the environment: point every
# directory the app could use at a throw-away folder, and drop user overrides.
# Some test modules import this file as ``tests.conftest``, which runs it a second time:
# the same sandbox then, or the data directory (and the PIN key in it) would move mid-run.
# Under pytest-xdist each worker has a sandbox of its own inside it (its data directory,
# PIN key and default database), so workers never share a file.
_ROOT = Path(os.environ.get("KIOSK_TESTS_SANDBOX") or tempfile.mkdtemp(prefix="kiosk-tests-"))
if not _ROOT.is_dir():  # left in the environment by another run: not ours
    _ROOT = Path(tempfile.mkdtemp(prefix="kiosk-tests-"))
os.environ["KIOSK_TESTS_SANDBOX"] = str(_ROOT)
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_SANDBOX = _ROOT / _WORKER if _WORKER else _ROOT
_SANDBOX.mkdir(exist_ok=True)
for _var in ("KIOSK_CONFIG", "KIOSK_DATABASE_URL", "KIOSK_PRINTER", "KIOSK_PIN"):
    os.environ.pop(_var, None)
os.environ["HOME"] = str(_SANDBOX / "home")
os.environ["XDG_DATA_HOME"] = str(_SANDBOX / "data")
os.environ["XDG_CONFIG_HOME"] = str(_SANDBOX / "config")
os.environ["XDG_CACHE_HOME"] = str(_SANDBOX / "cache")
os.environ["KIOSK_DATA_DIR"] = str(_SANDBOX / "kiosk-data")

from hypothesis import settings as hypothesis_settings  # noqa: E402

# Hypothesis: the same examples on every run ("ci", the default), so a property test
# can never fail by the luck of one run; KIOSK_HYPOTHESIS=explore searches afresh.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
hypothesis_settings.register_profile("explore", deadline=None)
hypothesis_settings.load_profile(os.environ.get("KIOSK_HYPOTHESIS", "ci"))

from models.staff import auth  # noqa: E402
from models.store.db import close_db, db, init_db  # noqa: E402
from models.upkeep.opening import open_database  # noqa: E402

auth.use_fast_hashing_for_tests()

REPO = Path(__file__).resolve().parent.parent
SAMPLES = Path(os.environ.get("KIOSK_SAMPLES_DIR", REPO.parent / "shared" / "samples"))


def database_beside(url: str, suffix: str) -> str:
    """The URL of a PostgreSQL database beside ``url``'s, named ``<its name>_<suffix>``,
    made when missing (its contents as they are: :func:`second_postgres` empties it)."""
    import psycopg2

    base, _, name = url.rpartition("/")
    own = f"{name}_{suffix}"
    conn = psycopg2.connect(url)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (own,))
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{own}"')
    finally:
        conn.close()
    return f"{base}/{own}"


def _worker_database(url: str | None) -> str | None:
    """Under pytest-xdist, a PostgreSQL database of the worker's own beside the one given."""
    if not url or not _WORKER:
        return url
    return database_beside(url, _WORKER)


POSTGRES_URL = _worker_database(os.environ.get("KIOSK_TEST_POSTGRES"))

# A fixed instant: Thursday 12 November 2026, 08:30 in London (GMT).
NOW = dt.datetime(2026, 11, 12, 8, 30)


def _reset_postgres(url: str) -> None:
    init_db(url)
    db.execute_sql("DROP SCHEMA public CASCADE")
    db.execute_sql("CREATE SCHEMA public")
    for (name,) in db.execute_sql(  # a trust's other schools (models.sites), and its registry
        "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'site\\_%%' OR nspname = 'trust'"
    ).fetchall():
        db.execute_sql(f'DROP SCHEMA "{name}" CASCADE')
    close_db()
    from models.audit.anchors import default_path

    default_path(url).unlink(missing_ok=True)  # a new database: the last one's audit anchors are not its own


def second_postgres(suffix: str) -> str:
    """A second PostgreSQL database beside the test one (:data:`POSTGRES_URL`), emptied: where
    a backup goes back, or another trust. ``suffix`` names it; make it the test file's own."""
    assert POSTGRES_URL, "KIOSK_TEST_POSTGRES is not set"
    url = database_beside(POSTGRES_URL, suffix)
    _reset_postgres(url)
    return url


BACKENDS = ["sqlite"] + (["postgres"] if POSTGRES_URL else [])

# The screens on PostgreSQL. A screen is a view over the use cases in kiosk/actions, and the
# rules under them run on both engines in the domain, ledger, records, CLI and attack suites.
# So the screen tests run on SQLite, and on PostgreSQL only the journeys marked
# `both_engines`: one or more per screen, chosen for what the engine could change (workers
# on their own connections, writes in flight, locks). KIOSK_TEST_EVERY_SCREEN_ON_POSTGRES=1
# runs every screen test on both (about 8 minutes more on two CPUs).
UI_FOLDERS = {"screens", "snapshots"}
EVERY_SCREEN_ON_POSTGRES = os.environ.get("KIOSK_TEST_EVERY_SCREEN_ON_POSTGRES") == "1"


def pytest_collection_modifyitems(config, items):
    if EVERY_SCREEN_ON_POSTGRES:
        return
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        on_postgres = callspec is not None and callspec.params.get("database") == "postgres"
        if on_postgres and item.path.parent.name in UI_FOLDERS and item.get_closest_marker("both_engines") is None:
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(autouse=True)
def _in_a_fresh_folder(tmp_path_factory, monkeypatch):
    """Every test runs in a fresh, empty folder of its own: a default output path (an
    export's "here") never lands in the repository or wherever pytest was started. Tests
    find the repository's files from their own path (REPO), never from the cwd."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(autouse=True)
def _no_anchors_file_from_another_test():
    """The anchors file is set process-wide by the app and CLI: a test starts with none, so an
    audit check (the terminal's own, the governors' report's) never reads another test's anchors
    for a database made again at the same address (a PostgreSQL test database)."""
    from models.audit import anchors

    anchors.configure(None)
    yield
    anchors.configure(None)


@pytest.fixture(autouse=True)
def _default_overflow_place():
    """The overflow place is set process-wide by the app and CLI at start: each test starts from the default."""
    from models.custody import trays

    trays.set_overflow_place(trays.DEFAULT_OVERFLOW_PLACE)
    yield
    trays.set_overflow_place(trays.DEFAULT_OVERFLOW_PLACE)


@pytest.fixture(autouse=True)
def _no_compiled_queries_from_another_test():
    """Compiled queries are kept process-wide (models.store.compiled): each test compiles its own."""
    from models.store import compiled

    compiled.forget()
    yield
    compiled.forget()


@pytest.fixture(params=BACKENDS)
def database(request, tmp_path):
    """An empty, migrated database: SQLite always, PostgreSQL when KIOSK_TEST_POSTGRES is set."""
    if request.param == "postgres":
        _reset_postgres(POSTGRES_URL)
        url = POSTGRES_URL
    else:
        url = str(tmp_path / "kiosk.sqlite3")
    open_database(url)
    yield url
    close_db()


@pytest.fixture
def sqlite_db(tmp_path):
    url = str(tmp_path / "kiosk.sqlite3")
    open_database(url)
    yield url
    close_db()


@pytest.fixture
def run(capsys):
    """Run the ``kiosk`` CLI in-process: (exit code, stdout, stderr); never a traceback."""
    from kiosk.cli import main

    def _run(*args):
        code = main([str(a) for a in args])
        close_db()
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return code, out, err

    return _run


@pytest.fixture
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip(f"shared samples not found at {SAMPLES}")
    return SAMPLES


from tests.pilot import school  # noqa: E402,F401  (the small school, for Pilot tests)


@pytest.fixture
def snap_compare(snap_compare, request):
    """pytest-textual-snapshot's ``snap_compare``, which also prints what differs.

    The plugin's HTML report stays on the machine that ran the tests; on CI only the
    log comes back, so a mismatch prints the lines of the screen that changed.
    """
    import pickle

    from pytest_textual_snapshot import node_to_report_path

    from tests.svg_text import differences

    def compare(*args, **kwargs):
        same = snap_compare(*args, **kwargs)
        if not same:
            data = pickle.loads(node_to_report_path(request.node).read_bytes())
            expected, actual = data[1], data[2]
            print(f"\n{request.node.nodeid}: the screen differs from the snapshot")
            print("\n".join(differences(expected, actual)) or "(no difference in the drawn cells)")
        return same

    return compare
