"""Recurrent cells and layers written from their equations, with PyTorch's parameter layout.

Each cell keeps torch's names and shapes (``weight_ih`` (G*H, I), ``weight_hh`` (G*H, H),
``bias_ih`` and ``bias_hh`` (G*H,), with G = 1, 3 or 4 gates), so a state_dict of
``nn.RNNCell``, ``nn.GRUCell`` or ``nn.LSTMCell`` loads into it unchanged. The layers ``RNN``,
``GRU`` and ``LSTM`` run a cell over a batch-first sequence; their parameters are named like a
one-layer ``nn.RNN``/``nn.GRU``/``nn.LSTM`` (``weight_ih_l0``, ...), so those load too.

The equations of one time step live in three small functions (``rnn_step``, ``gru_step``,
``lstm_step``) shared by cells and layers. They take the input's contribution ``x W_ih^T + b_ih``
already computed: a layer computes it for all time steps in one matrix product, which is the
same arithmetic in fewer, larger operations.
"""

from __future__ import annotations

import functools
import inspect
import math

import torch
from torch import Tensor, nn

from dlcourse.checks import check_count, check_instance, check_real, check_size

__all__ = [
    "GRU",
    "GRUCell",
    "LSTM",
    "LSTMCell",
    "RNN",
    "RNNCell",
    "gru_step",
    "lstm_step",
    "rnn_step",
]


# ---- the equations of one time step ------------------------------------------------------
# Each public step function checks its arguments (the decorator); the cells and layers, which
# check their own input once, run the bare equations (``_rnn_step`` ...) at every time step.


def _check_step(gates: int, x_part, h, weight_hh, bias_hh, c=None) -> None:
    """The shapes of one step's arguments: h (B, H), c (B, H), x_part (B, G*H), weight_hh
    (G*H, H), bias_hh (G*H,), all floating-point tensors of one dtype, with G = ``gates``."""
    named = {"x_part": x_part, "h": h, "weight_hh": weight_hh, "bias_hh": bias_hh}
    if gates == 4:
        named["c"] = c
    for name, t in named.items():
        check_instance(name, t, Tensor)
        if not t.is_floating_point():
            raise TypeError(f"{name} must hold floating-point numbers; got dtype {t.dtype}")
    if h.ndim != 2 or h.shape[1] == 0:
        raise ValueError(f"h must have shape (B, H) with H >= 1; got {tuple(h.shape)}")
    (B, H), GH = h.shape, gates * h.shape[1]
    expected = {"x_part": (B, GH), "weight_hh": (GH, H), "bias_hh": (GH,), "c": (B, H)}
    for name, t in named.items():
        if name != "h" and tuple(t.shape) != expected[name]:
            raise ValueError(
                f"{name} must have shape {expected[name]} to match h of shape {(B, H)} "
                f"({gates} gate{'s' if gates > 1 else ''}); got {tuple(t.shape)}"
            )
        if t.dtype != h.dtype:
            raise TypeError(f"{name} must have h's dtype {h.dtype}; got {t.dtype}")


def _checked(gates: int):
    """Check a step function's arguments with ``_check_step`` before running it."""

    def decorate(step):
        signature = inspect.signature(step)

        @functools.wraps(step)
        def checked(*args, **kwargs):
            _check_step(gates, **signature.bind(*args, **kwargs).arguments)
            return step(*args, **kwargs)

        return checked

    return decorate


@_checked(gates=1)
def rnn_step(x_part: Tensor, h: Tensor, weight_hh: Tensor, bias_hh: Tensor) -> Tensor:
    """Plain (Elman) RNN: ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Args:
        x_part: ``x W_ih^T + b_ih``, shape (B, H). h: (B, H). weight_hh: (H, H). bias_hh: (H,).
    Returns: the new hidden state h' (B, H).
    """
    return torch.tanh(x_part + h @ weight_hh.T + bias_hh)


