"""Estimate every published hls4ml synthesis in flow/resources_data/published_synthesis.json and
print the per-metric error, plus the median absolute error (targets: LUT/FF <= 25 %, DSP <= 15 %,
latency within 2 cycles) over all included rows, the calibration rows (used to set constants) and
the holdout rows (not used). Also shows the spread over weight seeds, because the published
models' trained weights are not available and are replaced by synthetic ones.

    python bench/bench_resources_published.py [--table OTHER.json] [--seeds 5]

`--table` checks any table in the same format (docs/resources.md, "Checking your own table").
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import numpy as np

from flow.errors import ConfigError
from flow.parts import lookup_part
from flow.resources import (compare_published, design_from_published, legacy_dense, load_published, median_abs_errors,
                            published_results)

TARGETS = {"LUT": 25.0, "FF": 25.0, "DSP": 15.0, "latency_cycles": 2.0}
METRICS = ("LUT", "FF", "DSP", "latency_cycles")


def _group(row: dict) -> str:
    return str(row.get("group") or "").strip().lower()


def _medians(recs, rows, group=None):
    sel = [r for r in recs if "not_estimated" not in r and not rows[r["id"]].get("excluded")
           and (group is None or _group(rows[r["id"]]) == group)]
    return len(sel), median_abs_errors(sel), sel


def _signature(obj: Any) -> Any:
    """Everything the estimator reads from a design (weights by content), minus its name."""
    if dataclasses.is_dataclass(obj):
        return tuple((f.name, _signature(getattr(obj, f.name))) for f in dataclasses.fields(obj) if f.name != "name")
    if isinstance(obj, np.ndarray):
        return hashlib.sha1(np.ascontiguousarray(obj).tobytes()).hexdigest()
    if isinstance(obj, dict):
        return tuple(sorted((k, _signature(v)) for k, v in obj.items()))
    if isinstance(obj, (list, tuple)):
        return tuple(_signature(v) for v in obj)
    return obj


def _indistinguishable_spread(rows: dict) -> None:
    """Rows whose designs are identical as the estimator sees them (same model, weights, part,
    clock, backend; the hls4ml version only as far as it changes the model) but were synthesized
    by different people with different tool versions (and, for the tutorial forks, their own
    unpublished trained weights): how far each published value lies from its group's median is
    error no estimator fed these inputs can remove."""
    groups: dict[Any, list[dict]] = {}
    for row in rows.values():
        if row.get("excluded"):
            continue
        try:
            d = design_from_published(row)
            row = {**row, "results": published_results(row)}
        except Exception:  # noqa: BLE001 -- unpriceable: reported above (compare_published), not here
            continue
        d.extra = {**d.extra, "hls4ml_version": legacy_dense(d.extra.get("hls4ml_version"))}
        groups.setdefault(_signature(d), []).append(row)
    dups = [g for g in groups.values() if len(g) > 1]
    dev: dict[str, list[float]] = {m: [] for m in METRICS}
    for g in dups:
        for m in METRICS:
            vals = np.array([r["results"][m] for r in g if r["results"].get(m) is not None], dtype=float)
            if vals.size < 2:
                continue
            med = float(np.median(vals))
            d_ = np.abs(vals - med)
            dev[m] += list(d_ if m == "latency_cycles" else 100.0 * d_ / max(med, 1.0))
    n = sum(len(g) for g in dups)
    if not any(dev.values()):
        return
    print(f"\nspread of the published values among rows the estimator cannot tell apart ({len(dups)} groups, {n} rows;"
          "\n  different users, tool versions and, for tutorial forks, trained weights): |published - group median|, median / max")
    for m in METRICS:
        if dev[m]:
            unit = "cycles" if m == "latency_cycles" else "%"
            print(f"  {m:15s} {float(np.median(dev[m])):7.1f} / {float(np.max(dev[m])):5.1f} {unit}")


class _UsageError(Exception):
    """A command line argparse rejects: main() prints it and returns 1, as for a bad table."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own exits with 2; a user error here is 1
        raise _UsageError(f"{self.format_usage()}{self.prog}: error: {message}")


