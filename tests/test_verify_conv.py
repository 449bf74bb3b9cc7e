"""QConv1D/QConv2D models: `flow verify` proves them bit-exact layer by layer (conv, fused and
separate quantized activations, max pooling, Flatten), a narrowed conv accumulator is caught,
`flow estimate` prices the convolutions and poolings (the same from the model and from the project
verify wrote), and
what hls4ml's convolutions do not implement is refused by name."""

from __future__ import annotations

import json

import numpy as np
import pytest

from flow.cli import main
from tests.test_verify import assert_verify_refused

pytestmark = pytest.mark.slow


def _random_weights(model, seed: int) -> None:
    """Weights that use every level of the quantizers (untrained Glorot weights are mostly tiny)."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        values = layer.get_weights()
        if values:
            layer.set_weights([rng.normal(0, 0.4, v.shape).astype(np.float32) for v in values])


def _conv2d_model(seed: int = 0):
    import tensorflow as tf
    from qkeras import QActivation, QConv2D, QDense, quantized_bits, quantized_relu

    def q(bits, integer=0):
        return quantized_bits(bits, integer, alpha=1)

    x = inp = tf.keras.Input((8, 8, 1), name="img")
    x = QActivation(quantized_bits(8, 2, alpha=1), name="in_q")(x)
    x = QConv2D(4, (3, 3), kernel_quantizer=q(6), bias_quantizer=q(6), name="c1")(x)
    x = QActivation(quantized_relu(6, 2), name="r1")(x)
    x = tf.keras.layers.MaxPooling2D(2, name="p1")(x)
    x = QConv2D(6, (2, 2), padding="same", strides=1, kernel_quantizer=q(5), bias_quantizer=q(5),
                activation=quantized_relu(5, 1), name="c2")(x)
    x = tf.keras.layers.Flatten(name="fl")(x)
    x = QDense(10, kernel_quantizer=q(6), bias_quantizer=q(6), name="d1")(x)
    x = tf.keras.layers.Activation("softmax", name="sm")(x)
    model = tf.keras.Model(inp, x)
    _random_weights(model, seed)
    return model


def _report(out_dir) -> dict:
    return json.loads((out_dir / "report.json").read_text())["bit_exact"]


def test_qconv2d_model_is_bit_exact_at_every_layer(tmp_path, capsys):
    model = _conv2d_model()
    model.save(tmp_path / "c2d.h5", save_format="h5")
    X = np.random.default_rng(1).normal(0, 1.5, size=(150, 8, 8, 1)).astype(np.float32)
    np.save(tmp_path / "X.npy", X)
    rc = main(["verify", str(tmp_path / "c2d.h5"), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o"),
               "--no-progress", "-q"])
    assert rc == 0, capsys.readouterr().err
    be = _report(tmp_path / "o")
    assert be["exact"] and be["rows"] == be["exact_rows"] == 150, be["diagnosis"]
    sizes = {"c1": 6 * 6 * 4, "r1": 6 * 6 * 4, "p1": 3 * 3 * 4, "c2": 3 * 3 * 6, "c2_quantized_relu": 3 * 3 * 6, "d1": 10}
    for name, per_row in sizes.items():
        check = be["layers"][name]
        assert check["traced"] and check["values"] == 150 * per_row and check["exact_values"] == check["values"], (name, check)
    assert be["approximate_output"] == "softmax" and be["output_agreement"] > 0.9
    # the same rows given flattened (rows, 64) are the same proof
    np.save(tmp_path / "Xflat.npy", X.reshape(150, -1)[:40])
    rc = main(["verify", str(tmp_path / "c2d.h5"), "--data", str(tmp_path / "Xflat.npy"), "--out", str(tmp_path / "o2"),
               "--no-progress", "-q"])
    assert rc == 0 and _report(tmp_path / "o2")["exact_rows"] == 40
    # the estimate prices every layer, the convolutions and the pooling included
    capsys.readouterr()
    assert main(["estimate", str(tmp_path / "c2d.h5"), "--out", str(tmp_path / "est")]) == 0
    out = capsys.readouterr().out
    assert "lower bound" not in out and "not estimated" not in out, out
    est = json.loads((tmp_path / "est" / "resources.json").read_text())
    assert est["total"]["complete"] is True and all(v["estimated"] for v in est["layers"].values())
    assert (est["layers"]["c1"]["kind"], est["layers"]["p1"]["kind"], est["layers"]["c2"]["kind"]) == ("conv", "pool", "conv")
    # 36 partitions of c1 at one per cycle: the interval is c1's
    assert est["layers"]["c1"]["detail"]["n_partitions"] == 36 and est["total"]["ii"] == 36
    # the project verify wrote, read back from its firmware (parameters.h, weights): the same design, the same estimate
    assert main(["estimate", str(tmp_path / "o" / "hls_project"), "--out", str(tmp_path / "est_prj")]) == 0
    prj = json.loads((tmp_path / "est_prj" / "resources.json").read_text())
    assert prj["total"]["complete"] is True and prj["fits"] is True
    assert [v["kind"] for v in prj["layers"].values()][:3] == ["conv", "activation", "pool"]
    assert {k: prj["total"][k] for k in ("LUT", "FF", "DSP", "BRAM_18K", "latency_cycles", "ii")} == \
        {k: est["total"][k] for k in ("LUT", "FF", "DSP", "BRAM_18K", "latency_cycles", "ii")}


def test_qconv2d_model_in_io_stream_is_exact_and_its_project_estimates_the_same(tmp_path, capsys):
    """io_stream: line-buffer convolutions, a zero-padding layer hls4ml inserts for c2's 'same'
    padding, streamed pooling; the estimate overlaps the streamed layers."""
    _conv2d_model(seed=4).save(tmp_path / "c2d.h5", save_format="h5")
    np.save(tmp_path / "X.npy", np.random.default_rng(5).normal(0, 1.5, size=(40, 8, 8, 1)).astype(np.float32))
    rc = main(["verify", str(tmp_path / "c2d.h5"), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o"),
               "--io-type", "io_stream", "--no-progress", "-q"])
    assert rc == 0, capsys.readouterr().err
    be = _report(tmp_path / "o")
    assert be["exact"] and be["exact_rows"] == 40 and be["layers"]["c2"]["exact_values"] == 40 * 3 * 3 * 6, be["diagnosis"]
    assert main(["estimate", str(tmp_path / "c2d.h5"), "--io-type", "io_stream", "--out", str(tmp_path / "est")]) == 0
    assert main(["estimate", str(tmp_path / "o" / "hls_project"), "--out", str(tmp_path / "est_prj")]) == 0
    est, prj = (json.loads((tmp_path / d / "resources.json").read_text()) for d in ("est", "est_prj"))
    keys = ("LUT", "FF", "DSP", "BRAM_18K", "latency_cycles", "ii")
    assert est["io_type"] == prj["io_type"] == "io_stream" and est["total"]["complete"] and prj["total"]["complete"]
    assert {k: prj["total"][k] for k in keys} == {k: est["total"][k] for k in keys}
    # c1 takes the 64 input pixels one per cycle; the layers after it overlap with it
    assert est["layers"]["c1"]["detail"]["stream"]["items_in"] == 64 and est["total"]["ii"] == 64
    assert 64 < est["total"]["latency_cycles"] < sum(v["latency_cycles"] for v in est["layers"].values())


def test_qconv1d_with_sums_wider_than_float32_is_proved_against_the_exact_value(tmp_path, capsys):
    """10-bit kernels on hls4ml's default 16-bit input: sums of 27-38 bits, which QKeras' float32
    convolution rounds; the reference is the float64 convolution of QKeras' quantized kernel."""
    import tensorflow as tf
    from qkeras import QConv1D, QDense, quantized_bits

    x = inp = tf.keras.Input((32, 3), name="seq")
    x = QConv1D(8, 5, strides=2, kernel_quantizer=quantized_bits(10, 1, alpha=1), bias_quantizer=quantized_bits(10, 1, alpha=1),
                activation="relu", name="c1")(x)
    x = tf.keras.layers.MaxPooling1D(2, name="p1")(x)
    x = QConv1D(4, 3, kernel_quantizer=quantized_bits(8, 0, alpha=1), bias_quantizer=quantized_bits(8, 0, alpha=1), name="c2")(x)
    x = tf.keras.layers.Flatten(name="fl")(x)
    x = QDense(3, kernel_quantizer=quantized_bits(8, 0, alpha=1), bias_quantizer=quantized_bits(8, 0, alpha=1), name="out")(x)
    model = tf.keras.Model(inp, x)
    _random_weights(model, 2)
    model.save(tmp_path / "c1d.h5", save_format="h5")
    np.save(tmp_path / "X.npy", np.random.default_rng(3).normal(0, 1.5, size=(120, 32, 3)).astype(np.float32))
    rc = main(["verify", str(tmp_path / "c1d.h5"), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o"),
               "--no-progress", "-q"])
    assert rc == 0, capsys.readouterr().err
    be = _report(tmp_path / "o")
    rounded = [w for w in be["warnings"] if "QKeras' float32 arithmetic rounds" in w and "'c2'" in w]
    assert rounded, be["warnings"]  # the case this test is about did occur
    assert be["exact"] and be["layers"]["c2"]["exact_values"] == be["layers"]["c2"]["values"] == 120 * 5 * 4, be
    assert be["layers"]["p1"]["values"] == 120 * 7 * 8
    # 1-D convolutions (stride 2) and pooling priced, the same from the model and from its project
    assert main(["estimate", str(tmp_path / "c1d.h5"), "--out", str(tmp_path / "est")]) == 0
    assert main(["estimate", str(tmp_path / "o" / "hls_project"), "--out", str(tmp_path / "est_prj")]) == 0
    est, prj = (json.loads((tmp_path / d / "resources.json").read_text()) for d in ("est", "est_prj"))
    assert est["total"]["complete"] and est["layers"]["c1"]["detail"]["n_partitions"] == 14  # (32 - 5) // 2 + 1 positions
    assert {k: prj["total"][k] for k in ("LUT", "FF", "DSP", "latency_cycles", "ii")} == \
        {k: est["total"][k] for k in ("LUT", "FF", "DSP", "latency_cycles", "ii")}


