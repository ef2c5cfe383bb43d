"""One comparison of ``dlcourse.verification``, and how far apart two results are."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

__all__: list[str] = []  # the machinery of dlcourse.verification


@dataclass(frozen=True)
class Row:
    """One comparison: what is compared, with what, on which inputs, and how close it must be."""

    piece: str
    ours: str
    theirs: str
    inputs: str
    chapter: str  # the file name of the chapter that teaches it, without .md
    tolerance: float
    measure: Callable[[torch.Generator], float]  # the largest |ours - theirs|


def gap(a, b) -> float:
    a = (
        a.detach().double()
        if isinstance(a, torch.Tensor)
        else torch.as_tensor(a, dtype=torch.float64)
    )
    b = (
        b.detach().double()
        if isinstance(b, torch.Tensor)
        else torch.as_tensor(b, dtype=torch.float64)
    )
    return float((a - b).abs().max())


def gaps(pairs) -> float:
    return max(gap(a, b) for a, b in pairs)
