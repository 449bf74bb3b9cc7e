"""convert: exact precisions from the QKeras quantizers, and the hls4ml project in hls_projects/<name>."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from flow.artifacts import read_json, replace_dir, write_json
from flow.design import design_to_dict
from flow.hls import convert, hls_config, plan_model, project_digest, retarget_project
from flow.model import load_model, save_model

log = logging.getLogger(__name__)

SECTIONS = ("name", "hls")
UPSTREAM = ("train", "search")


def outputs_present(cfg, run_dir: Path) -> bool:
    """The project lives outside the run folder: re-run when the user deleted it, or when it is no
    longer the project this run converted (another run or config with the same name rewrote it),
    so the report never vouches for a project that is not on disk."""
    project = Path(cfg.hls.project_dir) / cfg.name
    if not (project / "firmware").is_dir():
        return False
    info = Path(run_dir) / "convert" / "convert.json"
    if info.is_file() and read_json(info).get("project_digest") != project_digest(project):
        log.warning("%s is not the project this run converted (rewritten since, e.g. by another run of a config named "
                    "%r): converting again", project, cfg.name)
        return False
    return True


def preflight(cfg, run_dir=None) -> None:
    """An optional dependency the conversion needs, checked before training."""
    import importlib.util

    if cfg.hls.strategy == "distributed_arithmetic" and importlib.util.find_spec("da4ml") is None:
        from flow.errors import ToolError

        raise ToolError("strategy distributed_arithmetic needs da4ml, which is not installed", where="hls.strategy",
                        fix='pip install "da4ml>=0.5.2,<0.6" (or pip install -e ".[da]"), or choose strategy Latency or Resource')


def carried_model_path(ctx) -> Path:
    """The search's chosen model when the search ran, else the trained student."""
    chosen = ctx.stage_dir("search") / "selected.h5"
    return chosen if chosen.exists() else ctx.stage_dir("train") / "student.h5"


def plan_summary(plan) -> dict:
    return {
        "input_type": plan.input_type.hls(),
        "input_source": plan.input_source,
        "nodes": {
            n.name: {
                "function": n.function,
                "keras_layer": n.keras_layer,
                **{k: getattr(n, k).hls() for k in ("result", "weight", "bias", "accum") if getattr(n, k) is not None},
            }
            for n in plan.nodes
        },
        "warnings": plan.warnings,
    }


def run(ctx) -> dict:
    cfg = ctx.cfg
    src = carried_model_path(ctx)
    model = load_model(src)
    plan = plan_model(model, hls_cfg=cfg.hls, name=cfg.name)
    for warning in plan.warnings:  # e.g. a reuse factor hls4ml would not build, and the one used instead
        log.warning("%s", warning)
    # with trace instrumentation (inside #ifndef __SYNTHESIS__, ignored by synthesis): the delivered
    # project is then identical to the one the csim stage proves exact
    hcfg = hls_config(model, plan, cfg.hls, trace=True)
    final = ctx.project_dir
    partial = final.with_name(f".{final.name}.partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.parent.mkdir(parents=True, exist_ok=True)
    hls_model = convert(model, hcfg, cfg.hls, partial, plan=plan)
    hls_model.write()
    retarget_project(partial, final)
    digest = project_digest(partial)
    replace_dir(partial, final)
    save_model(model, ctx.out / "model.h5")
    write_json(ctx.out / "design.json", design_to_dict(plan.design))
    write_json(ctx.out / "hls_config.json", hcfg)
    info = {"project_dir": str(final), "project_digest": digest, "model_source": str(src), **plan_summary(plan)}
    write_json(ctx.out / "convert.json", info)
    return {"project_dir": str(final)}