def test_a_narrowed_conv_accumulator_is_caught(tmp_path):
    """The proof can fail: four integer bits fewer in c1's accumulator wrap its sums."""
    from flow import csim
    from flow.config import HlsConfig
    from flow.design import FixedType
    from flow.hls import convert, hls_config, plan_model

    model = _conv2d_model(seed=4)
    hls_cfg = HlsConfig()
    plan = plan_model(model, hls_cfg=hls_cfg, name="c2d")
    node = plan.node("c1")
    t = node.result
    node.result = node.accum = FixedType(t.width - 4, t.integer - 4, t.signed)
    X = np.random.default_rng(5).normal(0, 2.0, size=(60, 8, 8, 1)).astype(np.float32)
    hls_model = convert(model, hls_config(model, plan, hls_cfg), hls_cfg, tmp_path / "prj")
    report, _ = csim.run(hls_model, model, plan, X, progress=False)
    bad = report.first_mismatch()
    assert not report.exact and bad is not None and bad.name == "c1", report.diagnosis()
    assert 0 < bad.exact_values < bad.values and bad.max_lsb_diff >= 1


def test_what_hls4ml_convolutions_do_not_implement_is_refused_by_name(tmp_path, capsys):
    import tensorflow as tf
    from qkeras import QConv1D, QConv2D, QDense, quantized_bits

    q = quantized_bits(6, 0, alpha=1)
    np.save(tmp_path / "X.npy", np.zeros((4, 16), dtype=np.float32))

    def refused(model, *expect):
        assert_verify_refused(model, tmp_path, capsys, *expect)

    inp = tf.keras.Input((16, 1), name="x_in")
    refused(tf.keras.Model(inp, QConv1D(2, 3, dilation_rate=2, kernel_quantizer=q, bias_quantizer=q, name="c")(inp)),
            "dilation_rate", "'c'")
    refused(tf.keras.Model(inp, QConv1D(2, 3, padding="causal", kernel_quantizer=q, bias_quantizer=q, name="c")(inp)),
            "padding 'causal'", "'valid' or 'same'")
    refused(tf.keras.Model(inp, tf.keras.layers.Conv1D(2, 3, name="c")(inp)), "unquantized Conv1D", "QConv1D")
    c = QConv1D(2, 3, kernel_quantizer=q, bias_quantizer=q, name="c")(inp)
    inp4 = tf.keras.Input((2, 2, 2, 2), name="x_in")
    refused(tf.keras.Model(inp4, QDense(2, kernel_quantizer=q, bias_quantizer=q, name="d")(inp4)), "input shape (None, 2, 2, 2, 2)")
    pooled = tf.keras.layers.MaxPooling1D(2, padding="same", name="p")(c)
    refused(tf.keras.Model(inp, pooled), "padding 'same' is not supported for pooling", "'p'")
    refused(tf.keras.Model(inp, tf.keras.layers.Activation("softmax", name="sm")(c)), "softmax on a 2-D output", "Flatten")
    var = tf.keras.Input((None, 2), name="x_in")
    refused(tf.keras.Model(var, QConv1D(2, 3, kernel_quantizer=q, bias_quantizer=q, name="c")(var)), "unknown (None) dimension")
    neg = QConv1D(2, 3, kernel_quantizer=quantized_bits(4, -1, alpha=1), bias_quantizer=q, name="c")(inp)
    refused(tf.keras.Model(inp, neg), "QKeras cannot evaluate", "'c'")
    inp2 = tf.keras.Input((4, 4, 1), name="x_in")
    conv2 = tf.keras.Model(inp2, QConv2D(2, 3, kernel_quantizer=q, bias_quantizer=q, name="c")(inp2))
    conv2.save(tmp_path / "c2.h5", save_format="h5")
    for shape, piece in (((4, 4, 5, 1), "(rows, 4, 4, 1) or (rows, 16)"), ((4, 4, 4), "rows of shape (4, 4, 1)"),
                         ((0, 4, 4, 1), "no rows")):
        np.save(tmp_path / "bad.npy", np.zeros(shape, dtype=np.float32))
        rc = main(["verify", str(tmp_path / "c2.h5"), "--data", str(tmp_path / "bad.npy"), "--out", str(tmp_path / "o")])
        err = capsys.readouterr().err
        assert rc == 1 and piece in err and "Traceback" not in err, (shape, err)


