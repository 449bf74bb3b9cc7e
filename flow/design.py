"""A small, typed description of a quantized design: what the hardware will compute.

`hls.py` derives it from a QKeras model (every precision set by the flow, not by hls4ml defaults);
`resources.py` estimates cost from it; `bops.py` counts bit operations on it; `report.py` prints it.
No TensorFlow or hls4ml import here, so the cost functions stay fast enough to drive a search.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from flow.parts import DEFAULT_PART

Rounding = Literal["TRN", "RND", "RND_CONV", "RND_ZERO", "RND_INF", "RND_MIN_INF", "TRN_ZERO"]
Saturation = Literal["WRAP", "SAT", "SAT_SYM", "SAT_ZERO"]


@dataclass(frozen=True)
class FixedType:
    """An `ap_fixed<width, integer, rounding, saturation>` (or `ap_ufixed` when not signed).

    `integer` counts the sign bit, as in ap_fixed. QKeras' `quantized_bits(bits, integer)` with
    keep_negative is `FixedType(bits, integer + 1, signed=True)`.
    """

    width: int
    integer: int
    signed: bool = True
    rounding: Rounding = "TRN"
    saturation: Saturation = "WRAP"

    @property
    def frac(self) -> int:
        """Number of fractional bits (may be negative)."""
        return self.width - self.integer

    @property
    def lsb(self) -> float:
        return 2.0 ** (-self.frac)

    @property
    def min_value(self) -> float:
        return -(2.0 ** (self.integer - 1)) if self.signed else 0.0

    @property
    def max_value(self) -> float:
        top = self.integer - 1 if self.signed else self.integer
        return 2.0**top - self.lsb

    def hls(self) -> str:
        """hls4ml precision string, e.g. ``fixed<8,3,RND_CONV,SAT>``."""
        base = "fixed" if self.signed else "ufixed"
        if self.rounding == "TRN" and self.saturation == "WRAP":
            return f"{base}<{self.width},{self.integer}>"
        return f"{base}<{self.width},{self.integer},{self.rounding},{self.saturation}>"

    def same_grid(self, other: "FixedType") -> bool:
        """Same values representable (width, integer bits, sign); rounding/overflow modes aside."""
        return (self.width, self.integer, self.signed) == (other.width, other.integer, other.signed)

    def represents(self, values: np.ndarray) -> bool:
        """True when every value is exactly on this type's grid and inside its range."""
        v = np.asarray(values, dtype=np.float64)
        scaled = v / self.lsb
        return bool(np.all(scaled == np.round(scaled)) and np.all(v >= self.min_value) and np.all(v <= self.max_value))

    @staticmethod
    def covering(lo: float, hi: float, frac: int, *, rounding: Rounding = "TRN", saturation: Saturation = "WRAP") -> "FixedType":
        """The narrowest type with `frac` fractional bits that holds every value in [lo, hi] exactly."""
        signed = lo < 0
        # integer bits (without sign) needed so that hi <= 2^i - lsb and lo >= -2^i; may be
        # negative for values that are all well below 1
        i = -frac
        while not (hi <= 2.0**i - 2.0 ** (-frac) and -lo <= 2.0**i):
            i += 1
        integer = i + (1 if signed else 0)
        width = max(integer + frac, 1)
        return FixedType(width, integer, signed, rounding, saturation)


@dataclass
class DenseDesign:
    """A fully connected layer as the FPGA computes it: y = x @ W + b, accumulated exactly.

    `weights` holds the quantized values (zeros where pruned), shape (n_in, n_out).
    """

    name: str
    weights: np.ndarray
    bias: np.ndarray
    input_type: FixedType
    weight_type: FixedType
    bias_type: FixedType
    accum_type: FixedType
    result_type: FixedType
    reuse_factor: int = 1
    kind: Literal["dense"] = "dense"
    #: hls4ml's n_zeros: zeros in the weights hls4ml was given (before its ap_fixed rounding), which
    #: set its multiplier_limit; None means the zeros of `weights` (a QKeras model's are the same)
    n_zeros: int | None = None
    #: bits of each input when they differ per input (an HGQ quantizer casts every activation to
    #: its own width); None: every input has `input_type`'s width
    input_widths: np.ndarray | None = None

    @property
    def n_in(self) -> int:
        return int(self.weights.shape[0])

    @property
    def n_out(self) -> int:
        return int(self.weights.shape[1])

    @property
    def sparsity(self) -> float:
        return float(np.mean(self.weights == 0)) if self.weights.size else 0.0

    @property
    def positions(self) -> int:
        """Output positions the weights are applied at (a dense layer: one)."""
        return 1


