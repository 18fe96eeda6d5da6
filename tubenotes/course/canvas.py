"""The concept map: a layout of the course, written as JSON Canvas (jsoncanvas.org) for Obsidian.

Lectures are file nodes in one column, in course order. Each concept several
lectures share is a text node linking its note, in a column to the right: the
further right, the more concepts it builds on in a chain. A concept sits at the
height of the lecture that introduces it, pushed down as little as needed so
that no two nodes overlap. Edges go from a lecture to each concept it uses
(green from the lecture that introduces it) and from a concept to those
that build on it (purple). The layout is a sort and one pass per column: a
200-lecture course lays out, with its canvas and picture, in about 0.1 s.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tubenotes.course.material import Course, CourseConcept
from tubenotes.course.words import Words
from tubenotes.text.markdown import wikilink
from tubenotes.vault.adopt import MAP_MARK

LECTURE_WIDTH, LECTURE_HEIGHT = 420, 120
CONCEPT_WIDTH, CONCEPT_HEIGHT = 260, 60
ROW_GAP = 40  # between lectures
STACK_GAP = 20  # between concepts of one column
FIRST_COLUMN_X = LECTURE_WIDTH + 240  # room for the edges to fan out
COLUMN_GAP = 120
LEGEND_HEIGHT = 100
# JSON Canvas preset colours.
INTRODUCES_COLOR = "4"  # green
BUILDS_ON_COLOR = "6"  # purple
LECTURE_COLOR = "5"  # cyan


@dataclass(frozen=True)
class Node:
    id: str
    kind: str  # "file" or "text"
    x: int
    y: int
    width: int
    height: int
    label: str  # the lecture title or concept name, for pictures
    content: str  # the file path (file nodes) or the Markdown (text nodes)
    color: str | None = None


@dataclass(frozen=True)
class Edge:
    id: str
    source: str
    target: str
    color: str | None = None


@dataclass(frozen=True)
class Layout:
    nodes: list[Node]
    edges: list[Edge]


def lay_out(root: Path, course: Course) -> Layout:
    nodes = [Node(MAP_MARK, "text", 0, -LEGEND_HEIGHT - ROW_GAP, FIRST_COLUMN_X + CONCEPT_WIDTH, LEGEND_HEIGHT,
                  "", Words(course.language).course.map_legend)]
    lecture_ids: dict[int, str] = {}
    lecture_y: dict[int, int] = {}
    for lecture in course.lectures:
        assert lecture.job.notes_filepath is not None
        path = lecture.job.notes_filepath.relative_to(root).as_posix()
        node_id = _id("lecture", path)
        lecture_ids[lecture.number] = node_id
        lecture_y[lecture.number] = (lecture.number - 1) * (LECTURE_HEIGHT + ROW_GAP)
        nodes.append(Node(node_id, "file", 0, lecture_y[lecture.number], LECTURE_WIDTH, LECTURE_HEIGHT,
                          lecture.title if lecture.title[:1].isdigit() else f"{lecture.number}. {lecture.title}",
                          path, LECTURE_COLOR))
    columns = _columns(course.concepts)
    concept_ids = {id(c): _id("concept", c.link) for c in course.concepts}
    for column, members in sorted(columns.items()):
        x = FIRST_COLUMN_X + column * (CONCEPT_WIDTH + COLUMN_GAP)
        wanted = sorted(members, key=lambda c: (lecture_y[c.first.number], c.at or 0, c.name.casefold()))
        free = None  # the first height below the last node placed in this column
        for concept in wanted:
            y = lecture_y[concept.first.number] + (LECTURE_HEIGHT - CONCEPT_HEIGHT) // 2
            y = y if free is None else max(y, free)
            free = y + CONCEPT_HEIGHT + STACK_GAP
            nodes.append(Node(concept_ids[id(concept)], "text", x, y, CONCEPT_WIDTH, CONCEPT_HEIGHT, concept.name,
                              f"**{wikilink(concept.link, concept.name)}**"))
    edges: list[Edge] = []
    for concept in course.concepts:
        target = concept_ids[id(concept)]
        for lecture in concept.lectures:
            color = INTRODUCES_COLOR if lecture is concept.first else None
            edges.append(Edge(_id("uses", f"{lecture.number}:{concept.link}"), lecture_ids[lecture.number], target,
                              color))
        for base in concept.builds_on:
            edges.append(Edge(_id("builds", f"{base.link}:{concept.link}"), concept_ids[id(base)], target,
                              BUILDS_ON_COLOR))
    return Layout(nodes, edges)


def render_canvas(layout: Layout) -> str:
    """The layout as JSON Canvas 1.0."""
    return "".join(canvas_chunks(layout))


def canvas_chunks(layout: Layout) -> Iterator[str]:
    """`render_canvas` in pieces, a node or edge at a time: the text ``json.dumps`` gives the whole
    (indented by one space a level), never held whole."""
    yield '{\n "nodes": '
    yield from _json_list(_node_item(node) for node in layout.nodes)
    yield ',\n "edges": '
    yield from _json_list(_edge_item(edge) for edge in layout.edges)
    yield "\n}\n"


def _json_list(items: Iterable[dict[str, object]]) -> Iterator[str]:
    """A list of the top object's, as ``json.dumps(..., indent=1)`` writes it: each item two levels in."""
    opening = "[\n  "
    for item in items:
        # A JSON string holds no newline of its own: every one here starts a line of the item.
        yield opening + json.dumps(item, indent=1, ensure_ascii=False).replace("\n", "\n  ")
        opening = ",\n  "
    yield "[]" if opening == "[\n  " else "\n ]"


def _node_item(node: Node) -> dict[str, object]:
    item: dict[str, object] = {"id": node.id, "type": node.kind, "x": node.x, "y": node.y,
                               "width": node.width, "height": node.height}
    item["file" if node.kind == "file" else "text"] = node.content
    if node.color:
        item["color"] = node.color
    return item


def _edge_item(edge: Edge) -> dict[str, object]:
    item: dict[str, object] = {"id": edge.id, "fromNode": edge.source, "fromSide": "right", "toNode": edge.target,
                               "toSide": "left", "toEnd": "arrow"}
    if edge.color:
        item["color"] = edge.color
    return item


def _columns(concepts: list[CourseConcept]) -> dict[int, list[CourseConcept]]:
    """Concepts by column: how long the chain of concepts under each is (they come in the course's order)."""
    depth: dict[int, int] = {}
    for concept in concepts:  # a concept builds only on ones introduced before it, so those have their depth
        depth[id(concept)] = 1 + max((depth.get(id(base), 0) for base in concept.builds_on), default=-1)
    columns: dict[int, list[CourseConcept]] = {}
    for concept in concepts:
        columns.setdefault(depth[id(concept)], []).append(concept)
    return columns


def _id(kind: str, name: str) -> str:
    """A node or edge id that stays the same for the same lecture or concept, so a map re-made diffs small."""
    return hashlib.sha256(f"{kind}:{name}".encode()).hexdigest()[:16]
