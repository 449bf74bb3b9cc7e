"""Powers of two in QKeras models.

alpha='auto_po2' (what a QDense/QConv gets from a quantized_bits written without alpha): hls4ml
factors the power-of-two scale out of the kernel into a '<layer>_alpha' layer after it, and types
that layer 'auto' (the model default, which truncates). The flow plans the layer, retypes it
exactly, proves it bit-exact and prices it alike from the model and from the project.

quantized_po2 kernels (AutoQKeras' power-of-two weights): hls4ml multiplies by shifting inside a
product type that can truncate; the flow proves the layers exact where it cannot, refuses them by
name where it can, and prices them as shifts from the model and from the project.

ternary and binary kernels (the rest of AutoQKeras' weight quantizers): hls4ml's ap_int<2> and
ap_uint<1> weights, multiplied as 0/-x/x; proved exact and priced alike from model and project."""

from __future__ import annotations

import re

import numpy as np
import pytest

from flow.design import parse_ap_type

from tests.test_verify import assert_verify_refused
from tests.test_verify_conv import _prove_and_price, _rows


def _spread(model, seed: int) -> None:
    """Kernels scaled differently per output, so each output gets its own power of two."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        values = layer.get_weights()
        if len(values) == 2:
            k, b = values
            spread = np.geomspace(0.05, 1.5, k.shape[-1])
            layer.set_weights([(rng.normal(0, 0.5, k.shape) * spread).astype(np.float32),
                               rng.normal(0, 0.3, b.shape).astype(np.float32)])


def _mlp():
    """d1: explicit auto_po2 kernel; d2: quantizers written without alpha (QKeras makes the kernel's
    auto_po2) and zero bias with a fused relu; out: only its bias auto_po2."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits, quantized_relu

    x = inp = tf.keras.Input((12,), name="x")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
    x = QDense(8, kernel_quantizer=quantized_bits(6, 0, alpha="auto_po2"), bias_quantizer=quantized_bits(6, 0, alpha=1),
               name="d1")(x)
    x = QActivation(quantized_relu(6, 2), name="r1")(x)
    x = QDense(6, kernel_quantizer=quantized_bits(6, 0), bias_quantizer=quantized_bits(6, 0),
               activation=quantized_relu(6, 2), name="d2")(x)
    x = QDense(4, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(6, 1, alpha="auto_po2"),
               name="out")(x)
    model = tf.keras.Model(inp, x)
    _spread(model, 0)
    # d2's kernel past quantized_bits(6, 0)'s range in one output and near it in the others: its
    # scales are 1 or 0.5 and one 2 or 4, the case hls4ml's own scale quantizer clips (below)
    k, b = model.get_layer("d2").get_weights()
    k = np.random.default_rng(5).uniform(-0.95, 0.95, k.shape).astype(np.float32)
    k[:, -1] = np.linspace(-2.5, 2.5, k.shape[0])
    model.get_layer("d2").set_weights([k, b])
    return model


def _cnn():
    import tensorflow as tf
    from qkeras import QActivation, QConv2D, QDense, quantized_bits, quantized_relu

    x = inp = tf.keras.Input((7, 7, 2), name="img")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
    x = QConv2D(4, 3, kernel_quantizer=quantized_bits(6, 0), bias_quantizer=quantized_bits(6, 0), name="c1")(x)
    x = QActivation(quantized_relu(6, 2), name="r1")(x)
    x = QConv2D(3, 3, strides=2, kernel_quantizer=quantized_bits(5, 0, alpha="auto_po2"),
                bias_quantizer=quantized_bits(6, 2, alpha=1), name="c2")(x)
    x = tf.keras.layers.Flatten(name="f")(x)
    model = tf.keras.Model(inp, QDense(3, kernel_quantizer=quantized_bits(6, 0), bias_quantizer=quantized_bits(6, 0),
                                       name="out")(x))
    _spread(model, 1)
    return model