def test_what_hls4ml_1_3_0_builds_wrongly_is_refused_before_compiling():
    """hls4ml 1.3.0 defects the flow steers around by name (found by C-simulating them): its
    io_parallel Resource convolution asserts reuse factor <= filter size x channels, though its own
    list of valid reuse factors goes past that (a 1x1 convolution and a QDense on a sequence, which
    hls4ml makes one, hit it soonest); io_stream pooling with strides != pool size asserts in
    nnet_pooling_stream.h. Both abort the Python process running the C-simulation. Each refused
    case below aborted with the check removed; each accepted one is bit-exact (measured
    2026-11-24)."""
    import tensorflow as tf
    from qkeras import QConv1D, QConv2D, QDense, quantized_bits

    from flow.config import HlsConfig
    from flow.errors import ModelError
    from flow.hls import plan_model

    q = quantized_bits(6, 0, alpha=1)
    inp = tf.keras.Input((6, 6, 2), name="x_in")
    pointwise = tf.keras.Model(inp, QConv2D(3, 1, kernel_quantizer=q, bias_quantizer=q, name="pw")(inp))
    # reuse factor 6, valid for hls4ml's 2 x 3 kernel, is more than its 2 inputs
    with pytest.raises(ModelError, match="QConv2D with strategy Resource, io_parallel and reuse factor 6, more than its 2 "
                                         "kernel inputs"):
        plan_model(pointwise, hls_cfg=HlsConfig(strategy="Resource", reuse_factor=6))
    for ok in (HlsConfig(strategy="Resource", reuse_factor=2), HlsConfig(reuse_factor=6),
               HlsConfig(strategy="Resource", reuse_factor=6, io_type="io_stream")):
        plan_model(pointwise, hls_cfg=ok)
    seq = tf.keras.Input((10, 1), name="x_in")
    taps = tf.keras.Model(seq, QConv1D(2, 3, kernel_quantizer=q, bias_quantizer=q, name="c")(seq))  # not only 1x1
    with pytest.raises(ModelError, match="reuse factor 6, more than its 3 kernel inputs"):
        plan_model(taps, hls_cfg=HlsConfig(strategy="Resource", reuse_factor=6))
    plan_model(taps, hls_cfg=HlsConfig(strategy="Resource", reuse_factor=3))
    pooled = tf.keras.Model(inp, tf.keras.layers.MaxPooling2D(2, strides=1, name="p")(
        QConv2D(3, 2, kernel_quantizer=q, bias_quantizer=q, name="c")(inp)))
    with pytest.raises(ModelError, match=r"io_stream 2-D pooling with strides \(1, 1\) != pool_size \(2, 2\)"):
        plan_model(pooled, hls_cfg=HlsConfig(io_type="io_stream"))
    plan_model(pooled, hls_cfg=HlsConfig())  # io_parallel implements it
    seq = tf.keras.Input((8, 3), name="x_in")
    per_position = tf.keras.Model(seq, QDense(4, kernel_quantizer=q, bias_quantizer=q, name="phi")(seq))
    with pytest.raises(ModelError, match="QDense on a 2-D input .* reuse factor 6, more than its 3 kernel inputs"):
        plan_model(per_position, hls_cfg=HlsConfig(strategy="Resource", reuse_factor=6))
    for ok in (HlsConfig(strategy="Resource", reuse_factor=2), HlsConfig(reuse_factor=6)):
        plan_model(per_position, hls_cfg=ok)


