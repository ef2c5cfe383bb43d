"""The figures of chapter 13 (representations and generative models).

The page calls one of these per figure, so that it reads as prose, code and pictures; the
drawing code lives here. Digits are 8x8 images stored as rows of 64 pixels in [0, 1].
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from dlcourse.checks import check_array, check_instance, check_real, describe

__all__ = [
    "anomaly_panels",
    "code_map",
    "code_size_panels",
    "digit_rows",
    "gan_losses",
    "gan_snapshots",
    "image_strip",
    "mosaic",
    "posterior_contours",
    "tradeoff",
    "vae_panels",
]

MAX_IMAGES = 400  # digits in one picture


def _digits(name: str, images) -> np.ndarray:
    """(n, 64) pixels in [0, 1], 1 <= n <= MAX_IMAGES."""
    images = check_array(name, images, ndim=2, shape="(n, 64)")
    if images.shape[1] != 64 or not 1 <= len(images) <= MAX_IMAGES:
        raise ValueError(
            f"{name} must be 1 to {MAX_IMAGES} 8x8 digits, (n, 64); got {images.shape}"
        )
    return images


def _named(name: str, value, what: str) -> dict:
    if not isinstance(value, dict) or not value:
        raise TypeError(f"{name} must be a non-empty dict of {what}; got {describe(value)}")
    for key in value:
        check_instance(f"{name}'s keys", key, str)
    return value


def mosaic(rows) -> np.ndarray:
    """One picture of digits: ``rows`` is a list of (n, 64) arrays (each row n digits, the same
    n), drawn as 8x8 images one pixel apart. Returns the (10 * len(rows), 10 * n) picture."""
    if not isinstance(rows, (list, tuple)) or not rows:
        raise TypeError(f"rows must be a non-empty list of (n, 64) arrays; got {describe(rows)}")
    rows = [_digits(f"rows[{i}]", row) for i, row in enumerate(rows)]
    if len({len(row) for row in rows}) != 1:
        raise ValueError(f"rows must all hold as many digits; got {[len(r) for r in rows]}")
    return np.block([[np.pad(img.reshape(8, 8), 1) for img in row] for row in rows])


def digit_rows(ax: Axes, rows, labels: list[str] | None = None, title: str = "") -> Axes:
    """Draw ``mosaic(rows)`` on ``ax`` in grey (ink dark), one label per row if given."""
    check_instance("ax", ax, Axes)
    picture = mosaic(rows)
    check_instance("title", title, str)
    ax.imshow(picture, cmap="gray_r", vmin=0, vmax=1)
    ax.set(xticks=[], yticks=[], title=title)
    if labels is not None:
        if not isinstance(labels, (list, tuple)) or len(labels) != len(rows):
            raise ValueError(f"labels must hold one label per row, {len(rows)}; got {labels!r}")
        ax.set_yticks(5 + 10 * np.arange(len(rows)), [str(label) for label in labels])
    ax.grid(False)
    return ax


def code_size_panels(code_sizes, ae_error, pc_error, rows, labels) -> Figure:
    """Left: test error against the code size, autoencoder and PCA. Right: test digits and
    their reconstructions (``rows``, one label each)."""
    code_sizes = check_array("code_sizes", code_sizes, ndim=1, shape="(k,)")
    ae_error = check_array("ae_error", ae_error, ndim=1, shape="(k,)")
    pc_error = check_array("pc_error", pc_error, ndim=1, shape="(k,)")
    if not len(code_sizes) == len(ae_error) == len(pc_error) or (code_sizes <= 0).any():
        raise ValueError(
            "code_sizes (positive), ae_error and pc_error must have one entry per code size; "
            f"got {len(code_sizes)}, {len(ae_error)}, {len(pc_error)}"
        )
    fig, (left, right) = plt.subplots(
        1, 2, figsize=(10, 3.6), gridspec_kw={"width_ratios": [1, 1.3]}
    )
    left.plot(code_sizes, ae_error, "o-", label="autoencoder (64-128-k-128-64)")
    left.plot(code_sizes, pc_error, "s--", label="PCA, k components")
    left.set_xscale("log", base=2)
    left.minorticks_off()
    left.set_xticks(code_sizes, [f"{k:g}" for k in code_sizes])
    left.set(xlabel="code size k", ylabel="test error (MSE per pixel)")
    left.set_title("Reconstruction error")
    left.legend()
    digit_rows(right, rows, labels, "Test digits and their reconstructions")
    return fig


def code_map(codes, labels) -> Figure:
    """2-D codes (m, 2) as points coloured by class (``labels``, m integers 0-9), each class's
    digit written at its median."""
    codes = check_array("codes", codes, ndim=2, shape="(m, 2)")
    labels = check_array("labels", labels, ndim=1, shape="(m,)")
    if codes.shape[1] != 2 or len(labels) != len(codes) or not np.isin(labels, range(10)).all():
        raise ValueError(
            f"codes must be (m, 2) and labels m digits 0-9; got codes {codes.shape}, "
            f"labels {labels.shape}"
        )
    fig, ax = plt.subplots(figsize=(6.5, 5))
    cmap = plt.get_cmap("tab10")
    for digit in np.unique(labels).astype(int):
        pts = codes[labels == digit]
        ax.scatter(*pts.T, s=12, color=cmap(digit), alpha=0.7)
        ax.text(*np.median(pts, axis=0), str(digit), fontsize=15, weight="bold", color=cmap(digit))
    ax.set(xlabel="code $z_1$", ylabel="code $z_2$")
    ax.set_title("Test digits in the 2-D code, coloured by class")
    return fig


def image_strip(images, titles: list[str]) -> Figure:
    """Digits (n, 64) side by side, one title each (2 to 20 of them)."""
    images = _digits("images", images)
    if not isinstance(titles, (list, tuple)) or len(titles) != len(images) or len(images) > 20:
        raise ValueError(f"titles must hold one title per image (at most 20); got {titles!r}")
    fig, axes = plt.subplots(1, len(images), figsize=(len(images), 1.6), squeeze=False)
    for ax, image, title in zip(axes[0], images, titles, strict=True):
        ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.set(title=str(title), xticks=[], yticks=[])
        ax.grid(False)
    return fig


def anomaly_panels(score, is_anomaly, fpr, tpr, auc: float) -> Figure:
    """Left: histograms of an anomaly ``score`` (m,) for normal and anomalous examples
    (``is_anomaly``, m zeros and ones). Right: the ROC curve ``(fpr, tpr)``, its ``auc``."""
    score = check_array("score", score, ndim=1, shape="(m,)")
    is_anomaly = check_array("is_anomaly", is_anomaly, ndim=1, shape="(m,)")
    if len(is_anomaly) != len(score) or not np.isin(is_anomaly, (0, 1)).all():
        raise ValueError("is_anomaly must hold one 0 or 1 per score")
    if is_anomaly.min() == is_anomaly.max():
        raise ValueError("is_anomaly must hold both classes, 0 and 1")
    fpr = check_array("fpr", fpr, ndim=1, shape="(n,)")
    tpr = check_array("tpr", tpr, ndim=1, shape="(n,)")
    if len(fpr) != len(tpr):
        raise ValueError(f"fpr and tpr must have one length; got {len(fpr)} and {len(tpr)}")
    auc = check_real("auc", auc, min=0.0, max=1.0)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    bins = np.linspace(score.min(), np.quantile(score, 0.99), 40)
    left.hist(score[is_anomaly == 0], bins, alpha=0.7, label="normal (0-4)")
    left.hist(score[is_anomaly == 1], bins, alpha=0.7, label="anomaly (5-9)")
    left.set(xlabel="reconstruction error (MSE per pixel)", ylabel="test digits")
    left.set_title("Anomaly score")
    left.legend()
    right.plot(fpr, tpr, label=f"reconstruction error (AUC {auc:.2f})")
    right.plot([0, 1], [0, 1], ls=":", color="gray", label="random score (AUC 0.5)")
    right.set(xlabel="false-positive rate", ylabel="true-positive rate", title="ROC curve")
    right.legend(loc="lower right")
    return fig


def vae_panels(tiles, samples, extent: float) -> Figure:
    """Left: a 10 x 10 grid of digits decoded from evenly spaced codes in [-extent, extent]^2
    (``tiles``, 100 digits, row by row from the top). Right: 100 sampled digits."""
    tiles = _digits("tiles", tiles)
    samples = _digits("samples", samples)
    if len(tiles) != 100 or len(samples) != 100:
        raise ValueError(
            f"tiles and samples must hold 100 digits each; got {len(tiles)}, {len(samples)}"
        )
    extent = check_real("extent", extent, min=0.0, min_open=True)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 5))
    pad = extent * 1.1
    left.imshow(mosaic(list(tiles.reshape(10, 10, 64))), cmap="gray_r", vmin=0, vmax=1,
                extent=(-pad, pad, -pad, pad))  # fmt: skip
    left.set(
        xlabel="$z_1$", ylabel="$z_2$", title=f"Decoded grid of codes in [-{extent:g}, {extent:g}]"
    )
    left.grid(False)
    digit_rows(
        right, list(samples.reshape(10, 10, 64)), title="100 new digits: z ~ N(0, I), decoded"
    )
    return fig


def tradeoff(betas, reconstruction, kl) -> Figure:
    """A beta-VAE's trade-off: one point per beta, reconstruction term against KL term."""
    betas = check_array("betas", betas, ndim=1, shape="(n,)")
    reconstruction = check_array("reconstruction", reconstruction, ndim=1, shape="(n,)")
    kl = check_array("kl", kl, ndim=1, shape="(n,)")
    if not len(betas) == len(reconstruction) == len(kl):
        raise ValueError("betas, reconstruction and kl must have one entry per beta")
    fig, ax = plt.subplots(figsize=(6, 3.8))
    ax.plot(kl, reconstruction, "o-")
    for b, x, y in zip(betas, kl, reconstruction, strict=True):
        ax.annotate(f"β = {b:g}", (x, y), textcoords="offset points", xytext=(6, 4), fontsize=9)
    ax.set(xlabel="KL term (nats per digit)", ylabel="reconstruction term (per digit)")
    ax.set_title("β trades reconstruction for a code close to N(0, I)")
    return fig


