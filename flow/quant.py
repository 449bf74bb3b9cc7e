"""QKeras quantizers <-> fixed-point types.

The flow never lets hls4ml guess a precision: each QKeras quantizer maps to exactly one
`FixedType`, with the rounding/saturation QKeras itself uses (tf.round is round-half-to-even =
RND_CONV; QKeras clips = SAT).
"""

from __future__ import annotations

from typing import Any

from flow.config import Quantizer
from flow.design import FixedType
from flow.errors import ModelError

SUPPORTED_QUANTIZERS = ("quantized_bits(bits, integer, alpha=1, keep_negative=True) (alpha=None only in a QActivation; "
                        "alpha='auto_po2' in a QDense, QConv1D or QConv2D)", "quantized_relu(bits, integer) with negative_slope=0",
                        "quantized_po2, ternary, binary (QDense, QConv1D, QConv2D kernels only)")


def fixed_type(q: Quantizer) -> FixedType:
    """The exact ap_fixed type of a quantizer from the config."""
    if q.type == "quantized_bits":
        return FixedType(q.bits, q.integer + 1, True, "RND_CONV", "SAT")
    return FixedType(q.bits, q.integer, False, "RND_CONV", "SAT")


def make_qkeras(q: Quantizer) -> Any:
    """A QKeras quantizer object (lazy import: TensorFlow is heavy)."""
    from qkeras import quantized_bits, quantized_relu

    if q.type == "quantized_bits":
        return quantized_bits(q.bits, q.integer, alpha=1)
    return quantized_relu(q.bits, q.integer)


def layer_activation(layer: Any) -> Any:
    """The activation a Keras/QKeras layer applies, as an object: QActivation("quantized_relu(6)")
    keeps the string in `.activation` and the quantizer object in `.quantizer`."""
    act = getattr(layer, "activation", None)
    if isinstance(act, str) and getattr(layer, "quantizer", None) is not None:
        return layer.quantizer
    return act


def spec_from_qkeras(quantizer: Any, *, where: str, po2_scale: bool = False, activation_exact: bool = False) -> Quantizer:
    """Read a QKeras quantizer object (from a user's model) back into a `Quantizer`.

    `po2_scale`: the quantizer belongs to a QDense/QConv1D/QConv2D, whose alpha='auto_po2' scale
    hls4ml factors out into a power-of-two '<layer>_alpha' layer; the Quantizer is then the grid
    of the unscaled values (alpha=1). Raises ModelError for anything the flow cannot make
    bit-exact, listing what it supports.
    """
    name = type(quantizer).__name__
    cfg = quantizer.get_config() if hasattr(quantizer, "get_config") else {}
    if cfg.get("qnoise_factor") is not None and float(cfg["qnoise_factor"]) != 1.0:
        # at inference QKeras mixes the float input into the output: values off the quantizer's grid
        raise ModelError(f"{name} with qnoise_factor={cfg['qnoise_factor']} is not supported (QKeras' output is then "
                         "partly unquantized, which no fixed-point type holds)", where=where,
                         fix="retrain (or finish training) with qnoise_factor=1.0, the default")
    if name == "quantized_bits" and activation_exact and cfg.get("symmetric"):
        # a symmetric grid drops the most negative code: hls4ml's fixed type keeps it
        raise ModelError("quantized_bits with symmetric=True as an activation is not supported by flow verify (its grid "
                         "has no most negative code, which hls4ml's fixed type and saturation keep)", where=where,
                         fix="use symmetric=False (the default) for activations; flow estimate prices it as the plain grid")
    if name == "quantized_bits":
        alpha = cfg.get("alpha")
        if not cfg.get("keep_negative", True):
            raise ModelError(
                "quantized_bits with keep_negative=False (unsigned) is not supported",
                where=where,
                fix=f"use quantized_relu(bits, integer) for non-negative values, or keep_negative=True; supported: {', '.join(SUPPORTED_QUANTIZERS)}",
            )
        if alpha not in (None, 1, 1.0) and not (po2_scale and alpha == "auto_po2"):
            note = (" here (QKeras' QDense turns a kernel or bias quantizer written without alpha into alpha='auto_po2', a "
                    "trained power-of-two scale per output; hls4ml factors it out of QDense, QConv1D and QConv2D "
                    "only)") if alpha == "auto_po2" else ""
            raise ModelError(
                f"quantized_bits with alpha={alpha!r} is not supported{note}",
                where=where,
                fix=f"retrain with alpha=1 written explicitly, e.g. quantized_bits({cfg.get('bits')},{cfg.get('integer', 0)},alpha=1) "
                    f"(a scale hls4ml cannot reproduce exactly otherwise); supported: {', '.join(SUPPORTED_QUANTIZERS)}",
            )
        return _spec("quantized_bits", cfg, where)
    if name == "quantized_relu":
        if cfg.get("negative_slope", 0) not in (0, 0.0) or cfg.get("use_sigmoid", 0):
            raise ModelError(
                "quantized_relu with negative_slope or use_sigmoid is not supported",
                where=where,
                fix=f"use a plain quantized_relu(bits, integer); supported: {', '.join(SUPPORTED_QUANTIZERS)}",
            )
        return _spec("quantized_relu", cfg, where)
    raise ModelError(
        f"quantizer {name} is not supported",
        where=where,
        fix=f"supported quantizers: {', '.join(SUPPORTED_QUANTIZERS)}",
    )


def _spec(kind: str, cfg: dict, where: str) -> Quantizer:
    """A Quantizer from a QKeras config; bit counts the flow's fixed types cannot hold are a ModelError."""
    from pydantic import ValidationError

    bits, integer = int(cfg["bits"]), int(cfg.get("integer", 0))
    try:
        return Quantizer(type=kind, bits=bits, integer=integer)
    except ValidationError as exc:
        msg = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ModelError(f"{kind}({bits},{integer}) is not supported: {msg}", where=where,
                         fix="retrain with fewer integer bits, 0 <= integer < bits (and 2 bits or more for quantized_bits): "
                             "QKeras also accepts more integer bits than the width (a grid coarser than 1), which the flow does "
                             "not map to hls4ml types") from None


def quantize_array(values, t: FixedType):
    """Round-half-to-even and saturate onto the grid of `t`, in float64 numpy.

    Used for declared input types (no input quantizer in the model); for a model's own input
    quantizer the flow calls QKeras itself so both sides see identical numbers.
    """
    import numpy as np

    v = np.asarray(values, dtype=np.float64) / t.lsb
    v = np.round(v)  # numpy rounds half to even, like tf.round
    lo, hi = t.min_value / t.lsb, t.max_value / t.lsb
    return (np.clip(v, lo, hi) * t.lsb).astype(np.float32)
