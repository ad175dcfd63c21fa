"""``kiosk serve``: the terminal app in a web browser, through textual-serve.

Each browser session (one websocket) runs ``kiosk run --served`` in a process of its own,
so it starts at the sign-in screen with the roles, PIN throttling and idle lock of the
terminal. The process is told, in its environment, the database, data directory and
config this command was given (never what a session could choose) and a terminal name
(``KIOSK_TERMINAL``) for the wrong-PIN delays, which are kept in the database per terminal
name. A reload of the page is a new session, so that name is the *client's*, not the
session's: the address the server can trust (:func:`client_address`), so a reload keeps the
delay it had. Wrong PINs from one client slow down that client only, as at a terminal,
while the daily cap per account counts them all. Quitting ends the session (the page says
so and offers to start again at sign-in): there is no shell behind it.

The page loads nothing from outside the school: its template is ours
(``assets/serve/app_index.html``, which uses the font textual-serve ships, not a web
font) and the script is textual-serve's own, served from here.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import os
import re
import shlex
import socket
import sys
from pathlib import Path
from typing import Any

import click

from kiosk.cli._access import open_command
from kiosk.cli._common import Env, common

log = logging.getLogger("kiosk.serve")
ASSETS = Path(__file__).resolve().parent.parent.parent / "assets" / "serve"
TERMINAL_VAR = "KIOSK_TERMINAL"  # read by models.staff.auth.this_terminal

# One change to textual-serve's script (checked when the server starts): each terminal
# on the page is also kept in window.kioskTerminals, for the browser test and benchmark
# (benchmarks/bench_browser.py) to read the screen as drawn and time its paints.
_JS_ANCHOR = "t.forEach((e=>{const t=new w(e,{ping:r});t.fit()"
_JS_PATCHED = (
    "t.forEach((e=>{const t=new w(e,{ping:r});(window.kioskTerminals=window.kioskTerminals||[]).push(t),t.fit()"
)


@open_command("the app in a browser: staff sign in on its screens, as at the terminal")
@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (loopback by default).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option(
    "--behind-proxy",
    "proxies",
    multiple=True,
    metavar="ADDRESS",
    callback=lambda ctx, param, value: _addresses(value),
    help="The TLS reverse proxy's address (e.g. 127.0.0.1): each browser's own address, for the wrong-PIN "
    "delays, is then the last one that proxy adds to X-Forwarded-For. Repeatable.",
)
@click.option(
    "--allow-host",
    "extra_hosts",
    multiple=True,
    metavar="NAME",
    envvar="KIOSK_ALLOWED_HOSTS",
    callback=lambda ctx, param, value: _host_names(value),
    help="A name browsers use for this server (the reverse proxy's, e.g. reception-kiosk.school.internal): "
    "requests naming any host but these, the --host address and (on loopback) localhost are refused. "
    "Repeatable; or KIOSK_ALLOWED_HOSTS, names separated by spaces.",
)
@common
def serve(env: Env, host: str, port: int, proxies: tuple[str, ...], extra_hosts: tuple[str, ...]) -> None:
    """Serve the app to web browsers (put it behind a TLS reverse proxy; see docs/deploy.md)."""
    from kiosk.cli.run import prepare

    sockets = listen(host, port)  # first: a port in use is one line before anything else is done
    try:
        # as kiosk run does, once here rather than in every session (the demo school made once);
        # never a new empty database (README: only run, demo and the first staff add make one)
        prepare(env, create=env.demo)
        server = kiosk_server(
            host, port, session_environment(env), demo=env.demo, proxies=proxies, extra_hosts=extra_hosts
        )
    except BaseException:
        for sock in sockets:
            sock.close()
        raise
    server.serve_on(sockets)


def listen(host: str, port: int) -> list[socket.socket]:
    """Sockets listening on ``host`` (each address it names) and ``port``, or one plain line
    (a :class:`click.ClickException`) saying why not: never a traceback, and nothing said
    to be served before it is. A warning line (stderr) if an address is not loopback:
    browsers must reach the server only through the TLS proxy (docs/deploy.md)."""
    shown = host if _address(host) else repr(host)
    if not host.strip():  # (getaddrinfo would take it as every address)
        raise click.ClickException(
            "No address given: give one with --host (127.0.0.1, the default, is this machine only)."
        )
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError, ValueError):
        raise click.ClickException(
            f"{shown} is not an address or a name this machine can look up: give one with --host "
            "(127.0.0.1, the default, is this machine only)."
        ) from None
    sockets: list[socket.socket] = []
    addresses = []
    try:
        for family, kind, proto, _, sockaddr in dict.fromkeys(found):
            sock = socket.socket(family, kind, proto)
            sockets.append(sock)
            if os.name == "posix":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio does
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)  # its IPv4 address has its own socket
            sock.bind(sockaddr)
            sock.listen(100)
            sock.setblocking(False)
            addresses.append(str(sockaddr[0]))
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise click.ClickException(_bind_failure(shown, port, exc)) from None
    exposed = [a for a in addresses if not ipaddress.ip_address(a.split("%")[0]).is_loopback]
    if exposed:
        resolved = "" if exposed == [host] else f" ({', '.join(dict.fromkeys(exposed))})"
        click.echo(
            f"Warning: listening on {shown}{resolved}, not loopback only: PINs cross the "
            "network in clear unless browsers reach it only through the TLS proxy of docs/deploy.md.",
            err=True,
        )
    return sockets


def _bind_failure(host: str, port: int, exc: OSError) -> str:
    import errno

    if exc.errno == errno.EADDRINUSE:
        return f"Port {port} on {host} is in use: choose another with --port."
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine: give one of its own with --host (127.0.0.1 by default)."
    if exc.errno == errno.EACCES:
        return (
            f"Not allowed to listen on port {port} on {host}: ports below 1024 need root; choose a port above 1023 "
            "with --port (the TLS proxy of docs/deploy.md serves 443)."
        )
    return f"Cannot listen on port {port} on {host}: {exc.strerror or exc}."


def _addresses(values: tuple[str, ...]) -> tuple[str, ...]:
    """--behind-proxy's values: IP addresses (a name could be made to resolve elsewhere)."""
    out = []
    for value in values:
        try:
            out.append(str(ipaddress.ip_address(value.strip())))
        except ValueError:
            raise click.BadParameter(
                f"{value[:60]!r} is not an IP address: give the proxy's address, e.g. 127.0.0.1.",
                param_hint="'--behind-proxy'",
            ) from None
    return tuple(out)


