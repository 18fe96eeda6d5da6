"""Which keyframes show a slide: changes measured by the share of blocks that changed.

A whole-frame difference cannot tell a new slide from a speaker inset that
moves or a cursor: both change pixels. The share of changed blocks can: a new
slide changes its title and text lines across the frame, an inset or a
cursor a few blocks. Blocks that change nearly every time (a live camera
picture inside the slide) are left out of the share. A change that only adds
content where the slide was blank is a build (a bullet appearing), not a new
slide; and the picture kept is the last stable frame of the slide, so it shows
every bullet. A stretch shown for a single keyframe (a transition, a pan, a
talking head) is no slide.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from tubenotes.slides.frames import Keyframe

BLOCK = 10  # pixels of the 320 x 180 thumbnail: 32 x 18 blocks
# Mean grey difference (0-255) above which a block has changed: compression noise stays under 3.
BLOCK_CHANGE = 4.0
# Share of the blocks that must change for a new slide: a slide with another title and other
# bullets changes a tenth or more; a moving inset is left out (see MOTION_REACH), a bullet added is a build.
NEW_SLIDE_SHARE = 0.05
# A frame no further from the one before than this is settled: its picture may be the slide's.
SETTLED_SHARE = 0.1
# Grey spread in a block below which it is blank background (no text, no drawing).
BLANK_SPREAD = 12.0
# Share of a change that may fall on blocks that were not blank, and still be a build.
BUILD_TOLERANCE = 0.1
# Blocks of content replaced by other content that make a new slide however small the change: the next
# slide of a template may differ from the last in a word of its title and one of a bullet.
REPLACED_BLOCKS = 5
# Blocks this close to the last change are moving content (an inset, a camera picture, a pointer):
# left out of the measure, since a slide change is a jump, not a continuing motion.
MOTION_REACH = 2
# A slide is shown at least this long, in at least two keyframes: less is a transition.
MIN_SLIDE_SECONDS = 2.0


@dataclass
class Shown:
    """A stretch of the video that showed one slide, and its last settled keyframe."""

    start: float
    end: float
    keyframe: Keyframe


@dataclass
class _Stretch:
    start: float
    last: Keyframe
    settled: Keyframe
    count: int = 1


@dataclass
class SlideDetector:
    """Fed keyframes in order, yields each slide once the video has moved on from it."""

    _previous: Keyframe | None = None
    _stretch: _Stretch | None = None
    _moving: np.ndarray | None = None  # the blocks near the last change

    def feed(self, keyframe: Keyframe) -> Iterator[Shown]:
        previous, self._previous = self._previous, keyframe
        if previous is None:
            self._stretch = _Stretch(keyframe.time, keyframe, keyframe)
            return
        changed = block_means_differ(previous.thumb, keyframe.thumb)
        moving, self._moving = self._moving, _near(changed, MOTION_REACH)
        jumped = changed if moving is None else changed & ~moving
        stretch = self._stretch
        replaced = _replaced(previous.thumb, jumped)
        # Without a change before it (the first comparison) moving content cannot be told apart: the share decides.
        new_slide = jumped.mean() >= NEW_SLIDE_SHARE or (replaced >= REPLACED_BLOCKS and moving is not None)
        if stretch is not None and (not new_slide or replaced <= BUILD_TOLERANCE * jumped.sum()):
            stretch.last, stretch.count = keyframe, stretch.count + 1
            if changed.mean() <= SETTLED_SHARE:
                stretch.settled = keyframe
            return
        yield from self._close(keyframe.time)
        self._stretch = _Stretch(keyframe.time, keyframe, keyframe)

    def finish(self, end: float) -> Iterator[Shown]:
        """The last slide, shown until ``end`` (the video's end)."""
        yield from self._close(end)

    def _close(self, end: float) -> Iterator[Shown]:
        stretch, self._stretch = self._stretch, None
        if stretch is not None and stretch.count >= 2 and end - stretch.start >= MIN_SLIDE_SECONDS:
            yield Shown(stretch.start, end, stretch.settled)


def blocks(thumb: np.ndarray) -> np.ndarray:
    """The thumbnail cut into BLOCK x BLOCK tiles: shape (rows, columns, BLOCK * BLOCK)."""
    rows, columns = thumb.shape[0] // BLOCK, thumb.shape[1] // BLOCK
    tiles = thumb[: rows * BLOCK, : columns * BLOCK].reshape(rows, BLOCK, columns, BLOCK).swapaxes(1, 2)
    return tiles.reshape(rows, columns, BLOCK * BLOCK)


def block_means_differ(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """Per block, whether it changed between two thumbnails."""
    difference = np.abs(before.astype(np.int16) - after.astype(np.int16))
    return blocks(difference).mean(axis=2) > BLOCK_CHANGE


def _near(mask: np.ndarray, reach: int) -> np.ndarray:
    """``mask`` grown by ``reach`` blocks in every direction."""
    grown = mask.copy()
    for _ in range(reach):
        step = grown.copy()
        step[1:] |= grown[:-1]
        step[:-1] |= grown[1:]
        step[:, 1:] |= grown[:, :-1]
        step[:, :-1] |= grown[:, 1:]
        grown = step
    return grown


def _replaced(before: np.ndarray, changed: np.ndarray) -> int:
    """How many changed blocks held content before (text, a drawing): a build only adds where it was blank."""
    tiles = blocks(before)
    spread = tiles.max(axis=2).astype(np.int16) - tiles.min(axis=2)
    return int((changed & (spread > BLANK_SPREAD)).sum())


# Perceptual hash: 16 x 16 brightness gradients, 256 bits. Slides share templates, so the
# hash must see lines of text: the common 8 x 8 one finds two slides of one template alike.
HASH_SIZE = 16
# Bits (of 256) two pictures of one slide may differ by: compression, a cursor, an inset.
SAME_PICTURE_BITS = 24


def picture_hash(thumb: np.ndarray) -> int:
    """A difference hash (dHash) of a thumbnail: each bit says whether a cell is brighter than its right neighbour."""
    rows, columns = HASH_SIZE, HASH_SIZE + 1
    height, width = thumb.shape[0] // rows * rows, thumb.shape[1] // columns * columns
    cells = thumb[:height, :width].reshape(rows, height // rows, columns, width // columns).mean(axis=(1, 3))
    bits = (cells[:, 1:] > cells[:, :-1]).flatten()
    return int("".join("1" if bit else "0" for bit in bits), 2)


def same_picture(first: int, second: int) -> bool:
    return (first ^ second).bit_count() <= SAME_PICTURE_BITS
