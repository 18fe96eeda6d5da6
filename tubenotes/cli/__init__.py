"""The command line: parse, call the library, show progress and results.

A module per command group: `run` (run, estimate, resume, retry), `status`,
`batch`, `vault` (rebuild-store), `doctor`; `tubenotes worker` comes from
`tubenotes.distributed.cli`. `options` holds the flags they share, `render`
what they print.
"""

from __future__ import annotations

import logging
import sqlite3
import sys

import click

from tubenotes.cli.batch import batch
from tubenotes.cli.doctor import doctor
from tubenotes.cli.options import run_options, settings_from
from tubenotes.cli.render import err
from tubenotes.cli.run import estimate, resume, retry, run
from tubenotes.cli.status import status
from tubenotes.cli.vault import rebuild_store
from tubenotes.distributed.cli import worker_command
from tubenotes.errors import ConfigurationError, InputError, TubenotesError, as_storage_error
from tubenotes.executors import EXIT_INTERRUPTED, EXIT_USAGE

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tubenotes")
def cli() -> None:
    """Turn lecture videos and transcripts into an Obsidian study vault: notes, assessments and PDFs."""


for command in (run, estimate, resume, retry, status, batch, rebuild_store, doctor,
                worker_command(run_options, settings_from)):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    # The handler filters, not the loggers: stem sets its logger to its TRACE level when it is imported,
    # which is after this (lazily, by the commands that use tor), and would print every tor call.
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", handlers=[handler])
    try:
        code = cli.main(args=argv, prog_name="tubenotes", standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except (click.Abort, KeyboardInterrupt):
        err.print("Interrupted.")
        code = EXIT_INTERRUPTED
    except click.ClickException as exc:
        exc.show()
        code = EXIT_USAGE
    except (ConfigurationError, InputError) as exc:
        err.print(f"error: {exc}", markup=False)
        code = EXIT_USAGE
    except TubenotesError as exc:
        err.print(f"error: {exc}", markup=False)
        code = 1
    except (OSError, sqlite3.Error) as exc:
        storage = as_storage_error(exc)
        if storage is None:
            raise
        err.print(f"error: {storage}", markup=False)
        code = 1
    sys.exit(code or 0)
