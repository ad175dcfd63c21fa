"""DNS rebinding: `kiosk serve` answers only requests whose Host header names it (f4s6,
finding 8): the address it is bound to, localhost and 127.0.0.1 (and ::1) when that is
loopback, and the names given with --allow-host / KIOSK_ALLOWED_HOSTS (the reverse proxy's
public name). Any other is 403 with a plain line, before any session starts."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request

from kiosk.cli import serve as serve_module

WAIT = 10


def _request(host: str | None):
    headers = {} if host is None else {"Host": host}
    return make_mocked_request("GET", "/", headers=headers)


@pytest.mark.parametrize(
    "bound, extra, host, allowed",
    [
        ("127.0.0.1", (), "127.0.0.1:8000", True),
        ("127.0.0.1", (), "localhost:8000", True),
        ("127.0.0.1", (), "LOCALHOST.:8000", True),
        ("127.0.0.1", (), "[::1]:8000", True),
        ("127.0.0.1", (), "evil.example:8000", False),  # a name rebound to 127.0.0.1
        ("127.0.0.1", (), "127.0.0.1.evil.example:8000", False),
        ("127.0.0.1", (), None, False),  # no Host at all
        ("127.0.0.1", (), "", False),
        ("127.0.0.1", ("kiosk.school.internal",), "kiosk.school.internal", True),  # behind the proxy
        ("127.0.0.1", ("kiosk.school.internal",), "Kiosk.School.Internal:443", True),
        ("127.0.0.1", ("kiosk.school.internal",), "evil.example", False),
        ("10.0.0.5", (), "10.0.0.5:8000", True),
        ("10.0.0.5", (), "localhost:8000", False),  # not loopback: no localhost
        ("0.0.0.0", (), "0.0.0.0:8000", False),  # every address: only the names given
        ("0.0.0.0", ("kiosk.school.internal",), "kiosk.school.internal", True),
    ],
)
def test_the_host_must_be_one_of_the_server_s_own(bound, extra, host, allowed):
    hosts = serve_module.allowed_hosts(bound, extra)
    refusal = serve_module.host_refusal(_request(host), hosts)
    assert (refusal is None) == allowed, refusal
    if refusal is not None:
        assert "\n" not in refusal and "--allow-host" in refusal, refusal


def test_allow_host_takes_names_only(run):
    status, out, err = run("serve", "--allow-host", "evil.example/x", "--port", "1")
    assert status != 0 and err.count("\n") == 1 and "is not a host name" in err, err


async def test_a_rebound_name_gets_403_and_no_session(monkeypatch):
    server = serve_module.kiosk_server("127.0.0.1", 8000, {}, demo=False)
    started = asyncio.Event()

    async def start(self, width, height):
        started.set()

    async def stop(self):
        return None

    monkeypatch.setattr(server.session_class, "start", start)
    monkeypatch.setattr(server.session_class, "stop", stop)
    async with TestClient(TestServer(await server._make_app())) as client:
        page = await asyncio.wait_for(client.get("/", headers={"Host": f"evil.example:{client.port}"}), WAIT)
        assert page.status == 403
        text = await page.text()
        assert text.count("\n") == 1 and "evil.example" not in text, text  # plain, and not echoing the name
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await asyncio.wait_for(
                client.ws_connect(
                    "/ws",
                    headers={"Host": f"evil.example:{client.port}", "Origin": f"http://evil.example:{client.port}"},
                ),
                WAIT,
            )
        assert refused.value.status == 403
        assert not started.is_set()
        ws = await asyncio.wait_for(client.ws_connect("/ws"), WAIT)  # its own name: a session
        await asyncio.wait_for(started.wait(), WAIT)
        await ws.close()
