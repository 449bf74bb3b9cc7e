"""FPGA resource and latency estimates for an hls4ml design, without running vendor tools.

Why: synthesis takes minutes to hours, a bit-width search needs thousands of cost evaluations.
This module prices the design the way Vivado/Vitis HLS builds hls4ml's dense kernels, from the
*actual* quantized weights: a zero weight is removed, a +-2^k weight is a shift, other constants
are shift-and-add networks (LUTs, cost ~ canonical-signed-digit count x operand width) or DSP48
slices when both operands are wide, and the adder trees run at the declared accumulator width.
Pure numpy, no TensorFlow or hls4ml import, nothing compiled. The model and its sources are
written down in docs/resources.md; its measured error against published syntheses is printed by
bench/bench_resources_published.py.
"""

from __future__ import annotations

import difflib
import functools
import json
import logging
import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from flow.design import (HARD_ACTIVATIONS, LOOKUP_TABLE_ACTIVATIONS, TABLE_ACTIVATIONS, HLS4ML_DEFAULT_CLOCK_NS, HLS4ML_DEFAULT_PRECISION, SOFTMAX_IMPLEMENTATIONS, ActivationDesign,
                         ConvDesign, DenseDesign, Design, FixedType, MergeDesign, NormalizeDesign, PoolDesign,
                         ResizeDesign, UnmodelledDesign, closest_resource_reuse_factor, log2_ceil, normalize_dense,
                         parse_ap_type, quantize_to, softmax_table_sizes)
from flow.errors import ConfigError
from flow.parts import Part, clock_uncertainty_share, lookup_part

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------------------------
# Calibration constants. Few, each with its reason; see docs/resources.md for sources.
# --------------------------------------------------------------------------------------------
#: Default clock uncertainty, as a fraction of the period, that HLS keeps out of scheduling:
#: Vivado HLS 12.5 %, Vitis HLS 27 % (hls4ml 1.x's ClockUncertainty defaults per backend, printed
#: in the reports' timing tables: 0.62 ns and 1.35 ns of a 5 ns clock). A design, project or
#: published row that sets its own (repo_ce6370_400_u250: Vitis at 0.62 ns) is scheduled with it.
CLOCK_UNCERTAINTY = 0.125
CLOCK_UNCERTAINTY_VITIS = 0.27
#: HLS maps a product to a DSP48 only when the data operand is at least DSP_MIN_BITS wide and
#: the (constant) weight operand at least DSP_MIN_WEIGHT_BITS; narrower products become LUT logic.
#: For constants, 6 bits is calibrated on the 16-bit row of
#: Fahim et al. 2021 Table 1 (1852 DSPs for 4256 products) and then reproduces the 14-bit and
#: 6-bit rows within their errors in docs/resources.md (a 16-bit x 6-bit constant product still
#: lands in a DSP: the 6-bit QAT model keeps ~33 DSPs in its 16-bit-input first layer).
DSP_MIN_BITS = 10
DSP_MIN_WEIGHT_BITS = 6
#: A product of two variables (Resource strategy: the weight is read from a ROM, HLS cannot fold
#: it) goes to a DSP48 once both operands are at least this wide as signed numbers (an unsigned
#: operand takes one bit more) and the product is wider than 6 x 6 signed. Read off four public
#: Resource-strategy CNNs, first estimated blind with the community's ~10-bit figure
#: (docs/resources.md): their reports put exactly one DSP per multiplier of the block
#: (n_in*n_out/RF) for unsigned-6 x signed-6 products (yvsim001 MNIST QCNN, Vitis HLS 2022.2:
#: 4/32/128/20; DeepPiCar, Vitis HLS 2024.2: 1/4) and for 16 x 6 (PokerML, Vivado HLS 2019.2, read
#: blind after the 6-bit rule: 8 and 1), none for signed-6 x signed-6 (kendermag, Vivado HLS 2019.1:
#: two such layers with 0 DSPs beside 4/40/60/120 for its 14- and 16-bit inputs; its cores are
#: `mul_mul_16s_6s`, DSP, and `mul_14s_5s`, fabric).
DSP_MIN_VARIABLE_BITS = 6

#: Vitis HLS keeps a constant product in LUTs while it is at most two shifted adds: a constant
#: with >= 3 canonical-signed-digit terms goes to a DSP (when the data operand is >= DSP_MIN_BITS).
#: Set on the real firmware weights of repo_nrp_u250 (per layer 742/1120/621/122 vs 719/1097/614/122
#: published); the other Vitis projects with real weights check it (taitashaw 3423 vs 3334, iris
#: 110 vs 110, ce6370 27 vs 27).
VITIS_DSP_MIN_CSD = 3
#: Delay of one carry-chain adder level of width w (ns) in HLS's delay model for an UltraScale+ -2:
#: base + per-bit carry. With T_DSP_NS these set where HLS puts the register inside a dense layer;
#: both are calibrated on the per-instance rows of the Vivado HLS calibration reports (a 16-bit
#: dense layer of the tutorial MLP: one DSP product plus ~3.4 adder levels per 4.375 ns cycle,
#: which is what its 2859 FFs of registered partial sums say), and then predict the Vitis rows
#: (27 % uncertainty: ~1.7 levels, 9431 FFs published) without a Vitis-specific constant.
T_ADD_BASE_NS = 0.25
T_ADD_PER_BIT_NS = 0.011
#: Combinational delay of a DSP48 constant product as HLS schedules it (the adder tree follows in
#: the same cycle).
T_DSP_NS = 2.9
#: hls4ml < 0.5 multiplies by weights HLS cannot see as constants: a generic DSP product is this
#: much slower than a constant one. Set on the calibration row tut_p1_duchstf_ku115 (2-cycle dense
#: instances with ~27 FFs of registered product per multiplier on xcku115); the other hls4ml < 0.5
#: rows (xcku115 and a 1-cycle xcu250) check it.
LEGACY_MUL_FACTOR = 1.2
#: HLS's LUT estimate of an element-wise activation grows with the input width: a plain relu
#: (sign test + mux) ~1.75 LUT per input bit, a relu that also casts with rounding/saturation
#: (quantized_relu -> ap_ufixed<...,RND_CONV,SAT>) ~4.1 per input bit (Vivado HLS 2019.2 report
#: rows of the calibration set: 1792 LUT for 64 x 16-bit relus, 4176 for 64 16->6-bit casts);
RELU_LUT_PER_IN_BIT = 1.75
CAST_LUT_PER_IN_BIT = 4.1
#: Vitis HLS reports ~1.45x the LUTs of Vivado HLS 2019.x for the same logic: 2432 vs 1792 LUT for
#: the same 64 relus, and 123.6k vs our Vivado-calibrated 85k for the tutorial MLP (one Vitis
#: calibration row). Applied to every LUT of a Vitis estimate (estimates only: Vivado's own
#: synthesis of both lands far lower, see docs/resources.md).
VITIS_LUT_FACTOR = 1.45
#: Vivado HLS books LUTs beside every multiplication it maps to a DSP48: each `*` row of a dense
#: module's Expression table reads DSP48E 1, LUT 5 on UltraScale+ (Hector-Plata/hls4ml-tutorial
#: @ 4ac4f07, model_2, Vivado HLS 2019.2, xcu250: all 36 of config11's 16 x 8-12-bit products) and
#: LUT 6 on the 7-series (pominiq/DNNonSilicon @ 7d3cf35, Dummy_RF1, Vivado HLS 2020.1, xc7z020:
#: all of config4's 16 x 6-10-bit products). Read off those two per-module reports, not fitted to
#: totals. Vitis' products are covered by VITIS_LUT_FACTOR, fitted on Vitis totals.
VIVADO_LUT_PER_DSP = {"DSP48E2": 5, "DSP48E1": 6}
#: LUTs per bit of a ripple-carry adder (one LUT6 + CARRY8 slot per bit on UltraScale).
LUT_PER_ADDER_BIT = 1.0
#: LUTs per partial-product bit of a general (non-constant) LUT multiplier: 18x18 measured at
#: 365-411 LUTs (fastmachinelearning/hls4ml#99) -> ~1.1-1.25; we use 1.1.
LUT_PER_PP_BIT = 1.1
#: ROMs up to this many bits stay in LUTs (64 bits per LUT6 as ROM); larger go to BRAM_18K.
LUTROM_MAX_BITS = 16 * 1024
#: Resource strategy: hls4ml's dense_resource pipeline depth beyond the reuse-factor loop
#: (weight read, multiply, accumulate, output) -- hls4ml docs: latency ~ reuse_factor + a few.
RESOURCE_OVERHEAD_CYCLES = 3
#: io_stream: one cycle to read the input packet and one to write the output packet per layer.
STREAM_OVERHEAD_CYCLES = 2

BRAM18_BITS = 18 * 1024
KNOWN_STRATEGIES = ("latency", "resource", "distributed_arithmetic")
KNOWN_IO = ("io_parallel", "io_stream")
KNOWN_BACKENDS = ("vivado", "vitis")


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------
@dataclass
class LayerEstimate:
    """Cost of one layer. `estimated=False` means this layer is NOT priced (numbers are None)."""

    name: str
    kind: str
    LUT: float | None = 0.0
    FF: float | None = 0.0
    DSP: int | None = 0
    BRAM_18K: int | None = 0
    latency_cycles: int | None = 0
    ii: int | None = 1
    estimated: bool = True
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("LUT", "FF"):
            if d[k] is not None:
                d[k] = int(round(d[k]))
        return d


@dataclass
class ResourceEstimate:
    """Per-layer and total cost of a design, with the fit check against its part."""

    design: str
    part: str
    part_family: str
    backend: str
    strategy: str
    io_type: str
    clock_period_ns: float
    layers: list[LayerEstimate]
    total: dict[str, Any]
    capacities: dict[str, int]
    utilization_pct: dict[str, float]
    fits: bool | None  # None: unknown (the part's totals are not in the table, or the totals are a lower bound within them)
    warnings: list[str]
    source: str = "estimate"
    #: cost outside the layers, in the top function (the io_parallel input register); in `total`
    top: list[LayerEstimate] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "design": self.design,
            "total": self.total,
            "layers": {layer.name: layer.to_dict() for layer in self.layers},
            "top": {item.name: item.to_dict() for item in self.top},
            "part": self.part,
            "part_family": self.part_family,
            "capacities": self.capacities,
            "utilization_pct": self.utilization_pct,
            "fits": self.fits,
            "warnings": list(self.warnings),
            "backend": self.backend,
            "strategy": self.strategy,
            "io_type": self.io_type,
            "clock_period_ns": self.clock_period_ns,
            "source": self.source,
        }


# --------------------------------------------------------------------------------------------
# Arithmetic helpers
# --------------------------------------------------------------------------------------------
def csd_digits(k: int) -> int:
    """Non-zero digits of the canonical signed digit (non-adjacent) form of integer k.

    A constant with d such digits is d shifted copies of x added/subtracted: d-1 adders.
    """
    k = abs(int(k))
    n = 0
    while k:
        if k & 1:
            # choose +1 or -1 so that the next digit is zero
            digit = 2 - (k & 3)
            k -= digit
            n += 1
        k >>= 1
    return n


def _csd_vec(codes: np.ndarray) -> np.ndarray:
    """csd_digits over an integer array (via the unique values, so it stays fast)."""
    if codes.size == 0:
        return np.zeros(0, dtype=np.int64)
    uniq, inv = np.unique(np.abs(codes), return_inverse=True)
    table = np.array([csd_digits(int(u)) for u in uniq], dtype=np.int64)
    return table[inv].reshape(codes.shape)


def _bit_length(a: np.ndarray) -> np.ndarray:
    """Bit length of non-negative integers (0 -> 0)."""
    out = np.zeros(a.shape, dtype=np.int64)
    nzm = a > 0
    out[nzm] = np.floor(np.log2(a[nzm].astype(np.float64))).astype(np.int64) + 1
    return out


def _odd_part(a: np.ndarray) -> np.ndarray:
    """|k| with its trailing zero bits removed (the shift is free wiring)."""
    a = np.abs(a).astype(np.int64)
    low = a & -a
    out = np.zeros_like(a)
    nzm = a > 0
    out[nzm] = a[nzm] // low[nzm]
    return out


def dsp_per_product(a_bits: int, b_bits: int, part: Part) -> int:
    """DSP slices for one a x b signed product (DSP48E2 27x18, DSP48E1 25x18)."""
    big, small = part.dsp_widths
    a, b = max(a_bits, b_bits), min(a_bits, b_bits)
    if a <= big and b <= small:
        return 1
    # split the wider operand into 'big'-1 (unsigned) chunks and the narrower into 'small'-1
    return math.ceil((a - 1) / (big - 1)) * math.ceil((b - 1) / (small - 1))


def variable_product_in_dsp(a: FixedType, b: FixedType, *, vivado_7series: bool = False) -> bool:
    """Whether HLS puts a product of two variables of these types in a DSP48 (DSP_MIN_VARIABLE_BITS).

    Vivado HLS on a 7-series part (DSP48E1) asks more, the constant-product rule (the wider operand
    >= DSP_MIN_BITS, the narrower >= DSP_MIN_WEIGHT_BITS): its Resource-strategy reports put 16s x 6s
    products in DSPs but 14s x 5s, 6s x 6s (kendermag, Vivado HLS 2019.1, xc7z020) and 7s x 7s
    (nicologhielmetti/hls4ml-pynq @ 2d112c2, Vivado HLS 2019.2, xc7z020) in fabric, where Vivado
    HLS on UltraScale+ (PokerML: 6u x 6s) and Vitis on the 7-series (yvsim: 6u x 6s) use DSPs."""
    sa, sb = sorted(t.width + (0 if t.signed else 1) for t in (a, b))
    if vivado_7series:
        return sa >= DSP_MIN_WEIGHT_BITS and sb >= DSP_MIN_BITS
    return sa >= DSP_MIN_VARIABLE_BITS and sb > DSP_MIN_VARIABLE_BITS


def t_add_ns(width: int) -> float:
    return T_ADD_BASE_NS + T_ADD_PER_BIT_NS * max(int(width), 1)


def kept_product_bits(d: DenseDesign) -> int | None:
    """Low bits of each integer product x*w that can reach a wrapping accumulator, or None (all).

    hls4ml casts every product to accum_t, which keeps bits up to 2^(integer-1) and wraps: the
    result is the product modulo 2^N, N = accumulator integer bits + input and weight fractional
    bits, which only the operands' low N bits decide. HLS narrows the multiplier to them: an
    ap_fixed<32,32> input times ap_fixed<18,4> weights into ap_fixed<18,4> is an 18 x 18 product,
    one DSP48E1 each (freaksie/ML-on-Chip @ 3e107a9, Vivado HLS 2018.3: 16 DSPs for 16 products).
    A saturating accumulator needs the high bits to detect overflow, so it keeps them all.
    """
    acc = d.accum_type
    if acc.saturation != "WRAP":
        return None
    n = acc.integer + d.input_type.frac + d.weight_type.frac
    return n if n < max(d.input_type.width, d.weight_type.width) else None


def _narrowed(bits: Any, kept: int | None) -> Any:
    """Operand widths as the multiplier sees them (kept_product_bits)."""
    return bits if kept is None else np.minimum(bits, max(kept, 1))


def _operand_widths(d: DenseDesign) -> tuple[int, int]:
    """Input and weight widths of a layer's multipliers (kept_product_bits narrows them)."""
    kept = kept_product_bits(d)
    return int(_narrowed(d.input_type.width, kept)), int(_narrowed(d.weight_type.width, kept))


def _weight_codes(d: DenseDesign) -> np.ndarray:
    """Integer codes of the weights on the weight type's grid (exact for a valid design)."""
    w = np.asarray(d.weights, dtype=np.float64)
    return np.rint(w / d.weight_type.lsb).astype(np.int64)


# --------------------------------------------------------------------------------------------
# Dense layers
# --------------------------------------------------------------------------------------------
def _term_widths(d: DenseDesign, codes: np.ndarray) -> np.ndarray:
    """Bits each addend really occupies in the accumulator: products and bias, as (n_in+1, n_out).

    A product x*w cast to the accumulator type spans from its top bit (|x|max*|w|) down to the
    accumulator LSB, or to the product's own LSB if that is higher (trailing zeros are free).
    Zero weights give width 0 (no addend).
    """
    acc = d.accum_type
    xmax = max(abs(d.input_type.min_value), abs(d.input_type.max_value))
    a = np.abs(codes).astype(np.float64)
    nzm = codes != 0
    tz = np.zeros(codes.shape, dtype=np.int64)
    ai = np.abs(codes)
    tz[nzm] = _bit_length((ai & -ai)[nzm]) - 1
    top = np.zeros(codes.shape)
    top[nzm] = np.ceil(np.log2(xmax * a[nzm] * d.weight_type.lsb + 1e-300))
    frac = np.minimum(acc.frac, d.input_type.frac + d.weight_type.frac - tz)
    w = np.where(nzm, np.clip(top + frac + 1, 1, acc.width), 0).astype(np.int64)
    b = np.asarray(d.bias, dtype=np.float64).reshape(1, -1)
    bw = np.zeros(b.shape, dtype=np.int64)
    bnz = b != 0
    if bnz.any():
        bw[bnz] = np.clip(np.ceil(np.log2(np.abs(b[bnz]) + 1e-300)) + acc.frac + 1, 1, acc.width).astype(np.int64)
    return np.vstack([w, bw])


