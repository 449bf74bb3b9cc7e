"""Branching models (skip connections, merges): `flow verify` proves them bit-exact at every
layer, merges included, and `flow estimate` prices the model and the project verify wrote alike."""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_verify import assert_verify_refused
from tests.test_verify_conv import _prove_and_price, _random_weights, _rows


def _q(bits: int, integer: int = 0):
    from qkeras import quantized_bits

    return quantized_bits(bits, integer, alpha=1)


def _flat_branch_model(seed: int):
    """A residual MLP: the input quantizer feeds a two-layer block, the block's output is added to
    its input (different types: the sum needs a wider one), then every other merge joins a
    branch to the trunk, and a concatenate carries the quantized input to the last layer."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits, quantized_relu

    L = tf.keras.layers
    inp = tf.keras.Input((8,), name="x")
    q = QActivation(quantized_bits(8, 3, alpha=1), name="in_q")(inp)
    h = QDense(8, kernel_quantizer=_q(6), bias_quantizer=_q(6), activation=quantized_relu(6, 2), name="d1")(q)
    h2 = QDense(8, kernel_quantizer=_q(6), bias_quantizer=_q(6), name="d2")(h)
    h2 = QActivation(quantized_bits(7, 2, alpha=1), name="q2")(h2)
    s = L.Add(name="add")([q, h2])
    s = QActivation(quantized_bits(8, 3, alpha=1), name="q_add")(s)
    b = QDense(8, kernel_quantizer=_q(5), bias_quantizer=_q(5), name="d3")(s)
    b = QActivation(quantized_relu(5, 1), name="r3")(b)
    m = L.Subtract(name="sub")([s, b])
    m = L.Multiply(name="mul")([m, b])
    m = L.Maximum(name="max")([m, h])
    m = L.Minimum(name="min")([m, s])
    m = L.Average(name="avg")([m, h2])
    c = L.Concatenate(name="cat")([m, q])
    out = QDense(4, kernel_quantizer=_q(6), bias_quantizer=_q(6), name="out")(c)
    model = tf.keras.Model(inp, out)
    _random_weights(model, seed)
    return model


def _conv_skip_model(seed: int):
    """A residual conv block: two same-padded 3x3 convolutions whose output is added to the
    block's input, then the block's input concatenated along channels before a pooling."""
    import tensorflow as tf
    from qkeras import QActivation, QConv2D, QDense, quantized_bits, quantized_relu

    L = tf.keras.layers
    inp = tf.keras.Input((6, 6, 2), name="img")
    x = QActivation(quantized_bits(8, 2, alpha=1), name="in_q")(inp)
    y = QConv2D(2, 3, padding="same", kernel_quantizer=_q(6), bias_quantizer=_q(6), activation=quantized_relu(6, 2),
                name="c1")(x)
    y = QConv2D(2, 3, padding="same", kernel_quantizer=_q(6), bias_quantizer=_q(6), name="c2")(y)
    y = QActivation(quantized_bits(8, 3, alpha=1), name="q2")(y)
    s = L.Add(name="res")([x, y])
    s = QActivation(quantized_relu(8, 3), name="r_res")(s)
    c = L.Concatenate(name="cat")([s, x])
    p = L.MaxPooling2D(2, name="pool")(c)
    f = L.Flatten(name="fl")(p)
    out = QDense(3, kernel_quantizer=_q(6), bias_quantizer=_q(6), name="out")(f)
    model = tf.keras.Model(inp, out)
    _random_weights(model, seed)
    return model


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_a_residual_mlp_with_every_merge_is_bit_exact_and_priced_alike(tmp_path, capsys, io_type):
    model = _flat_branch_model(seed=2)
    merges = {"add": 8, "sub": 8, "mul": 8, "max": 8, "min": 8, "avg": 8, "cat": 16}
    est = _prove_and_price(tmp_path, capsys, model, _rows(200, (8,)), io_type, {**merges, "out": 4})
    kinds = {name: layer["kind"] for name, layer in est["layers"].items()}
    assert sorted(n for n, k in kinds.items() if k == "merge") == sorted(merges)


@pytest.mark.parametrize("io_type,options", [("io_parallel", ()), ("io_stream", ()), ("io_parallel", ("--reuse-factor", "3"))])
def test_a_residual_conv_block_is_bit_exact_and_priced_alike(tmp_path, capsys, io_type, options):
    """(At reuse factor 3 the pooling is priced at the reuse factor hls4ml builds it with, 1.)"""
    model = _conv_skip_model(seed=4)
    _prove_and_price(tmp_path, capsys, model, _rows(120, (6, 6, 2)), io_type, {"res": 72, "cat": 144, "out": 3}, options)


def test_a_narrowed_merge_result_is_caught(tmp_path):
    """The merge comparison can fail: the sum of the skip connection one integer bit short wraps
    wherever it exceeds the narrower range."""
    from flow import csim
    from flow.config import HlsConfig
    from flow.design import FixedType
    from flow.hls import convert, hls_config, plan_model

    model = _flat_branch_model(seed=2)
    hls_cfg = HlsConfig()
    plan = plan_model(model, hls_cfg=hls_cfg, name="branch")
    node = plan.node("add")
    assert node.inputs == ("in_q", "q2") and node.op == "add"
    t = node.result
    node.result = FixedType(t.width - 1, t.integer - 1, t.signed)
    hls_model = convert(model, hls_config(model, plan, hls_cfg), hls_cfg, tmp_path / "prj")
    report, _ = csim.run(hls_model, model, plan, _rows(200, (8,)) * 2, progress=False)
    bad = report.first_mismatch()
    assert not report.exact and bad is not None and bad.name == "add", report.diagnosis()
    assert 0 < bad.exact_values < bad.values


def test_merges_hls4ml_does_not_implement_are_refused_by_name(tmp_path, capsys):
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    L = tf.keras.layers

    def dense(name):
        return QDense(4, kernel_quantizer=_q(6), bias_quantizer=_q(6), name=name)

    def refused(where: str, model, *expect: str) -> None:
        (tmp_path / where).mkdir()
        np.save(tmp_path / where / "X.npy", _rows(10, (4,)))
        assert_verify_refused(model, tmp_path / where, capsys, *expect)

    inp = tf.keras.Input((4,), name="x")
    q = QActivation(quantized_bits(8, 3, alpha=1), name="in_q")(inp)
    three = tf.keras.Model(inp, L.Add(name="add3")([dense("a")(q), dense("b")(q), dense("c")(q)]))
    refused("three", three, "add3", "Add of 3 inputs")

    inp = tf.keras.Input((4,), name="x")
    q = QActivation(quantized_bits(8, 3, alpha=1), name="in_q")(inp)
    narrow = QDense(1, kernel_quantizer=_q(6), bias_quantizer=_q(6), name="one")(q)
    broadcast = tf.keras.Model(inp, L.Multiply(name="scale")([dense("a")(q), narrow]))
    refused("broadcast", broadcast, "scale", "broadcasting")

    inp = tf.keras.Input((4,), name="x")
    q = QActivation(quantized_bits(8, 3, alpha=1), name="in_q")(inp)
    shared = dense("shared")
    twice = tf.keras.Model(inp, L.Add(name="add")([shared(q), shared(shared(q))]))
    refused("shared", twice, "shared", "a shared layer")

    inp = tf.keras.Input((4,), name="x")
    q = QActivation(quantized_bits(8, 3, alpha=1), name="in_q")(inp)
    dot = tf.keras.Model(inp, L.Dot(axes=1, name="dot")([dense("a")(q), dense("b")(q)]))
    refused("dot", dot, "dot", "Dot with 2 inputs is not supported")


def _merge_design(cycles: int):
    """Two branches from the input, added: a dense layer (1 cycle on a 1 ns clock) and `cycles`
    narrowing, saturating casts (one cycle each)."""
    from flow.design import ActivationDesign, DenseDesign, Design, FixedType, MergeDesign

    x_t, w_t, acc = FixedType(8, 3), FixedType(6, 1), FixedType(16, 6)
    layers: list = [DenseDesign("d", np.full((4, 4), 0.5), np.zeros(4), x_t, w_t, w_t, acc, acc)]
    prev, t = "input", x_t
    for i in range(cycles):
        cast = FixedType(t.width - 1, t.integer - 1, True, "RND_CONV", "SAT")
        layers.append(ActivationDesign(f"a{i}", "linear", 4, t, cast))
        prev, t = f"a{i}", cast
    layers.append(MergeDesign("add", "add", 4, 4, acc, t, FixedType(17, 7)))
    return Design("skip", layers, x_t, 4, clock_period_ns=1.0, inputs={"add": ["d", prev], **({"a0": ["input"]} if cycles else {})})


def test_a_skip_connection_costs_registers_per_cycle_it_waits_and_latency_follows_the_longest_path():
    from flow.resources import estimate

    for cycles in (1, 3):
        est = estimate(_merge_design(cycles))
        lat = {layer.name: layer.latency_cycles for layer in est.layers}
        assert lat["d"] == 1 and all(lat[f"a{i}"] == 1 for i in range(cycles)), lat
        add = next(layer for layer in est.layers if layer.name == "add")
        # the dense output (4 x 16 bits) is held while the casts run; the input register, then
        # the longer branch, then the add (not the sum of both branches)
        assert add.detail["balance_ff"] == 4 * 16 * (cycles - 1)
        assert est.total["latency_cycles"] == 1 + cycles + lat["add"]


def test_a_skip_connection_in_a_dataflow_top_waits_in_a_ping_pong_channel():
    """hls4ml 1.x makes an io_parallel top a DATAFLOW region once a convolution or a Resource layer
    is in it (SetPipelineStyle): the waiting branch is then two copies in a channel, not one
    register stage per cycle (a conv + concat + add project booked 338k FF for 65 cycles of wait)."""
    from flow.resources import estimate

    design = _merge_design(6)
    pipelined = next(x for x in estimate(design).layers if x.name == "add")
    design.strategy = "Resource"
    flowing = next(x for x in estimate(design).layers if x.name == "add")
    assert pipelined.detail["balance_ff"] == 4 * 16 * 5 and flowing.detail["balance_ff"] == 2 * 4 * 16


def test_a_concatenate_is_wiring_and_a_wide_multiply_uses_dsps():
    from flow.design import Design, FixedType, MergeDesign
    from flow.resources import estimate

    t = FixedType(12, 4)
    cat = MergeDesign("cat", "concatenate", 8, 8, t, t, t)
    mul = MergeDesign("mul", "multiply", 8, 8, t, t, FixedType(24, 8))
    # a product of two variables is priced as a Resource-strategy one: a DSP from 7 x 6 signed bits on
    seven = MergeDesign("mul", "multiply", 8, 8, FixedType(7, 2), FixedType(6, 2), FixedType(13, 4))
    six = MergeDesign("mul", "multiply", 8, 8, FixedType(6, 2), FixedType(6, 2), FixedType(12, 4))
    narrow = MergeDesign("mul", "multiply", 8, 8, FixedType(5, 2), FixedType(9, 2), FixedType(14, 4))
    est = {m.name + str(m.input_type.width): estimate(Design("m", [m], t, 16, inputs={m.name: ["input", "input"]})).layers[0]
           for m in (cat, mul, seven, six, narrow)}
    assert (est["cat12"].LUT, est["cat12"].DSP, est["cat12"].latency_cycles) == (0.0, 0, 0)
    # (a DSP product's only LUTs are the 5 Vivado HLS books beside each DSP48E2)
    assert est["mul12"].DSP == 8 and est["mul12"].LUT == 5 * 8
    assert est["mul7"].DSP == 8 and est["mul7"].LUT == 5 * 8
    assert est["mul6"].DSP == 0 and est["mul6"].LUT > 0
    assert est["mul5"].DSP == 0 and est["mul5"].LUT > 0


def test_a_design_reading_a_layer_it_does_not_have_is_an_error():
    from flow.design import Design, FixedType, MergeDesign
    from flow.errors import ConfigError
    from flow.resources import estimate

    t = FixedType(8, 3)
    design = Design("bad", [MergeDesign("add", "add", 4, 4, t, t, FixedType(9, 4))], t, 4, inputs={"add": ["input", "ghost"]})
    with pytest.raises(ConfigError, match="ghost"):
        estimate(design)


def _fan_out(n: int):
    """A QDense whose output feeds `n` QDense branches, summed by a chain of Adds."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    q = quantized_bits(6, 0, alpha=1)
    inp = tf.keras.Input((4,), name="x")
    h = QDense(4, kernel_quantizer=q, bias_quantizer=q, name="d0")(QActivation(quantized_bits(8, 2, alpha=1), name="q")(inp))
    y = None
    for i in range(n):
        b = QDense(2, kernel_quantizer=q, bias_quantizer=q, name=f"b{i}")(h)
        y = b if y is None else tf.keras.layers.Add(name=f"add{i}")([y, b])
    return tf.keras.Model(inp, y)


def test_a_stream_read_by_more_layers_than_hls4ml_copies_is_refused_before_converting(tmp_path, capsys):
    """hls4ml 1.3.0 clones an io_stream output to at most 7 readers and otherwise raises a bare
    ValueError mid-conversion: verify says so first, estimate warns, 7 readers and io_parallel pass."""
    from flow.cli import main
    from tests.test_verify import _save

    np.save(tmp_path / "X.npy", np.random.default_rng(0).normal(size=(20, 4)).astype(np.float32))
    _save(_fan_out(8), tmp_path / "m8.h5")
    _save(_fan_out(7), tmp_path / "m7.h5")
    rc = main(["verify", str(tmp_path / "m8.h5"), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o"),
               "--io-type", "io_stream"])
    err = capsys.readouterr().err
    assert rc == 1 and "Traceback" not in err and "'d0' feeds 8 readers" in err and "io_parallel" in err, err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
    for model, io_type, warned in (("m8", "io_stream", True), ("m8", "io_parallel", False), ("m7", "io_stream", False)):
        assert main(["estimate", str(tmp_path / f"{model}.h5"), "--io-type", io_type]) == 0
        out = capsys.readouterr()
        assert ("feeds 8 readers" in out.out + out.err) is warned, (model, io_type)
