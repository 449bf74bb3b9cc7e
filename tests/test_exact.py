"""Bit-exactness of the HLS C-simulation against QKeras: exact equality, several seeds and
widths, plus a sabotaged precision that the check must catch (so the proof can fail)."""

from __future__ import annotations

import numpy as np
import pytest

from flow.config import HlsConfig
from flow.design import FixedType

pytestmark = pytest.mark.slow


def _model(seed: int, widths: dict, *, n_in=12, hidden=(16, 8), n_out=4, sparsity=0.5, softmax=True):
    """An untrained QKeras MLP with random, partly zero weights: exactness does not need training."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits, quantized_relu

    rng = np.random.default_rng(seed)
    x = inp = tf.keras.Input((n_in,), name="features")
    x = QActivation(quantized_bits(*widths["input"], alpha=1), name="input_q")(x)
    sizes = list(hidden) + [n_out]
    for i, units in enumerate(sizes):
        kb, ki = widths["kernel"][i]
        x = QDense(units, kernel_quantizer=quantized_bits(kb, ki, alpha=1), bias_quantizer=quantized_bits(*widths["bias"], alpha=1), name=f"d{i}")(x)
        if i < len(sizes) - 1:
            act = widths["act"][i]
            q = quantized_relu(*act[1:]) if act[0] == "relu" else quantized_bits(*act[1:], alpha=1)
            x = QActivation(q, name=f"d{i}_act")(x)
    if softmax:
        x = tf.keras.layers.Activation("softmax", name="softmax")(x)
    model = tf.keras.Model(inp, x)
    for layer in model.layers:
        if type(layer).__name__ == "QDense":
            k = rng.normal(0, 0.6, size=layer.kernel.shape) * (rng.random(layer.kernel.shape) >= sparsity)
            layer.kernel.assign(k.astype(np.float32))
            layer.bias.assign(rng.normal(0, 0.5, size=layer.bias.shape).astype(np.float32))
    return model


CASES = [
    # seed, widths, hls options
    (0, {"input": (8, 3), "kernel": [(6, 0), (4, 0), (6, 1)], "bias": (6, 0), "act": [("relu", 6, 2), ("relu", 5, 2)]}, {}),
    (1, {"input": (10, 4), "kernel": [(3, 0), (8, 2), (5, 0)], "bias": (8, 3), "act": [("relu", 4, 0), ("bits", 6, 2)]}, {}),
    (2, {"input": (6, 2), "kernel": [(7, 1), (2, 0), (4, 1)], "bias": (4, 1), "act": [("relu", 8, 3), ("relu", 3, 1)]}, {"io_type": "io_stream"}),
    (3, {"input": (8, 3), "kernel": [(10, 2), (9, 1), (6, 0)], "bias": (8, 2), "act": [("relu", 7, 3), ("relu", 6, 2)]}, {"strategy": "Resource", "reuse_factor": 4}),
    (4, {"input": (8, 3), "kernel": [(6, 0), (5, 1), (6, 1)], "bias": (6, 0), "act": [("relu", 6, 2), ("relu", 6, 2)]}, {"backend": "Vitis"}),
    (5, {"input": (8, 3), "kernel": [(6, 0), (4, 0), (6, 1)], "bias": (6, 0), "act": [("relu", 6, 2), ("bits", 6, 2)]}, {"strategy": "distributed_arithmetic"}),
]


def _prove(model, hls_opts, tmp_path, X, *, sabotage=None):
    from flow import csim
    from flow.hls import convert, hls_config, plan_model

    hls_cfg = HlsConfig(**hls_opts)
    plan = plan_model(model, hls_cfg=hls_cfg, name="t")
    if sabotage:
        sabotage(plan)
    hls_model = convert(model, hls_config(model, plan, hls_cfg), hls_cfg, tmp_path / "prj")
    return csim.run(hls_model, model, plan, X, progress=False)


@pytest.mark.parametrize("seed, widths, hls_opts", CASES, ids=["latency", "signed-act", "io_stream", "resource-rf4", "vitis", "distributed-arithmetic"])
def test_bit_exact_every_layer(tmp_path, seed, widths, hls_opts):
    if hls_opts.get("strategy") == "distributed_arithmetic":
        pytest.importorskip("da4ml", reason="the distributed_arithmetic strategy needs `pip install -e .[da]` (CI installs it)")
    model = _model(seed, widths)
    X = np.random.default_rng(100 + seed).normal(0, 1.5, size=(300, 12)).astype(np.float32)
    report, _ = _prove(model, hls_opts, tmp_path, X)
    assert report.rows == 300
    assert report.exact_rows == report.rows, report.diagnosis()
    compared = {k: c for k, c in report.layers.items() if c.traced}
    assert {"d0", "d0_act", "d1", "d1_act", "d2"} <= set(compared), sorted(compared)
    for name, check in compared.items():
        assert check.values > 0 and check.exact_values == check.values, (name, check)
        assert check.max_lsb_diff == 0.0
    assert report.exact
    assert report.softmax_argmax_agreement is not None and report.softmax_argmax_agreement > 0.9


def test_sabotaged_accumulator_is_caught(tmp_path):
    """Drop integer bits from the first accumulator: it wraps, and the proof must say where."""
    widths = CASES[0][1]
    model = _model(0, widths)
    X = np.random.default_rng(7).normal(0, 2.0, size=(200, 12)).astype(np.float32)

    def narrow(plan):
        node = plan.node("d0")
        t = node.result
        node.result = node.accum = FixedType(t.width - 4, t.integer - 4, t.signed)

    report, _ = _prove(model, {}, tmp_path, X, sabotage=narrow)
    assert not report.exact
    bad = report.first_mismatch()
    assert bad.name == "d0"
    assert 0 < bad.exact_values < bad.values
    assert bad.max_lsb_diff >= 1
    assert report.exact_rows < report.rows
    assert "first differing layer 'd0'" in report.diagnosis()


def test_a_softmax_table_that_often_disagrees_is_warned_with_the_fix():
    """The logits are proved exact; hls4ml's softmax table is the approximation. Below 99 %
    argmax agreement the report says so and names the implementation that outputs the exact
    decision. (compare() alone: no compile.)"""
    from flow.csim import compare
    from flow.design import Design
    from flow.hls import NodePrecision, Plan

    t = FixedType(12, 4)
    plan = Plan(t, None, "declared", [NodePrecision("x", "x", t, function="input"),
                                      NodePrecision("logits", "logits", t, function="dense"),
                                      NodePrecision("sm", "sm", None, function="softmax")], Design("m", [], t, 4))
    rng = np.random.default_rng(0)
    logits = np.round(rng.normal(size=(200, 3)) * 16) / 16
    ref = {"logits": logits, "sm": logits}
    hls_sm = logits.copy()

    def warned(n_flipped):
        out = hls_sm.copy()
        out[:n_flipped] = -out[:n_flipped]  # flips most argmaxes of those rows
        rep = compare(plan, ref, {"logits": logits, "sm": out}, out)
        assert rep.exact
        return rep.output_agreement, [w for w in rep.warnings if "softmax lookup table agrees" in w]

    agree, w = warned(0)
    assert agree == 1.0 and not w
    agree, w = warned(20)
    assert agree < 0.99 and w and "softmax_implementation: argmax" in w[0] and f"{100 * agree:.2f}%" in w[0]
