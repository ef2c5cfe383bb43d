"""dlcourse.rnn: cells and layers written from the equations equal torch's, forward and backward,
load torch's state_dicts, and reject bad shapes with messages that name them."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlcourse import rnn

SIZES = [(1, 1), (3, 5), (7, 2), (16, 32)]  # (input_size, hidden_size)
BATCHES = [1, 4]
TOL = {torch.float32: 1e-6, torch.float64: 1e-12}


@pytest.fixture(autouse=True)
def one_thread():
    # Tiny matrices: a second thread only adds hand-offs, which cost dearly on a busy machine.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# ours, torch's, whether the state is a pair (h, c)
CELLS = [
    (rnn.RNNCell, nn.RNNCell, False),
    (rnn.GRUCell, nn.GRUCell, False),
    (rnn.LSTMCell, nn.LSTMCell, True),
]
LAYERS = [(rnn.RNN, nn.RNN, False), (rnn.GRU, nn.GRU, False), (rnn.LSTM, nn.LSTM, True)]


def _pair(ours_cls, torch_cls, n_in, H, dtype, **kwargs):
    """torch's module with random weights, and ours loaded from its state_dict."""
    reference = torch_cls(n_in, H, **kwargs).to(dtype)
    ours = ours_cls(n_in, H).to(dtype)
    ours.load_state_dict(reference.state_dict())  # strict: names and shapes must match
    return ours, reference


def _state(B, H, paired, dtype, g):
    h = torch.randn(B, H, generator=g, dtype=dtype)
    return (h, torch.randn(B, H, generator=g, dtype=dtype)) if paired else h


def _close(a, b, tol):
    torch.testing.assert_close(a, b, atol=tol, rtol=tol)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("B", BATCHES)
@pytest.mark.parametrize("n_in,H", SIZES)
@pytest.mark.parametrize(
    "ours_cls,torch_cls,paired", CELLS, ids=["rnn_cell", "gru_cell", "lstm_cell"]
)
@pytest.mark.parametrize("with_state", [False, True])
def test_cell_equals_torch_forward_and_backward(
    ours_cls, torch_cls, paired, n_in, H, B, dtype, with_state
):
    torch.manual_seed(n_in * 100 + H)
    g = torch.Generator().manual_seed(B)
    ours, reference = _pair(ours_cls, torch_cls, n_in, H, dtype)
    x = torch.randn(B, n_in, generator=g, dtype=dtype, requires_grad=True)
    state = _state(B, H, paired, dtype, g) if with_state else None
    if state is not None:
        state = tuple(s.requires_grad_() for s in state) if paired else state.requires_grad_()
    out_ours, out_ref = ours(x, state), reference(x, state)
    outs_ours = out_ours if paired else (out_ours,)
    outs_ref = out_ref if paired else (out_ref,)
    tol = TOL[dtype]
    for a, b in zip(outs_ours, outs_ref, strict=True):
        _close(a, b, tol)
    # The same upstream gradient through both: compare every gradient torch computes.
    weights = [torch.randn(o.shape, generator=g, dtype=dtype) for o in outs_ref]
    inputs = [x] + ([] if state is None else list(state) if paired else [state])
    grads_ours = torch.autograd.grad(
        sum((w * o).sum() for w, o in zip(weights, outs_ours, strict=True)),
        inputs + list(ours.parameters()),
    )
    grads_ref = torch.autograd.grad(
        sum((w * o).sum() for w, o in zip(weights, outs_ref, strict=True)),
        inputs + list(reference.parameters()),
    )
    for a, b in zip(grads_ours, grads_ref, strict=True):
        _close(a, b, tol)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("B", BATCHES)
