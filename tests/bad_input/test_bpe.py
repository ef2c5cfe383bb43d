"""Bad input for dlcourse.bpe."""

from __future__ import annotations

import numpy as np
import torch

from bad_input.fuzzing import Count, Opaque, Other
from bad_input.registry import Registry
from bad_input.values import accept_any
from dlcourse import bpe

RECIPES = Registry()
register = RECIPES.register

STRINGS_KIND = Other(bad_values=(None, 3, b"ab", ["a"]))
register(
    bpe.BytePairTokenizer,
    text=("the cat and the hat", Other(bad_values=(None, 3, b"ab", ["a"], ""))),
    num_merges=(5, Count(0)),
    alphabet=(None, Other(bad_values=(3, b"ab", ["a"]), optional=True)),
    ok=accept_any,
)
BPE = bpe.BytePairTokenizer("the cat and the hat", 5)
register(
    bpe.BytePairTokenizer.encode,
    call=lambda self, text: self.encode(text),
    self=(BPE, Opaque()),
    text=("the hat", Other(bad_values=(None, 3, b"ab", ["a"], "the dog"))),
)
register(
    bpe.BytePairTokenizer.decode,
    call=lambda self, ids: self.decode(ids),
    self=(BPE, Opaque()),
    ids=(
        [0, 1, 2],
        Other(
            bad_values=(None, "ab", 3, [0, 99], [-1], [0.5], [True], torch.zeros(2), np.zeros(2))
        ),
    ),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
