"""`batch cancel`: the vault's batches at the LLM provider."""

from __future__ import annotations

import os
from contextlib import closing
from pathlib import Path

import click

from tubenotes.cli.options import require_store, settings_from, vault_option
from tubenotes.cli.render import err, out
from tubenotes.distributed.cli import store_option
from tubenotes.errors import ConfigurationError
from tubenotes.store import open_store


@click.group()
def batch() -> None:
    """The vault's batches at the LLM provider (`run --batch`)."""


@batch.command("cancel")
@vault_option
@store_option
def batch_cancel(vault: Path, store_url: str | None) -> None:
    """Cancel the vault's live batches at the provider; `resume` keeps what they finished and asks the rest
    again."""
    from tubenotes.generate.batch_api import FINAL_STATES, BatchApi
    from tubenotes.generate.providers import resolve_llm

    vault = vault.absolute()
    if not store_url:
        require_store(vault)
    with closing(open_store(store_url, vault)) as store:
        live = store.batches.batches()
        if not live:
            out.print("No batch is waiting at the provider.")
            return
        settings, _ = settings_from({"vault": vault}, store.load_settings())
        llm = resolve_llm(settings.model, settings.base_url, os.environ, context_window=settings.context_window)
        if llm is None:
            raise ConfigurationError("the vault's last run named no LLM, so it has no batch to cancel")
        api = BatchApi(llm)
        for record in live:
            if record.host != llm.host:
                err.print(f"batch {record.id} is at {record.host}, not {llm.host}: left as it is", markup=False)
                continue
            if record.state not in FINAL_STATES:
                record = api.cancel(record)
                store.batches.update(record)
            out.print(f"batch {record.id}: {record.state}")
