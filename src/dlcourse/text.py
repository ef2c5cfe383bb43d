"""Text for a small language model: a corpus, a character tokenizer, batches, two baselines.

The corpus is this book's own Markdown sources (``docs/`` of the repository). An installed
package without the repository falls back to text it carries itself: the docstrings of
``dlcourse``'s modules, classes and functions, read with ``inspect``.

A language model's score is its cross-entropy on held-out text, in nats per character. Two
models that need no training set the bar: the unigram (each character by its frequency) and the
bigram (each character given the one before it, counted).
"""

from __future__ import annotations

import importlib
import inspect
import math
import os
import pkgutil
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import BatchSampler, DataLoader, Dataset, RandomSampler

from dlcourse.checks import (
    MAX_COUNT,
    check_count,
    check_instance,
    check_int,
    check_probability,
    check_real,
    check_size,
    describe,
)

__all__ = [
    "CharTokenizer",
    "Corpus",
    "bigram_log_probs",
    "bigram_loss",
    "book_docs",
    "check_characters",
    "check_token_ids",
    "known_word_fraction",
    "load_corpus",
    "package_docstrings",
    "uniform_loss",
    "unigram_loss",
    "windows_loader",
]

_FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.DOTALL)
# A fenced block: an opening fence of 3+ backticks or tildes, up to the same fence closing it.
_FENCED = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*\n.*?^[ \t]*\1[ \t]*(\n|\Z)", re.DOTALL | re.M)


# --- the corpus ---------------------------------------------------------------------------


@dataclass
class Corpus:
    """Named documents, and where they came from (a folder, or the package's docstrings)."""

    documents: dict[str, str]
    origin: str

    def __post_init__(self) -> None:
        check_instance("documents", self.documents, dict, "a dict of name -> text")
        for name, doc in self.documents.items():
            if not isinstance(name, str) or not isinstance(doc, str):
                raise TypeError(
                    f"documents must map names (str) to texts (str); got {describe(name)} -> "
                    f"{describe(doc)}"
                )
        check_instance("origin", self.origin, str)

    @property
    def text(self) -> str:
        return "\n\n".join(self.documents.values())

    def without_code(self) -> Corpus:
        """The same documents with every fenced code block removed: the prose (and math)."""
        return Corpus({k: _FENCED.sub("", v) for k, v in self.documents.items()}, self.origin)

    def split(self, val_fraction: float = 0.1) -> tuple[str, str]:
        """(train, validation) text: the last ``val_fraction`` of every document is held out,
        so the validation text samples every document, not only the last one."""
        val_fraction = check_probability("val_fraction", val_fraction, min_open=True, max_open=True)
        train, val = [], []
        for doc in self.documents.values():
            cut = round(len(doc) * (1 - val_fraction))
            train.append(doc[:cut])
            val.append(doc[cut:])
        return "\n\n".join(train), "\n\n".join(val)


def book_docs() -> Path | None:
    """The repository's ``docs/`` folder when this package runs from a checkout, else None.

    From ``src/dlcourse/text.py`` the repository root is two folders up; it is recognised by
    its ``mkdocs.yml`` beside ``docs/``, so an installed package never picks up a stray folder.
    """
    root = Path(__file__).resolve().parents[2]
    docs = root / "docs"
    return docs if (root / "mkdocs.yml").is_file() and docs.is_dir() else None


def package_docstrings() -> dict[str, str]:
    """The docstrings of every ``dlcourse`` module and of what each module defines."""
    import dlcourse

    documents = {}
    for info in sorted(pkgutil.walk_packages(dlcourse.__path__, "dlcourse."), key=lambda i: i.name):
        try:
            module = importlib.import_module(info.name)
        except ImportError:  # an optional dependency is missing: skip that module
            continue
        parts = [inspect.getdoc(module) or ""]
        for _, obj in inspect.getmembers(
            module, lambda o: inspect.isclass(o) or inspect.isfunction(o)
        ):
            if getattr(obj, "__module__", None) != module.__name__:
                continue  # imported from elsewhere
            parts.append(inspect.getdoc(obj) or "")
            if inspect.isclass(obj):
                parts += [
                    inspect.getdoc(f) or ""
                    for _, f in inspect.getmembers(obj, inspect.isfunction)
                    if f.__qualname__.startswith(obj.__name__ + ".")
                ]
        documents[info.name] = "\n\n".join(p for p in parts if p)
    return documents


