"""TextRank: the sentences most like the rest of their passage, in pure Python.

Sentences are nodes; an edge's weight is the overlap of two sentences' content
words, weighted by rarity and scaled down for long sentences (Mihalcea and
Tarau's measure with IDF weights). PageRank on that graph scores how central
each sentence is. The graph costs O(n²) pairs, so callers rank passages (a
section, a shortlist), and a passage longer than MAX_NODES is first trimmed to
its densest sentences.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DAMPING = 0.85
MAX_ITERATIONS = 60
TOLERANCE = 1e-7
# About 20,000 pairs: a few tens of milliseconds.
MAX_NODES = 200
# Two picks sharing more than this share of their words say the same thing twice;
# so does one that holds nearly all the words of the other (a sentence, and it joined to the next).
REDUNDANCY = 0.5
CONTAINED = 0.8
# Words are compared by their first letters, a stemmer that knows no language:
# "network" and "networks", "Lernrate" and "Lernraten" match.
STEM_LENGTH = 6


@dataclass(frozen=True)
class Node:
    """A sentence as the ranking sees it: its position and its content words."""

    index: int
    words: frozenset[str]


def stems(words: Sequence[str]) -> frozenset[str]:
    return frozenset(word[:STEM_LENGTH] for word in words)


def pick(
    nodes: Sequence[Node], count: int, idf: Mapping[str, float], weights: Mapping[int, float] | None = None
) -> list[Node]:
    """Up to ``count`` central, mutually different nodes, in their original order; a node's score is
    multiplied by its weight in ``weights`` (by index), if any."""
    if count <= 0 or not nodes:
        return []
    shortlist = _densest(nodes, idf)
    scores = pagerank(shortlist, idf)
    if weights:
        scores = [score * weights.get(node.index, 1.0) for score, node in zip(scores, shortlist)]
    order = sorted(range(len(shortlist)), key=lambda i: (-scores[i], shortlist[i].index))
    chosen: list[Node] = []
    for i in order:
        node = shortlist[i]
        if not any(_redundant(node.words, other.words, _both(weights, node, other)) for other in chosen):
            chosen.append(node)
            if len(chosen) == count:
                break
    return sorted(chosen, key=lambda node: node.index)


def pagerank(nodes: Sequence[Node], idf: Mapping[str, float]) -> list[float]:
    """Each node's PageRank on the weighted similarity graph."""
    size = len(nodes)
    edges: list[list[tuple[int, float]]] = [[] for _ in range(size)]
    for i in range(size):
        for j in range(i + 1, size):
            weight = _similarity(nodes[i].words, nodes[j].words, idf)
            if weight > 0.0:
                edges[i].append((j, weight))
                edges[j].append((i, weight))
    out_weight = [sum(weight for _, weight in links) for links in edges]
    scores = [1.0 / size] * size
    for _ in range(MAX_ITERATIONS):
        shares = [scores[j] / out_weight[j] if out_weight[j] else 0.0 for j in range(size)]
        updated = [
            (1.0 - DAMPING) / size + DAMPING * sum(shares[j] * weight for j, weight in edges[i])
            for i in range(size)
        ]
        converged = max(abs(a - b) for a, b in zip(updated, scores)) < TOLERANCE
        scores = updated
        if converged:
            break
    return scores


def _similarity(a: frozenset[str], b: frozenset[str], idf: Mapping[str, float]) -> float:
    shared = a & b
    if not shared:
        return 0.0
    # fsum: exact whatever the order, and a set's order changes with each process's hash seed,
    # which would otherwise break ties differently from one run to the next.
    return math.fsum(idf.get(word, 1.0) for word in shared) / (math.log(1 + len(a)) + math.log(1 + len(b)))


def _redundant(a: frozenset[str], b: frozenset[str], weighted: bool) -> bool:
    """Whether two picks say the same thing; two weighted ones (definitions) are alike in their words when they
    define two things alike, and say the same only when one holds the other."""
    shared = len(a & b)
    union = len(a | b)
    if not union:
        return True
    contained = shared / max(min(len(a), len(b)), 1) > CONTAINED
    return contained or (not weighted and shared / union > REDUNDANCY)


def _both(weights: Mapping[int, float] | None, a: Node, b: Node) -> bool:
    return bool(weights) and a.index in weights and b.index in weights


def _densest(nodes: Sequence[Node], idf: Mapping[str, float]) -> list[Node]:
    """The passage itself, or, when it is too long for the graph, its most informative nodes."""
    if len(nodes) <= MAX_NODES:
        return list(nodes)

    def density(node: Node) -> float:
        return math.fsum(idf.get(word, 1.0) for word in node.words) / math.sqrt(len(node.words) or 1)

    kept = sorted(nodes, key=lambda node: (-density(node), node.index))[:MAX_NODES]
    return sorted(kept, key=lambda node: node.index)