@dataclass
class ConvDesign(DenseDesign):
    """A QConv1D/QConv2D as hls4ml computes it: one dense kernel, `weights` as a
    (filt_height*filt_width*n_chan, n_filt) matrix, applied at every output position.

    A Conv1D has height 1. The pads are the zeros hls4ml adds around the input ('same' padding);
    `parallelization_factor` is hls4ml's ParallelizationFactor (output positions computed at once
    by io_parallel; 1 is its default).
    """

    in_height: int = 1
    in_width: int = 1
    n_chan: int = 1
    filt_height: int = 1
    filt_width: int = 1
    stride_height: int = 1
    stride_width: int = 1
    out_height: int = 1
    out_width: int = 1
    pad_top: int = 0
    pad_bottom: int = 0
    pad_left: int = 0
    pad_right: int = 0
    parallelization_factor: int = 1
    kind: Literal["conv"] = "conv"  # type: ignore[assignment]

    @property
    def positions(self) -> int:
        return self.out_height * self.out_width

    def kernel(self) -> DenseDesign:
        """The per-position dense layer hls4ml instantiates (its `mult_config`)."""
        return DenseDesign(self.name, self.weights, self.bias, self.input_type, self.weight_type, self.bias_type,
                           self.accum_type, self.result_type, reuse_factor=self.reuse_factor, n_zeros=self.n_zeros)


@dataclass
class PoolDesign:
    """A pooling over (in_height, in_width, n_chan) values of `input_type`: MaxPooling1D/2D, or in
    an hls4ml project also average and global pooling (a global one is a window over the whole
    input, one output position)."""

    name: str
    input_type: FixedType
    in_height: int
    in_width: int
    n_chan: int
    pool_height: int
    pool_width: int
    stride_height: int
    stride_width: int
    out_height: int
    out_width: int
    reuse_factor: int = 1
    kind: Literal["pool"] = "pool"
    #: hls4ml's pooling accum_t (the maxima are taken in it) and the output type; None: the input's
    accum_type: FixedType | None = None
    result_type: FixedType | None = None
    op: Literal["max", "average"] = "max"

    @property
    def positions(self) -> int:
        return self.out_height * self.out_width


#: hls4ml's other lookup-table activations (nnet_activation.h): a 1024-entry table each, indexed
#: like sigmoid's (softplus, softsign) or over the negative half only (elu, selu)
TABLE_ACTIVATIONS = ("elu", "selu", "softplus", "softsign")
#: every activation hls4ml computes from a lookup table (1024 entries by default)
#: hls4ml's default lookup-table size (softmax exp and 1/x tables, sigmoid, tanh)
SOFTMAX_TABLE_SIZE = 1024


def softmax_table_sizes(implementation: str, input_type: "FixedType | None") -> tuple[int, int]:
    """(exp table, 1/x table) entries of hls4ml 1.3.0's softmax as the flow configures it.

    The flow sets both sizes (flow.hls), which keeps hls4ml's fix_softmax_table_size pass from
    cutting the 1/x table to the logits' 2^width: that table is indexed by the sum of
    exponentials in its own 18-bit type, and cut to 128 entries for 7-bit logits it gave outputs
    like 30.4 and -27.4. The exp table is indexed by the logits, so it holds at most what their
    bits address (for 'stable' the template takes a signed input's magnitude bits, width - 1).
    'legacy' indexes both tables arithmetically (x * size / 16, sum * size / 64), which any input
    width can address: both keep their size (cut to 32 for 5-bit logits, its argmax agreed with
    QKeras on a third of the rows). 'argmax' has no tables."""
    full = SOFTMAX_TABLE_SIZE
    if input_type is None or implementation == "legacy":
        return full, full
    bits = input_type.width - 1 if implementation == "stable" and input_type.signed else input_type.width
    return min(full, 2 ** max(bits, 0)), full


