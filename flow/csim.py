"""g++ C-simulation of the hls4ml project and the bit-exact proof against QKeras, layer by layer.

Exactness is equality of every value of every traced layer. The QKeras side is the model's own
layer outputs on the same quantized inputs; for a Dense with a fused activation, whose
pre-activation Keras does not expose, and wherever QKeras' float32 arithmetic rounds (sums wider
than 24 bits), the reference is x @ W + b in float64 from QKeras' own quantized weights and the
previous layer's reference. Softmax is an approximation in
hls4ml by design: it is checked as argmax agreement, and exactness is proved on the logits.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from flow.errors import DataError, NotBitExactError, ToolError
from flow.hls import NodePrecision, Plan

log = logging.getLogger(__name__)


def require_compiler() -> None:
    """hls4ml compiles with g++; fail before any long work when it is missing."""
    if shutil.which("g++") is None:
        raise ToolError(
            "g++ not found on PATH; the C-simulation compiles the HLS project with it",
            where="csim",
            fix="install it (Debian/Ubuntu: apt-get install g++; macOS: xcode-select --install) or put it on PATH",
        )


def prepare_inputs(model, plan: Plan, X: np.ndarray) -> np.ndarray:
    """The inputs as the FPGA receives them: quantized by the model's own input quantizer (via
    QKeras itself, so both sides see identical numbers) or onto the declared/default type."""
    from flow.quant import layer_activation, quantize_array

    X = np.asarray(X, dtype=np.float32)
    if plan.input_quantizer is not None and plan.input_source.startswith("model"):
        q = layer_activation(model.layers[1])
        Xq = np.asarray(q(X).numpy(), dtype=np.float32)
    else:
        Xq = quantize_array(X, plan.input_type)
        t = plan.input_type
        clipped = int(np.sum((X < t.min_value) | (X > t.max_value)))
        if clipped:
            # no input quantizer of the model's own: the saturation is the flow's, so say how much
            log.warning("%d of %d input values lie outside %s (%g .. %g) and are saturated to its range; "
                        "standardize the inputs or declare a wider --input-type", clipped, X.size, t.hls(), t.min_value, t.max_value)
    if not plan.input_type.represents(Xq):
        big = float(np.max(np.abs(X))) if X.size else 0.0
        if big > 2.0 ** 22 * plan.input_type.lsb:
            # QKeras' straight-through x + stop_gradient(q(x) - x) in float32 loses q(x) next to such an x
            raise DataError(f"inputs up to |x| = {big:.3g} are too large for QKeras' float32 input quantizer: it returns "
                            f"values outside its own grid ({plan.input_type.hls()})", where="csim inputs",
                            fix="standardize or rescale the features (data.standardize: true in a config), or clip them to "
                                "the input quantizer's range first")
        raise NotBitExactError(
            f"quantized inputs are not representable in {plan.input_type.hls()}",
            where="csim inputs",
            fix="this is a flow bug in the input type derivation; please report it with the model",
        )
    return Xq


def _exact_activation(node, prev: np.ndarray) -> np.ndarray:
    """What a fixed-point element-wise node computes from exact inputs: its cast (QKeras'
    quantized_bits / quantized_relu are RND_CONV + SAT casts, the types the flow gives hls4ml);
    a hard_tanh / hard_sigmoid (QKeras' quantized_tanh / quantized_sigmoid) casts its clipped
    input, clip(x, -1, 1) / clip(0.5 x + 0.5, 0, 1), exact in float64."""
    from flow.design import quantize_to

    if node.function == "hard_tanh":
        x = np.clip(prev, -1.0, 1.0)
    elif node.function == "hard_sigmoid":
        x = np.clip(0.5 * prev + 0.5, 0.0, 1.0)
    else:
        x = np.maximum(prev, 0.0) if node.function == "relu" or "quantized_relu" in node.function else prev
    return quantize_to(x, node.result)


def _float32_rounds_hard(node: NodePrecision, before: NodePrecision | None) -> bool:
    """A hard_tanh / hard_sigmoid whose input has more fractional bits than QKeras' float32
    0.5 * x + 0.5 holds (or an unknown input type): QKeras' own output may be rounded there, so the
    reference is the exact value (and the report counts where QKeras differs from it)."""
    from flow.hls import HARD_EXACT_INPUT_FRAC

    if node.function not in ("hard_tanh", "hard_sigmoid"):
        return False
    in_t = before.result if before is not None else None
    return in_t is None or in_t.frac > HARD_EXACT_INPUT_FRAC


def _as_layer_input(layer, prev: np.ndarray):
    """Flattened float64 rows as the layer's input tensor ((rows, length, C) or (rows, H, W, C))."""
    import tensorflow as tf

    return tf.constant(prev.reshape((len(prev),) + tuple(layer.input_shape[1:])), tf.float64)


def _exact_conv(layer, prev: np.ndarray, W: np.ndarray, b: np.ndarray, part: str = "") -> np.ndarray:
    """A QConv1D/QConv2D's output in float64 (exact up to 53 bits) from its quantized kernel,
    flattened; `part` 'depthwise' (a depthwise kernel, one filter per channel) or 'pointwise' (the
    1x1 half of a separable conv, applied to its depthwise half's output `prev`)."""
    import tensorflow as tf

    if part == "pointwise":
        return ((prev.reshape(len(prev), -1, W.shape[-2]) @ W.reshape(W.shape[-2], W.shape[-1])) + b).reshape(len(prev), -1)
    x = _as_layer_input(layer, prev)
    if part == "depthwise":
        # a regular convolution whose kernel connects channel c to output c only (tf's own depthwise
        # op takes no 1-D strides)
        c = W.shape[-2]
        full = np.zeros(W.shape[:-2] + (c, c))
        full[..., np.arange(c), np.arange(c)] = W[..., 0]
        W = full
    y = tf.nn.convolution(x, tf.constant(W, tf.float64), strides=list(layer.strides), padding=layer.padding.upper()).numpy() + b
    return y.reshape(len(prev), -1)


def _exact_pool(layer, prev: np.ndarray) -> np.ndarray:
    """A max, average or global pooling's output in float64 from exact inputs, flattened (a mean
    over a power-of-two window, the only one the flow proves, is exact there)."""
    import tensorflow as tf

    kind = type(layer).__name__
    x = _as_layer_input(layer, prev)
    if kind.startswith("Global"):
        axes = list(range(1, len(x.shape) - 1))
        y = (tf.reduce_max(x, axes) if "Max" in kind else tf.reduce_mean(x, axes)).numpy()
    else:
        y = tf.nn.pool(x, window_shape=list(layer.pool_size), pooling_type="MAX" if "Max" in kind else "AVG",
                       strides=list(layer.strides), padding=layer.padding.upper()).numpy()
    return y.reshape(len(prev), -1)


def _exact_pad(layer, prev: np.ndarray) -> np.ndarray:
    """A ZeroPadding1D/2D's output from exact inputs, flattened."""
    x = prev.reshape((len(prev),) + tuple(layer.input_shape[1:]))
    pads = np.atleast_2d(np.asarray(layer.padding, dtype=int)).tolist()  # ((left, right),) or ((top, bottom), (left, right))
    return np.pad(x, [(0, 0), *[tuple(p) for p in pads], (0, 0)]).reshape(len(prev), -1)


def _exact_resize(layer, prev: np.ndarray) -> np.ndarray:
    """An UpSampling1D/2D's output from exact inputs (each value repeated over its block), flattened."""
    x = prev.reshape((len(prev),) + tuple(layer.input_shape[1:]))
    for axis, factor in enumerate(np.atleast_1d(layer.size), start=1):
        x = np.repeat(x, int(factor), axis=axis)
    return x.reshape(len(prev), -1)


def _exact_merge(layer, op: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A merge's output in float64 from exact inputs (flattened rows), as hls4ml computes it
    before its cast: the flow types the result to hold it."""
    if op == "concatenate":
        shapes = [tuple(s[1:]) for s in layer.input_shape]
        joined = np.concatenate([a.reshape((len(a),) + shapes[0]), b.reshape((len(b),) + shapes[1])], axis=layer.axis)
        return joined.reshape(len(a), -1)
    ops = {"add": np.add, "subtract": np.subtract, "multiply": np.multiply, "maximum": np.maximum, "minimum": np.minimum,
           "average": lambda x, y: (x + y) * 0.5}
    return ops[op](a, b)


def keras_reference(model, plan: Plan, Xq: np.ndarray) -> tuple[dict[str, np.ndarray], list[str]]:
    """Reference output of every plan node, from the QKeras model on the quantized inputs, and
    notes on where QKeras' own float32 arithmetic rounded.

    QKeras computes in float32: a dense sum wider than its 24-bit mantissa may come out rounded.
    There (and downstream, until QKeras' values agree again) the reference is the exact value of
    QKeras' own quantized weights and inputs, x @ W + b in float64, and the node's cast of it;
    everywhere else it is QKeras' output itself. HLS traces are doubles: exact up to 53 bits.
    """
    import tensorflow as tf

    from flow.hls import FLOAT32_EXACT_BITS
    from flow.model import quantized_weights

    names = [layer.name for layer in model.layers[1:]]
    probe = tf.keras.Model(model.input, [model.get_layer(n).output for n in names])
    outs = probe.predict(Xq, verbose=0, batch_size=4096)
    if len(names) == 1:
        outs = [outs]
    by_layer = {n: np.asarray(o, dtype=np.float64).reshape(len(Xq), -1) for n, o in zip(names, outs)}
    ref: dict[str, np.ndarray] = {}
    notes: list[str] = []
    weights = quantized_weights(model)
    # per node: its reference value, and whether QKeras' float32 values may differ from the exact ones
    values = {plan.nodes[0].name: Xq.astype(np.float64).reshape(len(Xq), -1)}
    drifted = {plan.nodes[0].name: False}
    before = plan.nodes[0].name
    for node in plan.nodes[1:]:
        srcs = node.inputs or (before,)
        before = node.name
        prev, inexact = values[srcs[0]], any(drifted[s] for s in srcs)
        qk = by_layer.get(node.keras_layer) if node.keras_layer is not None else None
        if node.function == "merge":
            value = _exact_merge(model.get_layer(node.name), node.op, prev, values[srcs[1]])
            inexact = qk is None or not np.array_equal(qk, value)
        elif node.function in ("dense", "conv"):
            W, b = weights[node.name]
            if node.scale is not None:  # alpha='auto_po2': hls4ml's layer sums with the unscaled kernel, no bias
                W, b = W / node.scale, np.zeros_like(b)
            exact = (prev @ W + b if node.function == "dense"
                     else _exact_conv(model.get_layer(node.source or node.name), prev, W, b, part=node.part))
            wide = node.accum is not None and node.accum.width > FLOAT32_EXACT_BITS
            if qk is None or wide or inexact:
                value = exact
                # no QKeras output of its own (a fused activation follows): QKeras' float32 sum is still
                # exact when it fits the mantissa and its inputs were, and the activation after it is
                # then compared with QKeras' real output, not with the flow's model of the quantizer
                inexact = (wide or inexact) if qk is None else not np.array_equal(qk, exact)
            else:
                value = qk
        elif node.function == "alpha":
            # the '<layer>_alpha' node: the unscaled sum times the power-of-two scale plus the bias, per
            # channel (channels last: element i is channel i % channels); exact in float64
            reps = prev.shape[1] // node.scale.size
            value = prev * np.tile(node.scale, reps) + np.tile(node.alpha_bias, reps)
            inexact = inexact if qk is None else not np.array_equal(qk, value)
        elif node.function == "pool" and (inexact or node.accum is not None and node.accum.width > FLOAT32_EXACT_BITS):
            # an average's sum wider than float32's mantissa may come out rounded in QKeras
            value = _exact_pool(model.get_layer(node.name), prev)
            inexact = qk is None or not np.array_equal(qk, value)
        elif node.function == "reshape":
            value = prev  # Flatten, Reshape: the same values in the same order
        elif node.function in ("pad", "resize") and inexact:
            value = (_exact_pad if node.function == "pad" else _exact_resize)(model.get_layer(node.name), prev)
            inexact = qk is None or not np.array_equal(qk, value)
        elif node.result is not None and (inexact or _float32_rounds_hard(node, plan.node(srcs[0]))):
            value = _exact_activation(node, prev)
            inexact = qk is None or not np.array_equal(qk, value)
        else:
            value = qk
        if qk is not None and value is not qk and node.function != "reshape":  # a Flatten repeats its input's note
            n_diff = int(np.sum(qk != value))
            if n_diff:
                why = ("its 0.5 * x + 0.5 on an input with more than 23 fractional bits, or on an input QKeras rounded"
                       if node.function in ("hard_tanh", "hard_sigmoid")
                       else "a sum wider than float32's 24-bit mantissa, or computed from a value QKeras rounded")
                notes.append(f"layer {node.keras_layer!r}: QKeras' float32 arithmetic rounds {n_diff} of {value.size} values "
                             f"({why}); compared with the exact values of QKeras' quantized weights and inputs (float64)")
        if value is None:  # no reference of its own (a lookup-table output QKeras does not expose): transparent
            values[node.name], drifted[node.name] = prev, inexact
            continue
        ref[node.name] = values[node.name] = value
        drifted[node.name] = inexact
    return ref, notes


@dataclass
class LayerCheck:
    name: str
    values: int
    exact_values: int
    max_lsb_diff: float
    hls_type: str
    qkeras_type: str
    traced: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "name"}


#: how a lookup-table output is compared with QKeras: the decision each output encodes
DECISION_CUTS = {"sigmoid": 0.5, "tanh": 0.0}
#: below this share of agreeing decisions the report warns about hls4ml's output table
DECISION_AGREEMENT_WARN = 0.99
DECISIONS = {"softmax": "argmax", **{f: f"> {cut:g}" for f, cut in DECISION_CUTS.items()}}


@dataclass
class ExactnessReport:
    rows: int
    exact_rows: int
    layers: dict[str, LayerCheck]
    output_layer: str
    warnings: list[str] = field(default_factory=list)
    #: the lookup-table output activation (softmax, sigmoid, tanh) compared as decisions, if any
    approximate_output: str | None = None
    #: its decision agreement with QKeras (DECISIONS)
    output_agreement: float | None = None

    @property
    def softmax_argmax_agreement(self) -> float | None:
        return self.output_agreement if self.approximate_output == "softmax" else None

    @property
    def exact(self) -> bool:
        return self.rows > 0 and self.exact_rows == self.rows and all(c.exact_values == c.values for c in self.layers.values())

    def first_mismatch(self) -> LayerCheck | None:
        return next((c for c in self.layers.values() if c.exact_values != c.values), None)

    def diagnosis(self) -> str:
        bad = self.first_mismatch()
        if bad is None:
            return "bit-exact"
        return (
            f"first differing layer {bad.name!r}: {bad.values - bad.exact_values} of {bad.values} values differ, "
            f"largest difference {bad.max_lsb_diff:g} LSB; HLS type {bad.hls_type}, QKeras {bad.qkeras_type}; "
            f"{self.rows - self.exact_rows} of {self.rows} rows differ"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "exact": self.exact,
            "rows": self.rows,
            "exact_rows": self.exact_rows,
            "output_layer": self.output_layer,
            "layers": {k: v.to_dict() for k, v in self.layers.items()},
            "softmax_argmax_agreement": self.softmax_argmax_agreement,
            "approximate_output": self.approximate_output,
            "output_agreement": self.output_agreement,
            "diagnosis": self.diagnosis(),
            "warnings": self.warnings,
        }


def compare(plan: Plan, reference: dict[str, np.ndarray], hls_trace: dict[str, np.ndarray], hls_output: np.ndarray) -> ExactnessReport:
    """Equality, value by value, of every node with a fixed-point result; argmax for softmax."""
    n = len(hls_output)
    row_ok = np.ones(n, dtype=bool)
    checks: dict[str, LayerCheck] = {}
    agreement = None
    approximate = None
    output_layer = ""
    warnings = list(plan.warnings)
    results = {plan.nodes[0].name: plan.nodes[0].result}
    before = plan.nodes[0].name
    for node in plan.nodes[1:]:
        prev_result = results.get((node.inputs or (before,))[0])
        before = node.name
        results[node.name] = node.result if node.result is not None else prev_result
        ref = reference.get(node.name)
        if ref is None:
            continue
        qk_type = node.function if node.function.startswith("quantizer") else f"{node.function} on QKeras float32"
        if node.result is None:  # softmax / sigmoid / tanh: lookup tables, approximate by design
            hls_sm = np.asarray(hls_trace.get(node.name, hls_output), dtype=np.float64).reshape(n, -1)
            ref_sm = np.asarray(ref, dtype=np.float64).reshape(n, -1)
            if node.function == "softmax":
                agreement = float(np.mean(np.argmax(hls_sm, axis=1) == np.argmax(ref_sm, axis=1)))
            else:
                cut = DECISION_CUTS[node.function]
                agreement = float(np.mean((hls_sm > cut) == (ref_sm > cut)))
            approximate = node.function
            if agreement < DECISION_AGREEMENT_WARN:
                fix = (" (hls.softmax_implementation: argmax, or --softmax-implementation argmax, outputs the exact "
                       "decision of the proved logits)" if node.function == "softmax" else "")
                warnings.append(f"hls4ml's {node.function} lookup table agrees with QKeras on the decision "
                                f"({DECISIONS[node.function]}) for only {100 * agreement:.2f}% of rows; its input is proved "
                                f"exact, the table is the approximation{fix}")
            continue
        got = hls_trace.get(node.name)
        if got is None:
            checks[node.name] = LayerCheck(node.name, 0, 0, 0.0, node.result.hls(), qk_type, traced=False)
            if node.function != "reshape" and not (prev_result is not None and node.function.startswith("quantizer")
                                                   and node.result.same_grid(prev_result)):
                warnings.append(f"layer {node.name!r} was not traced by hls4ml (optimized away); it is not compared")
            # (a quantizer onto the grid its input already has is an identity hls4ml drops: nothing to compare)
            continue
        got = np.asarray(got, dtype=np.float64).reshape(n, -1)
        if got.shape != ref.shape:
            raise NotBitExactError(f"layer {node.name!r}: HLS trace shape {got.shape} != QKeras {ref.shape}", where="csim", fix="report this model to the flow's developers")
        eq = got == ref
        row_ok &= eq.all(axis=1)
        diff = np.abs(got - ref) / node.result.lsb
        checks[node.name] = LayerCheck(node.name, int(eq.size), int(eq.sum()), float(diff.max()) if diff.size else 0.0, node.result.hls(), qk_type)
        output_layer = node.name
    if not checks:
        raise NotBitExactError("no layer could be compared", where="csim", fix="the model needs at least one QDense layer")
    return ExactnessReport(n, int(row_ok.sum()), checks, output_layer, warnings, approximate_output=approximate,
                           output_agreement=agreement)


def run(hls_model, model, plan: Plan, X: np.ndarray, *, progress: bool = True) -> tuple[ExactnessReport, np.ndarray]:
    """Compile (once, with tracing), run the C-simulation on X and compare with QKeras.

    Returns the report and the C-simulation's final output. Raises NotBitExactError when any value differs.
    """
    return prove(hls_model, model, plan, prepare_inputs(model, plan, X), progress=progress)


def prove(hls_model, model, plan: Plan, Xq: np.ndarray, *, progress: bool = True) -> tuple[ExactnessReport, np.ndarray]:
    """`run` on inputs already quantized by `prepare_inputs` (for callers that need them too)."""
    require_compiler()
    Xq = np.ascontiguousarray(Xq)
    reference, notes = keras_reference(model, plan, Xq)
    log.info("compiling the HLS project with g++ and C-simulating %d rows", len(Xq))
    hls_out, hls_trace = _traced_predict(hls_model, Xq, progress=progress)
    report = compare(plan, reference, hls_trace, hls_out)
    report.warnings.extend(notes)
    return report, hls_out


def _traced_predict(hls_model, Xq: np.ndarray, *, progress: bool, chunk: int = 256) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """hls4ml's trace() recompiles on every call; compile once, then trace in chunks with a progress bar."""
    import contextlib
    import io

    from tqdm import tqdm

    outs: list[np.ndarray] = []
    traces: dict[str, list[np.ndarray]] = {}
    buf = io.StringIO()
    bar = tqdm(total=len(Xq), desc="C-simulation", unit="row", disable=not progress, leave=False)
    try:
        for start in range(0, len(Xq), chunk):
            # float64 in -> hls4ml traces every layer as double: exact for results up to 53 bits
            part = np.ascontiguousarray(Xq[start : start + chunk], dtype=np.float64)
            with contextlib.redirect_stdout(buf):
                try:
                    out, tr = hls_model.trace(part)
                except Exception as exc:  # hls4ml raises bare Exception / CalledProcessError on compile failures
                    raise NotBitExactError(
                        f"the HLS C++ did not compile or run: {type(exc).__name__}: {exc}",
                        where="csim",
                        fix="check g++ works (g++ --version) and see the build log in the project folder",
                    ) from None
            if start == 0:
                hls_model.compile = lambda: None  # the traced library is built; later chunks reuse it
            outs.append(np.asarray(out, dtype=np.float64).reshape(len(part), -1))
            for k, v in tr.items():
                traces.setdefault(k, []).append(np.asarray(v, dtype=np.float64).reshape(len(part), -1))
            bar.update(len(part))
    finally:
        bar.close()
        if "compile" in vars(hls_model):
            del hls_model.compile
    for line in buf.getvalue().splitlines():
        log.debug("hls4ml: %s", line)
    return np.concatenate(outs), {k: np.concatenate(v) for k, v in traces.items()}