def _tree_adder_bits(widths: np.ndarray, acc_w: int) -> float:
    """Total adder bits of balanced trees summing each column's non-zero-width addends.

    Addends are sorted so similar widths meet; every adder is one bit wider than its wider
    input, never wider than the accumulator.
    """
    cols = -np.sort(-widths, axis=0)  # widest first, zeros (absent) last
    total = 0.0
    while cols.shape[0] > 1:
        if cols.shape[0] % 2:
            cols = np.vstack([cols, np.zeros((1, cols.shape[1]), dtype=cols.dtype)])
        a, b = cols[0::2], cols[1::2]
        both = (a > 0) & (b > 0)
        summed = np.where(both, np.minimum(np.maximum(a, b) + 1, acc_w), a + b)
        total += float(summed[both].sum())
        cols = -np.sort(-summed, axis=0)
    return total


@dataclass
class _Ctx:
    part: Part
    period_ns: float
    strategy: str
    io_type: str
    backend: str
    softmax_impl: str = SOFTMAX_IMPLEMENTATIONS[0]
    #: hls4ml < 0.5 passed weights to a non-inlined dense function: HLS built generic multipliers
    #: (no constant folding) and only the ALLOCATION limit (n_in*n_out - n_zeros) removed zeros
    legacy_weights: bool = False
    #: fraction of the period HLS keeps out of scheduling (the design's clock uncertainty)
    uncertainty: float = CLOCK_UNCERTAINTY
    #: hls4ml 1.x templates (a dense kernel called through its config's `kernel` alias)
    templates_1x: bool = True

    @property
    def vivado_7series(self) -> bool:
        """Vivado HLS on a DSP48E1 part, whose DSP mapping of variable products is its own."""
        return self.backend == "vivado" and self.part.dsp == "DSP48E1"

    @property
    def t_eff(self) -> float:
        """Usable ns per cycle, in units of the reference family's (UltraScale+ -2) delays."""
        return self.period_ns * (1.0 - self.uncertainty) / self.part.speed


def clock_uncertainty_fraction(value: Any, period_ns: float, backend: str) -> float:
    """The design's clock uncertainty as a share of the period; None or "" is the (normalised)
    backend's default (hls4ml 1.x: Vivado 12.5 %, Vitis 27 %)."""
    if value is None or str(value).strip() == "":
        return CLOCK_UNCERTAINTY_VITIS if backend == "vitis" else CLOCK_UNCERTAINTY
    share = clock_uncertainty_share(value, period_ns)
    if share is None:
        raise ConfigError(f"clock uncertainty '{value}' is not a share of the {period_ns} ns period below 100 %",
                          where="design.clock_uncertainty",
                          fix="give a percentage like '12.5%' or a time in ns like '0.62', less than the clock period")
    return share