def load_corpus(path: str | Path | None = None) -> Corpus:
    """Load the Markdown files under ``path`` (a folder, searched recursively, or one file).

    Args:
        path: default: the repository's ``docs/`` (``book_docs()``) when present, else the
            package's docstrings (``package_docstrings()``).

    Returns:
        A ``Corpus``: one document per file, in sorted path order, front matter (a ``---``
        header such as a chapter's jupytext header) removed.
    """
    if path is None:
        path = book_docs()
        if path is None:
            return Corpus(package_docstrings(), "dlcourse docstrings")
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a folder or file name (str or Path); got {describe(path)}")
    if isinstance(path, str) and not path.strip():  # Path("") would be the working directory
        raise ValueError(f"path must name a folder or a file; got {path!r}")
    path = Path(path)
    if path.is_file():
        files, base = [path], path.parent
    elif path.is_dir():
        files, base = sorted(path.rglob("*.md")), path
    else:
        raise ValueError(
            f"path must be a Markdown file or a folder; got {str(path)!r}, which does not exist"
        )
    if not files:
        raise ValueError(f"no Markdown (*.md) files under {str(path)!r}")
    documents = {
        str(f.relative_to(base)): _FRONT_MATTER.sub("", f.read_text(encoding="utf-8"))
        for f in files
    }
    return Corpus(documents, str(path))


# --- characters to ids and back -----------------------------------------------------------


def check_characters(text: str, known: dict[str, int]) -> str:
    """``text``, if every character of it is in ``known`` (a tokenizer's character -> id).

    The one check of the text that a tokenizer's ``encode`` takes (``CharTokenizer`` and
    ``dlcourse.bpe.BytePairTokenizer``).
    """
    check_instance("known", known, dict, "a dict of character -> id")
    check_instance("text", text, str)
    unknown = set(text) - known.keys()
    if unknown:
        raise ValueError(
            f"text has characters the tokenizer never saw (not among its {len(known)} "
            f"characters): {sorted(unknown)[:10]!r}"
        )
    return text


def check_token_ids(ids, vocab_size: int) -> list[int]:
    """Token ids (a 1-D integer tensor or a sequence of integers) as a list of ints in
    ``[0, vocab_size)``: the one check of what a tokenizer's ``decode`` takes."""
    vocab_size = check_count("vocab_size", vocab_size)
    if isinstance(ids, torch.Tensor):
        if ids.ndim != 1 or ids.is_floating_point() or ids.is_complex():
            raise ValueError(
                f"ids must be a 1-D tensor of integers; got {ids.dtype} {tuple(ids.shape)}"
            )
        ids = ids.tolist()
    elif isinstance(ids, (list, tuple, range, np.ndarray)):
        ids = [check_int(f"ids[{k}]", i) for k, i in enumerate(ids)]
    else:
        raise TypeError(f"ids must be a sequence of token ids; got {describe(ids)}")
    bad = [i for i in ids if not 0 <= i < vocab_size]
    if bad:
        raise ValueError(
            f"ids must be integers in [0, {vocab_size}) (vocab_size={vocab_size}); got {bad[:5]}"
        )
    return ids


