"""`flow estimate` of float Keras models (no QKeras layer): priced as hls4ml 1.3.0 converts them
with config_from_keras_model(granularity='model') -- one precision (fixed<16,6>) and one reuse
factor everywhere, BatchNormalization kept as its own `normalize` layer. The check is against
hls4ml itself: the project it writes for the same model, read back by `flow estimate DIR`, must
give the same totals, layer by layer."""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_verify import _save

SETTINGS = [("io_parallel", "Latency", 1), ("io_stream", "Latency", 1), ("io_parallel", "Latency", 3),
            ("io_parallel", "Resource", 2)]


def _model(kind: str):
    import tensorflow as tf

    L = tf.keras.layers
    tf.keras.utils.set_random_seed(3)
    if kind == "conv_bn":  # the hls4ml tutorial's CNN pattern: conv, batch norm, relu, max pooling
        x = inp = tf.keras.Input((10, 10, 3), name="img")
        x = L.Conv2D(4, 3, name="c1")(x)
        x = L.BatchNormalization(name="bn1")(x)
        x = L.Activation("relu", name="r1")(x)
        x = L.MaxPooling2D(name="p1")(x)
        x = L.Conv2D(6, 3, padding="same", activation="relu", name="c2")(x)
        x = L.Flatten(name="f")(x)
        out = L.Dense(5, activation="softmax", name="out")(x)
    elif kind == "separable":
        x = inp = tf.keras.Input((8, 8, 3), name="img")
        x = L.DepthwiseConv2D(3, name="dw")(x)
        x = L.Activation("relu", name="r")(x)
        x = L.SeparableConv2D(4, 3, name="sep")(x)
        x = L.Flatten(name="f")(x)
        out = L.Dense(3, name="out")(x)
    elif kind == "average":
        x = inp = tf.keras.Input((12, 12, 2), name="img")
        x = L.Conv2D(4, 3, activation="relu", name="c1")(x)
        x = L.AveragePooling2D(name="ap")(x)
        x = L.Conv2D(4, 3, name="c2")(x)
        x = L.GlobalAveragePooling2D(name="gap")(x)
        out = L.Dense(3, name="out")(x)
    elif kind == "activations":  # lookup tables and a leaky relu inside the model, as physics models use them
        x = inp = tf.keras.Input((10,), name="x")
        x = L.Dense(8, activation="tanh", name="d1")(x)
        x = L.Dense(6, name="d2")(x)
        x = L.Activation("sigmoid", name="s2")(x)
        x = L.Dense(6, name="d3")(x)
        x = L.LeakyReLU(0.3, name="lr3")(x)
        x = L.Dense(5, name="d4")(x)
        x = L.ReLU(max_value=6.0, name="r6")(x)  # hls4ml drops max_value: priced as the plain relu it builds
        out = L.Dense(3, activation="softmax", name="out")(x)
    elif kind == "more_activations":  # hls4ml's other tables and parametrized activations
        x = inp = tf.keras.Input((10,), name="x")
        x = L.Dense(8, activation="elu", name="d1")(x)
        x = L.Dense(8, name="d2")(x)
        x = L.ELU(0.5, name="elu2")(x)
        x = L.Dense(8, activation="selu", name="d3")(x)
        x = L.Dense(8, activation="softplus", name="d4")(x)
        x = L.Dense(8, name="d5")(x)
        x = L.Activation("softsign", name="ss5")(x)
        x = L.Dense(8, name="d6")(x)
        x = L.ThresholdedReLU(0.25, name="thr6")(x)
        x = L.Dense(6, name="d7")(x)
        x = L.PReLU(name="pr7")(x)
        out = L.Dense(3, name="out")(x)
    elif kind == "conv_prelu":
        x = inp = tf.keras.Input((6, 6, 2), name="img")
        x = L.Conv2D(3, 3, name="c1")(x)
        x = L.PReLU(name="pr1")(x)
        x = L.Conv2D(3, 3, name="c2")(x)
        x = L.ELU(0.7, name="elu2")(x)
        x = L.Flatten(name="f")(x)
        out = L.Dense(3, name="out")(x)
    elif kind == "merges":  # a skip connection and a concatenation: hls4ml types both at the model precision
        x = inp = tf.keras.Input((8, 8, 2), name="img")
        x = L.Conv2D(4, 3, activation="relu", name="c1")(x)
        skip = L.Conv2D(4, 1, name="skip")(x)
        x = L.Add(name="add")([x, skip])
        side = L.Conv2D(2, 1, name="side")(x)
        x = L.Concatenate(name="cat")([x, side])
        x = L.Flatten(name="f")(x)
        out = L.Dense(3, name="out")(x)
    elif kind == "conv_leaky":
        x = inp = tf.keras.Input((8, 8, 2), name="img")
        x = L.Conv2D(4, 3, name="c1")(x)
        x = L.LeakyReLU(0.1, name="lr1")(x)
        x = L.Flatten(name="f")(x)
        out = L.Dense(3, name="out")(x)
    else:  # "conv1d_mlp": a Conv1D, a Dense on every position (hls4ml's 1x1 convolution), an MLP with batch norm
        x = inp = tf.keras.Input((16, 2), name="seq")
        x = L.Conv1D(4, 3, activation="relu", name="c1")(x)
        x = L.Dense(3, name="pw")(x)
        x = L.Flatten(name="f")(x)
        x = L.Dense(12, name="d1")(x)
        x = L.BatchNormalization(name="bn")(x)
        x = L.Activation("relu", name="r")(x)
        out = L.Dense(4, name="out")(x)
    model = tf.keras.Model(inp, out)
    rng = np.random.default_rng(4)
    for layer in model.layers:  # batch norms that do something (not the identity Keras starts with)
        if type(layer).__name__ == "PReLU":  # slopes that differ (Keras starts them at 0)
            layer.set_weights([rng.uniform(0.05, 0.5, layer.get_weights()[0].shape)])
        if type(layer).__name__ == "BatchNormalization":
            n = layer.get_weights()[0].size
            layer.set_weights([rng.uniform(0.5, 2, n), rng.normal(0, 0.3, n), rng.normal(0, 0.3, n), rng.uniform(0.5, 2, n)])
    return model


