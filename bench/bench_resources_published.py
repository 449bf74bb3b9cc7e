"""Estimate every published hls4ml synthesis in flow/resources_data/published_synthesis.json and
print the per-metric error, plus the median absolute error (targets: LUT/FF <= 25 %, DSP <= 15 %,
latency within 2 cycles) over all included rows, the calibration rows (used to set constants) and
the holdout rows (not used). Also shows the spread over weight seeds, because the published
models' trained weights are not available and are replaced by synthetic ones.

    python bench/bench_resources_published.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import numpy as np

from flow.parts import lookup_part
from flow.resources import compare_published, load_published, median_abs_errors

TARGETS = {"LUT": 25.0, "FF": 25.0, "DSP": 15.0, "latency_cycles": 2.0}
METRICS = ("LUT", "FF", "DSP", "latency_cycles")


def _medians(recs, rows, group=None):
    sel = [r for r in recs if not rows[r["id"]].get("excluded") and (group is None or rows[r["id"]]["group"] == group)]
    return len(sel), median_abs_errors(sel)


def main() -> None:
    rows = {r["id"]: r for r in load_published()}
    recs = compare_published(seed=0)
    hdr = f"{'row':36s} {'group':5s} " + " ".join(f"{m[:3] + ' pub/est':>17s}" for m in METRICS)
    print(hdr)
    print("-" * len(hdr))
    for r in recs:
        g = "excl" if rows[r["id"]].get("excluded") else rows[r["id"]].get("group", "?")[:5]
        if "not_estimated" in r:
            print(f"{r['id']:36s} {g:5s} not estimated, left out of the medians: {r['not_estimated']}")
            continue
        cells = " ".join(f"{str(r['published'][m]):>8}/{r['estimate'][m]:<8}" for m in METRICS)
        print(f"{r['id']:36s} {g:5s} {cells}")
    for label, group in (("all included rows", None), ("calibration rows", "calibration"), ("holdout rows", "holdout")):
        n, med = _medians(recs, rows, group)
        print(f"\nmedian |error|, {label} (n={n}, seed 0):")
        for m, v in med.items():
            unit = "cycles" if m == "latency_cycles" else "%"
            status = "meets" if v <= TARGETS[m] else "MISSES"
            print(f"  {m:15s} {v:7.1f} {unit:6s} target <= {TARGETS[m]:g} -> {status}")
    excluded = [r for r in rows.values() if r.get("excluded")]
    if excluded:
        print(f"\nexcluded from the medians ({len(excluded)}): " + ", ".join(r["id"] for r in excluded))
        print(f"  reason: {excluded[0]['excluded']}")
    by: dict[tuple[str, str], list[float]] = {}
    for r in recs:
        row = rows[r["id"]]
        if row.get("excluded") or "not_estimated" in r or r["published"]["latency_cycles"] is None:
            continue
        tool = (row["synthesis"].get("tool") or "?").split()[0]
        key = (tool, lookup_part(row["synthesis"]["part"]).family)
        by.setdefault(key, []).append(r["estimate"]["latency_cycles"] - r["published"]["latency_cycles"])
    print("\nlatency error (estimate - published, cycles) by tool and part family, included rows:")
    for (tool, fam), errs in sorted(by.items()):
        print(f"  {tool:7s} {fam:30s} n={len(errs):2d}  median {float(np.median(errs)):+5.1f}  "
              f"median |err| {float(np.median(np.abs(errs))):4.1f}")
    meds = [_medians(compare_published(seed=s), rows)[1] for s in range(5)]
    print("\nmedian |error| over weight seeds 0-4, all included rows (min / max):")
    for m in TARGETS:
        vals = [x[m] for x in meds]
        print(f"  {m:15s} {np.min(vals):7.1f} / {np.max(vals):7.1f}")


if __name__ == "__main__":
    main()
