"""Draw the computational graph behind a ``dlcourse.autograd.Value`` with matplotlib only.

No graphviz binary is needed: nodes are placed in layers by their depth (inputs on the left,
the output on the right), and each layer is ordered by the mean height of the nodes feeding it,
which keeps small graphs free of most crossings.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch

from dlcourse.autograd import Value
from dlcourse.checks import check_bool, check_instance
from dlcourse.plot import COLORS

__all__ = ["draw_graph", "trace"]


def trace(root: Value) -> tuple[list[Value], list[tuple[Value, Value]]]:
    """Every Value that ``root`` depends on, and every edge (input, output), without recursion.

    Returns:
        ``(nodes, edges)``: nodes in topological order (inputs before the Values using them),
        edges as ``(child, parent)`` pairs, one per use (``x * x`` gives two edges).
    """
    check_instance("root", root, Value, "a dlcourse.autograd.Value (trace() needs a Value)")
    order = root.topological_order()
    edges = [(child, node) for node in order for child in node._prev]
    return order, edges


def draw_graph(root: Value, ax: plt.Axes | None = None, show_grad: bool = True) -> plt.Axes:
    """Draw ``root``'s graph: a box per Value (label, data, grad), a circle per operation.

    Args:
        root: the output Value; everything it depends on is drawn.
        ax: the axes to draw into (a new figure sized to the graph when ``None``).
        show_grad: also print each Value's ``.grad`` (call ``root.backward()`` first).

    Returns:
        The axes, with the axis frame turned off.
    """
    nodes, _ = trace(root)
    if ax is not None:
        check_instance("ax", ax, plt.Axes, "matplotlib Axes or None")
    show_grad = check_bool("show_grad", show_grad)
    # Layer of a Value: 0 for inputs, else 2 + the deepest of its inputs (the odd layer in
    # between holds the operation that made it).
    layer: dict[int, int] = {}
    for node in nodes:
        layer[id(node)] = 2 + max((layer[id(c)] for c in node._prev), default=-2)
    # Inputs then move right, next to their first use (a constant deep in the graph is drawn
    # beside the operation that needs it, not far away on the left).
    first_use: dict[int, int] = {}
    for node in nodes:
        for child in node._prev:
            if not child._prev:
                here = layer[id(node)]
                first_use[id(child)] = min(first_use.get(id(child), here), here)
    for key, lay in first_use.items():
        layer[key] = lay - 2
    # One drawing element per Value and, for computed Values, one per operation.
    items: dict[tuple[str, int], dict] = {}
    for node in nodes:
        items[("v", id(node))] = {"layer": layer[id(node)], "node": node}
        if node._prev:
            items[("op", id(node))] = {"layer": layer[id(node)] - 1, "node": node}
    inputs_of = {
        key: (
            [("v", id(c)) for c in item["node"]._prev]
            if key[0] == "op"
            else ([("op", id(item["node"]))] if item["node"]._prev else [])
        )
        for key, item in items.items()
    }
    by_layer: dict[int, list[tuple[str, int]]] = {}
    for key, item in items.items():
        by_layer.setdefault(item["layer"], []).append(key)
    y: dict[tuple[str, int], float] = {}
    for lay in sorted(by_layer):
        keys = by_layer[lay]
        if lay > 0:  # barycentre ordering: sit near the nodes that feed you
            keys.sort(key=lambda k: sum(y[i] for i in inputs_of[k]) / max(len(inputs_of[k]), 1))
        for rank, key in enumerate(keys):
            y[key] = (len(keys) - 1) / 2 - rank
    n_layers, height = max(by_layer) + 1, max(len(k) for k in by_layer.values())
    if ax is None:
        _, ax = plt.subplots(figsize=(0.85 * n_layers + 0.6, 0.9 * height + 0.6))
    x = {key: 1.0 * item["layer"] for key, item in items.items()}
    boxes = {}
    for key, item in items.items():
        node = item["node"]
        if key[0] == "op":
            boxes[key] = ax.text(
                x[key],
                y[key],
                node._op,
                ha="center",
                va="center",
                fontsize=9,
                bbox={"boxstyle": "circle", "fc": "#fde9c9", "ec": COLORS[1]},
            )
        else:
            text = (f"{node.label}\n" if node.label else "") + f"data {node.data:.3g}"
            text += f"\ngrad {node.grad:.3g}" if show_grad else ""
            boxes[key] = ax.text(
                x[key],
                y[key],
                text,
                ha="center",
                va="center",
                fontsize=8,
                bbox={"boxstyle": "round", "fc": "#dbe9f6", "ec": COLORS[0]},
            )
    ax.set_xlim(-0.7, n_layers - 0.3)
    ax.set_ylim(-height / 2 - 0.3, height / 2 + 0.3)
    ax.axis("off")
    # Arrows end at the borders of the boxes they join: measure the boxes once drawn.
    ax.figure.canvas.draw()
    to_data = ax.transData.inverted()
    half = {}
    for key, box in boxes.items():
        (x0, y0), (x1, y1) = to_data.transform(box.get_bbox_patch().get_window_extent())
        half[key] = ((x1 - x0) / 2, (y1 - y0) / 2)
    for key in items:
        for src in inputs_of[key]:
            start = _border(x[src], y[src], x[key], y[key], *half[src])
            end = _border(x[key], y[key], x[src], y[src], *half[key])
            bend = -0.2 if x[key] - x[src] > 2 else 0.0  # long edges arc over the boxes
            ax.add_patch(
                FancyArrowPatch(
                    start,
                    end,
                    arrowstyle="-|>",
                    mutation_scale=10,
                    color="0.4",
                    shrinkA=0,
                    shrinkB=0,
                    zorder=1,
                    connectionstyle=f"arc3,rad={bend}",
                )
            )
    return ax


def _border(cx: float, cy: float, tx: float, ty: float, hw: float, hh: float) -> tuple:
    """Where the ray from the centre (cx, cy) of a box of half-sizes (hw, hh) to (tx, ty) exits."""
    dx, dy = tx - cx, ty - cy
    scale = min(hw / abs(dx) if dx else float("inf"), hh / abs(dy) if dy else float("inf"))
    return cx + dx * scale, cy + dy * scale
