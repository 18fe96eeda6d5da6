"""What a request is expected to cost before it is sent, and the cap a run may not pass (--max-cost).

Prompt tokens are estimated from the request itself; completion tokens can
only be expected. Study notes run to about an eighth of the prompt they
answer, never past the request's own output limit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from tubenotes.errors import ConfigurationError, CostCapReached
from tubenotes.generate.chunking import message_tokens
from tubenotes.generate.providers import LlmSettings
from tubenotes.job import TokenUsage

# Completion tokens per prompt token, and a floor: a short transcript still gets a page of notes.
COMPLETION_SHARE = 1 / 8
COMPLETION_FLOOR = 200


def prompt_tokens(body: dict[str, Any]) -> int:
    return sum(message_tokens(message) for message in body.get("messages", []))


def expected_completion_tokens(body: dict[str, Any]) -> int:
    limit = body.get("max_completion_tokens") or body.get("max_tokens") or 4096
    return min(int(limit), int(prompt_tokens(body) * COMPLETION_SHARE) + COMPLETION_FLOOR)


def expected_usage(settings: LlmSettings, bodies: Iterable[dict[str, Any]], batch: bool = False) -> TokenUsage:
    """Calls, tokens and cost the requests are expected to take (cost None: the price is unknown)."""
    usage = TokenUsage()
    for body in bodies:
        prompt, completion = prompt_tokens(body), expected_completion_tokens(body)
        usage.add(TokenUsage(1, prompt, completion, settings.cost(prompt, completion, batch)))
    return usage


class CostBudget:
    """The US dollars a run may spend on LLM calls: each call or batch reserves its expected cost first,
    and is not made when that would pass the cap."""

    def __init__(self, cap_usd: float) -> None:
        self.cap = cap_usd
        self._spent = 0.0
        self._reserved = 0.0
        self._lock = threading.Lock()

    @property
    def spent_usd(self) -> float:
        with self._lock:
            return self._spent

    @contextmanager
    def reserve(self, settings: LlmSettings, bodies: list[dict[str, Any]], batch: bool = False
                ) -> Iterator[Callable[[float | None], None]]:
        """Hold the requests' expected cost, or raise CostCapReached; the caller reports what they did cost
        (a reservation whose calls failed is given back)."""
        expected = expected_usage(settings, bodies, batch).cost_usd
        if expected is None:
            raise ConfigurationError(f"--max-cost needs a known price, and {settings.label} has none in the "
                                     "price table; leave --max-cost out, or choose a model with a price")
        with self._lock:
            if self._spent + self._reserved + expected > self.cap:
                raise CostCapReached(
                    f"stopped before passing --max-cost ${self.cap:.2f}: ${self._spent:.4f} spent, and the next "
                    f"{'batch' if batch else 'call'} would cost about ${expected:.4f} more; raise --max-cost and "
                    "run `tubenotes resume` to go on")
            self._reserved += expected
        actual: list[float | None] = []
        try:
            yield actual.append
        finally:
            with self._lock:
                self._reserved -= expected
                self._spent += sum(cost or 0.0 for cost in actual)
