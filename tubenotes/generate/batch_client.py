"""The chat client of `--batch`: answers come from a provider's Batch API through the generation cache.

It builds the exact body a live call would send and looks for its answer in
the cache, under the request's key (the hash of provider, server and body,
which is also the batch line's ``custom_id``). An answer found is returned
as a live one would be, and goes through the same checks and repairs. A miss
is recorded in the store's batch ledger and raises AwaitingBatch: the job
waits, and the next batch carries the request. A request whose attempts are
spent fails the generation with the provider's reason.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from tubenotes.errors import AwaitingBatch, GenerationError
from tubenotes.generate.llm import ChatClient, Completion, Message
from tubenotes.generate.providers import LlmSettings
from tubenotes.job import Generation, TokenUsage
from tubenotes.store.base import GenerationCache, cache_key, lookup
from tubenotes.store.batches import BatchLedger


def request_key(settings: LlmSettings, body: dict[str, Any]) -> str:
    """The key of one request: what the cache files its answer under, and the batch line's custom_id."""
    return cache_key({"provider": settings.provider, "host": settings.host, "request": body})


def _answer_parts(key: str) -> dict[str, str]:
    return {"batch_answer": key}


class BatchChatClient(ChatClient):
    """A ChatClient whose calls are answered by batches: from the cache, or not yet."""

    def __init__(self, settings: LlmSettings, cache: GenerationCache, ledger: BatchLedger) -> None:
        super().__init__(settings)
        self.cache = cache
        self.ledger = ledger

    def __repr__(self) -> str:
        return f"BatchChatClient({self.settings!r})"

    def _call(
        self, messages: Sequence[Message], max_tokens: int | None, response_format: dict[str, Any] | None
    ) -> Completion:
        body = self.request_body(messages, max_tokens, response_format)
        key = request_key(self.settings, body)
        answer = lookup(self.cache, _answer_parts(key))
        if answer is not None:
            stored = json.loads(answer.text)
            return Completion(stored["text"], stored["finish_reason"], stored["refusal"], answer.usage)
        reason = self.ledger.failure(key)
        if reason is not None:
            raise GenerationError(
                f"{self.settings.label}'s Batch API failed the request at every attempt: {reason}; "
                "`tubenotes retry` tries again, or leave --batch out to ask live")
        self.ledger.want(self.settings.host, {key: body})
        raise AwaitingBatch(frozenset({key}))


def store_answer(cache: GenerationCache, settings: LlmSettings, key: str, completion: dict[str, Any]) -> None:
    """A chat completion from a batch's output, filed under its request's key, priced at the batch price."""
    choices = completion.get("choices") or [{}]
    message = choices[0].get("message") or {}
    usage = completion.get("usage") or {}
    prompt, answer = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
    stored = {"text": message.get("content") or "", "finish_reason": choices[0].get("finish_reason"),
              "refusal": message.get("refusal")}
    generation = Generation(json.dumps(stored, ensure_ascii=False), f"{settings.label} (batch)",
                            TokenUsage(1, prompt, answer, settings.cost(prompt, answer, batch=True)))
    cache.get_or_compute(_answer_parts(key), lambda: generation)
