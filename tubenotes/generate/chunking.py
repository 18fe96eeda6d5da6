"""Token budgets and the cutting of long transcripts into parts that fit a model's context.

Tokens are estimated, not counted: a real tokenizer (tiktoken) downloads its
tables on first use, and the estimate only has to keep prompts inside the
window, which a safety margin does. Nothing is ever dropped: every block of
the transcript lands in exactly one chunk.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from tubenotes.text.markdown import format_stamp

if TYPE_CHECKING:
    from tubenotes.job import Chapter, VideoProcessingJob

# English averages about four characters per token with OpenAI's and Llama's tokenizers.
CHARS_PER_TOKEN = 4
# The estimate is rough (other languages, numbers): keep this share of the budget free.
SAFETY_MARGIN = 0.15
# A paragraph of the prompt: short enough for a precise timestamp, long enough to read well.
PARAGRAPH_SECONDS = 30.0
# Without timings, a paragraph is this many words.
PARAGRAPH_WORDS = 120

T = TypeVar("T")


def estimate_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN)


# What an image costs a vision model, in prompt tokens: OpenAI's "high detail" for a 1280 x 720 picture
# is 765; other providers charge less.
IMAGE_TOKENS = 800


def message_tokens(message: Mapping[str, Any]) -> int:
    """A chat message's prompt tokens: its text, or its parts (text, and images: see `IMAGE_TOKENS`)."""
    content = message.get("content") or ""
    if isinstance(content, str):
        return estimate_tokens(content)
    return sum(estimate_tokens(str(part.get("text") or "")) if part.get("type") == "text" else IMAGE_TOKENS
               for part in content)


@dataclass(frozen=True)
class TranscriptBlock:
    """A paragraph of the transcript and when it starts (None for a file without timings)."""

    start: float | None
    text: str

    def render(self) -> str:
        return f"[{format_stamp(self.start)}] {self.text}" if self.start is not None else self.text

    @property
    def tokens(self) -> int:
        return estimate_tokens(self.render()) + 1  # the newline


def transcript_blocks(job: VideoProcessingJob) -> list[TranscriptBlock]:
    """The transcript as stamped paragraphs, broken at chapter starts."""
    if not job.segments:
        words = (job.transcript or "").split()
        return [TranscriptBlock(None, " ".join(words[i:i + PARAGRAPH_WORDS]))
                for i in range(0, len(words), PARAGRAPH_WORDS)]
    chapter_starts = sorted(c.start for c in job.chapters)
    blocks: list[TranscriptBlock] = []
    start, texts = job.segments[0].start, []
    for segment in job.segments:
        crosses_chapter = any(start < c <= segment.start for c in chapter_starts)
        if texts and (segment.start - start >= PARAGRAPH_SECONDS or crosses_chapter):
            blocks.append(TranscriptBlock(start, " ".join(texts)))
            start, texts = segment.start, []
        if segment.text.strip():
            texts.append(" ".join(segment.text.split()))
    if texts:
        blocks.append(TranscriptBlock(start, " ".join(texts)))
    return blocks


def render_blocks(blocks: Sequence[TranscriptBlock]) -> str:
    return "\n".join(block.render() for block in blocks)


def pack(items: Sequence[T], cost: Callable[[T], int], budget: int) -> list[list[T]]:
    """Consecutive items in groups whose cost stays within ``budget`` (an item too big goes alone)."""
    groups: list[list[T]] = []
    used = 0
    for item in items:
        size = cost(item)
        if groups and used + size <= budget:
            groups[-1].append(item)
            used += size
        else:
            groups.append([item])
            used = size
    return groups


def plan_chunks(
    blocks: Sequence[TranscriptBlock], chapters: Sequence[Chapter], budget: int
) -> list[list[TranscriptBlock]]:
    """The blocks cut into chunks of at most ``budget`` tokens, at chapter starts where possible."""
    if sum(b.tokens for b in blocks) <= budget:
        return [list(blocks)]
    pieces = [piece for block in blocks for piece in _split_block(block, budget)]
    by_chapter = _group_by_chapter(pieces, chapters)
    chunks: list[list[TranscriptBlock]] = []
    for chapter_group in pack(by_chapter, lambda g: sum(b.tokens for b in g), budget):
        merged = [block for group in chapter_group for block in group]
        # A chapter longer than the budget is cut between its paragraphs.
        chunks.extend(pack(merged, lambda b: b.tokens, budget))
    return chunks


def _group_by_chapter(
    blocks: Sequence[TranscriptBlock], chapters: Sequence[Chapter]
) -> list[list[TranscriptBlock]]:
    starts = sorted(c.start for c in chapters)
    groups: list[list[TranscriptBlock]] = []
    current = None
    for block in blocks:
        chapter = sum(1 for s in starts if block.start is not None and s <= block.start) if starts else None
        if not groups or chapter is None or chapter != current:
            groups.append([])
        groups[-1].append(block)
        current = chapter
    return groups


def _split_block(block: TranscriptBlock, budget: int) -> list[TranscriptBlock]:
    """A block too big for any chunk, cut between words into pieces that fit."""
    if block.tokens <= budget:
        return [block]
    words = block.text.split()
    per_piece = max(1, budget * CHARS_PER_TOKEN // 8)  # words of ~7 characters, with room to spare
    return [TranscriptBlock(block.start, " ".join(words[i:i + per_piece])) for i in range(0, len(words), per_piece)]