def test_auto_po2_mlp_is_bit_exact_and_priced_alike(tmp_path, capsys):
    from flow.config import HlsConfig
    from flow.hls import plan_model

    model = _mlp()
    plan = plan_model(model, hls_cfg=HlsConfig(), name="m")
    alpha = {n.name: n for n in plan.nodes if n.function == "alpha"}
    assert set(alpha) == {"d1_alpha", "d2_alpha", "out_alpha"}
    # powers of two, one per output; the sum before them uses the kernel on the alpha=1 grid
    assert np.all(np.log2(alpha["d1_alpha"].scale) == np.round(np.log2(alpha["d1_alpha"].scale)))
    assert len(set(alpha["d1_alpha"].scale)) > 1 and np.all(alpha["out_alpha"].scale == 1)
    # hls4ml rounds a scale with quantized_po2(max |exponent| + 1), whose largest value is 2^(max |exponent| - 1):
    # d2's largest scale is above 1 and has the largest |exponent|, so hls4ml alone would clip it
    e = np.log2(alpha["d2_alpha"].scale)
    assert e.max() > 0 and e.max() >= np.abs(e).max()
    # every value of the three '_alpha' layers and of the sums before them is compared
    est = _prove_and_price(tmp_path, capsys, model, _rows(80, (12,)), "io_parallel",
                           {"d1": 8, "d1_alpha": 8, "d2": 6, "d2_alpha": 6, "out": 4, "out_alpha": 4})
    # the project holds the exact type the flow planned, not hls4ml's 'auto' (the model default)
    typedefs = (tmp_path / "o" / "hls_project" / "firmware" / "defines.h").read_text()
    written = re.search(r"typedef (ap_\w+<[^>]*>) d1_alpha_result_t;", typedefs)
    assert written and parse_ap_type(written.group(1)) == alpha["d1_alpha"].result, typedefs
    written = (tmp_path / "o" / "hls_project" / "firmware" / "weights").glob("s*.txt")
    assert any(re.search(r"\{1\.0, [1-9]", f.read_text()) for f in written)  # the scale above 1, as QKeras has it
    layers = est["layers"]
    assert layers["d1_alpha"]["DSP"] == 0  # a power of two is a shift
    assert layers["d1_alpha"]["detail"].get("positions", 1) == 1


def test_auto_po2_scale_of_one_without_bias_is_dropped_as_hls4ml_drops_it(tmp_path, capsys):
    """hls4ml's RemoveNopBatchNormalization removes an '_alpha' of scale 1 and bias 0."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    from flow.config import HlsConfig
    from flow.hls import plan_model

    x = inp = tf.keras.Input((6,), name="x")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
    model = tf.keras.Model(inp, QDense(3, kernel_quantizer=quantized_bits(4, 0), bias_quantizer=quantized_bits(4, 0),
                                       name="d")(x))
    k = np.array([[0.875, -0.75, 0.5], [-0.625, 0.875, -0.875]] * 3, dtype=np.float32)  # QKeras' scale: 1 per output
    model.get_layer("d").set_weights([k, np.zeros(3, np.float32)])
    plan = plan_model(model, hls_cfg=HlsConfig(), name="m")
    assert [n.name for n in plan.nodes if n.function == "alpha"] == []
    _prove_and_price(tmp_path, capsys, model, _rows(40, (6,)), "io_parallel", {"d": 3})
    assert "normalize" not in (tmp_path / "o" / "hls_project" / "firmware" / "myproject.cpp").read_text()


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_auto_po2_cnn_is_bit_exact_and_priced_alike(tmp_path, capsys, io_type):
    est = _prove_and_price(tmp_path, capsys, _cnn(), _rows(40, (7, 7, 2)), io_type,
                           {"c1": 5 * 5 * 4, "c1_alpha": 5 * 5 * 4, "c2": 2 * 2 * 3, "c2_alpha": 2 * 2 * 3, "out_alpha": 3})
    assert est["layers"]["c1_alpha"]["DSP"] == 0


def test_auto_po2_where_hls4ml_does_not_factor_it_is_refused_by_name(tmp_path, capsys):
    """hls4ml factors the scale out of Dense/Conv1D/Conv2D only: a depthwise kernel would keep
    off-grid values in the alpha=1 type."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, QDepthwiseConv2D, quantized_bits

    x = inp = tf.keras.Input((5, 5, 2), name="img")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
    x = QDepthwiseConv2D(3, depthwise_quantizer=quantized_bits(6, 0), bias_quantizer=quantized_bits(6, 0, alpha=1),
                         name="dw")(x)
    x = tf.keras.layers.Flatten(name="f")(x)
    model = tf.keras.Model(inp, QDense(2, kernel_quantizer=quantized_bits(6, 0, alpha=1),
                                       bias_quantizer=quantized_bits(6, 0, alpha=1), name="out")(x))
    np.save(tmp_path / "X.npy", _rows(4, (5, 5, 2)))
    assert_verify_refused(model, tmp_path, capsys, "'dw'", "auto_po2", "alpha=1")


