"""Which LLM is used: presets, keys from the environment, auto-detection, doctor."""

from __future__ import annotations

import pytest

from tubenotes.errors import ConfigurationError
from tubenotes.generate.providers import LOCAL_PLACEHOLDER_KEY, doctor_llm, probe_ollama, resolve_llm
from tubenotes.testing.fake_llm import FakeLlmServer

SECRET = "sk-test-SECRET-0123456789"


def no_ollama() -> None:
    return None


def test_nothing_found_means_offline() -> None:
    assert resolve_llm(None, None, {}, no_ollama) is None


def test_openai_key_wins_over_anthropic_and_ollama() -> None:
    env = {"OPENAI_API_KEY": SECRET, "ANTHROPIC_API_KEY": "other"}
    settings = resolve_llm(None, None, env, lambda: ["llama3.2"])
    assert settings is not None and settings.provider == "openai" and settings.api_key == SECRET
    assert settings.max_tokens_param == "max_completion_tokens"


def test_anthropic_key_then_ollama() -> None:
    settings = resolve_llm(None, None, {"ANTHROPIC_API_KEY": SECRET}, no_ollama)
    assert settings is not None and settings.provider == "anthropic"
    assert settings.base_url == "https://api.anthropic.com/v1/"
    ollama = resolve_llm(None, None, {}, lambda: ["qwen2.5:7b", "llama3.2"])
    assert ollama is not None and ollama.label == "ollama:qwen2.5:7b"
    assert ollama.api_key == LOCAL_PLACEHOLDER_KEY and ollama.cost(10**6, 10**6) == 0.0


def test_explicit_provider_and_model_keep_colons_in_the_model_name() -> None:
    settings = resolve_llm("groq:llama-3.1-8b-instant", None, {"GROQ_API_KEY": SECRET}, no_ollama)
    assert settings is not None and settings.model == "llama-3.1-8b-instant"
    assert settings.cost(1_000_000, 0) == pytest.approx(0.05)
    assert resolve_llm("ollama:llama3.1:8b", None, {}, no_ollama).model == "llama3.1:8b"


def test_a_missing_key_names_the_variable() -> None:
    with pytest.raises(ConfigurationError, match="GEMINI_API_KEY"):
        resolve_llm("gemini:gemini-2.5-flash", None, {}, no_ollama)


def test_unknown_provider_without_base_url_says_what_to_write() -> None:
    with pytest.raises(ConfigurationError, match="PROVIDER:MODEL"):
        resolve_llm("gpt-4o", None, {}, no_ollama)


def test_base_url_alone_needs_no_key_and_never_borrows_the_openai_key() -> None:
    settings = resolve_llm("my-model", "http://gpu-box:9000/v1", {"OPENAI_API_KEY": SECRET}, no_ollama)
    assert settings is not None and settings.provider == "custom" and settings.api_key != SECRET
    assert settings.host == "gpu-box:9000/v1"


def test_context_window_override_and_its_floor() -> None:
    settings = resolve_llm("openai:gpt-4o-mini", None, {"OPENAI_API_KEY": SECRET}, no_ollama, context_window=8192)
    assert settings.context_window == 8192 and settings.max_output_tokens < 8192 // 4
    with pytest.raises(ConfigurationError, match="--context-window"):
        resolve_llm("openai:gpt-4o-mini", None, {"OPENAI_API_KEY": SECRET}, no_ollama, context_window=1000)


def test_the_key_never_shows_in_repr_or_doctor() -> None:
    settings = resolve_llm("openai:gpt-4o-mini", None, {"OPENAI_API_KEY": SECRET}, no_ollama)
    assert SECRET not in repr(settings)
    report = doctor_llm({"OPENAI_API_KEY": SECRET}, no_ollama)
    assert report["provider"] == "openai" and report["key_present"] is True
    assert SECRET not in repr(report)
    assert doctor_llm({}, no_ollama)["generator"] == "offline"


def test_probe_finds_a_real_server_and_fails_fast_without_one() -> None:
    with FakeLlmServer(model="llama3.2") as fake:
        assert probe_ollama(fake.base_url) == ["llama3.2"]
    assert probe_ollama("http://127.0.0.1:9/v1", timeout=0.2) is None


def test_prices_come_from_the_table_with_a_batch_price_and_an_unknown_model_has_none() -> None:
    settings = resolve_llm("openai:gpt-4o-mini", None, {"OPENAI_API_KEY": SECRET}, no_ollama)
    assert settings.batch_api is True
    assert settings.cost(1_000_000, 1_000_000, batch=True) == pytest.approx(settings.cost(1_000_000, 1_000_000) / 2)
    unknown = resolve_llm("openai:a-model-without-a-price", None, {"OPENAI_API_KEY": SECRET}, no_ollama)
    assert unknown.price is None and unknown.cost(10, 10) is None
    custom = resolve_llm("my-model", "http://127.0.0.1:1/v1", {}, no_ollama)
    assert custom.cost(10, 10) is None and custom.batch_api is None  # tried when asked for
    assert resolve_llm("anthropic:claude-haiku-4-5", None, {"ANTHROPIC_API_KEY": SECRET}, no_ollama).batch_api is False
