"""Telling a usable answer from one that must never become a note."""

from __future__ import annotations

import re

# An answer this short is a remark about the task, not notes of a lecture.
MIN_NOTES_WORDS = 25
# Refusals and apologies open the answer; a lecture that says "sorry" later does not count.
_OPENING_CHARS = 300
_NOT_NOTES = re.compile(
    r"\b(i'?m sorry|i am sorry|i apologi[sz]e|unfortunately,? i\b|i can(?:no|')t (?:help|assist|comply|provide|do)"
    r"|i cannot (?:help|assist|comply|provide|do)|i'?m (?:not able|unable) to|i am (?:not able|unable) to"
    r"|as an ai\b|please (?:provide|share|paste|send|upload) (?:the|a|your) (?:transcript|text|video|lecture)"
    r"|(?:no|the) transcript (?:was|is) (?:not )?(?:provided|missing|empty|included)"
    r"|i don'?t (?:see|have) (?:a|the|any) transcript)",
    re.IGNORECASE,
)
# Wrappers some models put around an answer: a reasoning block, and a code fence around the whole of it.
_THINK = re.compile(r"^\s*<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_WRAPPING_FENCE = re.compile(r"```(?:markdown|md|json)?(?=[\s{])(?P<body>.*)```", re.DOTALL | re.IGNORECASE)


def unwrap(text: str) -> str:
    """The answer without a leading <think>...</think> block and without a fence around all of it."""
    text = _THINK.sub("", text).strip()
    fenced = _WRAPPING_FENCE.fullmatch(text)
    return fenced.group("body").strip() if fenced else text


def bad_answer_reason(text: str | None, finish_reason: str | None, refusal: str | None) -> str | None:
    """Why a completion cannot be used at all (empty, cut off, refused), or None."""
    if refusal:
        return f"the model refused: {refusal.strip()[:200]}"
    if finish_reason == "length":
        return "the answer was cut off at the output limit"
    if finish_reason == "content_filter":
        return "the provider's content filter stopped the answer"
    if not text or not text.strip():
        return "the answer was empty"
    return None


def notes_problem(text: str) -> str | None:
    """Why ``text`` is not study notes (an apology, a request for the transcript, too short), or None."""
    opening = text.strip()[:_OPENING_CHARS]
    match = _NOT_NOTES.search(opening)
    if match:
        return f"the model answered with {match.group(0)!r}... instead of notes"
    words = len(text.split())
    if words < MIN_NOTES_WORDS:
        return f"the answer has {words} words, too few to be notes"
    return None
