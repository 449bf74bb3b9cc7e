"""distributed_arithmetic: da4ml's adder-graph estimate checked by yosys synth_xilinx.

Skips with the reason when da4ml or yosys is missing. The first da4ml solve JIT-compiles numba
(~3 min, then cached), so this test can take minutes on a fresh machine.
"""

from __future__ import annotations

import numpy as np
import pytest

from flow.da import da4ml_available, estimate_da_layer
from flow.design import DenseDesign, Design, FixedType, accumulator_type
from flow.resources import estimate
from flow.yosys import yosys_available, yosys_synth_da

pytestmark = [
    pytest.mark.skipif(not da4ml_available(), reason="da4ml not installed: pip install 'da4ml>=0.5.2,<0.6'"),
]


LAYERS = {
    # name: (n_in, n_out, weight type, input type, sparsity, seed)
    "16x8_w6_x8": (16, 8, FixedType(6, 1), FixedType(8, 3), 0.0, 0),
    "24x12_w4_x6_sparse50": (24, 12, FixedType(4, 1), FixedType(6, 2), 0.5, 1),
    "12x16_w8_x10": (12, 16, FixedType(8, 2), FixedType(10, 4), 0.0, 2),
}


def _layer(name: str = "16x8_w6_x8") -> DenseDesign:
    n_in, n_out, wt, x, sparsity, seed = LAYERS[name]
    rng = np.random.default_rng(seed)
    w = np.clip(np.round(rng.laplace(0, 0.25, (n_in, n_out)) / wt.lsb) * wt.lsb, wt.min_value, wt.max_value)
    w[rng.random(w.shape) < sparsity] = 0.0
    b = np.zeros(n_out)
    acc = accumulator_type(x, wt, wt, w, b)
    return DenseDesign("fc", w, b, x, wt, wt, acc, acc)


def test_da_estimate_used_by_estimator():
    d = _layer()
    r = estimate_da_layer(d)
    assert r["status"] == "ok" and r["LUT"] > 0
    est = estimate(Design("da", [d], d.input_type, d.n_in, strategy="distributed_arithmetic"))
    assert est.layers[0].estimated and est.layers[0].DSP == 0
    assert est.total["LUT"] == round(r["LUT"])


@pytest.mark.skipif(not yosys_available(), reason="yosys not on PATH: apt-get install yosys")
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_yosys_luts_close_to_da4ml_estimate(name):
    """yosys synth_xilinx on da4ml's Verilog vs the estimate (measured ratios in docs/resources.md)."""
    r = yosys_synth_da(_layer(name))
    assert r["status"] == "ok", r["status"]
    assert r["LUT"] > 0
    assert 0.65 <= r["LUT"] / r["estimate_LUT"] <= 1.35, r
