"""Generated sentences: short reviews whose sentiment a bag of words cannot read."""

from __future__ import annotations

import numpy as np

from dlcourse.checks import check_int, check_probability, check_seed

__all__ = ["REVIEW_WORDS", "toy_reviews"]

# The vocabulary of ``toy_reviews``: adjectives carry the polarity, "not" flips it.
REVIEW_WORDS = {
    "subjects": ["film", "food", "service", "plot", "music", "room", "staff", "coffee"],
    "positive": ["good", "great", "excellent", "lovely", "fine", "nice"],
    "negative": ["bad", "awful", "boring", "poor", "terrible", "dull"],
    "endings": ["", " overall", " today", " again", " this time"],
}


def toy_reviews(n: int = 400, negated: float = 0.5, seed: int = 0) -> tuple[list[str], np.ndarray]:
    """Short generated reviews whose sentiment hinges on the word "not".

    Each review reads ``"the <subject> was [not] <adjective>[ <ending>]"``. Its label is 1
    (positive) when a positive adjective is not negated or a negative one is negated, and 0
    otherwise: the label is the XOR of "the adjective is positive" and "the word not occurs".

    Args:
        n: number of reviews, from 1 to 10**6.
        negated: probability that a review contains "not", in [0, 1].
        seed: seed of the generator.

    Returns:
        ``(texts, labels)``: a list of n strings and an int64 array of shape (n,) with 0 or 1.
    """
    # Built one by one in Python: a million reviews take seconds, a billion would take hours.
    n = check_int("n", n, min=1, max=10**6)
    negated = check_probability("negated", negated)
    rng = np.random.default_rng(check_seed("seed", seed))
    words = REVIEW_WORDS
    texts, labels = [], np.zeros(n, dtype=np.int64)
    for i in range(n):
        positive = bool(rng.random() < 0.5)
        negation = bool(rng.random() < negated)
        adjective = rng.choice(words["positive"] if positive else words["negative"])
        subject = rng.choice(words["subjects"])
        ending = rng.choice(words["endings"])
        texts.append(f"the {subject} was {'not ' if negation else ''}{adjective}{ending}")
        labels[i] = int(positive != negation)
    return texts, labels
