"""resources: LUT/FF/DSP/BRAM and latency estimated from the actual design (no vendor tools);
measured vendor numbers next to it when Vivado/Vitis HLS is installed and asked for."""

from __future__ import annotations

import logging

from flow.artifacts import read_json, write_json
from flow.config import FlowConfig
from flow.design import design_from_dict

log = logging.getLogger(__name__)

SECTIONS = ("hls", "resources")
UPSTREAM = ("convert",)


def preflight(cfg: FlowConfig, run_dir=None) -> None:
    if cfg.resources.enabled:
        from flow.parts import lookup_part

        lookup_part(cfg.hls.part)  # an unknown part fails before training, naming the known ones


def run(ctx) -> dict:
    cfg = ctx.cfg
    if not cfg.resources.enabled:
        write_json(ctx.out / "resources.json", {"enabled": False})
        return {"enabled": False}
    from flow.resources import estimate

    design = design_from_dict(read_json(ctx.stage_dir("convert") / "design.json"))
    est = estimate(design)
    result = est.to_dict()
    for w in est.warnings:
        if w.startswith("DOES NOT FIT"):
            log.warning("%s (estimate; hls.part %s)", w, cfg.hls.part)
    if cfg.resources.vendor:
        from flow.vendor import vendor_synth

        result["vendor"] = vendor_synth(ctx.project_dir, cfg.hls.backend)
    else:
        result["vendor"] = {"status": "skipped: resources.vendor is false"}
    write_json(ctx.out / "resources.json", result)
    # no plot here: the report stage draws resources.png when report.plots is true (this stage's
    # fingerprint has no report section, so a plot it drew outlived report.plots: false on resume)
    return {"total": result.get("total", {})}
