"""data: load the source, split (seeded, stratified) and standardize; every later stage reads this."""

from __future__ import annotations

import numpy as np

from flow.artifacts import write_json
from flow.config import FlowConfig
from flow.errors import ConfigError
from flow.data import file_digest, input_files, load_dataset, make_split

SECTIONS = ("seed", "data")
UPSTREAM: tuple[str, ...] = ()


def input_digests(cfg: FlowConfig) -> dict[str, str]:
    return {str(p): file_digest(p) for p in input_files(cfg) if p.exists()}


def run(ctx) -> dict:
    ds = load_dataset(ctx.cfg)
    units = ctx.cfg.model.layers[-1].units
    if units != len(ds.classes):
        # found here, before any training, rather than after the teacher has trained
        raise ConfigError(f"model.layers[-1].units = {units} but the data have {len(ds.classes)} classes {ds.classes[:12]}",
                          where=str(ctx.cfg.source_path or "config"), fix=f"set the last layer's units to {len(ds.classes)}")
    split = make_split(ds, ctx.cfg)
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
