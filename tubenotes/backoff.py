"""Exponential back-off, shared by the fetch retries and the LLM retries."""

from __future__ import annotations


def backoff_ceiling(retry: int, base: float, cap: float) -> float:
    """The longest wait before retry number ``retry`` (1, 2, ...): ``base`` doubling each time, capped."""
    return min(cap, base * 2 ** (retry - 1))