def _seed_count(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seeds: give a whole number, 1 or more")
    return n


#: the estimator's warnings printed under a row: the design cannot be built on its part, or part of
#: it is not in the totals (the others -- utilization above 80 %, per-layer notes -- are in its estimate)
SHOWN_WARNINGS = ("DOES NOT FIT", "no utilization and no fit check", "priced as free")


def main(argv: list[str] | None = None) -> int:
    ap = _Parser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", default=None, help="a published-results JSON file (default: the repository's table)")
    ap.add_argument("--seeds", type=_seed_count, default=5, help="synthetic-weight seeds for the spread line (default 5)")
    try:
        args = ap.parse_args(argv)
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    try:
        table = load_published(args.table) if args.table else load_published()
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    ids = [str(r["id"]) if r.get("id") is not None else f"#{i + 1} (no id)" for i, r in enumerate(table)]
    if len(set(ids)) != len(ids):
        print("error: row ids must be unique; repeated: " + ", ".join(sorted({i for i in ids if ids.count(i) > 1})), file=sys.stderr)
        return 1
    for i, r in zip(ids, table):
        r["id"] = i
    rows = {r["id"]: r for r in table}
    recs = compare_published(table, seed=0)
    hdr = f"{'row':36s} {'group':5s} " + " ".join(f"{m[:3] + ' pub/est':>17s}" for m in METRICS)
    print(hdr)
    print("-" * len(hdr))
    for r in recs:
        g = "excl" if rows[r["id"]].get("excluded") else str(rows[r["id"]].get("group", "-"))[:5]
        if "not_estimated" in r:
            print(f"{r['id']:36s} {g:5s} not estimated, left out of the medians: {r['not_estimated']}")
            continue
        cells = " ".join(f"{str(r['published'][m]):>8}/{r['estimate'][m]:<8}" for m in METRICS)
        print(f"{r['id']:36s} {g:5s} {cells}")
        for note in r.get("notes", []) + [w for w in r.get("warnings", []) if any(k in w for k in SHOWN_WARNINGS)]:
            print(f"{'':36s}       note: {note}")
    if all("not_estimated" in r for r in recs):
        print("\nerror: no row could be estimated, so there are no medians:\n"
              + "\n".join(f"  {r['not_estimated']}" if r["not_estimated"].startswith("published row ")
                          else f"  {r['id']}: {r['not_estimated']}" for r in recs), file=sys.stderr)
        return 1
    groups = [("all included rows", None)] + [(f"{g} rows", g) for g in ("calibration", "holdout")
                                              if any(_group(row) == g for row in rows.values())]
    for label, group in groups:
        n, med, sel = _medians(recs, rows, group)
        print(f"\nmedian |error|, {label} (n={n}, seed 0):")
        for m, v in med.items():
            unit = "cycles" if m == "latency_cycles" else "%"
            status = "meets" if v <= TARGETS[m] else ("no rows" if v != v else "MISSES")
            counted = sum(1 for r in sel if m in r["error_pct"] and np.isfinite(r["error_pct"][m]))
            zero = [r["id"] for r in sel if m in r["error_pct"] and not np.isfinite(r["error_pct"][m])]
            extra = f" (over {counted} rows" + (f"; no % error where 0 is published and the estimate is not: "
                                                 f"{', '.join(zero)}" if zero else "") + ")" if 0 < counted != n else ""
            print(f"  {m:15s} {v:7.1f} {unit:6s} target <= {TARGETS[m]:g} -> {status}{extra}")
    other = sorted({_group(r) for r in rows.values() if _group(r) not in ("", "calibration", "holdout")})
    if other:
        print(f"\nnote: groups other than calibration/holdout count only in 'all included rows': {', '.join(other)}")
    excluded = [r for r in rows.values() if r.get("excluded")]
    if excluded:
        print(f"\nexcluded from the medians ({len(excluded)}):")
        reasons: dict[str, list[str]] = {}
        for r in excluded:
            reason = r["excluded"] if isinstance(r["excluded"], str) else "(no reason given)"
            reasons.setdefault(reason, []).append(r["id"])
        for reason, which in reasons.items():
            print(f"  {', '.join(which)}\n    reason: {reason}")
    by: dict[tuple[str, str], list[float]] = {}
    for r in recs:
        row = rows[r["id"]]
        if row.get("excluded") or "not_estimated" in r or r["published"]["latency_cycles"] is None:
            continue
        tool = (str(row["synthesis"].get("tool") or "?").split() or ["?"])[0]
        key = (tool, lookup_part(row["synthesis"]["part"]).family)
        by.setdefault(key, []).append(r["estimate"]["latency_cycles"] - r["published"]["latency_cycles"])
    print("\nlatency error (estimate - published, cycles) by tool and part family, included rows:")
    for (tool, fam), errs in sorted(by.items()):
        print(f"  {tool:7s} {fam:30s} n={len(errs):2d}  median {float(np.median(errs)):+5.1f}  "
              f"median |err| {float(np.median(np.abs(errs))):4.1f}")
    print("\nnot in the targets, compared exactly (included rows that publish them):")
    for m in ("BRAM_18K", "ii"):
        pairs = [r["other"][m] for r in recs if m in r.get("other", {}) and not rows[r["id"]].get("excluded")]
        same = sum(p["estimate"] == p["published"] for p in pairs)
        off = sorted((p["estimate"] - p["published"] for p in pairs if p["estimate"] != p["published"]))
        print(f"  {m:15s} equal on {same} of {len(pairs)} rows" + (f"; estimate - published elsewhere: {off}" if off else ""))
    _indistinguishable_spread(rows)
    if args.seeds > 1:
        meds = [_medians(compare_published(table, seed=s), rows)[1] for s in range(args.seeds)]
        print(f"\nmedian |error| over weight seeds 0-{args.seeds - 1}, all included rows (min / max):")
        for m in TARGETS:
            vals = [x[m] for x in meds]
            print(f"  {m:15s} {np.min(vals):7.1f} / {np.max(vals):7.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