def posterior_contours(z1, z2, densities: dict, point=None) -> Figure:
    """Contours of densities on a grid of codes: ``densities`` maps a name to a
    (len(z2), len(z1)) array; ``point`` (2,) marks a code, if given."""
    z1 = check_array("z1", z1, ndim=1, shape="(n1,)")
    z2 = check_array("z2", z2, ndim=1, shape="(n2,)")
    densities = _named("densities", densities, "name -> (n2, n1) arrays")
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    styles = ["-", "--", ":"]
    for i, (name, d) in enumerate(densities.items()):
        d = check_array(f"densities[{name!r}]", d, ndim=2, shape="(n2, n1)")
        if d.shape != (len(z2), len(z1)):
            raise ValueError(f"densities[{name!r}] must be ({len(z2)}, {len(z1)}); got {d.shape}")
        levels = d.max() * np.array([0.1, 0.5, 0.9])
        ax.contour(z1, z2, d, levels=levels, colors=[f"C{i}"], linestyles=styles[i % 3])
        ax.plot([], [], color=f"C{i}", ls=styles[i % 3], label=name)
    shown = sum(d / d.max() for d in map(np.asarray, densities.values())) > 1e-3
    if shown.any():  # zoom on where the densities are
        cols, rows = np.flatnonzero(shown.any(0)), np.flatnonzero(shown.any(1))
        ax.set_xlim(z1[cols[0]], z1[cols[-1]])
        ax.set_ylim(z2[rows[0]], z2[rows[-1]])
    if point is not None:
        point = check_array("point", point, ndim=1, shape="(2,)")
        if point.shape != (2,):
            raise ValueError(f"point must be one code (z1, z2); got shape {point.shape}")
        ax.plot(*point, "k+", markersize=10, label="encoder's mean")
    ax.set(xlabel="$z_1$", ylabel="$z_2$", title="Where the codes of one digit lie")
    ax.legend(fontsize=8)
    return fig


