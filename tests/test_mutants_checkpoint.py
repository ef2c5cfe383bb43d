"""dlcourse.train.checkpoint: cases that mutation testing (mutmut) found unchecked."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlcourse.train import checkpoint


def _saved(tmp_path, model):
    path = tmp_path / "run.pt"
    checkpoint.save_checkpoint(path, model, torch.optim.SGD(model.parameters(), lr=0.1))
    return path


def test_a_checkpoint_whose_random_state_is_damaged_is_refused(tmp_path):
    model = nn.Linear(3, 2)
    path = _saved(tmp_path, model)
    ckpt = torch.load(path, weights_only=True)
    ckpt["rng"] = 5  # the model's weights are whole, the random state is not
    torch.save(ckpt, path)
    fresh = nn.Linear(3, 2)
    before = {k: v.clone() for k, v in fresh.state_dict().items()}
    with pytest.raises(ValueError, match="random state is damaged; nothing was loaded"):
        checkpoint.load_checkpoint(path, fresh)
    for k, v in fresh.state_dict().items():
        assert torch.equal(v, before[k])


def test_a_foreign_format_is_named_in_the_refusal(tmp_path):
    path = _saved(tmp_path, nn.Linear(3, 2))
    ckpt = torch.load(path, weights_only=True)
    ckpt["format"] = 99
    torch.save(ckpt, path)
    with pytest.raises(ValueError, match="got format 99"):
        checkpoint.load_checkpoint(path, nn.Linear(3, 2))


def test_a_long_list_of_problems_says_how_many_more_it_left_out(tmp_path):
    big = nn.Sequential(*[nn.Linear(2, 2) for _ in range(4)])  # 8 tensors
    path = _saved(tmp_path, big)
    other = nn.Sequential(*[nn.Linear(3, 3) for _ in range(4)])  # 8 wrong shapes
    with pytest.raises(ValueError, match=rf"\(and {8 - checkpoint.SHOWN} more\)$"):
        checkpoint.load_checkpoint(path, other)


@pytest.mark.parametrize("call", ["save", "load"])
def test_a_path_of_the_wrong_type_is_named_path(tmp_path, call):
    model = nn.Linear(3, 2)
    with pytest.raises(TypeError, match=r"^path "):
        if call == "save":
            checkpoint.save_checkpoint(3.5, model, torch.optim.SGD(model.parameters(), lr=0.1))
        else:
            checkpoint.load_checkpoint(3.5, model)
