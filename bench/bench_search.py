"""Bench: optuna bit-width search vs AutoQKeras on the default config (digits). Prints numbers, asserts nothing.

Same data, same trained student, same search space (AutoQKeras: widths only; it cannot search
sparsity, so it keeps the config's pruning), same wall-clock search budget per engine and seed.
Reported, per engine over seeds (mean and spread):
- the cheapest evaluated model whose val accuracy is within 1 point of uniform 6-bit QKeras with
  75% pruning (fine-tuned the same way): its effective BOPs and LUT-equivalent relative to it;
- hypervolume of the (val accuracy, effective BOPs) front per CPU-minute (reference: uniform 8-bit);
- optuna trials per minute with 1 worker vs 2 worker processes.

    nice python bench/bench_search.py --budget-s 90 --seeds 0 1 2 [--out /tmp/bench_search]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from pathlib import Path

log = logging.getLogger("bench_search")
REPO = Path(__file__).resolve().parents[1]


def search_section(engine: str, seed: int, budget_s: float, study: str) -> dict:
    return {
        "enabled": True, "engine": engine, "seed": seed, "study_name": study,
        "layers": {"default": {"kernel_bits": {"min": 2, "max": 8}, "activation_bits": [3, 4, 5, 6, 8],
                               "sparsity": [0.75, 0.85, 0.9, 0.95]},
                   "output": {"kernel_bits": [3, 4, 5, 6, 8], "bias_bits": [6, 8], "sparsity": [0.5, 0.75]}},
        "n_trials": 10000, "timeout_s": budget_s, "fine_tune_epochs": 2, "sampler": "nsga2", "population_size": 8,
        "early_stop": {"enabled": True, "after_epoch": 1, "max_drop": 0.10},
        "baselines": {"bits": [6, 8], "sparsity": 0.75}, "selection": {"reference": "baseline", "baseline_bits": 6, "tolerance": 0.01},
        "autoqkeras": {"goal": "bits", "mode": "bayesian"},
    }  # fmt: skip


def points_of(cfg, run_dir):
    from optuna.trial import TrialState

    from flow.search import open_study

    st = open_study(cfg, run_dir)
    # a re-proposed choice that reused an earlier trial's result is not another evaluated model
    return [{"accuracy": t.values[0], "cost": t.values[1], **t.user_attrs["costs"]}
            for t in st.get_trials(deepcopy=False) if t.state == TrialState.COMPLETE and "duplicate_of" not in t.user_attrs]  # fmt: skip


def finished_of(cfg, run_dir) -> int:
    from flow.search import count_finished, open_study

    return count_finished(open_study(cfg, run_dir))


def mean_spread(xs: list[float]) -> str:
    xs = [x for x in xs if x == x]
    if not xs:
        return "n/a"
    return f"{statistics.mean(xs):.3f} ± {statistics.pstdev(xs):.3f} (n={len(xs)}, min {min(xs):.3f}, max {max(xs):.3f})"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget-s", type=float, default=90.0, help="search wall-clock budget per engine and seed")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--out", default="/tmp/bench_search")
    ap.add_argument("--engines", nargs="+", default=["optuna", "autoqkeras"])
    args = ap.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s: %(message)s")
    log.setLevel(logging.INFO)
    import warnings

    warnings.filterwarnings("ignore")
    from flow import runner
    from flow.config import load_config, with_changes
    from flow.search import Evaluator, hypervolume, run_trials, run_workers, uniform_choice

    out = Path(args.out)
    run_dir = out / "run"
    base = load_config(REPO / "configs" / "digits_mlp.yaml")
    t0 = time.perf_counter()
    runner.run(base, run_dir=run_dir, to_stage="train", progress=False)
    log.info("data+train ready in %.0f s", time.perf_counter() - t0)
    cfg0 = with_changes(base, search=search_section("optuna", 0, args.budget_s, "probe"))
    ev = Evaluator(cfg0, run_dir)
    b6, b8 = ev.evaluate(uniform_choice(cfg0, 6, 0.75)), ev.evaluate(uniform_choice(cfg0, 8, 0.75))
    print(f"baseline uniform 6-bit, 75% pruning: val acc {b6.val_accuracy:.4f}, effective BOPs {b6.costs['effective_bops']:.0f}, "
          f"LUT-eq {b6.costs['lut_equivalent']:.0f}; uniform 8-bit: eff BOPs {b8.costs['effective_bops']:.0f}")  # fmt: skip
    target = b6.val_accuracy - 0.01
    results: dict[str, dict[str, list[float]]] = {}
    for engine in args.engines:
        r = results.setdefault(engine, {"bops_ratio": [], "lut_ratio": [], "hv_per_cpu_min": [], "trials": [], "wall_s": [], "trials_per_min": [], "finished_per_min": []})
        for seed in args.seeds:
            cfg = with_changes(base, search=search_section(engine, seed, args.budget_s, f"bench-{engine}-{seed}-{int(time.time())}"))
            w0, c0 = time.perf_counter(), time.process_time()
            run_trials(cfg, run_dir)
            wall, cpu = time.perf_counter() - w0, time.process_time() - c0
            pts = points_of(cfg, run_dir)
            n_fin = finished_of(cfg, run_dir)
            r["finished_per_min"].append(n_fin / (wall / 60))
            ok = [p for p in pts if p["accuracy"] >= target - 1e-12]
            best = min(ok, key=lambda p: p["effective_bops"]) if ok else None
            hv = hypervolume([{"accuracy": p["accuracy"], "cost": p["effective_bops"]} for p in pts], ref_cost=b8.costs["effective_bops"])
            r["bops_ratio"].append(best["effective_bops"] / b6.costs["effective_bops"] if best else float("nan"))
            r["lut_ratio"].append(best["lut_equivalent"] / b6.costs["lut_equivalent"] if best else float("nan"))
            r["hv_per_cpu_min"].append(hv / (cpu / 60))
            r["trials"].append(len(pts))
            r["wall_s"].append(wall)
            r["trials_per_min"].append(len(pts) / (wall / 60))
            found = "none" if best is None else f"acc {best['accuracy']:.4f}, eff BOPs x{r['bops_ratio'][-1]:.3f}, LUT-eq x{r['lut_ratio'][-1]:.3f}"
            print(f"{engine:>10} seed {seed}: {len(pts)} evaluated models ({n_fin} finished incl. early-stopped) in {wall:.0f} s wall / {cpu:.0f} s CPU; "
                  f"cheapest within 1 pt: {found}; "
                  f"HV {hv:.4f} ({r['hv_per_cpu_min'][-1]:.4f}/CPU-min)", flush=True)  # fmt: skip
    print("\n== summary (mean ± population std over seeds) ==")
    for engine, r in results.items():
        print(f"{engine}: eff BOPs vs uniform-6b/75%: {mean_spread(r['bops_ratio'])}")
        print(f"{engine}: LUT-eq   vs uniform-6b/75%: {mean_spread(r['lut_ratio'])}")
        print(f"{engine}: hypervolume per CPU-minute: {mean_spread(r['hv_per_cpu_min'])}")
        print(f"{engine}: models evaluated: {mean_spread(r['trials'])}; wall s: {mean_spread(r['wall_s'])}")
    # throughput: 1 worker (from the optuna seeds above) vs 2 worker processes on one study
    if "optuna" in results:
        cfg = with_changes(base, search={**search_section("optuna", 100, args.budget_s, f"bench-2w-{int(time.time())}"), "workers": 2})
        w0 = time.perf_counter()
        run_workers(cfg, run_dir, 2)
        wall = time.perf_counter() - w0
        from optuna.trial import TrialState

        from flow.search import open_study

        n = len(open_study(cfg, run_dir).get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)))
        print(f"trials/min (complete+pruned), 1 worker: {mean_spread(results['optuna']['finished_per_min'])}")
        print(f"trials/min (complete+pruned), 2 workers: {n / (wall / 60):.2f} ({n} in {wall:.0f} s incl. 2 process start-ups)")


if __name__ == "__main__":
    main()
