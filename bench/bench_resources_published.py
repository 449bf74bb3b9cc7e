"""Estimate every published hls4ml synthesis in flow/resources_data/published_synthesis.json and
print the per-metric error, plus the median absolute error (targets: LUT/FF <= 25 %, DSP <= 15 %,
latency within 2 cycles). Also shows the spread over weight seeds, because the published models'
trained weights are not available and are replaced by synthetic ones.

    /work/venv/bin/python bench/bench_resources_published.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import numpy as np

from flow.resources import compare_published, median_abs_errors

TARGETS = {"LUT": 25.0, "FF": 25.0, "DSP": 15.0, "latency_cycles": 2.0}


def main() -> None:
    recs = compare_published(seed=0)
    hdr = f"{'model':28s} {'metric':15s} {'published':>10s} {'estimate':>10s} {'error':>9s}"
    print(hdr)
    print("-" * len(hdr))
    for r in recs:
        for m in ("LUT", "FF", "DSP", "latency_cycles"):
            p, e = r["published"][m], r["estimate"][m]
            err = r["error_pct"].get(m)
            unit = "cyc" if m == "latency_cycles" else "%"
            print(f"{r['id']:28s} {m:15s} {p:>10} {e:>10} {err:>+8.1f}{unit}")
    med = median_abs_errors(recs)
    print("\nmedian |error| (seed 0):")
    for m, v in med.items():
        unit = "cycles" if m == "latency_cycles" else "%"
        status = "meets" if v <= TARGETS[m] else "MISSES"
        print(f"  {m:15s} {v:7.1f} {unit:6s} target <= {TARGETS[m]:g} -> {status}")
    # seed spread: how much the synthetic weights alone move the medians
    meds = [median_abs_errors(compare_published(seed=s)) for s in range(5)]
    print("\nmedian |error| over weight seeds 0-4 (min / max):")
    for m in TARGETS:
        vals = [x[m] for x in meds]
        print(f"  {m:15s} {np.min(vals):7.1f} / {np.max(vals):7.1f}")


if __name__ == "__main__":
    main()