@_checked(gates=4)
def lstm_step(
    x_part: Tensor, h: Tensor, c: Tensor, weight_hh: Tensor, bias_hh: Tensor
) -> tuple[Tensor, Tensor]:
    """LSTM, torch's gate order i, f, g, o.

    Args:
        x_part: ``x W_ih^T + b_ih``, shape (B, 4H). h, c: (B, H). weight_hh: (4H, H).
            bias_hh: (4H,).
    Returns: ``(h', c')``, each (B, H).
    """
    gates = x_part + h @ weight_hh.T + bias_hh  # (B, 4H)
    i, f, g, o = gates.chunk(4, dim=1)  # each (B, H)
    i, f, o = torch.sigmoid(i), torch.sigmoid(f), torch.sigmoid(o)  # gates in (0, 1)
    g = torch.tanh(g)  # the candidate content, in (-1, 1)
    c = f * c + i * g  # keep part of the old cell state, write part of the new
    h = o * torch.tanh(c)  # show part of the cell state
    return h, c


@_checked(gates=3)
def gru_step(x_part: Tensor, h: Tensor, weight_hh: Tensor, bias_hh: Tensor) -> Tensor:
    """GRU, torch's gate order r, z, n.

    Args:
        x_part: ``x W_ih^T + b_ih``, shape (B, 3H). h: (B, H). weight_hh: (3H, H).
            bias_hh: (3H,).
    Returns: the new hidden state h' (B, H).
    """
    h_part = h @ weight_hh.T + bias_hh  # (B, 3H)
    x_r, x_z, x_n = x_part.chunk(3, dim=1)
    h_r, h_z, h_n = h_part.chunk(3, dim=1)
    r = torch.sigmoid(x_r + h_r)  # reset gate: how much of h the candidate may read
    z = torch.sigmoid(x_z + h_z)  # update gate: how much of h to keep
    n = torch.tanh(x_n + r * h_n)  # candidate state
    return (1 - z) * n + z * h


# The bare equations, for the loops (their input is checked once, at the cell or layer).
_rnn_step, _lstm_step, _gru_step = rnn_step.__wrapped__, lstm_step.__wrapped__, gru_step.__wrapped__


# ---- input checks, done once at each public entry ----------------------------------------


def _check_input(x: Tensor, input_size: int, ndim: int, who: str, dtype: torch.dtype) -> None:
    if not isinstance(x, Tensor):
        raise TypeError(f"{who}: x must be a torch.Tensor; got {type(x).__name__}")
    if not x.is_floating_point():
        raise TypeError(f"{who}: x must hold floating-point numbers; got dtype {x.dtype}")
    expected = "(batch, input_size)" if ndim == 2 else "(batch, time, input_size)"
    if x.ndim != ndim:
        raise ValueError(
            f"{who}: x must be {ndim}-D {expected} with input_size={input_size}; "
            f"got shape {tuple(x.shape)}"
        )
    if x.shape[-1] != input_size:
        raise ValueError(
            f"{who}: x must have shape {expected} with input_size={input_size}; "
            f"got shape {tuple(x.shape)}"
        )
    if ndim == 3 and x.shape[1] == 0:
        raise ValueError(f"{who}: x needs at least one time step; got shape {tuple(x.shape)}")
    if x.dtype != dtype:
        raise TypeError(f"{who}: x must have the parameters' dtype {dtype}; got {x.dtype}")


def _check_state(s: Tensor, x: Tensor, hidden_size: int, name: str, who: str) -> None:
    batch, dtype = x.shape[0], x.dtype
    expected = (batch, hidden_size)
    if not isinstance(s, Tensor) or tuple(s.shape) != expected:
        got = tuple(s.shape) if isinstance(s, Tensor) else type(s).__name__
        raise ValueError(
            f"{who}: state {name} must have shape (batch, hidden_size) = {expected}; got {got}"
        )
    if s.dtype != dtype:
        raise TypeError(f"{who}: state {name} must have x's dtype {dtype}; got {s.dtype}")