LOOKUP_TABLE_ACTIVATIONS = ("softmax", "sigmoid", "tanh", *TABLE_ACTIVATIONS)
#: QKeras' quantized_sigmoid/quantized_tanh as hls4ml converts them (slope * x + shift, clipped)
HARD_ACTIVATIONS = ("hard_sigmoid", "hard_tanh")


@dataclass
class ActivationDesign:
    """An element-wise activation (relu, linear quantizer, softmax, ...) on `n` values."""

    name: str
    function: Literal["relu", "linear", "softmax", "sigmoid", "tanh", "leaky_relu", "hard_sigmoid", "hard_tanh", "elu", "selu",
                      "softplus", "softsign", "thresholded_relu", "prelu"]
    n: int
    input_type: FixedType
    result_type: FixedType
    table_size: int | None = None  # lookup-table entries, for softmax/sigmoid/tanh (a softmax's exp table)
    reuse_factor: int = 1
    kind: Literal["activation"] = "activation"
    #: a softmax's 1/x table entries when they differ from its exp table's (None: the same, or
    #: for a design the flow converts, softmax_table_sizes)
    inv_table_size: int | None = None
    #: positions (pixels) the n values span: io_stream passes one position per stream item, so
    #: its hardware holds n / positions units; 1 for a flat layer
    positions: int = 1
    #: leaky_relu/elu: the slope (scale) of the negative side, thresholded_relu: its theta; and the
    #: type hls4ml holds it in (its param_t)
    alpha: float | None = None
    param_type: FixedType | None = None
    #: prelu: one slope per value (hls4ml's alpha array)
    alphas: list[float] | None = None


@dataclass
class UnmodelledDesign:
    """A layer the flow converts and verifies but the resource estimate does not price (one an
    hls4ml project names that the estimator does not know): carried so the estimate reports it
    'not estimated', never as zero."""

    name: str
    layer_type: str  # the Keras class, e.g. "QConv2D"
    note: str = ""  # empty: "<layer_type> is not modelled by the resource estimate"
    kind: Literal["unmodelled"] = "unmodelled"

    def __post_init__(self) -> None:
        if not self.note:
            self.note = f"{self.layer_type} is not modelled by the resource estimate"


@dataclass
class ResizeDesign:
    """hls4ml's `resize_nearest` (UpSampling1D/2D): every value repeated over a
    height_factor x width_factor block, in `input_type` (data movement, no arithmetic)."""

    name: str
    input_type: FixedType
    in_height: int
    in_width: int
    n_chan: int
    out_height: int
    out_width: int
    kind: Literal["resize"] = "resize"

    @property
    def positions(self) -> int:
        return self.out_height * self.out_width


@dataclass
class MergeDesign:
    """hls4ml's Merge/Concatenate of two tensors of `n1` and `n2` values (`nnet::add`, ...,
    `concatenate1d/2d/3d`): element-wise on equal shapes, or the two joined for a concatenate.
    `positions` as for an activation (io_stream passes one position per item)."""

    name: str
    op: Literal["add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate"]
    n1: int
    n2: int
    input_type: FixedType
    input2_type: FixedType
    result_type: FixedType
    positions: int = 1
    kind: Literal["merge"] = "merge"

    @property
    def n(self) -> int:
        """Values the layer writes."""
        return self.n1 + self.n2 if self.op == "concatenate" else max(self.n1, self.n2)


LayerDesign = DenseDesign | ConvDesign | PoolDesign | ActivationDesign | MergeDesign | ResizeDesign | UnmodelledDesign


#: what hls4ml uses where nothing is said: config_from_keras_model's precision, its clock period
HLS4ML_DEFAULT_PRECISION = FixedType(16, 6)
HLS4ML_DEFAULT_CLOCK_NS = 5.0
#: hls4ml's softmax implementations (its Softmax 'Implementation'); the first is its default
SOFTMAX_IMPLEMENTATIONS = ("stable", "latency", "argmax", "legacy")


