"""report: report.json, report.md and plots (in <run>/report/, with copies at <run>/report.*)."""

from __future__ import annotations

import time

from flow.artifacts import write_json, write_text
from flow.report import build_report, markdown, write_plots
from flow.runner import timings

SECTIONS = ("report",)
UPSTREAM = ("data", "train", "search", "convert", "csim", "resources")


def run(ctx) -> dict:
    t0 = time.perf_counter()
    t = timings(ctx.run_dir)
    report = build_report(ctx.run_dir, ctx.cfg, timings=t)
    res = report.get("resources") or {}
    plots = []
    if ctx.cfg.report.plots:
        plots = write_plots(report, ctx.run_dir, ctx.out / "plots")
        if res.get("layers") and res.get("total"):  # resources.enabled: false writes no estimate
            from flow.resources import plot_resources

            plot_resources(res, ctx.out / "plots" / "resources.png")
            plots.append("resources.png")
    report["plots"] = [f"report/plots/{p}" for p in plots]
    report["timings_s"]["report"] = round(time.perf_counter() - t0, 3)
    write_json(ctx.out / "report.json", report)
    # the same text in two folders: each links the plots from where it lies
    write_text(ctx.out / "report.md", markdown(report, plots_prefix="plots/"))
    write_json(ctx.run_dir / "report.json", report)
    write_text(ctx.run_dir / "report.md", markdown(report))
    be = report.get("bit_exact") or {}
    return {"bit_exact": be.get("exact"), "accuracy": report["accuracy"], "fits": res.get("fits"),
            "part": res.get("part")}