def gan_snapshots(real, runs: dict, steps, counts: dict) -> Figure:
    """Generated points over the real ones: one row per run, one column per step.

    Args:
        real: (m, 2) real points, drawn in grey.
        runs: ``{name: {step: (n, 2) fakes}}``.
        steps: the steps to show (columns), present in every run.
        counts: ``{name: {step: modes covered}}``, written in each panel's title.
    """
    real = check_array("real", real, ndim=2, shape="(m, 2)")
    if real.shape[1] != 2:
        raise ValueError(f"real must be points in the plane, (m, 2); got {real.shape}")
    runs = _named("runs", runs, "name -> {step: fakes}")
    if not isinstance(steps, (list, tuple)) or not 1 <= len(steps) <= 8:
        raise TypeError(f"steps must be a list of 1 to 8 steps; got {describe(steps)}")
    counts = _named("counts", counts, "name -> {step: count}")
    fig, axes = plt.subplots(len(runs), len(steps), figsize=(2.5 * len(steps), 2.6 * len(runs)),
                             sharex=True, sharey=True, squeeze=False)  # fmt: skip
    for row, (name, fakes_by_step) in zip(axes, runs.items(), strict=True):
        for ax, step in zip(row, steps, strict=True):
            if step not in fakes_by_step or step not in counts.get(name, {}):
                raise ValueError(
                    f"steps must be in runs[{name!r}] and counts[{name!r}]; {step!r} is not"
                )
            fakes = check_array(
                f"runs[{name!r}][{step}]", fakes_by_step[step], ndim=2, shape="(n, 2)"
            )
            if fakes.shape[1] != 2:
                raise ValueError(f"runs[{name!r}][{step}] must be (n, 2); got {fakes.shape}")
            ax.scatter(*real[:500].T, s=4, color="gray", alpha=0.4)
            ax.scatter(*fakes.T, s=4, color="C3", alpha=0.5)
            ax.set(title=f"step {step}: {counts[name][step]}/8 modes", xlim=(-3, 3), ylim=(-3, 3))
            ax.set_aspect("equal")
        row[0].set_ylabel(f"{name} setting")
    axes[0, 0].scatter([], [], color="gray", label="real")
    axes[0, 0].scatter([], [], color="C3", label="generated")
    axes[0, 0].legend(loc="center", fontsize=8)
    return fig