def test_batchnorm_right_after_an_alpha_layer_is_refused_by_estimate(tmp_path, capsys):
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    from flow.cli import main

    x = inp = tf.keras.Input((6,), name="x")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
    x = QDense(4, kernel_quantizer=quantized_bits(6, 0), bias_quantizer=quantized_bits(6, 0), name="d")(x)
    model = tf.keras.Model(inp, tf.keras.layers.BatchNormalization(name="bn")(x))
    _spread(model, 2)  # scales other than 1: hls4ml keeps the '_alpha' layer
    model.save(tmp_path / "m.h5", save_format="h5")
    assert main(["estimate", str(tmp_path / "m.h5"), "--out", str(tmp_path / "est")]) == 1
    err = capsys.readouterr().err
    assert "'bn'" in err and "auto_po2" in err and "Traceback" not in err
    assert not (tmp_path / "est").exists()


def _po2_kernel_model():
    """quantized_po2 kernels in a QConv2D (8-bit input) and a QDense (6-bit relu input): each
    exponent range fits hls4ml's shift product type, so both are exact."""
    import tensorflow as tf
    from qkeras import QActivation, QConv2D, QDense, quantized_bits, quantized_po2, quantized_relu

    x = inp = tf.keras.Input((6, 6, 2), name="img")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
    x = QConv2D(4, 3, kernel_quantizer=quantized_po2(4), bias_quantizer=quantized_bits(8, 2, alpha=1), name="c1")(x)
    x = QActivation(quantized_relu(6, 2), name="r1")(x)
    x = tf.keras.layers.Flatten(name="f")(x)
    x = QDense(6, kernel_quantizer=quantized_po2(3), bias_quantizer=quantized_bits(6, 0, alpha=1),
               activation=quantized_relu(6, 2), name="d2")(x)
    model = tf.keras.Model(inp, QDense(3, kernel_quantizer=quantized_bits(6, 0, alpha=1),
                                       bias_quantizer=quantized_bits(6, 0, alpha=1), name="out")(x))
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if len(layer.get_weights()) == 2:
            k, b = layer.get_weights()
            layer.set_weights([rng.normal(0, 0.4, k.shape).astype(np.float32), rng.normal(0, 0.3, b.shape).astype(np.float32)])
    return model


@pytest.mark.parametrize("io_type, options", [("io_parallel", ()), ("io_stream", ()),
                                              ("io_parallel", ("--strategy", "Resource", "--reuse-factor", "2"))])
def test_quantized_po2_kernels_are_bit_exact_and_priced_as_shifts(tmp_path, capsys, io_type, options):
    est = _prove_and_price(tmp_path, capsys, _po2_kernel_model(), _rows(40, (6, 6, 2)), io_type,
                           {"c1": 4 * 4 * 4, "d2": 6, "out": 3}, options)
    defines = (tmp_path / "o" / "hls_project" / "firmware" / "defines.h").read_text()
    assert defines.count("typedef struct exponent_") == 2  # hls4ml's power-of-two weights, not ap_fixed ones
    layers = est["layers"]
    assert layers["c1"]["DSP"] == 0 and layers["d2"]["DSP"] == 0  # shifts, no multipliers


