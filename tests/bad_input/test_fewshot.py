"""Bad input for dlcourse.fewshot.

Episodes, prototypes, a prototypical network (chapter 17)
"""

from __future__ import annotations

import numpy as np
import torch

from bad_input.fuzzing import Array, Count, Fresh, Func, Instance, Labels, Opaque, Other
from bad_input.registry import Registry
from bad_input.values import POSITIVE, accept_any
from dlcourse import fewshot

RECIPES = Registry()
register = RECIPES.register

FEW_X = np.random.default_rng(1).normal(size=(40, 64))
FEW_Y = np.repeat(np.arange(5), 8)
GENERATOR = Other(bad_values=(None, 3, "rng", np.random.RandomState(0), torch.Generator()))


def torch_kind(shape, dtype=torch.float32, *extra):
    """Bad values of a tensor argument of ``shape``: not a tensor, the wrong shape or dtype.

    NaN is not among them: a forward pass lets it through (as torch does), where a check would
    cost a GPU a synchronisation per step."""
    wrong = list(shape)
    wrong[-1] += 1
    bad = [None, "t", 3.0, np.zeros(shape), torch.zeros(wrong, dtype=dtype), torch.zeros(2, 2, 2)]
    bad += [torch.zeros(shape, dtype=torch.complex64)]
    bad += [] if dtype.is_floating_point else [torch.zeros(shape), torch.full(shape, -1)]
    return Other(bad_values=(*bad, *extra))


def episode_kwargs(**kinds):
    args = dict(
        X=(FEW_X, Array(ndims=(2,), like=FEW_X)),
        y=(FEW_Y, Labels()),
        n_way=(3, Count(1)),
        k_shot=(2, Count(1)),
        n_query=(2, Count(1)),
        rng=(Fresh(lambda: np.random.default_rng(0)), GENERATOR),
    )
    return {**args, **kinds}


register(fewshot.sample_episode, ok=accept_any, **episode_kwargs())
register(  # a plain record, made by sample_episode: nothing to check
    fewshot.Episode,
    ok=accept_any,
    **{f: (np.zeros(2), Opaque()) for f in fewshot.Episode.__dataclass_fields__},
)
register(
    fewshot.prototypes,
    embeddings=(torch.randn(6, 4), torch_kind((7, 4))),
    labels=(torch.tensor([0, 0, 1, 1, 2, 2]), torch_kind((6,), torch.long, torch.tensor([0] * 6))),
    n_way=(3, Count(1)),
)
register(
    fewshot.squared_distances,
    a=(torch.randn(5, 4), torch_kind((5, 4))),
    b=(torch.randn(3, 4), torch_kind((3, 4))),
)
register(fewshot.ConvEmbedding, channels=(2, Count(1)))
EMBED = fewshot.ConvEmbedding(2)
register(
    fewshot.ConvEmbedding.forward,
    call=lambda self, x: self(x),
    self=(EMBED, Opaque()),
    x=(torch.randn(3, 64), torch_kind((3, 64))),
)
register(
    fewshot.ProtoNet,
    embed=(EMBED, Other(bad_values=(None, 3, "embed", lambda x: x))),
    ok=accept_any,
)
PROTO = fewshot.ProtoNet(fewshot.ConvEmbedding(2))
register(
    fewshot.ProtoNet.forward,
    call=lambda self, **kw: self(**kw),
    self=(PROTO, Opaque()),
    support_x=(torch.randn(6, 64), torch_kind((6, 64))),
    support_y=(torch.tensor([0, 0, 1, 1, 2, 2]), torch_kind((6,), torch.long)),
    query_x=(torch.randn(4, 64), torch_kind((4, 64))),
    n_way=(3, Count(1)),
)
SUPPORT_X, SUPPORT_Y, QUERY_X = FEW_X[:6], np.array([0, 0, 1, 1, 2, 2]), FEW_X[6:10]
register(
    fewshot.ProtoNet.predict,
    call=lambda self, **kw: self.predict(**kw),
    self=(PROTO, Opaque()),
    support_x=(SUPPORT_X, Array(ndims=(2,), like=SUPPORT_X)),
    support_y=(SUPPORT_Y, Labels()),
    query_x=(QUERY_X, Array(ndims=(2,), like=QUERY_X)),
)
register(
    fewshot.train_protonet,
    model=(Fresh(lambda: fewshot.ProtoNet(fewshot.ConvEmbedding(2))), Instance()),
    episodes=(1, Count(1)),
    lr=(1e-3, POSITIVE),
    **episode_kwargs(),
)
register(
    fewshot.nearest_neighbour_predict,
    support_x=(SUPPORT_X, Array(ndims=(2,), like=SUPPORT_X)),
    support_y=(SUPPORT_Y, Labels()),
    query_x=(QUERY_X, Array(ndims=(2,), like=QUERY_X)),
)
register(
    fewshot.evaluate_episodes,
    predict=(fewshot.nearest_neighbour_predict, Func()),
    episodes=(2, Count(1)),
    **episode_kwargs(),
)
register(
    fewshot.mean_ci95,
    values=(np.array([0.5, 0.75, 1.0]), Array(ndims=(1,), like=np.array([0.5, 0.75, 1.0]))),
)

globals().update(RECIPES.tests())  # this file's tests: see registry.py
