"""`/etc/reception-kiosk/kiosk.env` is read two ways: by systemd (`EnvironmentFile=` in
every reception-kiosk-* unit) and by sh (`kiosk-profile.sh` on tty1, and docs/deploy.md's
`sh -c 'set -a; . kiosk.env; …'`). Both must get the same values. An unquoted
`postgresql://…?sslmode=verify-full&sslrootcert=…` does not: sh takes the `&` as "run in
the background", so KIOSK_DATABASE_URL is never set and the kiosk opens an empty SQLite.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import textwrap
from pathlib import Path

import pytest

from tests.paths import REPO

ENV_FILES = [REPO / "deploy" / "etc" / "kiosk.env", REPO / "deploy" / "etc" / "timers.env"]
GUIDE = REPO / "docs" / "deploy.md"
SH = shutil.which("sh")

pytestmark = pytest.mark.skipif(SH is None, reason="no sh here")

WHITESPACE = " \t\n\r"
NEWLINE = "\n\r"
SHELL_NEED_ESCAPE = '"\\`$'


def systemd_env(text: str) -> dict[str, str]:
    """The assignments systemd's EnvironmentFile= makes of TEXT: a port of
    parse_env_file_internal() (src/basic/env-file.c): comments only at the start of a line,
    single quotes literal, double quotes with \\ before "\\`$, a backslash outside quotes
    taking the next character as it is, trailing blanks of an unquoted value dropped, and
    nothing else special (no `&`, no `;`, no inline comment)."""
    out: dict[str, str] = {}
    state = "PRE_KEY"
    key: list[str] = []
    value: list[str] = []
    last_ws: int | None = None

    def push() -> None:
        out["".join(key).rstrip(" \t")] = "".join(value)

    for c in text:
        if state == "PRE_KEY":
            if c in "#;":
                state = "COMMENT"
            elif c not in WHITESPACE:
                state, key, value = "KEY", [c], []
        elif state == "KEY":
            if c in NEWLINE:
                state, key = "PRE_KEY", []
            elif c == "=":
                state, last_ws = "PRE_VALUE", None
            else:
                key.append(c)
        elif state == "PRE_VALUE":
            if c in NEWLINE:
                push()
                state, key, value = "PRE_KEY", [], []
            elif c == "'":
                state = "SINGLE"
            elif c == '"':
                state = "DOUBLE"
            elif c == "\\":
                state = "VALUE_ESCAPE"
            elif c not in WHITESPACE:
                state = "VALUE"
                value.append(c)
        elif state == "VALUE":
            if c in NEWLINE:
                if last_ws is not None:
                    del value[last_ws:]
                push()
                state, key, value, last_ws = "PRE_KEY", [], [], None
            elif c == "\\":
                state, last_ws = "VALUE_ESCAPE", None
            else:
                if c not in WHITESPACE:
                    last_ws = None
                elif last_ws is None:
                    last_ws = len(value)
                value.append(c)
        elif state == "VALUE_ESCAPE":
            state = "VALUE"
            if c not in NEWLINE:
                value.append(c)
        elif state == "SINGLE":
            if c == "'":
                state = "PRE_VALUE"
            else:
                value.append(c)
        elif state == "DOUBLE":
            if c == '"':
                state = "PRE_VALUE"
            elif c == "\\":
                state = "DOUBLE_ESCAPE"
            else:
                value.append(c)
        elif state == "DOUBLE_ESCAPE":
            state = "DOUBLE"
            if c in SHELL_NEED_ESCAPE:
                value.append(c)
            elif c != "\n":
                value += ["\\", c]
        elif state == "COMMENT":
            if c == "\\":
                state = "COMMENT_ESCAPE"
            elif c in NEWLINE:
                state = "PRE_KEY"
        elif state == "COMMENT_ESCAPE":
            state = "PRE_KEY" if c in NEWLINE else "COMMENT"
    if state in {"PRE_VALUE", "VALUE", "VALUE_ESCAPE", "SINGLE", "DOUBLE", "DOUBLE_ESCAPE"}:
        if state == "VALUE" and last_ws is not None:
            del value[last_ws:]
        push()
    return out


def test_the_port_reads_what_systemd_documents():
    got = systemd_env("A=1 2  \n# c\nB='x&y # z'\nC=\"q\\$r\\n\"\n  D = v # not a comment\n;E=no\n")
    assert got == {"A": "1 2", "B": "x&y # z", "C": "q$r\\n", "D": "v # not a comment"}


def sh_env(path: Path, tmp_path: Path) -> dict[str, str]:
    """What `sh -c 'set -a; . FILE; …'` (docs/deploy.md, kiosk-profile.sh) exports from FILE,
    in a bare environment; anything the file leaves running in the background is waited for."""
    out = tmp_path / "env.bin"
    script = f'set -a; . "$1"; wait; {shutil.which("python3") or "python3"} -c "{_DUMP}" "$2"'
    done = subprocess.run(
        [SH, "-c", script, "sh", str(path), str(out)],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return dict(item.split("=", 1) for item in out.read_text(encoding="utf-8").split("\0") if item)


_DUMP = "import os,sys; open(sys.argv[1],'w').write(''.join(k+'='+v+chr(0) for k,v in os.environ.items()))"


def _with_examples_on(text: str) -> str:
    """The file with its commented-out settings (`#KEY=…`, the PostgreSQL ones) switched on."""
    return re.sub(r"^#([A-Z][A-Z0-9_]*=)", r"\1", text, flags=re.MULTILINE)


def _same_either_way(text: str, tmp_path: Path) -> dict[str, str]:
    env = tmp_path / "kiosk.env"
    env.write_text(text, encoding="utf-8")
    by_systemd = systemd_env(text)
    by_sh = sh_env(env, tmp_path)
    assert by_systemd, text
    for key, value in by_systemd.items():
        assert by_sh.get(key) == value, (key, by_sh.get(key), value)
    return by_systemd


@pytest.mark.parametrize("path", ENV_FILES, ids=lambda p: p.name)
def test_the_shipped_env_files_read_the_same_by_systemd_and_by_sh(path, tmp_path):
    text = path.read_text(encoding="utf-8")
    _same_either_way(text, tmp_path)
    got = _same_either_way(_with_examples_on(text), tmp_path)
    if path.name == "kiosk.env":
        url = got["KIOSK_DATABASE_URL"]
        assert url.startswith("postgresql://") and "sslmode=verify-full&sslrootcert=/etc/reception-kiosk/" in url
        assert got["PGPASSFILE"] == "/etc/reception-kiosk/pgpass"


def _guide_env_blocks() -> list[str]:
    guide = GUIDE.read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", guide, flags=re.DOTALL)
    found = [b for b in map(textwrap.dedent, blocks) if b.startswith("# /etc/reception-kiosk/kiosk.env")]
    assert len(found) >= 2, "docs/deploy.md shows kiosk.env for a school and for a school of a trust"
    return found


@pytest.mark.parametrize("n", range(2))
def test_the_kiosk_env_lines_in_the_guide_read_the_same_by_systemd_and_by_sh(n, tmp_path):
    got = _same_either_way(_guide_env_blocks()[n], tmp_path)
    assert "sslmode=verify-full&sslrootcert=/etc/reception-kiosk/trust-ca.crt" in got["KIOSK_DATABASE_URL"]
    if "PGPASSFILE" in got:
        assert got["PGPASSFILE"] == "/etc/reception-kiosk/pgpass"  # no comment read into it by systemd


def test_kiosk_profile_on_tty1_starts_the_kiosk_with_the_database_url(tmp_path):
    """deploy/kiosk-profile.sh itself, run by sh as the login shell would, with `tty` saying
    tty1 and the kiosk replaced by a program that writes down its environment."""
    text = _with_examples_on((REPO / "deploy" / "etc" / "kiosk.env").read_text(encoding="utf-8"))
    env = tmp_path / "kiosk.env"
    env.write_text(text, encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    seen = tmp_path / "seen.bin"
    fake_tty = bin_dir / "tty"
    fake_tty.write_text("#!/bin/sh\necho /dev/tty1\n", encoding="utf-8")
    fake_kiosk = bin_dir / "kiosk"
    fake_kiosk.write_text(f'#!/bin/sh\nexec python3 -c "{_DUMP}" "{seen}"\n', encoding="utf-8")
    for p in (fake_tty, fake_kiosk):
        p.chmod(p.stat().st_mode | stat.S_IXUSR)
    profile = (REPO / "deploy" / "kiosk-profile.sh").read_text(encoding="utf-8")
    assert "/etc/reception-kiosk/kiosk.env" in profile and "/opt/reception-kiosk/.venv/bin/kiosk" in profile
    profile = profile.replace("/etc/reception-kiosk/kiosk.env", str(env))
    profile = profile.replace("/opt/reception-kiosk/.venv/bin/kiosk", str(fake_kiosk))
    script = tmp_path / "profile.sh"
    script.write_text(profile, encoding="utf-8")
    done = subprocess.run(
        [SH, str(script)],
        env={"PATH": f"{bin_dir}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    got = dict(item.split("=", 1) for item in seen.read_text(encoding="utf-8").split("\0") if item)
    assert got.get("KIOSK_DATABASE_URL") == systemd_env(text)["KIOSK_DATABASE_URL"]