def test_a_lower_bound_never_claims_the_design_fits():
    """Unpriced layers make the totals a lower bound: it can prove 'does not fit', never 'fits'."""
    from flow.design import ActivationDesign, Design, FixedType, UnmodelledDesign
    from flow.resources import estimate

    t = FixedType(8, 3)
    layers = [UnmodelledDesign("c1", "QConv2D", "QConv2D is not modelled"), ActivationDesign("r", "relu", 16, t, t)]
    est = estimate(Design("d", layers, t, 16, part="xcvu13p-flga2577-2-e"))
    assert est.total["complete"] is False and est.fits is None
    assert any("LOWER BOUND" in w for w in est.warnings)
    assert estimate(Design("d", layers[1:], t, 16, part="xcvu13p-flga2577-2-e")).fits is True


def test_an_image_input_flattened_into_a_qdense_is_exact(tmp_path, capsys):
    """No convolution at all: (height, width, channels) rows through MaxPooling2D and Flatten into a
    QDense, the way a dense tagger takes a calorimeter image."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    x = inp = tf.keras.Input((4, 6, 2), name="image")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="in_q")(x)
    x = tf.keras.layers.MaxPooling2D((2, 3), name="p")(x)
    x = tf.keras.layers.Flatten(name="fl")(x)
    x = QDense(3, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(6, 0, alpha=1), name="d")(x)
    model = tf.keras.Model(inp, x)
    _random_weights(model, 6)
    model.save(tmp_path / "img.h5", save_format="h5")
    np.save(tmp_path / "X.npy", np.random.default_rng(7).normal(0, 2, size=(80, 4, 6, 2)).astype(np.float32))
    rc = main(["verify", str(tmp_path / "img.h5"), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o"),
               "--no-progress", "-q"])
    assert rc == 0, capsys.readouterr().err
    be = _report(tmp_path / "o")
    assert be["exact"] and be["layers"]["p"]["values"] == 80 * 2 * 2 * 2 and be["layers"]["d"]["exact_values"] == 80 * 3, be
    # its project starts with the pooling, whose config gives n_chan as another field (n_filt)
    assert main(["estimate", str(tmp_path / "o" / "hls_project"), "--out", str(tmp_path / "est")]) == 0, capsys.readouterr().err
    est = json.loads((tmp_path / "est" / "resources.json").read_text())
    pool = est["layers"]["layer3"] if "layer3" in est["layers"] else next(iter(est["layers"].values()))
    assert pool["kind"] == "pool" and pool["detail"]["pool"] == 6 and est["total"]["complete"]
    assert pool["FF"] == 2 * 2 * 2 * 8  # its eight maxima registered at the input's width
    assert est["top"]["input_register"]["FF"] == 4 * 6 * 2 * 8  # every input value registered, at the input quantizer's width


def _prove_and_price(tmp_path, capsys, model, X: np.ndarray, io_type: str, layers: dict[str, int],
                     options: tuple[str, ...] = ()) -> dict:
    """`flow verify` proves `model` bit-exact on X, every value of each named layer compared
    (`layers`: values per row), and `flow estimate` prices the model and the project verify wrote
    completely and alike; returns the model's estimate. `options`: more CLI options for both."""
    model.save(tmp_path / "m.h5", save_format="h5")
    np.save(tmp_path / "X.npy", X)
    rc = main(["verify", str(tmp_path / "m.h5"), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o"),
               "--io-type", io_type, "--no-progress", "-q", *options])
    assert rc == 0, capsys.readouterr().err
    be = _report(tmp_path / "o")
    assert be["exact"] and be["exact_rows"] == len(X), be["diagnosis"]
    for name, per_row in layers.items():
        check = be["layers"][name]
        assert check["traced"] and check["values"] == check["exact_values"] == len(X) * per_row, (name, check)
    assert main(["estimate", str(tmp_path / "m.h5"), "--io-type", io_type, "--out", str(tmp_path / "est"), *options]) == 0
    assert main(["estimate", str(tmp_path / "o" / "hls_project"), "--out", str(tmp_path / "est_prj")]) == 0
    est, prj = (json.loads((tmp_path / d / "resources.json").read_text()) for d in ("est", "est_prj"))
    keys = ("LUT", "FF", "DSP", "BRAM_18K", "latency_cycles", "ii")
    assert est["total"]["complete"] and prj["total"]["complete"], prj
    assert {k: prj["total"][k] for k in keys} == {k: est["total"][k] for k in keys}
    return est


