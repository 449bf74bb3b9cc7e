"""QKeras' quantized_tanh and quantized_sigmoid through `flow verify`: hls4ml's hard_tanh /
hard_sigmoid with the result types the flow gives them are proved bit-exact by C-simulation, on
inputs built to hit every rounding tie of each output grid and both saturation ends; the forms
hls4ml cannot reproduce are refused by name."""

from __future__ import annotations

import contextlib
import io
import json
import logging

import numpy as np
import pytest

from flow.cli import main
from tests.test_verify import assert_verify_refused

pytestmark = pytest.mark.slow
log = logging.getLogger(__name__)

N = 16  # features; the input quantizer's 4096 values fill 256 rows
#: activation node (hls4ml's name) -> (kind, bits, symmetric, how its input is made from the quantized input x)
ACTIVATIONS = {
    "da_quantized_tanh": ("tanh", 4, False, lambda x: x),  # fused into a QDense with an identity kernel
    "tb": ("tanh", 8, True, lambda x: x),  # right after the input quantizer
    "sc": ("sigmoid", 3, False, lambda x: 2 * x),  # after a QDense with kernel 2 I
    "sd": ("sigmoid", 6, False, lambda x: x),  # use_stochastic_rounding=True
    "te": ("tanh", 2, False, lambda x: x),
    "tg": ("tanh", 1, False, lambda x: x),  # values -1 and 0 only
    "sh": ("sigmoid", 1, False, lambda x: 2 * x),  # values 0 and 1/2 only; also reads the QDense 2 I
    # fused into a QDense x * 2^-16 + 1/4: an input with 24 fractional bits, where QKeras' float32
    # 0.5 * y + 0.5 rounds (sigmoid(2) has a tie at y = 1/4)
    "df_quantized_sigmoid": ("sigmoid", 2, False, lambda x: x * 2.0**-16 + 0.25),
}


def _model():
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits, quantized_sigmoid, quantized_tanh

    L = tf.keras.layers
    inp = tf.keras.Input((N,), name="x")
    x = QActivation(quantized_bits(12, 3, alpha=1), name="qin")(inp)  # fixed<12,4>: steps of 1/256 on [-8, 8)

    def dense(name, bits, integer, activation=None):
        q = quantized_bits(bits, integer, alpha=1)
        return QDense(N, kernel_quantizer=q, bias_quantizer=q, activation=activation, name=name)

    a = dense("da", 4, 1, quantized_tanh(4))(x)
    b = QActivation(quantized_tanh(8, symmetric=True), name="tb")(x)
    two_x = dense("dc", 4, 2)(x)
    c = QActivation(quantized_sigmoid(3), name="sc")(two_x)
    d = QActivation(quantized_sigmoid(6, use_stochastic_rounding=True), name="sd")(x)
    e = QActivation("quantized_tanh(2)", name="te")(x)
    f = dense("df", 17, 0, quantized_sigmoid(2))(x)
    g = QActivation(quantized_tanh(1), name="tg")(x)
    # (hls4ml's io_stream clones a stream to at most 7 readers: the input quantizer has 7)
    h = QActivation(quantized_sigmoid(1), name="sh")(two_x)
    cat = L.Concatenate(name="cat5")([L.Concatenate(name="cat3")([L.Concatenate(name="cat1")([a, b]),
                                                                    L.Concatenate(name="cat2")([c, d])]),
                                       L.Concatenate(name="cat4")([e, f])])
    cat = L.Concatenate(name="cat7")([cat, L.Concatenate(name="cat6")([g, h])])
    model = tf.keras.Model(inp, cat)
    eye = np.eye(N, dtype=np.float32)
    model.get_layer("da").set_weights([eye, np.zeros(N, np.float32)])
    model.get_layer("dc").set_weights([2 * eye, np.zeros(N, np.float32)])
    model.get_layer("df").set_weights([eye * 2.0**-16, np.full(N, 0.25, np.float32)])
    return model


def _inputs() -> np.ndarray:
    """Every value of the input quantizer's grid once (k / 256, k = -2048 .. 2047), shuffled into
    rows, plus a row beyond its range (saturated by QKeras' own input quantizer)."""
    grid = np.arange(-2048, 2048, dtype=np.float64) / 256
    rows = np.random.default_rng(0).permutation(grid).reshape(-1, N)
    return np.vstack([rows, np.linspace(-40, 40, N)]).astype(np.float32)


def _grid(kind: str, bits: int, y: np.ndarray) -> tuple[np.ndarray, float]:
    """(QKeras' clipped value times its grid's scale, the scale): clip(y, -1, 1) * 2^(bits-1) for
    tanh, clip(0.5 y + 0.5, 0, 1) * 2^bits for sigmoid; a tie is where it is an odd half."""
    m = 2.0 ** (bits - 1) if kind == "tanh" else 2.0**bits
    return (np.clip(y, -1, 1) if kind == "tanh" else np.clip(0.5 * y + 0.5, 0, 1)) * m, m


