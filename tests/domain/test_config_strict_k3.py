"""The config file is strict: a misspelt or misplaced key is refused in one line naming it
and where it is, never ignored (issue 16: a `site` written after a [[trays]] block, which
TOML puts inside the last tray, silently opened site 1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from models.config import DEMO_CONFIG, load_settings
from models.errors import ConfigError

REPO = Path(__file__).resolve().parent.parent.parent

TRAY = '[[trays]]\nname = "Class 3"\nslots = 30\n'
HINT = "site belongs at the top of the file, before any [[trays]] or [table]"


def _refused(tmp_path, text: str) -> str:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    message = str(caught.value)
    assert "\n" not in message
    if "Unknown" in message or "belongs" in message:
        assert message.startswith(f"{path}: ")  # which file (a unit may set KIOSK_CONFIG)
    return message


@pytest.mark.parametrize(
    "text, named, where",
    [
        (TRAY + 'site = "ash"\n', "'site'", "in [[trays]] number 1 (Class 3)"),
        ('[[trays]]\nname = "A"\nslots = 2\n' + TRAY + 'site = "ash"\n', "'site'", "in [[trays]] number 2 (Class 3)"),
        ('[trust]\nsite = "ash"\n', "[trust]", "at the top of the file"),
        ('[printer]\nurl = "dummy://"\nsite = "ash"\n', "'site'", "in [printer]"),
        ('[camera]\nsource = "0"\nsite = "ash"\n', "'site'", "in [camera]"),
        ('[backup]\nkeep_days = 30\nsite = "ash"\n', "'site'", "in [backup]"),
        ('[retention]\nvisits = 365\nsite = "ash"\n', "'site'", "in [retention]"),
        ('[visitors.contractor]\nid_seen = true\nsite = "ash"\n', "'site'", "in [visitors.contractor]"),
    ],
    ids=["after-trays", "after-second-tray", "trust-table", "printer", "camera", "backup", "retention", "visitors"],
)
def test_a_misplaced_site_is_refused_naming_the_key_where_it_is_and_where_it_belongs(tmp_path, text, named, where):
    message = _refused(tmp_path, text)
    assert named in message and where in message, message
    assert HINT in message, message


@pytest.mark.parametrize(
    "key, suggestion",
    [("Site", "site"), ("site_code", "site"), ("SCHOOL_NAME", "school_name"), ("idle_lock", "idle_lock_seconds")],
)
def test_a_misspelt_top_level_key_is_refused_with_a_suggestion(tmp_path, key, suggestion):
    message = _refused(tmp_path, f'{key} = "ash"\n')
    assert f"'{key}'" in message and "at the top of the file" in message, message
    assert f"did you mean {suggestion}?" in message, message


def test_an_unknown_key_with_no_near_name_lists_nothing_wrong(tmp_path):
    message = _refused(tmp_path, "colour = 3\n")
    assert "'colour'" in message and "at the top of the file" in message and "did you mean" not in message


def test_a_misspelt_tray_key_is_refused(tmp_path):
    message = _refused(tmp_path, '[[trays]]\nname = "Class 3"\nslots = 30\nklass = "3B"\n')
    assert "'klass'" in message and "[[trays]] number 1" in message and "class" in message, message


def test_a_misspelt_camera_key_is_refused(tmp_path):
    message = _refused(tmp_path, "[camera]\ndebounce = 3\n")
    assert "'debounce'" in message and "[camera]" in message and "debounce_seconds" in message, message


def test_site_at_the_top_still_opens_that_site(tmp_path, monkeypatch):
    monkeypatch.delenv("KIOSK_SITE", raising=False)
    path = tmp_path / "config.toml"
    path.write_text('site = "ash"\n' + TRAY)
    settings = load_settings(path)
    assert settings.site == "ash" and [t.name for t in settings.trays] == ["Class 3"]


def _toml_blocks(path: Path) -> list[str]:
    return re.findall(r"```toml\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def test_every_config_the_project_shows_still_loads(tmp_path, monkeypatch):
    monkeypatch.delenv("KIOSK_SITE", raising=False)
    monkeypatch.delenv("KIOSK_PRINTER", raising=False)
    load_settings(DEMO_CONFIG)
    blocks = _toml_blocks(REPO / "README.md") + _toml_blocks(REPO / "docs" / "deploy.md")
    assert blocks
    for i, block in enumerate(blocks):
        path = tmp_path / f"example{i}.toml"
        path.write_text(block)
        try:
            load_settings(path)
        except ConfigError as exc:
            # an example may point at files that are not here (a key file, the device rules):
            # only a refusal of its keys is a failure
            assert "Unknown" not in str(exc) and "belongs" not in str(exc), (block, exc)
