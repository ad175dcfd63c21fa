"""The device-rules file, the per-type visitor checks in config, and the v1 -> v2 upgrade."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from models.config import DEMO_CONFIG, VISITOR_TYPES, VisitorChecks, load_settings, parse_flag_time
from models.errors import ConfigError
from models.policy.rules import load_rules, parse_rules, rules_for
from models.store.db import close_db, db, init_db
from models.upkeep import migrations
from models.upkeep.opening import open_database
from tests.conftest import NOW

GOOD = """---
version: 2027-01
---
# Rules

Some text.

## In short

- One.
- Two, which is long and
  wraps onto a second line.
- Three.

Thanks.
"""


def test_the_shipped_rules_have_a_version_a_hash_of_the_exact_text_and_a_short_form():
    rules = load_rules()
    assert rules.version == "2026-09"
    raw = rules.path.read_text(encoding="utf-8")
    assert rules.text in raw and not rules.text.startswith("---")
    assert rules.sha256 == hashlib.sha256(rules.text.encode("utf-8")).hexdigest()
    assert 3 <= len(rules.short) <= 5 and all(len(line) < 80 for line in rules.short)
    for phrase in ("headteacher", "photos", "DSL"):
        assert phrase in rules.text


def test_parsing_a_rules_file():
    rules = parse_rules(GOOD)
    assert rules.version == "2027-01"
    assert rules.short == ("One.", "Two, which is long and wraps onto a second line.", "Three.")
    assert rules.text.startswith("# Rules") and rules.text.endswith("Thanks.\n")
    # one character changed in the text: another hash
    assert parse_rules(GOOD.replace("Some", "some")).sha256 != rules.sha256
    assert parse_rules(GOOD.replace("\n", "\r\n")).sha256 == rules.sha256  # line endings do not count


@pytest.mark.parametrize(
    "text, message",
    [
        ("# no front matter\n", "must start with front matter"),
        ("---\nversion: 1\n# never closed\n", "no closing '---'"),
        ("---\ntitle: x\n---\nbody\n", "has no version"),
        ("---\nversion: two words\n---\nbody\n", "must be letters, digits"),
        ("---\nversion: 1\n---\n\n", "has no text"),
        ("---\nversion: 1\n---\nbody\n", "needs a '## In short' section"),
        ("---\nversion: 1\n---\n## In short\n- a\n- b\n", "has 2 bullets; it needs 3 to 5"),
        ("---\nversion: 1\n---\n## In short\n- a\x1b[2J\n- b\n- c\n", "control characters"),
        ("---\nversion 1\n---\nbody\n", "is not 'key: value'"),
    ],
)
def test_bad_rules_files_are_one_line_config_errors(text, message):
    with pytest.raises(ConfigError) as info:
        parse_rules(text)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_rules_path_from_config_and_missing_file(tmp_path):
    (tmp_path / "rules.md").write_text(GOOD, encoding="utf-8")
    cfg = tmp_path / "config.toml"
    cfg.write_text('device_rules = "rules.md"\n', encoding="utf-8")
    settings = load_settings(cfg)
    assert settings.device_rules_path == tmp_path / "rules.md"
    assert rules_for(settings).version == "2027-01"
    with pytest.raises(ConfigError, match="The device rules file is missing"):
        load_rules(tmp_path / "nope.md")
    (tmp_path / "bad.md").write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        load_rules(tmp_path / "bad.md")


def test_visitor_checks_defaults_and_config(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        'visitor_flag_time = "15:45"\n'
        "[visitors.parent_carer]\nid_seen = true\n"
        "[visitors.contractor]\nsupervised = false\ndbs_assured = true\n",
        encoding="utf-8",
    )
    settings = load_settings(cfg)
    assert set(settings.visitor_checks) == set(VISITOR_TYPES)
    assert settings.visitor_checks["parent_carer"] == VisitorChecks(id_seen=True, dbs_assured=False, supervised=True)
    assert settings.visitor_checks["contractor"] == VisitorChecks(id_seen=True, dbs_assured=True, supervised=False)
    assert settings.visitor_checks["professional"].dbs_assured is True  # default kept
    assert settings.visitor_flag_time == dt.time(15, 45)


def test_demo_config_sets_every_visitor_type():
    settings = load_settings(DEMO_CONFIG)
    assert settings.visitor_flag_time == dt.time(16, 30)
    assert settings.device_rules_path.name == "device-rules.md" and settings.device_rules_path.is_file()
    raw = DEMO_CONFIG.read_text(encoding="utf-8")
    for vtype in VISITOR_TYPES:
        assert f"[visitors.{vtype}]" in raw


@pytest.mark.parametrize(
    "toml, message",
    [
        ('visitor_flag_time = "4.30pm"\n', "visitor_flag_time must be a time of day such as \"16:30\", not '4.30pm'."),
        ('visitor_flag_time = "24:00"\n', "visitor_flag_time must be a time of day"),
        ("visitor_flag_time = 1630\n", "visitor_flag_time must be text."),
        ("[visitors.plumber]\nid_seen = true\n", "Unknown visitor type 'plumber' in [visitors]"),
        ('[visitors.contractor]\nid_seen = "yes"\n', "visitors.contractor.id_seen must be true or false."),
        ("[visitors.contractor]\nbadge = true\n", "Unknown check 'badge' in [visitors.contractor]"),
        ("visitors = 3\n", "[visitors] must be a table of visitor types."),
        ("device_rules = 3\n", "device_rules must be text."),
    ],
)
def test_bad_visitor_config_is_one_line(tmp_path, toml, message):
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(cfg)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_parse_flag_time():
    assert parse_flag_time(" 07:05 ") == dt.time(7, 5)


# ---------------------------------------------------------------- upgrade


def _make_v1_database(url: str) -> None:
    """What a version-1 kiosk created: its tables only, stamped version 1."""
    from models.store.tables import ALL_MODELS, VISITOR_MODELS, SchemaVersion

    init_db(url)
    v1 = [m for m in ALL_MODELS if m not in VISITOR_MODELS]
    db.create_tables(v1)
    SchemaVersion.create(version=1, description="created", applied_at=NOW)


def test_a_version_1_database_upgrades_and_keeps_its_data(tmp_path):
    from models.audit import chain as audit
    from models.config import Settings
    from models.custody import ledger as custody
    from models.store.tables import PrintJob, SchemaVersion, Visit
    from models.visitors import visits as visitors
    from tests.school import build

    url = str(tmp_path / "v1.sqlite3")
    _make_v1_database(url)
    from tests.oldschema import written_as

    with written_as(1):
        school = build()  # a school with phones, on the version-1 schema
        custody.hand_in(school.codes["000001"], school.office, now=NOW)
    assert not db.table_exists("visit") and not db.table_exists("print_job")
    close_db()

    open_database(url)  # the new kiosk opens it: migrations 2 (visitors) and 3 (exceptions) run
    assert migrations.current_version() == migrations.LATEST
    assert [r.version for r in SchemaVersion.select().order_by(SchemaVersion.version)] == list(
        range(1, migrations.LATEST + 1)
    )
    assert db.table_exists("visitor") and db.table_exists("visit") and db.table_exists("print_job")
    assert custody.state_of(custody.Device.get().id).state == custody.IN_TRAY  # old data intact
    settings = Settings(printer={"url": "dummy://upgrade", "paper_mm": 80, "profile": "default"})
    r = visitors.sign_in(
        settings=settings,
        rules=load_rules(),
        rules_accepted=True,
        name="Jo Bloggs",
        organisation="",
        visitor_type="parent_carer",
        purpose="Meeting",
        visiting="Mrs Smith",
        phone="tray",
        now=NOW + dt.timedelta(minutes=5),
    )
    assert Visit.select().count() == 1 and PrintJob.select().count() == 1 and r.phone_pending
    assert audit.verify().ok and custody.verify_states() == []
    close_db()
    open_database(url)  # and reopening is a no-op
    assert migrations.current_version() == migrations.LATEST and SchemaVersion.select().count() == migrations.LATEST
    close_db()