@pytest.fixture(scope="module", params=["io_parallel", "io_stream"])
def verified(request, tmp_path_factory):
    """One `flow verify` per io type: the report, its exit code and stderr."""
    tmp = tmp_path_factory.mktemp(f"qtanh_{request.param}")
    _model().save(tmp / "m.h5", save_format="h5")
    np.save(tmp / "X.npy", _inputs())
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = main(["verify", str(tmp / "m.h5"), "--data", str(tmp / "X.npy"), "--out", str(tmp / "o"),
                   "--io-type", request.param, "--no-progress", "-q"])
    report = json.loads((tmp / "o" / "report.json").read_text()) if (tmp / "o" / "report.json").exists() else None
    return {"rc": rc, "err": err.getvalue(), "report": report, "dir": tmp, "io_type": request.param}


def test_the_inputs_hit_every_tie_and_both_saturation_ends():
    """The test data is what makes the proof mean something: per activation, every rounding tie
    of its output grid (2^bits of them on [-1, 1] or [0, 1]), the top tie that rounds half to even
    up to 1 and then saturates, and values QKeras clips at either end (for the symmetric tanh: ones
    that round to -1, which it lifts to -1 + lsb)."""
    x = np.clip(_inputs().astype(np.float64), -8, 8 - 1 / 256)  # what the input quantizer passes on
    for name, (kind, bits, symmetric, make) in ACTIVATIONS.items():
        u, m = _grid(kind, bits, make(x))
        ties = np.unique(u[u - np.floor(u) == 0.5])
        if name == "df_quantized_sigmoid":  # a narrow range around its one tie, at 1/4
            assert list(ties) == [2.5], (name, ties)
            continue
        assert len(ties) == 2**bits, (name, len(ties))
        assert np.any(u == m - 0.5) and np.any(np.round(u) >= m), name  # the top tie; clipped to 1 - lsb
        assert np.any(u == (-m if kind == "tanh" else 0.0)), name  # -1 / 0 exactly, and below
        assert np.any(make(x) < -1.0) and np.any(make(x) > 1.0), name  # clipped before the rounding
        if symmetric:
            assert np.any(np.round(u) == -m), name


def test_quantized_tanh_and_sigmoid_are_bit_exact(verified):
    assert verified["rc"] == 0, verified["err"]
    be = verified["report"]["bit_exact"]
    assert be["exact"] and be["exact_rows"] == len(_inputs()), be["diagnosis"]
    rows = len(_inputs())
    for name in ACTIVATIONS:
        check = be["layers"][name]
        assert check["traced"] and check["values"] == check["exact_values"] == rows * N, (name, check)
    assert be["layers"]["tb"]["hls_type"] == "fixed<8,1,RND_CONV,SAT_SYM>"
    assert be["layers"]["sc"]["hls_type"] == "ufixed<3,0,RND_CONV,SAT>"
    for name in ("da", "dc", "df", "cat1", "cat2", "cat3", "cat4", "cat5", "cat6", "cat7"):
        assert be["layers"][name]["values"] == be["layers"][name]["exact_values"] > 0, (name, be["layers"][name])
    mismatches = {name: c["values"] - c["exact_values"] for name, c in be["layers"].items()}
    log.info("%s mismatches per layer: %s", verified["io_type"], mismatches)  # --log-cli-level=INFO shows them
    assert not any(mismatches.values())


def test_the_report_says_where_qkeras_float32_rounds_and_what_stochastic_rounding_means(verified):
    """The 24-fractional-bit input: QKeras' own float32 output differs from the exact value there
    (the C-simulation equals the exact one, as for a sum wider than float32); and the stochastic
    rounding flag is not what QKeras computes at inference."""
    assert verified["rc"] == 0, verified["err"]
    warnings = verified["report"]["bit_exact"]["warnings"]
    rounded = [w for w in warnings if w.startswith("layer 'df': QKeras' float32 arithmetic rounds")]
    assert rounded and "0.5 * x + 0.5" in rounded[0], warnings
    assert not any(w.startswith(f"layer '{n}': QKeras' float32") for w in warnings
                   for n in ("da", "tb", "sc", "sd", "te", "tg", "sh")), warnings
    assert any("'sd'" in w and "use_stochastic_rounding=True" in w and "never in predict" in w for w in warnings), warnings


