"""A toy byte-pair encoding (BPE): the sub-word tokenizer of GPT-2, on characters, in one class.

Training starts from the text's characters and repeats one step: find the pair of adjacent
tokens that occurs most often and make it a new token. After ``num_merges`` merges, frequent
words are single tokens ("the", " and"), rare ones are spelled in pieces, and any text made of
the training text's characters can still be encoded. As in GPT-2, the text is first cut into
chunks (a word with the space before it, a run of punctuation, a run of spaces) and no merge
crosses a chunk's border; GPT-2 starts from the 256 bytes instead of characters, so that any
text at all can be encoded, and makes 50,000 merges.
"""

from __future__ import annotations

import re
from collections import Counter

import torch

from dlcourse.checks import check_count, check_instance, check_size
from dlcourse.text import check_characters, check_token_ids

__all__ = ["BytePairTokenizer"]

# A word with the space before it, a run of other non-space characters, or a run of spaces.
_CHUNK = re.compile(r" ?[^\W\d_]+| ?\d+| ?[^\s\w]+|\s+(?!\S)|\s+|_+")
MAX_MERGES = 100_000


def _merge(chunk: tuple[int, ...], pair: tuple[int, int], new: int) -> tuple[int, ...]:
    """``chunk`` with every occurrence of ``pair`` (left to right) replaced by ``new``."""
    out, i = [], 0
    while i < len(chunk):
        if i + 1 < len(chunk) and (chunk[i], chunk[i + 1]) == pair:
            out.append(new)
            i += 2
        else:
            out.append(chunk[i])
            i += 1
    return tuple(out)


class BytePairTokenizer:
    """Byte-pair encoding learned from ``text``, with ``num_merges`` merges.

    Args:
        text: the training text.
        num_merges: how many merges to learn, 0 to 100,000 (fewer if every chunk of the text
            has become one token before).
        alphabet: characters to have a token for even if ``text`` lacks them (GPT-2 starts from
            all 256 bytes); default: the characters of ``text``.

    Attributes:
        tokens: the text of every token, by id: the characters first (sorted), then one new
            token per merge.
        merges: the merges in the order they were learned, ``((left id, right id), new id)``.
    """

    def __init__(self, text: str, num_merges: int, alphabet: str | None = None):
        check_instance("text", text, str)
        if not text:
            raise ValueError("text must not be empty: the tokens are learned from it")
        num_merges = check_count("num_merges", num_merges, min=0)
        if num_merges > MAX_MERGES:
            raise ValueError(f"num_merges must be <= {MAX_MERGES}; got {num_merges}")
        check_size("the text (characters)", len(text))
        if alphabet is not None:
            check_instance("alphabet", alphabet, str)
            check_size("the alphabet (characters)", len(alphabet))
        self.tokens = sorted(set(text) | set(alphabet or ""))
        self._ids = {ch: i for i, ch in enumerate(self.tokens)}
        self.merges: list[tuple[tuple[int, int], int]] = []
        counts = Counter(_CHUNK.findall(text))  # each distinct chunk once, with its count
        chunks = {tuple(self._ids[ch] for ch in c): n for c, n in counts.items()}
        for _ in range(num_merges):
            pairs: Counter = Counter()
            for chunk, n in chunks.items():
                for pair in zip(chunk[:-1], chunk[1:], strict=True):
                    pairs[pair] += n
            if not pairs:
                break  # every chunk is one token: nothing left to merge
            # The most frequent pair; ties go to the pair of smaller ids (same on every run).
            pair = min(pairs, key=lambda p: (-pairs[p], p))
            new = len(self.tokens)
            self.tokens.append(self.tokens[pair[0]] + self.tokens[pair[1]])
            self.merges.append((pair, new))
            chunks = {_merge(c, pair, new): n for c, n in chunks.items()}
        self._rank = {pair: rank for rank, (pair, _) in enumerate(self.merges)}
        self._cache: dict[str, tuple[int, ...]] = {}

    @property
    def vocab_size(self) -> int:
        return len(self.tokens)

    def _encode_chunk(self, chunk: str) -> tuple[int, ...]:
        if chunk not in self._cache:
            ids = tuple(self._ids[ch] for ch in chunk)
            while len(ids) > 1:  # apply the earliest-learned merge that fits, as training did
                pairs = zip(ids[:-1], ids[1:], strict=True)
                pair = min(pairs, key=lambda p: self._rank.get(p, len(self._rank)))
                if pair not in self._rank:
                    break
                ids = _merge(ids, pair, self.merges[self._rank[pair]][1])
            self._cache[chunk] = ids
        return self._cache[chunk]

    def encode(self, text: str) -> torch.Tensor:
        """``text`` -> token ids (n,), int64; every character must occur in the training text."""
        check_characters(text, self._ids)
        ids = [i for chunk in _CHUNK.findall(text) for i in self._encode_chunk(chunk)]
        return torch.tensor(ids, dtype=torch.int64)

    def decode(self, ids) -> str:
        """Token ids (a 1-D tensor or a sequence) -> text."""
        return "".join(self.tokens[i] for i in check_token_ids(ids, self.vocab_size))
