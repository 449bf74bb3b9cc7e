"""QKeras' quantized_tanh and quantized_sigmoid: `flow estimate` prices what hls4ml converts them
to (hard_tanh / hard_sigmoid, or a lookup table with use_real_tanh), checked against the project
written with the flow's own config; `flow verify` proves the hard ones bit-exact
(tests/test_verify_qtanh.py) and refuses the lookup table (use_real_tanh) by name."""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_verify import assert_verify_refused


def _model():
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits, quantized_sigmoid, quantized_tanh

    q = quantized_bits(6, 0, alpha=1)
    tf.keras.utils.set_random_seed(0)
    x = inp = tf.keras.Input((10,), name="x")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
    x = QDense(8, kernel_quantizer=q, bias_quantizer=q, name="d1")(x)
    x = QActivation(quantized_tanh(8), name="t1")(x)
    x = QDense(6, kernel_quantizer=q, bias_quantizer=q, name="d2")(x)
    x = QActivation(quantized_sigmoid(6), name="s2")(x)
    x = QDense(5, kernel_quantizer=q, bias_quantizer=q, name="d3")(x)
    x = QActivation(quantized_tanh(8, use_real_tanh=True), name="t3")(x)
    return tf.keras.Model(inp, QDense(3, kernel_quantizer=q, bias_quantizer=q, name="out")(x))


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_quantized_tanh_and_sigmoid_are_priced_as_the_project_hls4ml_writes(tmp_path, io_type):
    from flow.config import HlsConfig
    from flow.design import HLS4ML_DEFAULT_PRECISION, FixedType
    from flow.hls import convert, hls_config, plan_model
    from flow.resources import estimate
    from flow.verify import estimate_project

    model, cfg = _model(), HlsConfig(io_type=io_type)
    plan = plan_model(model, hls_cfg=cfg, name="m", float_precision=HLS4ML_DEFAULT_PRECISION)
    kinds = {layer.name: layer.function for layer in plan.design.layers if getattr(layer, "function", None)}
    assert (kinds["t1"], kinds["s2"], kinds["t3"]) == ("hard_tanh", "hard_sigmoid", "tanh")
    types = {n.name: n.result for n in plan.nodes}
    # the quantizers' grids, rounded and saturated as QKeras rounds and clips (the types flow verify proves)
    assert types["t1"] == FixedType(8, 1, True, "RND_CONV", "SAT") and types["s2"] == FixedType(6, 0, False, "RND_CONV", "SAT")
    convert(model, hls_config(model, plan, cfg, trace=False), cfg, tmp_path / "prj").write()
    ours, ref = estimate(plan.design), estimate_project(project_dir=tmp_path / "prj", out_dir=None)
    keys = ("LUT", "FF", "DSP", "BRAM_18K", "latency_cycles", "ii")
    assert [[round(getattr(lay, k) or 0) for k in keys] for lay in ours.layers] == \
        [[round(v.get(k) or 0) for k in keys] for v in ref["layers"].values()]
    assert ours.total == ref["total"] and ref["total"]["complete"]
    hard = {lay.name: lay for lay in ours.layers}
    assert hard["t1"].LUT > 0 and hard["t1"].DSP == 0 and hard["t1"].LUT > hard["s2"].LUT  # 8 vs 6 bits, and 2s - 1


def test_quantized_tanh_with_real_tanh_is_refused_by_verify(tmp_path, capsys):
    """t1 and s2 (hard) pass; t3's use_real_tanh is hls4ml's tanh lookup table: refused by name."""
    np.save(tmp_path / "X.npy", np.zeros((4, 10), dtype=np.float32))
    assert_verify_refused(_model(), tmp_path, capsys, "'t3'", "quantized_tanh", "use_real_tanh=True", "lookup table",
                          "use_real_tanh=False", "flow estimate prices the table")


def _more_activations_model():
    """hls4ml's other tables (elu fused into a QDense, softplus) and parametrized activations
    (PReLU, ThresholdedReLU) between QKeras layers."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    q = quantized_bits(6, 0, alpha=1)
    L = tf.keras.layers
    tf.keras.utils.set_random_seed(2)
    x = inp = tf.keras.Input((10,), name="x")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
    x = QDense(8, kernel_quantizer=q, bias_quantizer=q, activation="elu", name="d1")(x)
    x = QDense(8, kernel_quantizer=q, bias_quantizer=q, name="d2")(x)
    x = L.PReLU(name="pr")(x)
    x = QDense(8, kernel_quantizer=q, bias_quantizer=q, name="d3")(x)
    x = L.Activation("softplus", name="sp")(x)
    x = QDense(4, kernel_quantizer=q, bias_quantizer=q, name="d4")(x)
    model = tf.keras.Model(inp, L.ThresholdedReLU(0.5, name="thr")(x))
    model.get_layer("pr").set_weights([np.linspace(0.1, 0.7, 8).astype(np.float32)])
    return model


@pytest.mark.parametrize("io_type, reuse", [("io_parallel", 2), ("io_stream", 1)])
def test_elu_softplus_prelu_thresholded_relu_are_priced_as_the_project_hls4ml_writes(tmp_path, io_type, reuse):
    """At reuse factor 2 too: hls4ml's activations are pipelined at II 1 whatever the reuse factor,
    and the flow's config leaves them at the layer default (pricing PReLU's products at the model's
    reuse factor made it 4 DSPs against the project's 8)."""
    from flow.config import HlsConfig
    from flow.design import HLS4ML_DEFAULT_PRECISION
    from flow.hls import convert, hls_config, plan_model
    from flow.resources import estimate
    from flow.verify import estimate_project

    model, cfg = _more_activations_model(), HlsConfig(io_type=io_type, reuse_factor=reuse)
    plan = plan_model(model, hls_cfg=cfg, name="m", float_precision=HLS4ML_DEFAULT_PRECISION)
    kinds = {layer.name: layer.function for layer in plan.design.layers if getattr(layer, "function", None)}
    assert (kinds["d1_elu"], kinds["pr"], kinds["sp"], kinds["thr"]) == ("elu", "prelu", "softplus", "thresholded_relu")
    convert(model, hls_config(model, plan, cfg, trace=False), cfg, tmp_path / "prj", plan=plan).write()
    ours, ref = estimate(plan.design), estimate_project(project_dir=tmp_path / "prj", out_dir=None)
    keys = ("LUT", "FF", "DSP", "BRAM_18K", "latency_cycles", "ii")
    assert [[round(getattr(lay, k) or 0) for k in keys] for lay in ours.layers] == \
        [[round(v.get(k) or 0) for k in keys] for v in ref["layers"].values()]
    assert ours.total == ref["total"] and ref["total"]["complete"]
    pr = {lay.name: lay for lay in ours.layers}["pr"]
    assert pr.DSP + pr.LUT > 0  # eight different slopes: products, not wiring