_HOST_NAME = re.compile(r"[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,62}[a-z0-9])?)*")
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def _host_names(values: tuple[str, ...]) -> tuple[str, ...]:
    """--allow-host's values: host names or IP addresses, without a port or a path."""
    out = []
    for value in values:
        name = _plain_host(value)
        if not name or not (_address(name) or _HOST_NAME.fullmatch(name)):
            raise click.BadParameter(
                f"{value[:60]!r} is not a host name: give the name browsers use, e.g. reception-kiosk.school.internal.",
                param_hint="'--allow-host'",
            )
        out.append(name)
    return tuple(out)


def _plain_host(name: str) -> str:
    """A host as compared: lower case, no trailing dot, no brackets round an IPv6 address."""
    name = name.strip().lower().rstrip(".")
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    return str(ipaddress.ip_address(name)) if _address(name) else name


def allowed_hosts(bound: str, extra: tuple[str, ...] = ()) -> frozenset[str]:
    """The names a request's ``Host`` may give: the address ``kiosk serve`` is bound to
    (not a wildcard such as 0.0.0.0), localhost, 127.0.0.1 and ::1 when that is loopback,
    and ``extra`` (--allow-host: the reverse proxy's public name)."""
    hosts = {_plain_host(h) for h in extra}
    own = _plain_host(bound)
    ip = _address(own)
    if own and not (ip and ipaddress.ip_address(ip).is_unspecified):
        hosts.add(own)
        if own == "localhost" or (ip and ipaddress.ip_address(ip).is_loopback):
            hosts |= LOOPBACK_NAMES
    return frozenset(hosts)


def host_refusal(request: Any, allowed: frozenset[str]) -> str | None:
    """Why a request must be refused for its ``Host`` header (one line for the log), or None.

    DNS rebinding: a web page at a name its owner controls (evil.example) can point that
    name at 127.0.0.1, or at this server's address, and then its own scripts talk to the
    kiosk as the page's "own" site: the ``Origin`` and the ``Host`` agree, so the origin
    check passes. The browser still sends the name it looked up as ``Host``: only the
    names this server is reached by (:func:`allowed_hosts`) are answered."""
    from urllib.parse import urlsplit

    hosts = request.headers.getall("Host", [])
    given = hosts[0].strip() if len(hosts) == 1 else ""
    try:
        name = _plain_host(urlsplit("//" + given).hostname or "") if given else ""
    except ValueError:
        name = ""
    if name and name in allowed:
        return None
    shown = repr(given[:80]) if given else "no host"
    names = ", ".join(sorted(allowed)) or "none"
    return (
        f"refused a request for {shown}: this kiosk answers only for {names} "
        "(a name browsers use for it, e.g. the reverse proxy's, is added with --allow-host)."
    )


