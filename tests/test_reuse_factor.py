"""Strategy Resource: hls4ml replaces a reuse factor its kernel cannot use by the closest valid one,
with only a printed line. The flow writes that value itself, prices it, and warns."""

from __future__ import annotations

import pytest

from flow.hls import _resource_reuse_factor, hls4ml_resource_reuse_factors


@pytest.mark.parametrize("n_in,n_out", [(9, 4), (3, 4), (105, 3), (16, 64), (64, 32), (32, 5), (7, 1), (1, 10)])
def test_the_valid_reuse_factors_and_the_substitute_are_hls4ml_s_own(n_in, n_out):
    import hls4ml

    backend = hls4ml.backends.get_backend("Vivado")
    valid = backend.get_valid_reuse_factors(n_in, n_out)
    assert hls4ml_resource_reuse_factors(n_in, n_out) == valid
    for requested in range(1, 70):
        warnings: list[str] = []
        built = _resource_reuse_factor("d", n_in, n_out, requested, warnings)
        assert built == (requested if requested in valid else backend.get_closest_reuse_factor(valid, requested))
        assert bool(warnings) == (built != requested)


def test_the_plan_writes_and_prices_the_reuse_factor_hls4ml_builds():
    import numpy as np
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    from flow.config import HlsConfig
    from flow.hls import hls_config, plan_model

    q = quantized_bits(6, 0, alpha=1)
    inp = tf.keras.Input((9,), name="x")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="in_q")(inp)
    x = QDense(4, kernel_quantizer=q, bias_quantizer=q, name="d1")(x)
    model = tf.keras.Model(inp, QDense(3, kernel_quantizer=q, bias_quantizer=q, name="d2")(x))
    for layer in model.layers[2:]:
        layer.set_weights([np.full(w.shape, 0.25, np.float32) for w in layer.get_weights()])
    cfg = HlsConfig(strategy="Resource", reuse_factor=2)
    plan = plan_model(model, hls_cfg=cfg, name="m")
    # 9 x 4: 2 is not valid (1, 3, 9, 18, 36), hls4ml takes 1; 4 x 3: 2 is valid
    assert {d.name: d.reuse_factor for d in plan.design.layers if hasattr(d, "weights")} == {"d1": 1, "d2": 2}
    assert any("'d1': reuse factor 2" in w and "use 1" in w for w in plan.warnings), plan.warnings
    layers = hls_config(model, plan, cfg, trace=False)["LayerName"]
    assert (layers["d1"]["ReuseFactor"], layers["d2"]["ReuseFactor"]) == (1, 2)
