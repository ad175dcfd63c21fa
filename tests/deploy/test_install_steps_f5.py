"""docs/deploy.md, section 1: the install commands, followed as written (in a temporary
root, as this account), leave a config whose files are there: `assets/demo-config.toml`
names `device_rules = "device-rules.md"` beside itself, so installing the config alone
left `kiosk print test` saying the device rules file is missing."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess

import pytest

from tests.paths import REPO

pytestmark = pytest.mark.skipif(shutil.which("install") is None, reason="no install(1) here")


def _install_lines() -> list[list[str]]:
    guide = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    section = guide[guide.index("## 1. Install") : guide.index("## 2.")]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.DOTALL).group(1)
    lines = []
    for raw in block.splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("install "):
            lines.append(shlex.split(line))
    assert lines, "section 1 installs the settings"
    return lines


def test_the_documented_install_leaves_a_config_whose_device_rules_are_there(tmp_path):
    from models.config import load_settings

    root = tmp_path / "root"
    for argv in _install_lines():
        args = []
        skip = False
        for a in argv:
            if skip:
                skip = False
                continue
            if a in ("-g", "-o"):  # the kiosk account and group: not here
                skip = True
                continue
            args.append(f"{root}{a}" if a.startswith("/") else a)  # /etc/…, /var/… under the root
        done = subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode == 0, (argv, done.stderr)
    config = root / "etc" / "reception-kiosk" / "config.toml"
    settings = load_settings(config)
    assert settings.device_rules_path.is_file(), settings.device_rules_path
    assert settings.device_rules_path.read_text(encoding="utf-8") == (REPO / "assets" / "device-rules.md").read_text(
        encoding="utf-8"
    )
