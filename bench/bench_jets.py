"""Benchmark the Pythia 8 + FastJet jet simulation: throughput per core, then a 2-worker run.

Prints (these are the numbers docs/jets.md quotes):
  * jets per second on one core (workers=1, excluding nothing: includes Pythia init);
  * wall time, jets/s and peak resident memory (parent + workers, sampled) of a larger run.
Usage: nice -n 10 python bench/bench_jets.py [--single 40] [--n-per-class 200] [--workers 2]
(--n-per-class 20000 gives the issue's 100k-jet run; it takes ~1 h on 2 cores.)
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flow.physics.jets import generate_jets  # noqa: E402


class PeakRSS:
    """Sample the summed RSS of this process and its children every 0.2 s."""

    def __init__(self) -> None:
        import psutil

        self.proc = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0
            try:
                for p in [self.proc, *self.proc.children(recursive=True)]:
                    try:
                        total += p.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                pass
            self.peak = max(self.peak, total)
            time.sleep(0.2)

    def __enter__(self) -> "PeakRSS":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run(n_per_class: int, workers: int, out: Path, seed: int) -> tuple[float, int, dict]:
    with PeakRSS() as rss:
        t0 = time.perf_counter()
        meta = generate_jets(n_per_class=n_per_class, out=out, seed=seed, workers=workers, progress=False)
        dt = time.perf_counter() - t0
    return dt, rss.peak, meta


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--single", type=int, default=40, help="jets per class for the 1-core run")
    ap.add_argument("--n-per-class", type=int, default=200, help="jets per class for the multi-worker run")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", type=Path, default=None, help="keep the multi-worker output at this path")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpd = Path(tmp)
        if args.single > 0:
            dt, peak, meta = run(args.single, 1, tmpd / "single.parquet", args.seed)
            n = 5 * args.single
            print(f"single core: {n} jets in {dt:.1f} s -> {n / dt:.1f} jets/s/core, peak RSS {peak / 2**20:.0f} MiB")
            print(f"  events generated per class: {meta['events_generated']}")
        if args.n_per_class > 0:
            out = args.keep or tmpd / "multi.parquet"
            dt, peak, meta = run(args.n_per_class, args.workers, out, args.seed)
            n = 5 * args.n_per_class
            print(
                f"{args.workers} workers: {n} jets in {dt:.1f} s -> {n / dt:.1f} jets/s "
                f"({n / dt / args.workers:.1f} jets/s/core), peak RSS (parent+workers) {peak / 2**20:.0f} MiB, "
                f"file {out.stat().st_size / 2**20:.2f} MiB"
            )
            ru_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            ru_kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            print(f"  ru_maxrss: parent {ru_self:.0f} MiB, largest worker {ru_kids:.0f} MiB")
            print(f"  events generated per class: {meta['events_generated']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
