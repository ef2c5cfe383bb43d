"""Small image batches for convolutional networks: digits at 28x28, and moved digits.

scikit-learn's digits are 8x8; LeNet-5 was made for MNIST's 28x28. ``upsample`` turns flat
8x8 rows into (m, 1, 28, 28) images by bilinear interpolation, ``translate`` moves a batch of
images by whole pixels, and ``RandomShift`` wraps a ``DataLoader`` so that every training batch
is moved by a fresh random amount per image: augmentation that costs no extra memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["RandomShift", "random_translate", "translate", "upsample"]


def upsample(X: np.ndarray, size: int = 28, image_shape: tuple[int, int] = (8, 8)) -> np.ndarray:
    """Resize flat images to (size, size) with bilinear interpolation, as float32.

    Args:
        X: (m, H * W) flat images, e.g. ``dlcourse.data.digits()[0]`` (H = W = 8).
        size: the new side, ``>= 1``.
        image_shape: (H, W) of the flat images.

    Returns:
        (m, 1, size, size), one channel, values within the input's range.
    """
    X = np.asarray(X)
    H, W = image_shape
    if X.ndim != 2 or X.shape[1] != H * W:
        raise ValueError(
            f"X must have shape (m, {H * W}) for images of shape {image_shape}; got {X.shape}"
        )
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be an integer >= 1; got {size!r}")
    images = torch.as_tensor(X, dtype=torch.float32).reshape(-1, 1, H, W)
    # align_corners=False: each input pixel covers an equal square of the output, so the
    # digit keeps its place in the frame.
    out = F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)
    return out.numpy()


def translate(images: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Move every image ``rows`` pixels down and ``cols`` pixels right, filling with zeros.

    Args:
        images: (N, C, H, W).
        rows, cols: the move, negative for up or left, each smaller than the image side.

    Returns:
        (N, C, H, W); pixels pushed off the edge are lost (nothing wraps around).
    """
    images = np.asarray(images)
    if images.ndim != 4:
        raise ValueError(f"images must be a 4-D array (N, C, H, W); got shape {images.shape}")
    H, W = images.shape[2:]
    if abs(rows) >= H or abs(cols) >= W:
        raise ValueError(f"a move must be smaller than the image ({H}, {W}); got {(rows, cols)}")
    out = np.zeros_like(images)
    out[..., max(rows, 0) : H + min(rows, 0), max(cols, 0) : W + min(cols, 0)] = images[
        ..., max(-rows, 0) : H + min(-rows, 0), max(-cols, 0) : W + min(-cols, 0)
    ]
    return out


def random_translate(
    x: torch.Tensor, max_shift: int, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Move each image of a batch by its own random whole-pixel amount, zero-filled.

    Args:
        x: (N, C, H, W) tensor.
        max_shift: each image moves by rows and columns drawn uniformly from
            ``-max_shift..max_shift``; 0 returns ``x`` unchanged.
        generator: where the moves are drawn from (default: torch's global generator).

    Returns:
        (N, C, H, W), on x's device.
    """
    if x.ndim != 4:
        raise ValueError(f"x must be a 4-D tensor (N, C, H, W); got shape {tuple(x.shape)}")
    N, C, H, W = x.shape
    if (
        isinstance(max_shift, bool)
        or not isinstance(max_shift, int)
        or not 0 <= max_shift < min(H, W)
    ):
        raise ValueError(f"max_shift must be an integer in [0, {min(H, W)}); got {max_shift!r}")
    if max_shift == 0:
        return x
    m = max_shift
    moves = torch.randint(-m, m + 1, (2, N), generator=generator).to(x.device)
    padded = F.pad(x, (m, m, m, m))  # (N, C, H + 2m, W + 2m)
    # Output pixel (r, q) of image n is padded pixel (r - dy + m, q - dx + m).
    rows = (m - moves[0])[:, None] + torch.arange(H, device=x.device)  # (N, H)
    cols = (m - moves[1])[:, None] + torch.arange(W, device=x.device)  # (N, W)
    n = torch.arange(N, device=x.device)[:, None, None]
    return padded[n, :, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)  # (N, C, H, W)


class RandomShift:
    """A loader whose batches of images are moved at random, image by image, every epoch.

    Wraps any iterable of ``(inputs (N, C, H, W), targets)`` batches, for example a
    ``dlcourse.train.make_loader``; ``dlcourse.train.fit`` takes it as its training loader.

    Args:
        loader: the batches to move.
        max_shift: the largest move in pixels along each axis.
        seed: seed of the moves, so that two runs see the same augmented batches.
    """

    def __init__(self, loader: Iterable, max_shift: int = 2, seed: int = 0) -> None:
        if isinstance(max_shift, bool) or not isinstance(max_shift, int) or max_shift < 0:
            raise ValueError(f"max_shift must be an integer >= 0; got {max_shift!r}")
        self.loader, self.max_shift = loader, max_shift
        self.generator = torch.Generator().manual_seed(seed)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for xb, yb in self.loader:
            yield random_translate(xb, self.max_shift, self.generator), yb

    def __len__(self) -> int:
        return len(self.loader)
