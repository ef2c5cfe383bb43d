"""Pictures for the convolutional-networks chapter: images in a grid, a matrix with its
numbers, the windows a stride and a padding give, and one filter over a stack of channels.

Each function draws and returns; the chapter calls it in one line, so that its page reads as
prose, the code being taught, and figures.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle

from dlcourse.checks import check_array, check_count, check_instance, check_real, describe

__all__ = ["draw_filter_stack", "draw_grid", "draw_windows", "image_grid"]

# Colour maps centred on zero: their limits are set to +-max|value|, so white means 0.
DIVERGING = ("RdBu", "RdBu_r", "coolwarm", "bwr", "seismic", "PuOr")
# Pictures, not data: past these sizes a drawing is unreadable (and a typo would draw forever).
MAX_PANELS, MAX_CELLS = 64, 400
WINDOW_COLORS = ["#D55E00", "#CC79A7", "#56B4E9"]


def _image(name: str, value, rgb: bool = False) -> np.ndarray:
    image = check_array(name, value, ndim=(2, 3) if rgb else 2, shape="(H, W)")
    if image.ndim == 3 and image.shape[2] != 3:
        raise ValueError(f"{name} must be (H, W) or a colour image (H, W, 3); got {image.shape}")
    if image.size > 10**6:
        raise ValueError(f"{name} must have at most 10**6 pixels; got shape {image.shape}")
    return image


def _rows(images, titles, cmaps):
    """Images as rows of 2-D arrays; titles and colour maps to match."""
    if isinstance(images, np.ndarray) and images.ndim in (2, 3):
        images = [images] if images.ndim == 2 else list(images)
    if not isinstance(images, (list, tuple)) or not images:
        raise TypeError(f"images must be a non-empty list of 2-D arrays; got {describe(images)}")
    one_row = not isinstance(images[0], (list, tuple))
    rows = [list(images)] if one_row else [list(r) for r in images]
    if sum(len(r) for r in rows) > MAX_PANELS:
        raise ValueError(f"images must hold at most {MAX_PANELS} images; got more")
    rows = [
        [_image(f"images[{i}][{j}]", a, rgb=True) for j, a in enumerate(r)]
        for i, r in enumerate(rows)
    ]
    if titles is None:
        titles = [[""] * len(r) for r in rows]
    elif one_row and isinstance(titles, (list, tuple)):
        titles = [titles]
    if not isinstance(titles, (list, tuple)) or [len(t) for t in titles] != [len(r) for r in rows]:
        raise ValueError(f"titles must give one string per image; got {describe(titles)}")
    if not all(isinstance(t, str) for row in titles for t in row):
        raise TypeError(f"titles must be strings; got {describe(titles)}")
    cmaps = [cmaps] * len(rows) if isinstance(cmaps, str) else cmaps
    if not isinstance(cmaps, (list, tuple)) or len(cmaps) != len(rows):
        raise ValueError(f"cmaps must be one colour map name, or one per row; got {cmaps!r}")
    for i, cmap in enumerate(cmaps):
        if not isinstance(cmap, str) or cmap not in plt.colormaps():
            raise ValueError(f"cmaps[{i}] must name a matplotlib colour map; got {cmap!r}")
    return rows, titles, cmaps


def image_grid(images, titles=None, cmaps: str | list[str] = "gray_r", size: float = 1.7) -> Figure:
    """A figure of images, one per panel, axes hidden.

    Args:
        images: one row (a list of images, or an array (n, H, W)) or several rows (a list of
            lists; rows may have different lengths). An image is (H, W), or (H, W, 3) for a
            colour image in [0, 1], which ignores ``cmaps``.
        titles: a string per image, nested like ``images``; or None.
        cmaps: one colour map for every row, or one per row. A diverging map ("RdBu", ...)
            is centred: its limits are +-max|value| of each image, so white is 0.
        size: the side of one panel, in inches.

    Returns:
        The figure (show it with ``dlcourse.plot.show``).
    """
    rows, titles, cmaps = _rows(images, titles, cmaps)
    size = check_real("size", size, min=0.5, max=5.0)
    ncols = max(len(r) for r in rows)
    heights = [max(a.shape[0] / a.shape[1] for a in r) for r in rows]  # each row's aspect
    fig, axes = plt.subplots(
        len(rows),
        ncols,
        figsize=(size * ncols, size * sum(heights) + 0.35 * len(rows)),
        squeeze=False,
        gridspec_kw={"height_ratios": heights},
    )
    for ax in axes.flat:
        ax.axis("off")
    for row, row_titles, cmap, row_axes in zip(rows, titles, cmaps, axes, strict=True):
        for image, title, ax in zip(row, row_titles, row_axes, strict=False):
            limit = np.abs(image).max() or 1.0
            centred = image.ndim == 2 and cmap in DIVERGING  # colour images keep their values
            limits = {"vmin": -limit, "vmax": limit} if centred else {}
            ax.imshow(image, cmap=cmap, **limits)
            ax.set_title(title, fontsize=9)
    return fig


def draw_grid(ax: Axes, values, title: str = "", box=None, cmap: str = "Blues") -> Axes:
    """A small matrix as coloured cells with its numbers written in; ``box = (row, col,
    height, width)`` outlines a window of cells."""
    check_instance("ax", ax, Axes)
    values = _image("values", values)
    if values.size > MAX_CELLS:
        raise ValueError(f"values must have at most {MAX_CELLS} cells; got {values.shape}")
    check_instance("title", title, str)
    if not isinstance(cmap, str) or cmap not in plt.colormaps():
        raise ValueError(f"cmap must name a matplotlib colour map; got {describe(cmap)}")
    ax.imshow(values, cmap=cmap, vmin=values.min() - 1, vmax=values.max() + 1)
    for (r, c), v in np.ndenumerate(values):
        ax.text(c, r, f"{v:g}", ha="center", va="center", fontsize=10)
    if box is not None:
        if not isinstance(box, (tuple, list)) or len(box) != 4:
            raise TypeError(f"box must be (row, col, height, width) or None; got {describe(box)}")
        r, c, h, w = (check_count(f"box[{i}]", v, min=i // 2) for i, v in enumerate(box))
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), w, h, fill=False, edgecolor="#D55E00", lw=3))
    ax.set(xticks=[], yticks=[], title=title)
    ax.grid(False)
    return ax


def draw_windows(ax: Axes, size: int = 5, kernel: int = 3, stride: int = 1, padding: int = 0):
    """A ``size`` x ``size`` input (padding pale) with the windows of the first three outputs
    of its top row, each ``stride`` pixels from the last."""
    check_instance("ax", ax, Axes)
    size, kernel = check_count("size", size, min=1), check_count("kernel", kernel)
    stride, padding = check_count("stride", stride), check_count("padding", padding, min=0)
    n = size + 2 * padding
    if n > 20 or kernel > n:
        raise ValueError(
            f"the padded input (size + 2 * padding = {n}) must be at most 20 and hold the "
            f"kernel ({kernel})"
        )
    grid = np.full((n, n), 0.15)  # padding: pale
    grid[padding : n - padding, padding : n - padding] = 0.45  # the image
    ax.imshow(grid, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(np.arange(-0.5, n), minor=True)
    ax.set_yticks(np.arange(-0.5, n), minor=True)
    ax.grid(which="minor", color="white", lw=2)
    ax.grid(which="major", visible=False)
    ax.tick_params(which="both", length=0)
    outputs = (n - kernel) // stride + 1
    for q, color in zip(range(min(3, outputs)), WINDOW_COLORS, strict=False):
        inset = 0.08 * q  # so that overlapping windows stay visible
        corner = (q * stride - 0.5 + inset, -0.5 + inset)
        side = kernel - 2 * inset
        ax.add_patch(
            Rectangle(
                corner, side, side, fill=False, edgecolor=color, lw=3, label=f"output (0, {q})"
            )
        )
    ax.set(
        xticks=[],
        yticks=[],
        title=f"stride {stride}, padding {padding}\n{size} x {size} input -> "
        f"{outputs} x {outputs} output",
    )
    return ax


DEPTH_X, DEPTH_Y = 1.1, 0.8  # how far back one channel is drawn


def _sheet(ax, x, y, w, h, depth, **style):
    """A square seen in perspective: its corner at (x, y), pushed back by ``depth`` channels."""
    dx, dy = DEPTH_X * depth, DEPTH_Y * depth
    corners = [
        (x + dx, y + dy),
        (x + w + dx, y + dy),
        (x + w + dx, y + h + dy),
        (x + dx, y + h + dy),
    ]
    ax.add_patch(Polygon(corners, closed=True, **style))
    return corners


def draw_filter_stack(ax: Axes, channels: int = 3, kernel: int = 3, side: int = 7) -> Axes:
    """One (C, k, k) filter over a stack of C input channels, and the one output map it makes.

    The filter is as deep as the stack: one k x k slice per channel. Its C k^2 products with
    the window under it are summed into one number, a pixel of one output map.
    """
    check_instance("ax", ax, Axes)
    channels = check_count("channels", channels)
    kernel, side = check_count("kernel", kernel), check_count("side", side)
    if channels > 8 or side > 20 or kernel > side:
        raise ValueError(
            f"draw at most 8 channels of at most 20 x 20 pixels, with kernel <= side; got "
            f"channels={channels}, kernel={kernel}, side={side}"
        )
    pale, filt = "#dbe9f6", "#E69F00"
    fx, fy = 1, side - 1 - kernel  # the window's corner on each channel
    slices = []
    for c in range(channels):  # the input channels, back to front
        depth = channels - 1 - c
        _sheet(ax, 0, 0, side, side, depth, facecolor=pale, edgecolor="#0072B2", alpha=0.8)
        slices.append(_sheet(ax, fx, fy, kernel, kernel, depth, facecolor=filt, alpha=0.8))
    for back, front in zip(slices[0], slices[-1], strict=True):  # the filter's edges in depth
        ax.plot([back[0], front[0]], [back[1], front[1]], color="0.2", lw=1)
    for corners in (slices[0], slices[-1]):
        ax.add_patch(Polygon(corners, closed=True, fill=False, edgecolor="0.2", lw=1))
    top = side + DEPTH_Y * (channels - 1)
    ax.text(side / 2, -1.2, f"input: C = {channels} channels", ha="center")
    ax.text(fx, top + 0.5, f"one filter ({channels}, {kernel}, {kernel}): as deep as the input")
    out_side = side - kernel + 1
    x0 = side + DEPTH_X * (channels - 1) + 3
    ax.add_patch(Rectangle((x0, 0), out_side, out_side, facecolor=pale, edgecolor="#0072B2"))
    ax.add_patch(Rectangle((x0, out_side - 1), 1, 1, facecolor=filt, edgecolor="0.2"))
    ax.annotate(
        "",
        xy=(x0 + 0.5, out_side - 0.5),
        xytext=(fx + kernel, fy + kernel / 2),
        arrowprops={"arrowstyle": "-|>", "color": "0.3", "lw": 1.2},
    )
    ax.text(x0 + out_side / 2, -1.2, "one output map", ha="center")
    ax.text(
        x0 + out_side / 2,
        out_side + 0.5,
        f"one pixel: the sum of\n{channels} x {kernel} x {kernel} products",
        ha="center",
        fontsize=9,
    )
    ax.set(xlim=(-0.5, x0 + out_side + 0.5), ylim=(-2, top + 1.5))
    ax.set_aspect("equal")
    ax.set_axis_off()
    return ax
