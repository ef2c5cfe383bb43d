"""The closed form against gradient descent as the number of features n grows.

Solving the normal equation costs O(n^3) (forming X^T X is O(m n^2), solving it O(n^3));
one epoch of gradient descent costs O(m n). The linear-regression chapter measures the same
race at small sizes; this script goes further and reports the fitted exponents.

    python benchmarks/normal_equation.py [--quick]
"""

from __future__ import annotations

from functools import partial

import numpy as np
from _common import emit, parse_args

from dlcourse import linear
from dlcourse.timing import log_log_slope, timeit_median


def main() -> None:
    args = parse_args(__doc__.splitlines()[0], cpu_only=True)  # dlcourse.linear is NumPy
    sizes = [50, 100, 200] if args.quick else [100, 200, 400, 800, 1600]
    m = 2 * max(sizes)  # more examples than features, so X^T X is invertible
    epochs = 5 if args.quick else 20
    repeats = 3 if args.quick else 5
    rng = np.random.default_rng(0)
    results = []
    for n in sizes:
        X = rng.standard_normal((m, n))
        y = X @ rng.standard_normal((n, 1)) + 0.1 * rng.standard_normal((m, 1))
        closed = timeit_median(partial(linear.normal_equation, X, y), repeats=repeats)
        gd = timeit_median(
            partial(linear.gradient_descent, X, y, lr=0.01, epochs=epochs), repeats=repeats
        )
        results.append(
            {"m": m, "n": n, "closed_form_seconds": closed, "gd_epoch_seconds": gd / epochs}
        )
    ns = [r["n"] for r in results]
    summary = {
        "closed_form_exponent": log_log_slope(ns, [r["closed_form_seconds"] for r in results]),
        "gd_epoch_exponent": log_log_slope(ns, [r["gd_epoch_seconds"] for r in results]),
    }
    emit("normal_equation", args.quick, results, summary)


if __name__ == "__main__":
    main()
