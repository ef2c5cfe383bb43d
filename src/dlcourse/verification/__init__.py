"""What this book checks against PyTorch: each from-scratch piece beside its torch twin.

Every row builds one piece of the book (an optimizer, a convolution's backward pass, an LSTM,
multi-head attention, the MAML meta-gradient, ...), runs it and its PyTorch counterpart on the
same inputs, and measures the largest absolute difference of their results. ``run()`` runs
them all; the page "What this book checks against PyTorch" shows the table this build measured.
"""

from __future__ import annotations

import torch

from dlcourse.checks import check_seed
from dlcourse.verification import architectures, foundations
from dlcourse.verification.rows import Row

__all__ = ["run"]  # and ROWS, the list of comparisons

ROWS: list[Row] = [*foundations.ROWS, *architectures.ROWS]


def run(seed: int = 0) -> list[dict]:
    """Measure every row; each result holds the row's fields, its ``difference`` and ``ok``."""
    seed = check_seed("seed", seed)
    generator = torch.Generator().manual_seed(seed)
    results = []
    for row in ROWS:
        torch.manual_seed(seed)  # the modules' own initial weights
        difference = row.measure(generator)
        results.append(
            {
                "piece": row.piece,
                "ours": row.ours,
                "theirs": row.theirs,
                "inputs": row.inputs,
                "chapter": row.chapter,
                "tolerance": row.tolerance,
                "difference": difference,
                "ok": difference <= row.tolerance,
            }
        )
    return results
