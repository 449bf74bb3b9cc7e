"""data: load the source, split (seeded, stratified) and standardize; every later stage reads this."""

from __future__ import annotations

import numpy as np

from flow.artifacts import write_json
from flow.config import FlowConfig
from flow.errors import ConfigError, DataError
from flow.data import file_digest, input_files, load_dataset, make_split
from flow.design import FixedType
from flow.quant import fixed_type

SECTIONS = ("seed", "data")
UPSTREAM: tuple[str, ...] = ()


def input_digests(cfg: FlowConfig) -> dict[str, str]:
    return {str(p): file_digest(p) for p in input_files(cfg) if p.exists()}


def checked_fields(cfg: FlowConfig) -> dict[str, object]:
    """The model fields this stage checks against the data (so a resumed run re-checks them before training)."""
    return {"output_units": cfg.model.layers[-1].units, "input_quantizer": str(cfg.model.input_quantizer)}


def run(ctx) -> dict:
    ds = load_dataset(ctx.cfg)
    units = ctx.cfg.model.layers[-1].units
    if units != len(ds.classes):
        # found here, before any training, rather than after the teacher has trained
        raise ConfigError(f"model.layers[-1].units = {units} but the data have {len(ds.classes)} classes {ds.classes[:12]}",
                          where=str(ctx.cfg.source_path or "config"), fix=f"set the last layer's units to {len(ds.classes)}")
    split = make_split(ds, ctx.cfg)
    _check_input_range(split.X_test, fixed_type(ctx.cfg.model.input_quantizer), ctx.cfg)
    split.save(ctx.out / "split.npz")
    meta = {
        "source": ds.source,
        "classes": split.classes,
        "feature_names": split.feature_names,
        "rows": {"train": len(split.y_train), "val": len(split.y_val), "test": len(split.y_test)},
        "class_counts": {c: int(n) for c, n in zip(split.classes, np.bincount(ds.y, minlength=len(ds.classes)))},
        "standardized": ctx.cfg.data.standardize,
        "generator": ds.meta,
    }
    write_json(ctx.out / "meta.json", meta)
    return {"rows": meta["rows"], "source": ds.source}


def _check_input_range(X: np.ndarray, t: FixedType, cfg: FlowConfig) -> None:
    """Refuse, before training, test inputs the model's input quantizer cannot quantize onto its own grid.

    quantized_bits returns x + stop_gradient(q(x) - x) in float32; next to a huge |x| the sum loses
    q(x)'s low bits, so the value the C-simulation would be fed is off the input type's grid and the
    run would stop at csim, after training. The same float32 arithmetic is done here in numpy (IEEE,
    as TensorFlow's); the csim stage keeps the check on QKeras' own output. quantized_relu starts
    from x clipped to its range (QKeras' is_quantized_clip), which loses nothing.
    """
    x = np.asarray(X, dtype=np.float32)
    if x.size == 0:
        return
    base = x if t.signed else np.clip(x, np.float32(0.0), np.float32(t.max_value))
    with np.errstate(over="ignore", invalid="ignore"):
        q = np.clip(np.round(x.astype(np.float64) / t.lsb) * t.lsb, t.min_value, t.max_value).astype(np.float32)
        straight_through = base + (q - base)
    if t.represents(straight_through):
        return
    big = float(np.max(np.abs(x)))
    where = f"{cfg.source_path}: data.standardize" if cfg.source_path else "data.standardize"
    raise DataError(f"test inputs up to |x| = {big:.3g} are too large for QKeras' float32 input quantizer "
                    f"({t.hls()}, model.input_quantizer): it would return values outside its own grid, and the "
                    "C-simulation could not be proven bit-exact", where=where,
                    fix="set data.standardize: true, or rescale or clip the features to the input quantizer's range")