@dataclass
class Design:
    """The whole network plus the implementation choices that change its cost."""

    name: str
    layers: list[LayerDesign]
    input_type: FixedType
    n_inputs: int
    backend: str = "Vivado"
    part: str = DEFAULT_PART
    clock_period_ns: float = HLS4ML_DEFAULT_CLOCK_NS
    io_type: str = "io_parallel"
    strategy: str = "Latency"
    #: hls4ml's ClockUncertainty: "12.5%" of the period or a time in ns ("0.62"); None: the
    #: backend's default (Vivado 12.5 %, Vitis 27 %). HLS keeps it out of every cycle it schedules.
    clock_uncertainty: str | None = None
    extra: dict = field(default_factory=dict)
    #: a branching network (skip connections, merges): layer name -> the names of the layers it
    #: reads ("input": the design's input). A layer not listed reads the layer before it, so a
    #: chain needs no entry at all.
    inputs: dict[str, list[str]] = field(default_factory=dict)

    def inputs_of(self, index: int) -> list[str]:
        """Names of the layers feeding layer `index` ("input" for the design's input)."""
        return list(self.inputs.get(self.layers[index].name) or _chained([layer.name for layer in self.layers], index))

    def dense_layers(self) -> list[DenseDesign]:
        """The weight layers: dense and convolution (a ConvDesign is a DenseDesign applied at every position)."""
        return [layer for layer in self.layers if isinstance(layer, DenseDesign)]


def _chained(names: list[str], index: int) -> list[str]:
    """What layer `index` of a chain reads: the layer before it, or the design's input."""
    return [names[index - 1] if index > 0 else "input"]


def branch_inputs(names: list[str], reads: dict[str, list[str]]) -> dict[str, list[str]]:
    """`Design.inputs` from what each layer reads: only the layers that do not read the one before them."""
    return {name: list(reads[name]) for i, name in enumerate(names)
            if name in reads and list(reads[name]) != _chained(names, i)}


def accumulator_type(
    input_type: FixedType, weight_type: FixedType, bias_type: FixedType, weights: np.ndarray, bias: np.ndarray
) -> FixedType:
    """The narrowest fixed type that holds x @ W + b exactly for every x the input type can hold.

    Uses the actual weights (so pruned and small weights shrink the range), which is what makes
    the C-simulation exact without wasting bits.
    """
    w = np.asarray(weights, dtype=np.float64)
    b = np.asarray(bias, dtype=np.float64)
    xlo, xhi = input_type.min_value, input_type.max_value
    # per output column: range of sum_i w_i x_i over x in [xlo, xhi]^n
    pos = np.clip(w, 0, None)
    neg = np.clip(w, None, 0)
    hi = pos.sum(axis=0) * xhi + neg.sum(axis=0) * xlo + b
    lo = pos.sum(axis=0) * xlo + neg.sum(axis=0) * xhi + b
    frac = max(input_type.frac + weight_type.frac, bias_type.frac)
    lo_all = float(np.min(lo)) if lo.size else 0.0
    hi_all = float(np.max(hi)) if hi.size else 0.0
    return FixedType.covering(min(lo_all, 0.0), max(hi_all, 0.0), frac)


def merge_result_type(op: str, a: FixedType, b: FixedType) -> FixedType:
    """The narrowest type holding `op`(x, y) exactly for every x of type `a` and y of type `b`:
    what hls4ml's merge computes at full precision before its cast to the result type."""
    frac = max(a.frac, b.frac)
    if op in ("add", "subtract", "average"):
        lo = a.min_value + (b.min_value if op != "subtract" else -b.max_value)
        hi = a.max_value + (b.max_value if op != "subtract" else -b.min_value)
        if op == "average":  # hls4ml: (x + y) * ap_ufixed<1,0>(0.5), one more fractional bit
            lo, hi, frac = lo / 2, hi / 2, frac + 1
    elif op == "multiply":
        corners = [x * y for x in (a.min_value, a.max_value) for y in (b.min_value, b.max_value)]
        lo, hi, frac = min(corners), max(corners), a.frac + b.frac
    elif op == "maximum":
        lo, hi = max(a.min_value, b.min_value), max(a.max_value, b.max_value)
    elif op in ("minimum", "concatenate"):
        lo, hi = min(a.min_value, b.min_value), (min if op == "minimum" else max)(a.max_value, b.max_value)
    else:
        raise ValueError(f"unknown merge operation {op!r}")
    return FixedType.covering(min(lo, 0.0), max(hi, 0.0), frac)


