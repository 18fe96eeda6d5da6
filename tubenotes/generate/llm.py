"""One chat client for every OpenAI-compatible server: timeouts, retries, structured output.

Retries live here, not in the SDK (it gets ``max_retries=0``): our loop can
release the concurrency slot while it waits, sleeps through an injectable
function (tests need no real waiting), applies full jitter, honours
Retry-After, and turns the final failure into a ``tubenotes.errors``
exception that says what to do.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import openai

from tubenotes.backoff import backoff_ceiling
from tubenotes.config import redact_url
from tubenotes.errors import ConfigurationError, GenerationError, TransientError
from tubenotes.generate.chunking import estimate_tokens, message_tokens
from tubenotes.generate.costs import CostBudget
from tubenotes.generate.providers import LlmSettings
from tubenotes.job import TokenUsage

# {"role": ..., "content": text}; a user's content may also be a list of parts, text and images
# (OpenAI's vision format: {"type": "image_url", "image_url": {"url": "data:image/webp;base64,..."}}).
Message = dict[str, Any]

# Connecting is quick or never: a dead server should fail fast, a slow model may not.
CONNECT_TIMEOUT = 5.0
# Structured-output modes, strictest first; a server that rejects one gets the next.
JSON_MODES = ("json_schema", "json_object", "plain")
# Status codes that say "not now" rather than "not ever".
_RETRY_STATUS = {408, 409, 429}


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0
    # A Retry-After longer than this is a quota, not a hiccup: fail the job instead.
    max_retry_after: float = 120.0


@dataclass
class Completion:
    text: str
    finish_reason: str | None
    refusal: str | None
    usage: TokenUsage


class ChatClient:
    """Chat completions against one server, shared by all jobs (and their concurrency limit)."""

    def __init__(
        self,
        settings: LlmSettings,
        concurrency: int = 4,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
        gate: AbstractContextManager[Any] | None = None,
        budget: CostBudget | None = None,
    ) -> None:
        self.settings = settings
        self._sdk = sdk_client(settings)
        self._budget = budget
        # Around each call; a gate shared with other processes (tubenotes.distributed.limits) replaces the local one.
        self._slots = gate if gate is not None else threading.BoundedSemaphore(concurrency)
        self._retry = retry
        self._sleep = sleep
        self._jitter = jitter
        self._json_mode = 0  # index into JSON_MODES: the strictest mode this server accepted
        self._mode_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ChatClient({self.settings!r})"

    def complete(self, messages: Sequence[Message], max_tokens: int | None = None) -> Completion:
        """One completion as text."""
        try:
            return self._with_retries(messages, max_tokens, response_format=None)
        except openai.APIStatusError as exc:
            raise _translate(self.settings, exc) from exc

    def complete_json(
        self, messages: Sequence[Message], schema_name: str, schema: dict[str, Any], max_tokens: int | None = None
    ) -> Completion:
        """One completion asked to be JSON; falls back json_schema -> json_object -> plain.

        The messages must themselves ask for JSON (the plain mode relies on it,
        and json_object requires the word). The caller validates the text.
        """
        while True:
            mode = self._json_mode
            response_format: dict[str, Any] | None = {
                "json_schema": {"type": "json_schema",
                                "json_schema": {"name": schema_name, "schema": schema, "strict": True}},
                "json_object": {"type": "json_object"},
                "plain": None,
            }[JSON_MODES[mode]]
            try:
                return self._with_retries(messages, max_tokens, response_format)
            except openai.APIStatusError as exc:
                rejected_mode = isinstance(exc, (openai.BadRequestError, openai.UnprocessableEntityError))
                if not rejected_mode or response_format is None:
                    raise _translate(self.settings, exc) from exc
                with self._mode_lock:
                    # Another thread may already have moved on; never move back.
                    self._json_mode = max(self._json_mode, mode + 1)

    def _with_retries(
        self, messages: Sequence[Message], max_tokens: int | None, response_format: dict[str, Any] | None
    ) -> Completion:
        policy = self._retry
        for attempt in range(1, policy.attempts + 1):
            try:
                with self._slots:
                    return self._call(messages, max_tokens, response_format)
            except (openai.APITimeoutError, openai.APIConnectionError, openai.APIStatusError) as exc:
                if not _retryable(exc):
                    raise  # the caller decides: a 400 may mean "try another JSON mode"
                retry_after = _retry_after(exc)
                if retry_after is not None and retry_after > policy.max_retry_after:
                    raise TransientError(
                        f"{self.settings.label} asks to wait {retry_after:.0f} s (rate limit or quota); "
                        "resume the batch later, or lower --llm-concurrency"
                    ) from exc
                if attempt == policy.attempts:
                    raise _exhausted(self.settings, exc, attempt) from exc
                self._sleep(self._delay(attempt, retry_after))
        raise AssertionError("unreachable: the loop returns or raises")

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        backoff = backoff_ceiling(attempt, self._retry.base_delay, self._retry.max_delay)
        if retry_after is not None:
            # The server knows when it will have room; a little jitter keeps
            # parallel jobs from all returning in the same instant.
            return retry_after + 0.1 * backoff * self._jitter()
        return backoff * self._jitter()  # full jitter

    def request_body(
        self, messages: Sequence[Message], max_tokens: int | None, response_format: dict[str, Any] | None
    ) -> dict[str, Any]:
        """The body of one chat-completions request, as sent live or as a batch's line."""
        body: dict[str, Any] = {
            "model": self.settings.model,
            "messages": list(messages),
            self.settings.max_tokens_param: max_tokens or self.settings.max_output_tokens,
        }
        if response_format is not None:
            body["response_format"] = response_format
        return body

    def _call(
        self, messages: Sequence[Message], max_tokens: int | None, response_format: dict[str, Any] | None
    ) -> Completion:
        kwargs = self.request_body(messages, max_tokens, response_format)
        if self._budget is None:
            return self._send(kwargs)
        with self._budget.reserve(self.settings, [kwargs]) as paid:
            completion = self._send(kwargs)
            paid(completion.usage.cost_usd)
        return completion

    def _send(self, kwargs: dict[str, Any]) -> Completion:
        messages = kwargs["messages"]
        try:
            response = self._sdk.chat.completions.create(**kwargs)
        except openai.APIResponseValidationError as exc:
            raise GenerationError(
                f"{self.settings.label} answered with a body that is not a chat completion; "
                "check that --base-url points at an OpenAI-compatible /v1 endpoint"
            ) from exc
        if not getattr(response, "choices", None):
            text, finish, refusal = "", None, None
        else:
            choice = response.choices[0]
            text = choice.message.content or ""
            finish, refusal = choice.finish_reason, choice.message.refusal
        usage = response.usage if hasattr(response, "usage") else None
        prompt_tokens = usage.prompt_tokens if usage else sum(message_tokens(m) for m in messages)
        completion_tokens = usage.completion_tokens if usage else estimate_tokens(text)
        return Completion(
            text=text,
            finish_reason=finish,
            refusal=refusal,
            usage=TokenUsage(1, prompt_tokens, completion_tokens,
                             self.settings.cost(prompt_tokens, completion_tokens)),
        )


