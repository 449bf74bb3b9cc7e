"""The published-synthesis table through the estimator, with loose sanity bounds.

Bounds (why these numbers): the rows are rebuilt with synthetic weights (the trained ones are not
published), so a single row can be off by tens of percent even if the model were perfect --
the DSP count of the 16-bit row moves by ~15 % between weight seeds alone. We therefore only
require what a useful estimator must deliver: the right order of magnitude per row (within a
factor of 2.5 for LUT/FF, DSP within a factor 3 or 50 DSPs), medians within 50 %, and latency
within 3 cycles per row. A model that ignores the weights (e.g. one DSP per product) or sums
latencies wrongly fails these; the tighter targets are tracked in bench/bench_resources_published.py.
"""

from __future__ import annotations

import json
import math

from flow.resources import PUBLISHED_PATH, compare_published, load_published, median_abs_errors


def test_table_rows_are_cited_and_complete():
    raw = json.loads(PUBLISHED_PATH.read_text())
    assert raw["_comment"], "the table must say where its numbers come from"
    for row in load_published():
        assert row["source"]["citation"] and row["source"]["url"]
        syn = row["synthesis"]
        assert syn["tool"] and syn["part"] and syn["clock_period_ns"] > 0
        m = row["model"]
        assert m["layers"] and m["default_precision"] and "reuse_factor" in m and m["strategy"] and m["io_type"]
        assert {"LUT", "FF", "DSP", "latency_cycles"} <= set(row["results"])


def test_estimates_within_sanity_bounds_of_published():
    recs = compare_published(seed=0)
    assert recs
    for r in recs:
        est, pub = r["estimate"], r["published"]
        for m in ("LUT", "FF"):
            ratio = est[m] / pub[m]
            assert 1 / 2.5 <= ratio <= 2.5, (r["id"], m, est[m], pub[m])
        assert abs(est["DSP"] - pub["DSP"]) <= max(50, 2 * pub["DSP"]), (r["id"], est["DSP"], pub["DSP"])
        assert abs(est["latency_cycles"] - pub["latency_cycles"]) <= 3, (r["id"], est["latency_cycles"])
    med = median_abs_errors(recs)
    for m in ("LUT", "FF", "DSP"):
        assert math.isfinite(med[m]) and med[m] <= 50.0, (m, med[m])
    assert med["latency_cycles"] <= 2.0
