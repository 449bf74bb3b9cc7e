"""Quantization-aware pruning, distillation loss and seeded repeatability."""

from __future__ import annotations

import numpy as np
import pytest

from flow.config import validate_dict
from flow.data import load_dataset, make_split

from .conftest import tiny_config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def split_and_cfg(tmp_path_factory):
    cfg = validate_dict(tiny_config(), source=tmp_path_factory.mktemp("c") / "c.yaml")
    return make_split(load_dataset(cfg), cfg), cfg


@pytest.mark.parametrize("schedule", ["polynomial", "constant"])
def test_pruning_reaches_per_layer_targets_and_zeros_stay_zero(split_and_cfg, schedule):
    from flow.model import quantized_weights
    from flow.train import train_student

    split, cfg = split_and_cfg
    pruning = cfg.train.pruning.model_copy(update={"schedule": schedule, "target_sparsity": 0.8, "per_layer": {"out": 0.3}, "end_fraction": 0.5})
    res = train_student(split, cfg.model, cfg.train.student, pruning, seed=0, progress=False)
    qw = quantized_weights(res.model)
    raw = {layer.name: layer.kernel.numpy() for layer in res.model.layers if type(layer).__name__ == "QDense"}
    assert abs(np.mean(raw["fc1"] == 0) - 0.8) < 0.02
    assert abs(np.mean(raw["out"] == 0) - 0.3) < 0.02
    for name in raw:  # a pruned float weight quantizes to exactly zero
        assert np.all(qw[name][0][raw[name] == 0] == 0)
    assert not any("prune" in layer.name for layer in res.model.layers)  # stripped


def test_distillation_loss_matches_formula():
    import tensorflow as tf

    from flow.distill import kd_loss, pack_targets

    rng = np.random.default_rng(0)
    n, k, T, a = 6, 4, 3.0, 0.3
    y = rng.integers(0, k, n)
    teacher = rng.normal(size=(n, k)).astype(np.float32)
    student = rng.normal(size=(n, k)).astype(np.float32)
    got = kd_loss(k, temperature=T, alpha=a)(tf.constant(pack_targets(y, k, teacher)), tf.constant(student)).numpy()

    def softmax(z):
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    ce = -np.log(softmax(student)[np.arange(n), y])
    pt, ps = softmax(teacher / T), softmax(student / T)
    kl = np.sum(pt * (np.log(pt) - np.log(ps)), axis=1)
    np.testing.assert_allclose(got, a * ce + (1 - a) * T * T * kl, rtol=1e-5)  # float32 loss vs float64 formula


def test_training_is_repeatable(split_and_cfg):
    from flow.train import train_student

    split, cfg = split_and_cfg
    runs = [train_student(split, cfg.model, cfg.train.student.model_copy(update={"epochs": 2}), cfg.train.pruning, seed=5, progress=False) for _ in range(2)]
    wa, wb = runs[0].model.get_weights(), runs[1].model.get_weights()
    assert all(np.array_equal(x, y) for x, y in zip(wa, wb))
    assert runs[0].test_accuracy == runs[1].test_accuracy
