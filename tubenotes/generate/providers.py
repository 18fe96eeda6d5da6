"""Which LLM to talk to: provider presets, API keys from the environment, auto-detection.

Every provider here speaks the OpenAI chat-completions protocol, so one
client serves them all; a preset only says where the server is, which
environment variable holds its key, how much context it has and whether it
has the Batch API. What a model costs is in ``prices.toml`` beside this file.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from tubenotes.config import redact_url
from tubenotes.errors import ConfigurationError

# Servers on this machine ignore the key, but the SDK refuses an empty one.
LOCAL_PLACEHOLDER_KEY = "not-needed"
# The key variable for a server given only by --base-url: never a provider's
# own key, which must not be sent to an arbitrary host.
CUSTOM_KEY_ENV = "TUBENOTES_LLM_API_KEY"
# The provider of a server given by --base-url: a job's generator is then "custom:MODEL".
CUSTOM_PROVIDER = "custom"
# Below this, a map/reduce step cannot hold two partial notes plus their answer.
MIN_CONTEXT_WINDOW = 4096
# Long enough for a note of a long lecture; every model we preset can write it.
MAX_OUTPUT_TOKENS = 4096
# Probing Ollama must not slow down a start-up where it is not running.
OLLAMA_PROBE_TIMEOUT = 0.5


@dataclass(frozen=True)
class ProviderPreset:
    name: str
    base_url: str
    key_env: str | None  # None: a local server that needs no key
    context_window: int
    default_model: str | None
    # Newer OpenAI models reject "max_tokens"; most other servers only know it.
    max_tokens_param: str = "max_tokens"
    # An OpenAI-shaped Batch API (/v1/files, /v1/batches); None: unknown, tried on demand.
    batch_api: bool | None = False


PRESETS: dict[str, ProviderPreset] = {
    p.name: p
    for p in [
        ProviderPreset("openai", "https://api.openai.com/v1", "OPENAI_API_KEY", 128_000, "gpt-4o-mini",
                       "max_completion_tokens", batch_api=True),
        ProviderPreset("anthropic", "https://api.anthropic.com/v1/", "ANTHROPIC_API_KEY", 200_000,
                       "claude-haiku-4-5"),
        ProviderPreset("gemini", "https://generativelanguage.googleapis.com/v1beta/openai/", "GEMINI_API_KEY",
                       1_000_000, "gemini-2.5-flash", batch_api=True),
        ProviderPreset("openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", 128_000,
                       "openai/gpt-4o-mini"),
        ProviderPreset("groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY", 128_000,
                       "llama-3.3-70b-versatile", batch_api=True),
        # Local servers: their context is what they were started with; these are
        # their defaults (Ollama's num_ctx, LM Studio's slider), so a larger
        # setting needs --context-window, else the server would cut the prompt.
        ProviderPreset("ollama", "http://localhost:11434/v1", None, 4096, "llama3.2"),
        ProviderPreset("lmstudio", "http://localhost:1234/v1", None, 4096, None),
        ProviderPreset("vllm", "http://localhost:8000/v1", None, 8192, None),
        ProviderPreset("llamacpp", "http://localhost:8080/v1", None, 4096, "default"),
    ]
}



@dataclass(frozen=True)
class Price:
    """US dollars per million tokens (input, output), live and through the Batch API (None: no batch price)."""

    live: tuple[float, float]
    batch: tuple[float, float] | None = None

    def cost(self, prompt_tokens: int, completion_tokens: int, batch: bool = False) -> float | None:
        rates = self.batch if batch else self.live
        if rates is None:
            return None
        return (prompt_tokens * rates[0] + completion_tokens * rates[1]) / 1_000_000


# What a server on this machine costs: nothing per token.
LOCAL_PRICE = Price((0.0, 0.0), (0.0, 0.0))


@cache
def price_table() -> tuple[str, dict[str, Price]]:
    """The date the prices were taken, and the price of each model ``prices.toml`` knows."""
    data = tomllib.loads(resources.files("tubenotes.generate").joinpath("prices.toml").read_text("utf-8"))
    prices = {name: Price(tuple(entry["live"]), tuple(entry["batch"]) if "batch" in entry else None)
              for name, entry in data["models"].items()}
    return str(data["taken"]), prices


@dataclass(frozen=True)
class LlmSettings:
    """One resolved LLM endpoint. The key is kept out of repr and of every cache key."""

    provider: str
    model: str
    base_url: str = field(repr=False)  # may hold a key (user:key@, ?api-key=)
    api_key: str = field(repr=False)
    key_env: str | None
    context_window: int
    max_output_tokens: int
    max_tokens_param: str = "max_tokens"
    timeout: float = 120.0
    price: Price | None = None  # None: unknown, which is never shown as free
    batch_api: bool | None = False

    @property
    def label(self) -> str:
        return f"{self.provider}:{self.model}"

    @property
    def host(self) -> str:
        """The base URL without credentials: what identifies the server in the cache."""
        parts = urlsplit(self.base_url)
        return f"{parts.hostname or ''}{':' + str(parts.port) if parts.port else ''}{parts.path.rstrip('/')}"

    def cost(self, prompt_tokens: int, completion_tokens: int, batch: bool = False) -> float | None:
        """Estimated US dollars (at the Batch API's price with ``batch``); None when the price is unknown."""
        return self.price.cost(prompt_tokens, completion_tokens, batch) if self.price is not None else None


def probe_ollama(base_url: str = PRESETS["ollama"].base_url, timeout: float = OLLAMA_PROBE_TIMEOUT) -> list[str] | None:
    """The models a local Ollama serves, or None when none answers."""
    import urllib.request  # with http.client and email: for this probe only, when no model is named

    try:
        with urllib.request.urlopen(f"{base_url.rstrip('/')}/models", timeout=timeout) as response:
            data = json.load(response)
    except (OSError, ValueError):
        return None
    return [str(m.get("id")) for m in data.get("data", []) if m.get("id")]


OllamaProbe = Callable[[], "list[str] | None"]


def resolve_llm(
    model: str | None,
    base_url: str | None,
    env: Mapping[str, str],
    probe_ollama: OllamaProbe = probe_ollama,
    context_window: int | None = None,
    timeout: float | None = None,
    key_required: bool = True,
) -> LlmSettings | None:
    """The LLM the user asked for, or found; None means "use the offline generator".

    ``model`` is ``PROVIDER:MODEL`` (or just ``PROVIDER``), or a bare model name
    with ``base_url``. With neither given, the first of OPENAI_API_KEY,
    ANTHROPIC_API_KEY and a reachable local Ollama is used.
    """
    if model is None and base_url is None:
        settings = _autodetect(env, probe_ollama)
    else:
        settings = _explicit(model, base_url, env, key_required)
    if settings is None:
        return None
    if context_window is not None:
        settings = replace(settings, context_window=context_window,
                           max_output_tokens=_output_budget(context_window))
    if settings.context_window < MIN_CONTEXT_WINDOW:
        raise ConfigurationError(
            f"a context window of {settings.context_window} tokens is too small to work in; "
            f"use a model with at least {MIN_CONTEXT_WINDOW} and pass --context-window"
        )
    return replace(settings, timeout=timeout) if timeout is not None else settings


def _autodetect(env: Mapping[str, str], probe: OllamaProbe) -> LlmSettings | None:
    for name in ("openai", "anthropic"):
        key_env = PRESETS[name].key_env
        if key_env and env.get(key_env):
            return _from_preset(PRESETS[name], None, None, env)
    models = probe()
    if models is None:
        return None
    return _from_preset(PRESETS["ollama"], models[0] if models else None, None, env)


def _explicit(model: str | None, base_url: str | None, env: Mapping[str, str], key_required: bool) -> LlmSettings:
    provider, _, name = (model or "").partition(":")
    if provider in PRESETS:
        return _from_preset(PRESETS[provider], name or None, base_url, env, key_required)
    if base_url is None:
        raise ConfigurationError(
            f"unknown provider in --model {model!r}; write PROVIDER:MODEL with PROVIDER one of "
            f"{', '.join(PRESETS)}, or give --base-url for another OpenAI-compatible server"
        )
    if not model:
        raise ConfigurationError("--base-url needs a model too: pass --model MODEL (the name the server knows)")
    custom = ProviderPreset(CUSTOM_PROVIDER, base_url, CUSTOM_KEY_ENV, 8192, model, batch_api=None)
    return _from_preset(custom, model, base_url, env, key_required=False)


def _from_preset(
    preset: ProviderPreset, model: str | None, base_url: str | None, env: Mapping[str, str],
    key_required: bool = True,
) -> LlmSettings:
    model = model or preset.default_model
    if not model:
        raise ConfigurationError(f"name the model the {preset.name} server runs: --model {preset.name}:MODEL")
    key = env.get(preset.key_env) if preset.key_env else None
    if not key and preset.key_env and key_required:
        raise ConfigurationError(
            f"{preset.name} needs an API key: set the environment variable {preset.key_env}"
        )
    return LlmSettings(
        provider=preset.name,
        model=model,
        base_url=base_url or preset.base_url,
        api_key=key or LOCAL_PLACEHOLDER_KEY,
        key_env=preset.key_env,
        context_window=preset.context_window,
        max_output_tokens=_output_budget(preset.context_window),
        max_tokens_param=preset.max_tokens_param,
        price=price_table()[1].get(model) if preset.key_env else LOCAL_PRICE,
        batch_api=preset.batch_api,
    )


def _output_budget(context_window: int) -> int:
    # A fifth of the window leaves room for a transcript chunk four times the answer.
    return min(MAX_OUTPUT_TOKENS, context_window // 5)


def doctor_llm(env: Mapping[str, str], probe: OllamaProbe = probe_ollama) -> dict[str, Any]:
    """What auto-detection finds, for ``tubenotes doctor``; says whether a key is set, never the key."""
    keys = {p.key_env: bool(env.get(p.key_env)) for p in PRESETS.values() if p.key_env}
    try:
        settings = resolve_llm(None, None, env, probe)
    except ConfigurationError as exc:
        return {"provider": None, "problem": str(exc), "keys_present": keys}
    if settings is None:
        return {"provider": None, "generator": "offline",
                "hint": "set OPENAI_API_KEY or ANTHROPIC_API_KEY, start Ollama, or pass --model",
                "keys_present": keys}
    return {
        "provider": settings.provider,
        "model": settings.model,
        "base_url": redact_url(settings.base_url),
        "key_env": settings.key_env,
        "key_present": bool(settings.key_env and env.get(settings.key_env)),
        "context_window": settings.context_window,
        "price_per_million": (None if settings.price is None else
                              {"live": settings.price.live, "batch": settings.price.batch, "taken": price_table()[0]}),
        "keys_present": keys,
    }