@pytest.mark.parametrize("kind", ["conv_bn", "separable", "average", "conv1d_mlp", "activations", "conv_leaky", "more_activations",
                                  "conv_prelu", "merges"])
def test_float_model_estimate_equals_the_estimate_of_the_project_hls4ml_writes(tmp_path, kind):
    import hls4ml

    from flow.verify import estimate_model, estimate_project

    model = _model(kind)
    path = _save(model, tmp_path / f"{kind}.h5")
    for io_type, strategy, rf in SETTINGS:
        if kind == "separable" and strategy == "Resource":
            continue  # hls4ml's depthwise convolution asserts for Resource (refused by name elsewhere)
        est = estimate_model(model_path=path, out_dir=None,
                             hls_options={"io_type": io_type, "strategy": strategy, "reuse_factor": rf})
        cfg = hls4ml.utils.config_from_keras_model(model, granularity="model", default_precision="ap_fixed<16,6>")
        cfg["Model"].update(Strategy=strategy, ReuseFactor=rf)
        prj = tmp_path / f"prj_{io_type}_{strategy}_{rf}"
        hls4ml.converters.convert_from_keras_model(model, hls_config=cfg, output_dir=str(prj), io_type=io_type,
                                                   backend="Vivado", part="xcvu13p-flga2577-2-e").write()
        ref = estimate_project(project_dir=prj, out_dir=None)
        keys = ("LUT", "FF", "DSP", "BRAM_18K", "latency_cycles", "ii")
        got = [[round(v.get(k) or 0) for k in keys] for v in est["layers"].values()]
        want = [[round(v.get(k) or 0) for k in keys] for v in ref["layers"].values()]
        assert got == want, (io_type, strategy, rf, list(est["layers"]), list(ref["layers"]))
        assert est["total"] == ref["total"], (io_type, strategy, rf)
        assert est["total"]["complete"]
        if kind == "activations":
            assert any("'r6'" in w and "ignoring max_value 6.0" in w for w in est["warnings"]), est["warnings"]


