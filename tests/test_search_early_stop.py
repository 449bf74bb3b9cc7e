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
    raw["search"]["fine_tune_epochs"] = 2
    raw["search"]["early_stop"] = {"enabled": True, "after_epoch": 1, "max_drop": 0.05}
    cfg = validate_dict(raw, source=tmp_path / "c.yaml")
    if epochs == 1:  # validation refuses after_epoch >= fine_tune_epochs: the objective's own guard, bypassing it
        cfg = cfg.model_copy(update={"search": cfg.search.model_copy(update={"fine_tune_epochs": 1})})
        assert cfg.search.model_extra["fine_tune_epochs"] == 1
    study = optuna.create_study(directions=["maximize", "minimize"])
    study.optimize(make_objective(cfg, FakeEvaluator()), n_trials=1)
    assert study.trials[0].state.name == expected


def test_shipped_search_config_can_stop_early():
    """configs/digits_search.yaml validates and its early stop has an epoch left to skip."""
    from flow.config import load_config
    from flow.search_config import get_search_settings

    s = get_search_settings(load_config(REPO / "configs" / "digits_search.yaml"))
    assert s.early_stop.enabled and s.early_stop.after_epoch < s.fine_tune_epochs


def test_early_stop_that_cannot_fire_is_refused(tmp_path):
    from flow.errors import ConfigError

    raw = yaml.safe_load((REPO / "configs" / "digits_search.yaml").read_text())
    raw["search"]["fine_tune_epochs"] = 1
    raw["search"]["early_stop"] = {"enabled": True, "after_epoch": 1}
    with pytest.raises(ConfigError, match=r"search.early_stop.after_epoch = 1: .*never fire"):
        validate_dict(raw, source=tmp_path / "c.yaml")
    raw["search"]["early_stop"]["enabled"] = False
    validate_dict(raw, source=tmp_path / "c.yaml")
