"""Datasets the book generates or loads from what installed packages already carry.

Nothing here downloads: every function either draws from a seeded generator or reads a dataset
that ships inside scikit-learn. One module per theme, all importable from here
(``from dlcourse import data``, then ``data.digits()``):

- :mod:`dlcourse.data.synthetic`: generated tables and pictures (``linear_data``,
  ``house_prices``, ``blobs``, ``toy_image``);
- :mod:`dlcourse.data.text`: generated sentences (``toy_reviews``);
- :mod:`dlcourse.data.bundled`: real datasets that ship with scikit-learn (``digits``, ``wine``);
- :mod:`dlcourse.data.splits`: cutting a dataset into training, validation and test sets.
"""

from dlcourse.data.bundled import digits, wine
from dlcourse.data.splits import train_val_test_split
from dlcourse.data.synthetic import HOUSE_PRICE_TRUTH, blobs, house_prices, linear_data, toy_image
from dlcourse.data.text import REVIEW_WORDS, toy_reviews

__all__ = [
    "HOUSE_PRICE_TRUTH",
    "REVIEW_WORDS",
    "blobs",
    "digits",
    "house_prices",
    "linear_data",
    "toy_image",
    "toy_reviews",
    "train_val_test_split",
    "wine",
]
