"""Early stopping discards only trials that still had epochs to run: a finished fine-tune is a real
point of the trade-off (and the sampler learns from it), however poor its accuracy."""

from __future__ import annotations

import pytest
import yaml

from flow.config import validate_dict
from flow.search import Evaluation, make_objective

from .conftest import REPO


class FakeEvaluator:
    """Reports a hopeless accuracy after every epoch; no training."""

    student_val = 0.95

    def evaluate(self, choice, *, on_epoch=None, epochs=None):
        for epoch in range(epochs):
            on_epoch(epoch, 0.10)
        return Evaluation(val_accuracy=0.10, test_accuracy=0.10, costs={"cost": 1.0}, sparsity={})


@pytest.mark.parametrize("epochs, expected", [(1, "COMPLETE"), (2, "PRUNED")])
def test_early_stop_only_when_epochs_remain(tmp_path, epochs, expected):
    import optuna

    raw = yaml.safe_load((REPO / "configs" / "digits_search.yaml").read_text())
    raw["search"]["fine_tune_epochs"] = epochs
    raw["search"]["early_stop"] = {"enabled": True, "after_epoch": 1, "max_drop": 0.05}
    cfg = validate_dict(raw, source=tmp_path / "c.yaml")
    study = optuna.create_study(directions=["maximize", "minimize"])
    study.optimize(make_objective(cfg, FakeEvaluator()), n_trials=1)
    assert study.trials[0].state.name == expected