class CharTokenizer:
    """One token per character: the vocabulary is the sorted set of characters of ``text``."""

    def __init__(self, text: str):
        check_instance("text", text, str)
        if not text:
            raise ValueError("CharTokenizer needs a non-empty text to take its characters from")
        self.chars = sorted(set(text))
        self.stoi = {ch: i for i, ch in enumerate(self.chars)}

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> torch.Tensor:
        """``text`` -> token ids (len(text),), int64."""
        check_characters(text, self.stoi)
        return torch.tensor([self.stoi[ch] for ch in text], dtype=torch.int64)

    def decode(self, ids) -> str:
        """Token ids (a sequence or a 1-D tensor) -> text."""
        return "".join(self.chars[i] for i in check_token_ids(ids, self.vocab_size))


# --- batches of windows -------------------------------------------------------------------


class _Windows(Dataset):
    """Window i of ``ids``: input ids[i : i+T], target ids[i+1 : i+T+1] (the next tokens)."""

    def __init__(self, ids: torch.Tensor, block_size: int, stride: int):
        self.ids, self.stride = ids, stride
        self.offsets = torch.arange(block_size + 1)
        self.n = (len(ids) - block_size - 1) // stride + 1

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index):  # index: a list of window numbers (a whole batch at once)
        starts = torch.as_tensor(index) * self.stride
        rows = self.ids[starts[..., None] + self.offsets]  # (B, T + 1)
        return rows[..., :-1], rows[..., 1:]


def windows_loader(
    ids: torch.Tensor,
    block_size: int,
    batch_size: int,
    num_batches: int | None = None,
    generator: torch.Generator | None = None,
) -> DataLoader:
    """Batches ``(x (B, T), y (B, T))`` of windows of ``ids``, y being x shifted by one.

    Args:
        ids: token ids (N,), int64.
        block_size: T, the window length.
        batch_size: B.
        num_batches: training: this many batches of windows drawn at random positions (with
            replacement) per pass, so one "epoch" of ``fit`` is ``num_batches`` steps.
            ``None`` (evaluation): every non-overlapping window once, in order.
        generator: for the random positions; default torch's global generator.
    """
    if not isinstance(ids, (torch.Tensor, list, tuple, np.ndarray)):
        raise TypeError(f"ids must be a 1-D int64 tensor of token ids; got {describe(ids)}")
    try:
        ids = torch.as_tensor(ids)
    except (TypeError, ValueError, RuntimeError) as error:
        raise TypeError(f"ids must be a 1-D int64 tensor of token ids; {error}") from None
    if ids.ndim != 1 or ids.dtype != torch.int64:
        raise ValueError(f"ids must be 1-D int64; got {ids.dtype} {tuple(ids.shape)}")
    block_size = check_int("block_size", block_size, min=1, max=MAX_COUNT)
    batch_size = check_int("batch_size", batch_size, min=1, max=MAX_COUNT)
    if num_batches is not None:
        num_batches = check_int("num_batches", num_batches, min=1, max=MAX_COUNT)
    if generator is not None:
        check_instance("generator", generator, torch.Generator)
    if len(ids) < block_size + 1:
        raise ValueError(
            f"ids must hold at least block_size + 1 = {block_size + 1} ids; "
            f"got block_size={block_size} and {len(ids)} ids"
        )
    if num_batches is None:
        data = _Windows(ids, block_size, stride=block_size)
        order = range(len(data))
    else:
        data = _Windows(ids, block_size, stride=1)
        order = RandomSampler(
            data, replacement=True, num_samples=num_batches * batch_size, generator=generator
        )
    # batch_size=None: the dataset is indexed with a whole batch of window numbers at once.
    return DataLoader(
        data, sampler=BatchSampler(order, batch_size, drop_last=False), batch_size=None
    )


# --- baselines that need no training ------------------------------------------------------


def _vocab_alpha(vocab_size: int, alpha: float) -> tuple[int, float]:
    vocab_size = check_int("vocab_size", vocab_size, min=1, max=MAX_COUNT)
    alpha = check_real("alpha", alpha, min=0.0, min_open=True)  # add-alpha smoothing
    return vocab_size, alpha