@pytest.mark.parametrize("n_in,H", SIZES)
@pytest.mark.parametrize("ours_cls,torch_cls,paired", LAYERS, ids=["rnn", "gru", "lstm"])
@pytest.mark.parametrize("with_state", [False, True])
def test_layer_equals_torch_forward_and_backward(
    ours_cls, torch_cls, paired, n_in, H, B, dtype, with_state
):
    torch.manual_seed(n_in * 100 + H + 1)
    g = torch.Generator().manual_seed(B + 10)
    T = 6
    ours, reference = _pair(ours_cls, torch_cls, n_in, H, dtype, batch_first=True)
    x = torch.randn(B, T, n_in, generator=g, dtype=dtype, requires_grad=True)
    state = _state(B, H, paired, dtype, g) if with_state else None
    if state is None:
        out_ours, last_ours = ours(x)
        out_ref, last_ref = reference(x)
    else:
        state = tuple(s.requires_grad_() for s in state) if paired else state.requires_grad_()
        # torch's layers take and return states shaped (num_layers=1, B, H).
        ref_state = tuple(s[None] for s in state) if paired else state[None]
        out_ours, last_ours = ours(x, state)
        out_ref, last_ref = reference(x, ref_state)
    last_ref = tuple(s[0] for s in last_ref) if paired else (last_ref[0],)
    last_ours = last_ours if paired else (last_ours,)
    tol = TOL[dtype]
    assert out_ours.shape == (B, T, H)
    _close(out_ours, out_ref, tol)
    for a, b in zip(last_ours, last_ref, strict=True):
        _close(a, b, tol)
    w_out = torch.randn(out_ref.shape, generator=g, dtype=dtype)
    w_last = [torch.randn(s.shape, generator=g, dtype=dtype) for s in last_ref]
    inputs = [x] + ([] if state is None else list(state) if paired else [state])

    def loss(out, last):
        return (w_out * out).sum() + sum((w * s).sum() for w, s in zip(w_last, last, strict=True))

    grads_ours = torch.autograd.grad(loss(out_ours, last_ours), inputs + list(ours.parameters()))
    grads_ref = torch.autograd.grad(loss(out_ref, last_ref), inputs + list(reference.parameters()))
    # A weight's gradient sums B * T float32 terms whose rounding differs from torch's fused
    # kernels: allow 1e-5 there (float64 stays at 1e-12).
    grad_tol = 1e-5 if dtype == torch.float32 else tol
    for a, b in zip(grads_ours, grads_ref, strict=True):
        _close(a, b, grad_tol)


def test_lstm_cell_run_step_by_step_equals_the_layer():
    torch.manual_seed(0)
    layer = rnn.LSTM(3, 4)
    cell = rnn.LSTMCell(3, 4)
    cell.load_state_dict({k.removesuffix("_l0"): v for k, v in layer.state_dict().items()})
    x = torch.randn(2, 5, 3)
    state = None
    for t in range(5):
        state = cell(x[:, t], state)
    outputs, (h, c) = layer(x)
    _close(outputs[:, -1], state[0], 1e-6)
    _close(h, state[0], 1e-6)
    _close(c, state[1], 1e-6)


@pytest.mark.parametrize(
    "ours_cls,torch_cls",
    [(rnn.LSTMCell, nn.LSTMCell), (rnn.GRUCell, nn.GRUCell), (rnn.RNNCell, nn.RNNCell)],
)
def test_same_seed_gives_torchs_initial_weights(ours_cls, torch_cls):
    # Same names, shapes, order and distribution as torch: the same draws.
    torch.manual_seed(3)
    reference = torch_cls(4, 6)
    torch.manual_seed(3)
    ours = ours_cls(4, 6)
    ours_params, torch_params = dict(ours.named_parameters()), dict(reference.named_parameters())
    assert list(ours_params) == list(torch_params)
    for name, param in ours_params.items():
        assert torch.equal(param, torch_params[name]), name


