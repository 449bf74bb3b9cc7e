"""Measure the default config end to end: wall time, peak RSS, bit-exact rows, accuracies.

Prints numbers; asserts nothing. Each run is a fresh `flow run` subprocess in a temp folder, so
the time includes the TensorFlow import, training, the g++ compile and the report.

    python bench/bench_flow.py                       # default config, seeds 0 1 2
    python bench/bench_flow.py --seeds 0 --jets FILE  # also the jet config on a jet file
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def run_once(cfg: dict, workdir: Path) -> dict:
    cfg_path = workdir / "cfg.yaml"
    cfg_path.write_text(yaml.safe_dump(cfg))
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "flow", "run", str(cfg_path), "--out", str(workdir / "run"), "--no-progress", "-q"], cwd=workdir, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        print(proc.stderr[-2000:])
        raise SystemExit(f"flow run failed with exit code {proc.returncode}")
    report = json.loads((workdir / "run" / "report.json").read_text())
    return {"wall_s": wall, "peak_rss_mb": max(peak_kb, before) / 1024, "report": report}


def summarize(name: str, results: list[dict]) -> None:
    def stat(values):
        return f"{statistics.mean(values):.4f} ± {statistics.pstdev(values):.4f}" if len(values) > 1 else f"{values[0]:.4f}"

    reps = [r["report"] for r in results]
    print(f"\n== {name}: {len(results)} run(s)")
    walls = ", ".join(f"{r['wall_s']:.1f}" for r in results)
    print(f"wall time end to end (s): {walls}")
    print(f"peak RSS (MB, largest child so far): {max(r['peak_rss_mb'] for r in results):.0f}")
    for r in reps:
        be = r["bit_exact"]
        layers = be["layers"]
        traced = {k: v for k, v in layers.items() if v["traced"]}
        exact_layers = sum(v["exact_values"] == v["values"] for v in traced.values())
        print(
            f"seed run: bit-exact rows {be['exact_rows']}/{be['rows']} ({100 * be['exact_rows'] / be['rows']:.1f}%), "
            f"traced layers exact {exact_layers}/{len(traced)}, softmax argmax agreement {be['softmax_argmax_agreement']}"
        )
        bits = {k: v["kernel"] for k, v in r["bits"].items()}
        print(f"  kernel bits {bits}, sparsity {({k: round(v, 3) for k, v in r['sparsity'].items()})}")
        print(f"  timings_s {r['timings_s']}")
    print(f"float teacher accuracy:          {stat([r['accuracy']['float'] for r in reps])}")
    print(f"QKeras student (carried):        {stat([r['accuracy']['qkeras'] for r in reps])}")
    print(f"C-simulation accuracy:           {stat([r['accuracy']['csim'] for r in reps])}")
    with_kd = [r["distillation"]["with"] for r in reps if r["distillation"]["with"] is not None]
    without = [r["distillation"]["without"] for r in reps if r["distillation"]["without"] is not None]
    if with_kd:
        print(f"student with distillation:       {stat(with_kd)}")
    if without:
        print(f"student without distillation:    {stat(without)}")
    gap = [r["accuracy"]["float"] - r["accuracy"]["qkeras"] for r in reps]
    print(f"float - QKeras gap (points):     {stat([100 * g for g in gap])}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--jets", help="a jet file (OpenML 42468 or `flow data jets` output) for the jet config")
    args = ap.parse_args()
    base = yaml.safe_load((REPO / "configs" / "digits_mlp.yaml").read_text())
    results = []
    for seed in args.seeds:
        with tempfile.TemporaryDirectory() as tmp:
            cfg = dict(base, seed=seed)
            cfg["hls"] = dict(base["hls"], project_dir=str(Path(tmp) / "hls_projects"))
            results.append(run_once(cfg, Path(tmp)))
    summarize("configs/digits_mlp.yaml", results)
    if args.jets:
        jet = yaml.safe_load((REPO / "configs" / "jet_tagging.yaml").read_text())
        jet["data"]["path"] = str(Path(args.jets).resolve())
        with tempfile.TemporaryDirectory() as tmp:
            jet["hls"] = dict(jet["hls"], project_dir=str(Path(tmp) / "hls_projects"))
            summarize(f"configs/jet_tagging.yaml on {args.jets}", [run_once(jet, Path(tmp))])


if __name__ == "__main__":
    main()