def _rows(n: int, shape: tuple[int, ...]) -> np.ndarray:
    return np.random.default_rng(1).normal(0, 1.5, size=(n, *shape)).astype(np.float32)


def _average_model(kind: str, seed: int):
    """A 2-D model ending in a global average (8x8 -> 6x6 -> 3x3 -> 2x2 -> one value per
    channel), or a 1-D one ending in a global maximum; both with a 2-wide average pooling."""
    import tensorflow as tf
    from qkeras import QActivation, QConv1D, QConv2D, QDense, quantized_bits, quantized_relu

    def q(bits):
        return quantized_bits(bits, 0, alpha=1)

    L = tf.keras.layers
    if kind == "2d":
        x = inp = tf.keras.Input((8, 8, 1), name="img")
        x = QActivation(quantized_bits(8, 2, alpha=1), name="in_q")(x)
        x = QConv2D(4, 3, kernel_quantizer=q(6), bias_quantizer=q(6), name="c1")(x)
        x = QActivation(quantized_relu(6, 2), name="r1")(x)
        x = L.AveragePooling2D(2, name="ap")(x)
        x = QConv2D(4, 2, kernel_quantizer=q(6), bias_quantizer=q(6), name="c2")(x)
        x = L.GlobalAveragePooling2D(name="gp")(x)
    else:
        x = inp = tf.keras.Input((32, 3), name="seq")
        x = QActivation(quantized_bits(8, 2, alpha=1), name="in_q")(x)
        x = QConv1D(4, 3, kernel_quantizer=q(6), bias_quantizer=q(6), activation=quantized_relu(6, 2), name="c1")(x)
        x = L.AveragePooling1D(2, name="ap")(x)
        x = QConv1D(4, 3, kernel_quantizer=q(6), bias_quantizer=q(6), name="c2")(x)
        x = L.GlobalMaxPooling1D(name="gp")(x)
    x = QDense(3, kernel_quantizer=q(6), bias_quantizer=q(6), name="out")(x)
    model = tf.keras.Model(inp, x)
    _random_weights(model, seed)
    return model


@pytest.mark.parametrize("kind, io_type, positions", [("2d", "io_parallel", (3 * 3, 2 * 2)), ("1d", "io_stream", (15, 13))])
def test_average_and_global_pooling_are_bit_exact_and_priced_alike_from_model_and_project(tmp_path, capsys, kind, io_type,
                                                                                          positions):
    """A mean over a power-of-two window is exact with log2(k) more fractional bits (hls4ml's own
    accumulator rule): every average, global average and global maximum value matches."""
    est = _prove_and_price(tmp_path, capsys, _average_model(kind, seed=0), _rows(80, (8, 8, 1) if kind == "2d" else (32, 3)),
                           io_type, {"ap": positions[0] * 4, "gp": 4})
    assert est["layers"]["ap"]["detail"]["op"] == "average" and est["layers"]["ap"]["detail"]["pool"] == (4 if kind == "2d" else 2)
    assert est["layers"]["gp"]["detail"]["op"] == ("average" if kind == "2d" else "max")
    assert est["layers"]["gp"]["detail"]["positions"] == 1