@pytest.mark.parametrize("cls", [rnn.LSTM, rnn.LSTMCell])
def test_forget_bias_sets_only_the_forget_gate(cls):
    torch.manual_seed(0)
    default = {k.removesuffix("_l0"): v for k, v in cls(3, 4).state_dict().items()}
    torch.manual_seed(0)
    opened = {k.removesuffix("_l0"): v for k, v in cls(3, 4, forget_bias=2.5).state_dict().items()}
    forget = torch.zeros(16, dtype=torch.bool)
    forget[4:8] = True  # rows H..2H of the stacked gates i, f, g, o
    for name in ("weight_ih", "weight_hh"):
        assert torch.equal(opened[name], default[name])  # torch's initialisation
    for name in ("bias_ih", "bias_hh"):
        assert torch.equal(opened[name][~forget], default[name][~forget])
    total = opened["bias_ih"][forget] + opened["bias_hh"][forget]
    assert torch.allclose(total, torch.full((4,), 2.5))
    # With every weight zero and nothing written, the cell state decays by sigmoid(2.5) a step.
    cell = rnn.LSTMCell(1, 1, forget_bias=2.5)
    with torch.no_grad():
        cell.weight_ih.zero_()
        cell.weight_hh.zero_()
        for bias in (cell.bias_ih, cell.bias_hh):
            bias[[0, 2, 3]] = 0.0  # gates i, g, o: g = tanh(0) = 0 writes nothing
    h, c = cell(torch.zeros(1, 1), (torch.zeros(1, 1), torch.ones(1, 1)))
    assert torch.allclose(c, torch.sigmoid(torch.tensor(2.5)).reshape(1, 1))


def test_layer_state_dict_names_are_torchs():
    assert list(rnn.LSTM(2, 3).state_dict()) == list(nn.LSTM(2, 3).state_dict())
    assert list(rnn.GRUCell(2, 3).state_dict()) == list(nn.GRUCell(2, 3).state_dict())
    with pytest.raises(RuntimeError, match="size mismatch"):
        rnn.LSTM(2, 3).load_state_dict(nn.LSTM(2, 4).state_dict())


def test_lstm_learns_to_remember_the_first_input():
    # A smoke test of training: the last output must recall the sign of x_0 three steps back.
    torch.manual_seed(0)
    layer, head = rnn.LSTM(1, 8), nn.Linear(8, 1)
    opt = torch.optim.Adam([*layer.parameters(), *head.parameters()], lr=0.05)
    x = torch.randn(64, 4, 1)
    y = (x[:, 0, 0] > 0).float()
    for _ in range(60):
        out, _ = layer(x)
        loss = nn.functional.binary_cross_entropy_with_logits(head(out[:, -1]).squeeze(1), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    accuracy = ((head(layer(x)[0][:, -1]).squeeze(1) > 0).float() == y).float().mean()
    assert accuracy > 0.95


# ---- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [rnn.RNNCell, rnn.GRUCell, rnn.LSTMCell])
def test_cell_rejects_wrong_input_size(cls):
    with pytest.raises(ValueError, match=r"input_size=3.*got shape \(2, 5\)"):
        cls(3, 4)(torch.zeros(2, 5))
    with pytest.raises(ValueError, match=r"2-D.*got shape \(2, 1, 3\)"):
        cls(3, 4)(torch.zeros(2, 1, 3))


@pytest.mark.parametrize("cls", [rnn.RNN, rnn.GRU, rnn.LSTM])
def test_layer_rejects_wrong_input(cls):
    with pytest.raises(ValueError, match=r"3-D \(batch, time, input_size\).*got shape \(5, 3\)"):
        cls(3, 4)(torch.zeros(5, 3))
    with pytest.raises(ValueError, match=r"input_size=3.*got shape \(2, 5, 4\)"):
        cls(3, 4)(torch.zeros(2, 5, 4))
    with pytest.raises(ValueError, match="at least one time step"):
        cls(3, 4)(torch.zeros(2, 0, 3))
    with pytest.raises(TypeError, match="torch.Tensor"):
        cls(3, 4)([[0.0, 0.0, 0.0]])


def test_lstm_rejects_states_of_the_wrong_shape():
    x = torch.zeros(2, 5, 3)
    good = torch.zeros(2, 4)
    with pytest.raises(ValueError, match=r"state h must have shape .*\(2, 4\); got \(1, 2, 4\)"):
        rnn.LSTM(3, 4)(x, (torch.zeros(1, 2, 4), good))
    with pytest.raises(ValueError, match=r"state c .*\(2, 4\); got \(2, 3\)"):
        rnn.LSTM(3, 4)(x, (good, torch.zeros(2, 3)))
    with pytest.raises(ValueError, match=r"pair \(h, c\)"):
        rnn.LSTM(3, 4)(x, good)
    with pytest.raises(ValueError, match=r"state h .*\(2, 4\); got \(3, 4\)"):
        rnn.LSTMCell(3, 4)(x[:, 0], (torch.zeros(3, 4), good))


@pytest.mark.parametrize("cls", [rnn.RNNCell, rnn.GRUCell])
def test_cells_reject_a_hidden_state_of_the_wrong_shape(cls):
    with pytest.raises(ValueError, match=r"state h .*\(2, 4\); got \(2, 5\)"):
        cls(3, 4)(torch.zeros(2, 3), torch.zeros(2, 5))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 1e3])