def _check_ids(name: str, ids: torch.Tensor, vocab_size: int) -> None:
    check_instance(name, ids, torch.Tensor)
    if ids.is_floating_point() or ids.is_complex() or ids.dtype == torch.bool:
        raise TypeError(f"{name} must hold integer token ids; got dtype {ids.dtype}")
    if ids.ndim != 1 or len(ids) < 2:
        raise ValueError(
            f"{name} must be 1-D, at least 2 long, with ids in [0, {vocab_size}); "
            f"got shape {tuple(ids.shape)}"
        )
    low, high = int(ids.min()), int(ids.max())
    if low < 0 or high >= vocab_size:
        raise ValueError(
            f"{name} must be 1-D, at least 2 long, with ids in [0, {vocab_size}) "
            f"(vocab_size={vocab_size}); got ids in [{low}, {high}]"
        )


def _counts_check(train_ids: torch.Tensor, val_ids: torch.Tensor, vocab_size: int, alpha: float):
    vocab_size, alpha = _vocab_alpha(vocab_size, alpha)
    for name, ids in (("train_ids", train_ids), ("val_ids", val_ids)):
        _check_ids(name, ids, vocab_size)
    return vocab_size, alpha


def unigram_loss(
    train_ids: torch.Tensor, val_ids: torch.Tensor, vocab_size: int, alpha: float = 1.0
) -> float:
    """Cross-entropy (nats per character) on ``val_ids[1:]`` of the character frequencies
    counted in ``train_ids``, each count plus ``alpha`` (so no character has probability 0)."""
    vocab_size, alpha = _counts_check(train_ids, val_ids, vocab_size, alpha)
    counts = torch.bincount(train_ids, minlength=vocab_size).double() + alpha
    log_p = (counts / counts.sum()).log()
    return float(-log_p[val_ids[1:]].mean())


def bigram_log_probs(ids: torch.Tensor, vocab_size: int, alpha: float = 1.0) -> torch.Tensor:
    """(V, V) log P(next = j | current = i), from pair counts in ``ids`` plus ``alpha``."""
    vocab_size, alpha = _vocab_alpha(vocab_size, alpha)
    check_size("the table (vocab_size**2)", vocab_size**2)
    _check_ids("ids", ids, vocab_size)
    pairs = ids[:-1] * vocab_size + ids[1:]
    counts = torch.bincount(pairs, minlength=vocab_size**2).double().view(vocab_size, vocab_size)
    counts += alpha
    return (counts / counts.sum(dim=1, keepdim=True)).log()


def bigram_loss(
    train_ids: torch.Tensor, val_ids: torch.Tensor, vocab_size: int, alpha: float = 1.0
) -> float:
    """Cross-entropy (nats per character) on ``val_ids[1:]`` of the bigram counted in
    ``train_ids``: each character predicted from the one before it."""
    vocab_size, alpha = _counts_check(train_ids, val_ids, vocab_size, alpha)
    log_p = bigram_log_probs(train_ids, vocab_size, alpha)
    return float(-log_p[val_ids[:-1], val_ids[1:]].mean())


def known_word_fraction(sample: str, reference: str) -> float:
    """Share of the words (runs of letters, 2 or more) of ``sample`` that occur in ``reference``.

    A rough measure of "word-like" text: random characters score near 0, real prose near 1.
    Returns 0.0 for a sample without words.
    """
    check_instance("sample", sample, str)
    check_instance("reference", reference, str)
    words = re.findall(r"[A-Za-z]{2,}", sample)
    if not words:
        return 0.0
    vocabulary = set(re.findall(r"[A-Za-z]{2,}", reference))
    return sum(w in vocabulary for w in words) / len(words)


def uniform_loss(vocab_size: int) -> float:
    """Cross-entropy of guessing uniformly among ``vocab_size`` tokens: ln(vocab_size)."""
    vocab_size = check_int("vocab_size", vocab_size, min=1, max=MAX_COUNT)
    return math.log(vocab_size)
