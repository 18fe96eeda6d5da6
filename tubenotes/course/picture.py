"""The concept map as an SVG picture, from the same layout as the canvas: for the guide and its PDF."""

from __future__ import annotations

from collections.abc import Iterator
from xml.sax.saxutils import escape, quoteattr

from tubenotes.course.canvas import LECTURE_COLOR, Layout, Node
from tubenotes.vault.adopt import MAP_MARK

# Obsidian's preset colours, as the canvas shows them.
_COLORS = {"4": "#44cf6e", "5": "#53dfdd", "6": "#a882ff"}
_EDGE_GREY = "#9a9a9a"
_FILL = {LECTURE_COLOR: "#e8fbfb"}
MARGIN = 20
FONT_SIZE = 22
# Characters per line of a node's label before it wraps (a node has room for two lines).
_CHARS_PER_PIXEL = 1 / 12.5


def render_svg(layout: Layout) -> str:
    return "".join(svg_chunks(layout))


def svg_chunks(layout: Layout) -> Iterator[str]:
    """The picture in pieces, a line at a time: a map of thousands of lectures is never held whole."""
    nodes = [node for node in layout.nodes if node.label]  # the legend is the canvas's; the picture needs none
    by_id = {node.id: node for node in nodes}
    left = min(n.x for n in nodes) - MARGIN
    top = min(n.y for n in nodes) - MARGIN
    width = max(n.x + n.width for n in nodes) - left + MARGIN
    height = max(n.y + n.height for n in nodes) - top + MARGIN
    yield (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{left} {top} {width} {height}" '
           f'width="{width}" height="{height}" font-family="sans-serif" font-size="{FONT_SIZE}">\n'
           f"<desc>{MAP_MARK}</desc>\n"
           f'<rect x="{left}" y="{top}" width="{width}" height="{height}" fill="white"/>\n')
    # Grey edges first, so the coloured ones (introduces, builds on) are drawn over them.
    for edge in sorted(layout.edges, key=lambda e: e.color is not None):
        source, target = by_id.get(edge.source), by_id.get(edge.target)
        if source is None or target is None:
            continue
        x1, y1 = source.x + source.width, source.y + source.height // 2
        x2, y2 = target.x, target.y + target.height // 2
        bend = max(40, (x2 - x1) // 2)
        color = _COLORS.get(edge.color or "", _EDGE_GREY)
        yield (f'<path d="M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}" fill="none" '
               f'stroke="{color}" stroke-width="{3 if edge.color else 1.5}" stroke-opacity="0.8"/>\n')
    for node in nodes:
        yield "".join(line + "\n" for line in _node(node))
    yield "</svg>\n"


def _node(node: Node) -> list[str]:
    stroke = _COLORS.get(node.color or "", "#7a7a7a")
    fill = _FILL.get(node.color or "", "#ffffff")
    lines = _wrap(node.label, int(node.width * _CHARS_PER_PIXEL))
    weight = ' font-weight="bold"' if node.kind == "text" else ""
    first = node.y + node.height // 2 - (len(lines) - 1) * (FONT_SIZE + 4) // 2 + FONT_SIZE // 3
    texts = [f'<text x="{node.x + 12}" y="{first + i * (FONT_SIZE + 4)}"{weight}>{escape(line)}</text>'
             for i, line in enumerate(lines)]
    return [f'<g><title>{escape(node.label)}</title>',
            f'<rect x="{node.x}" y="{node.y}" width="{node.width}" height="{node.height}" rx="10" '
            f'fill={quoteattr(fill)} stroke={quoteattr(stroke)} stroke-width="2"/>', *texts, "</g>"]


def _wrap(label: str, width: int) -> list[str]:
    """At most two lines of ``width`` characters, the second cut with an ellipsis."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > 2:
        lines = [lines[0], lines[1][: width - 1] + "…"]
    return [line if len(line) <= width else line[: width - 1] + "…" for line in lines] or [""]