def test_rejects_a_non_finite_or_huge_forget_bias(bad):
    with pytest.raises(ValueError, match=r"forget_bias must be a finite real number in \[-100"):
        rnn.LSTM(3, 4, forget_bias=bad)


@pytest.mark.parametrize("bad", [0, -1])
def test_rejects_bad_sizes(bad):
    with pytest.raises(ValueError, match="hidden_size must be an integer >= 1"):
        rnn.LSTM(3, bad)
    with pytest.raises(ValueError, match="input_size must be an integer >= 1"):
        rnn.GRUCell(bad, 3)


def test_rejects_fractional_sizes_and_wrong_dtypes():
    with pytest.raises(TypeError, match=r"hidden_size must be an integer in \[1, .*got 2.5"):
        rnn.LSTM(3, 2.5)
    with pytest.raises(TypeError, match="LSTM: x must hold floating-point numbers"):
        rnn.LSTM(3, 4)(torch.zeros(2, 5, 3, dtype=torch.long))
    with pytest.raises(TypeError, match="RNN: x must have the parameters' dtype torch.float32"):
        rnn.RNN(3, 4)(torch.zeros(2, 5, 3, dtype=torch.float64))
    with pytest.raises(TypeError, match="state h must have x's dtype"):
        rnn.GRUCell(3, 4)(torch.zeros(2, 3), torch.zeros(2, 4, dtype=torch.float64))


def test_step_functions_check_their_arguments():
    h = torch.zeros(2, 3)
    with pytest.raises(ValueError, match=r"weight_hh must have shape \(12, 3\) to match h"):
        rnn.lstm_step(torch.zeros(2, 12), h, h, torch.zeros(4, 3), torch.zeros(12))
    with pytest.raises(ValueError, match=r"x_part must have shape \(2, 9\)"):
        rnn.gru_step(torch.zeros(2, 3), h, torch.zeros(9, 3), torch.zeros(9))
    with pytest.raises(TypeError, match="bias_hh must be Tensor"):
        rnn.rnn_step(torch.zeros(2, 3), h, torch.zeros(3, 3), [0.0, 0.0, 0.0])
    # the checks do not change the arithmetic
    x_part, w, b = torch.randn(2, 3), torch.randn(3, 3), torch.randn(3)
    torch.testing.assert_close(rnn.rnn_step(x_part, h, w, b), torch.tanh(x_part + b))


@pytest.mark.parametrize(
    "cls", [rnn.RNN, rnn.GRU, rnn.LSTM, rnn.RNNCell, rnn.GRUCell, rnn.LSTMCell]
)
def test_forward_checks_shapes_only_and_never_waits_for_the_device(cls):
    """On the meta device a tensor has a shape and no values: a forward pass that read a value
    to check its input (``.item()``, ``.min()``, a comparison turned into a bool) would raise.
    Ours runs, and still refuses a wrong shape."""
    with torch.device("meta"):
        layer = cls(3, 4)
        x = torch.empty(2, 5, 3) if cls in (rnn.RNN, rnn.GRU, rnn.LSTM) else torch.empty(2, 3)
        out = layer(x)
        first = out[0] if isinstance(out, tuple) else out
        assert first.device.type == "meta" and first.shape[-1] == 4
        with pytest.raises(ValueError, match="input_size=3"):
            layer(torch.empty(*x.shape[:-1], 7))
