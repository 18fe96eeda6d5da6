"""`doctor`: what tubenotes can use on this machine."""

from __future__ import annotations

import click
from rich.table import Table

from tubenotes import config
from tubenotes.cli.render import out


@click.command()
@click.option("--tor-control", metavar="HOST:PORT", help="Also check a running tor's control port.")
@click.option("--whisper-model", metavar="NAME|PATH", default=config.DEFAULT_WHISPER_MODEL, show_default=True,
              help="The Whisper model to check.")
@click.option("--whisper-device", type=click.Choice(config.WHISPER_DEVICES), default="auto", show_default=True,
              help="The device to check Whisper on.")
def doctor(tor_control: str | None, whisper_model: str, whisper_device: str) -> None:
    """Check what tubenotes can use on this machine: tor, pandoc, Typst, fonts, Whisper, deno."""
    from tubenotes.doctor import diagnose

    table = Table(title="tubenotes doctor", show_header=False)
    for name, value in diagnose(tor_control, whisper_model, whisper_device):
        table.add_row(name, value)
    out.print(table)
