"""Distributed-arithmetic (hls4ml strategy="distributed_arithmetic") cost from da4ml's adder graph.

Why: with DA, hls4ml 1.3 replaces every constant matrix-vector product by da4ml's optimized
shift-and-add graph, so the right cost model is that graph itself, not per-product pricing.
da4ml is optional (and JIT-compiles with numba on first use, ~3 min, then cached): without it
`estimate_da_layer` returns a status instead of numbers and the layer is marked not estimated.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from flow.design import DenseDesign, FixedType


def da4ml_available() -> bool:
    try:
        import da4ml  # noqa: F401
    except ImportError:
        return False
    return True


def _kif(t: FixedType, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """da4ml's (keep_negative, integer bits without sign, fractional bits) per input."""
    k = np.full(n, bool(t.signed))
    i = np.full(n, t.integer - (1 if t.signed else 0))
    f = np.full(n, t.frac)
    return k, i, f


def trace_dense(dense: DenseDesign) -> Any:
    """da4ml CombLogic for y = x @ W + b with the layer's input type (as hls4ml's DA pass builds it)."""
    from da4ml.trace import FixedVariableArray, HWConfig, comb_trace

    k, i, f = _kif(dense.input_type, dense.n_in)
    inp = FixedVariableArray.from_kif(k, i, f, HWConfig(1, -1, -1),
                                      solver_options={"hard_dc": 2, "search_all_decompose_dc": True})
    out = inp @ np.asarray(dense.weights, dtype=np.float64)
    bias = np.asarray(dense.bias, dtype=np.float64).ravel()
    if np.any(bias != 0):
        out = out + bias
    return comb_trace(inp, out)


def estimate_da_layer(dense: DenseDesign, clock_period_ns: float = 5.0) -> dict[str, Any]:
    """LUT estimate (da4ml adder-graph cost), adder depth and cycles for one dense layer.

    da4ml's `cost` counts adder bits (~ LUTs on a carry chain); its latency is in adder-delay
    units. The layer is combinational in hls4ml's DA kernel; cycles come from packing the adder
    depth into the clock like the rest of flow.resources.
    """
    if not da4ml_available():
        return {"status": "skipped: da4ml not installed (pip install 'da4ml>=0.5.2,<0.6')"}
    from flow.resources import CLOCK_UNCERTAINTY, t_add_ns

    sol = trace_dense(dense)
    lat = sol.latency
    depth = float(max(lat) if isinstance(lat, (tuple, list)) else lat)
    t_eff = clock_period_ns * (1 - CLOCK_UNCERTAINTY)
    cycles = max(1, math.ceil(depth * t_add_ns(dense.accum_type.width) / t_eff))
    return {
        "status": "ok",
        "LUT": float(sol.cost),
        "FF": float(dense.n_out * dense.result_type.width),  # output register of the pipelined top
        "latency_cycles": cycles,
        "adder_depth": depth,
        "n_ops": len(sol.ops),
        "source": "da4ml adder-graph cost",
    }
