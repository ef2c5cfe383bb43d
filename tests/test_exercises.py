"""The exercise checkers pass the right answer and fail each typical wrong one, with its hint.

A checker that passes a wrong answer is a bug: every entry of the gallery below is a mistake a
reader makes, and the test wants the checker to fail it and to name the mistake.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dlcourse import attention, cnn, exercises, linear
from dlcourse.exercises import convolution, fundamentals, sequences
from dlcourse.exercises.core import ExerciseFailed

RIGHT = {
    "normal_equation": [fundamentals.normal_equation_reference, linear.normal_equation],
    "mlp_backward": [fundamentals.mlp_backward_reference],
    "softmax_cross_entropy": [fundamentals.softmax_cross_entropy_reference],
    "adam_step": [fundamentals.adam_step_reference],
    "conv2d_backward": [convolution.conv2d_backward_reference, cnn.conv2d_backward],
    "lstm_cell": [sequences.lstm_cell_reference],
    "scaled_dot_product_attention": [
        sequences.attention_reference,
        attention.scaled_dot_product_attention,
        lambda q, k, v, mask=None: sequences.attention_reference(q, k, v, mask)[0],  # out only
        lambda q, k, v, mask=None: torch.nn.functional.scaled_dot_product_attention(
            q, k, v, attn_mask=mask
        ),
    ],
    "causal_mask": [attention.causal_mask, lambda T: torch.ones(T, T, dtype=torch.bool).tril()],
}


def test_every_exercise_has_a_right_answer_here():
    assert sorted(RIGHT) == sorted(exercises.available())


@pytest.mark.parametrize(
    "exercise_id, candidate",
    [(e, f) for e, fs in RIGHT.items() for f in fs],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_right_answer_passes_and_says_what_was_checked(exercise_id, candidate, capsys):
    exercises.check(exercise_id, candidate)
    assert capsys.readouterr().out.startswith(f"passed {exercise_id}: ")


# --- the gallery of wrong answers ----------------------------------------------------------


def _lstsq(X, y, ones_first=False, bias=True):
    cols = (
        [X]
        if not bias
        else ([np.ones((len(X), 1)), X] if ones_first else [X, np.ones((len(X), 1))])
    )
    theta = np.linalg.lstsq(np.hstack(cols), y, rcond=None)[0]
    return (theta, 0.0) if not bias else (theta[:-1], theta[-1])


def _adam(**kw):
    return lambda theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8: (
        fundamentals.adam_step_reference(theta, grad, m, v, t, lr, beta1, beta2, eps, **kw)
    )


def _conv(flip=True, swap_dweight=False, dbias_axes=(0, 2, 3), crop=True):
    def f(x, w, g, s, p):
        dx, dw, db = convolution.conv2d_backward_reference(x, w, g, s, p, flip=flip, crop=crop)
        return dx, (dw.transpose(1, 0, 2, 3) if swap_dweight else dw), g.sum(axis=dbias_axes)

    return f


def _attn(**kw):
    return lambda q, k, v, mask=None: sequences.attention_reference(q, k, v, mask, **kw)


def _mlp(relu_grad=True, divide=False, db_axis=0):
    def f(X, W1, b1, W2, b2, dlogits):
        dW1, db1, dW2, db2 = fundamentals.mlp_backward_reference(
            X, W1, b1, W2, b2, dlogits / (len(X) if divide else 1), relu_grad=relu_grad
        )
        if db_axis == 1:  # summed over the units instead of the batch
            Z1 = X @ W1 + b1
            db1, db2 = (dlogits @ W2.T * (Z1 > 0)).sum(axis=1), dlogits.sum(axis=1)
        return dW1, db1, dW2, db2

    return f


def _softmax_naive(logits, labels):
    with np.errstate(over="ignore", invalid="ignore"):  # the overflow is the mistake shown
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    N = len(logits)
    d = p.copy()
    d[np.arange(N), labels] -= 1
    return -np.log(p[np.arange(N), labels]).mean(), d / N


WRONG = [
    ("normal_equation", lambda X, y: _lstsq(X, y, bias=False), "no intercept"),
    ("normal_equation", lambda X, y: _lstsq(X, y, ones_first=True), "order of your columns"),
    ("normal_equation", lambda X, y: (_lstsq(X, y)[0][:, None], _lstsq(X, y)[1]), "flatten"),
    (
        "normal_equation",
        lambda X, y: (_lstsq(X, y)[0], np.array([_lstsq(X, y)[1]] * 2)),
        "b must be a scalar",
    ),
    ("mlp_backward", _mlp(relu_grad=False), "Z1 > 0"),
    ("mlp_backward", _mlp(divide=True), "do not divide by N again"),
    ("mlp_backward", _mlp(db_axis=1), "axis 0"),
    (
        "mlp_backward",
        lambda X, W1, b1, W2, b2, d: tuple(
            g.T if g.ndim == 2 else g
            for g in fundamentals.mlp_backward_reference(X, W1, b1, W2, b2, d)
        ),
        "transposed shape",
    ),
    ("softmax_cross_entropy", _softmax_naive, "subtract each row's maximum"),
    (
        "softmax_cross_entropy",
        lambda lo, la: tuple(
            x * len(lo) for x in fundamentals.softmax_cross_entropy_reference(lo, la)
        ),
        "1/N",
    ),
    (
        "softmax_cross_entropy",
        lambda lo, la: (
            fundamentals.softmax_cross_entropy_reference(lo, la)[0],
            -fundamentals.softmax_cross_entropy_reference(lo, la)[1],
        ),
        "minus the one-hot",
    ),
    ("adam_step", _adam(bias_correction=False), "no bias correction"),
    ("adam_step", _adam(eps_inside=True), "eps goes outside"),
    (
        "adam_step",
        lambda th, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8: (
            fundamentals.adam_step_reference(th, g, m, v, t + 1, lr, beta1, beta2, eps)
        ),
        "counts steps from 1",
    ),
    (
        "adam_step",
        lambda th, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8: (
            fundamentals.adam_step_reference(th, g, m, v, t, lr, beta2, beta1, eps)
        ),
        "swapped",
    ),
    ("conv2d_backward", _conv(flip=False), "flipped"),
    ("conv2d_backward", _conv(swap_dweight=True), "channel axes swapped"),
    ("conv2d_backward", _conv(dbias_axes=(2, 3)), "axis=(0, 2, 3)"),
    ("conv2d_backward", _conv(dbias_axes=(0,)), "axis=(0, 2, 3)"),
    ("conv2d_backward", _conv(crop=False), "crop"),
    ("lstm_cell", lambda *a: sequences.lstm_cell_reference(*a, order="ifog"), "i, f, g, o"),
    ("lstm_cell", lambda *a: sequences.lstm_cell_reference(*a, forget=False), "forget gate"),
    ("lstm_cell", lambda *a: sequences.lstm_cell_reference(*a, tanh_c=False), "tanh(c_next)"),
    ("lstm_cell", lambda *a: sequences.lstm_cell_reference(*a, both_biases=False), "two biases"),
    (
        "lstm_cell",
        lambda *a: sequences.lstm_cell_reference(*a, g_act=torch.sigmoid),
        "candidate g uses tanh",
    ),
    ("scaled_dot_product_attention", _attn(scale="none"), "sqrt(d_k)"),
    ("scaled_dot_product_attention", _attn(scale="d"), "not by d_k"),
    ("scaled_dot_product_attention", _attn(dim=-2), "dim=-1"),
    ("scaled_dot_product_attention", _attn(invert=True), "ALLOWED"),
    ("scaled_dot_product_attention", _attn(after=True), "before the softmax"),
    ("causal_mask", lambda T: torch.ones(T, T, dtype=torch.bool).triu(), "tril, not triu"),
    ("causal_mask", lambda T: torch.ones(T, T, dtype=torch.bool).tril(-1), "itself"),
    ("causal_mask", lambda T: torch.ones(T, T).tril(), "torch.bool"),
    (
        "causal_mask",
        lambda T: torch.zeros(T, T).masked_fill(torch.ones(T, T, dtype=torch.bool).triu(1), -1e9),
        "torch.bool",
    ),
]


@pytest.mark.parametrize("exercise_id, wrong, hint", WRONG, ids=[f"{e}-{h}" for e, _, h in WRONG])
def test_a_typical_wrong_answer_fails_with_the_hint_that_names_it(exercise_id, wrong, hint):
    with pytest.raises(ExerciseFailed) as failed:
        exercises.check(exercise_id, wrong)
    message = str(failed.value)
    assert message.startswith(f"{exercise_id}: ")
    assert "\n  on " in message, "the message must say on which input"
    assert hint in message, f"expected a hint containing {hint!r}; got:\n{message}"


def test_a_failure_is_an_assertion_error_and_names_the_first_differing_index():
    def off_by_one(T):
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        if T > 1:
            mask[-1, 0] = False  # one wrong entry, no common mistake
        return mask

    with pytest.raises(AssertionError, match=r"mask\[3, 0\] is 0; expected 1"):
        exercises.check("causal_mask", off_by_one)


def test_an_exception_in_the_readers_code_becomes_a_failure_naming_the_input():
    def broken(x, weight, grad_out, stride, padding):
        raise IndexError("index 5 is out of bounds")

    with pytest.raises(
        ExerciseFailed, match=r"raised IndexError: index 5.*\n  on x \(2, 3, 5, 5\)"
    ):
        exercises.check("conv2d_backward", broken)


def test_a_wrong_return_arity_is_named():
    with pytest.raises(
        ExerciseFailed, match=r"expected a tuple \(dx, dweight, dbias\); got a tuple of 2"
    ):
        exercises.check("conv2d_backward", lambda x, w, g, s, p: (x, w))


def test_the_inputs_are_not_the_checkers_own():
    """A candidate that edits its arguments in place cannot corrupt the reference."""

    def in_place(theta, grad, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8):
        out = fundamentals.adam_step_reference(theta, grad, m, v, t, lr, beta1, beta2, eps)
        theta[...] = 0.0
        grad[...] = 0.0
        return out

    exercises.check("adam_step", in_place)


def test_bad_arguments_to_check():
    with pytest.raises(ValueError, match="exercise_id"):
        exercises.check("conv3d", lambda: None)
    with pytest.raises(TypeError, match="candidate"):
        exercises.check("causal_mask", 3)


def test_available_lists_the_seven_required_ids_with_their_chapters():
    found = exercises.available()
    for exercise_id in (
        "normal_equation",
        "mlp_backward",
        "adam_step",
        "conv2d_backward",
        "lstm_cell",
        "scaled_dot_product_attention",
        "causal_mask",
    ):
        assert exercise_id in found
    assert found["conv2d_backward"] == "11-convolutional-networks"
    assert "T, d" in exercises.signature("scaled_dot_product_attention")


def test_the_adam_reference_is_torchs_adam():
    rng = np.random.default_rng(0)
    theta, grads = rng.normal(size=4), rng.normal(size=(6, 4))
    p = torch.tensor(theta, requires_grad=True)
    opt = torch.optim.Adam([p], lr=0.01, betas=(0.8, 0.99), eps=1e-3)
    m = v = np.zeros(4)
    for t, g in enumerate(grads, start=1):
        p.grad = torch.tensor(g)
        opt.step()
        theta, m, v = fundamentals.adam_step_reference(theta, g, m, v, t, 0.01, 0.8, 0.99, 1e-3)
    assert np.allclose(p.detach().numpy(), theta, atol=1e-12)
