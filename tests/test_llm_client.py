"""The chat client over real HTTP against the fake server: retries, timeouts, JSON fallbacks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from tubenotes.errors import ConfigurationError, TransientError
from tubenotes.generate.llm import ChatClient, RetryPolicy
from tubenotes.generate.providers import LlmSettings, resolve_llm
from tubenotes.testing.fake_llm import Behavior, FakeLlmServer

MESSAGES = [{"role": "user", "content": "Say hello, as JSON."}]
SCHEMA = {"type": "object", "properties": {"hello": {"type": "string"}}, "required": ["hello"],
          "additionalProperties": False}
SECRET = "sk-test-SECRET-0123456789"


@pytest.fixture
def fake() -> Iterator[FakeLlmServer]:
    with FakeLlmServer(hang_seconds=3) as server:
        yield server


def settings_for(fake: FakeLlmServer, **changes: object) -> LlmSettings:
    settings = resolve_llm("vllm:fake-model", fake.base_url, {}, lambda: None)
    assert settings is not None
    return replace(settings, **changes)


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client_for(fake: FakeLlmServer, sleeps: Sleeps, attempts: int = 4, **changes: object) -> ChatClient:
    return ChatClient(settings_for(fake, **changes), retry=RetryPolicy(attempts=attempts, base_delay=0.5),
                      sleep=sleeps, jitter=lambda: 0.5)


def test_rate_limit_waits_as_long_as_retry_after_says(fake: FakeLlmServer) -> None:
    sleeps = Sleeps()
    fake.script(Behavior("rate_limit", retry_after=7), Behavior("rate_limit", retry_after=3))
    completion = client_for(fake, sleeps).complete(MESSAGES)
    assert completion.text and fake.calls == 3
    # Retry-After plus a little jitter, not the much shorter back-off.
    assert 7 <= sleeps[0] < 7.5 and 3 <= sleeps[1] < 3.5


def test_server_errors_are_retried_with_growing_backoff(fake: FakeLlmServer) -> None:
    sleeps = Sleeps()
    fake.script(Behavior("server_error"), Behavior("server_error", status=503), Behavior("server_error"))
    assert client_for(fake, sleeps).complete(MESSAGES).text
    assert fake.calls == 4 and sleeps == [0.25, 0.5, 1.0]  # 0.5 * 2**n, times the jitter 0.5


def test_a_retry_after_beyond_the_limit_fails_at_once(fake: FakeLlmServer) -> None:
    fake.script(Behavior("rate_limit", retry_after=3600))
    with pytest.raises(TransientError, match="wait 3600 s"):
        client_for(fake, Sleeps()).complete(MESSAGES)
    assert fake.calls == 1


def test_a_hanging_server_times_out_is_retried_then_fails_clearly(fake: FakeLlmServer) -> None:
    sleeps = Sleeps()
    fake.script(Behavior("hang"), Behavior("hang"))
    with pytest.raises(TransientError, match=r"did not answer within 0 s \(2 attempts\).*--llm-timeout"):
        client_for(fake, sleeps, attempts=2, timeout=0.3).complete(MESSAGES)
    assert fake.calls == 2 and len(sleeps) == 1


def test_a_timeout_then_an_answer_succeeds(fake: FakeLlmServer) -> None:
    fake.script(Behavior("hang"))
    assert client_for(fake, Sleeps(), timeout=0.3).complete(MESSAGES).text
    assert fake.calls == 2


def test_rejected_key_is_a_configuration_error_that_never_shows_the_key(fake: FakeLlmServer) -> None:
    settings = resolve_llm("openai:gpt-4o-mini", fake.base_url, {"OPENAI_API_KEY": SECRET}, lambda: None)
    fake.script(Behavior("server_error", status=401))
    client = ChatClient(settings, sleep=Sleeps())
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY") as caught:
        client.complete(MESSAGES)
    assert SECRET not in str(caught.value) and SECRET not in repr(client)
    assert fake.calls == 1  # a refused key is not retried
    assert fake.requests[0]["max_completion_tokens"] == settings.max_output_tokens


def test_json_modes_fall_back_and_the_choice_is_remembered(fake: FakeLlmServer) -> None:
    client = client_for(fake, Sleeps())
    assert client.complete_json(MESSAGES, "hello", SCHEMA).text
    assert fake.requests[-1]["response_format"]["type"] == "json_schema"
    assert fake.requests[-1]["response_format"]["json_schema"]["schema"] == SCHEMA

    fake.reject_formats.add("json_schema")
    client.complete_json(MESSAGES, "hello", SCHEMA)
    assert [r["response_format"]["type"] for r in fake.requests[-2:]] == ["json_schema", "json_object"]

    fake.reject_formats.add("json_object")
    client.complete_json(MESSAGES, "hello", SCHEMA)
    assert fake.requests[-2]["response_format"]["type"] == "json_object"
    assert "response_format" not in fake.requests[-1]

    before = fake.calls
    client.complete_json(MESSAGES, "hello", SCHEMA)
    assert fake.calls == before + 1  # remembered: no more rejected attempts


def test_concurrency_is_limited_across_all_callers(fake: FakeLlmServer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    fake.script(*[Behavior(delay=0.15)] * 6)
    client = ChatClient(settings_for(fake), concurrency=2, sleep=Sleeps())
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(lambda _: client.complete(MESSAGES), range(6)))
    assert fake.calls == 6 and fake.max_in_flight == 2