def test_a_narrowed_average_result_is_caught(tmp_path):
    """The pooling comparison can fail: one fractional bit fewer in the 2x2 average's result
    truncates the quarter steps of its means."""
    from flow import csim
    from flow.config import HlsConfig
    from flow.design import FixedType
    from flow.hls import convert, hls_config, plan_model

    model = _average_model("2d", seed=3)
    hls_cfg = HlsConfig()
    plan = plan_model(model, hls_cfg=hls_cfg, name="avg")
    node = plan.node("ap")
    t = node.result
    assert (t.frac, node.accum.frac) == (plan.node("r1").result.frac + 2, plan.node("r1").result.frac + 2)
    node.result = FixedType(t.width - 1, t.integer, t.signed)
    X = np.random.default_rng(5).normal(0, 2.0, size=(60, 8, 8, 1)).astype(np.float32)
    hls_model = convert(model, hls_config(model, plan, hls_cfg), hls_cfg, tmp_path / "prj")
    report, _ = csim.run(hls_model, model, plan, X, progress=False)
    bad = report.first_mismatch()
    assert not report.exact and bad is not None and bad.name == "ap", report.diagnosis()
    assert 0 < bad.exact_values < bad.values


def test_an_average_with_no_exact_value_is_refused_by_verify_and_priced_by_estimate(tmp_path, capsys):
    import tensorflow as tf
    from qkeras import QConv2D, quantized_bits

    from flow.config import HlsConfig
    from flow.design import HLS4ML_DEFAULT_PRECISION
    from flow.hls import plan_model

    q = quantized_bits(6, 0, alpha=1)
    np.save(tmp_path / "X.npy", np.zeros((4, 5, 5, 1), dtype=np.float32))
    inp = tf.keras.Input((5, 5, 1), name="img")
    c = QConv2D(2, 1, kernel_quantizer=q, bias_quantizer=q, name="c")(inp)
    gap = tf.keras.Model(inp, tf.keras.layers.GlobalAveragePooling2D(name="gap")(c))
    assert_verify_refused(gap, tmp_path, capsys, "'gap'", "average of 25 values", "power of two", "flow estimate")
    three = tf.keras.Model(inp, tf.keras.layers.AveragePooling2D((1, 3), name="ap3")(c))
    assert_verify_refused(three, tmp_path, capsys, "'ap3'", "average of 3 values", "pool size whose area")
    kept = tf.keras.Model(inp, tf.keras.layers.GlobalMaxPooling2D(keepdims=True, name="gmp")(c))
    assert_verify_refused(kept, tmp_path, capsys, "'gmp'", "keepdims=True", "keepdims=False")
    # the estimate prices the 25-value mean, saying how
    plan = plan_model(gap, hls_cfg=HlsConfig(), name="gap", float_precision=HLS4ML_DEFAULT_PRECISION)
    pool = plan.design.layers[-1]
    assert (pool.op, pool.pool_height * pool.pool_width, pool.positions) == ("average", 25, 1)
    assert any("average of 25 values is priced" in w for w in plan.warnings), plan.warnings