@dataclass
class NormalizeDesign(DenseDesign):
    """hls4ml's `normalize` (a BatchNormalization it did not fuse): x * scale + bias per element,
    one scale and bias per channel. `weights` is the diagonal (n_chan x n_chan) matrix of one
    position; the layer applies it at `n_positions` positions (a convolution's pixels: hls4ml's
    n_in = positions x n_filt, scale index = element % n_filt)."""

    n_positions: int = 1
    kind: Literal["normalize"] = "normalize"  # type: ignore[assignment]

    @property
    def positions(self) -> int:
        return self.n_positions


def normalize_dense(name: str, scale: np.ndarray, bias: np.ndarray, input_type: FixedType, scale_type: FixedType,
                    bias_type: FixedType, result_type: FixedType, *, reuse_factor: int = 1,
                    positions: int = 1) -> NormalizeDesign:
    """hls4ml's `normalize` as a dense layer with a diagonal weight matrix: one constant product
    and one adder per element (the estimate takes hls4ml's multiplier_limit ceil(n / RF) for it,
    which the diagonal's zero count does not give: 8 channels at RF 3 is 3, not 22 - 18 = 4);
    `positions` > 1 for a per-channel normalization of an image or sequence."""
    w = np.diag(quantize_to(scale, scale_type))
    b = quantize_to(bias, bias_type)
    acc = accumulator_type(input_type, scale_type, bias_type, w, b)
    return NormalizeDesign(name, w, b, input_type, scale_type, bias_type, acc, result_type, reuse_factor=reuse_factor,
                           n_zeros=int(w.size - np.count_nonzero(w)), n_positions=positions)


_AP_FIXED_RE = re.compile(r"^ap_(u?)fixed<(\d+),(-?\d+)(?:,(?:AP_)?(\w+))?(?:,(?:AP_)?(\w+))?(?:,\d+)?>$")
_AP_INT_RE = re.compile(r"^ap_(u?)int<(\d+)>$")


def parse_ap_type(text: str) -> FixedType | None:
    """'ap_fixed<16,6>', 'ap_ufixed<6,0,AP_RND_CONV,AP_SAT,0>' or 'ap_int<8>' -> FixedType; None if not one.

    Callers raise their own error (config vs model) naming where the text came from.
    """
    s = re.sub(r"\s+", "", text or "")
    m = _AP_FIXED_RE.match(s)
    if m:
        uns, w, i, rnd, sat = m.groups()
        return FixedType(int(w), int(i), signed=not uns, rounding=(rnd or "TRN"), saturation=(sat or "WRAP"))  # type: ignore[arg-type]
    m = _AP_INT_RE.match(s)
    if m:
        return FixedType(int(m.group(2)), int(m.group(2)), signed=not m.group(1))
    return None


