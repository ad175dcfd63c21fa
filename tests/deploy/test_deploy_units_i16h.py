"""The files in deploy/ (docs/deploy.md): the systemd units parse, with the keys they
need; the kiosk command lines in them are real commands and options; `kiosk serve`
listens on loopback only, behind a proxy that serves TLS alone; the printer's udev rules
never open a device to everyone. `systemd-analyze verify` checks the units where it is
installed (Debian has it: systemd).
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path

import click
import pytest

from tests.paths import REPO

DEPLOY = REPO / "deploy"
UNITS = DEPLOY / "systemd"
GETTY_DROPIN = UNITS / "getty@tty1.service.d" / "autologin.conf"
KIOSK = "/opt/reception-kiosk/.venv/bin/kiosk"
SECTIONS = {"Unit", "Service", "Timer", "Install"}


def parse_unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A unit file as systemd reads it: sections of (key, value) in order, keys repeated
    (ExecStart= twice, EnvironmentFile= twice); comments and blank lines skipped. Anything
    else (a line outside a section, a line with no '=', an unknown section) fails."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    text = path.read_text(encoding="utf-8")
    assert not text.startswith("\ufeff") and "\r" not in text, path
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            assert line.endswith("]"), f"{path.name}:{n}: {raw!r}"
            current = line[1:-1]
            assert current in SECTIONS, f"{path.name}:{n}: unknown section {current}"
            assert current not in sections, f"{path.name}:{n}: section {current} twice"
            sections[current] = []
            continue
        assert current is not None, f"{path.name}:{n}: a setting outside any section"
        key, eq, value = line.partition("=")
        assert eq and re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", key.strip()), f"{path.name}:{n}: {raw!r}"
        assert not raw.endswith("\\"), f"{path.name}:{n}: no continued lines here"
        sections[current].append((key.strip(), value.strip()))
    return sections


def values(unit: dict[str, list[tuple[str, str]]], section: str, key: str) -> list[str]:
    return [v for k, v in unit.get(section, []) if k == key]


def one(unit: dict[str, list[tuple[str, str]]], section: str, key: str) -> str:
    found = values(unit, section, key)
    assert len(found) == 1, (section, key, found)
    return found[0]


SERVICES = sorted(UNITS.glob("*.service"))
TIMERS = sorted(UNITS.glob("*.timer"))


def test_the_deploy_folder_has_every_unit_docs_deploy_names():
    names = {p.name for p in SERVICES + TIMERS}
    assert names == {
        "reception-kiosk-serve.service",
        "reception-kiosk-backup.service",
        "reception-kiosk-backup.timer",
        "reception-kiosk-purge.service",
        "reception-kiosk-purge.timer",
    }
    guide = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    for name in [*names, "getty@tty1.service.d/autologin.conf", "60-reception-kiosk-printer.rules"]:
        assert name in guide, name


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_every_service_runs_the_kiosk_as_its_own_account_with_private_files(path):
    unit = parse_unit(path)
    assert one(unit, "Unit", "Description")
    assert one(unit, "Service", "User") == "kiosk" and one(unit, "Service", "Group") == "kiosk"
    assert one(unit, "Service", "UMask") == "0077"  # backups and logs 0600 whatever else
    assert "/etc/reception-kiosk/kiosk.env" in values(unit, "Service", "EnvironmentFile")
    assert one(unit, "Service", "ExecStart").startswith(KIOSK + " ")
    assert one(unit, "Service", "ReadWritePaths") == "/var/lib/reception-kiosk"
    assert one(unit, "Service", "NoNewPrivileges") == "yes"
    kind = one(unit, "Service", "Type")
    if kind == "oneshot":  # started by its timer, never enabled on its own
        assert "Install" not in unit
        assert (UNITS / path.name.replace(".service", ".timer")).exists()
        assert "/etc/reception-kiosk/timers.env" in values(unit, "Service", "EnvironmentFile")
    else:
        assert one(unit, "Install", "WantedBy") == "multi-user.target"
        assert one(unit, "Service", "Restart") == "on-failure"


@pytest.mark.parametrize("path", TIMERS, ids=lambda p: p.name)
def test_every_timer_is_nightly_and_catches_up_after_the_pc_was_off(path):
    unit = parse_unit(path)
    assert re.fullmatch(r"\*-\*-\* 0[0-5]:[0-5]\d:00", one(unit, "Timer", "OnCalendar"))
    assert one(unit, "Timer", "Persistent") == "true"
    assert one(unit, "Install", "WantedBy") == "timers.target"
    assert (UNITS / path.name.replace(".timer", ".service")).exists()


def test_the_purge_runs_before_the_backup_so_the_backup_no_longer_holds_what_it_deleted():
    purge = one(parse_unit(UNITS / "reception-kiosk-purge.timer"), "Timer", "OnCalendar")
    backup = one(parse_unit(UNITS / "reception-kiosk-backup.timer"), "Timer", "OnCalendar")
    assert purge < backup
    assert "reception-kiosk-purge.service" in one(parse_unit(UNITS / "reception-kiosk-backup.service"), "Unit", "After")


def _command(argv: list[str]) -> tuple[click.Command, list[str]]:
    from kiosk.cli import cli

    cmd: click.Command = cli
    args = list(argv)
    while isinstance(cmd, click.Group):
        name = args.pop(0)
        assert name in cmd.commands, f"kiosk has no command {name!r}"
        cmd = cmd.commands[name]
    return cmd, args


def _kiosk_lines() -> list[tuple[str, list[str]]]:
    lines = [(p.name, one(parse_unit(p), "Service", "ExecStart")) for p in SERVICES]
    profile = (DEPLOY / "kiosk-profile.sh").read_text(encoding="utf-8")
    lines += [("kiosk-profile.sh", ln.strip().removeprefix("exec ")) for ln in profile.splitlines() if KIOSK in ln]
    return [(where, shlex.split(line.replace("${KIOSK_TIMER_USER}", "nightly"))[1:]) for where, line in lines]


@pytest.mark.parametrize("where,argv", _kiosk_lines(), ids=lambda x: x if isinstance(x, str) else " ".join(x[:2]))
def test_every_kiosk_command_line_in_deploy_is_a_real_command(where, argv):
    from kiosk.cli import cli

    if argv[0] == "serve" and "serve" not in cli.commands:
        pytest.skip("kiosk serve is written on another branch (issue 16)")
    cmd, args = _command(argv)
    cmd.make_context(cmd.name, args)  # an unknown option or a missing argument raises here


def test_kiosk_serve_listens_on_loopback_only_behind_a_tls_proxy():
    argv = shlex.split(one(parse_unit(UNITS / "reception-kiosk-serve.service"), "Service", "ExecStart"))
    assert argv[1:] == ["serve", "--host", "127.0.0.1", "--port", "8000", "--behind-proxy", "127.0.0.1"]
    caddy = (DEPLOY / "proxy" / "Caddyfile").read_text(encoding="utf-8")
    assert "reverse_proxy 127.0.0.1:8000" in caddy and "http://" not in caddy  # Caddy: HTTPS, HTTP redirected
    nginx = (DEPLOY / "proxy" / "nginx.conf").read_text(encoding="utf-8")
    assert "proxy_pass http://127.0.0.1:8000;" in nginx
    plain = nginx[nginx.index("listen 80;") : nginx.index("}", nginx.index("listen 80;"))]
    assert "return 301 https://" in plain and "proxy_pass" not in plain  # port 80 only sends you to HTTPS
    assert "listen 443 ssl;" in nginx and "Upgrade $http_upgrade" in nginx  # TLS, and the WebSocket through
    # the browser's address, for the wrong-PIN delays: set by the proxy from the peer it saw, never
    # appended to one the browser sent (kiosk serve reads only the last; Caddy sets it by itself)
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx and "$proxy_add_x_forwarded_for" not in nginx


def test_tty1_logs_the_kiosk_account_in_and_runs_the_kiosk_in_kiosk_mode():
    unit = parse_unit(GETTY_DROPIN)
    starts = values(unit, "Service", "ExecStart")
    assert starts[0] == "" and len(starts) == 2  # the packaged ExecStart cleared first
    assert "--autologin kiosk" in starts[1] and starts[1].startswith("-/sbin/agetty ")
    profile = (DEPLOY / "kiosk-profile.sh").read_text(encoding="utf-8")
    assert '"$(tty)" = "/dev/tty1"' in profile and f"exec {KIOSK} run --kiosk" in profile


def test_the_printer_rules_open_the_printer_to_the_lp_group_only():
    from printing import PrinterSpec

    rules = [
        ln
        for ln in (DEPLOY / "udev" / "60-reception-kiosk-printer.rules").read_text(encoding="utf-8").splitlines()
        if ln.strip() and not ln.startswith("#")
    ]
    assert len(rules) >= 2
    for rule in rules:
        assert 'GROUP="lp"' in rule and 'MODE="0660"' in rule, rule
        assert "0666" not in rule and "uaccess" not in rule
    spec = PrinterSpec.from_url("usb://04b8:0e15")  # the example in README and the config
    assert f'ATTR{{idVendor}}=="{spec.vendor_id:04x}"' in rules[0]
    assert re.search(r'ATTR\{idProduct\}=="0e\?\?"', rules[0]) and f"{spec.product_id:04x}".startswith("0e")


def _verify_copy(tmp_path: Path, kiosk: str) -> Path:
    """The units copied with the kiosk's path replaced by a program that exists here
    (systemd-analyze checks that ExecStart can be run), and getty's template beside the
    drop-in so that the drop-in is read with it."""
    out = tmp_path / "units"
    out.mkdir()
    for p in SERVICES + TIMERS:
        (out / p.name).write_text(p.read_text(encoding="utf-8").replace(KIOSK, kiosk), encoding="utf-8")
    template = Path("/lib/systemd/system/getty@.service")
    dropin = GETTY_DROPIN.read_text(encoding="utf-8")
    if not Path("/sbin/agetty").exists():
        dropin = dropin.replace("/sbin/agetty", kiosk)
    (out / "getty@tty1.service.d").mkdir()
    (out / "getty@tty1.service.d" / "autologin.conf").write_text(dropin, encoding="utf-8")
    if template.exists():
        shutil.copy(template, out / "getty@.service")
    else:
        (out / "getty@.service").write_text(f"[Unit]\nDescription=Getty on %I\n\n[Service]\nExecStart={kiosk}\n")
    return out


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_every_unit(tmp_path):
    kiosk = shutil.which("kiosk") or str(Path(shutil.which("python3") or "/bin/true"))
    units = _verify_copy(tmp_path, kiosk)
    names = [p.name for p in SERVICES + TIMERS] + ["getty@tty1.service"]
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *[str(units / n) for n in names]],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    said = [ln for ln in (done.stdout + done.stderr).splitlines() if str(units) in ln or "reception-kiosk" in ln]
    assert done.returncode == 0 and not said, done.stdout + done.stderr