MAX_FORWARDED = 1000  # characters of X-Forwarded-For read at most


def client_address(request: Any, proxies: tuple[str, ...]) -> str:
    """The browser's address, as far as the server can trust it: the throttling key.

    The TCP peer, unless it is one of ``proxies`` (``--behind-proxy``): then the last
    address in ``X-Forwarded-For``, the one that proxy appended (or set) from the peer it
    saw; what comes before it is the client's own say. A header from anyone else is never
    believed (anyone can send one, a new address each reload), and a missing or odd one
    gives the peer: behind an unnamed proxy every browser is the proxy's address, one
    shared delay, never a fresh one.
    """
    peer = _address(request.remote or "") or "unknown"
    if peer not in proxies:
        return peer
    forwarded = request.headers.get("X-Forwarded-For", "")
    if not forwarded or len(forwarded) > MAX_FORWARDED:
        return peer
    return _address(forwarded.rsplit(",", 1)[-1]) or peer


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text.strip()))
    except ValueError:
        return None


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_refusal(request: Any, proxies: tuple[str, ...]) -> str | None:
    """Why a request must be refused for its ``Origin`` (one line), or None.

    A browser names, in ``Origin``, the page that makes a request: every WebSocket, and
    any fetch from another page. A session opened by any other site's page, through a
    teacher's browser, would be a kiosk session on that page's terms; so a request whose
    ``Origin`` is present must come from this server's own page: the same host and port
    (and, when the proxy says it, scheme) as the browser asked for. That is the ``Host``
    header, or behind the proxy named with ``--behind-proxy`` (and only from it) the
    ``X-Forwarded-Host`` and ``X-Forwarded-Proto`` it sets. No ``Origin`` at all is not
    a browser's page (browsers always send one with a WebSocket): a client on a machine
    that can reach the port, which could type a PIN at the sign-in as anyone can.
    """
    from urllib.parse import urlsplit

    origins = request.headers.getall("Origin", [])
    if not origins:
        return None
    origin = origins[0].strip()
    peer = _address(request.remote or "")
    through_proxy = peer is not None and peer in proxies
    host = (through_proxy and _last(request.headers.get("X-Forwarded-Host", ""))) or request.headers.get("Host", "")
    proto = (through_proxy and _last(request.headers.get("X-Forwarded-Proto", "")).lower()) or None
    try:
        seen = urlsplit(origin)
        asked = urlsplit("//" + host)
        if len(origins) > 1 or seen.scheme not in _DEFAULT_PORTS or not seen.hostname or not asked.hostname:
            raise ValueError
        seen_port = seen.port or _DEFAULT_PORTS[seen.scheme]
        asked_port = asked.port or _DEFAULT_PORTS.get(proto or seen.scheme, 0)
    except ValueError:
        return f"refused a request from the web page {origin[:80]!r}: not this kiosk's own page."
    if (seen.hostname, seen_port) != (asked.hostname, asked_port) or (proto and seen.scheme != proto):
        page = f"{proto or seen.scheme}://{host[:80]}"
        return f"refused a request from the web page {origin[:80]!r}: this kiosk's own page is {page}."
    return None


def _last(value: str) -> str:
    return value[:MAX_FORWARDED].rsplit(",", 1)[-1].strip()


def session_environment(env: Env) -> dict[str, str]:
    """What each session's ``kiosk run`` is told: exactly what this command opened."""
    from models.config import data_dir

    environ = {"KIOSK_DATABASE_URL": env.db_url(), "KIOSK_DATA_DIR": str(data_dir().resolve())}
    config = env.config_arg or os.environ.get("KIOSK_CONFIG")
    if config:
        environ["KIOSK_CONFIG"] = str(Path(config).expanduser().resolve())
    return environ


def session_command(demo: bool) -> str:
    """The shell command textual-serve runs for each session."""
    argv = [sys.executable, "-m", "kiosk.cli", "run", "--served"] + (["--demo"] if demo else [])
    return shlex.join(argv)