def test_elu_and_prelu_are_refused_by_verify(tmp_path, capsys):
    import tensorflow as tf

    np.save(tmp_path / "X.npy", np.zeros((4, 10), dtype=np.float32))
    assert_verify_refused(_more_activations_model(), tmp_path, capsys, "'d1'", "elu", "flow estimate")
    model = _more_activations_model()
    no_elu = tf.keras.Model(model.input, model.get_layer("thr").output)
    no_elu.get_layer("d1").activation = tf.keras.activations.linear
    assert_verify_refused(no_elu, tmp_path, capsys, "'pr'", "PReLU", "flow estimate")


def _hard_sigmoid_model():
    """Keras' own hard_sigmoid (fused into a QDense, and as an Activation layer) beside QKeras'
    quantized_sigmoid: hls4ml converts both to nnet::hard_sigmoid, with slope 0.2 in
    ap_ufixed<16,0> for Keras' and 0.5 in ap_ufixed<2,0> for QKeras'."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits, quantized_sigmoid

    q = quantized_bits(6, 0, alpha=1)
    L = tf.keras.layers
    tf.keras.utils.set_random_seed(3)
    x = inp = tf.keras.Input((10,), name="x")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
    x = QDense(8, kernel_quantizer=q, bias_quantizer=q, activation="hard_sigmoid", name="d1")(x)
    x = QDense(8, kernel_quantizer=q, bias_quantizer=q, name="d2")(x)
    x = L.Activation("hard_sigmoid", name="hs")(x)
    x = QDense(8, kernel_quantizer=q, bias_quantizer=q, name="d3")(x)
    x = QActivation(quantized_sigmoid(6), name="qs")(x)
    return tf.keras.Model(inp, QDense(3, kernel_quantizer=q, bias_quantizer=q, name="out")(x))


def test_keras_hard_sigmoid_is_priced_with_its_slope_as_the_project_hls4ml_writes(tmp_path):
    """Keras' slope 0.2 is a constant product (it was priced as QKeras' wired shift, and the `.h5`
    path refused it); the project's slope is read from its parameters.h."""
    from flow.config import HlsConfig
    from flow.design import HLS4ML_DEFAULT_PRECISION
    from flow.hls import convert, hls_config, plan_model
    from flow.resources import estimate
    from flow.verify import estimate_project

    model, cfg = _hard_sigmoid_model(), HlsConfig()
    plan = plan_model(model, hls_cfg=cfg, name="m", float_precision=HLS4ML_DEFAULT_PRECISION)
    convert(model, hls_config(model, plan, cfg, trace=False), cfg, tmp_path / "prj", plan=plan).write()
    ours, ref = estimate(plan.design), estimate_project(project_dir=tmp_path / "prj", out_dir=None)
    keys = ("LUT", "FF", "DSP", "BRAM_18K", "latency_cycles", "ii")
    assert [lay.name for lay in ours.layers][:2] == ["d1", "d1_hard_sigmoid"]  # hls4ml's node name
    assert [[round(getattr(lay, k) or 0) for k in keys] for lay in ours.layers] == \
        [[round(v.get(k) or 0) for k in keys] for v in ref["layers"].values()]
    assert ours.total == ref["total"] and ref["total"]["complete"]
    by = {lay.name: lay for lay in ours.layers}
    for name in ("d1_hard_sigmoid", "hs"):
        assert by[name].detail["slope"] == round(0.2 * 2**16) / 2**16 and by[name].detail["slope_type"] == "ufixed<16,0>"
        assert by[name].DSP > 0 or by[name].LUT > by["qs"].LUT  # a product, where QKeras' 0.5 is wiring
    assert by["qs"].detail["slope"] == 0.5 and by["qs"].DSP == 0


def test_keras_hard_sigmoid_is_refused_by_verify(tmp_path, capsys):
    np.save(tmp_path / "X.npy", np.zeros((4, 10), dtype=np.float32))
    assert_verify_refused(_hard_sigmoid_model(), tmp_path, capsys, "'d1'", "hard_sigmoid", "flow estimate")
