"""csim: g++ C-simulation of the project on the test split, proved bit-exact against QKeras."""

from __future__ import annotations

import numpy as np

from flow import csim
from flow.artifacts import read_json, write_json
from flow.data import Split
from flow.errors import NotBitExactError
from flow.hls import convert, hls_config, plan_model, project_digest
from flow.model import load_model, logits_model
from flow.train import accuracy_of

SECTIONS = ("csim", "hls", "name")
UPSTREAM = ("data", "convert")


def run(ctx) -> dict:
    cfg = ctx.cfg
    split = Split.load(ctx.stage_dir("data") / "split.npz")
    X, y = split.X_test, split.y_test
    if cfg.csim.max_rows is not None:
        X, y = X[: cfg.csim.max_rows], y[: cfg.csim.max_rows]
    model = load_model(ctx.stage_dir("convert") / "model.h5")
    plan = plan_model(model, hls_cfg=cfg.hls, name=cfg.name)
    build = ctx.out / "build"
    hls_model = convert(model, hls_config(model, plan, cfg.hls, trace=True), cfg.hls, build, plan=plan)
    Xq = csim.prepare_inputs(model, plan, X)
    report, hls_out = csim.prove(hls_model, model, plan, Xq, progress=ctx.progress)
    delivered = read_json(ctx.stage_dir("convert") / "convert.json")["project_digest"]
    same = project_digest(build) == delivered
    qk_logits = logits_model(model).predict(Xq, verbose=0)
    result = {
        "bit_exact": report.to_dict() | {"verified_project_matches_delivered": same},
        "accuracy": {"qkeras": accuracy_of(qk_logits, y), "csim": accuracy_of(hls_out, y)},
        "rows": int(len(y)),
    }
    np.savez(ctx.out / "predictions.npz", csim=hls_out, qkeras_logits=qk_logits, y=y)
    write_json(ctx.out / "csim.json", result)
    if not report.exact:
        write_json(ctx.run_dir / "csim.failed.json", result)
        raise NotBitExactError(f"C-simulation is not bit-exact: {report.diagnosis()}", where=f"{ctx.run_dir}/csim.failed.json", fix="see the layer table there; a differing layer usually means a precision the flow could not derive")
    (ctx.run_dir / "csim.failed.json").unlink(missing_ok=True)
    return {"exact_rows": report.exact_rows, "rows": report.rows, "csim_accuracy": result["accuracy"]["csim"]}
