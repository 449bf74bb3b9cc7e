"""UpSampling1D/2D (hls4ml's resize_nearest): proved bit-exact at every layer, priced alike from the
model and from the project `flow verify` writes, and refused by name where hls4ml has no
implementation."""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_verify import assert_verify_refused
from tests.test_verify_conv import _prove_and_price, _random_weights, _rows


def _upsampling_model(kind: str, seed: int = 0, **up_kwargs):
    """conv -> relu -> upsampling -> conv -> dense: the upsampled tensor feeds a convolution, so
    an index error in the repeat would change the next layer's values too."""
    import tensorflow as tf
    from qkeras import QActivation, QConv1D, QConv2D, QDense, quantized_bits, quantized_relu

    q = quantized_bits(6, 0, alpha=1)
    L = tf.keras.layers
    if kind == "2d":
        x = inp = tf.keras.Input((6, 5, 2), name="img")
        conv, up = QConv2D, L.UpSampling2D(up_kwargs.pop("size", (2, 3)), name="up", **up_kwargs)
    else:
        x = inp = tf.keras.Input((8, 2), name="seq")
        conv, up = QConv1D, L.UpSampling1D(up_kwargs.pop("size", 3), name="up", **up_kwargs)
    x = QActivation(quantized_bits(8, 3, alpha=1), name="qin")(x)
    x = conv(3, 3, kernel_quantizer=q, bias_quantizer=q, name="c1")(x)
    x = QActivation(quantized_relu(6, 2), name="r1")(x)
    x = up(x)
    x = conv(2, 3, kernel_quantizer=q, bias_quantizer=q, name="c2")(x)
    x = L.Flatten(name="f")(x)
    model = tf.keras.Model(inp, QDense(3, kernel_quantizer=q, bias_quantizer=q, name="out")(x))
    _random_weights(model, seed)
    return model


@pytest.mark.parametrize("kind, io_type, up_values", [("2d", "io_parallel", 8 * 9 * 3), ("2d", "io_stream", 8 * 9 * 3),
                                                      ("1d", "io_stream", 18 * 3)])
def test_upsampling_is_bit_exact_and_priced_alike_from_model_and_project(tmp_path, capsys, kind, io_type, up_values):
    shape = (6, 5, 2) if kind == "2d" else (8, 2)
    est = _prove_and_price(tmp_path, capsys, _upsampling_model(kind), _rows(60, shape), io_type, {"up": up_values})
    up = est["layers"]["up"]
    if io_type == "io_parallel":
        assert (up["LUT"], up["FF"], up["DSP"], up["latency_cycles"]) == (0, 0, 0, 0)  # constant indices: wiring
    else:
        # one held row of the input (width x channels x 6 bits), then each item written out `ratio` times
        in_w, ratio = (3, 2 * 3) if kind == "2d" else (6, 3)
        assert up["FF"] >= in_w * 3 * 6 and up["detail"]["stream"]["ii_per_item"] == ratio


def test_upsampling_hls4ml_cannot_build_is_refused_by_name(tmp_path, capsys):
    np.save(tmp_path / "X.npy", _rows(4, (6, 5, 2)))
    assert_verify_refused(_upsampling_model("2d", interpolation="bilinear"), tmp_path, capsys,
                          "'up'", "bilinear", "interpolation='nearest'")
