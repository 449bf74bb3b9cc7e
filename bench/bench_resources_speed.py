"""Time `flow.resources.estimate` on the 16-64-32-32-5 jet MLP with 6-bit weights (goal < 1 s).

    /work/venv/bin/python bench/bench_resources_speed.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import time  # noqa: E402

from flow.resources import design_from_published, estimate, load_published


def main() -> None:
    row = next(r for r in load_published() if r["id"] == "fahim2021_jet_6bit_qat")
    design = design_from_published(row, seed=0)
    estimate(design)  # warm numpy
    n = 20
    t0 = time.perf_counter()
    for _ in range(n):
        est = estimate(design)
    dt = (time.perf_counter() - t0) / n
    print(f"estimate() on {design.name} (16-64-32-32-5, 6-bit weights): {dt * 1e3:.1f} ms per call "
          f"(goal < 1000 ms); LUT {est.total['LUT']} FF {est.total['FF']} DSP {est.total['DSP']} "
          f"latency {est.total['latency_cycles']} cycles")


if __name__ == "__main__":
    main()
