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
import os
import shlex
import socket
import sys
from pathlib import Path
from typing import Any

import click

from kiosk.cli._access import open_command
from kiosk.cli._common import Env, common

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
@common
def serve(env: Env, host: str, port: int, proxies: tuple[str, ...]) -> None:
    """Serve the app to web browsers (put it behind a TLS reverse proxy; see docs/deploy.md)."""
    from kiosk.cli.run import prepare

    prepare(env)  # as kiosk run does, once here rather than in every session (the demo school made once)
    server = kiosk_server(host, port, session_environment(env), demo=env.demo, proxies=proxies)
    server.serve()


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
    host: str, port: int, environ: dict[str, str], *, demo: bool = False, proxies: tuple[str, ...] = ()
) -> Any:
    """A textual-serve Server whose sessions each run ``kiosk run --served`` in ``environ``,
    with their client's terminal name (:func:`client_address`, ``proxies`` as
    ``--behind-proxy``); its page is :data:`ASSETS`' template."""
    from aiohttp import web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server

    script = patched_script()
    here = socket.gethostname() or "server"

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
            return app

        async def on_startup(self, app: web.Application) -> None:
            click.echo(f"Serving the reception kiosk on http://{host}:{port} (Ctrl+C to stop).")

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

    server = KioskServer(session_command(demo), host=host, port=port, title="Reception kiosk", templates_path=ASSETS)
    server.session_class = Session  # (for the tests)
    return server
