"""kiosk serve: a browser reload must not give a PIN guesser a fresh set of tries (issue 16).

Each browser session runs the app in a process of its own, told its terminal name
(KIOSK_TERMINAL), and the wrong-PIN delays are kept in the database per terminal name. So
the name must be one a reload cannot change: the client's address as the server can trust
it (the TCP peer; behind a reverse proxy named with --behind-proxy, the address that proxy
puts last in X-Forwarded-For), never the session's own id. Tested at the server's session
factory, without a browser.
"""

from __future__ import annotations

import datetime as dt

import pytest
from aiohttp.test_utils import make_mocked_request

from kiosk.cli import cli
from kiosk.cli import serve as serve_module
from models.errors import AuthError
from models.staff import auth
from tests.cli.test_serve_i16g import _session

NOW = dt.datetime(2026, 11, 12, 8, 30)


def _request(peer: str, forwarded: str | None = None):
    headers = {"X-Forwarded-For": forwarded} if forwarded is not None else {}

    class Transport:
        def get_extra_info(self, name, default=None):
            return (peer, 50000) if name == "peername" else default

    return make_mocked_request("GET", "/ws", headers=headers, transport=Transport())


def _terminal(server, remote: str) -> str:
    return _session(server, remote)._build_environment()["KIOSK_TERMINAL"]


def test_a_reload_is_the_same_terminal_and_another_client_is_not():
    server = serve_module.kiosk_server("127.0.0.1", 8000, {}, demo=False)
    first, reload = _terminal(server, "10.0.0.7"), _terminal(server, "10.0.0.7")
    assert first == reload  # a new session from the same client: the same delays
    assert _terminal(server, "10.0.0.8") != first


def test_wrong_pins_before_a_reload_still_delay_the_next_session(sqlite_db):
    auth.create_staff("office", "Office", [auth.OFFICE], "482916", now=NOW)
    server = serve_module.kiosk_server("127.0.0.1", 8000, {}, demo=False)
    before = _terminal(server, "10.0.0.7")
    for i in range(auth.FREE_FAILURES):
        with pytest.raises(AuthError):
            auth.authenticate(
                "office", "000000", surface=auth.RECEPTION, terminal=before, now=NOW + dt.timedelta(seconds=i)
            )
    after = _terminal(server, "10.0.0.7")  # the page reloaded: a new session, a new process
    with pytest.raises(AuthError, match="Too many wrong PINs here"):
        auth.authenticate("office", "482916", surface=auth.RECEPTION, terminal=after, now=NOW + dt.timedelta(seconds=3))
    # a teacher at another classroom's PC is not slowed down by it
    other = _terminal(server, "10.0.0.8")
    assert auth.authenticate(
        "office", "482916", surface=auth.RECEPTION, terminal=other, now=NOW + dt.timedelta(seconds=3)
    )


def test_without_behind_proxy_the_forwarded_header_is_not_believed():
    # Anyone can send X-Forwarded-For: believed, a guesser would name a new address per reload.
    assert serve_module.client_address(_request("127.0.0.1", "10.0.0.7"), ()) == "127.0.0.1"
    assert serve_module.client_address(_request("10.0.0.9", "10.0.0.7"), ()) == "10.0.0.9"


def test_behind_the_named_proxy_the_address_it_saw_is_the_client():
    proxies = ("127.0.0.1",)
    assert serve_module.client_address(_request("127.0.0.1", "10.0.0.7"), proxies) == "10.0.0.7"
    # the proxy appends what it saw: anything before that is the client's own say
    assert serve_module.client_address(_request("127.0.0.1", "6.6.6.6, 10.0.0.7"), proxies) == "10.0.0.7"
    assert serve_module.client_address(_request("127.0.0.1", "fd00::7"), proxies) == "fd00::7"


ODD = {"none": None, "empty": "", "words": "not an address", "port": "10.0.0.7:5555", "trailing": "10.0.0.7, "}


@pytest.mark.parametrize("forwarded", [*ODD.values(), "x" * 5000], ids=[*ODD, "long"])
def test_a_missing_or_odd_forwarded_header_falls_back_to_the_peer(forwarded):
    # one shared delay for all such sessions: safe, never a fresh one
    assert serve_module.client_address(_request("127.0.0.1", forwarded), ("127.0.0.1",)) == "127.0.0.1"


def test_a_direct_connection_is_not_read_as_through_the_proxy():
    assert serve_module.client_address(_request("10.0.0.9", "10.0.0.7"), ("127.0.0.1",)) == "10.0.0.9"


def test_behind_proxy_takes_only_addresses():
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["serve", "--behind-proxy", "caddy.local"])
    assert result.exit_code != 0 and "--behind-proxy" in result.output and "address" in result.output
