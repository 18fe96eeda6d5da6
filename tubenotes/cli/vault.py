"""`rebuild-store`: the store made again from the vault's notes."""

from __future__ import annotations

from pathlib import Path

import click

from tubenotes.cli.options import vault_option
from tubenotes.cli.render import out
from tubenotes.errors import ConfigurationError


@click.command("rebuild-store")
@vault_option
def rebuild_store(vault: Path) -> None:
    """Rebuild a lost or broken store from the notes tubenotes wrote into the vault."""
    from tubenotes.stages import open_vault
    from tubenotes.vault.rebuild import rebuild_store as rebuild

    if not vault.is_dir():
        raise ConfigurationError(f"{vault} is not a folder; give the vault with --vault")
    vault = vault.absolute()
    with open_vault(vault) as store:
        rebuilt = rebuild(vault, store, store.records)
    out.print(f"Store rebuilt from {vault}: {rebuilt.jobs} lecture(s) added as completed, {rebuilt.files} file(s) "
              "recorded. Their notes are kept as they are; `tubenotes run --regenerate INPUT` writes one anew.")