def _adder_schedule(terms: np.ndarray, acc_w: int, result_w: int, t_first: float,
                    ctx: _Ctx) -> tuple[int, float, float]:
    """Cycles, pipeline-register bits and last-cycle slack (ns) of per-output adder trees.

    HLS chains the products (ready after `t_first` ns, which may span several cycles) and as many
    whole adder levels as fit into each cycle: an adder is not split across a boundary, so the
    critical path advances floor(budget / t_add) levels a cycle. Whatever is alive at a boundary
    is registered: the partial sums mid-tree (accumulator width), the layer output at the end.
    The register count follows the average output, whose narrower early adders finish sooner,
    so it advances by the fractional budget / t_add (what the registered partial-sum counts in
    the reports follow, e.g. ~5.6 of 65 addends per output at 4.375 ns).
    """
    terms = terms[terms > 0].astype(np.float64)
    if terms.size == 0:
        return 0, 0.0, ctx.t_eff
    depth = float(log2_ceil(int(terms.max())))
    ta = t_add_ns(acc_w)
    full = int(t_first // ctx.t_eff)
    budget = ctx.t_eff - (t_first - full * ctx.t_eff)
    cycles, done, done_ff, ff = full, 0, 0.0, 0.0
    while True:
        cycles += 1
        can = math.floor(budget / ta + 1e-9)
        if can == 0 and budget >= ctx.t_eff - 1e-9:
            # an adder slower than a whole cycle (fast clock, slow part): a multi-cycle operation
            can, cycles = 1, cycles + math.ceil(ta / ctx.t_eff - 1e-9) - 1
        if done + can >= depth - 1e-9 or cycles > 256:
            return cycles, ff + terms.size * result_w, max(0.0, budget - (depth - done) * ta)
        done += can
        done_ff += budget / ta
        ff += float(np.maximum(terms / 2.0**done_ff, 1.0).sum()) * acc_w
        budget = ctx.t_eff


def _chain_cycles(segments: list[tuple[float, int, int]], ctx: _Ctx) -> int:
    """Cycles of a chain of operations: (delay ns of one op, ops in sequence, registers after).

    HLS chains whole operations into a cycle while they fit; an operation never straddles a
    boundary unless it is longer than a cycle (a multi-cycle DSP product, which starts on a
    boundary). `registers` > 0 forces that many boundaries after the segment (a ROM read). The
    result is registered at the end.
    """
    cycles, t = 0, 0.0
    for delay, count, regs in segments:
        for _ in range(count):
            if delay > ctx.t_eff:
                cycles += (1 if t > 0 else 0) + int(delay // ctx.t_eff)
                t = delay - int(delay // ctx.t_eff) * ctx.t_eff
            elif t + delay > ctx.t_eff + 1e-9:
                cycles, t = cycles + 1, delay
            else:
                t += delay
        if regs:
            cycles, t = cycles + regs, 0.0
    return cycles + (1 if t > 0 else 0)


def _adder_trees(d: DenseDesign, nz: np.ndarray) -> tuple[np.ndarray, float]:
    """Addends per output (non-zero products + non-zero bias) and the LUTs of their adder trees.

    hls4ml accumulates in accum_t and HLS keeps the declared width, which is why the flow chooses
    the narrowest exact accumulator.
    """
    bias = np.asarray(d.bias, dtype=np.float64).reshape(-1)
    terms = nz.sum(axis=0).astype(np.int64) + (bias != 0).astype(np.int64)
    return terms, float(LUT_PER_ADDER_BIT * d.accum_type.width * np.clip(terms - 1, 0, None).sum())


def _dense_latency(d: DenseDesign, ctx: _Ctx) -> LayerEstimate:
    """hls4ml dense_latency: fully unrolled, constant weights propagated into the logic."""
    if ctx.legacy_weights:
        return _dense_legacy(d, ctx)
    codes = _weight_codes(d)
    x_bits = d.input_type.width
    # each product's data operand: the input's own width where they differ (HGQ), else the type's
    xb = np.broadcast_to(np.asarray(d.input_widths, dtype=np.int64).reshape(-1, 1) if d.input_widths is not None
                         else np.int64(x_bits), codes.shape)
    acc_w = d.accum_type.width
    nz = (codes != 0) & (xb > 0)  # an input cast to no bits at all (pruned) multiplies nothing
    odd = _odd_part(codes)
    sig_bits = _bit_length(np.abs(codes)) + 1  # width of the constant operand HLS sees, with sign
    kept = kept_product_bits(d)
    xb, sig_bits = _narrowed(xb, kept), _narrowed(sig_bits, kept)
    x_bits = int(_narrowed(x_bits, kept))
    pow2 = nz & (odd == 1)
    csd = _csd_vec(codes)
    if ctx.backend == "vitis":
        wide = nz & ~pow2 & (csd >= VITIS_DSP_MIN_CSD) & (xb >= DSP_MIN_BITS)
    else:
        wide = nz & ~pow2 & (sig_bits >= DSP_MIN_WEIGHT_BITS) & (xb >= DSP_MIN_BITS)
    lutm = nz & ~pow2 & ~wide

    n_dsp_mult = int(wide.sum())
    dsp = 0
    # DSPs: count per distinct pair of operand widths (fast even for big layers)
    if n_dsp_mult:
        pairs, counts = np.unique(np.stack([xb[wide], sig_bits[wide]]), axis=1, return_counts=True)
        dsp = int(sum(dsp_per_product(int(a), int(b), ctx.part) * int(c) for (a, b), c in zip(pairs.T, counts)))
    # constant multipliers in LUTs: (csd-1) adders as wide as x plus the constant's span
    lut_mult = float(LUT_PER_ADDER_BIT * np.sum((csd[lutm] - 1) * (xb[lutm] + _bit_length(odd[lutm]))))
    # Vivado HLS negates a product by a negative power of two on its own (`0 - x` at the shifted
    # width: 28/17/20/47 such `sub` rows in four dense-module Expression tables, tanvirana/
    # heterogeneous-hls4ml-testing @ 7894370 and Hector-Plata/hls4ml-tutorial @ 4ac4f07) instead
    # of subtracting it in the tree; a shift, not a multiplier, but not free
    lut_negate = 0.0
    if ctx.backend == "vivado":
        negated = pow2 & (codes < 0)
        lut_negate = float(LUT_PER_ADDER_BIT * np.sum(xb[negated] + _bit_length(np.abs(codes[negated]))))
    if d.input_widths is not None and nz.any():
        x_bits = int(xb[nz].max())  # the widest operand left sets the timing below
    # adder trees at the declared accumulator width; `adder_bits_narrowed` is the range-narrowed
    # lower bound, reported for information
    terms, lut_add = _adder_trees(d, nz)
    narrowed = _tree_adder_bits(_term_widths(d, codes), acc_w)

    rf = max(int(d.reuse_factor), 1)
    max_csd = int(csd[lutm].max()) if lutm.any() else 1
    t_lut_mult = log2_ceil(max_csd) * t_add_ns(x_bits + 8) if lutm.any() else 0.0
    t_first = max(T_DSP_NS if n_dsp_mult else 0.0, t_lut_mult)
    latency, ff, slack = _adder_schedule(terms, acc_w, d.result_type.width, t_first, ctx)  # products included
    mult_cycles = int(t_first // ctx.t_eff)
    if mult_cycles:
        # a product that takes several cycles is registered at every boundary it crosses: the
        # DSP's own M/P registers hold one stage, the rest sit in fabric at full product width;
        # LUT products wait for them in registers at accumulator width
        if n_dsp_mult and mult_cycles > 1:
            ff += float(n_dsp_mult) * (x_bits + int(np.max(sig_bits[wide]))) * (mult_cycles - 1)
        ff += float((nz & ~wide).sum()) * acc_w * mult_cycles
    ii = 1
    mux_lut = 0.0
    note = ""
    shared = 1
    if rf > 1:
        # hls4ml: PIPELINE II=rf + ALLOCATION limit=multiplier_limit on 'mul' operations, where
        # multiplier_limit = ceil(n_in*n_out/rf) - n_zeros/rf (hls4ml's dense config). HLS folds the
        # LUT-sized constant products into shift-add logic before allocation, so only the products
        # that would otherwise occupy DSPs are shared: DSP = min(RF-1 count, limit) per layer. This
        # reproduces the published reports exactly where they show it (RF 2 and 4 of the tutorial
        # MLP: 512/1024/512/80 DSPs per layer; 16/64/32/32 on xc7z020: 133 + 5 softmax).
        limit, shared, ii, delay = _shared_multipliers(d, nz, wide, n_dsp_mult, rf, terms, ctx)
        latency += delay
        if shared > 1:
            per = max(1, dsp_per_product(x_bits, d.weight_type.width, ctx.part))
            dsp = min(dsp, limit * per)
            # each shared multiplier selects its input among `shared` candidates (a LUT6 is a 4:1
            # mux per bit); the constant weight's selection folds into the same logic
            mux_lut = limit * _mux_lut(shared, x_bits)
            if ctx.io_type == "io_stream":
                # streamed, the kernel runs its shared products over consecutive cycles (the pixel
                # interval is the sharing's, see _conv) and each product waits in a register at
                # accumulator width for the tree: MNIST CNN at RF 16, conv 0.9k -> 5.2k FF, dense
                # 0.3k -> 5.0k in its reports (io_parallel MLPs at RF > 1 show no such registers)
                ff += float(n_dsp_mult) * acc_w
        note = ("Latency strategy with reuse_factor>1: DSP products shared under hls4ml's multiplier_limit "
                f"({limit}); LUT-sized constant products are not shared")
    lut = lut_mult + lut_negate + lut_add + mux_lut
    return LayerEstimate(
        d.name,
        "dense",
        LUT=lut,
        FF=ff,
        DSP=dsp,
        BRAM_18K=0,
        latency_cycles=latency,
        ii=ii,
        note=note,
        detail={
            "n_weights": int(codes.size),
            "n_zero": int((~nz).sum()),
            "n_shift": int(pow2.sum()),
            "n_dsp_mult": n_dsp_mult,
            "n_lut_mult": int(lutm.sum()),
            "lut_mult": round(lut_mult, 1),
            "lut_negate": round(lut_negate, 1),
            "lut_adders": round(lut_add, 1),
            "adder_bits_narrowed": round(narrowed, 1),
            "lut_mux": round(mux_lut, 1),
            "products_per_multiplier": shared,
            "accum_width": acc_w,
            "input_width": x_bits,
            "mult_cycles": mult_cycles,
            "adder_cycles": latency - mult_cycles,
            "slack_ns": round(slack, 3),
        },
    )


def _tree_levels(n: np.ndarray) -> np.ndarray:
    """Adder levels of a balanced tree over n addends, element-wise (0 for n <= 1)."""
    return np.ceil(np.log2(np.maximum(n, 1.0)) - 1e-9)


def _sharing_delay(terms: np.ndarray, wide: np.ndarray, steps: int, n_dsp_mult: int, limit: int, acc_w: int,
                   ctx: _Ctx) -> int:
    """Extra cycles when each shared multiplier serves `steps` products in consecutive cycles.

    Batch j (at most `limit` DSP products; the LUT products all go with batch 0) is issued j cycles
    after the first. HLS balances the adder tree by arrival time: a late batch sums its own few
    products in a shallower subtree and joins the rest with one more level, so the delay costs only
    what the early subtree's extra depth does not hide. With one adder level per cycle (xc7z020) a
    2-way share is free -- the RF 2 reports show instance latencies equal to RF 1's -- while a
    fast part, many levels a cycle, pays about a cycle per extra batch.
    """
    if steps <= 1 or n_dsp_mult == 0 or terms.size == 0:
        return 0
    lam = max(1, math.floor(ctx.t_eff / t_add_ns(acc_w) + 1e-9))  # adder levels in a full cycle
    dsp_out = wide.sum(axis=0).astype(np.float64)
    frac = np.array([min(limit, max(0, n_dsp_mult - j * limit)) / n_dsp_mult for j in range(1, steps)])
    late = np.ceil(np.outer(dsp_out, frac) - 1e-9)  # products per output in batches 1..steps-1
    early = np.maximum(1.0, terms - late.sum(axis=1))
    late_depth = np.where(late > 0, np.arange(1, steps) * lam + _tree_levels(late), -np.inf)
    depth = np.maximum(_tree_levels(early), late_depth.max(axis=1, initial=-np.inf))
    finish = int((depth + (late > 0).any(axis=1)).max())
    extra_levels = finish - log2_ceil(int(max(1, terms.max())))
    return int(min(steps - 1, max(0, math.ceil(extra_levels / lam))))


def _multiplier_limit(d: DenseDesign, nz: np.ndarray, rf: int) -> int:
    """hls4ml's dense `multiplier_limit` = ceil(n_in*n_out/rf) - floor(n_zeros/rf), the ALLOCATION
    limit on 'mul' operations it writes with PIPELINE II=rf (every version since the first).
    A normalize (batch norm) has one product per element: nnet_batchnorm.h's DIV_ROUNDUP(n_in, rf),
    here for one position's channels."""
    if isinstance(d, NormalizeDesign):
        return max(1, math.ceil(d.weights.shape[0] / rf))
    n_zero = int((~nz).sum()) if d.n_zeros is None else int(d.n_zeros)
    return max(1, math.ceil(nz.size / rf) - n_zero // rf)


def _shared_multipliers(d: DenseDesign, nz: np.ndarray, mults: np.ndarray, n_mult: int, rf: int,
                        terms: np.ndarray, ctx: _Ctx) -> tuple[int, int, int, int]:
    """(multiplier_limit, products per multiplier, II, extra cycles) when the `mults` products of a
    dense layer share hls4ml's multiplier_limit at reuse factor `rf` (dense_latency's
    `PIPELINE II=reuse_factor` + `ALLOCATION mul limit=multiplier_limit`)."""
    limit = _multiplier_limit(d, nz, rf)
    shared = max(1, math.ceil(n_mult / limit)) if n_mult else 1
    steps = min(shared, rf)
    # the II is the PIPELINE II=reuse_factor hls4ml writes, met even when nothing needs sharing
    # (HLS does not schedule a pipeline faster than its target); the sharing only adds latency
    return limit, shared, rf, _sharing_delay(terms, mults, steps, n_mult, limit, d.accum_type.width, ctx)


def legacy_dense(hls4ml_version: Any) -> bool:
    """hls4ml < 0.5 passed the weights to a non-inlined dense function (no constant folding)."""
    return _version_below(hls4ml_version, (0, 5))


def _version_below(version: Any, ref: tuple[int, int]) -> bool:
    """'0.3.0' (or 'v0.3.0') < (0, 5) -> True; unknown or missing versions ('main', a commit) count as current."""
    m = re.match(r"^\s*v?(\d+)\.(\d+)", str(version or ""), re.IGNORECASE)
    return bool(m) and (int(m.group(1)), int(m.group(2))) < ref


def _dense_legacy(d: DenseDesign, ctx: _Ctx) -> LayerEstimate:
    """hls4ml < 0.5 dense_latency: one generic multiplier per non-zero weight, nothing folded."""
    codes = _weight_codes(d)
    nz = codes != 0
    n_mult = int(nz.sum())
    (x_bits, w_bits), acc_w = _operand_widths(d), d.accum_type.width
    big, small = max(x_bits, w_bits), min(x_bits, w_bits)
    use_dsp = big >= DSP_MIN_BITS and small >= DSP_MIN_WEIGHT_BITS
    dsp = n_mult * dsp_per_product(x_bits, w_bits, ctx.part) if use_dsp else 0
    lut_mult = 0.0 if use_dsp else n_mult * LUT_PER_PP_BIT * x_bits * w_bits
    terms, lut_add = _adder_trees(d, nz)
    # a generic (non-constant) multiplier computes the full-width product: slower than a constant
    # one (LEGACY_MUL_FACTOR); when it spans a cycle boundary its core output is registered
    t_mult = (T_DSP_NS * LEGACY_MUL_FACTOR if use_dsp else log2_ceil(max(small, 2)) * t_add_ns(big))
    t_first = t_mult if n_mult else 0.0
    cycles, ff, slack = _adder_schedule(terms, acc_w, d.result_type.width, t_first, ctx)
    ff += float(n_mult) * (x_bits + w_bits) * int(t_first // ctx.t_eff)
    note = "hls4ml < 0.5 dense: generic multipliers, no constant folding"
    rf = max(int(d.reuse_factor), 1)
    ii, mux_lut, limit = 1, 0.0, None
    if rf > 1 and n_mult:
        # the same multiplier_limit as today's dense_latency, but nothing is folded, so every
        # product is a 'mul' under the limit: the generic multipliers themselves are shared, each
        # selecting both operands (data and weight are variables here) among `shared` candidates
        limit, shared, ii, delay = _shared_multipliers(d, nz, nz, n_mult, rf, terms, ctx)
        cycles += delay
        if shared > 1:
            dsp = limit * dsp_per_product(x_bits, w_bits, ctx.part) if use_dsp else 0
            lut_mult *= limit / n_mult
            mux_lut = limit * (x_bits + w_bits) * (shared - 1) / 3.0
        note += f"; reuse_factor {rf}: multipliers shared under hls4ml's multiplier_limit ({limit})"
    return LayerEstimate(d.name, "dense", LUT=lut_mult + lut_add + mux_lut, FF=ff, DSP=dsp, BRAM_18K=0,
                         latency_cycles=cycles, ii=ii, note=note,
                         detail={"n_mult": n_mult, "mult_in_dsp": use_dsp, "lut_mult": round(lut_mult, 1),
                                 "lut_adders": round(lut_add, 1), "lut_mux": round(mux_lut, 1),
                                 "multiplier_limit": limit, "slack_ns": round(slack, 3)})


def _dense_resource(d: DenseDesign, ctx: _Ctx) -> LayerEstimate:
    """hls4ml dense_resource: n_in*n_out/RF multipliers, each reused RF times; weights in a ROM.

    Weights are read from memory, not propagated as constants, so zeros and powers of two save
    nothing here and the multiplier width is the weight *type* width.
    """
    rf = max(int(d.reuse_factor), 1)
    if rf == 1:
        est = _dense_latency(d, ctx)
        est.note = "Resource strategy with reuse_factor=1 behaves like Latency (constants propagated)"
        return est
    n_w = d.n_in * d.n_out
    block = math.ceil(n_w / rf)
    (x_bits, w_bits), acc_w = _operand_widths(d), d.accum_type.width
    # hls4ml builds QKeras' power-of-two, ternary and binary kernels as shift/negation products
    # (weight_exponential, weight_ternary, weight_binary), never a multiplier
    nzc = _weight_codes(d)
    nzc = nzc[nzc != 0]
    shifts = nzc.size > 0 and bool(np.all(_odd_part(nzc) == 1))
    use_dsp = not shifts and variable_product_in_dsp(replace(d.input_type, width=x_bits),
                                                     replace(d.weight_type, width=w_bits), vivado_7series=ctx.vivado_7series)
    dsp = block * dsp_per_product(x_bits, w_bits, ctx.part) if use_dsp else 0
    lut_mult = 0.0 if use_dsp else block * LUT_PER_PP_BIT * x_bits * w_bits
    # weight ROM: depth rf, width block*w_bits
    rom_bits = rf * block * w_bits
    if rom_bits > LUTROM_MAX_BITS or rf > 64:
        bram = math.ceil(block * w_bits / 36) * math.ceil(rf / 512)
        lut_rom = 0.0
    else:
        bram = 0
        lut_rom = block * w_bits * math.ceil(rf / 64)
    # each multiplier selects one of min(rf, n_in) inputs, and adds into one of the accumulators
    n_sel = min(rf, d.n_in)
    lut_mux = block * x_bits * max(n_sel - 1, 0) / 3.0
    lut_acc = block * acc_w * LUT_PER_ADDER_BIT
    lut_ctrl = 30 + 2 * log2_ceil(rf)
    ff = d.n_out * acc_w + block * acc_w + d.n_out * d.result_type.width + 2 * log2_ceil(rf) + 10
    latency = rf + RESOURCE_OVERHEAD_CYCLES
    return LayerEstimate(
        d.name,
        "dense",
        LUT=lut_mult + lut_rom + lut_mux + lut_acc + lut_ctrl,
        FF=ff,
        DSP=dsp,
        BRAM_18K=bram,
        latency_cycles=latency,
        ii=rf,
        detail={
            "n_weights": n_w,
            "multipliers": block,
            "mult_in_dsp": use_dsp,
            "lut_mult": round(lut_mult, 1),
            "lut_rom": round(lut_rom, 1),
            "lut_mux": round(lut_mux, 1),
            "lut_acc": round(lut_acc, 1),
            "rom_bits": rom_bits,
        },
    )


# --------------------------------------------------------------------------------------------
# Convolutions and pooling
# --------------------------------------------------------------------------------------------
#: io_stream line-buffer layers keep four 32-bit `static int` position/stride counters with their
#: compare-and-increment logic (nnet_conv_stream.h, nnet_pooling_stream.h): 4 x 32 FF and about
#: as many LUTs as bits. Read off the source, not calibrated (bench/bench_resources_cnn.py shows
#: the per-instance reports they are compared with).
STREAM_COUNTER_FF = 4 * 32
STREAM_COUNTER_LUT = 4 * 32


def _mux_lut(inputs: int, width: int) -> float:
    """LUTs of an `inputs`:1 multiplexer `width` bits wide (a LUT6 is a 4:1 mux per bit), the same
    rule as the reuse-factor sharing's operand selection."""
    return width * max(inputs - 1, 0) / 3.0


def _shift_register_lut(depth: int, width: int, copies: int) -> float:
    """ap_shift_reg line buffers: SRLC32E shift registers, one LUT per bit per 32 entries."""
    return float(copies * width * math.ceil(max(depth, 1) / 32))


def _window_items(in_w: int, k_h: int, k_w: int, out_h: int, out_w: int, s_h: int, s_w: int) -> tuple[int, int]:
    """Input pixels (row by row, `in_w` a row) that complete a line-buffer layer's first window and
    its last one: a stride that leaves the last rows or columns unused finishes before the input."""
    return (k_h - 1) * in_w + k_w, ((out_h - 1) * s_h + k_h - 1) * in_w + (out_w - 1) * s_w + k_w


def _weight_layer(d: DenseDesign, strategy: str, ctx: _Ctx) -> LayerEstimate:
    """A dense layer (or a convolution's kernel) in the strategy hls4ml builds it with."""
    if strategy == "distributed_arithmetic":
        return _dense_da(d, ctx)
    if strategy == "resource":
        return _dense_resource(d, ctx)
    return _dense_latency(d, ctx)


#: Vitis HLS, io_stream line-buffer layers: the pixel loop's interval for pooling, whose window
#: loads wait for the line-buffer shift's state (HLS 200-880; 2 in all three Vitis pooling reports)
VITIS_POOL_ITEM_II = 2


def _vitis_window_interval(ii_item: int, kernel_cycles: int) -> int:
    """Pixel interval of a Vitis HLS io_stream 2-D convolution, Latency strategy.

    hls4ml keeps the window in static registers that `shift_line_buffer` (its own module: it
    carries a PIPELINE pragma) writes and the kernel (`dense_latency`, another module) reads;
    Vitis HLS does not overlap one pixel's kernel with the next pixel's shift ("Unable to enforce
    a carried dependence constraint" between the two calls, HLS 200-880), so a pixel takes the
    shift's state plus the kernel's states, its `kernel_cycles` (output registered): read off two
    public Vitis 2023.2/2024.2 projects' schedules, 3, 3 and 6 cycles a pixel for kernels of 2, 2
    and 4 states (5 in the caller's schedule), both hls4ml 1.0. Vivado HLS overlaps them (one pixel
    a cycle at 5 ns in the SVHN and MNIST reports), and so does Vitis HLS 2022.1 on a project of
    hls4ml's older templates (a public AlexNet, read blind: 1160 cycles for 1156 pixels), so the rule
    holds for 1.x templates only. The 1-D shift is inlined; no Vitis report of it was read."""
    return max(ii_item, kernel_cycles + 1)


def _conv(c: ConvDesign, strategy: str, ctx: _Ctx) -> LayerEstimate:
    """hls4ml's convolution: its per-position dense kernel, priced from the real weights as a dense
    layer, plus how the positions reach it.

    io_parallel (conv_1d/2d_latency_cl and _resource_cl): the output positions are split into
    n_partitions = positions / ParallelizationFactor iterations of a loop pipelined at II = reuse
    factor (Resource: not pipelined, each iteration runs the reuse loop); each iteration's im2col
    `fill_buffer` picks the window out of the whole input, a mux over the partitions per buffer
    element, and the outputs are held in registers until the layer returns.
    io_stream (conv_1d/2d_buffer_cl): each input pixel shifts the line buffers (filt_height - 1
    rows of ap_shift_reg) and the window registers; a full window runs the kernel.
    """
    k = _weight_layer(c.kernel(), strategy, ctx)
    if not k.estimated:
        return LayerEstimate(c.name, "conv", None, None, None, None, None, None, estimated=False, note=k.note)
    pf = max(1, int(c.parallelization_factor))
    n_in = c.n_in
    x_w, r_w = c.input_type.width, c.result_type.width
    rf = max(1, int(c.reuse_factor))
    detail: dict[str, Any] = {"kernel": {"LUT": round(k.LUT or 0.0, 1), "FF": round(k.FF or 0.0, 1), "DSP": k.DSP,
                                         "BRAM_18K": k.BRAM_18K, "latency_cycles": k.latency_cycles, "ii": k.ii,
                                         **{key: v for key, v in k.detail.items() if key != "slack_ns"}},
                              "positions": c.positions, "kernel_inputs": n_in, "parallelization_factor": pf}
    if ctx.io_type == "io_stream":
        in_h = c.in_height + c.pad_top + c.pad_bottom
        in_w = c.in_width + c.pad_left + c.pad_right
        items = in_h * in_w
        window_items, last_items = _window_items(in_w, c.filt_height, c.filt_width, c.out_height, c.out_width,
                                                 c.stride_height, c.stride_width)
        lut = (k.LUT or 0.0) + _shift_register_lut(in_w, x_w, (c.filt_height - 1) * c.n_chan) + STREAM_COUNTER_LUT
        ff = (k.FF or 0.0) + n_in * x_w + STREAM_COUNTER_FF
        depth = (k.latency_cycles or 0) + 1  # the shift, then the kernel
        if strategy == "resource":
            # not pipelined: two cycles a pixel, and the whole kernel at every full window
            ii_item = math.ceil((2 * items + c.positions * (k.latency_cycles or 0)) / items)
        else:
            # the PIPELINE II=reuse_factor pragma sits in an `if` block, not on the pixel loop, so
            # the reports' pixel interval is what the sharing needs: products per multiplier
            # (MNIST CNN at RF 16: 16 and 12-13 cycles a pixel, not 16 and 16)
            ii_item = max(1, int(k.detail.get("products_per_multiplier", 1))) if rf > 1 else 1
            if ctx.backend == "vitis" and ctx.templates_1x:
                # hls4ml 1.x's Vitis templates put `PIPELINE II=reuse_factor` on the pixel loop itself
                ii_item = max(ii_item, rf)
                if c.filt_height > 1:
                    ii_item = _vitis_window_interval(ii_item, int(k.latency_cycles or 0))
        detail["stream"] = {"items_in": items, "items_out": c.positions, "window_items": window_items,
                            "last_window_items": last_items, "ii_per_item": ii_item, "depth": depth}
        return LayerEstimate(c.name, "conv", LUT=lut, FF=ff, DSP=k.DSP, BRAM_18K=k.BRAM_18K,
                             latency_cycles=(items - 1) * ii_item + depth, ii=items * ii_item, note=k.note, detail=detail)
    n_part = math.ceil(c.positions / pf)
    lut_fill = pf * n_in * _mux_lut(n_part, x_w)
    # the outputs: every position's n_filt results registered, written at their partition
    ff_out = float(c.positions * c.n_out * r_w)
    lut = pf * (k.LUT or 0.0) + lut_fill + n_part  # one write-enable decode per partition
    ff = pf * (k.FF or 0.0) + pf * n_in * x_w + ff_out
    if strategy == "resource":
        per = (k.latency_cycles or 0) + 1
        lat = n_part * per
        ii = lat
    else:
        ii_part = max(rf, int(k.ii or 1))
        lat = (n_part - 1) * ii_part + (k.latency_cycles or 0) + 1  # + the fill_buffer stage
        ii = n_part * ii_part
    detail.update({"n_partitions": n_part, "lut_fill_buffer": round(lut_fill, 1), "ff_outputs": ff_out})
    return LayerEstimate(c.name, "conv", LUT=lut, FF=ff, DSP=pf * int(k.DSP or 0), BRAM_18K=pf * int(k.BRAM_18K or 0),
                         latency_cycles=lat, ii=ii, note=k.note, detail=detail)


def _normalize(n: NormalizeDesign, ctx: _Ctx) -> LayerEstimate:
    """hls4ml's normalize: one function for every strategy, pipelined at II = reuse factor with
    ceil(n_in / RF) multipliers, i.e. the latency dense model of its diagonal. io_parallel computes
    every position at once (the one-position hardware times the positions); io_stream one position
    (pixel) per stream item through the hardware of one."""
    est = _dense_latency(n, ctx)
    if n.positions > 1 and est.estimated:
        if ctx.io_type == "io_stream":
            _per_position(est, n.positions)
        else:
            est.LUT, est.FF = (est.LUT or 0.0) * n.positions, (est.FF or 0.0) * n.positions
            est.DSP, est.BRAM_18K = int(est.DSP or 0) * n.positions, int(est.BRAM_18K or 0) * n.positions
        est.detail["positions"] = n.positions
    return est


def _resize(r: ResizeDesign, ctx: _Ctx) -> LayerEstimate:
    """hls4ml's resize_nearest (UpSampling): no arithmetic. io_parallel: constant indices, i.e.
    wiring inside the pipeline (free, no cycle). io_stream (nnet_image_stream.h): one input row
    held in registers, then written out height_factor x width_factor times: an item in, that many
    items out."""
    if ctx.io_type != "io_stream":
        return LayerEstimate(r.name, "resize", LUT=0.0, FF=0.0, DSP=0, BRAM_18K=0, latency_cycles=0, ii=1,
                             detail={"wiring": True})
    items_in = r.in_height * r.in_width
    ratio = max(1, r.positions // max(1, items_in))
    detail = {"stream": {"items_in": items_in, "items_out": r.positions, "window_items": r.in_width,
                         "ii_per_item": ratio, "depth": 1}}
    # each output value picks its column of the held row: an in_width-way mux per bit
    return LayerEstimate(r.name, "resize", LUT=STREAM_COUNTER_LUT + r.n_chan * _mux_lut(r.in_width, r.input_type.width),
                         FF=float(r.in_width * r.n_chan * r.input_type.width + STREAM_COUNTER_FF), DSP=0, BRAM_18K=0,
                         latency_cycles=items_in * ratio, ii=items_in * ratio, detail=detail)


def _pool(p: PoolDesign, ctx: _Ctx) -> LayerEstimate:
    """Max pooling: a compare-and-select per window element; average pooling: an adder tree and a
    division by the window size.

    io_parallel (pooling1d/2d_cl): every window at once in one function pipelined at II = reuse
    factor, its outputs registered; the maximum is hls4ml's max(), a chain of compare-selects.
    io_stream (pooling2d_buffer_cl / pooling1d_buffer_cl): line buffers and window registers as a
    convolution's, one `reduce` tree per channel, one pixel a cycle (two on Vitis HLS, whose
    window loads wait for the line-buffer shift, see `_vitis_window_interval`); a global pooling
    keeps a running maximum or sum per channel.
    """
    x_w = p.input_type.width
    w = (p.accum_type or p.input_type).width  # the window is cast to accum_t, compared there
    r_w = (p.result_type or p.input_type).width
    k = p.pool_height * p.pool_width
    levels = log2_ceil(k)
    if p.op == "average":
        # hls4ml's avg(): a sum in accum_t, then `y /= length` -- a division by a constant, which
        # HLS builds as a multiplication by its reciprocal (shift-adds, one per non-zero digit)
        # unless the length is a power of two (a shift)
        lut_max2 = w * LUT_PER_ADDER_BIT
        recip = 0 if k & (k - 1) == 0 else csd_digits(round(2.0 ** (w + levels) / k))
        lut_div = recip * (w + levels) * LUT_PER_ADDER_BIT
        segments = [(t_add_ns(w), levels, 0), (t_add_ns(w + levels), log2_ceil(max(recip, 1)), 0)]
    else:
        # a max of two: a carry-chain compare plus a select as wide as the value (the relu's mux).
        # io_stream reduces the window with hls4ml's reduce(), a tree; io_parallel with its max(),
        # `y = x[i] > y ? x[i] : y` in a loop: k - 1 compare-selects in series, which HLS does not
        # rebalance into a tree (a global pooling over 128 positions is 44 cycles in its report)
        lut_max2 = w * (LUT_PER_ADDER_BIT + RELU_LUT_PER_IN_BIT)
        lut_div = 0.0
        segments = [(t_add_ns(w) + T_ADD_BASE_NS, levels if ctx.io_type == "io_stream" else k - 1, 0)]
    depth = max(1, _chain_cycles(segments, ctx))
    detail: dict[str, Any] = {"pool": k, "op": p.op, "positions": p.positions, "tree_levels": levels}
    if p.out_height * p.out_width == 1 and k == p.in_height * p.in_width and ctx.io_type == "io_stream":
        # global pooling, streamed: one running max/sum per channel, updated once a pixel
        lut = p.n_chan * (lut_max2 + lut_div) + STREAM_COUNTER_LUT
        ff = float(p.n_chan * (w + r_w) + STREAM_COUNTER_FF)
        detail["stream"] = {"items_in": k, "items_out": 1, "window_items": k, "ii_per_item": 1, "depth": depth}
        return LayerEstimate(p.name, "pool", LUT=lut, FF=ff, DSP=0, BRAM_18K=0, latency_cycles=k - 1 + depth, ii=k,
                             detail=detail)
    if ctx.io_type == "io_stream":
        items = p.in_height * p.in_width
        window_items, last_items = _window_items(p.in_width, p.pool_height, p.pool_width, p.out_height, p.out_width,
                                                 p.stride_height, p.stride_width)
        lut = p.n_chan * ((k - 1) * lut_max2 + lut_div) + _shift_register_lut(p.in_width, x_w, (p.pool_height - 1) * p.n_chan)
        lut += STREAM_COUNTER_LUT
        ff = float(k * p.n_chan * x_w + p.n_chan * r_w + STREAM_COUNTER_FF)
        ii_item = 1
        if ctx.backend == "vitis" and ctx.templates_1x and p.pool_height > 1:
            # the window loads wait for the shift's state (see _vitis_window_interval)
            ii_item, depth = VITIS_POOL_ITEM_II, depth + 1
        detail["stream"] = {"items_in": items, "items_out": p.positions, "window_items": window_items,
                            "last_window_items": last_items, "ii_per_item": ii_item, "depth": depth}
        return LayerEstimate(p.name, "pool", LUT=lut, FF=ff, DSP=0, BRAM_18K=0,
                             latency_cycles=(items - 1) * ii_item + depth, ii=items * ii_item, detail=detail)
    n_out = p.positions * p.n_chan
    rf = max(1, int(p.reuse_factor))
    lut = n_out * ((k - 1) * lut_max2 + lut_div + _mux_lut(rf, w)) / rf  # a reuse factor selects among rf inputs
    ff = float(n_out * r_w)
    if p.op == "max":
        # the inputs of the max() chain not yet compared are registered at every cycle boundary
        per_cycle = max(1.0, (k - 1) / depth)
        ff += n_out / rf * sum((max(0.0, k - 1 - b * per_cycle)) * x_w + w for b in range(1, depth))
        detail["chain_steps"] = k - 1
    return LayerEstimate(p.name, "pool", LUT=lut, FF=ff, DSP=0, BRAM_18K=0,
                         latency_cycles=depth + (rf - 1), ii=rf, detail=detail)


# --------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------
TABLE_WIDTH = 18  # hls4ml 1.x default exp/inv/sigmoid/tanh table type ap_fixed<18,8>
SELU_LAMBDA = 1.0507009873554805  # nnet::selu's positive-side scale (an ap_ufixed<16,1> constant)


def _rom_cost(entries: int, width: int, copies: int) -> tuple[float, int]:
    """(LUT, BRAM_18K) of `copies` read-only tables of entries x width bits."""
    bits = entries * width
    if bits <= LUTROM_MAX_BITS:
        return float(copies * width * math.ceil(entries / 64)), 0
    return 0.0, copies * math.ceil(width / 18) * math.ceil(entries / 1024)


def _elementwise(a: ActivationDesign, lut: float, delay: float, slack: float) -> LayerEstimate:
    """relu/linear: chained into the previous layer's last cycle when its slack allows (the
    register then holds this layer's output instead), else one more cycle and register."""
    n, wo, wi = a.n, a.result_type.width, a.input_type.width
    if delay <= slack:
        return LayerEstimate(a.name, "activation", LUT=lut, FF=float(n * (wo - wi)), DSP=0, BRAM_18K=0,
                             latency_cycles=0, ii=1, detail={"chained": True})
    return LayerEstimate(a.name, "activation", LUT=lut, FF=float(n * wo), DSP=0, BRAM_18K=0, latency_cycles=1, ii=1,
                         detail={"chained": False})


def _activation(a: ActivationDesign, ctx: _Ctx, slack: float = 0.0) -> LayerEstimate:
    """Element-wise and table-based activations. `slack`: ns left in the previous layer's last cycle."""
    n, wo, wi = a.n, a.result_type.width, a.input_type.width
    f = a.function
    rt = a.result_type
    casts = rt.rounding != "TRN" or rt.saturation != "WRAP"
    if f == "relu":
        per_bit = CAST_LUT_PER_IN_BIT if casts else RELU_LUT_PER_IN_BIT
        # sign test + mux; rounding adds an adder and saturation a compare before the mux
        delay = T_ADD_BASE_NS + (t_add_ns(wo) + T_ADD_BASE_NS if casts else 0.0)
        return _elementwise(a, n * wi * per_bit, delay, slack)
    if f == "linear":
        # a cast to the same grid and range is an identity (e.g. the input quantizer hls4ml drops)
        same = (a.input_type.width, a.input_type.integer, a.input_type.signed) == (
            a.result_type.width, a.result_type.integer, a.result_type.signed)
        cast = not same and casts
        lut = n * wi * CAST_LUT_PER_IN_BIT * (1.0 if cast else 0.0)
        return _elementwise(a, lut, (t_add_ns(wo) + T_ADD_BASE_NS) if cast else 0.0, slack if cast else math.inf)
    table = int(a.table_size or 1024)
    if f in ("sigmoid", "tanh", *TABLE_ACTIVATIONS):
        # one table lookup per element; a dual-port table serves two lookups per cycle
        lut_rom, bram = _rom_cost(table, TABLE_WIDTH, math.ceil(n / 2))
        lut = lut_rom + n * (wi + log2_ceil(table))  # index computation (shift/saturate)
        ff = n * (TABLE_WIDTH + wo)
        est = LayerEstimate(a.name, "activation", LUT=lut, FF=ff, DSP=0, BRAM_18K=bram, latency_cycles=2, ii=1,
                            detail={"table_size": table, "table_copies": math.ceil(n / 2)})
        if f in ("elu", "selu"):
            _negative_half(est, a, ctx)
        return est
    if f == "thresholded_relu":
        # x > theta ? x : 0: a compare with the constant theta (a carry chain) and a select
        return _elementwise(a, n * wi * (RELU_LUT_PER_IN_BIT + LUT_PER_ADDER_BIT), T_ADD_BASE_NS + t_add_ns(wi), slack)
    if f == "softmax":
        # a project's own sizes as its parameters.h gives them; else as the flow configures hls4ml
        sizes = ((int(a.table_size), int(a.inv_table_size or a.table_size)) if a.table_size
                 else softmax_table_sizes(ctx.softmax_impl, a.input_type))
        return _softmax(a, ctx, *sizes)
    if f in ("leaky_relu", "prelu"):
        return _leaky_relu(a, ctx)
    if f in HARD_ACTIVATIONS:
        return _hard_activation(a, ctx, slack)
    return LayerEstimate(a.name, "activation", None, None, None, None, None, None, estimated=False,
                         note=f"activation '{f}' is not modelled by the estimator")


#: QKeras' hard sigmoid/tanh slope as hls4ml writes it (0.5 in ap_ufixed<2,0>): a wired shift
QKERAS_HARD_SLOPE, QKERAS_HARD_SLOPE_TYPE = 0.5, FixedType(2, 0, False)


def _hard_activation(a: ActivationDesign, ctx: _Ctx, slack: float) -> LayerEstimate:
    """hls4ml's hard_sigmoid, `slope * x + shift` clipped to [0, 1] (two compares and a select) and
    cast (a saturating cast's logic per input bit); hard_tanh then 2s - 1, one more adder at the
    output width. The slope is rounded to its slope_t: QKeras' 0.5 is a wired shift and the add
    chains into the previous layer's slack; Keras' own hard_sigmoid has 0.2 in ap_ufixed<16,0>, a
    constant product priced as any other (shift-adds or a DSP by its digits and widths)."""
    n, wo, wi = a.n, a.result_type.width, a.input_type.width
    lut = n * wi * CAST_LUT_PER_IN_BIT + (n * wo * LUT_PER_ADDER_BIT if a.function == "hard_tanh" else 0.0)
    delay = t_add_ns(wi) + T_ADD_BASE_NS + (t_add_ns(wo) if a.function == "hard_tanh" else 0.0)
    slope_t = a.param_type or QKERAS_HARD_SLOPE_TYPE
    slope = float(quantize_to(np.array([QKERAS_HARD_SLOPE if a.alpha is None else float(a.alpha)]), slope_t)[0])
    code = int(round(abs(slope) * 2.0 ** slope_t.frac))
    if code == 0 or _odd_part(np.array([code]))[0] == 1:
        est = _elementwise(a, lut, delay, slack)
    else:
        per = max(1, a.n // max(1, a.positions))
        est = _constant_products(a, np.full(per, slope), a.input_type, slope_t, ctx, positions=max(1, a.positions))
        if est.estimated:
            est.kind = "activation"
            est.LUT = (est.LUT or 0.0) + lut
    est.detail["slope"] = slope
    est.detail["slope_type"] = slope_t.hls()
    return est


def _constant_products(a: ActivationDesign, consts: np.ndarray, operand_t: FixedType, const_t: FixedType, ctx: _Ctx, *,
                       positions: int = 1) -> LayerEstimate:
    """An activation's products of each value by its constant, priced as the diagonal of a dense
    layer (a shift, LUT adders or a DSP by the constant's digits and widths) at reuse factor 1:
    hls4ml pipelines every activation at II 1 whatever the reuse factor (no ALLOCATION limit)."""
    return _normalize(normalize_dense(a.name, consts, np.zeros(consts.size), operand_t, const_t, FixedType(1, 1, False),
                                      a.result_type, reuse_factor=1, positions=positions), ctx)


def _negative_half(est: LayerEstimate, a: ActivationDesign, ctx: _Ctx) -> None:
    """What elu and selu add to their table lookup: the select between x (x >= 0) and the table,
    and a constant product -- elu: alpha times the table value (alpha in its param_t; 1.0, what
    Activation('elu') passes, is free), selu: lambda (ap_ufixed<16,1>) times x."""
    n, wo = a.n, a.result_type.width
    if a.function == "selu":
        const, const_t, operand_t = SELU_LAMBDA, FixedType(16, 1, False), a.input_type
    else:
        const, const_t, operand_t = float(a.alpha if a.alpha is not None else 1.0), a.param_type or HLS4ML_DEFAULT_PRECISION, \
            FixedType(TABLE_WIDTH, 8)
    prod = _constant_products(a, np.full(n, const), operand_t, const_t, ctx)
    est.LUT = (est.LUT or 0.0) + n * wo * RELU_LUT_PER_IN_BIT + (prod.LUT or 0.0)
    est.DSP = int(est.DSP or 0) + int(prod.DSP or 0)
    if prod.DSP or prod.LUT:
        est.FF = (est.FF or 0.0) + (prod.FF or 0.0)
        est.latency_cycles = int(est.latency_cycles or 0) + int(prod.latency_cycles or 0)
    est.detail["constant"] = float(quantize_to(np.array([const]), const_t)[0])


def _leaky_relu(a: ActivationDesign, ctx: _Ctx) -> LayerEstimate:
    """hls4ml's leaky_relu, `x > 0 ? x : alpha * x` per value: the product by the constant alpha
    (rounded to its param_t) priced as the diagonal of a dense layer -- a shift, LUT adders or a
    DSP by the constant's digits and widths, as any constant product -- plus a relu's sign test
    and select. prelu is the same with one alpha per value (its alpha array)."""
    if a.alpha is None and a.alphas is None:
        return LayerEstimate(a.name, "activation", None, None, None, None, None, None, estimated=False,
                             note=f"{a.function} without its alpha")
    p_t = a.param_type or HLS4ML_DEFAULT_PRECISION
    if a.alphas is not None:  # prelu: a constant slope per value, so no position shares the hardware of another
        slopes, positions = np.asarray(a.alphas, dtype=np.float64), 1
    else:
        per = max(1, a.n // max(1, a.positions))  # values of one position: the diagonal, repeated per position
        slopes, positions = np.full(per, float(a.alpha)), max(1, a.positions)
    est = _constant_products(a, slopes, a.input_type, p_t, ctx, positions=positions)
    if est.estimated:
        est.kind = "activation"
        est.LUT = (est.LUT or 0.0) + a.n * a.input_type.width * RELU_LUT_PER_IN_BIT
        if a.alpha is not None:
            est.detail["alpha"] = float(quantize_to(np.array([float(a.alpha)]), p_t)[0])
        est.detail["param_type"] = p_t.hls()
    return est


def _merge(m: MergeDesign, ctx: _Ctx, slack: float) -> LayerEstimate:
    """hls4ml's two-input merges (nnet_merge.h), priced from their C++ (no published report checks
    them): an adder or subtractor per value (average: the same, its halving is wiring), a compare
    and a select for maximum/minimum, a product of two variables (a DSP as a Resource-strategy
    product would be, `variable_product_in_dsp`, else LUT partial products), and a concatenate is
    wiring. Chained into the cycle its inputs arrive in when the slack allows, like an activation."""
    n, wo = m.n, m.result_type.width
    w1, w2 = m.input_type.width, m.input2_type.width
    if m.op == "concatenate":
        return LayerEstimate(m.name, "merge", LUT=0.0, FF=0.0, DSP=0, BRAM_18K=0, latency_cycles=0, ii=1,
                             detail={"op": m.op, "chained": True, "slack_ns": slack})
    dsp = 0
    if m.op == "multiply":
        if variable_product_in_dsp(m.input_type, m.input2_type, vivado_7series=ctx.vivado_7series):
            dsp, lut, delay = n * dsp_per_product(w1, w2, ctx.part), 0.0, T_DSP_NS
        else:
            lut, delay = n * w1 * w2 * LUT_PER_PP_BIT, T_DSP_NS
    elif m.op in ("maximum", "minimum"):
        lut, delay = n * (max(w1, w2) + wo) * LUT_PER_ADDER_BIT, t_add_ns(max(w1, w2)) + T_ADD_BASE_NS
    else:  # add, subtract, average
        lut, delay = n * wo * LUT_PER_ADDER_BIT, t_add_ns(wo)
    if m.op != "multiply" and delay <= slack:
        return LayerEstimate(m.name, "merge", LUT=lut, FF=0.0, DSP=dsp, BRAM_18K=0, latency_cycles=0, ii=1,
                             detail={"op": m.op, "chained": True, "slack_ns": slack - delay})
    cycles = max(1, math.ceil(delay / ctx.t_eff))
    return LayerEstimate(m.name, "merge", LUT=lut, FF=float(n * wo * cycles), DSP=dsp, BRAM_18K=0, latency_cycles=cycles,
                         ii=1, detail={"op": m.op, "chained": False, "slack_ns": max(0.0, cycles * ctx.t_eff - delay)})


def _per_position(est: LayerEstimate, positions: int) -> None:
    """io_stream, an element-wise layer on a tensor of `positions` pixels: one item a cycle, each
    through the layer's depth (the timing `_stream_latency` follows)."""
    est.detail["stream"] = {"items_in": positions, "items_out": positions, "window_items": 1, "ii_per_item": 1,
                            "depth": int(est.latency_cycles or 0)}
    est.latency_cycles = int(est.latency_cycles or 0) + positions - 1
    est.ii = positions


def _output_bits(layer: Any, design: Design) -> int | None:
    """Bits a layer writes (all its values), or the design input's for "input"; None when unknown."""
    if layer == "input":
        return design.n_inputs * design.input_type.width
    if isinstance(layer, UnmodelledDesign):
        return None
    positions, n_elem, w = _stream_items(layer)
    return positions * n_elem * w


def _softmax(a: ActivationDesign, ctx: _Ctx, table: int, inv_table: int | None = None) -> LayerEstimate:
    """hls4ml's softmax in the implementation the design names (ctx.softmax_impl); `table` entries
    in the exp table, `inv_table` in the 1/x table (default: the same)."""
    inv_table = table if inv_table is None else inv_table
    n, wo, wi = a.n, a.result_type.width, a.input_type.width
    if ctx.softmax_impl == "argmax":
        # hls4ml softmax_argmax: a running maximum over the classes (the loop carries it, so n-1
        # compare+select steps in series), then a one-hot write; no tables, no multiplies
        idx_w = log2_ceil(max(n, 2))
        lut = (n - 1) * (2.0 * wi + idx_w) + n * wo
        lat = _chain_cycles([(1.5 * t_add_ns(wi), n - 1, 0)], ctx)
        return LayerEstimate(a.name, "activation", LUT=lut, FF=float(n * wo), DSP=0, BRAM_18K=0,
                             latency_cycles=max(lat, 1), ii=1, detail={"implementation": "argmax"})
    if ctx.softmax_impl == "legacy":
        # hls4ml softmax_legacy (its first softmax, kept by name): one exp lookup per ordered pair
        # of classes, e^(x_j - x_i), summed per class, then a 1/x lookup per class. The table
        # scalings (x table/16, x table/64) are shifts for power-of-two tables: no multiplier
        idx_w = log2_ceil(table)
        pairs = n * (n - 1)
        lut_exp, bram_exp = _rom_cost(table, TABLE_WIDTH, math.ceil(pairs / 2))
        lut_inv, bram_inv = _rom_cost(table, TABLE_WIDTH, math.ceil(n / 2))
        lut = lut_exp + lut_inv + pairs * (wi + 2 * idx_w) + pairs * TABLE_WIDTH + n * 2 * idx_w
        lvl = log2_ceil(n)
        chain = [(t_add_ns(wi) + 2 * t_add_ns(idx_w), 1, 1),  # difference, index, clamp; ROM read
                 (t_add_ns(TABLE_WIDTH), lvl, 0), (2 * t_add_ns(idx_w), 1, 1)]  # sum, clamp; ROM read
        ff = pairs * TABLE_WIDTH + n * (TABLE_WIDTH + wo)
        return LayerEstimate(a.name, "activation", LUT=lut, FF=ff, DSP=0, BRAM_18K=bram_exp + bram_inv,
                             latency_cycles=_chain_cycles(chain, ctx), ii=1,
                             detail={"table_size": table, "exp_table_copies": math.ceil(pairs / 2),
                                     "implementation": "legacy"})
    if ctx.softmax_impl not in SOFTMAX_IMPLEMENTATIONS:
        return LayerEstimate(a.name, "activation", None, None, None, None, None, None, estimated=False,
                             note=f"softmax implementation '{ctx.softmax_impl}' is not modelled (known: "
                                  + ", ".join(SOFTMAX_IMPLEMENTATIONS) + ")")
    # hls4ml 'stable' softmax: max tree, exp table (n lookups), sum, 1/x table, n multiplies
    lut_exp, bram_exp = _rom_cost(table, TABLE_WIDTH, math.ceil(n / 2))
    lut_inv, bram_inv = _rom_cost(inv_table, TABLE_WIDTH, 1)
    lut_max = (n - 1) * wi * 2.0  # compare + select
    lut_sub = n * wi
    lut_sum = (n - 1) * TABLE_WIDTH
    dsp = n * dsp_per_product(TABLE_WIDTH, TABLE_WIDTH, ctx.part)
    lvl = log2_ceil(n)
    # 'stable' (the hls4ml 1.x default) first finds the maximum (compare + select per level)
    # and subtracts it, each registered; then exp ROM read, sum tree, 1/x ROM read and the
    # multiply, a registered boundary after each ROM read ('latency' starts at the exp ROM)
    if ctx.softmax_impl == "stable":
        chain = [(1.5 * t_add_ns(wi), lvl, 1), (t_add_ns(wi), 1, 1)]
    else:
        chain, lut_max = [], 0.0
    chain += [(T_ADD_BASE_NS, 1, 1), (t_add_ns(TABLE_WIDTH), lvl, 0), (T_ADD_BASE_NS, 1, 1), (T_DSP_NS, 1, 0)]
    lat = _chain_cycles(chain, ctx)
    ff = n * (wi + 2 * TABLE_WIDTH) + n * wo + TABLE_WIDTH * 2
    return LayerEstimate(
        a.name, "activation", LUT=lut_exp + lut_inv + lut_max + lut_sub + lut_sum, FF=ff, DSP=dsp,
        BRAM_18K=bram_exp + bram_inv, latency_cycles=lat, ii=1,
        detail={"table_size": table, "inv_table_size": inv_table, "exp_table_copies": math.ceil(n / 2),
                "implementation": ctx.softmax_impl},
    )


# --------------------------------------------------------------------------------------------
# Whole design
# --------------------------------------------------------------------------------------------
def _norm(s: str) -> str:
    return str(s).strip().lower()


def estimate(design: Design) -> ResourceEstimate:
    """Estimate LUT/FF/DSP/BRAM_18K, latency and II for `design`, per layer and in total.

    Raises ConfigError for an unknown part, backend, strategy or io_type. A layer kind the model
    does not know is reported with `estimated=False` and a warning, never as a silent zero.
    """
    part = lookup_part(design.part)
    backend, strategy, io = _norm(design.backend), _norm(design.strategy), _norm(design.io_type)
    warnings: list[str] = []
    if backend == "vivadoaccelerator":
        # hls4ml's VivadoAccelerator backend: the Vivado backend's HLS core inside an AXI wrapper
        backend = "vivado"
        warnings.append("VivadoAccelerator: the HLS core is estimated as the Vivado backend builds it; the AXI "
                        "wrapper around it (myproject_axi: interface logic and its input/output transfer cycles) is not included")
    if backend not in KNOWN_BACKENDS:
        raise ConfigError(f"backend '{design.backend}' is not modelled by the resource estimate (known: Vivado, Vitis, "
                          "VivadoAccelerator)", where="design.backend", fix="use Vivado or Vitis")
    if strategy not in KNOWN_STRATEGIES:
        raise ConfigError(f"strategy '{design.strategy}' is not modelled (known: Latency, Resource, distributed_arithmetic)",
                          where="design.strategy", fix="use Latency, Resource or distributed_arithmetic")
    if io not in KNOWN_IO:
        raise ConfigError(f"io_type '{design.io_type}' is not modelled (known: io_parallel, io_stream)",
                          where="design.io_type", fix="use io_parallel or io_stream")
    if not design.clock_period_ns or design.clock_period_ns <= 0:
        raise ConfigError(f"clock period {design.clock_period_ns} ns must be positive", where="design.clock_period_ns")
    extra = design.extra if isinstance(design.extra, dict) else {}
    ctx = _Ctx(part, float(design.clock_period_ns), strategy, io, backend,
               softmax_impl=_norm(extra.get("softmax_implementation", SOFTMAX_IMPLEMENTATIONS[0])),
               legacy_weights=legacy_dense(extra.get("hls4ml_version")),
               templates_1x=not _version_below(extra.get("hls4ml_version"), (1, 0)),
               uncertainty=clock_uncertainty_fraction(design.clock_uncertainty, float(design.clock_period_ns), backend))
    per_layer_strategy: dict = extra.get("layer_strategy", {})
    # hls4ml 1.x's SetPipelineStyle: an io_parallel top is a DATAFLOW region once a convolution or a
    # Resource-strategy layer is in it (PIPELINE otherwise; 0.x pipelined every io_parallel top)
    dataflow = io == "io_parallel" and ctx.templates_1x and (
        any(isinstance(layer, ConvDesign) for layer in design.layers) or strategy == "resource"
        or any(_norm(v) == "resource" for v in per_layer_strategy.values()))

    layers: list[LayerEstimate] = []
    by_name: dict[str, LayerEstimate] = {}
    feeds = [design.inputs_of(i) for i in range(len(design.layers))]
    design_layer = {layer.name: layer for layer in design.layers}
    known = {"input", *design_layer}
    for layer, srcs in zip(design.layers, feeds):
        if any(s not in known for s in srcs):
            raise ConfigError(f"layer {layer.name} reads {srcs}, not all of which are layers of the design",
                              where=f"{design.name}: inputs", fix="name the layers it reads, or 'input'")
    readers = Counter(s for srcs in feeds for s in srcs)
    arrival: dict[str, int] = {"input": 0}  # io_parallel: the cycle each layer's output is ready
    slack_of: dict[str, float] = {"input": 0.0}
    top: list[LayerEstimate] = []
    if io == "io_parallel":
        # hls4ml's top function registers its ap_vld input (the `*_input_preg` register of the
        # reports), one cycle before the first layer
        top.append(LayerEstimate("input_register", "top", LUT=0.0, FF=float(design.n_inputs * design.input_type.width),
                                 DSP=0, BRAM_18K=0, latency_cycles=1, ii=1))
    for layer, srcs in zip(design.layers, feeds):
        start = max(arrival.get(s, 0) for s in srcs)
        # ns left in the cycle the inputs arrive in (a merge's: the tightest of those arriving last)
        slack = min(slack_of.get(s, 0.0) for s in srcs if arrival.get(s, 0) == start)
        if isinstance(layer, NormalizeDesign):
            est = _normalize(layer, ctx)
        elif isinstance(layer, DenseDesign):  # a convolution too: its kernel is one
            strat = _norm(per_layer_strategy.get(layer.name, strategy))
            if strat not in KNOWN_STRATEGIES:
                raise ConfigError(f"strategy '{strat}' of layer {layer.name} is not modelled (known: {', '.join(KNOWN_STRATEGIES)})",
                                  where=design.name,
                                  fix="estimate the layer with one of the known strategies (resource_unrolled is priced by none)")
            est = _conv(layer, strat, ctx) if isinstance(layer, ConvDesign) else _weight_layer(layer, strat, ctx)
        elif isinstance(layer, PoolDesign):
            est = _pool(layer, ctx)
        elif isinstance(layer, ActivationDesign) and io == "io_stream" and layer.positions > 1:
            # one position (pixel) per stream item: the hardware of one item, used once per pixel (a
            # prelu's slopes then come from an array indexed by the position: priced as the first
            # position's constants, a lower bound on those multipliers, which are not constant there)
            per = max(1, layer.n // layer.positions)
            est = _activation(replace(layer, n=per, positions=1, alphas=layer.alphas[:per] if layer.alphas else None), ctx, 0.0)
            if est.estimated:
                _per_position(est, layer.positions)
        elif isinstance(layer, ActivationDesign):
            est = _activation(layer, ctx, slack if io == "io_parallel" else 0.0)
        elif isinstance(layer, MergeDesign):
            est = _merge(layer, ctx, slack if io == "io_parallel" else 0.0)
            if io == "io_stream" and layer.positions > 1:
                _per_position(est, layer.positions)
            elif io == "io_parallel":
                # the pipeline carries the input that is ready first until the other arrives (a skip
                # connection's registers), one register stage per cycle of difference; in a DATAFLOW
                # top it waits in a ping-pong channel instead: two copies, however long the wait
                held = [(_output_bits(design_layer.get(s, "input"), design), start - arrival.get(s, 0)) for s in srcs]
                balance = sum(bits * (2 if dataflow else cycles) for bits, cycles in held if bits is not None and cycles > 0)
                est.FF = (est.FF or 0.0) + balance
                est.detail["balance_ff"] = balance
        elif isinstance(layer, ResizeDesign):
            est = _resize(layer, ctx)
        elif isinstance(layer, UnmodelledDesign):
            est = LayerEstimate(layer.name, layer.layer_type, None, None, None, None, None, None, estimated=False, note=layer.note)
        else:
            est = LayerEstimate(getattr(layer, "name", "?"), getattr(layer, "kind", type(layer).__name__), None, None, None,
                                None, None, None, estimated=False, note="layer kind not modelled by the estimator")
        if est.estimated and io == "io_stream":
            _add_stream_overhead(est, layer, design, fifos=max(1, readers.get(layer.name, 1)))
        if est.estimated and backend == "vitis" and est.detail.get("da4ml") is None:
            est.LUT = (est.LUT or 0.0) * VITIS_LUT_FACTOR
        elif est.estimated and backend == "vivado" and est.DSP:
            est.LUT = (est.LUT or 0.0) + VIVADO_LUT_PER_DSP[part.dsp] * est.DSP
            est.detail["lut_dsp_glue"] = VIVADO_LUT_PER_DSP[part.dsp] * est.DSP
        if not est.estimated:
            warnings.append(f"layer {est.name} not estimated: {est.note}")
        elif est.note:
            warnings.append(f"layer {est.name}: {est.note}")
        if est.estimated and est.detail.get("chained") and (est.FF or 0) < 0:
            # a chained relu that narrows the values shrinks the previous layer's output register,
            # which holds the relu's output instead: book the saving there, never below zero
            prev = by_name.get(srcs[0])
            if prev is not None and prev.estimated:
                prev.FF = (prev.FF or 0.0) + max(est.FF, -(prev.FF or 0.0))
            est.FF = 0.0
        layers.append(est)
        by_name[layer.name] = est
        arrival[layer.name] = start + int(est.latency_cycles or 0)
        slack_of[layer.name] = float(est.detail.get("slack_ns", 0.0)) if est.estimated else 0.0

    done = [layer for layer in layers if layer.estimated] + top
    if io == "io_stream":
        index = {layer.name: i for i, layer in enumerate(design.layers)}
        total_lat = (_stream_latency(layers, [[index.get(s, -1) for s in srcs] for srcs in feeds])
                     + sum(t.latency_cycles for t in top))
    else:
        # the longest path (a chain: the sum of its layers)
        total_lat = max(arrival.values()) + int(sum(t.latency_cycles for t in top))
    ii = max([layer.ii for layer in done] or [1])  # pipeline or dataflow: the slowest stage sets the interval
    total = {
        "LUT": int(round(sum(layer.LUT for layer in done))),
        "FF": int(round(sum(layer.FF for layer in done))),
        "DSP": int(sum(layer.DSP for layer in done)),
        "BRAM_18K": int(sum(layer.BRAM_18K for layer in done)),
        "latency_cycles": total_lat,
        "latency_ns": round(total_lat * design.clock_period_ns, 3),
        "ii": int(ii),
        "complete": all(layer.estimated for layer in layers),
    }
    if not total["complete"]:
        warnings.append("totals cover only the estimated layers: the design cost is a LOWER BOUND")
    if io == "io_stream":
        # hls4ml pads a stream in a process of its own (zeropad1d/2d_cl, also inserted before a
        # 'same' convolution); the estimate prices it as wiring, which it is only in io_parallel
        pads = int(extra.get("stream_padding") or 0) + sum(
            1 for layer in design.layers if isinstance(layer, ConvDesign)
            and (layer.pad_top or layer.pad_bottom or layer.pad_left or layer.pad_right))
        if pads:
            warnings.append(f"{pads} zero padding or cropping step(s) of the stream are priced as free: each is a dataflow "
                            "process of its own (counters, a FIFO, one cycle per position) that the totals leave out")
    caps = part.capacities()
    util = {k: round(100.0 * total[k] / caps[k], 2) for k in caps}
    over = [k for k in caps if total[k] > caps[k]]
    # a lower bound proves only that a design does not fit
    fits: bool | None = not over if total["complete"] or over else None
    if not part.capacity_known:
        fits = None
        warnings.append(f"{part.prefix} ({part.family}) is estimated with its family's delays, but its totals are not in "
                        "flow/parts.py: no utilization and no fit check (add its LUT/FF/DSP/BRAM_18K there)")
    if over:
        warnings.append(
            "DOES NOT FIT: " + ", ".join(f"{k} {total[k]} > {caps[k]} ({util[k]:.0f} %)" for k in over) + f" on {part.prefix}"
        )
    for k in caps:
        if k not in over and util[k] > 80.0:
            warnings.append(f"{k} at {util[k]:.0f} % of {part.prefix}: routing/timing closure is likely hard above ~80 %")
    return ResourceEstimate(design.name, design.part, part.family, design.backend, design.strategy, design.io_type,
                            float(design.clock_period_ns), layers, total, caps, util, fits, warnings, top=top)


def _stream_items(layer: Any) -> tuple[int, int, int]:
    """(stream items a layer writes, values per item, bits per value): hls4ml packs one position's
    channels per item."""
    if isinstance(layer, DenseDesign):  # a convolution too: n_filt values per output position
        return layer.positions, layer.n_out, layer.result_type.width
    if isinstance(layer, PoolDesign):
        return layer.positions, layer.n_chan, (layer.result_type or layer.input_type).width
    if isinstance(layer, ResizeDesign):
        return layer.positions, layer.n_chan, layer.input_type.width
    return layer.positions, max(1, layer.n // layer.positions), layer.result_type.width


def _stream_latency(layers: list[LayerEstimate], feeds: list[list[int]] | None = None) -> int:
    """io_stream (DATAFLOW): the layers overlap, each starting on the first items its upstream writes.

    Per layer: it takes `items_in` items at one per `ii_per_item` cycles (or as fast as they come),
    writes its first output `depth` cycles after the item that completes its first window and its
    last `depth` cycles after the item that completes its last window (a stride that leaves the
    last rows unused finishes early), and is done `depth` + `tail` cycles after its last item. The design
    is done when its last output is written and every layer is done. A layer without its own
    stream timing (a dense layer) reads every item of its input before it computes (hls4ml
    repacks a flattened stream), so a flat network's latency is the sum of its layers'.

    `feeds[i]`: the indices of the layers layer i reads (-1: the design input; default: the layer
    before it). A merge starts on the later of its inputs; a layer not estimated passes its
    input's timing on.
    """
    state: dict[int, tuple[float, float, int]] = {-1: (0.0, 0.0, 1)}  # first item out, last item out, items
    done = 0.0
    for i, est in enumerate(layers):
        srcs = feeds[i] if feeds is not None else [i - 1]
        first, last = max(state[j][0] for j in srcs), max(state[j][1] for j in srcs)
        items = state[srcs[0]][2]
        if not est.estimated:
            state[i] = (first, last, items)
            continue
        st = est.detail.get("stream") or {"items_in": items, "items_out": 1, "window_items": items, "ii_per_item": 1,
                                          "depth": int(est.latency_cycles or 0)}
        n_in = max(1, int(st["items_in"]))
        rate = (last - first) / (n_in - 1) if n_in > 1 else 0.0
        step = max(rate, float(st["ii_per_item"]))
        last_window = int(st.get("last_window_items", n_in))
        done = max(done, first + (n_in - 1) * step + st["depth"] + st.get("tail", 0))
        state[i] = (first + (int(st["window_items"]) - 1) * step + st["depth"],
                    first + (last_window - 1) * step + st["depth"], int(st["items_out"]))
    return int(math.ceil(max([done] + [s[1] for s in state.values()]) - 1e-9))


def _add_stream_overhead(est: LayerEstimate, layer: Any, design: Design, fifos: int = 1) -> None:
    """io_stream: per-layer read/write cycles and one FIFO (registers, SRL or BRAM) after it, as
    deep as hls4ml makes it (one entry per output position) unless the design sets `fifo_depth`;
    `fifos` > 1 when hls4ml clones the output to several readers (clone_stream: one FIFO each)."""
    positions, n_elem, w = _stream_items(layer)
    width = n_elem * w
    depth = int(design.extra.get("fifo_depth", positions)) if isinstance(design.extra, dict) else positions
    est.latency_cycles = (est.latency_cycles or 0) + STREAM_OVERHEAD_CYCLES
    if "stream" in est.detail:
        # an item crosses a streaming layer in its compute depth plus the FIFO write; the
        # process itself (the reports' instance latency) also counts its first read
        est.detail["stream"]["depth"] += 1
        est.detail["stream"]["tail"] = STREAM_OVERHEAD_CYCLES - 1
    # one FIFO's cost: registers when shallow; else HLS splits a stream of packed arrays into one
    # FIFO per element (the reports list layerN_out_0, _1, ...): SRLs up to 32 deep, a BRAM_18K
    # (1024 x 18) each beyond
    bram = 0
    if depth <= 2:
        lut, ff = 10.0, float(width * depth + 4)
    elif depth <= 32:
        lut, ff = float(n_elem * (w * math.ceil(depth / 32) + 10)), float(n_elem * (2 * log2_ceil(depth) + 4))  # SRLC32E
    else:
        lut, ff = float(n_elem * 30), float(n_elem * (2 * log2_ceil(depth) + 4))
        bram = n_elem * math.ceil(w / 18) * math.ceil(depth / 1024)
    est.LUT = (est.LUT or 0) + fifos * lut
    est.FF = (est.FF or 0) + fifos * ff
    est.BRAM_18K = (est.BRAM_18K or 0) + fifos * bram
    est.detail["fifo_width_bits"] = width
    est.detail["fifo_depth"] = depth
    if fifos > 1:
        est.detail["fifos"] = fifos


def _dense_da(d: DenseDesign, ctx: _Ctx) -> LayerEstimate:
    """distributed_arithmetic: priced by da4ml's adder graph when da4ml is installed."""
    try:
        from flow.da import estimate_da_layer  # lazy: da4ml pulls numba
    except ImportError as exc:  # pragma: no cover - depends on the environment
        return LayerEstimate(d.name, "dense", None, None, None, None, None, None, estimated=False,
                             note=f"distributed_arithmetic needs da4ml ({exc})")
    try:
        r = estimate_da_layer(d, clock_period_ns=ctx.period_ns)
    except Exception as exc:  # noqa: BLE001 - a missing optional tool must not crash the estimate
        return LayerEstimate(d.name, "dense", None, None, None, None, None, None, estimated=False,
                             note=f"distributed_arithmetic estimate failed: {exc}")
    if r.get("status") != "ok":
        return LayerEstimate(d.name, "dense", None, None, None, None, None, None, estimated=False,
                             note=str(r.get("status")))
    return LayerEstimate(d.name, "dense", LUT=float(r["LUT"]), FF=float(r["FF"]), DSP=0, BRAM_18K=0,
                         latency_cycles=int(r["latency_cycles"]), ii=1, note="", detail={"da4ml": r})


# --------------------------------------------------------------------------------------------
# Plot
# --------------------------------------------------------------------------------------------
def plot_resources(estimate_: ResourceEstimate | dict, out_png: str | Path) -> Path:
    """Per-layer LUT / FF / DSP bars (log scale), so the expensive layer stands out."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    d = estimate_.to_dict() if isinstance(estimate_, ResourceEstimate) else estimate_
    names = [n for n, v in d["layers"].items() if v.get("estimated", True)]
    metrics = ["LUT", "FF", "DSP"]
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(names) + 2), 4))
    for i, m in enumerate(metrics):
        vals = [max(float(d["layers"][n][m] or 0), 0.0) for n in names]
        ax.bar(x + (i - 1) * 0.27, [v if v > 0 else np.nan for v in vals], width=0.27, label=m)
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=30, ha="right")
    ax.set_yscale("log")
    ax.set_ylabel("count (log)")
    t = d["total"]
    ax.set_title(f"{d.get('design', '')} on {d['part']}: LUT {t['LUT']}, FF {t['FF']}, DSP {t['DSP']}, "
                 f"{t['latency_cycles']} cycles", fontsize=9)
    ax.legend()
    fig.tight_layout()
    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


# --------------------------------------------------------------------------------------------
# Published syntheses: rebuild each model as a Design with synthetic weights
# --------------------------------------------------------------------------------------------
PUBLISHED_PATH = Path(__file__).parent / "resources_data" / "published_synthesis.json"


def parse_fixed(s: str) -> FixedType:
    """'ap_fixed<16,6>' / 'ap_ufixed<6,0,RND,SAT>' -> FixedType; hls4ml's own spelling
    ('fixed<16,6>', 'ufixed<6,0,RND_CONV,SAT>') too."""
    text = str(s).strip()
    t = parse_ap_type("ap_" + text if re.match(r"u?(fixed|int)\s*<", text) else text)
    if t is None:
        raise ConfigError(f"cannot parse fixed-point type '{s}'",
                          fix="write it as ap_fixed<W,I>, ap_ufixed<W,I> or ap_int<W> (or hls4ml's fixed<W,I>, int<W>)")
    if t.width < 1:
        raise ConfigError(f"fixed-point type '{s}' has no bits", fix="give a width of at least 1 bit")
    return t


def load_published(path: str | Path = PUBLISHED_PATH) -> list[dict[str, Any]]:
    """Rows of published hls4ml syntheses (see the file's `_comment` for the sources)."""
    try:
        # JSON is UTF-8 (RFC 8259); a byte-order mark, which some editors write, is skipped
        with open(path, encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except UnicodeDecodeError as exc:
        raise ConfigError(f"the published-results table is not UTF-8 text ({exc.reason} at byte {exc.start})", where=str(path),
                          fix="save the file as UTF-8, e.g. iconv -f LATIN1 -t UTF-8 (or -f UTF-16) OLD.json > NEW.json") from exc
    except (OSError, ValueError) as exc:  # json.JSONDecodeError is a ValueError
        raise ConfigError(f"cannot read the published-results table: {exc}", where=str(path),
                          fix="give a JSON file shaped like flow/resources_data/published_synthesis.json") from exc
    rows = data.get("rows") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ConfigError("the table must be a list of row objects, or an object whose 'rows' is that list", where=str(path),
                          fix="see 'Checking your own table' in docs/resources.md for the row fields")
    if not rows:
        raise ConfigError("the table has no rows", where=str(path), fix="add at least one row of published results")
    return list(rows)


#: Share of "small" weights in an L1-regularised jet MLP: Duarte et al. 2018 prune 70 % of the
#: weights of this model by magnitude with no accuracy loss, i.e. ~70 % of them are near zero.
SMALL_WEIGHT_SHARE = 0.7
#: Scale of those small weights relative to the LeCun scale (assumption: an order of magnitude).
SMALL_WEIGHT_SCALE = 0.1


def synthetic_weights(n_in: int, n_out: int, wtype: FixedType, sparsity: float, rng: np.random.Generator,
                      small_share: float = SMALL_WEIGHT_SHARE, *, uniform: bool = False) -> np.ndarray:
    """Weights like a trained, L1-regularised layer, quantized to `wtype`, randomly pruned.

    We do not have the published models' trained weights. We draw Laplace weights (the shape L1
    regularisation produces) at LeCun scale (std 1/sqrt(n_in), the init these models used), of
    which SMALL_WEIGHT_SHARE are shrunk by SMALL_WEIGHT_SCALE (the near-zero bulk L1 leaves),
    quantize them with rounding and saturation to the weight type, then zero a random `sparsity`
    fraction (fixed seed). A quantization-aware-trained model that is not pruned has no such
    near-zero bulk (it would be 70 % zeros on a 6-bit grid, i.e. pruned): rows mark it with
    "weight_distribution": "laplace" (small_share=0). Absolute numbers carry this assumption.
    `uniform`: an untrained model's weights, Keras' default glorot_uniform (U(+-sqrt(6/(n_in+n_out)))):
    published projects often synthesize one, and its weights are wider than trained ones.
    """
    if uniform:
        limit = math.sqrt(6.0 / (n_in + n_out))
        w = rng.uniform(-limit, limit, size=(n_in, n_out))
    else:
        w = rng.laplace(0.0, 1.0 / math.sqrt(2.0 * n_in), size=(n_in, n_out))
    small = rng.random((n_in, n_out)) < small_share
    w[small] *= SMALL_WEIGHT_SCALE
    w = np.clip(np.round(w / wtype.lsb) * wtype.lsb, wtype.min_value, wtype.max_value)
    if sparsity > 0:
        k = int(round(sparsity * w.size))
        idx = rng.choice(w.size, size=k, replace=False)
        w.reshape(-1)[idx] = 0.0
    return w


def _per_layer(row: dict[str, Any], key: str, n: int, default: Any) -> list[Any]:
    """A model field that is either one value for every dense layer or a list with one per layer."""
    v = row["model"].get(key, default)
    if isinstance(v, list):
        if len(v) != n:
            raise _row_error(row, f"model.{key}", f"'{key}' lists {len(v)} values for {n} dense layers",
                             f"give one value for every dense layer, or a list of {n}, one per dense layer in order")
        return list(v)
    return [v] * n


PUBLISHED_WEIGHTS_PATH = Path(__file__).parent / "resources_data" / "published_weights.npz"


@functools.cache
def published_weights() -> dict[str, np.ndarray]:
    """Firmware weights of the committed projects in the table ("<row id>/w<k>", "<row id>/b<k>",
    k = dense layer index): taken verbatim from each project's firmware/weights/*.txt or *.h at
    the commit its row cites, so those rows are priced from the real weights, not synthetic ones."""
    with np.load(PUBLISHED_WEIGHTS_PATH) as z:
        return {k: z[k] for k in z.files}


#: activations whose hls4ml layer carries a parameter (leaky_relu's slope, elu's alpha, thresholded_relu's theta);
#: leaky_relu cannot be priced without it (elu's default 1.0 is what Activation('elu') passes)
_PARAMETRIC_ACTIVATIONS = ("leaky_relu", "elu", "thresholded_relu")
_NEEDS_PARAMETER = ("leaky_relu",)
#: what a row's results may give: resources and cycles as counts, latency also in ns
PUBLISHED_RESULT_FIELDS = ("LUT", "FF", "DSP", "BRAM_18K", "latency_cycles", "latency_ns", "ii")


#: the keys a row and its objects may hold (docs/resources.md, "Checking your own table"); `source`
#: is free-form (only `short` is printed), and so is a key starting with "_" or named like _FREE_TEXT_KEYS
_ROW_KEYS: dict[str, tuple[str, ...]] = {
    "": ("id", "source", "synthesis", "model", "results", "group", "excluded"),
    "synthesis": ("part", "tool", "hls4ml", "backend", "clock_period_ns", "clock_uncertainty_ns", "report"),
    "model": ("layers", "input_shape", "default_precision", "weight_precision", "bias_precision", "accum_precision",
              "result_precision", "input_precision", "activation_precision", "sparsity", "reuse_factor", "strategy", "io_type",
              "hidden_activation", "output_activation", "softmax_implementation", "activation_alpha", "weights_from",
              "weight_distribution", "assumptions"),
    "results": PUBLISHED_RESULT_FIELDS,
}
_FREE_TEXT_KEYS = ("notes", "comment")


def _unknown_key(row: dict[str, Any], where: str, key: Any, known: Sequence[str]) -> ConfigError:
    """A key the table does not define, with the known one it most likely misspells."""
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(str(key).lower(), list(by_lower), n=1, cutoff=0.6)
    meant = f", likely a misspelt '{by_lower[close[0]]}'" if close else ""
    fix = (f"write '{by_lower[close[0]]}'" if close else "use one of " + ", ".join(known)) + \
        " (a key the table does not define would be ignored and its default priced); prefix free text with '_' to keep it"
    return _row_error(row, f"{where}{key}", f"unknown key '{key}' in {where.rstrip('.') or 'the row'}{meant}", fix)


def _check_row_keys(row: dict[str, Any], section: str) -> None:
    obj = row if section == "" else row.get(section)
    if not isinstance(obj, dict):
        return
    for key in obj:
        if key in _ROW_KEYS[section] or key in _FREE_TEXT_KEYS or str(key).startswith("_"):
            continue
        raise _unknown_key(row, f"{section}." if section else "", key, _ROW_KEYS[section])


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _row_error(row: dict[str, Any], field_: str, message: str, fix: str) -> ConfigError:
    return ConfigError(message, where=f"published row {row.get('id', '?')}: {field_}", fix=fix)


#: the activations a row may name, as hls4ml's layers call them; Keras' class names (LeakyReLU,
#: ThresholdedReLU, ReLU, Softmax) are the same words without the underscore, in any case
_ACTIVATION_NAMES = ("linear", "relu", "leaky_relu", "thresholded_relu", "elu", "selu", "prelu", "softmax", "sigmoid", "tanh",
                     "hard_sigmoid", "hard_tanh", "softplus", "softsign")
_ACTIVATION_BY_KEY = {a.replace("_", ""): a for a in _ACTIVATION_NAMES}


def _activation_name(v: Any) -> str:
    """A row's activation by its Keras name, function ('leaky_relu') or class ('LeakyReLU'), in any
    case; Keras' None / 'none' is linear. A name neither knows is returned lower-cased (the
    estimator then says it does not model it)."""
    name = str(v).strip().lower()
    if v is None or name == "none":
        return "linear"
    return _ACTIVATION_BY_KEY.get(name.replace("_", ""), name)


def _read_row(row: dict[str, Any]) -> dict[str, Any]:
    """The row with its names as the estimator compares them, read once: strategy, io_type, backend,
    activations, padding and the other names stripped of stray spaces, activations and padding in
    Keras' lower-case function spelling ('LeakyReLU' -> leaky_relu, 'SAME' -> same). The caller's
    row is not changed."""
    m, syn = dict(row["model"]), dict(row["synthesis"])
    for key in ("strategy", "io_type", "softmax_implementation", "weight_distribution"):
        if isinstance(m.get(key), str):
            m[key] = m[key].strip()
    for key in ("io_type", "weight_distribution"):
        if isinstance(m.get(key), str):
            m[key] = m[key].lower()
    for key in ("hidden_activation", "output_activation"):
        if key in m:
            m[key] = _activation_name(m[key])
    for key in ("backend", "tool", "part"):
        if isinstance(syn.get(key), str):
            syn[key] = syn[key].strip()
    if isinstance(m.get("layers"), list) and all(isinstance(x, dict) for x in m["layers"]):
        specs = []
        for spec in m["layers"]:
            spec = dict(spec)
            if isinstance(spec.get("type"), str):
                spec["type"] = spec["type"].strip().lower()
            if isinstance(spec.get("padding"), str):
                spec["padding"] = spec["padding"].strip().lower()
            if "activation" in spec:
                spec["activation"] = _activation_name(spec["activation"])
            specs.append(spec)
        m["layers"] = specs
    return {**row, "model": m, "synthesis": syn}


def _backend_of_row(row: dict[str, Any]) -> str:
    """The backend a row names, or the one its tool implies (absent: Vivado HLS, hls4ml's default)."""
    syn = row["synthesis"]
    if syn.get("backend"):
        backend = str(syn["backend"]).strip()
        if backend.lower() not in (*KNOWN_BACKENDS, "vivadoaccelerator"):
            raise _row_error(row, "synthesis.backend", f"backend {syn['backend']!r} is not one the estimator models "
                             "(Vivado, Vitis, VivadoAccelerator)", "give Vivado or Vitis, or leave it out to take the tool's")
        return backend
    tool = syn.get("tool")
    if tool is None:
        return "Vivado"
    text = str(tool).lower()
    if "vitis" in text:
        return "Vitis"
    if "vivado" in text:
        return "Vivado"
    raise _row_error(row, "synthesis.tool", f"tool {tool!r} is neither Vivado HLS nor Vitis HLS, the tools the estimator models",
                     "name the tool as 'Vivado HLS <version>' or 'Vitis HLS <version>', or set synthesis.backend")


#: a row's `model.weight_distribution`: how its synthetic weights are drawn (absent: an L1-trained float model)
WEIGHT_DISTRIBUTIONS = ("laplace", "glorot_uniform")


def _synthetic_draw(m: dict[str, Any]) -> dict[str, Any]:
    """synthetic_weights' arguments for a (read) row: no near-zero share for a 'laplace' row (QAT,
    unpruned) or a 'glorot_uniform' one (untrained, drawn uniform)."""
    dist = m.get("weight_distribution")
    return {"small_share": 0.0 if dist in WEIGHT_DISTRIBUTIONS else SMALL_WEIGHT_SHARE, "uniform": dist == "glorot_uniform"}


def _synthetic_bias(n_out: int, bt: FixedType, rng: np.random.Generator) -> np.ndarray:
    return np.clip(np.round(rng.normal(0, 0.1, n_out) / bt.lsb) * bt.lsb, bt.min_value, bt.max_value)


def _built_reuse_factor(m: dict[str, Any], name: str, n_in: int, n_out: int, rf: int, notes: list[str]) -> int:
    """The reuse factor hls4ml builds: with Resource, the closest valid one (hls4ml substitutes it
    with only a printed line), noted for the row."""
    if str(m.get("strategy", "Latency")).lower() != "resource":  # stripped by _read_row
        return rf
    built = closest_resource_reuse_factor(n_in, n_out, rf)
    if built != rf:
        notes.append(f"{name}: reuse factor {rf} is not one hls4ml's Resource strategy builds for {n_in} x {n_out}; "
                     f"priced at {built}, the closest valid one hls4ml uses")
    return built


def _row_activation(m: dict[str, Any], name: str, fn: str, n: int, in_t: FixedType, out_t: FixedType, *, rf: int,
                    positions: int = 1) -> ActivationDesign:
    alpha = m.get("activation_alpha")
    return ActivationDesign(name, fn, n, in_t, out_t, table_size=1024 if fn in LOOKUP_TABLE_ACTIVATIONS else None,
                            reuse_factor=rf, positions=positions,
                            alpha=float(alpha) if fn in _PARAMETRIC_ACTIVATIONS and alpha is not None else None)


#: clock periods a row may give: no FPGA fabric runs faster than 2 GHz (a smaller number is another
#: unit, e.g. us); the upper end is the flow's own limit (HlsConfig.clock_period_ns)
ROW_CLOCK_NS = (0.5, 1000.0)


def _row_clock_ns(row: dict[str, Any]) -> float:
    """The row's clock period in ns (hls4ml's 5 when absent), checked before anything divides by it."""
    syn = row.get("synthesis")
    period = syn.get("clock_period_ns") if isinstance(syn, dict) else None
    if period is None:
        return float(HLS4ML_DEFAULT_CLOCK_NS)
    if not _is_number(period):
        raise _row_error(row, "synthesis.clock_period_ns", f"clock period {period!r} is not a number of ns",
                         "give the clock period in ns as a number, e.g. 5")
    if not ROW_CLOCK_NS[0] <= period <= ROW_CLOCK_NS[1]:
        raise _row_error(row, "synthesis.clock_period_ns", f"clock period {period!r} ns is not a positive number of ns in "
                         f"{ROW_CLOCK_NS[0]:g}..{ROW_CLOCK_NS[1]:g} (2 GHz to 1 MHz)",
                         "give the clock period in ns, e.g. 5 (200 MHz)")
    return float(period)


def _check_sparsity(row: dict[str, Any], where: str, v: Any) -> None:
    if not (_is_number(v) and 0.0 <= v <= 1.0):
        raise _row_error(row, where, f"sparsity {v!r} is not a share between 0 and 1",
                         "give the share of zero weights, e.g. 0.75 for 75 % pruned")


def _check_reuse_factor(row: dict[str, Any], where: str, v: Any) -> None:
    if not (_is_number(v) and float(v).is_integer() and v >= 1):
        raise _row_error(row, where, f"reuse factor {v!r} is not a positive whole number", "give hls4ml's ReuseFactor, 1 or more")


def _check_published_row(row: dict[str, Any]) -> dict[str, Any]:
    """Refuse, naming the field, what no hls4ml synthesis can have been built from (so a typo in a
    table is reported for its row instead of being priced as something else); return the row as
    `_read_row` reads it."""
    for key in ("source", "synthesis", "model", "results"):
        if row.get(key) is not None and not isinstance(row[key], dict):
            raise _row_error(row, key, f"'{key}' is {type(row[key]).__name__} {row[key]!r}, not an object",
                             "see 'Checking your own table' in docs/resources.md for the row fields")
    for key in ("synthesis", "model"):
        if not isinstance(row.get(key), dict):
            raise _row_error(row, key, f"the row has no '{key}' object", "give synthesis.part and model.layers at least")
    for section in ("", "synthesis", "model", "results"):
        _check_row_keys(row, section)
    row = _read_row(row)
    syn, m = row["synthesis"], row["model"]
    if not isinstance(syn.get("part"), str) or not syn["part"].strip():
        raise _row_error(row, "synthesis.part", f"part {syn.get('part')!r} is not a device name", "give the FPGA part, e.g. xcvu9p-flga2104-2L-e")
    try:
        lookup_part(syn["part"])
    except ConfigError as exc:
        raise _row_error(row, "synthesis.part", exc.message, exc.fix or "") from None
    for key, known, shown in (("strategy", KNOWN_STRATEGIES, ("Latency", "Resource", "distributed_arithmetic")),
                              ("io_type", KNOWN_IO, KNOWN_IO),
                              ("softmax_implementation", SOFTMAX_IMPLEMENTATIONS, SOFTMAX_IMPLEMENTATIONS)):
        v = m.get(key)
        if v is not None and str(v).strip().lower() not in known:
            close = difflib.get_close_matches(str(v).strip().lower(), list(known), n=1, cutoff=0.6)
            likely = f", likely '{shown[known.index(close[0])]}'" if close else ""
            raise _row_error(row, f"model.{key}", f"{key} {v!r} is not one the estimator models{likely}",
                             "use " + ", ".join(shown) + (" (or leave it out: hls4ml's default)" if key != "io_type" else ""))
    sizes = m.get("layers")
    if isinstance(sizes, list) and sizes and all(isinstance(x, dict) for x in sizes):
        _check_layer_specs(row)
        if m.get("weights_from") is not None:
            raise _row_error(row, "model.weights_from", "stored firmware weights are for MLP rows (layer sizes)",
                             "leave weights_from out: a CNN row is priced with synthetic weights")
        sizes = [1, 1]  # the per-layer checks below see one value per model-wide field
    elif (not isinstance(sizes, list) or len(sizes) < 2
            or not all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in sizes)):
        raise _row_error(row, "model.layers", f"layers {sizes!r} is not a list of at least two positive sizes",
                         "list the layer sizes of the MLP, input first, e.g. [16, 64, 32, 32, 5], or the layers as "
                         "objects with model.input_shape (docs/resources.md, 'Checking your own table')")
    n = len(sizes) - 1
    period = _row_clock_ns(row)
    unc = syn.get("clock_uncertainty_ns")
    if unc is not None and clock_uncertainty_share(unc, period) is None:
        raise _row_error(row, "synthesis.clock_uncertainty_ns", f"clock uncertainty {unc!r} is not a time below the "
                         f"{period:g} ns clock period", "give the uncertainty the report prints, in ns "
                         "(e.g. 0.62) or as a share of the period ('12.5%'), or leave it out for the backend's default")
    for v in _per_layer(row, "sparsity", n, 0.0):
        _check_sparsity(row, "model.sparsity", v)
    for v in _per_layer(row, "reuse_factor", n, 1):
        _check_reuse_factor(row, "model.reuse_factor", v)
    dist = m.get("weight_distribution")
    if dist is not None and dist not in WEIGHT_DISTRIBUTIONS:
        raise _row_error(row, "model.weight_distribution", f"weight distribution {dist!r} is not known",
                         "leave it out (L1-trained float weights), or give 'laplace' (quantization-aware trained, "
                         "unpruned) or 'glorot_uniform' (an untrained model: Keras' initial weights)")
    alpha = m.get("activation_alpha")
    if alpha is not None and not _is_number(alpha):
        raise _row_error(row, "model.activation_alpha", f"activation_alpha {alpha!r} is not a number",
                         "give the slope (leaky_relu, elu) or threshold (thresholded_relu) as a number")
    for key, default in (("hidden_activation", "relu"), ("output_activation", "softmax")):
        fn = _activation_name(m.get(key, default))
        if fn in _NEEDS_PARAMETER and alpha is None:
            raise _row_error(row, f"model.{key}", f"{fn} needs its parameter, which the row does not give",
                             "give model.activation_alpha (e.g. 0.3 for Keras' LeakyReLU default)")
    src = m.get("weights_from")
    if src is not None:
        real = published_weights()
        for li, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            w = real.get(f"{src}/w{li}")
            if w is None:
                have = sorted({k.split("/")[0] for k in real})
                raise _row_error(row, "model.weights_from", f"no stored firmware weights for layer {li + 1} of row {src!r}",
                                 "name one of the rows whose weights the repository keeps: " + ", ".join(have))
            if w.size != n_in * n_out:
                raise _row_error(row, "model.weights_from", f"row {src!r} stores {w.size} weights for layer {li + 1}, "
                                 f"which is {n_in} x {n_out} here", "name a row with the same architecture")
    _backend_of_row(row)
    return row


#: the widest types a row may give: the estimator holds weight codes in 64-bit integers (a wider
#: weight type overflows them: wrong DSP counts) and the other types' ranges, and their products, in
#: doubles (the repository's widest is a 64-bit accumulator)
MAX_ROW_WEIGHT_BITS = 63
MAX_ROW_TYPE_BITS = 512


def _parse_row_type(row: dict[str, Any], key: str, text: Any, max_bits: int = MAX_ROW_TYPE_BITS) -> FixedType:
    try:
        t = parse_fixed(text)
    except ConfigError as exc:
        raise _row_error(row, f"model.{key}", exc.message, exc.fix or "") from exc
    if t.width > max_bits:
        why = "its weight codes are 64-bit integers" if max_bits == MAX_ROW_WEIGHT_BITS else "it computes value ranges in doubles"
        raise _row_error(row, f"model.{key}", f"type '{text}' is {t.width} bits wide, more than the {max_bits} the estimator "
                         f"handles{' for weights' if max_bits == MAX_ROW_WEIGHT_BITS else ''} ({why})",
                         f"give a type of at most {max_bits} bits")
    return t


def published_results(row: dict[str, Any]) -> dict[str, float]:
    """The row's published numbers, each a non-negative finite number (a string, a boolean, NaN
    or a negative count is refused by name: it would enter the medians as nonsense)."""
    res = row.get("results")
    if res is None:
        return {}
    if not isinstance(res, dict):
        raise _row_error(row, "results", f"'results' is {type(res).__name__} {res!r}, not an object",
                         "give the published numbers as an object, e.g. {\"LUT\": 5000, \"latency_cycles\": 9}")
    _check_row_keys(row, "results")
    out: dict[str, float] = {}
    for key in PUBLISHED_RESULT_FIELDS:
        v = res.get(key)
        if v is None:
            continue
        if not (_is_number(v) and v >= 0):
            raise _row_error(row, f"results.{key}", f"published {key} {v!r} is not a non-negative number",
                             "give the number the report prints, or leave the field out")
        out[key] = v
    return out


#: layer objects a row may list (with model.input_shape): Keras' layer names, lower case
LAYER_SPEC_TYPES = ("conv1d", "conv2d", "dense", "maxpool1d", "maxpool2d", "avgpool1d", "avgpool2d", "flatten", "activation")
#: what each layer object may set besides "type" (precisions, sparsity and reuse factor override the model's)
_SPEC_KEYS = {"filters", "units", "kernel_size", "strides", "padding", "pool_size", "activation", "sparsity", "reuse_factor",
              "weight_precision", "bias_precision", "accum_precision", "result_precision", "activation_precision", "name"}
_PER_LAYER_FIELDS = ("weight_precision", "bias_precision", "accum_precision", "result_precision", "activation_precision",
                     "sparsity", "reuse_factor")


def _pair(v: Any, one_d: bool) -> tuple[int, int]:
    """A Keras size (3 or [3, 3]) as (height, width); a 1-D layer's height is 1."""
    if isinstance(v, list):
        return (1, int(v[0])) if one_d else (int(v[0]), int(v[-1]))
    return (1, int(v)) if one_d else (int(v), int(v))


def _check_layer_specs(row: dict[str, Any]) -> None:
    """A CNN row: model.input_shape [H, W, C] or [L, C] (or [N]) and layer objects Keras would build."""
    m = row["model"]
    shape = m.get("input_shape")
    if not (isinstance(shape, list) and 1 <= len(shape) <= 3 and all(isinstance(x, int) and not isinstance(x, bool) and x > 0
                                                                         for x in shape)):
        raise _row_error(row, "model.input_shape", f"input shape {shape!r} is not 1-3 positive sizes",
                         "give the input as [height, width, channels], [length, channels] or [features]")
    for key in _PER_LAYER_FIELDS:
        if isinstance(m.get(key), list):
            raise _row_error(row, f"model.{key}", "a row whose layers are objects takes per-layer values inside them",
                             f"give one model-wide {key}, and a layer's own as its \"{key}\"")
    weight_layers = 0
    for i, spec in enumerate(m["layers"]):
        kind = str(spec.get("type", "")).lower()
        where = f"model.layers[{i}]"
        if kind not in LAYER_SPEC_TYPES:
            raise _row_error(row, f"{where}.type", f"layer type {spec.get('type')!r} is not one the table rebuilds",
                             "use one of " + ", ".join(LAYER_SPEC_TYPES))
        unknown = sorted(str(k) for k in set(spec) - _SPEC_KEYS - {"type"} if k not in _FREE_TEXT_KEYS and not str(k).startswith("_"))
        if unknown:
            raise _unknown_key(row, f"{where}.", unknown[0], ("type", *sorted(_SPEC_KEYS)))
        need = {"conv1d": "filters", "conv2d": "filters", "dense": "units", "maxpool1d": "pool_size",
                "maxpool2d": "pool_size", "avgpool1d": "pool_size", "avgpool2d": "pool_size"}.get(kind)
        if need and spec.get(need) is None:
            raise _row_error(row, f"{where}.{need}", f"a {kind} layer needs its {need}", f"give {need} as a positive integer")
        dims = 1 if kind.endswith("1d") else 2
        for key in ("filters", "units", "kernel_size", "strides", "pool_size"):
            v = spec.get(key)
            if v is None:
                continue
            sizes = key in ("kernel_size", "strides", "pool_size")
            vals = v if isinstance(v, list) and sizes else [v]
            if not (vals and all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in vals)):
                raise _row_error(row, f"{where}.{key}", f"{key} {v!r} is not a positive integer" + (" (or a list of them)" if sizes else ""),
                                 f"give {key} as Keras takes it" + (", one number" if not sizes else ""))
            if isinstance(v, list) and len(v) != dims:
                raise _row_error(row, f"{where}.{key}", f"{key} {v!r} has {len(v)} entries for a {kind} layer",
                                 f"give one number or {'[length]' if dims == 1 else '[height, width]'}")
        if spec.get("padding", "valid") not in ("valid", "same"):
            raise _row_error(row, f"{where}.padding", f"padding {spec.get('padding')!r} is not valid or same", "use valid or same")
        if kind in ("conv1d", "conv2d") and "kernel_size" not in spec:
            raise _row_error(row, f"{where}.kernel_size", f"a {kind} layer needs its kernel_size", "give kernel_size, e.g. 3")
        weight_layers += kind in ("conv1d", "conv2d", "dense")
        if "sparsity" in spec:
            _check_sparsity(row, f"{where}.sparsity", spec["sparsity"])
        if "reuse_factor" in spec:
            _check_reuse_factor(row, f"{where}.reuse_factor", spec["reuse_factor"])
    if weight_layers == 0:
        raise _row_error(row, "model.layers", "the layers hold no conv or dense layer", "list the model's weight layers")


def _design_from_layer_specs(row: dict[str, Any], rng: np.random.Generator, notes: list[str]) -> tuple[list, FixedType, int]:
    """The layers of a CNN row (model.input_shape + layer objects), as hls4ml converts the Keras
    model they describe: conv/dense with synthetic weights, pooling, relu and other activations;
    Flatten is free (io_parallel arrays and io_stream both pass the values on)."""
    m = row["model"]
    dflt = m.get("default_precision", f"ap_{HLS4ML_DEFAULT_PRECISION.hls()}")
    shape = list(m["input_shape"])
    h, w, c = (shape + [1, 1])[:3] if len(shape) == 3 else ((1, shape[0], shape[1]) if len(shape) == 2 else (1, 1, shape[0]))
    draw = _synthetic_draw(m)
    specs = m["layers"]
    weight_idx = [i for i, sp in enumerate(specs) if str(sp["type"]).lower() in ("conv1d", "conv2d", "dense")]
    inp = _parse_row_type(row, "input_precision", m.get("input_precision", dflt))
    default = _parse_row_type(row, "default_precision", dflt)
    x_t, flat, layers = inp, len(shape) == 1, []

    def field(spec: dict, key: str, fallback: Any) -> Any:
        return spec.get(key, m.get(key, fallback))

    def typed(i: int, spec: dict, key: str, fallback: Any, fallback_field: str = "default_precision",
              max_bits: int = MAX_ROW_TYPE_BITS) -> FixedType:
        """The layer's own type, else the model-wide one, else `fallback`; an error names where it was written."""
        if key in spec:
            return _parse_row_type(row, f"layers[{i}].{key}", spec[key], max_bits)
        if key in m:
            return _parse_row_type(row, key, m[key], max_bits)
        return _parse_row_type(row, fallback_field, fallback, max_bits)

    for i, spec in enumerate(specs):
        kind = str(spec["type"]).lower()
        name = str(spec.get("name") or f"{kind}{i + 1}")
        where = f"model.layers[{i}]"
        if kind == "flatten":
            h, w, c, flat = 1, 1, h * w * c, True
            continue
        if kind == "activation":
            fn = _activation_name(spec.get("activation"))
            a_t = typed(i, spec, "activation_precision", x_t.hls() if fn != "softmax" else dflt)
            layers.append(_row_activation(m, name, fn, h * w * c, x_t, a_t, rf=int(field(spec, "reuse_factor", 1)),
                                          positions=h * w))
            x_t = a_t
            continue
        if kind in ("maxpool1d", "maxpool2d", "avgpool1d", "avgpool2d"):
            one_d = kind.endswith("1d")
            ph, pw = _pair(spec["pool_size"], one_d)
            sh, sw = _pair(spec.get("strides", spec["pool_size"]), one_d)
            oh, ow = _conv_out(row, where, h, ph, sh, spec.get("padding", "valid"))[0], \
                _conv_out(row, where, w, pw, sw, spec.get("padding", "valid"))[0]
            layers.append(PoolDesign(name, x_t, h, w, c, ph, pw, sh, sw, oh, ow, accum_type=default, result_type=x_t,
                                     op="average" if kind.startswith("avg") else "max"))
            h, w = oh, ow
            continue
        wt = typed(i, spec, "weight_precision", dflt, max_bits=MAX_ROW_WEIGHT_BITS)
        bt = typed(i, spec, "bias_precision", dflt)  # hls4ml: the default precision (a QKeras layer: its bias_quantizer)
        acc = typed(i, spec, "accum_precision", dflt)
        res_t = typed(i, spec, "result_precision", dflt)
        sparsity, rf = float(field(spec, "sparsity", 0.0)), int(field(spec, "reuse_factor", 1))
        if kind == "dense":
            n_in, n_out, positions = h * w * c, int(spec["units"]), 1
            if not flat and h * w > 1:
                raise _row_error(row, where, f"a dense layer on a {h}x{w}x{c} input", "put a flatten layer before it")
        else:
            one_d = kind == "conv1d"
            if one_d and h != 1:
                raise _row_error(row, where, f"conv1d on a {h}x{w}x{c} input", "give model.input_shape as [length, channels]")
            kh, kw = _pair(spec["kernel_size"], one_d)
            sh, sw = _pair(spec.get("strides", 1), one_d)
            oh, pad_h = _conv_out(row, where, h, kh, sh, spec.get("padding", "valid"))
            ow, pad_w = _conv_out(row, where, w, kw, sw, spec.get("padding", "valid"))
            n_in, n_out, positions = kh * kw * c, int(spec["filters"]), oh * ow
        rf = _built_reuse_factor(m, name, n_in, n_out, rf, notes)
        wts = synthetic_weights(n_in, n_out, wt, sparsity, rng, **draw)
        bias = _synthetic_bias(n_out, bt, rng)
        n_zeros = int(np.sum(wts == 0.0)) if "weight_precision" in m or "weight_precision" in spec else int(round(sparsity * wts.size))
        if kind == "dense":
            layers.append(DenseDesign(name, wts, bias, x_t, wt, bt, acc, res_t, reuse_factor=rf, n_zeros=n_zeros))
            h, w, c = 1, 1, n_out
        else:
            layers.append(ConvDesign(name, wts, bias, x_t, wt, bt, acc, res_t, reuse_factor=rf, n_zeros=n_zeros,
                                     in_height=h, in_width=w, n_chan=c, filt_height=kh, filt_width=kw,
                                     stride_height=sh, stride_width=sw, out_height=oh, out_width=ow,
                                     pad_top=pad_h // 2, pad_bottom=pad_h - pad_h // 2, pad_left=pad_w // 2,
                                     pad_right=pad_w - pad_w // 2))
            h, w, c = oh, ow, n_out
        last = i == weight_idx[-1]
        # written as Keras writes it, Conv2D(...) then Activation('relu'): the weight layer is linear
        # (Keras' default) and the activation layer after it is the model's, not a second one
        keras_style = "activation" not in spec and i + 1 < len(specs) and specs[i + 1]["type"] == "activation"
        fn = "linear" if keras_style else _activation_name(spec.get("activation", m.get("output_activation", "softmax") if last
                                                                    else m.get("hidden_activation", "relu")))
        a_default = default.hls() if fn in ("softmax", "sigmoid", "tanh") else res_t.hls()
        # the model-wide activation_precision is the hidden activations'; the last weight layer's
        # (and a Keras-style linear one's) is its own, when it gives one
        if not (last or keras_style):
            a_t = typed(i, spec, "activation_precision", a_default)
        elif "activation_precision" in spec:
            a_t = _parse_row_type(row, f"layers[{i}].activation_precision", spec["activation_precision"])
        else:
            a_t = _parse_row_type(row, "default_precision", a_default)
        if fn != "linear" or a_t != res_t:
            layers.append(_row_activation(m, f"{name}_{fn}", fn, positions * n_out, res_t, a_t, rf=rf, positions=positions))
        x_t = a_t
    n_inputs = int(np.prod(shape))
    return layers, inp, n_inputs


def _conv_out(row: dict[str, Any], where: str, size: int, k: int, s: int, padding: str) -> tuple[int, int]:
    """Keras' output size along one axis and the total padding hls4ml adds ('same': split as Keras does)."""
    if padding == "same":
        out = -(-size // s)
        return out, max((out - 1) * s + k - size, 0)
    if k > size:
        raise _row_error(row, where, f"a window of {k} on an input of {size} leaves no output", "use padding 'same' or a smaller window")
    return (size - k) // s + 1, 0


def design_from_published(row: dict[str, Any], seed: int = 0) -> Design:
    """A Design with the row's architecture, precisions, sparsity, reuse factor and strategy.

    Precision, sparsity and reuse-factor fields may be one value or a list with one entry per
    dense layer (heterogeneous models); `activation_precision` lists the hidden activations.
    """
    row = _check_published_row(row)
    rng = np.random.default_rng(seed)
    m = row["model"]
    real = published_weights()
    notes: list[str] = []
    if all(isinstance(x, dict) for x in m["layers"]):
        layers, inp, n_inputs = _design_from_layer_specs(row, rng, notes)
        return _published_design(row, layers, inp, n_inputs, notes)
    sizes: list[int] = list(m["layers"])
    n = len(sizes) - 1
    dflt = m.get("default_precision", f"ap_{HLS4ML_DEFAULT_PRECISION.hls()}")

    def types(key: str, default: Any, max_bits: int = MAX_ROW_TYPE_BITS) -> list[FixedType]:
        return [_parse_row_type(row, key, s, max_bits) for s in _per_layer(row, key, n, default)]

    default = types("default_precision", dflt)[0]
    wts = types("weight_precision" if "weight_precision" in m else "default_precision", dflt, max_bits=MAX_ROW_WEIGHT_BITS)
    # hls4ml gives a float layer's bias the default precision and a QKeras layer's its bias_quantizer
    # (not the kernel's): the default when the row gives none
    bts = types("bias_precision", dflt)
    accs = types("accum_precision", dflt)
    ress = types("result_precision", dflt)
    acts: list[FixedType | None] = [None] * n
    ap = m.get("activation_precision")
    if isinstance(ap, list):  # one per hidden activation (n-1), or one per dense layer (n)
        if len(ap) not in (n - 1, n):
            raise _row_error(row, "model.activation_precision",
                             f"'activation_precision' lists {len(ap)} values for {n - 1} hidden activations and 1 output one",
                             f"give one type, {n - 1} (the hidden activations) or {n} (the output activation's last)")
        acts = [_parse_row_type(row, "activation_precision", s) for s in ap] + [None] * (n - len(ap))
    elif ap is not None:
        acts = [_parse_row_type(row, "activation_precision", ap)] * (n - 1) + [None]
    inp = types("input_precision", dflt)[0]
    sparsities = [float(x) for x in _per_layer(row, "sparsity", n, 0.0)]
    rfs = [int(x) for x in _per_layer(row, "reuse_factor", n, 1)]
    rfs = [_built_reuse_factor(m, f"dense {li + 1}", n_in, n_out, rf, notes)
           for li, (n_in, n_out, rf) in enumerate(zip(sizes[:-1], sizes[1:], rfs))]
    hidden_act = _activation_name(m.get("hidden_activation", "relu"))
    out_act = _activation_name(m.get("output_activation", "softmax"))
    draw = _synthetic_draw(m)
    layers: list = []
    x_t = inp
    for li, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        last = li == n - 1
        wt, bt, res_t, rf = wts[li], bts[li], ress[li], rfs[li]
        src = m.get("weights_from")  # only by name: a user's row that shares a repository id gets synthetic ones
        if src is not None and f"{src}/w{li}" in real:
            # trained firmware weights (the row's own, or those of a project that trained the same
            # model by the same recipe), rounded as ap_fixed rounds their initializers; a pruned
            # row keeps the largest-magnitude ones
            raw = real[f"{src}/w{li}"].reshape(n_in, n_out).copy()
            if src != row["id"] and sparsities[li] > 0:
                k = int(round(sparsities[li] * raw.size))
                raw.reshape(-1)[np.argsort(np.abs(raw), axis=None, kind="stable")[:k]] = 0.0
            w = quantize_to(raw, wt)
            bias = quantize_to(real[f"{src}/b{li}"], bt)
            n_zeros = int(np.sum(raw == 0.0))
        else:
            w = synthetic_weights(n_in, n_out, wt, sparsities[li], rng, **draw)
            bias = _synthetic_bias(n_out, bt, rng)
            # a quantized (QKeras) model: hls4ml sees the quantized zeros; a float model: only the
            # pruned weights are exact zeros
            n_zeros = int(np.sum(w == 0.0)) if "weight_precision" in m else int(round(sparsities[li] * w.size))
        layers.append(DenseDesign(f"fc{li + 1}", w, bias, x_t, wt, bt, accs[li], res_t, reuse_factor=rf,
                                  n_zeros=n_zeros))
        fn = out_act if last else hidden_act
        # the output activation's type: its entry of a list with one per dense layer, else hls4ml's default
        a_t = acts[li] or (default if last and fn in ("softmax", "sigmoid", "tanh") else res_t)
        if fn != "linear" or a_t != res_t:
            layers.append(_row_activation(m, f"{fn}{li + 1}", fn, n_out, res_t, a_t, rf=rf))
        x_t = a_t
    return _published_design(row, layers, inp, sizes[0], notes)


def _published_design(row: dict[str, Any], layers: list, inp: FixedType, n_inputs: int, notes: list[str]) -> Design:
    m = row["model"]
    return Design(
        name=row["id"],
        layers=layers,
        input_type=inp,
        n_inputs=n_inputs,
        backend=_backend_of_row(row),
        part=row["synthesis"]["part"],
        clock_period_ns=_row_clock_ns(row),
        # the uncertainty the report's timing table prints, where it is not the backend's default
        clock_uncertainty=(str(row["synthesis"]["clock_uncertainty_ns"])
                           if row["synthesis"].get("clock_uncertainty_ns") is not None else None),
        io_type=m.get("io_type", "io_parallel"),
        strategy=m.get("strategy", "Latency"),
        # hls4ml made 'stable' the default softmax in 0.7; a row may name its implementation
        extra={"softmax_implementation": m.get("softmax_implementation") or (
                   "latency" if _version_below(row["synthesis"].get("hls4ml"), (0, 7)) else "stable"),
               "hls4ml_version": row["synthesis"].get("hls4ml"), "row_notes": notes},
    )


PUBLISHED_METRICS = ("LUT", "FF", "DSP", "latency_cycles")


def compare_published(rows: list[dict[str, Any]] | None = None, seed: int = 0) -> list[dict[str, Any]]:
    """Estimate every published row and return estimate, published value and % error per metric."""
    rows = load_published() if rows is None else rows
    out = []
    for row in rows:
        source = row.get("source")
        rec: dict[str, Any] = {"id": row.get("id", "?"), "source": source.get("short", "") if isinstance(source, dict) else "",
                               "estimate": {}, "published": {m: None for m in PUBLISHED_METRICS}, "error_pct": {}}
        out.append(rec)
        # one row the estimator cannot price is reported as such and left out of the medians,
        # instead of ending the comparison for every other row
        try:
            pub = published_results(row)
            if pub.get("latency_cycles") is None and pub.get("latency_ns") is not None:
                # a paper that gives the latency in ns only: in cycles of the row's clock (checked first)
                cycles = pub["latency_ns"] / _row_clock_ns(row)
                if not math.isfinite(cycles):
                    raise _row_error(row, "results.latency_ns", f"latency {pub['latency_ns']!r} ns is not a number of "
                                     "cycles of the row's clock", "give the latency the report prints, in ns")
                pub["latency_cycles"] = round(cycles)
            rec["published"] = {m: pub.get(m) for m in PUBLISHED_METRICS}
            design = design_from_published(row, seed=seed)
            if design.extra.get("row_notes"):
                rec["notes"] = list(design.extra["row_notes"])
            est = estimate(design)
            rec["warnings"] = list(est.warnings)
        except ConfigError as exc:
            rec["not_estimated"] = str(exc)
            continue
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            rec["not_estimated"] = (f"published row {rec['id']}: the row lacks or mistypes a field the rebuild needs "
                                    f"({type(exc).__name__}: {exc})")
            continue
        except Exception as exc:  # noqa: BLE001 -- one row must not end the comparison of the others
            rec["not_estimated"] = (f"published row {rec['id']}: the estimate failed on this row ({type(exc).__name__}: {exc}); "
                                    "the other rows are compared -- please report the row")
            continue
        if not est.total["complete"]:
            rec["not_estimated"] = "; ".join(f"layer {lay.name}: {lay.note}" for lay in est.layers if not lay.estimated)
            rec["estimate"] = {m: est.total[m] for m in PUBLISHED_METRICS}  # a lower bound, not compared
            continue
        for m in PUBLISHED_METRICS:
            p = pub.get(m)
            e = est.total[m]
            rec["estimate"][m] = e
            if p is None:
                continue
            if m == "latency_cycles":
                rec["error_pct"][m] = float(e - p)  # cycles, not %
            elif p == 0:
                rec["error_pct"][m] = 0.0 if e == 0 else float("inf")
            else:
                rec["error_pct"][m] = 100.0 * (e - p) / p
        # not targets of the issue, but published by most reports: compared exactly, outside the medians
        rec["other"] = {m: {"estimate": est.total[m], "published": pub[m]} for m in ("BRAM_18K", "ii") if pub.get(m) is not None}
    return out


def median_abs_errors(records: list[dict[str, Any]]) -> dict[str, float]:
    """Median |% error| per resource metric and median |cycle error| for latency."""
    res: dict[str, float] = {}
    for m in PUBLISHED_METRICS:
        vals = [abs(r["error_pct"][m]) for r in records if m in r["error_pct"] and math.isfinite(r["error_pct"][m])]
        res[m] = float(np.median(vals)) if vals else float("nan")
    return res
