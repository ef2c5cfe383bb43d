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

from dlcourse.augment import unflatten
from dlcourse.checks import (
    check_array,
    check_count,
    check_instance,
    check_int,
    check_seed,
    check_size,
)

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
    images = unflatten(X, image_shape)  # (m, H, W), checked
    size = check_count("size", size)
    check_size("the output (m * size * size)", images.shape[0] * size * size)
    images = torch.as_tensor(images, dtype=torch.float32).unsqueeze(1)
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
    images = check_array("images", images, ndim=4, shape="(N, C, H, W)")
    H, W = images.shape[2:]
    note = f"a move must be smaller than the images' side: images are {H}x{W}"
    rows = check_int("rows", rows, min=1 - H, max=H - 1, note=note)
    cols = check_int("cols", cols, min=1 - W, max=W - 1, note=note)
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
    check_instance("x", x, torch.Tensor)
    if x.ndim != 4:
        raise ValueError(f"x must be a 4-D tensor (N, C, H, W); got shape {tuple(x.shape)}")
    N, C, H, W = x.shape
    note = f"smaller than the side of x, {tuple(x.shape)}"
    max_shift = check_int("max_shift", max_shift, min=0, max=min(H, W) - 1, note=note)
    if generator is not None:
        check_instance("generator", generator, torch.Generator)
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
        if not isinstance(loader, Iterable) or isinstance(loader, (str, bytes)):
            raise TypeError(
                f"loader must be an iterable of (inputs, targets) batches; got {loader!r:.60}"
            )
        self.loader = loader
        self.max_shift = check_count("max_shift", max_shift, min=0)
        self.generator = torch.Generator().manual_seed(check_seed("seed", seed))

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        for xb, yb in self.loader:
            yield random_translate(xb, self.max_shift, self.generator), yb

    def __len__(self) -> int:
        return len(self.loader)