def _start(module, x: Tensor, state, ndim: int, pair: bool = False):
    """Check x (ndim 2 for a cell, 3 for a layer) and the state once, at the entry of
    ``module.forward``, and return the initial state: zeros when ``state`` is None, else
    ``state`` (h, or the pair (h, c) when ``pair``). Shapes and dtypes only, no device sync."""
    who, H = type(module).__name__, module.hidden_size
    _check_input(x, module.input_size, ndim, who, module._params()[0].dtype)
    if state is None:
        zeros = x.new_zeros(x.shape[0], H)
        return (zeros, zeros) if pair else zeros
    if not pair:
        _check_state(state, x, H, "h", who)
        return state
    if not isinstance(state, (tuple, list)) or len(state) != 2:
        raise ValueError(f"{who}: state must be a pair (h, c) or None; got {type(state).__name__}")
    for name, s in zip("hc", state, strict=True):
        _check_state(s, x, H, name, who)
    return tuple(state)


# ---- parameters -------------------------------------------------------------------------


class _Recurrent(nn.Module):
    """Holds the four parameters of a cell with ``gates`` gates, initialised as torch does:
    every entry uniform in (-1/sqrt(H), 1/sqrt(H)). ``suffix`` is "" for a cell and "_l0" for
    a layer, so the names match torch's and its state_dicts load as they are."""

    gates = 1
    suffix = ""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.input_size = check_count("input_size", input_size)
        self.hidden_size = check_count("hidden_size", hidden_size)
        G, H, I = self.gates, self.hidden_size, self.input_size  # noqa: E741
        check_size(
            "the weights (gates * hidden_size * (input_size + hidden_size + 2))",
            G * H * (I + H + 2),
        )
        shapes = {
            "weight_ih": (G * H, I),
            "weight_hh": (G * H, H),
            "bias_ih": (G * H,),
            "bias_hh": (G * H,),
        }
        bound = 1.0 / math.sqrt(H)
        for name, shape in shapes.items():
            param = nn.Parameter(torch.empty(shape).uniform_(-bound, bound))
            setattr(self, name + self.suffix, param)

    def _params(self) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        s = self.suffix
        return (
            getattr(self, "weight_ih" + s),
            getattr(self, "bias_ih" + s),
            getattr(self, "weight_hh" + s),
            getattr(self, "bias_hh" + s),
        )

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}"


class _LSTMInit(_Recurrent):
    """LSTM parameters, with the option to start the forget gate open."""

    gates = 4

    def __init__(self, input_size: int, hidden_size: int, forget_bias: float | None = None):
        super().__init__(input_size, hidden_size)
        if forget_bias is not None:
            # sigmoid(+-100) is 1 or 0 to float64 precision: a larger bias means nothing more
            # (and past 3e38 it would not fit the float32 parameter).
            forget_bias = check_real("forget_bias", forget_bias, min=-100.0, max=100.0)
            # The forget gate is f = sigmoid(... + b_ih[f] + b_hh[f]); a bias of 3 gives
            # f = 0.95 at the start, so the cell state keeps 0.95**t of what it held t steps
            # ago instead of torch's default f of about 0.5 (0.5**t).
            H = self.hidden_size
            _, b_ih, _, b_hh = self._params()
            with torch.no_grad():
                b_ih[H : 2 * H] = float(forget_bias)
                b_hh[H : 2 * H] = 0.0
        self.forget_bias = forget_bias


# ---- cells: one time step ---------------------------------------------------------------


class RNNCell(_Recurrent):
    """One step of a plain tanh RNN; loads an ``nn.RNNCell`` state_dict.

    ``forward(x (B, I), h (B, H) or None) -> h' (B, H)``; ``None`` means a zero state.
    """

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        h = _start(self, x, h, ndim=2)  # checks x and h; zeros if h is None
        w_ih, b_ih, w_hh, b_hh = self._params()
        return _rnn_step(x @ w_ih.T + b_ih, h, w_hh, b_hh)


class LSTMCell(_LSTMInit):
    """One LSTM step, gates i, f, g, o as in torch; loads an ``nn.LSTMCell`` state_dict.

    ``forward(x (B, I), (h, c) each (B, H), or None) -> (h', c')``. ``forget_bias=None``
    initialises as torch does; a number sets the forget gate's bias (see ``LSTM``).
    """

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None):
        h, c = _start(self, x, state, ndim=2, pair=True)  # checks; zeros if state is None
        w_ih, b_ih, w_hh, b_hh = self._params()
        return _lstm_step(x @ w_ih.T + b_ih, h, c, w_hh, b_hh)


