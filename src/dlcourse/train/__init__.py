"""The training wing: one loop for every chapter, and what it stands on.

``from dlcourse import train`` gives the loop and its data side:

- ``train.fit``, ``train.train_epoch``, ``train.History`` (``dlcourse.train.loop``): forward,
  loss, backward, step, log; early stopping, checkpoints, resuming, mixed precision;
- ``train.make_loader``, ``train.evaluate``, ``train.predict`` (``dlcourse.train.batches``).

Inside the package: ``checkpoint`` (a run saved to one file, and the one loader of weights,
``load_state_dict_checked``; also importable as ``dlcourse.checkpoint``), ``rng`` (the random
state a checkpoint carries), ``resume`` (what ``fit`` carries between epochs, and how it
resumes), ``history`` (``History``), ``progress`` (when a progress bar is drawn) and
``checks`` (the loop's argument checks, run once per call).
"""

from dlcourse.train import checkpoint, progress  # noqa: F401 (the submodules, as attributes)
from dlcourse.train.batches import evaluate, make_loader, predict
from dlcourse.train.history import History
from dlcourse.train.loop import fit, train_epoch

__all__ = ["History", "evaluate", "fit", "make_loader", "predict", "train_epoch"]
