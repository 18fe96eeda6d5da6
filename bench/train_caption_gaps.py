"""Learn the corrections that tubenotes/generate/captions.py adds to its rules' score of a gap between two words.

    python bench/train_caption_gaps.py [PUNCTUATED_TRANSCRIPT ...]

By default it learns from the Physics example's transcript
(examples/Physics/intro_to_thermodynamics.en.vtt), which is none of the texts
bench_offline_notes.py measures the caption splitter on (the thermodynamics
course in tests/data/thermodynamics/, the waves and enzymes lectures). The
text is turned into what captions give (lower case, no punctuation); every gap
where the rules allow a sentence to end is an example, a sentence end or not.
A logistic regression takes the rules' score as it is and learns, for the
words around the gap (those among the 2,000 commonest English words only, so
that the topic's own words teach nothing that holds for this topic alone), how
much more or less a sentence ends there. The weights it writes are that, in
the rules' units, for features seen at least MIN_COUNT times.
"""

from __future__ import annotations

import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from wordfreq import top_n_list

from tubenotes.generate.captions import GAP_WEIGHTS, _bare, _gain, gap_features
from tubenotes.sources.formats import parse_transcript
from tubenotes.testing.captions import caption_words

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = [ROOT / "examples" / "Physics" / "intro_to_thermodynamics.en.vtt"]
COMMON_WORDS = 2000
MIN_COUNT = 4
L2 = 2.0  # per feature: pulls a rare feature's weight to nothing
STEPS, RATE = 1500, 0.1


def words_and_ends(path: Path) -> tuple[list[str], set[int]]:
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".vtt", ".srt"):
        text = parse_transcript(text, path.suffix).text
    return caption_words(text)


def main(paths: list[Path]) -> None:
    common = set(top_n_list("en", COMMON_WORDS)) | {"<s>", "</s>"}
    examples: list[tuple[float, list[str], bool]] = []
    for path in paths:
        words, ends = words_and_ends(path)
        bare = [_bare(word) for word in words]
        for cut in range(1, len(bare)):
            rules = _gain(bare, cut, 0.0, False, False)
            if rules is None:
                continue
            known = [f for f in gap_features(bare, cut) if all(w in common for w in f.split("=", 1)[1].split())]
            examples.append((rules, known, cut in ends))
    counts = Counter(f for _, features, _ in examples for f in features)
    vocabulary = sorted(f for f, n in counts.items() if n >= MIN_COUNT)
    index = {f: i for i, f in enumerate(vocabulary)}
    rows = np.zeros((len(examples), len(vocabulary)), dtype=np.float32)
    for row, (_, features, _) in enumerate(examples):
        for f in features:
            if f in index:
                rows[row, index[f]] = 1.0
    rules = np.array([r for r, _, _ in examples])
    truth = np.array([end for _, _, end in examples], dtype=np.float64)
    # Adagrad: a rare word's weight moves as fast as a common one's.
    parameters = np.zeros(len(vocabulary) + 2, dtype=np.float64)  # the words' weights, the rules' scale, a bias
    parameters[-2] = 1.0
    columns = np.hstack([rows, rules[:, None], np.ones((len(examples), 1))]).astype(np.float32)
    penalty = np.full(len(parameters), L2 / len(examples))
    penalty[-2:] = 0.0
    fixed = np.zeros(len(parameters))
    fixed[-2] = 1.0  # the rules' scale stays theirs: the weights are corrections in their units
    squares = np.full(len(parameters), 1e-8)
    for _ in range(STEPS):
        error = 1 / (1 + np.exp(-(columns @ parameters))) - truth
        gradient = columns.T @ error / len(examples) + penalty * parameters
        squares += gradient ** 2
        parameters -= (1 - fixed) * RATE * gradient / np.sqrt(squares)
    weights, scale, bias = parameters[:-2], float(parameters[-2]), float(parameters[-1])
    lines = [f"# Learned by bench/train_caption_gaps.py from {', '.join(p.name for p in paths)}: "
             f"{len(examples)} gaps, {int(truth.sum())} sentence ends; the rules' score times {scale:.2f}.",
             "# feature<TAB>correction, in the rules' units"]
    lines += [f"{f}\t{w / scale:.2f}" for f, w in zip(vocabulary, weights) if abs(w / scale) >= 0.05]
    GAP_WEIGHTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines) - 2} weights, scale {scale:.2f}, bias {bias:.2f} -> {GAP_WEIGHTS}", file=sys.stderr)
    assert math.isfinite(scale)


if __name__ == "__main__":
    main([Path(arg) for arg in sys.argv[1:]] or DEFAULT)