def test_quantized_po2_products_hls4ml_truncates_are_refused_by_verify_and_priced_by_estimate(tmp_path, capsys):
    """quantized_po2(5) after a 6-bit relu: a weight of 2^-8 (QKeras' smallest for 5 bits) needs 12
    fractional bits of the product hls4ml builds in ap_fixed<22,11> (11): it truncates (measured on
    such a layer before the check: 164 of 2400 values wrong)."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits, quantized_po2, quantized_relu

    from flow.cli import main

    x = inp = tf.keras.Input((8,), name="x")
    x = QActivation(quantized_relu(6, 2), name="qin")(x)
    model = tf.keras.Model(inp, QDense(4, kernel_quantizer=quantized_po2(5), bias_quantizer=quantized_bits(6, 0, alpha=1),
                                       name="d")(x))
    k = np.full((8, 4), 2.0**-9, np.float32)
    k[0] = 0.5
    model.get_layer("d").set_weights([k, np.zeros(4, np.float32)])
    np.save(tmp_path / "X.npy", _rows(4, (8,)))
    assert_verify_refused(model, tmp_path, capsys, "'d'", "ap_fixed<22,11>", "2^-8", "truncates", "fewer bits")
    assert main(["estimate", str(tmp_path / "m.h5"), "--out", str(tmp_path / "est")]) == 0
    out = capsys.readouterr().out
    assert "truncates" in out and "priced as hls4ml builds it" in out


def _unit_kernel_model():
    """Ternary and binary kernels, as AutoQKeras' search writes them: c1 binary() and d3 ternary()
    (QKeras makes both alpha='auto_po2', a power-of-two scale per output hls4ml factors out), d2
    binary(alpha=1) with a fused relu, out ternary(alpha=1). A convolution names its product in its
    dense mult_config, where the project reader must find it."""
    import tensorflow as tf
    from qkeras import QActivation, QConv2D, QDense, binary, quantized_bits, quantized_relu, ternary

    x = inp = tf.keras.Input((6, 6, 2), name="img")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
    x = QConv2D(4, 3, kernel_quantizer=binary(), bias_quantizer=quantized_bits(8, 2, alpha=1), name="c1")(x)
    x = QActivation(quantized_relu(6, 2), name="r1")(x)
    x = tf.keras.layers.Flatten(name="f")(x)
    x = QDense(6, kernel_quantizer=binary(alpha=1), bias_quantizer=quantized_bits(6, 2, alpha=1),
               activation=quantized_relu(6, 3), name="d2")(x)
    x = QDense(5, kernel_quantizer=ternary(), bias_quantizer=quantized_bits(6, 2, alpha=1), name="d3")(x)
    x = QActivation(quantized_relu(6, 3), name="r3")(x)
    model = tf.keras.Model(inp, QDense(3, kernel_quantizer=ternary(alpha=1), bias_quantizer=quantized_bits(6, 2, alpha=1),
                                       name="out")(x))
    _spread(model, 3)
    return model


@pytest.mark.parametrize("io_type, options", [("io_parallel", ()), ("io_stream", ()),
                                              ("io_parallel", ("--strategy", "Resource", "--reuse-factor", "2"))])
def test_ternary_and_binary_kernels_are_bit_exact_and_priced_without_multipliers(tmp_path, capsys, io_type, options):
    """hls4ml keeps ternary weights as ap_int<2> (weight_ternary) and binary ones as ap_uint<1>
    with -1 stored as 0 (weight_binary); the project reader must read those back as -1/+1 for the
    project's estimate to equal the model's."""
    est = _prove_and_price(tmp_path, capsys, _unit_kernel_model(), _rows(40, (6, 6, 2)), io_type,
                           {"c1_alpha": 4 * 4 * 4, "d2": 6, "d3_alpha": 5, "out": 3}, options)
    params = (tmp_path / "o" / "hls_project" / "firmware" / "parameters.h").read_text()
    products = re.findall(r"nnet::product::(\w+)<", params)
    assert products.count("weight_ternary") == 2 and products.count("weight_binary") == 2, products
    layers = est["layers"]
    assert all(layers[name]["DSP"] == 0 for name in ("c1", "d2", "d3", "out"))  # negations and wires, no multipliers


@pytest.mark.parametrize("quantizer, layer_kind, words", [
    ("ternary(alpha='auto')", "QDense", ("ternary with alpha='auto'", "alpha=1")),
    ("binary(use_01=True)", "QDense", ("use_01", "-1 and +1")),
    ("binary(alpha=1)", "QDepthwiseConv2D", ("binary in a QDepthwiseConv2D depthwise", "QDense, QConv1D or QConv2D")),
])
def test_ternary_and_binary_kernels_hls4ml_cannot_match_are_refused_by_name(tmp_path, capsys, quantizer, layer_kind, words):
    import tensorflow as tf
    from qkeras import QActivation, QDense, QDepthwiseConv2D, binary, quantized_bits, ternary  # noqa: F401 (eval)

    q = eval(quantizer)  # noqa: S307 - the parametrized quantizer
    if layer_kind == "QDense":
        x = inp = tf.keras.Input((8,), name="x")
        x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
        x = QDense(4, kernel_quantizer=q, bias_quantizer=quantized_bits(6, 0, alpha=1), name="d")(x)
    else:
        x = inp = tf.keras.Input((4, 4, 2), name="x")
        x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
        x = QDepthwiseConv2D(3, depthwise_quantizer=q, bias_quantizer=quantized_bits(6, 0, alpha=1), name="d")(x)
    np.save(tmp_path / "X.npy", _rows(4, tuple(inp.shape[1:])))
    assert_verify_refused(tf.keras.Model(inp, x), tmp_path, capsys, "'d'", *words)