def sdk_client(settings: LlmSettings) -> openai.OpenAI:
    """The openai SDK's client for ``settings``, retries left to us."""
    # The SDK appends its paths after a base URL's query, so a key in the query
    # (Azure-style ?api-key=) goes into every request's query instead.
    url = urlsplit(settings.base_url)
    return openai.OpenAI(
        api_key=settings.api_key,
        base_url=urlunsplit(url._replace(query="", fragment="")),
        default_query=dict(parse_qsl(url.query)) or None,
        timeout=openai.Timeout(settings.timeout, connect=min(CONNECT_TIMEOUT, settings.timeout)),
        max_retries=0,
    )


def _retryable(exc: openai.APIError) -> bool:
    if isinstance(exc, openai.APIConnectionError):  # includes timeouts
        return True
    return isinstance(exc, openai.APIStatusError) and (exc.status_code in _RETRY_STATUS or exc.status_code >= 500)


def _retry_after(exc: openai.APIError) -> float | None:
    if not isinstance(exc, openai.APIStatusError):
        return None
    headers = exc.response.headers
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value) / divisor)
            except ValueError:
                continue  # an HTTP date: rare from LLM servers; fall back to back-off
    return None


def _exhausted(settings: LlmSettings, exc: openai.APIError, attempts: int) -> TransientError:
    if isinstance(exc, openai.APITimeoutError):
        cause = f"did not answer within {settings.timeout:.0f} s"
        fix = "raise --llm-timeout, or use a faster model"
    elif isinstance(exc, openai.APIConnectionError):
        cause = f"could not be reached at {redact_url(settings.base_url)}"
        fix = "check that the server is running and the URL is right"
    elif isinstance(exc, openai.APIStatusError) and exc.status_code == 429:
        cause = "kept answering 429 (rate limit)"
        fix = "lower --llm-concurrency or resume later"
    else:
        cause = f"kept failing with HTTP {getattr(exc, 'status_code', '?')}"
        fix = "the provider has trouble; resume later"
    return TransientError(f"{settings.label} {cause} ({attempts} attempts); {fix}")


def _translate(settings: LlmSettings, exc: openai.APIError) -> Exception:
    status = getattr(exc, "status_code", None)
    if status in (401, 403):
        where = f"the key in {settings.key_env}" if settings.key_env else "the request"
        return ConfigurationError(
            f"{settings.label}: {where} was refused (HTTP {status}); check the key and its permissions"
        )
    if status == 404:
        return ConfigurationError(
            f"{settings.label}: model {settings.model!r} or endpoint not found at {redact_url(settings.base_url)}; "
            "check --model and --base-url"
        )
    return _rejected(settings, exc)


def _rejected(settings: LlmSettings, exc: openai.APIError) -> GenerationError:
    detail = exc.message if isinstance(exc, openai.APIError) else str(exc)
    return GenerationError(
        f"{settings.label} rejected the request (HTTP {getattr(exc, 'status_code', '?')}): {detail[:300]}; "
        "if the prompt is too long, pass a smaller --context-window"
    )
