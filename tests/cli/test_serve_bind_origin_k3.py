"""kiosk serve (issue 16): a port it cannot listen on is one plain line and no traceback;
a non-loopback address is warned about; and a WebSocket (or any request) from another
web origin is refused, so a page a teacher visits cannot open kiosk sessions through
their browser."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request

from kiosk.cli import serve as serve_module

WAIT = 30  # seconds: every wait here is bounded


def _run_serve(*args: str, tmp_path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "serve", "--db", str(tmp_path / "k.sqlite3"), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _assert_one_plain_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout and "Unexpected error" not in result.stderr
    assert "Serving" not in result.stdout + result.stderr  # never before it listens
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


def test_a_port_in_use_is_one_plain_line(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = _assert_one_plain_line(_run_serve("--port", str(port), tmp_path=tmp_path))
    assert f"Port {port} on 127.0.0.1 is in use" in line and "--port" in line, line


@pytest.mark.parametrize("host", ["999.1.1.1", "evil host", ""])
def test_a_host_that_is_no_address_is_one_plain_line(tmp_path, host):
    line = _assert_one_plain_line(_run_serve("--host", host, "--port", "1", tmp_path=tmp_path))
    assert (repr(host) in line if host else "No address given" in line) and "--host" in line, line


def test_an_address_not_of_this_machine_is_one_plain_line(tmp_path):
    line = _assert_one_plain_line(_run_serve("--host", "192.0.2.1", tmp_path=tmp_path))  # TEST-NET-1
    assert "192.0.2.1" in line and "--host" in line, line


def test_listening_binds_and_warns_only_off_loopback(capsys):
    sockets = serve_module.listen("127.0.0.1", 0)
    try:
        assert sockets and all(s.getsockname()[0] == "127.0.0.1" for s in sockets)
    finally:
        for s in sockets:
            s.close()
    assert capsys.readouterr().err == ""
    sockets = serve_module.listen("0.0.0.0", 0)
    for s in sockets:
        s.close()
    warning = capsys.readouterr().err
    assert warning.count("\n") == 1 and "0.0.0.0" in warning and "in clear" in warning and "docs/deploy.md" in warning


def _request(peer: str, headers: dict[str, str]):
    class Transport:
        def get_extra_info(self, name, default=None):
            return (peer, 50000) if name == "peername" else default

    return make_mocked_request("GET", "/ws", headers=headers, transport=Transport())


@pytest.mark.parametrize(
    "peer, headers, proxies, allowed",
    [
        ("127.0.0.1", {"Host": "127.0.0.1:8000"}, (), True),  # no Origin: not a browser
        ("127.0.0.1", {"Host": "127.0.0.1:8000", "Origin": "http://127.0.0.1:8000"}, (), True),
        ("127.0.0.1", {"Host": "localhost:8000", "Origin": "http://LOCALHOST:8000"}, (), True),
        ("127.0.0.1", {"Host": "127.0.0.1:8000", "Origin": "http://evil.example"}, (), False),
        ("127.0.0.1", {"Host": "127.0.0.1:8000", "Origin": "http://127.0.0.1:9000"}, (), False),
        ("127.0.0.1", {"Host": "127.0.0.1:8000", "Origin": "null"}, (), False),
        ("127.0.0.1", {"Host": "127.0.0.1:8000", "Origin": "http://127.0.0.1:8000.evil.example"}, (), False),
        # behind the named proxy: what the browser saw is what the proxy forwards
        (
            "127.0.0.1",
            {
                "Host": "kiosk.school.internal",
                "X-Forwarded-Proto": "https",
                "Origin": "https://kiosk.school.internal",
            },
            ("127.0.0.1",),
            True,
        ),  # nginx (deploy/proxy/nginx.conf): Host $host, X-Forwarded-Proto https
        (
            "127.0.0.1",
            {
                "Host": "127.0.0.1:8000",
                "X-Forwarded-Host": "kiosk.school.internal",
                "X-Forwarded-Proto": "https",
                "Origin": "https://kiosk.school.internal:443",
            },
            ("127.0.0.1",),
            True,
        ),  # Caddy sets X-Forwarded-Host; a default port written out is the same origin
        (
            "127.0.0.1",
            {"Host": "kiosk.school.internal", "X-Forwarded-Proto": "https", "Origin": "http://kiosk.school.internal"},
            ("127.0.0.1",),
            False,
        ),  # the same name in clear is another origin
        (
            "127.0.0.1",
            {"Host": "kiosk.school.internal", "X-Forwarded-Proto": "https", "Origin": "https://evil.example"},
            ("127.0.0.1",),
            False,
        ),
        (
            "10.0.0.9",
            {"Host": "127.0.0.1:8000", "X-Forwarded-Host": "evil.example", "Origin": "http://evil.example"},
            ("127.0.0.1",),
            False,
        ),  # forwarded headers only from the named proxy
    ],
)
def test_the_origin_must_be_the_pages_own(peer, headers, proxies, allowed):
    assert (serve_module.origin_refusal(_request(peer, headers), proxies) is None) == allowed


async def test_a_websocket_from_another_origin_starts_no_session(monkeypatch):
    server = serve_module.kiosk_server("127.0.0.1", 8000, {}, demo=False)
    started = asyncio.Event()

    async def start(self, width, height):  # no process: the session would have started here
        started.set()

    async def stop(self):
        return None

    monkeypatch.setattr(server.session_class, "start", start)
    monkeypatch.setattr(server.session_class, "stop", stop)
    async with TestClient(TestServer(await server._make_app())) as client:
        own = f"http://{client.host}:{client.port}"
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await asyncio.wait_for(client.ws_connect("/ws", headers={"Origin": "http://evil.example"}), WAIT)
        assert refused.value.status == 403
        page = await asyncio.wait_for(client.get("/", headers={"Origin": "http://evil.example"}), WAIT)
        assert page.status == 403
        assert not started.is_set()
        # its own page's origin, and a client that sends none, do start one
        for headers in ({"Origin": own}, {}):
            started.clear()
            ws = await asyncio.wait_for(client.ws_connect("/ws", headers=headers), WAIT)
            await asyncio.wait_for(started.wait(), WAIT)
            await ws.close()
