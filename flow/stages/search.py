"""search: per-layer bit widths (optional; see docs/search.md). Disabled: passes the student through."""

from __future__ import annotations

from flow.artifacts import write_json
from flow.config import FlowConfig

SECTIONS = ("seed", "model", "train", "search")
UPSTREAM = ("data", "train")


def preflight(cfg: FlowConfig, run_dir=None) -> None:
    if cfg.search.enabled:
        from flow.search import preflight as search_preflight

        search_preflight(cfg, run_dir)


def run(ctx) -> dict:
    if not ctx.cfg.search.enabled:
        write_json(ctx.out / "search.json", {"enabled": False})
        return {"enabled": False}
    from flow.search import run_stage

    return run_stage(ctx)