def test_batch_norm_after_a_convolution_costs_one_product_per_value():
    """A per-channel BatchNormalization on an 8x8x4 tensor is 256 products and adders (the scale
    indexed by channel), not 4: io_parallel computes every value at once, io_stream one pixel a
    cycle through the hardware of one."""
    from flow.design import FixedType, normalize_dense
    from flow.parts import lookup_part
    from flow.resources import _Ctx, _normalize

    t = FixedType(16, 6)
    rng = np.random.default_rng(0)
    scale, shift = rng.uniform(0.5, 2, 4), rng.normal(0, 0.3, 4)
    one = normalize_dense("bn", scale, shift, t, t, t, t)
    many = normalize_dense("bn", scale, shift, t, t, t, t, positions=64)
    for io in ("io_parallel", "io_stream"):
        ctx = _Ctx(lookup_part("xcvu13p-flga2577-2-e"), 5.0, "latency", io, "vivado")
        a, b = _normalize(one, ctx), _normalize(many, ctx)
        if io == "io_parallel":
            assert (b.LUT, b.FF, b.DSP) == (64 * a.LUT, 64 * a.FF, 64 * a.DSP)
            assert b.latency_cycles == a.latency_cycles
        else:
            assert (b.LUT, b.FF, b.DSP) == (a.LUT, a.FF, a.DSP)
            assert b.latency_cycles == a.latency_cycles + 63 and b.ii == 64


def test_batch_norm_over_another_axis_is_refused_by_name(tmp_path, capsys):
    import tensorflow as tf

    from flow.cli import main

    x = inp = tf.keras.Input((6, 6, 2), name="img")
    x = tf.keras.layers.Conv2D(3, 3, name="c")(x)
    x = tf.keras.layers.BatchNormalization(axis=1, name="bn_rows")(x)
    model = tf.keras.Model(inp, tf.keras.layers.Dense(2, name="out")(tf.keras.layers.Flatten()(x)))
    path = _save(model, tmp_path / "axis.h5")
    capsys.readouterr()
    assert main(["estimate", str(path), "-q"]) == 1
    err = capsys.readouterr().err
    assert "'bn_rows'" in err and "axis" in err and "axis=-1" in err and "Traceback" not in err


def test_leaky_relu_slope_is_priced_as_a_constant_product():
    """A power-of-two slope is a shift (no DSP, no multiplier LUTs); a slope with more non-zero
    digits costs more; the sign test and select are there for every slope."""
    from flow.design import ActivationDesign, FixedType
    from flow.parts import lookup_part
    from flow.resources import _activation, _Ctx

    t = FixedType(16, 6)
    ctx = _Ctx(lookup_part("xcvu13p-flga2577-2-e"), 5.0, "latency", "io_parallel", "vivado")

    def price(alpha, x_t=t):
        return _activation(ActivationDesign("lr", "leaky_relu", 32, x_t, t, alpha=alpha, param_type=t), ctx)

    shift, narrow_x = price(0.125), price(0.3, FixedType(8, 3))
    assert shift.DSP == 0 and shift.detail["lut_mult"] == 0 and shift.LUT > 0
    assert narrow_x.DSP == 0 and narrow_x.detail["lut_mult"] > 0 and narrow_x.LUT > price(0.25, FixedType(8, 3)).LUT
    assert price(0.3).DSP == 32  # a 16-bit value times a 9-bit constant: a DSP each on Vivado HLS
    assert price(0.3).detail["alpha"] == 307 / 1024  # the slope as hls4ml holds it, in fixed<16,6>
