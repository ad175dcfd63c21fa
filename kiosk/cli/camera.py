"""``kiosk camera``: the webcam barcode reader."""

from __future__ import annotations

import click

from kiosk.cli._access import open_command
from kiosk.cli._common import Env, common
from models.errors import KioskError


@click.group()
def camera() -> None:
    """The webcam barcode reader."""


@open_command("reads the camera; no records")
@camera.command("test")
@click.option(
    "--source",
    default=None,
    metavar="SOURCE",
    help="A camera index (0), a video file or a folder of images. Default: [camera] source in the config.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@common
def camera_test_command(env: Env, source: str | None, fmt: str) -> None:
    """Decode every frame of a source with the kiosk's own pipeline: one line per frame.

    Each line gives the file name (or frame number), the code read or "-", and the
    milliseconds it took. A live camera is tested on its first 100 frames.
    """
    from kiosk.camera import CameraError, camera_test, format_results

    spec = source if source is not None else env.settings.camera_source
    try:
        results = camera_test(spec)
    except CameraError as exc:
        raise KioskError(str(exc)) from None
    click.echo(format_results(results, fmt))