def test_the_project_verify_wrote_is_priced_as_the_model(verified):
    """flow estimate of the model and of the project verify wrote agree (the same result types)."""
    assert verified["rc"] == 0, verified["err"]
    tmp, io_type = verified["dir"], verified["io_type"]
    assert main(["estimate", str(tmp / "m.h5"), "--io-type", io_type, "--out", str(tmp / "est")]) == 0
    assert main(["estimate", str(tmp / "o" / "hls_project"), "--out", str(tmp / "est_prj")]) == 0
    est, prj = (json.loads((tmp / d / "resources.json").read_text()) for d in ("est", "est_prj"))
    keys = ("LUT", "FF", "DSP", "BRAM_18K", "latency_cycles", "ii")
    assert est["total"]["complete"] and prj["total"]["complete"], prj
    assert {k: prj["total"][k] for k in keys} == {k: est["total"][k] for k in keys}


def _one(activation):
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    q = quantized_bits(6, 0, alpha=1)
    x = inp = tf.keras.Input((10,), name="x")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
    x = QDense(8, kernel_quantizer=q, bias_quantizer=q, name="d1")(x)
    x = QActivation(activation, name="act")(x)
    return tf.keras.Model(inp, QDense(3, kernel_quantizer=q, bias_quantizer=q, name="out")(x))


@pytest.mark.parametrize("activation, expect", [
    ("quantized_tanh(8, use_real_tanh=True)", ("use_real_tanh=True", "lookup table", "use_real_tanh=False", "flow estimate")),
    ("quantized_sigmoid(6, use_real_sigmoid=True)", ("use_real_sigmoid=True", "lookup table", "use_real_sigmoid=False")),
    ("quantized_sigmoid(6, symmetric=True)", ("symmetric=True", "symmetric=False")),
    ("quantized_tanh(1, symmetric=True)", ("quantized_tanh(1, symmetric=True)", "symmetric=False or bits >= 2")),
    # QKeras' float32 top value 1 - 2^-bits rounds to 1.0 (C-sim failed after converting)
    ("quantized_sigmoid(25)", ("quantized_sigmoid(bits=25)", "bits <= 24")),
    ("quantized_tanh(26)", ("quantized_tanh(bits=26)", "bits <= 25")),
])
def test_forms_hls4ml_cannot_reproduce_are_refused_by_name(tmp_path, capsys, activation, expect):
    from qkeras.quantizers import get_quantizer

    np.save(tmp_path / "X.npy", np.zeros((4, 10), dtype=np.float32))
    assert_verify_refused(_one(get_quantizer(activation)), tmp_path, capsys, "'act'", *expect)


def test_a_non_hard_internal_sigmoid_is_refused(monkeypatch):
    """QKeras' process-wide set_internal_sigmoid('smooth') changes quantized_tanh; hls4ml does not follow."""
    import qkeras.quantizers as qq
    from qkeras import quantized_tanh

    from flow.config import HlsConfig
    from flow.errors import ModelError
    from flow.hls import plan_model

    model = _one(quantized_tanh(6))
    monkeypatch.setattr(qq, "_sigmoid", qq.smooth_sigmoid)
    with pytest.raises(ModelError, match="set_internal_sigmoid"):
        plan_model(model, hls_cfg=HlsConfig(), name="m")


def test_a_hard_activation_right_after_the_input_is_an_activation_not_the_input_quantizer():
    """QActivation(quantized_tanh) as the first layer: the input quantizer it is not (hls4ml would
    apply it again to the quantized input, wrong for a sigmoid), so the FPGA receives the input in
    the default type and applies the hard tanh to it."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits, quantized_sigmoid

    from flow.config import HlsConfig
    from flow.hls import plan_model

    q = quantized_bits(6, 0, alpha=1)
    inp = tf.keras.Input((10,), name="x")
    x = QActivation(quantized_sigmoid(5), name="s0")(inp)
    model = tf.keras.Model(inp, QDense(3, kernel_quantizer=q, bias_quantizer=q, name="out")(x))
    plan = plan_model(model, hls_cfg=HlsConfig(), name="m")
    assert plan.input_quantizer is None and plan.input_source == "default"
    s0 = plan.node("s0")
    assert s0.function == "hard_sigmoid" and s0.result.hls() == "ufixed<5,0,RND_CONV,SAT>"


@pytest.mark.parametrize("function, cut", [("hard_sigmoid", 0.5), ("hard_tanh", 0.0), ("sigmoid", 0.5), ("linear", 0.0)])
def test_a_single_output_decides_at_its_activations_cut(function, cut):
    """--labels accuracy of a one-output model: a quantized_sigmoid output (hls4ml's hard_sigmoid)
    decides at 0.5 like a sigmoid (it was compared with 0, so 0.3 counted as class 1)."""
    from types import SimpleNamespace

    from flow.verify import _decisions

    plan = SimpleNamespace(nodes=[SimpleNamespace(function=function)])
    out = np.array([[cut - 0.2], [cut + 0.2], [cut]])
    assert _decisions(out, plan).tolist() == [0, 1, 0]