def patched_script() -> bytes:
    """textual-serve's script, with :data:`_JS_PATCHED` (a clear error if it changed)."""
    import textual_serve

    text = (Path(textual_serve.__file__).parent / "static" / "js" / "textual.js").read_text(encoding="utf-8")
    if text.count(_JS_ANCHOR) != 1:
        raise click.ClickException(
            "This version of textual-serve is not the one kiosk serve was made for (its script changed): "
            "install the version pyproject.toml names."
        )
    return text.replace(_JS_ANCHOR, _JS_PATCHED).encode("utf-8")


def kiosk_server(
    host: str,
    port: int,
    environ: dict[str, str],
    *,
    demo: bool = False,
    proxies: tuple[str, ...] = (),
    extra_hosts: tuple[str, ...] = (),
) -> Any:
    """A textual-serve Server whose sessions each run ``kiosk run --served`` in ``environ``,
    with their client's terminal name (:func:`client_address`, ``proxies`` as
    ``--behind-proxy``); its page is :data:`ASSETS`' template."""
    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server

    script = patched_script()
    here = socket.gethostname() or "server"
    hosts = allowed_hosts(host, extra_hosts)

    class Session(AppService):
        def __init__(self, *args: Any, remote: str, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            # The client's, not the session's: a reload (a new session) keeps its wrong-PIN delay.
            self.terminal = f"browser from {remote} via {here}"[:100]

        def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
            environment = super()._build_environment(width=width, height=height)
            environment.update(environ)
            environment[TERMINAL_VAR] = self.terminal
            return environment

    class KioskServer(Server):
        async def _make_app(self) -> web.Application:
            app = await super()._make_app()

            async def kiosk_script(request: web.Request) -> web.Response:
                return web.Response(body=script, content_type="application/javascript")

            # (routes are matched in order: this one is added after /static, so it has its own path)
            app.router.add_get("/kiosk/textual.js", kiosk_script)

            @web.middleware
            async def own_page_only(request: web.Request, handler: Any) -> web.StreamResponse:
                refusal = host_refusal(request, hosts)
                if refusal is not None:  # a name not this server's (DNS rebinding): before anything else
                    log.warning("%s", refusal[0].upper() + refusal[1:])
                    raise web.HTTPForbidden(text="This kiosk answers only to its own name.\n")
                refusal = origin_refusal(request, proxies)
                if refusal is not None:  # before the handler: no session is started
                    log.warning("%s", refusal[0].upper() + refusal[1:])
                    raise web.HTTPForbidden(text="This kiosk answers only its own page.\n")
                return await handler(request)

            app.middlewares.append(own_page_only)
            return app

        async def on_startup(self, app: web.Application) -> None:
            click.echo(f"Serving the reception kiosk on {self.public_url} (Ctrl+C to stop).")

        def serve_on(self, sockets: list[socket.socket]) -> None:
            """textual-serve's serve, on sockets already listening (:func:`listen`)."""
            import signal

            self.initialize_logging()
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.add_signal_handler(signal.SIGINT, self.request_exit)
                loop.add_signal_handler(signal.SIGTERM, self.request_exit)
            except NotImplementedError:
                pass
            web.run_app(self._make_app(), sock=sockets, handle_signals=False, loop=loop, print=lambda *args: None)

        def initialize_logging(self) -> None:  # textual-serve's own logging, plain
            import logging

            logging.basicConfig(level="INFO", format="%(message)s")

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            # textual-serve's handle_websocket, with a Session instead of its AppService.
            from textual_serve.server import to_int

            websocket = web.WebSocketResponse(heartbeat=15)
            width = to_int(request.query.get("width", "80"), 80)
            height = to_int(request.query.get("height", "24"), 24)
            service: Session | None = None
            try:
                await websocket.prepare(request)
                service = Session(
                    self.command,
                    remote=client_address(request, proxies),
                    write_bytes=websocket.send_bytes,
                    write_str=websocket.send_str,
                    close=websocket.close,
                    download_manager=self.download_manager,
                    debug=self.debug,
                )
                await service.start(width, height)
                try:
                    await self._process_messages(websocket, service)
                finally:
                    await service.stop()
            except asyncio.CancelledError:
                await websocket.close()
            finally:
                if service is not None:
                    await service.stop()
            return websocket

    url = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    server = KioskServer(
        session_command(demo), host=host, port=port, title="Reception kiosk", public_url=url, templates_path=ASSETS
    )
    server.session_class = Session  # (for the tests)
    return server