def hls4ml_resource_reuse_factors(n_in: int, n_out: int) -> list[int]:
    """The reuse factors hls4ml 1.3.0 accepts for a Resource-strategy n_in x n_out kernel
    (FPGABackend._validate_reuse_factor): divisors of n_in*n_out, below n_in or a multiple of it,
    and below n_in only when every multiplier serves whole outputs."""
    total = n_in * n_out
    divisors = sorted({d for i in range(1, math.isqrt(total) + 1) if total % i == 0 for d in (i, total // i)})
    return [rf for rf in divisors
            if (math.ceil(total / min(n_in, rf)) % n_out == 0 or rf >= n_in) and (rf % n_in == 0 or rf < n_in)]


def closest_resource_reuse_factor(n_in: int, n_out: int, requested: int) -> int:
    """The reuse factor hls4ml builds a Resource-strategy n_in x n_out kernel with: the request when
    valid, else the closest valid one, ties to the smaller (FPGABackend.set_closest_reuse_factor)."""
    valid = hls4ml_resource_reuse_factors(n_in, n_out)
    return requested if requested in valid else min(valid, key=lambda rf: (abs(rf - requested), rf))


def depthwise_matrix(kernel: np.ndarray) -> np.ndarray:
    """A depthwise kernel as a (k, C) matrix (window element i, channel c) turned into the (k*C, C)
    matrix of a regular convolution: row i*C + c (hls4ml's im2col order) feeds output c only, so
    the estimate prices each of the k*C weights once and the zeros outside the blocks not at all."""
    k, c = kernel.shape
    M = np.zeros((k * c, c))
    for ch in range(c):
        M[np.arange(k) * c + ch, ch] = kernel[:, ch]
    return M


def log2_ceil(n: int) -> int:
    return int(math.ceil(math.log2(n))) if n > 1 else 0


def _type_dict(t: FixedType) -> dict:
    return {"width": t.width, "integer": t.integer, "signed": t.signed, "rounding": t.rounding, "saturation": t.saturation}


def design_to_dict(design: Design) -> dict:
    """JSON-able form (weights as lists) so later stages and `flow estimate` need no TensorFlow."""
    layers = []
    for layer in design.layers:
        d = {k: v for k, v in vars(layer).items()}
        for k, v in list(d.items()):
            if isinstance(v, FixedType):
                d[k] = _type_dict(v)
            elif isinstance(v, np.ndarray):
                d[k] = v.tolist()
        layers.append(d)
    out = {k: v for k, v in vars(design).items() if k != "layers"}
    out["input_type"] = _type_dict(design.input_type)
    out["layers"] = layers
    return out


#: each layer class by its `kind`, for reading design.json back
_DESIGN_KINDS: dict[str, type] = {"dense": DenseDesign, "conv": ConvDesign, "normalize": NormalizeDesign, "pool": PoolDesign,
                                  "activation": ActivationDesign, "merge": MergeDesign, "resize": ResizeDesign,
                                  "unmodelled": UnmodelledDesign}


def design_from_dict(data: dict) -> Design:
    def ft(d: dict) -> FixedType:
        return FixedType(**d)

    layers: list[LayerDesign] = []
    for d in data["layers"]:
        d = dict(d)
        for k in ("input_type", "input2_type", "weight_type", "bias_type", "accum_type", "result_type", "param_type"):
            if d.get(k) is not None:
                d[k] = ft(d[k])
        cls = _DESIGN_KINDS[d["kind"]]
        if issubclass(cls, DenseDesign):
            d["weights"] = np.asarray(d["weights"], dtype=np.float64)
            d["bias"] = np.asarray(d["bias"], dtype=np.float64)
            if d.get("input_widths") is not None:
                d["input_widths"] = np.asarray(d["input_widths"], dtype=np.int64)
        layers.append(cls(**d))
    rest = {k: v for k, v in data.items() if k not in {"layers", "input_type"}}
    return Design(layers=layers, input_type=ft(data["input_type"]), **rest)


def exact_type(values: np.ndarray, *, max_frac: int = 24) -> FixedType | None:
    """The narrowest type that holds every value exactly (at most `max_frac` fractional bits), or
    None when no such type exists (a value off every binary grid, e.g. 0.1)."""
    v = np.asarray(values, dtype=np.float64)
    for frac in range(0, max_frac + 1):
        scaled = v * 2.0**frac
        if np.all(scaled == np.round(scaled)):
            lo, hi = (float(min(v.min(), 0)), float(max(v.max(), 0))) if v.size else (0.0, 0.0)
            return FixedType.covering(lo, hi, frac)
    return None


def quantize_to(values: np.ndarray, t: FixedType) -> np.ndarray:
    """What ap_fixed does to a C++ double initializer: round per `t.rounding`, then saturate or wrap."""
    scaled = np.asarray(values, dtype=np.float64) / t.lsb
    if t.rounding in ("RND", "RND_INF"):
        q = np.floor(scaled + 0.5)
    elif t.rounding == "RND_CONV":
        q = np.round(scaled)
    elif t.rounding in ("RND_ZERO", "TRN_ZERO"):
        q = np.trunc(scaled)
    else:  # TRN, RND_MIN_INF
        q = np.floor(scaled)
    lo, hi = t.min_value / t.lsb, t.max_value / t.lsb
    if t.saturation == "SAT_SYM" and t.signed:
        lo = -hi  # ap_fixed's symmetric saturation never gives the most negative code (QKeras' symmetric grids)
    if t.saturation == "WRAP":
        span = 2.0**t.width
        q = np.where((q < lo) | (q > hi), (q - lo) % span + lo, q)
    else:
        q = np.clip(q, lo, hi)
    return q * t.lsb
