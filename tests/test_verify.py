"""`flow verify` on users' saved QKeras models (raw float inputs), and unsupported models."""

from __future__ import annotations

import json

import numpy as np
import pytest

from flow.cli import main

pytestmark = pytest.mark.slow


def _save(model, path):
    model.save(path, save_format="h5")
    return path


def assert_verify_refused(model, tmp_path, capsys, *expect: str) -> None:
    """`flow verify` of `model` on tmp_path/X.npy exits 1 before writing anything, with a message
    holding every piece of `expect` and no traceback."""
    _save(model, tmp_path / "m.h5")
    rc = main(["verify", str(tmp_path / "m.h5"), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 1 and "Traceback" not in err, err
    for piece in expect:
        assert piece in err, (piece, err)
    assert not (tmp_path / "o" / "report.json").exists()


def test_relu_layer_is_exact(tmp_path, capsys):
    """tf.keras.layers.ReLU() between QDense layers, as hls4ml converts it (an Activation relu)."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    tf.keras.utils.set_random_seed(11)
    q = quantized_bits(6, 0, alpha=1)
    x = inp = tf.keras.Input((10,), name="x_in")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
    x = QDense(12, kernel_quantizer=q, bias_quantizer=q, name="h")(x)
    x = tf.keras.layers.ReLU(name="h_relu")(x)
    x = QDense(3, kernel_quantizer=q, bias_quantizer=q, name="logits")(x)
    path = _save(tf.keras.Model(inp, x), tmp_path / "relu.h5")
    np.save(tmp_path / "X.npy", np.random.default_rng(2).normal(0, 2, size=(100, 10)).astype(np.float32))
    rc = main(["verify", str(path), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "out"), "--no-progress", "-q"])
    assert rc == 0, capsys.readouterr().err
    be = json.loads((tmp_path / "out" / "report.json").read_text())["bit_exact"]
    assert be["exact"] and be["exact_rows"] == 100 and be["layers"]["h_relu"]["exact_values"] == 100 * 12, be
    smx = tf.keras.Sequential([tf.keras.Input((4,)), QDense(2, kernel_quantizer=q, bias_quantizer=q), tf.keras.layers.Softmax()])
    np.save(tmp_path / "X4.npy", np.zeros((3, 4), dtype=np.float32))
    capsys.readouterr()
    assert main(["verify", str(_save(smx, tmp_path / "smx.h5")), "--data", str(tmp_path / "X4.npy"), "--out", str(tmp_path / "o3"), "-q"]) == 1
    assert "Activation('softmax')" in capsys.readouterr().err
    capped = tf.keras.Sequential([tf.keras.Input((4,)), QDense(2, kernel_quantizer=q, bias_quantizer=q), tf.keras.layers.ReLU(max_value=6.0)])
    np.save(tmp_path / "X4.npy", np.zeros((3, 4), dtype=np.float32))
    capsys.readouterr()
    assert main(["verify", str(_save(capped, tmp_path / "capped.h5")), "--data", str(tmp_path / "X4.npy"), "--out", str(tmp_path / "o2"), "-q"]) == 1
    assert "ReLU with max_value" in capsys.readouterr().err


@pytest.mark.parametrize("last", ["sigmoid", "tanh"])
def test_sigmoid_or_tanh_output_is_exact_on_its_input_and_agrees_as_a_decision(tmp_path, capsys, last):
    """A binary classifier's sigmoid (or a tanh) output: hls4ml's lookup table is approximate like
    softmax, so the layer before it is proved exact and the output is compared as a decision."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    tf.keras.utils.set_random_seed(4)
    q = quantized_bits(6, 0, alpha=1)
    x = inp = tf.keras.Input((10,), name="x_in")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
    x = QDense(8, kernel_quantizer=q, bias_quantizer=q, activation="relu", name="h")(x)
    x = QDense(2, kernel_quantizer=q, bias_quantizer=q, name="logit")(x)
    x = tf.keras.layers.Activation(last, name="out")(x)
    path = _save(tf.keras.Model(inp, x), tmp_path / "bin.h5")
    np.save(tmp_path / "X.npy", np.random.default_rng(3).normal(0, 2, size=(200, 10)).astype(np.float32))
    rc = main(["verify", str(path), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "out"), "--no-progress", "-q"])
    assert rc == 0, capsys.readouterr().err
    be = json.loads((tmp_path / "out" / "report.json").read_text())["bit_exact"]
    assert be["exact"] and be["layers"]["logit"]["exact_values"] == 200 * 2, be
    assert be["approximate_output"] == last and be["output_agreement"] >= 0.95, be
    assert be["softmax_argmax_agreement"] is None
    assert main(["estimate", str(path), "-q"]) == 0


def _dense_model(input_quantizer: bool, seed: int = 0):
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits, quantized_relu

    tf.keras.utils.set_random_seed(seed)
    x = inp = tf.keras.Input((10,), name="x_in")
    if input_quantizer:
        x = QActivation(quantized_bits(9, 3, alpha=1), name="qin")(x)
    # fused quantized_relu inside the QDense, as many users write it
    x = QDense(12, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(6, 0, alpha=1), activation=quantized_relu(6, 2), name="h")(x)
    x = QDense(3, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(6, 0, alpha=1), name="logits")(x)
    x = tf.keras.layers.Activation("softmax", name="prob")(x)
    return tf.keras.Model(inp, x)


@pytest.mark.parametrize("with_quantizer", [True, False], ids=["input-quantizer", "no-input-quantizer"])
def test_verify_user_model_is_exact(tmp_path, capsys, with_quantizer):
    model = _dense_model(with_quantizer)
    path = _save(model, tmp_path / "m.h5")
    X = np.random.default_rng(0).normal(0, 2, size=(150, 10)).astype(np.float32)  # raw floats
    np.save(tmp_path / "X.npy", X)
    rc = main(["verify", str(path), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "out"), "--no-progress", "-q"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    be = report["bit_exact"]
    assert be["exact"] and be["rows"] == be["exact_rows"] == 150
    assert be["layers"]["h"]["values"] == 150 * 12 and be["layers"]["h"]["exact_values"] == 150 * 12  # pre-activation
    assert be["layers"]["logits"]["exact_values"] == 150 * 3
    expected_input = "fixed<9,4,RND_CONV,SAT>" if with_quantizer else "fixed<16,6,RND_CONV,SAT>"
    assert report["input_type"] == expected_input
    assert (tmp_path / "out" / "hls_project" / "firmware").is_dir()
    # the delivered project names itself, not the partial folder it was built in (which is gone)
    yml = (tmp_path / "out" / "hls_project" / "hls4ml_config.yml").read_text()
    assert ".partial" not in yml and f"OutputDir: {(tmp_path / 'out' / 'hls_project').resolve()}" in yml, yml


def test_sequential_model_with_string_quantizers_is_exact(tmp_path, capsys):
    """A Sequential model (its InputLayer is not in model.layers) whose QActivation names its
    quantizer by string, as the hls4ml tutorials write them: verified bit-exact and estimated."""
    import tensorflow as tf
    from qkeras import QActivation, QDense

    tf.keras.utils.set_random_seed(3)
    q = "quantized_bits(6,0,alpha=1)"
    model = tf.keras.Sequential([
        tf.keras.Input((10,)),
        QActivation("quantized_bits(8,3,alpha=1)", name="qin"),
        QDense(12, kernel_quantizer=q, bias_quantizer=q, name="h"),
        QActivation("quantized_relu(6,2)", name="h_act"),
        QDense(3, kernel_quantizer=q, bias_quantizer=q, name="logits"),
    ])
    path = _save(model, tmp_path / "seq.h5")
    np.save(tmp_path / "X.npy", np.random.default_rng(1).normal(0, 2, size=(120, 10)).astype(np.float32))
    rc = main(["verify", str(path), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "out"), "--no-progress", "-q"])
    assert rc == 0, capsys.readouterr().err
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    be = report["bit_exact"]
    assert be["exact"] and be["rows"] == be["exact_rows"] == 120, be
    assert be["layers"]["logits"]["exact_values"] == 120 * 3
    assert report["input_type"] == "fixed<8,4,RND_CONV,SAT>"
    assert main(["estimate", str(path), "-q"]) == 0
    assert "LUT" in capsys.readouterr().out


def test_float_keras_model_is_estimated_at_hls4mls_default_precision_but_not_verified(tmp_path, capsys):
    """The hls4ml tutorial's float model (plain Dense): `flow estimate` prices it as hls4ml converts
    it, fixed<16,6> throughout, and says so; `flow verify` refuses it (no bit-exact reference)."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(5)
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(16, input_shape=(10,), name="fc1"),
        tf.keras.layers.Activation("relu", name="relu1"),
        tf.keras.layers.Dense(3, name="output"),
        tf.keras.layers.Activation("softmax", name="softmax"),
    ])
    path = _save(model, tmp_path / "float.h5")
    out = tmp_path / "est"
    assert main(["estimate", str(path), "--out", str(out), "-q"]) == 0
    res = json.loads((out / "resources.json").read_text())
    assert res["total"]["DSP"] > 0 and res["total"]["complete"]
    assert any("fixed<16,6>" in w and "float Dense" in w for w in res["warnings"]), res["warnings"]
    fc1 = res["layers"]["fc1"]
    assert fc1["detail"]["n_weights"] == 160
    np.save(tmp_path / "X.npy", np.zeros((4, 10), dtype=np.float32))
    capsys.readouterr()
    assert main(["verify", str(path), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "v"), "-q"]) == 1
    assert "layer type Dense is not supported" in capsys.readouterr().err


def test_model_saved_with_pruning_wrappers_is_stripped(tmp_path, capsys):
    """prune_low_magnitude wrappers left on at save time: estimated as tfmot's strip_pruning of it,
    the same numbers as the stripped model saved by the user."""
    import tensorflow_model_optimization as tfmot

    wrapped = tfmot.sparsity.keras.prune_low_magnitude(_dense_model(False), pruning_schedule=tfmot.sparsity.keras.ConstantSparsity(0.5, 0))
    a = _save(wrapped, tmp_path / "wrapped.h5")
    b = _save(tfmot.sparsity.keras.strip_pruning(wrapped), tmp_path / "stripped.h5")
    assert main(["estimate", str(a), "--out", str(tmp_path / "a"), "-q"]) == 0, capsys.readouterr().err
    assert main(["estimate", str(b), "--out", str(tmp_path / "b"), "-q"]) == 0
    ra, rb = (json.loads((tmp_path / d / "resources.json").read_text())["total"] for d in ("a", "b"))
    assert ra == rb and ra["DSP"] + ra["LUT"] > 0
    # a wrapped Sequential QKeras model does not even load (TF 2.14 / tfmot 0.7.5): the error says what to do
    import tensorflow as tf
    from qkeras import QDense, quantized_bits

    seq = tf.keras.Sequential([QDense(4, input_shape=(6,), kernel_quantizer=quantized_bits(6, 0, alpha=1),
                                      bias_quantizer=quantized_bits(6, 0, alpha=1), name="d")])
    c = _save(tfmot.sparsity.keras.prune_low_magnitude(seq, pruning_schedule=tfmot.sparsity.keras.ConstantSparsity(0.5, 0)),
              tmp_path / "seq_wrapped.h5")
    capsys.readouterr()
    rc = main(["estimate", str(c), "-q"])
    err = capsys.readouterr().err
    assert rc == 0 or "strip_pruning" in err, err


def test_unsupported_layer_and_quantizer_are_listed(tmp_path, capsys):
    import tensorflow as tf
    from qkeras import QDense, quantized_bits

    X = np.zeros((5, 8), dtype=np.float32)
    np.save(tmp_path / "X.npy", X)
    inp = tf.keras.Input((8,), name="x_in")
    x = tf.keras.layers.RepeatVector(4, name="rep")(inp)
    x = tf.keras.layers.Conv1D(2, 3, name="conv")(x)
    m = tf.keras.Model(inp, x)
    _save(m, tmp_path / "conv.h5")
    rc = main(["verify", str(tmp_path / "conv.h5"), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 1 and "RepeatVector" in err and "supported layers" in err and "QDense" in err and "Traceback" not in err
    inp = tf.keras.Input((8,), name="x_in")
    x = QDense(2, kernel_quantizer=quantized_bits(4, 0, alpha="auto"), bias_quantizer=quantized_bits(4, 0, alpha=1), name="d")(inp)
    _save(tf.keras.Model(inp, x), tmp_path / "po2.h5")
    rc = main(["verify", str(tmp_path / "po2.h5"), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o2")])
    err = capsys.readouterr().err
    assert rc == 1 and "alpha='auto'" in err and "supported" in err
    assert not (tmp_path / "o2" / "report.json").exists()


def test_argmax_softmax_is_written_verified_and_priced(tmp_path, capsys):
    """--softmax-implementation argmax: hls4ml writes softmax_argmax (a one-hot of the largest
    logit), C-simulation agrees with QKeras on every decision (the logits are exact and both take
    the first maximum), and the estimate has no softmax table or multiplier."""
    model = _dense_model(True, seed=7)
    path = _save(model, tmp_path / "m.h5")
    X = np.random.default_rng(7).normal(0, 2, size=(200, 10)).astype(np.float32)
    np.save(tmp_path / "X.npy", X)
    rc = main(["verify", str(path), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "out"), "--no-progress", "-q",
               "--softmax-implementation", "argmax"])
    assert rc == 0, capsys.readouterr().err
    params = (tmp_path / "out" / "hls_project" / "firmware" / "parameters.h").read_text()
    assert "softmax_implementation::argmax" in params
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    be = report["bit_exact"]
    assert be["exact"] and be["layers"]["logits"]["exact_values"] == 200 * 3, be
    assert be["softmax_argmax_agreement"] == 1.0, be
    assert report["hls"]["softmax_implementation"] == "argmax"
    capsys.readouterr()
    out = {}
    for impl in ("stable", "argmax"):
        assert main(["estimate", str(path), "--out", str(tmp_path / impl), "-q", "--softmax-implementation", impl]) == 0
        out[impl] = json.loads((tmp_path / impl / "resources.json").read_text())
    assert out["stable"]["layers"]["prob"]["DSP"] == 3 and out["argmax"]["layers"]["prob"]["DSP"] == 0
    assert out["argmax"]["layers"]["prob"]["BRAM_18K"] == 0
    # the project hls4ml wrote is read back as argmax too
    assert main(["estimate", str(tmp_path / "out" / "hls_project"), "--out", str(tmp_path / "prj"), "-q"]) == 0
    prj = json.loads((tmp_path / "prj" / "resources.json").read_text())
    assert prj["total"]["DSP"] == out["argmax"]["total"]["DSP"]


def test_a_sum_wider_than_float32_is_proved_against_the_exact_value(tmp_path, capsys):
    """12-bit weights on fixed<16,6> inputs need ~30-bit sums: QKeras' own float32 output rounds
    some of them. The HLS values are the exact ones, so the proof compares with x @ W + b in
    float64 from QKeras' quantized weights, says how many values QKeras rounded, and passes."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits, quantized_relu

    tf.keras.utils.set_random_seed(3)
    q12 = quantized_bits(12, 0, alpha=1)
    x = inp = tf.keras.Input((16,), name="x_in")
    x = QDense(64, kernel_quantizer=q12, bias_quantizer=q12, name="wide")(x)
    x = QActivation(quantized_relu(4, 0), name="act")(x)
    x = QDense(3, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(6, 0, alpha=1), name="out")(x)
    path = _save(tf.keras.Model(inp, x), tmp_path / "wide.h5")
    np.save(tmp_path / "X.npy", np.random.default_rng(0).normal(0, 3, size=(200, 16)).astype(np.float32))
    rc = main(["verify", str(path), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o"), "--no-progress", "-q"])
    out = capsys.readouterr().out
    be = json.loads((tmp_path / "o" / "report.json").read_text())["bit_exact"]
    rounded = [w for w in be["warnings"] if "QKeras' float32 arithmetic rounds" in w and "'wide'" in w]
    assert rounded, be["warnings"]  # the case this test is about did occur
    assert rc == 0 and be["exact"] and be["layers"]["wide"]["exact_values"] == 200 * 64, be
    assert "warning: layer 'wide': QKeras' float32 arithmetic rounds" in out


def test_model_shapes_and_quantizers_the_flow_cannot_map_are_refused_by_name(tmp_path, capsys):
    import tensorflow as tf
    from qkeras import QDense, quantized_bits

    np.save(tmp_path / "X.npy", np.zeros((5, 8), dtype=np.float32))
    q = quantized_bits(6, 0, alpha=1)

    def refused(model, *expect):
        assert_verify_refused(model, tmp_path, capsys, *expect)

    inp = tf.keras.Input((8,), name="x_in")
    h = QDense(4, kernel_quantizer=q, bias_quantizer=q, name="h")(inp)
    two = tf.keras.Model(inp, [QDense(2, kernel_quantizer=q, bias_quantizer=q, name="a")(h), QDense(2, kernel_quantizer=q, bias_quantizer=q, name="b")(h)])
    refused(two, "2 outputs", "single-output")
    coarse = tf.keras.Model(inp, QDense(2, kernel_quantizer="quantized_bits(3,3,alpha=1)", bias_quantizer=q, name="d")(inp))
    refused(coarse, "quantized_bits(3,3)", "'d'", "fewer integer bits")
    float_scale = tf.keras.Model(inp, QDense(2, kernel_quantizer=quantized_bits(6, 0, alpha="auto"), bias_quantizer=q, name="d")(inp))
    refused(float_scale, "alpha='auto'", "'d'", "alpha=1")
    unsigned = tf.keras.Model(inp, QDense(2, kernel_quantizer=quantized_bits(6, 0, alpha=1, keep_negative=False), bias_quantizer=q, name="d")(inp))
    refused(unsigned, "keep_negative=False", "quantized_relu")
    ok = tf.keras.Model(inp, QDense(2, kernel_quantizer=q, bias_quantizer=q, name="d")(inp))
    _save(ok, tmp_path / "ok.h5")
    np.save(tmp_path / "empty.npy", np.zeros((0, 8), dtype=np.float32))
    np.save(tmp_path / "flat.npy", np.zeros(20, dtype=np.float32))
    for data, piece in (("empty.npy", "no rows"), ("flat.npy", "reshape(-1, 8)")):
        rc = main(["verify", str(tmp_path / "ok.h5"), "--data", str(tmp_path / data), "--out", str(tmp_path / "o")])
        err = capsys.readouterr().err
        assert rc == 1 and piece in err and "Traceback" not in err, err


def test_a_declared_input_type_that_overrides_the_models_quantizer_is_warned():
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    from flow.config import HlsConfig
    from flow.design import FixedType
    from flow.hls import plan_model

    q = quantized_bits(6, 0, alpha=1)
    x = inp = tf.keras.Input((8,), name="x_in")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
    model = tf.keras.Model(inp, QDense(2, kernel_quantizer=q, bias_quantizer=q, name="d")(x))
    other = plan_model(model, hls_cfg=HlsConfig(), input_type=FixedType(6, 2))
    assert any("overrides the model's input quantizer 'qin' (fixed<8,4," in w for w in other.warnings), other.warnings
    same = plan_model(model, hls_cfg=HlsConfig(), input_type=FixedType(8, 4))
    assert not any("overrides" in w for w in same.warnings)


def test_batchnorm_is_priced_as_hls4ml_converts_it_and_refused_by_verify(tmp_path, capsys):
    """hls4ml 1.3.0 keeps a BatchNormalization as its own per-element x*scale+bias layer (it fuses
    one only into a layer whose output precision is left unspecified, which neither the flow's
    config nor granularity='model' does; the float case is checked against hls4ml's own project in
    tests/test_estimate_float.py). flow verify refuses it (no exact fixed-point form) and says what
    to do."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits, quantized_relu

    from flow.verify import estimate_model

    tf.keras.utils.set_random_seed(0)
    q = quantized_bits(6, 0, alpha=1)
    x = inp = tf.keras.Input((16,), name="x_in")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
    x = QDense(32, kernel_quantizer=q, bias_quantizer=q, name="d1")(x)
    x = tf.keras.layers.BatchNormalization(name="bn1")(x)
    x = QActivation(quantized_relu(6, 2), name="a1")(x)
    qbn = tf.keras.Model(inp, QDense(5, kernel_quantizer=q, bias_quantizer=q, name="d2")(x))
    _save(qbn, tmp_path / "qbn.h5")
    r = estimate_model(model_path=tmp_path / "qbn.h5", out_dir=None)
    layer = r["layers"]["bn1"]
    assert layer["detail"]["n_weights"] - layer["detail"]["n_zero"] == 32  # one product per element
    assert any("separate normalize layer" in w for w in r["warnings"]) and r["total"]["complete"]
    np.save(tmp_path / "X.npy", np.zeros((4, 16), dtype=np.float32))
    rc = main(["verify", str(tmp_path / "qbn.h5"), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 1 and "'bn1'" in err and "QConv2DBatchnorm" in err and "Traceback" not in err
    # the same model written by hls4ml itself keeps nnet::normalize, which `flow estimate DIR` reads
    import hls4ml

    from flow.hls_project import design_from_project

    cfg = hls4ml.utils.config_from_keras_model(qbn, granularity="name", backend="Vivado")
    hls4ml.converters.convert_from_keras_model(qbn, hls_config=cfg, output_dir=str(tmp_path / "prj"), backend="Vivado",
                                               part="xcvu13p-flga2577-2-e").write()
    d = design_from_project(tmp_path / "prj")
    diag = [lay for lay in d.layers if lay.kind == "normalize" and lay.n_in == lay.n_out == 32
            and np.count_nonzero(lay.weights - np.diag(np.diag(lay.weights))) == 0]
    assert len(diag) == 1 and np.count_nonzero(diag[0].weights) == 32
    assert main(["estimate", str(tmp_path / "prj")]) == 0


def test_nan_or_infinite_weights_are_refused_by_layer(tmp_path, capsys):
    """A diverged training leaves NaN/inf weights: `flow verify` and `flow estimate` name the layer
    and the variable before any work (the estimate crashed with an OverflowError)."""
    import tensorflow as tf
    from qkeras import QDense, quantized_bits

    q = quantized_bits(6, 0, alpha=1)
    model = tf.keras.Sequential([tf.keras.Input((8,)), QDense(4, kernel_quantizer=q, bias_quantizer=q, name="bad")])
    w, b = model.layers[-1].get_weights()
    w[0, 0], b[1] = np.nan, np.inf
    model.layers[-1].set_weights([w, b])
    np.save(tmp_path / "X.npy", np.zeros((3, 8), dtype=np.float32))
    assert_verify_refused(model, tmp_path, capsys, "layer 'bad'", "NaN or infinite")
    rc = main(["estimate", str(tmp_path / "m.h5"), "--out", str(tmp_path / "e")])
    err = capsys.readouterr().err
    assert rc == 1 and "layer 'bad'" in err and "NaN or infinite" in err and "Traceback" not in err


def test_default_keras_names_that_prefix_each_other_stay_bit_exact(tmp_path, capsys):
    """Keras names layers q_dense, q_dense_1, ...; hls4ml's helper node 'q_dense_1_linear' also
    starts with 'q_dense_', and took q_dense's narrow result type (0 of 64 rows exact, 8196 LSB
    off). It must follow q_dense_1, and the project must price like the model (no extra casts)."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits, quantized_relu

    def qb(b, i):
        return quantized_bits(b, i, alpha=1)

    x = inp = tf.keras.Input((4,))
    x = QActivation(qb(6, 2), name="q_activation")(x)
    d0 = QDense(64, kernel_quantizer=qb(3, 0), bias_quantizer=qb(4, 1), name="q_dense")
    x = QActivation(quantized_relu(8, 4), name="q_activation_1")(d0(x))
    d1 = QDense(4, kernel_quantizer=qb(8, 0), bias_quantizer=qb(8, 3), name="q_dense_1")
    out = QActivation(qb(16, 8), name="q_activation_2")(d1(x))
    model = tf.keras.Model(inp, out)
    rs = np.random.RandomState(5)
    d0.set_weights([rs.uniform(-1, 1, (4, 64)), rs.uniform(-1, 1, 64)])
    d1.set_weights([rs.uniform(0.2, 1, (64, 4)), rs.uniform(-4, 4, 4)])  # a sum much wider than q_dense's
    path = _save(model, tmp_path / "names.h5")
    np.save(tmp_path / "X.npy", np.random.RandomState(1).uniform(-4, 4, (64, 4)).astype(np.float32))
    rc = main(["verify", str(path), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o"), "-q", "--no-progress"])
    assert rc == 0, capsys.readouterr().err
    be = json.loads((tmp_path / "o" / "report.json").read_text())["bit_exact"]
    assert be["exact"] and be["exact_rows"] == 64, be
    for target, out_dir in ((path, "em"), (tmp_path / "o" / "hls_project", "ep")):
        assert main(["estimate", str(target), "--out", str(tmp_path / out_dir), "-q"]) == 0
    totals = [json.loads((tmp_path / d / "resources.json").read_text())["total"] for d in ("em", "ep")]
    assert totals[0] == totals[1], totals


def test_a_layer_named_like_the_node_hls4ml_adds_after_another_is_refused(tmp_path, capsys):
    """hls4ml names a layer's fused activation '<layer>_<activation>' ('fc_linear', 'out_softmax'):
    a model layer already called that gave a non-exact C-simulation (0 of 64 rows) or an assertion
    inside hls4ml. Both commands refuse it by name before converting."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    q = quantized_bits(6, 0, alpha=1)
    x = inp = tf.keras.Input((8,))
    x = QActivation(quantized_bits(8, 3, alpha=1), name="inq")(x)
    x = QDense(16, kernel_quantizer=q, bias_quantizer=q, name="fc")(x)
    x = QDense(4, kernel_quantizer=q, bias_quantizer=q, name="fc_linear")(x)
    np.save(tmp_path / "X.npy", np.zeros((3, 8), dtype=np.float32))
    assert_verify_refused(tf.keras.Model(inp, x), tmp_path, capsys, "layer 'fc_linear'", "linear activation of layer 'fc'")
    y = QDense(5, kernel_quantizer=q, bias_quantizer=q, activation="softmax", name="out")(
        QDense(16, kernel_quantizer=q, bias_quantizer=q, name="out_softmax")(inp))
    _save(tf.keras.Model(inp, y), tmp_path / "s.h5")
    assert main(["estimate", str(tmp_path / "s.h5"), "--out", str(tmp_path / "e")]) == 1
    assert "softmax activation of layer 'out'" in capsys.readouterr().err


def _fused_symmetric_model():
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    q = quantized_bits(6, 0, alpha=1)
    tf.keras.utils.set_random_seed(5)
    x = inp = tf.keras.Input((16,), name="x")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
    x = QDense(8, kernel_quantizer=q, bias_quantizer=q, activation=quantized_bits(4, 1, symmetric=True, alpha=1), name="d1")(x)
    return tf.keras.Model(inp, QDense(4, kernel_quantizer=q, bias_quantizer=q, name="out")(x))


def test_symmetric_and_qnoise_activations_are_refused(tmp_path, capsys):
    np.save(tmp_path / "X.npy", np.random.default_rng(0).normal(size=(32, 16)).astype(np.float32) * 3)
    assert_verify_refused(_fused_symmetric_model(), tmp_path, capsys, "'d1'", "symmetric=True", "symmetric=False")


def test_a_fused_activation_is_compared_with_qkeras_own_output(tmp_path, capsys, monkeypatch):
    """A fused activation's pre-activation sum has no Keras output; the check used the flow's own
    model of the quantizer as the reference after it, so a quantizer the flow mis-models passed as
    bit-exact (a sweep: symmetric=True, 0 of 64 rows really equal, exit 0). With the refusal
    switched off, the comparison with QKeras' real output must now catch it."""
    import flow.hls as hls
    import flow.quant as quant

    real = quant.spec_from_qkeras
    monkeypatch.setattr(hls, "spec_from_qkeras", lambda q, **kw: real(q, **{**kw, "activation_exact": False}))
    np.save(tmp_path / "X.npy", np.random.default_rng(0).normal(size=(32, 16)).astype(np.float32) * 3)
    _save(_fused_symmetric_model(), tmp_path / "m.h5")
    rc = main(["verify", str(tmp_path / "m.h5"), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o")])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert rc == 1 and "NOT bit-exact" in text and "d1" in text, text


def test_qactivation_of_a_plain_keras_activation_is_refused_by_name(tmp_path, capsys):
    """QActivation('relu') made hls4ml raise inside the conversion (a traceback)."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    q = quantized_bits(6, 0, alpha=1)
    x = inp = tf.keras.Input((16,), name="x")
    x = QDense(8, kernel_quantizer=q, bias_quantizer=q, name="d1")(QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x))
    model = tf.keras.Model(inp, QDense(4, kernel_quantizer=q, bias_quantizer=q, name="out")(QActivation("relu", name="r")(x)))
    np.save(tmp_path / "X.npy", np.zeros((4, 16), dtype=np.float32))
    assert_verify_refused(model, tmp_path, capsys, "'r'", "QActivation('relu')", "Activation('relu')")


def test_inputs_too_large_for_qkeras_float32_quantizer_are_a_data_error(tmp_path, capsys):
    """At |x| ~ 4e6 QKeras' own input quantizer returns values off its grid; the error blamed the flow."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    q = quantized_bits(6, 0, alpha=1)
    x = inp = tf.keras.Input((16,), name="x")
    model = tf.keras.Model(inp, QDense(4, kernel_quantizer=q, bias_quantizer=q, name="d1")(
        QActivation(quantized_bits(6, 2, alpha=1), name="qin")(x)))
    np.save(tmp_path / "X.npy", (np.random.default_rng(0).normal(size=(16, 16)) * 4e6).astype(np.float32))
    assert_verify_refused(model, tmp_path, capsys, "too large for QKeras' float32 input quantizer", "standardize")


def test_labels_of_a_one_output_model_are_scored_by_its_decision(tmp_path, capsys):
    """--labels with a single sigmoid output: accuracy was argmax over one column, i.e. the share of
    0 labels whatever the model did. Labels equal to QKeras' own decisions must score ~1."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    tf.keras.utils.set_random_seed(5)
    q = quantized_bits(6, 1, alpha=1)
    x = inp = tf.keras.Input((8,), name="x_in")
    x = QDense(1, kernel_quantizer=q, bias_quantizer=q, name="d0")(QActivation(quantized_bits(8, 2, alpha=1), name="inq")(x))
    model = tf.keras.Model(inp, tf.keras.layers.Activation("sigmoid", name="sg")(x))
    path = _save(model, tmp_path / "m.h5")
    X = np.random.default_rng(0).normal(0, 1.5, size=(200, 8)).astype(np.float32)
    np.save(tmp_path / "X.npy", X)
    y = (model.predict(X, verbose=0)[:, 0] > 0.5).astype(np.int64)
    assert 0.2 < y.mean() < 0.8  # both classes, so the old argmax score (share of zeros) could not pass
    np.save(tmp_path / "y.npy", y)
    rc = main(["verify", str(path), "--data", str(tmp_path / "X.npy"), "--labels", str(tmp_path / "y.npy"),
               "--out", str(tmp_path / "out"), "--no-progress", "-q"])
    assert rc == 0, capsys.readouterr().err
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["accuracy"]["csim"] >= 0.95 and report["accuracy"]["csim"] == pytest.approx(
        report["bit_exact"]["output_agreement"]), report


def test_bad_labels_files_are_data_errors(tmp_path, capsys):
    """A missing or unreadable --labels file, or labels that are not class indices: exit 1 naming
    the file, no traceback (FileNotFoundError and 'Object arrays cannot be loaded' escaped)."""
    model = _dense_model(True)
    path = _save(model, tmp_path / "m.h5")
    np.save(tmp_path / "X.npy", np.zeros((4, 10), dtype=np.float32))
    np.save(tmp_path / "obj.npy", np.array([1, "a", None, 2], dtype=object), allow_pickle=True)
    np.save(tmp_path / "frac.npy", np.array([0.5, 1, 0, 1]))
    np.save(tmp_path / "short.npy", np.array([0, 1]))
    for labels, words in (("missing.npy", "does not exist"), ("obj.npy", "cannot read the labels"),
                          ("frac.npy", "integer class indices"), ("short.npy", "2 labels for 4 rows")):
        rc = main(["verify", str(path), "--data", str(tmp_path / "X.npy"), "--labels", str(tmp_path / labels),
                   "--out", str(tmp_path / "o")])
        err = capsys.readouterr().err
        assert rc == 1 and words in err and "Traceback" not in err, (labels, err)
        assert not (tmp_path / "o" / "report.json").exists()


def test_a_raw_input_read_past_its_input_quantizer_is_refused(tmp_path, capsys):
    """Two quantizers on the raw input (or a skip of the raw input into a merge): hls4ml gets one
    input type, the first quantizer's, so the second branch sees quantized inputs where QKeras sees
    the raw floats. verify exited 0 'bit-exact 200/200' while C-sim matched model.predict(X) on 141
    of 200 rows; now it is refused naming both layers, and estimate prices it with a warning."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    q = quantized_bits(5, 0, alpha=1)
    x0 = tf.keras.Input((8,), name="inp")
    a = QDense(4, kernel_quantizer=q, bias_quantizer=q, name="da")(QActivation(quantized_bits(8, 2, alpha=1), name="qa")(x0))
    b = QDense(4, kernel_quantizer=q, bias_quantizer=q, name="db")(QActivation(quantized_bits(4, 1, alpha=1), name="qb")(x0))
    model = tf.keras.Model(x0, tf.keras.layers.Add(name="add")([a, b]))
    np.save(tmp_path / "X.npy", np.random.default_rng(0).normal(0, 1.5, size=(20, 8)).astype(np.float32))
    assert_verify_refused(model, tmp_path, capsys, "'qa'", "'qb'", "quantize the input once")
    assert main(["estimate", str(tmp_path / "m.h5")]) == 0
    assert "also 'qb' directly" in capsys.readouterr().out


def test_a_model_ending_in_dropout_is_verified_without_it(tmp_path, capsys):
    """hls4ml drops a final Dropout and then writes `myproject(input_t inp[8], )`: the compile failed
    and verify blamed g++. The Dropout is an identity at inference, so the model before it is proved."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    q = quantized_bits(5, 0, alpha=1)
    x0 = tf.keras.Input((8,), name="inp")
    x = QDense(4, kernel_quantizer=q, bias_quantizer=q, name="d0")(QActivation(quantized_bits(6, 2, alpha=1), name="inq")(x0))
    model = tf.keras.Model(x0, tf.keras.layers.Dropout(0.2, name="dr")(tf.keras.layers.Dropout(0.1, name="dr0")(x)))
    path = _save(model, tmp_path / "m.h5")
    np.save(tmp_path / "X.npy", np.random.default_rng(0).normal(0, 1.5, size=(50, 8)).astype(np.float32))
    rc = main(["verify", str(path), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "out"), "--no-progress", "-q"])
    assert rc == 0, capsys.readouterr().err
    be = json.loads((tmp_path / "out" / "report.json").read_text())["bit_exact"]
    assert be["exact"] and be["layers"]["d0"]["exact_values"] == 50 * 4, be
    assert main(["estimate", str(path), "-q"]) == 0


def test_inputs_saturated_by_the_flows_own_input_type_are_counted(tmp_path, capsys, caplog):
    """No input quantizer: the flow quantizes to fixed<16,6>, and inputs of ~+-200 mostly saturate
    to +-32; the warning said only that inputs were quantized, now it says how many were clipped."""
    import logging

    path = _save(_dense_model(False), tmp_path / "m.h5")
    X = np.full((10, 10), 1.0, dtype=np.float32)
    X[0, :3] = [100.0, -200.0, 31.0]
    np.save(tmp_path / "X.npy", X)
    with caplog.at_level(logging.WARNING):
        rc = main(["verify", str(path), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "out"), "--no-progress"])
    assert rc == 0, capsys.readouterr().err
    assert "2 of 100 input values lie outside fixed<16,6,RND_CONV,SAT>" in caplog.text, caplog.text


def test_verify_reads_csv_and_npz_inputs_as_written(tmp_path, capsys):
    """--data as .csv (np.savetxt without a header, a header of names, or pandas' 0..n-1 names) and as
    an .npz whatever its suffix's case are read value for value (float64 until the model's float32
    cast); a .csv used to fail as 'pickled data', an upper-case .NPZ as a 0-d object array."""
    from flow.verify import _read_inputs

    X = np.random.default_rng(3).normal(0, 2, size=(150, 10))  # float64, as users save them
    np.savetxt(tmp_path / "plain.csv", X, delimiter=",")
    np.savetxt(tmp_path / "named.csv", X, delimiter=",", header=",".join(f"f{j}" for j in range(10)), comments="")
    np.savetxt(tmp_path / "pandas.csv", X, delimiter=",", header=",".join(map(str, range(10))), comments="")
    np.savetxt(tmp_path / "gz.csv.gz", X, delimiter=",")  # numpy gzips a .gz name; verify took it for an .npy
    np.savez(tmp_path / "x.npz", X=X)
    (tmp_path / "x.npz").rename(tmp_path / "X.NPZ")
    for name in ("plain.csv", "named.csv", "pandas.csv", "gz.csv.gz", "X.NPZ"):
        assert np.array_equal(_read_inputs(tmp_path / name).X, X), name
    path = _save(_dense_model(True), tmp_path / "m.h5")
    rc = main(["verify", str(path), "--data", str(tmp_path / "plain.csv"), "--out", str(tmp_path / "out"), "--no-progress", "-q"])
    assert rc == 0, capsys.readouterr().err
    be = json.loads((tmp_path / "out" / "report.json").read_text())["bit_exact"]
    assert be["exact"] and be["rows"] == be["exact_rows"] == 150


def test_softmax_tables_stay_usable_behind_narrow_logits(tmp_path, capsys):
    """hls4ml's fix_softmax_table_size cut both softmax tables to 2^(logit bits) for logits under
    10 bits; the 1/x table is indexed by the sum of exponentials (its own 18-bit type), so with
    5-bit logits its 32 entries gave outputs far outside [0, 1] and argmax agreed with QKeras on
    55 % of rows. The flow now sets both sizes: exp table by what the logits address, 1/x kept."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    from flow.config import HlsConfig
    from flow.design import FixedType, softmax_table_sizes
    from flow.hls import hls_config, plan_model

    assert softmax_table_sizes("stable", FixedType(5, 3)) == (16, 1024)
    assert softmax_table_sizes("latency", FixedType(5, 3)) == (32, 1024)
    assert softmax_table_sizes("stable", FixedType(16, 6)) == (1024, 1024)
    assert softmax_table_sizes("legacy", FixedType(7, 3)) == (1024, 1024)

    inp = tf.keras.Input((4,), name="x")
    x = QActivation(quantized_bits(3, 1, alpha=1), name="q")(inp)
    x = QDense(3, kernel_quantizer=quantized_bits(2, 0, alpha=1), bias_quantizer=quantized_bits(2, 0, alpha=1), name="logits")(x)
    model = tf.keras.Model(inp, tf.keras.layers.Activation("softmax", name="sm")(x))
    model.layers[2].set_weights([np.random.default_rng(0).choice([-0.5, 0.0, 0.5], size=(4, 3)), np.zeros(3)])
    plan = plan_model(model, hls_cfg=HlsConfig(), name="m")
    sm = hls_config(model, plan, HlsConfig(), trace=False)["LayerName"]["sm"]
    assert (sm["exp_table_size"], sm["inv_table_size"]) == (16, 1024)  # logits fixed<5,3>

    _save(model, tmp_path / "m.h5")
    np.save(tmp_path / "X.npy", np.random.default_rng(1).normal(0, 1.5, size=(300, 4)).astype(np.float32))
    assert main(["verify", str(tmp_path / "m.h5"), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o")]) == 0
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["bit_exact"]["layers"]["logits"]["hls_type"] == "fixed<5,3>"
    assert report["bit_exact"]["output_agreement"] >= 0.99, report["bit_exact"]["output_agreement"]
    # 'legacy' indexes its tables arithmetically: both keep 1024 entries (cut to 32 it agreed on 34 %)
    assert main(["verify", str(tmp_path / "m.h5"), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "legacy"),
                 "--softmax-implementation", "legacy"]) == 0
    report = json.loads((tmp_path / "legacy" / "report.json").read_text())
    assert report["bit_exact"]["output_agreement"] >= 0.99, report["bit_exact"]["output_agreement"]
