"""The options the commands share (the vault; what a run works with), and the settings they make."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from tubenotes import config
from tubenotes.config import Settings, VaultOptions
from tubenotes.errors import ConfigurationError
from tubenotes.store import STORE_DIRNAME

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _options(*options: Decorator) -> Decorator:
    def apply(command: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(options):
            command = option(command)
        return command

    return apply


vault_option = click.option(
    "--vault", type=click.Path(path_type=Path, file_okay=False), default=config.DEFAULT_VAULT, show_default=True,
    envvar="TUBENOTES_VAULT", help="The Obsidian vault to write into [env TUBENOTES_VAULT].",
)

# What a run works with; `resume` and `retry` take them too, and otherwise reuse the last run's.
run_options = _options(
    vault_option,
    click.option("--lang", "languages", metavar="CODES", help="Preferred transcript languages, in order: en,de."),
    click.option("--translate-to", metavar="CODE", help="Translate transcripts into this language."),
    click.option("--network", type=click.Choice(config.NETWORKS), help="How to reach YouTube [default: direct]."),
    click.option("--proxy", "proxies", multiple=True, metavar="URL",
                 help="A proxy (http, https, socks5h; may hold user:password); repeat for more."),
    click.option("--proxies", "proxies_file", type=click.Path(exists=True, dir_okay=False),
                 help="A file of proxy URLs, one a line, # comments."),
    click.option("--pool-size", type=click.IntRange(min=1), help="Exit nodes, i.e. parallel fetches [default: 4]."),
    click.option("--rotate-after", type=click.FloatRange(min=1), metavar="SECONDS",
                 help="Give a node a fresh identity after this long [default: 3600]."),
    click.option("--tor-option", "tor_options", multiple=True, metavar="KEY=VALUE",
                 help="A torrc option for the tor tubenotes starts, e.g. Bridge=...; repeat for more."),
    click.option("--tor-socks", metavar="HOST:PORT", help="Use a running tor's SOCKS port."),
    click.option("--tor-control", metavar="HOST:PORT", help="Use a running tor's control port."),
    click.option("--timeout", type=click.FloatRange(min=0.1), metavar="SECONDS",
                 help="Seconds per network operation [default: 20]."),
    click.option("--max-attempts", type=click.IntRange(min=1), help="Fetch attempts per video [default: 4]."),
    click.option("--model", metavar="PROVIDER:MODEL", envvar="TUBENOTES_MODEL",
                 help="The LLM: openai:gpt-4o-mini, anthropic:…, gemini:…, openrouter:…, groq:…, ollama:llama3.1, "
                      "lmstudio:…, vllm:…, llamacpp:…, or 'offline' [env TUBENOTES_MODEL; default: found from the "
                      "environment]."),
    click.option("--base-url", metavar="URL", help="Any other OpenAI-compatible server (key: TUBENOTES_LLM_API_KEY)."),
    click.option("--context-window", type=click.IntRange(min=1024), metavar="TOKENS",
                 help="The model's context, if not the preset's; longer transcripts are chunked."),
    click.option("--llm-concurrency", type=click.IntRange(min=1), help="Generations in flight [default: 4]."),
    click.option("--batch/--no-batch", default=None,
                 help="Generate through the provider's Batch API: about half the price, answers within 24 h "
                      "(openai, gemini, groq, or a --base-url server with /v1/batches) [default: no]."),
    click.option("--no-wait", is_flag=True, default=None,
                 help="With --batch: return once the batch is submitted; `tubenotes resume` collects it."),
    click.option("--max-cost", type=click.FloatRange(min=0), metavar="USD",
                 help="Stop before an LLM call or batch that would pass this many US dollars (jobs stay "
                      "resumable)."),
    click.option("--export-workers", type=click.IntRange(min=1), help="PDF exports in parallel [default: cores]."),
    click.option("--no-pdf", is_flag=True, default=None, help="Skip the PDF export stage."),
    click.option("--transcribe", type=click.Choice(config.TRANSCRIBE_MODES),
                 help="Whisper transcription: auto (recordings, and videos without captions), always (also "
                      "instead of auto-generated captions), never [default: auto]."),
    click.option("--whisper-model", metavar="NAME|PATH",
                 help="A faster-whisper model name (small, large-v3...; downloaded once) or a model folder "
                      f"[default: {config.DEFAULT_WHISPER_MODEL}, bundled, English only]."),
    click.option("--whisper-device", type=click.Choice(config.WHISPER_DEVICES),
                 help="Where Whisper runs; int8 on the CPU [default: auto]."),
    click.option("--vision", is_flag=True, default=None,
                 help="Send the slides' pictures to the model with their text (a model that takes images: "
                      "gpt-4o, claude, gemini...)."),
    click.option("--slides/--no-slides", default=None,
                 help="Pictures and text of the slides the video shows [default: for recordings with a picture, "
                      "not for YouTube, whose video would be downloaded]."),
    click.option("--quiet", "-q", is_flag=True, help="Only the final table; no progress lines."),
    click.option("--force", is_flag=True, help="Overwrite notes you edited and rewrite notes you deleted "
                 "(without it, an edited note is kept and the new version is written beside it)."),
    click.option("--no-anki", is_flag=True, help="Do not write the Anki deck of each subject."),
)


def settings_from(values: dict[str, Any], remembered: dict[str, Any] | None = None) -> tuple[Settings, set[str]]:
    """Flags the user gave win; then what the vault remembers of its last run; then the defaults.

    Returns the settings and the names of those the user gave.
    """
    given = {name: value for name, value in values.items() if value not in (None, ())}
    given["vault"] = Path(values.get("vault") or config.DEFAULT_VAULT).absolute()
    if "languages" in given:
        given["languages"] = tuple(code.strip() for code in given["languages"].split(",") if code.strip())
    if given.pop("no_pdf", None):
        given["pdf"] = False
    if given.pop("no_wait", None):
        given["wait"] = False
    settings = Settings(**given)
    if remembered:
        settings = settings.with_remembered(remembered, set(given))
    return settings, set(given)


def vault_options(values: dict[str, Any]) -> VaultOptions:
    """The vault flags, taken out of ``values``: they hold for this command only."""
    return VaultOptions(regenerate=bool(values.pop("regenerate", False)),
                        force=bool(values.pop("force", False)), anki=not values.pop("no_anki", False))


def require_store(vault: Path) -> None:
    if not (vault / STORE_DIRNAME).is_dir():
        raise ConfigurationError(f"{vault} holds no tubenotes jobs; run `tubenotes run INPUT... --vault {vault}` first")