def gan_losses(runs: dict, titles: dict, window: int = 50) -> Figure:
    """Both players' losses per step (``runs``: ``{name: {"d_loss": [...], "g_loss": [...]}}``),
    as ``window``-step running means, with the coin-toss values 2 log 2 and log 2."""
    runs = _named("runs", runs, 'name -> {"d_loss": [...], "g_loss": [...]}')
    titles = _named("titles", titles, "name -> title")
    window = int(check_real("window", window, min=1, max=10_000))
    fig, axes = plt.subplots(1, len(runs), figsize=(5 * len(runs), 3.6), sharey=True, squeeze=False)
    for ax, (name, log) in zip(axes[0], runs.items(), strict=True):
        if not isinstance(log, dict) or not {"d_loss", "g_loss"} <= log.keys():
            raise TypeError(f"runs[{name!r}] must hold d_loss and g_loss; got {describe(log)}")
        for key, label in (("d_loss", "discriminator"), ("g_loss", "generator")):
            values = check_array(f"runs[{name!r}][{key!r}]", log[key], ndim=1, shape="(n,)")
            if len(values) < window:
                raise ValueError(
                    f"runs[{name!r}][{key!r}] must hold at least window={window} losses"
                )
            ax.plot(np.convolve(values, np.ones(window) / window, mode="valid"), label=label)
        ax.axhline(2 * np.log(2), ls=":", color="gray", label="2 log 2")
        ax.axhline(np.log(2), ls="--", color="gray", label="log 2")
        ax.set(xlabel="step", title=str(titles.get(name, name)))
    axes[0, 0].set_ylabel(f"loss ({window}-step mean)")
    axes[0, 0].legend(fontsize=9)
    return fig
