"""HGQ projects (hls4ml with HGQ's per-element quantizers in nnet_code_gen.h): read by `flow
estimate PROJECT_DIR`, every activation at its own width, the ones HGQ zeroes multiplying nothing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from flow.design import DenseDesign, Design, FixedType
from flow.errors import ModelError
from flow.hls_project import _element_quantizers, design_from_project, parse_project
from flow.resources import estimate

PROJECT = Path(__file__).resolve().parents[1] / "bench" / "published_cnn" / "hgq_openml_3_1_1"


def test_an_hgq_project_is_read_with_each_activation_at_its_own_width():
    proj = parse_project(PROJECT)
    gen = proj.element_quantizers
    assert set(gen) == {"h_quantize_5", "h_dense_20_relu_quantizer", "h_dense_21_relu_quantizer",
                        "h_dense_22_relu_quantizer", "h_dense_23_quantizer"}
    design = design_from_project(PROJECT)
    dense = {layer.name: layer for layer in design.layers if isinstance(layer, DenseDesign)}
    feeds = {"layer3": "h_quantize_5", "layer8": "h_dense_20_relu_quantizer", "layer13": "h_dense_21_relu_quantizer",
             "layer18": "h_dense_22_relu_quantizer"}
    for name, quantizer in feeds.items():
        types = gen[quantizer]
        widths = dense[name].input_widths
        assert widths is not None and widths.tolist() == [t.width if t is not None else 0 for t in types]
        # an activation HGQ zeroes (`out[i] = 0;`) leaves its weights nothing to multiply
        assert not dense[name].weights[widths == 0].any()
    assert (dense["layer8"].input_widths == 0).sum() == 1 and (dense["layer13"].input_widths == 0).sum() == 4
    est = estimate(design)
    assert est.total["complete"], est.warnings
    # the same project priced as if every activation had its container's width costs more DSPs
    wide = Design(**{**vars(design), "layers": [DenseDesign(**{**vars(layer), "input_widths": None})
                                                if isinstance(layer, DenseDesign) else layer for layer in design.layers]})
    assert estimate(wide).total["DSP"] > est.total["DSP"]


def _dense(weights: np.ndarray, widths: list[int] | None) -> Design:
    x_t, w_t, acc = FixedType(14, 5), FixedType(10, 3), FixedType(26, 10)
    d = DenseDesign("d", weights, np.zeros(weights.shape[1]), x_t, w_t, w_t, acc, acc,
                    input_widths=None if widths is None else np.array(widths))
    return Design("hgq", [d], x_t, weights.shape[0])


def test_per_input_widths_decide_dsp_or_lut_and_a_pruned_input_is_free():
    rng = np.random.default_rng(0)
    w = np.round(rng.uniform(-3, 3, size=(4, 3)) * 128) / 128  # 10-bit weights, most with >= 3 CSD digits
    full, narrow = estimate(_dense(w, None)), estimate(_dense(w, [6, 6, 6, 6]))
    assert full.layers[0].DSP > 0 and narrow.layers[0].DSP == 0 and narrow.layers[0].LUT > 0
    # an input cast to no bits costs exactly what the layer without that input costs
    pruned, without = estimate(_dense(w, [12, 0, 12, 12])), estimate(_dense(np.delete(w, 1, axis=0), [12, 12, 12]))
    for key in ("LUT", "DSP"):
        assert pruned.layers[0].to_dict()[key] == without.layers[0].to_dict()[key], key


def test_hgq_element_quantizers_are_parsed_and_a_bad_type_is_named():
    text = """
template<typename input_t, typename output_t>
void h_q(input_t *inp, output_t *out) {
    #pragma HLS INLINE

    out[0] = ap_fixed<10,4,AP_RND,AP_WRAP>(inp[0]);
    out[1] = 0;
    out[2] = ap_ufixed<5,2,AP_TRN,AP_WRAP>(inp[2]);
}
"""
    types = _element_quantizers(text, where="gen.h")["h_q"]
    assert types[0] == FixedType(10, 4, True, "RND", "WRAP") and types[1] is None and types[2].width == 5
    with pytest.raises(ModelError, match="ap_fixed<10,x"):
        _element_quantizers(text.replace("ap_fixed<10,4,", "ap_fixed<10,x,"), where="gen.h")