def _depthwise_model(kind: str, seed: int):
    """2-D: a QDepthwiseConv2D, then a QSeparableConv2D with a fused quantized relu; 1-D: a strided
    QSeparableConv1D with a linear output (hls4ml keeps a '<name>_linear' node after it)."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, QDepthwiseConv2D, QSeparableConv1D, QSeparableConv2D, quantized_bits, quantized_relu

    def q(bits):
        return quantized_bits(bits, 0, alpha=1)

    if kind == "2d":
        x = inp = tf.keras.Input((8, 8, 3), name="img")
        x = QActivation(quantized_bits(8, 2, alpha=1), name="in_q")(x)
        x = QDepthwiseConv2D(3, depthwise_quantizer=q(6), bias_quantizer=q(6), name="dw")(x)
        x = QActivation(quantized_relu(6, 2), name="r1")(x)
        x = QSeparableConv2D(5, 3, depthwise_quantizer=q(6), pointwise_quantizer=q(5), bias_quantizer=q(6),
                             activation=quantized_relu(6, 2), name="sep")(x)
    else:
        x = inp = tf.keras.Input((20, 3), name="seq")
        x = QActivation(quantized_bits(8, 2, alpha=1), name="in_q")(x)
        x = QSeparableConv1D(4, 3, strides=2, depthwise_quantizer=q(6), pointwise_quantizer=q(6), bias_quantizer=q(6), name="sep")(x)
    x = tf.keras.layers.Flatten(name="fl")(x)
    x = QDense(3, kernel_quantizer=q(6), bias_quantizer=q(6), name="out")(x)
    model = tf.keras.Model(inp, x)
    _random_weights(model, seed)
    return model


@pytest.mark.parametrize("kind, io_type, sizes", [
    ("2d", "io_parallel", {"dw": 6 * 6 * 3, "sep_depthwise": 4 * 4 * 3, "sep_pointwise": 4 * 4 * 5, "sep_quantized_relu": 4 * 4 * 5}),
    ("1d", "io_stream", {"sep_depthwise": 9 * 3, "sep_pointwise": 9 * 4}),
])
def test_depthwise_and_separable_convolutions_are_bit_exact_and_priced_alike(tmp_path, capsys, kind, io_type, sizes):
    """hls4ml splits a separable conv into '<name>_depthwise' and '<name>_pointwise': both halves
    are traced and proved, the depthwise one against the exact float64 convolution (Keras has no
    output there); the estimate prices a depthwise kernel as its block-diagonal matrix, the same
    from the model and from the project."""
    est = _prove_and_price(tmp_path, capsys, _depthwise_model(kind, seed=0), _rows(50, (8, 8, 3) if kind == "2d" else (20, 3)),
                           io_type, {**sizes, "out": 3})
    # a depthwise kernel multiplies each of its k*C weights once: its zeros outside the diagonal blocks cost nothing
    dw = est["layers"]["sep_depthwise"]["detail"]
    k_c = (9 if kind == "2d" else 3) * 3
    assert dw["kernel_inputs"] == k_c and dw["kernel"]["n_weights"] == k_c * 3, dw
    assert dw["kernel"]["n_zero"] >= k_c * 2, dw  # the off-diagonal blocks


def test_what_hls4ml_depthwise_convolutions_do_not_implement_is_refused_by_name(tmp_path, capsys):
    import tensorflow as tf
    from qkeras import QDepthwiseConv2D, QSeparableConv2D, quantized_bits

    q = quantized_bits(6, 0, alpha=1)
    np.save(tmp_path / "X.npy", np.zeros((4, 6, 6, 2), dtype=np.float32))
    inp = tf.keras.Input((6, 6, 2), name="img")
    assert_verify_refused(tf.keras.Model(inp, QDepthwiseConv2D(3, depth_multiplier=2, depthwise_quantizer=q, bias_quantizer=q,
                                                               name="dw")(inp)), tmp_path, capsys, "depth_multiplier 2", "'dw'")
    assert_verify_refused(tf.keras.Model(inp, QSeparableConv2D(2, 3, pointwise_quantizer=q, bias_quantizer=q, name="sep")(inp)),
                          tmp_path, capsys, "without a depthwise_quantizer", "'sep'", "depthwise_quantizer=quantized_bits")
    assert_verify_refused(tf.keras.Model(inp, tf.keras.layers.SeparableConv2D(2, 3, name="sep")(inp)), tmp_path, capsys,
                          "unquantized SeparableConv2D", "QSeparableConv2D")
    dw = tf.keras.Model(inp, QDepthwiseConv2D(3, depthwise_quantizer=q, bias_quantizer=q, name="dw")(inp))
    dw.save(tmp_path / "dw.h5", save_format="h5")
    rc = main(["verify", str(tmp_path / "dw.h5"), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o"),
               "--strategy", "Resource"])
    err = capsys.readouterr().err
    assert rc == 1 and "strategy Resource is not implemented by hls4ml's depthwise" in err and "'dw'" in err, err


def _folded_bn_model(seed: int):
    """A QConv2DBatchnorm and a QDepthwiseConv2DBatchnorm with moving statistics far from 0/1, so
    the folding changes every weight."""
    import tensorflow as tf
    from qkeras import QActivation, QConv2DBatchnorm, QDense, QDepthwiseConv2DBatchnorm, quantized_bits, quantized_relu

    def q(bits, integer=0):
        return quantized_bits(bits, integer, alpha=1)

    x = inp = tf.keras.Input((8, 8, 2), name="img")
    x = QActivation(quantized_bits(8, 2, alpha=1), name="in_q")(x)
    x = QConv2DBatchnorm(4, 3, kernel_quantizer=q(6), bias_quantizer=q(8, 2), name="cbn")(x)
    x = QActivation(quantized_relu(6, 2), name="r1")(x)
    x = QDepthwiseConv2DBatchnorm(3, depthwise_quantizer=q(6), bias_quantizer=q(8, 2), name="dbn")(x)
    x = QActivation(quantized_relu(6, 2), name="r2")(x)
    x = tf.keras.layers.Flatten(name="fl")(x)
    x = QDense(3, kernel_quantizer=q(6), bias_quantizer=q(6), name="out")(x)
    model = tf.keras.Model(inp, x)
    rng = np.random.default_rng(seed)
    def value(name: str, v: np.ndarray) -> np.ndarray:
        if "iteration" in name:  # the layer's training-step counter
            return v
        if "variance" in name:
            return rng.uniform(0.5, 2.0, v.shape).astype(np.float32)
        if "gamma" in name:
            return rng.uniform(0.5, 1.5, v.shape).astype(np.float32)
        return rng.normal(0, 0.4, v.shape).astype(np.float32)

    for layer in model.layers:
        if layer.weights:
            layer.set_weights([value(w.name, v) for w, v in zip(layer.weights, layer.get_weights())])
    return model


def test_folded_batchnorm_layers_are_given_to_hls4ml_as_qkeras_evaluates_them():
    """hls4ml gets the plain layer with QKeras' folded, quantized weights: the same outputs."""
    from flow.model import quantized_weights, for_hls4ml

    model = _folded_bn_model(seed=2)
    plain = for_hls4ml(model)
    assert [type(layer).__name__ for layer in plain.layers][2:5] == ["QConv2D", "QActivation", "QDepthwiseConv2D"]
    X = np.random.default_rng(3).normal(0, 1.5, size=(30, 8, 8, 2)).astype(np.float32)
    np.testing.assert_array_equal(plain.predict(X, verbose=0), model.predict(X, verbose=0))
    k, b = quantized_weights(model)["cbn"]
    raw = model.get_layer("cbn").kernel.numpy()
    assert not np.array_equal(k, raw) and np.all(k * 32 == np.round(k * 32))  # folded, then on the 6-bit grid
    qmodel = _conv2d_model()
    assert for_hls4ml(qmodel) is qmodel  # nothing to fold: the model itself


