"""``kiosk scan``: headless scanning, one code per line on stdin."""

from __future__ import annotations

import io
import sys

import click

from kiosk.actions import admin
from kiosk.actions import custody as act
from kiosk.cli._access import acts
from kiosk.cli._common import Env, common

MAX_SCAN_LINE = 1024  # bytes: a label code is 8 characters
LINE_TOO_LONG = "A scanned line over 1 KB was refused."


def scan_lines(stream: io.BufferedIOBase, limit: int = MAX_SCAN_LINE, chunk: int = 64 * 1024):
    """The lines of scanner input on ``stream`` (bytes, with their line end), or None for a
    line over ``limit`` bytes. No more than ``limit`` + 1 bytes of one line are held: the
    rest of a long line is read in ``chunk``-sized pieces and dropped, up to its newline."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if line.endswith(b"\n") or len(line) <= limit:
            yield line
            continue
        while True:  # discard to the end of the line
            rest = stream.readline(chunk)
            if not rest or rest.endswith(b"\n"):
                break
        yield None


@click.command()
@click.option("--mode", type=click.Choice(["hand-in", "release"]), required=True)
@common
@acts(lambda options: "hand_in" if options["mode"] == "hand-in" else "release")
def scan(env: Env, who, mode: str) -> None:
    """Headless scanning: one code per line on stdin, one result line per code.

    Each result is printed only after that code is committed, and starts with OK,
    DUPLICATE, NOT_HANDED_IN (release only), UNKNOWN, INVALID, REVOKED or BLOCKED.
    """
    env.open()
    env.sync_trays()
    # (the file's quick check ran as --as opened it: a damaged file was refused in one line)
    out = sys.stdout
    for raw in scan_lines(sys.stdin.buffer):
        if raw is None:  # over 1 KB: not a label (a stuck key, a pasted file); never read whole
            out.write(f"INVALID - {LINE_TOO_LONG}\n")
            out.flush()
            continue
        text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        if not text.strip():
            continue
        out.write(act.scan_line(who, mode, text, admin.now()) + "\n")
        out.flush()
