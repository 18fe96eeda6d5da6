"""What a generation will take, without calling an LLM: the client behind `tubenotes estimate`.

The ordinary generator runs with a client that answers every request at
once with a placeholder of the expected length: prompts are built as they
will be sent (chunks, parts, the overview of a long lecture from its parts'
notes), so their tokens are counted, not guessed; completions are expected
(`tubenotes.generate.costs`). Answers the store's cache already holds cost
nothing, as in a real run.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tubenotes.generate.chunking import CHARS_PER_TOKEN
from tubenotes.generate.costs import expected_completion_tokens, prompt_tokens
from tubenotes.generate.llm import ChatClient, Completion, Message
from tubenotes.generate.llm_generator import ASSESSMENT_CLOSE, ASSESSMENT_OPEN, LlmGenerator
from tubenotes.generate.providers import LlmSettings
from tubenotes.job import Generation, TokenUsage, VideoProcessingJob
from tubenotes.store.base import GenerationCache, lookup
from tubenotes.store.memory import MemoryCache


class EstimatingClient(ChatClient):
    """Answers without a call: notes or assessment JSON of the expected length, and their expected usage."""

    def _call(
        self, messages: Sequence[Message], max_tokens: int | None, response_format: dict[str, Any] | None
    ) -> Completion:
        body = self.request_body(messages, max_tokens, response_format)
        sent, expected = prompt_tokens(body), expected_completion_tokens(body)
        if response_format is not None:
            text = _placeholder_json(expected)
        elif ASSESSMENT_OPEN in str(messages[-1].get("content") or ""):  # both documents in one answer
            text = f"{_placeholder_notes(expected)}\n{ASSESSMENT_OPEN}\n{_placeholder_json(1)}\n{ASSESSMENT_CLOSE}"
        else:
            text = _placeholder_notes(expected)
        return Completion(text, "stop", None, TokenUsage(1, sent, expected, None))


def _placeholder_notes(tokens: int) -> str:
    return "## Notes\n\n" + "word " * max(30, tokens * CHARS_PER_TOKEN // 5)


def _placeholder_json(tokens: int) -> str:
    question = {"kind": "short_answer", "question": "q", "options": [], "answer": "a", "explanation": "e",
                "timestamp_seconds": 0}
    question["explanation"] = "e " * max(1, tokens * CHARS_PER_TOKEN // 2 - len(json.dumps(question)))
    return json.dumps({"questions": [question]})


class _PeekingCache:
    """The store's answers as they are, and new ones kept in memory only: an estimate stores nothing."""

    def __init__(self, cache: GenerationCache) -> None:
        self._cache = cache
        self._new = MemoryCache()

    def get_or_compute(self, parts: Mapping[str, Any], compute: Callable[[], Generation]) -> Generation:
        return lookup(self._cache, parts) or self._new.get_or_compute(parts, compute)

    def stats(self) -> dict[str, int]:
        return self._new.stats()


def expected_generation(llm: LlmSettings, cache: GenerationCache, job: VideoProcessingJob,
                        questions: bool = True) -> TokenUsage:
    """Calls and tokens the job's notes (and assessment) are expected to take; no cost (see `priced`)."""
    generator = LlmGenerator(llm, _PeekingCache(cache), client=EstimatingClient(llm), together=questions)
    usage = TokenUsage()
    if not job.has_notes():
        usage.add(generator.generate_notes(job).usage)
    if questions and not job.has_assessment():
        usage.add(generator.generate_assessment(job).usage)
    return usage


def priced(llm: LlmSettings, usage: TokenUsage) -> tuple[float | None, float | None]:
    """The usage's cost at the live price and at the batch price (None where unknown)."""
    return (llm.cost(usage.prompt_tokens, usage.completion_tokens),
            llm.cost(usage.prompt_tokens, usage.completion_tokens, batch=True))
