"""Bad input for dlcourse.text.

A corpus, a character tokenizer, windows of ids, count baselines
"""

from __future__ import annotations

import numpy as np
import torch

from bad_input.fuzzing import Count, Opaque, Other, Probability
from bad_input.registry import Registry
from bad_input.values import POSITIVE, accept_any
from dlcourse import text

RECIPES = Registry()
register = RECIPES.register

NOTATION = text.book_docs() / "notation.md"
STRINGS = Other(bad_values=(None, 3, b"ab", ["a", "b"], 1.5))
register(text.book_docs, ok=accept_any)
register(text.package_docstrings, ok=accept_any)
register(
    text.load_corpus,
    path=(NOTATION, Other(bad_values=(3, b"docs", ["docs"], "", "/no/such/folder"), optional=True)),
    ok=accept_any,
)
register(
    text.Corpus,
    documents=({"a": "one", "b": "two"}, Other(bad_values=(None, "ab", ["a"], {"a": 1}, {1: "a"}))),
    origin=("here", STRINGS),
    ok=accept_any,
)
CORPUS = text.Corpus({"a": "one\n```py\nx\n```\n", "b": "two words"}, "here")
register(
    text.Corpus.without_code,
    call=lambda self: self.without_code(),
    self=(CORPUS, Opaque()),
    ok=accept_any,
)
register(
    text.Corpus.split,
    call=lambda self, val_fraction: self.split(val_fraction),
    self=(CORPUS, Opaque()),
    val_fraction=(0.1, Probability(min_open=True, max_open=True)),
    ok=accept_any,
)
register(
    text.CharTokenizer,
    text=("hello world", Other(bad_values=(None, "", 3, b"ab", ["a", "b"]))),
    ok=accept_any,
)
TOKENIZER = text.CharTokenizer("abc ")
register(
    text.CharTokenizer.encode,
    call=lambda self, text: self.encode(text),
    self=(TOKENIZER, Opaque()),
    text=("a cab", Other(bad_values=(None, 3, b"ab", ["a"], "xyz"), odd_values=("",))),
)
register(
    text.CharTokenizer.decode,
    call=lambda self, ids: self.decode(ids),
    self=(TOKENIZER, Opaque()),
    ids=(
        [0, 3, 2],
        Other(
            bad_values=(
                None,
                3,
                "ab",
                [0.5],
                [True],
                [-1],
                [4],
                [[0, 1]],
                torch.zeros(2, 2, dtype=int),
                torch.tensor([0.5]),
                torch.tensor([4]),
                np.array([0.5]),
            ),
            odd_values=([], torch.tensor([1, 2]), np.array([0, 1]), (3,)),
        ),
    ),
    ok=accept_any,
)
register(
    text.check_characters,
    text=("a cab", Other(bad_values=(None, 3, b"ab", ["a"], "xyz"), odd_values=("",))),
    known=(TOKENIZER.stoi, Other(bad_values=(None, "abc", ["a", "b"], 3))),
    ok=accept_any,
)
register(
    text.check_token_ids,
    ids=(
        [0, 3, 2],
        Other(bad_values=(None, 3, "ab", [0.5], [True], [-1], [4], torch.tensor([0.5]))),
    ),
    vocab_size=(4, Count(1)),
    ok=accept_any,
)
IDS50 = torch.arange(50) % 7
register(
    text.windows_loader,
    ids=(
        IDS50,
        Other(
            bad_values=(
                None,
                "abc",
                3,
                torch.zeros(50),
                torch.zeros(5, 10, dtype=torch.int64),
                torch.arange(4),
                [None, 1],
            )
        ),
    ),
    block_size=(8, Count(1)),
    batch_size=(4, Count(1)),
    num_batches=(None, Count(1, optional=True)),
    generator=(None, Other(bad_values=(3, "g", np.random.default_rng(0)), optional=True)),
    ok=accept_any,
)
TRAIN_IDS, VAL_IDS = torch.tensor([0, 1, 2, 1, 0, 2]), torch.tensor([1, 0, 2])
IDS_KIND = Other(
    bad_values=(
        None,
        "ab",
        [0, 1],
        torch.tensor([0.0, 1.0]),
        torch.tensor([0]),
        torch.tensor([0, 3]),
        torch.tensor([-1, 0]),
        torch.zeros(2, 2, dtype=int),
        torch.tensor([True, False]),
    ),
)
for fn in (text.unigram_loss, text.bigram_loss):
    register(
        fn, train_ids=(TRAIN_IDS, IDS_KIND), val_ids=(VAL_IDS, IDS_KIND),
        vocab_size=(3, Count(3)), alpha=(1.0, POSITIVE),
    )  # fmt: skip
register(
    text.bigram_log_probs, ids=(TRAIN_IDS, IDS_KIND), vocab_size=(3, Count(3)),
    alpha=(1.0, POSITIVE),
)  # fmt: skip
register(
    text.known_word_fraction,
    sample=("the cat", STRINGS),
    reference=("the cat sat", STRINGS),
)
register(text.uniform_loss, vocab_size=(3, Count(1)))

globals().update(RECIPES.tests())  # this file's tests: see registry.py