class GRUCell(_Recurrent):
    """One GRU step, gates r, z, n as in torch; loads an ``nn.GRUCell`` state_dict.

    ``forward(x (B, I), h (B, H) or None) -> h' (B, H)``.
    """

    gates = 3

    def forward(self, x: Tensor, h: Tensor | None = None) -> Tensor:
        h = _start(self, x, h, ndim=2)  # checks x and h; zeros if h is None
        w_ih, b_ih, w_hh, b_hh = self._params()
        return _gru_step(x @ w_ih.T + b_ih, h, w_hh, b_hh)


# ---- layers: a cell run over a batch-first sequence --------------------------------------


class RNN(_Recurrent):
    """A plain tanh RNN over a sequence, batch first; loads ``nn.RNN(batch_first=True)``.

    ``forward(x (B, T, I), h (B, H) or None) -> (outputs (B, T, H), h_T (B, H))``: outputs
    holds the hidden state after every step, h_T the last one. (torch's ``nn.RNN`` returns its
    state as (num_layers, B, H); this one-layer version drops that axis.)
    """

    suffix = "_l0"

    def forward(self, x: Tensor, h: Tensor | None = None) -> tuple[Tensor, Tensor]:
        h = _start(self, x, h, ndim=3)  # checks x and h; zeros if h is None
        w_ih, b_ih, w_hh, b_hh = self._params()
        # Every step's input term in one product, (B, T, H), then split into T tensors (B, H).
        # unbind rather than x_parts[:, t]: the backward of each slice would write a zero
        # tensor the size of all of x_parts, T times over.
        x_parts = (x @ w_ih.T + b_ih).unbind(dim=1)
        outputs = []
        for x_part in x_parts:
            h = _rnn_step(x_part, h, w_hh, b_hh)
            outputs.append(h)
        return torch.stack(outputs, dim=1), h


class GRU(_Recurrent):
    """A GRU over a sequence, batch first; loads ``nn.GRU(batch_first=True)``.

    ``forward(x (B, T, I), h (B, H) or None) -> (outputs (B, T, H), h_T (B, H))``.
    """

    gates = 3
    suffix = "_l0"

    def forward(self, x: Tensor, h: Tensor | None = None) -> tuple[Tensor, Tensor]:
        h = _start(self, x, h, ndim=3)  # checks x and h; zeros if h is None
        w_ih, b_ih, w_hh, b_hh = self._params()
        x_parts = (x @ w_ih.T + b_ih).unbind(dim=1)  # T tensors (B, 3H), as in RNN
        outputs = []
        for x_part in x_parts:
            h = _gru_step(x_part, h, w_hh, b_hh)
            outputs.append(h)
        return torch.stack(outputs, dim=1), h


class LSTM(_LSTMInit):
    """An LSTM over a sequence, batch first; loads ``nn.LSTM(batch_first=True)``.

    ``forward(x (B, T, I), state=(h, c) each (B, H), or None)
    -> (outputs (B, T, H), (h_T, c_T))``: outputs holds h after every step. (torch's
    ``nn.LSTM`` shapes its states (num_layers, B, H); this one-layer version drops that axis.)

    ``forget_bias``: ``None`` initialises every parameter as torch does; a number in
    [-100, 100] (1 is common, Keras's default) sets the forget gate's bias so that a new LSTM
    starts out remembering rather than forgetting, which long-range tasks need.
    """

    suffix = "_l0"

    def forward(self, x: Tensor, state: tuple[Tensor, Tensor] | None = None):
        h, c = _start(self, x, state, ndim=3, pair=True)  # checks; zeros if state is None
        w_ih, b_ih, w_hh, b_hh = self._params()
        x_parts = (x @ w_ih.T + b_ih).unbind(dim=1)  # T tensors (B, 4H), as in RNN
        outputs = []
        for x_part in x_parts:
            h, c = _lstm_step(x_part, h, c, w_hh, b_hh)
            outputs.append(h)
        return torch.stack(outputs, dim=1), (h, c)