def test_folded_batchnorm_model_is_bit_exact_and_priced_alike(tmp_path, capsys):
    _prove_and_price(tmp_path, capsys, _folded_bn_model(seed=0), _rows(50, (8, 8, 2)), "io_parallel",
                     {"cbn": 6 * 6 * 4, "dbn": 4 * 4 * 4, "out": 3})


def _padded_model(kind: str, seed: int):
    """1-D: flat features reshaped into a sequence, zero padded, convolved, reshaped and padded
    again; 2-D: an asymmetric ZeroPadding2D first in the design."""
    import tensorflow as tf
    from qkeras import QActivation, QConv1D, QConv2D, QDense, quantized_bits, quantized_relu

    def q(bits):
        return quantized_bits(bits, 0, alpha=1)

    L = tf.keras.layers
    if kind == "1d":
        x = inp = tf.keras.Input((16,), name="feat")
        x = QActivation(quantized_bits(8, 2, alpha=1), name="in_q")(x)
        x = L.Reshape((16, 1), name="rs")(x)
        x = L.ZeroPadding1D(1, name="zp")(x)
        x = QConv1D(4, 3, kernel_quantizer=q(6), bias_quantizer=q(6), activation=quantized_relu(6, 2), name="c1")(x)
        x = L.Reshape((4, 16), name="rs2")(x)
        x = L.ZeroPadding1D((0, 2), name="zp2")(x)
        x = QConv1D(2, 2, strides=2, kernel_quantizer=q(6), bias_quantizer=q(6), name="c2")(x)
    else:
        x = inp = tf.keras.Input((6, 6, 2), name="img")
        x = L.ZeroPadding2D(((1, 0), (2, 1)), name="zp")(x)
        x = QConv2D(3, 3, kernel_quantizer=q(6), bias_quantizer=q(6), name="c1")(x)
    x = L.Flatten(name="fl")(x)
    x = QDense(3, kernel_quantizer=q(6), bias_quantizer=q(6), name="out")(x)
    model = tf.keras.Model(inp, x)
    _random_weights(model, seed)
    return model


@pytest.mark.parametrize("kind, padded", [("1d", {"zp": 18, "zp2": 96}), ("2d", {"zp": 7 * 9 * 2})])
def test_reshape_and_zero_padding_are_exact_and_priced_alike(tmp_path, capsys, kind, padded):
    # the padded values, zeros included, compared one by one; the project's design input is the
    # padding's input, not the padded image its first priced call takes (the same estimate)
    _prove_and_price(tmp_path, capsys, _padded_model(kind, seed=0), _rows(40, (16,) if kind == "1d" else (6, 6, 2)),
                     "io_parallel", padded)

@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_a_deep_sets_model_is_bit_exact_and_priced_alike(tmp_path, capsys, io_type):
    """A per-particle network (QDense on a (particles, features) input, which hls4ml turns into a
    1x1 convolution without its quantizers: the flow gives it the quantized weights), an average
    over the 8 particles, a classifier."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits, quantized_relu

    def q(bits):
        return quantized_bits(bits, 0, alpha=1)

    x = inp = tf.keras.Input((8, 3), name="particles")
    x = QActivation(quantized_bits(8, 2, alpha=1), name="in_q")(x)
    x = QDense(16, kernel_quantizer=q(6), bias_quantizer=q(6), name="phi1")(x)
    x = QActivation(quantized_relu(6, 2), name="r1")(x)
    x = QDense(8, kernel_quantizer=q(6), bias_quantizer=q(6), activation=quantized_relu(6, 2), name="phi2")(x)
    x = tf.keras.layers.GlobalAveragePooling1D(name="agg")(x)
    x = QDense(5, kernel_quantizer=q(6), bias_quantizer=q(6), name="rho")(x)
    model = tf.keras.Model(inp, x)
    _random_weights(model, 0)
    est = _prove_and_price(tmp_path, capsys, model, _rows(50, (8, 3)), io_type,
                           {"phi1": 8 * 16, "phi2_quantized_relu": 8 * 8, "agg": 8, "rho": 5})
    assert est["layers"]["phi1"]["kind"] == "conv" and est["layers"]["phi1"]["detail"]["positions"] == 8
