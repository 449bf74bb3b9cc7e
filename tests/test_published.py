"""The published-synthesis table through the estimator.

The rows are rebuilt with synthetic weights (the trained ones are not published) and come from
several tool versions, so one row can be off by a factor even if the model were right; the same
architecture's published DSP count alone spans 1450-3339 across tutorial forks. These tests pin
what the estimator reaches today (LUT, FF, DSP and latency medians over the included rows within
the issue's targets; on the holdout rows alone latency misses, see
bench/bench_resources_published.py and docs/resources.md), and check the table is cited.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from flow.resources import PUBLISHED_PATH, compare_published, load_published, median_abs_errors, published_weights


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
        assert row["group"] in ("calibration", "holdout"), row["id"]
        assert "excluded" not in row or len(row["excluded"]) > 20, row["id"]  # a reason, not a flag


def _included():
    rows = {r["id"]: r for r in load_published()}
    recs = compare_published(seed=0)
    return rows, [r for r in recs if not rows[r["id"]].get("excluded")]


def test_every_row_is_estimated_completely():
    for r in compare_published(seed=0):
        assert all(r["estimate"][m] is not None for m in ("LUT", "FF", "DSP", "latency_cycles")), r["id"]


def test_medians_on_the_included_rows():
    rows, recs = _included()
    assert len(recs) >= 40
    med = median_abs_errors(recs)
    assert med["LUT"] <= 25.0, med  # the target, met
    assert med["FF"] <= 25.0, med  # the target, met
    assert med["DSP"] <= 15.0, med  # the target, met
    assert med["latency_cycles"] <= 2.0, med  # the target, met (holdout alone: 2.5)
    hold = median_abs_errors([r for r in recs if rows[r["id"]]["group"] == "holdout"])
    assert math.isfinite(hold["LUT"]) and hold["LUT"] <= 25.0, hold
    assert hold["FF"] <= 25.0, hold


def test_reuse_factor_rows_follow_the_multiplier_limit():
    """Latency strategy, RF 4 on the tutorial MLP: hls4ml's multiplier_limit (256/512/256/40) caps
    the DSPs, 1069 published with the softmax's 5."""
    recs = {r["id"]: r for r in compare_published(seed=0)}
    rf4 = recs["tut_3a_rf4_enlupi_u200"]
    assert abs(rf4["estimate"]["DSP"] - 1069) <= 0.05 * 1069, rf4


def test_lut_order_of_magnitude_on_most_rows():
    _, recs = _included()
    within = [r for r in recs if 1 / 2 <= r["estimate"]["LUT"] / r["published"]["LUT"] <= 2]
    assert len(within) >= 0.9 * len(recs), [r["id"] for r in recs if r not in within]


def test_legacy_hls4ml_rows_use_generic_multipliers():
    """hls4ml < 0.5 rows: one DSP per non-zero 16-bit product (published ~3950-4000 of 4256)."""
    recs = {r["id"]: r for r in compare_published(seed=0)}
    legacy = recs["tut_p1_stbordoni_ku115"]
    modern = recs["tut_p1_hector_u250"]
    assert legacy["estimate"]["DSP"] > 3800 > modern["estimate"]["DSP"]
    # and share them under the same multiplier_limit at RF 2 (published 2133 = 1024+512+512+80+5)
    rf2 = recs["tut_p2_rf2_fml2021_zu3eg"]
    assert abs(rf2["estimate"]["DSP"] - 2133) <= 0.05 * 2133, rf2


def test_rows_with_firmware_weights_are_priced_from_them():
    """Committed projects carry their weights: Vitis rows then land within a few % of the DSPs."""
    w = published_weights()
    assert {"repo_iris_z020/w0", "repo_nrp_u250/w3", "repo_ce6370_400_u250/w0"} <= set(w)
    assert w["repo_ce6370_400_u250/w0"].size == 400 * 10
    recs = {r["id"]: r for r in compare_published(seed=0)}
    for rid in ("repo_iris_z020", "repo_ce6370_400_u250", "repo_taitashaw_io_stream_zu7ev"):
        r = recs[rid]
        assert abs(r["estimate"]["DSP"] - r["published"]["DSP"]) <= 0.05 * r["published"]["DSP"], r
    # seeds do not change a row priced from real weights
    assert compare_published(seed=3)[[r["id"] for r in compare_published(seed=0)].index("repo_iris_z020")][
        "estimate"] == recs["repo_iris_z020"]["estimate"]


def test_instance_latency_evidence_matches_the_table():
    """published_instances.json (the per-instance tables the latency discussion in
    docs/resources.md cites) holds the same reports as the table: same source, same latency."""
    ev = json.loads((PUBLISHED_PATH.parent / "published_instances.json").read_text())
    rows = {r["id"]: r for r in load_published()}
    assert len(ev["reports"]) >= 20
    for rid, rep in ev["reports"].items():
        assert rep["url"] == rows[rid]["source"]["url"], rid
        assert rep["latency_cycles"] == rows[rid]["results"]["latency_cycles"], rid
        assert rep["instances"] and all(lat >= 0 for _, lat in rep["instances"]), rid


def test_a_row_the_estimator_cannot_price_is_reported_not_fatal():
    """A table someone extends (a Versal part, an unmodelled activation, a missing field) must not
    end the comparison for every other row, nor enter the medians with a made-up number."""
    import copy

    base = {r["id"]: r for r in load_published()}["tut_p1_enlupi_u250"]
    versal, elu, broken, defaults = (copy.deepcopy(base) for _ in range(4))
    versal["id"], versal["synthesis"]["part"] = "versal", "xcvc1902-vsva2197-2MP-e-S"
    elu["id"], elu["model"]["hidden_activation"] = "elu", "swish"  # not an hls4ml 1.3.0 activation
    broken["id"] = "broken"
    del broken["model"]["layers"]
    # fields a row may leave out: hls4ml's defaults, and the backend its tool implies
    defaults["id"] = "defaults"
    for key in ("backend", "clock_period_ns"):
        del defaults["synthesis"][key]
    del defaults["model"]["default_precision"]
    recs = {r["id"]: r for r in compare_published([versal, elu, broken, defaults, base])}
    assert "xcvc1902" in recs["versal"]["not_estimated"]
    assert "swish" in recs["elu"]["not_estimated"] and recs["elu"]["error_pct"] == {}
    assert "layers" in recs["broken"]["not_estimated"]
    assert "not_estimated" not in recs["defaults"]
    assert recs["defaults"]["estimate"] == recs[base["id"]]["estimate"]  # Vitis, 5 ns, ap_fixed<16,6>
    med = median_abs_errors(list(recs.values()))
    assert med == median_abs_errors([recs[base["id"]], recs["defaults"]])


def test_a_row_in_hls4ml_spelling_or_with_latency_in_ns_is_compared():
    """Tables copied from papers: types as hls4ml writes them (fixed<16,6>), latency in ns only."""
    import copy

    base = {r["id"]: r for r in load_published()}["tut_p1_enlupi_u250"]
    spelled, in_ns = copy.deepcopy(base), copy.deepcopy(base)
    spelled["id"], spelled["model"]["default_precision"] = "spelled", base["model"]["default_precision"].removeprefix("ap_")
    in_ns["id"] = "in_ns"
    period = base["synthesis"]["clock_period_ns"]
    in_ns["results"] = {"latency_ns": base["results"]["latency_cycles"] * period + 0.4 * period}  # rounds to the cycles
    recs = {r["id"]: r for r in compare_published([spelled, in_ns, base])}
    assert "not_estimated" not in recs["spelled"] and recs["spelled"]["estimate"] == recs[base["id"]]["estimate"]
    assert recs["in_ns"]["published"]["latency_cycles"] == base["results"]["latency_cycles"]
    assert recs["in_ns"]["error_pct"] == {"latency_cycles": recs[base["id"]]["error_pct"]["latency_cycles"]}


def test_bench_checks_another_table_and_refuses_a_malformed_one(tmp_path, capsys):
    """`bench_resources_published.py --table` prices any table in the same format (a list of rows,
    no groups needed); a file that is not such a table exits 1 naming the file."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_pub", Path(__file__).resolve().parents[1] / "bench" / "bench_resources_published.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    row = {r["id"]: r for r in load_published()}["repo_ce6370_400_u250"]
    mine = dict(row, id="mine", model=dict(row["model"], weights_from=row["id"]))  # its firmware weights, by reference
    mine.pop("group")
    unpriceable = {"id": "odd", "synthesis": {"part": "xcvu9p-flgb2104-2-e"}, "model": {"layers": [4, 2], "output_activation": "swish"},
                   "results": {"LUT": 1, "latency_cycles": 3}}
    good = tmp_path / "mine.json"
    good.write_text(json.dumps([mine, unpriceable]))
    assert bench.main(["--table", str(good), "--seeds", "1"]) == 0
    out = capsys.readouterr().out
    est = compare_published([row])[0]["estimate"]
    assert f"{row['results']['LUT']}/{est['LUT']}" in out
    assert "odd" in out and "not estimated" in out and "all included rows (n=1," in out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"rows": "nope"}))
    assert bench.main(["--table", str(bad)]) == 1
    assert str(bad) in capsys.readouterr().err


def test_a_table_row_that_no_synthesis_could_have_is_refused_by_field():
    """Values a typo makes (a string count, NaN, a negative sparsity, reuse factor 0, a tool the
    estimator does not model, weights of a row that keeps none, a zero-width type) are reported
    for their row, naming the field, instead of being priced as something else or crashing the
    comparison; the well-formed row beside them is still compared."""
    good = {"id": "good", "synthesis": {"part": "xcvu9p-flga2104-2L-e", "tool": "Vitis HLS 2023.2"},
            "model": {"layers": [16, 8, 5]}, "results": {"LUT": 1000, "latency_cycles": 5}}

    def bad(rid, *, synthesis=None, model=None, results=None, **top):
        return {**good, "id": rid, "synthesis": {**good["synthesis"], **(synthesis or {})},
                "model": {**good["model"], **(model or {})}, "results": results if results is not None else good["results"], **top}

    rows = [good,
            bad("str_count", results={"LUT": "1000"}),
            bad("nan", results={"FF": float("nan")}),
            bad("negative", results={"DSP": -3}),
            bad("bool", results={"DSP": True}),
            bad("sparsity", model={"sparsity": -0.5}),
            bad("rf0", model={"reuse_factor": 0}),
            bad("layers", model={"layers": [16, 0, 5]}),
            bad("clock", synthesis={"clock_period_ns": 0}),
            bad("catapult", synthesis={"tool": "Catapult HLS 2023.1"}),
            bad("weights", model={"weights_from": "fahim2021_jet_16bit_ptq"}),
            bad("width", model={"default_precision": "ap_fixed<0,0>"}),
            bad("dist", model={"weight_distribution": "normal"}),
            bad("leaky", model={"hidden_activation": "leaky_relu"}),
            bad("source", source="a paper")]
    recs = {r["id"]: r for r in compare_published(rows)}
    expect = {"str_count": "results.LUT", "nan": "results.FF", "negative": "results.DSP", "bool": "results.DSP",
              "sparsity": "model.sparsity", "rf0": "model.reuse_factor", "layers": "model.layers",
              "clock": "synthesis.clock_period_ns", "catapult": "synthesis.tool", "weights": "model.weights_from",
              "width": "model.default_precision", "dist": "model.weight_distribution",
              "leaky": "model.hidden_activation", "source": "source"}
    for rid, field in expect.items():
        assert f"published row {rid}: {field}" in recs[rid].get("not_estimated", ""), (rid, recs[rid])
    assert "not_estimated" not in recs["good"] and recs["good"]["error_pct"]
    alone = median_abs_errors([recs["good"]])
    assert {k: v for k, v in median_abs_errors(list(recs.values())).items() if v == v} == {k: v for k, v in alone.items() if v == v}
    assert set(alone) == {"LUT", "FF", "DSP", "latency_cycles"} and alone["LUT"] == alone["LUT"]
    # the parameter the leaky row lacked prices it; hls4ml's int<W> and a capitalised activation are read
    fixed = {r["id"]: r for r in compare_published([
        bad("leaky", model={"hidden_activation": "leaky_relu", "activation_alpha": 0.3}),
        bad("int", model={"input_precision": "int<8>"}), bad("caps", model={"hidden_activation": "ReLU"})])}
    assert all("not_estimated" not in r for r in fixed.values()), fixed
    assert fixed["caps"]["estimate"] == recs["good"]["estimate"]


def test_a_resource_row_is_priced_at_the_reuse_factor_hls4ml_builds():
    """hls4ml's Resource strategy replaces an invalid reuse factor by the closest valid one
    (16 x 64: 3 -> 2) with only a printed line; the comparison prices what hls4ml builds and says so."""
    row = {"id": "r", "synthesis": {"part": "xcvu9p-flga2104-2L-e"},
           "model": {"layers": [16, 64], "strategy": "Resource", "reuse_factor": 3}, "results": {"DSP": 500}}
    at3, at2 = compare_published([row, {**row, "id": "r2", "model": {**row["model"], "reuse_factor": 2}}])
    assert at3["estimate"] == at2["estimate"] and "notes" not in at2
    assert "reuse factor 3" in at3["notes"][0] and "priced at 2" in at3["notes"][0]


def test_bench_survives_odd_tables(tmp_path, capsys):
    """The bench's own sections (latency by tool, the spread of indistinguishable rows, excluded
    reasons) take whatever rows passed: a numeric tool, a row without results, several reasons;
    an empty table and --seeds 0 are refused."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_pub2", Path(__file__).resolve().parents[1] / "bench" / "bench_resources_published.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    base = {"synthesis": {"part": "xcvu9p-flga2104-2L-e"}, "model": {"layers": [16, 5]}}
    table = [{**base, "id": "a", "results": {"LUT": 500, "latency_cycles": 3}},
             {**base, "id": "b", "results": None},
             {**base, "id": "c", "synthesis": {**base["synthesis"], "tool": 2019.2}, "results": {"LUT": 500}},
             {**base, "id": "d", "results": {"LUT": 400}, "excluded": "reason one"},
             {**base, "id": "e", "results": {"LUT": 400}, "excluded": "reason two"}]
    f = tmp_path / "t.json"
    f.write_text(json.dumps(table))
    assert bench.main(["--table", str(f), "--seeds", "1"]) == 0
    out = capsys.readouterr().out
    assert "reason one" in out and "reason two" in out and "published row c: synthesis.tool" in out
    empty = tmp_path / "empty.json"
    empty.write_text("[]")
    assert bench.main(["--table", str(empty)]) == 1
    assert "no rows" in capsys.readouterr().err
    assert bench.main(["--table", str(f), "--seeds", "0"]) == 1


def test_a_cnn_row_is_rebuilt_from_its_layer_objects():
    """A table row may describe a CNN as Keras layers (model.input_shape + layer objects): it is
    rebuilt exactly as the hand-written Design below -- Keras' output sizes and 'same' pads,
    relu after the conv, softmax after the last weight layer, per-layer overrides -- and priced
    completely; what Keras would not build is refused by field."""
    import numpy as np

    from flow.design import ActivationDesign, ConvDesign, DenseDesign, Design, FixedType, PoolDesign
    from flow.resources import design_from_published, estimate, synthetic_weights, SMALL_WEIGHT_SHARE

    row = {"id": "cnn", "synthesis": {"part": "xcvu9p-flga2104-2L-e", "tool": "Vitis HLS 2023.2"},
           "model": {"input_shape": [9, 9, 2], "sparsity": 0.25, "io_type": "io_stream",
                     "layers": [{"type": "conv2d", "filters": 4, "kernel_size": 3, "strides": 2, "padding": "same",
                                 "weight_precision": "ap_fixed<8,2>"},
                                {"type": "maxpool2d", "pool_size": 2}, {"type": "flatten"},
                                {"type": "dense", "units": 3, "sparsity": 0}]},
           "results": {"latency_cycles": 40}}
    d16, w8 = FixedType(16, 6), FixedType(8, 2)
    rng = np.random.default_rng(0)
    wc = synthetic_weights(18, 4, w8, 0.25, rng, small_share=SMALL_WEIGHT_SHARE)
    bc = np.clip(np.round(rng.normal(0, 0.1, 4) / d16.lsb) * d16.lsb, d16.min_value, d16.max_value)  # bias: the default precision
    wd = synthetic_weights(16, 3, d16, 0.0, rng, small_share=SMALL_WEIGHT_SHARE)
    bd = np.clip(np.round(rng.normal(0, 0.1, 3) / d16.lsb) * d16.lsb, d16.min_value, d16.max_value)
    layers = [ConvDesign("conv2d1", wc, bc, d16, w8, d16, d16, d16, n_zeros=int(np.sum(wc == 0)), in_height=9, in_width=9,
                         n_chan=2, filt_height=3, filt_width=3, stride_height=2, stride_width=2, out_height=5, out_width=5,
                         pad_top=1, pad_bottom=1, pad_left=1, pad_right=1),
              ActivationDesign("conv2d1_relu", "relu", 100, d16, d16, positions=25),
              PoolDesign("maxpool2d2", d16, 5, 5, 4, 2, 2, 2, 2, 2, 2, accum_type=d16, result_type=d16),
              DenseDesign("dense4", wd, bd, d16, d16, d16, d16, d16, n_zeros=int(round(0.0 * wd.size))),
              ActivationDesign("dense4_softmax", "softmax", 3, d16, d16, table_size=1024)]
    mine = Design("cnn", layers, d16, 162, backend="Vitis", part="xcvu9p-flga2104-2L-e", clock_period_ns=5.0,
                  io_type="io_stream", extra={"softmax_implementation": "stable", "hls4ml_version": None, "row_notes": []})
    built = design_from_published(row)
    assert [type(x).__name__ for x in built.layers] == [type(x).__name__ for x in layers]
    got, want = estimate(built), estimate(mine)
    assert got.total == want.total and got.total["complete"], (got.total, want.total)
    rec = compare_published([row])[0]
    assert "not_estimated" not in rec and rec["error_pct"]["latency_cycles"] == got.total["latency_cycles"] - 40
    bad = [({"type": "conv3d", "filters": 2}, "model.layers[0].type"),
           ({"type": "conv2d", "filters": 2}, "model.layers[0].kernel_size"),
           ({"type": "conv2d", "filters": 2, "kernel_size": 11}, "model.layers[0]"),
           ({"type": "dense", "units": 2, "dropout": 0.1}, "model.layers[0]")]
    for spec, field in bad:
        r = {**row, "model": {**row["model"], "layers": [spec, {"type": "flatten"}, {"type": "dense", "units": 2}]}}
        msg = compare_published([r])[0].get("not_estimated", "")
        assert f"published row cnn: {field}" in msg, (spec, msg)
    borrowed = {**row, "model": {**row["model"], "weights_from": "repo_iris_z020"}}
    assert "published row cnn: model.weights_from" in compare_published([borrowed])[0].get("not_estimated", "")


# --------------------------------------------------------------------------------------------
# Tables written by hand: what a typo, a Keras spelling or an odd value does to one row
# --------------------------------------------------------------------------------------------
_GOOD = {"id": "good", "synthesis": {"part": "xcvu9p-flga2104-2L-e", "tool": "Vitis HLS 2023.2"},
         "model": {"layers": [16, 8, 5]}, "results": {"LUT": 1000, "latency_cycles": 5}}


def _row(rid, *, synthesis=None, model=None, results=None, **top):
    return {**_GOOD, "id": rid, "synthesis": {**_GOOD["synthesis"], **(synthesis or {})},
            "model": {**_GOOD["model"], **(model or {})},
            "results": results if results is not None else _GOOD["results"], **top}


def _cnn(rid, layers, **model):
    return {"id": rid, "synthesis": {"part": "xcu250-figd2104-2L-e", "tool": "Vivado HLS 2020.1"},
            "model": {"input_shape": [12, 12, 3], "io_type": "io_stream", **model, "layers": layers},
            "results": {"LUT": 10000}}


def _bench(name):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parents[1] / "bench" / "bench_resources_published.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_a_table_that_is_not_utf8_is_refused_and_a_bom_is_read(tmp_path, capsys):
    """A table saved as latin-1 or UTF-16 (Windows editors) exits 1 with one error line naming the
    file, not a UnicodeDecodeError traceback; UTF-8 with a byte-order mark is read."""
    from flow.errors import ConfigError

    bench = _bench("bench_pub_enc")
    text = json.dumps([_row("café")], ensure_ascii=False)
    for name, data in (("latin1.json", text.encode("latin-1")), ("utf16.json", text.encode("utf-16"))):
        f = tmp_path / name
        f.write_bytes(data)
        with pytest.raises(ConfigError, match="UTF-8"):
            load_published(f)
        assert bench.main(["--table", str(f), "--seeds", "1"]) == 1
        err = capsys.readouterr().err
        assert err.startswith("error: ") and str(f) in err and "UTF-8" in err and "Traceback" not in err
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert [r["id"] for r in load_published(bom)] == ["café"]


def test_bench_refuses_a_bad_seed_count_with_exit_1(tmp_path, capsys):
    """--seeds 0, -1 or abc exit 1 (docs/resources.md), naming the option, not argparse's 2."""
    bench = _bench("bench_pub_seeds")
    f = tmp_path / "t.json"
    f.write_text(json.dumps([_row("a")]))
    for value in ("0", "-1", "abc"):
        assert bench.main(["--table", str(f), "--seeds", value]) == 1
        err = capsys.readouterr().err
        assert "--seeds" in err and value in err, err


def test_bench_exits_1_when_no_row_could_be_estimated(tmp_path, capsys):
    """A table none of whose rows prices has no medians: exit 1 saying so, with each row's reason,
    instead of 'nan %' medians and exit 0."""
    bench = _bench("bench_pub_none")
    f = tmp_path / "t.json"
    f.write_text(json.dumps([_row("a", model={"sparsity": 2}), _row("b", synthesis={"part": "xc9zz999"})]))
    assert bench.main(["--table", str(f), "--seeds", "1"]) == 1
    out, err = capsys.readouterr()
    assert "no row could be estimated" in err and "published row a: model.sparsity" in err and "xc9zz999" in err
    assert "nan" not in out


def test_bench_prints_the_estimators_warnings_that_matter_under_the_row(tmp_path, capsys):
    """A design that does not fit its part, a part priced without its totals, stream padding priced
    as free: the estimate says so, and the bench prints it as a note under the row."""
    import itertools

    bench = _bench("bench_pub_notes")
    rows = [_row("big", synthesis={"part": "xc7z007s-clg225-1"}, model={"layers": [64, 64, 64, 5]}),
            _row("nocaps", synthesis={"part": "xcku5p-ffvb676-2-e"}),
            _cnn("pad", [{"type": "conv2d", "filters": 2, "kernel_size": 3, "padding": "same"}, {"type": "flatten"},
                         {"type": "dense", "units": 3}])]
    recs = {r["id"]: r for r in compare_published(rows)}
    assert any(w.startswith("DOES NOT FIT") for w in recs["big"]["warnings"])
    f = tmp_path / "t.json"
    f.write_text(json.dumps(rows))
    assert bench.main(["--table", str(f), "--seeds", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()

    def notes_of(rid):
        i = next(k for k, line in enumerate(lines) if line.startswith(rid + " "))
        return [line.strip() for line in itertools.takewhile(lambda line: line.startswith(" "), lines[i + 1:])]

    assert any(n.startswith("note: DOES NOT FIT") for n in notes_of("big")), lines
    assert any("no fit check" in n for n in notes_of("nocaps")), lines
    assert any("priced as free" in n for n in notes_of("pad")), lines


def test_names_in_a_row_are_read_as_hls4ml_and_keras_spell_them():
    """'Resource ' (a trailing space) is Resource, reuse-factor substitution included; Keras' class
    names (LeakyReLU, ReLU, Softmax) are its activations, 'SAME' is same padding."""
    res = {"layers": [16, 64, 5], "strategy": "Resource", "reuse_factor": 3}
    recs = {r["id"]: r for r in compare_published([
        _row("res", model=res), _row("res_ws", model={**res, "strategy": " Resource "}),
        _row("res_io", model={**res, "io_type": "IO_Parallel ", "strategy": "resource"}, synthesis={"backend": " vitis"}),
        _row("leaky", model={"hidden_activation": "leaky_relu", "activation_alpha": 0.3}),
        _row("leaky_keras", model={"hidden_activation": "LeakyReLU", "activation_alpha": 0.3}),
        _row("keras", model={"hidden_activation": "ReLU", "output_activation": "Softmax"})])}
    assert all("not_estimated" not in r for r in recs.values()), recs
    assert recs["res_ws"]["estimate"] == recs["res"]["estimate"] == recs["res_io"]["estimate"]
    assert recs["res_ws"]["notes"] == recs["res"]["notes"] and "priced at 2" in recs["res"]["notes"][0]
    assert recs["leaky_keras"]["estimate"] == recs["leaky"]["estimate"]
    assert recs["keras"]["estimate"] == compare_published([_GOOD])[0]["estimate"]
    conv = {"type": "conv2d", "filters": 2, "kernel_size": 3, "padding": "same"}
    same, upper = compare_published([_cnn("same", [conv, {"type": "flatten"}, {"type": "dense", "units": 3}]),
                                     _cnn("upper", [{**conv, "padding": "SAME"}, {"type": "flatten"}, {"type": "dense", "units": 3}])])
    assert "not_estimated" not in upper and upper["estimate"] == same["estimate"], upper


def test_a_misspelt_key_is_refused_with_the_likely_one():
    """A typo in a key ('reuse_facor', 'clock_perod_ns', results 'LUTs', a top-level 'gruop') used
    to be ignored, the row priced with the default instead; it is refused by name with the key
    meant. Free text (model.assumptions, synthesis.report, notes, '_'-keys, source's fields) is kept."""
    rows = [_row("m", model={"reuse_facor": 4}), _row("s", synthesis={"clock_perod_ns": 10}),
            _row("r", results={"LUTs": 1000}), _row("t", gruop="holdout"), _row("x", model={"zzz": 1}),
            _row("free", model={"assumptions": "as trained"}, synthesis={"report": "csynth.rpt"}, notes="n", _seen="2024",
                 source={"short": "me", "doi": "10.1/x"}, results={"LUT": 1000, "latency_cycles": 5, "notes": "Table 2"})]
    recs = {r["id"]: r for r in compare_published(rows)}
    for rid, key, meant in (("m", "model.reuse_facor", "reuse_factor"), ("s", "synthesis.clock_perod_ns", "clock_period_ns"),
                            ("r", "results.LUTs", "LUT"), ("t", "gruop", "group")):
        msg = recs[rid].get("not_estimated", "")
        assert msg.startswith(f"published row {rid}: {key}: ") and f"'{meant}'" in msg and "Fix:" in msg, msg
    assert "published row x: model.zzz: " in recs["x"]["not_estimated"]
    assert "not_estimated" not in recs["free"], recs["free"]
    assert recs["free"]["estimate"] == compare_published([_GOOD])[0]["estimate"]


def test_reasons_name_the_rows_own_fields():
    """What the estimator refuses is reported as the row's field (synthesis.clock_uncertainty_ns,
    model.strategy, ...), not the Design attribute it became; a per-layer list of the wrong length
    and a list where Keras takes one number (units, filters) or two (a conv2d kernel) are named too."""
    conv = {"type": "conv2d", "filters": 2, "kernel_size": 3}
    rows = [_row("unc", synthesis={"clock_uncertainty_ns": 12.5}), _row("unc_str", synthesis={"clock_uncertainty_ns": "abc"}),
            _row("strategy", model={"strategy": "Resourse"}), _row("io", model={"io_type": "io_serial"}),
            _row("backend", synthesis={"backend": "Quartus"}), _row("part", synthesis={"part": "xcvc1902-vsva2197-2MP-e-S"}),
            _row("list_len", model={"accum_precision": ["ap_fixed<16,6>"] * 3}),
            _row("act_len", model={"activation_precision": ["ap_fixed<8,2>"] * 3}),
            _cnn("units", [{"type": "dense", "units": [10]}]),
            _cnn("filters", [{**conv, "filters": [8]}, {"type": "flatten"}, {"type": "dense", "units": 3}]),
            _cnn("kernel", [{**conv, "kernel_size": [3, 3, 3]}, {"type": "flatten"}, {"type": "dense", "units": 3}]),
            _cnn("pool", [conv, {"type": "maxpool2d", "pool_size": [2, 2, 2]}, {"type": "flatten"}, {"type": "dense", "units": 3}]),
            _cnn("cnn_type", [conv, {"type": "flatten"}, {"type": "dense", "units": 3}], weight_precision="fixed<8>")]
    expect = {"unc": "synthesis.clock_uncertainty_ns", "unc_str": "synthesis.clock_uncertainty_ns", "strategy": "model.strategy",
              "io": "model.io_type", "backend": "synthesis.backend", "part": "synthesis.part",
              "list_len": "model.accum_precision", "act_len": "model.activation_precision",
              "units": "model.layers[0].units", "filters": "model.layers[0].filters", "kernel": "model.layers[0].kernel_size",
              "pool": "model.layers[1].pool_size", "cnn_type": "model.weight_precision"}
    recs = {r["id"]: r for r in compare_published(rows)}
    for rid, field in expect.items():
        msg = recs[rid].get("not_estimated", "")
        assert msg.startswith(f"published row {rid}: {field}: ") and "Fix:" in msg and "design." not in msg, (rid, msg)
    assert "'Resource'" in recs["strategy"]["not_estimated"]  # the likely one
    assert "xcvc1902" in recs["part"]["not_estimated"]


def test_a_bad_clock_or_a_failing_row_never_ends_the_comparison(monkeypatch):
    """A clock of 1e-320 ns with the latency in ns crashed the whole table (OverflowError); 'abc' or
    NaN gave a generic message. The clock is checked, by field, before ns become cycles, and any
    error one row raises is reported for that row while the others are still compared."""
    import flow.resources as resources

    in_ns = {"latency_ns": 50}
    rows = [_row("tiny", synthesis={"clock_period_ns": 1e-320}, results=in_ns),
            _row("tiny_cycles", synthesis={"clock_period_ns": 1e-320}),
            _row("abc", synthesis={"clock_period_ns": "abc"}, results=in_ns),
            _row("nan", synthesis={"clock_period_ns": float("nan")}, results=in_ns),
            _row("huge_ns", synthesis={"clock_period_ns": 0.5}, results={"latency_ns": 1e308}), _GOOD]
    recs = {r["id"]: r for r in compare_published(rows)}
    for rid in ("tiny", "tiny_cycles", "abc", "nan"):
        msg = recs[rid].get("not_estimated", "")
        assert msg.startswith(f"published row {rid}: synthesis.clock_period_ns: ") and "Fix:" in msg, (rid, msg)
    assert recs["huge_ns"].get("not_estimated", "").startswith("published row huge_ns: results.latency_ns: ")
    assert "not_estimated" not in recs["good"]

    def broken(design):
        raise ZeroDivisionError("float division by zero")

    monkeypatch.setattr(resources, "estimate", broken)
    rec = compare_published([_GOOD])[0]
    assert rec["not_estimated"].startswith("published row good: ") and "ZeroDivisionError" in rec["not_estimated"]


def test_a_keras_style_activation_layer_replaces_the_default_one():
    """Written as Keras writes it -- Conv2D then Activation('relu') -- the conv is linear: the row
    is the same model as the conv with activation='relu', not relu twice (or softmax on a softmax)."""
    from flow.design import ActivationDesign
    from flow.resources import design_from_published

    conv, dense = {"type": "conv2d", "filters": 4, "kernel_size": 3}, {"type": "dense", "units": 5}
    keras = _cnn("keras", [conv, {"type": "activation", "activation": "relu"}, {"type": "maxpool2d", "pool_size": 2},
                           {"type": "flatten"}, dense, {"type": "activation", "activation": "softmax"}])
    fused = _cnn("fused", [{**conv, "activation": "relu"}, {"type": "maxpool2d", "pool_size": 2}, {"type": "flatten"},
                           {**dense, "activation": "softmax"}])
    acts = [a.function for a in design_from_published(keras).layers if isinstance(a, ActivationDesign)]
    assert acts == ["relu", "softmax"], acts
    k, f = compare_published([keras, fused])
    assert "not_estimated" not in k and k["estimate"] == f["estimate"], (k, f)
    # a weight layer that names its own activation keeps it, the activation layer after it comes on top
    both = _cnn("both", [{**conv, "activation": "relu"}, {"type": "activation", "activation": "sigmoid"}, {"type": "flatten"}, dense])
    assert [a.function for a in design_from_published(both).layers if isinstance(a, ActivationDesign)] == ["relu", "sigmoid", "softmax"]


def test_the_bias_takes_the_default_precision_unless_the_row_gives_one():
    """hls4ml gives a float layer's bias the model's default precision, a QKeras layer's its
    bias_quantizer: a row with weight_precision and no bias_precision prices the bias at the default
    precision, MLP and CNN alike (the repository's rows give both, so their numbers do not move)."""
    from flow.design import FixedType
    from flow.resources import design_from_published

    mlp = design_from_published(_row("mlp", model={"weight_precision": "ap_fixed<8,2>"}))
    assert mlp.layers[0].weight_type == FixedType(8, 2) and mlp.layers[0].bias_type == FixedType(16, 6)
    given = design_from_published(_row("given", model={"weight_precision": "ap_fixed<8,2>", "bias_precision": "ap_fixed<8,3>"}))
    assert given.layers[0].bias_type == FixedType(8, 3)
    cnn = design_from_published(_cnn("cnn", [{"type": "conv2d", "filters": 2, "kernel_size": 3, "weight_precision": "ap_fixed<8,2>"},
                                             {"type": "flatten"}, {"type": "dense", "units": 3}]))
    assert cnn.layers[0].weight_type == FixedType(8, 2) and cnn.layers[0].bias_type == FixedType(16, 6)
    for row in load_published():
        assert ("weight_precision" in row["model"]) <= ("bias_precision" in row["model"]), row["id"]


def test_the_output_activations_precision_is_used_not_dropped():
    """activation_precision with one entry per dense layer: the last is the output activation's
    type (here a linear output cast to 4 bits); more entries than dense layers are refused. A CNN's
    last weight layer may give its own activation_precision too."""
    from flow.design import ActivationDesign, FixedType
    from flow.resources import design_from_published

    four = ["ap_ufixed<6,0>"] * 3
    model = {"layers": [16, 64, 32, 32, 5], "output_activation": "linear"}
    hidden_only = design_from_published(_row("three", model={**model, "activation_precision": four}))
    with_out = design_from_published(_row("four", model={**model, "activation_precision": four + ["ap_fixed<4,2>"]}))
    assert not isinstance(hidden_only.layers[-1], ActivationDesign)
    assert isinstance(with_out.layers[-1], ActivationDesign) and with_out.layers[-1].result_type == FixedType(4, 2)
    rec = compare_published([_row("five", model={**model, "activation_precision": four + ["ap_fixed<4,2>"] * 2})])[0]
    assert rec["not_estimated"].startswith("published row five: model.activation_precision: ") and "Fix:" in rec["not_estimated"]
    cnn = design_from_published(_cnn("cnn", [{"type": "dense", "units": 5, "activation": "linear",
                                              "activation_precision": "ap_fixed<8,2>"}], input_shape=[16]))
    assert isinstance(cnn.layers[-1], ActivationDesign) and cnn.layers[-1].result_type == FixedType(8, 2)


def test_a_users_row_uses_stored_weights_only_when_it_names_them(tmp_path, capsys):
    """A row of one's own table that happens to share a repository row's id is priced with synthetic
    weights like any other; stored firmware weights come only with model.weights_from (which every
    repository row priced from them names, its own id included)."""
    repo = {r["id"]: r for r in load_published()}["repo_iris_z020"]
    assert repo["model"]["weights_from"] == "repo_iris_z020"
    mine = _row("repo_iris_z020", model={"layers": [4, 16, 3]})
    other = _row("other", model={"layers": [4, 16, 3]})
    same_id, other_id = compare_published([mine]), compare_published([other])
    assert same_id[0]["estimate"] == other_id[0]["estimate"]
    named = _row("named", model={"layers": [4, 16, 3], "weights_from": "repo_iris_z020"})
    assert compare_published([named], seed=0)[0]["estimate"] == compare_published([named], seed=3)[0]["estimate"]
    assert compare_published([mine], seed=0)[0]["estimate"] != compare_published([mine], seed=3)[0]["estimate"]


def test_types_wider_than_the_estimator_handles_are_refused():
    """ap_fixed<128,64> overflowed the 64-bit weight codes (a RuntimeWarning and a wrong DSP count):
    a weight type wider than 63 bits (another type: 512) is refused, naming the field and the limit."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        recs = {r["id"]: r for r in compare_published([
            _row("w128", model={"default_precision": "ap_fixed<128,64>"}),
            _row("w64", model={"weight_precision": "ap_fixed<64,0>"}),
            _cnn("cnn_w", [{"type": "dense", "units": 3, "accum_precision": "fixed<600,50>"}], input_shape=[16]),
            _cnn("cnn_wt", [{"type": "dense", "units": 3}], input_shape=[16], weight_precision="fixed<64,0>"),
            _row("w63", model={"weight_precision": "ap_fixed<63,0>", "accum_precision": "ap_fixed<64,16>"})])}
    for rid, field, limit in (("w128", "model.default_precision", "63"), ("w64", "model.weight_precision", "63"),
                              ("cnn_w", "model.layers[0].accum_precision", "512"), ("cnn_wt", "model.weight_precision", "63")):
        msg = recs[rid].get("not_estimated", "")
        assert msg.startswith(f"published row {rid}: {field}: ") and f"at most {limit} bits" in msg, (rid, msg)
    assert "not_estimated" not in recs["w63"]  # a 64-bit accumulator, as a repository row has, is fine


def test_the_blind_mlp_table_is_cited_and_priced_completely():
    """bench/published_blind/: published reports read after the model was fixed (docs/resources.md,
    "A seventh blind reading"). Not in the medians above; every row must still be priced, not
    refused, so the table keeps working as the estimator changes."""
    blind = Path(__file__).resolve().parents[1] / "bench" / "published_blind"
    rows = load_published(blind / "mlp_2026_11_25.json") + load_published(blind / "mlp_2026_11_25b.json")
    assert len(rows) == 10 and all(r["source"]["citation"] for r in rows)
    recs = compare_published(rows)
    assert [r["id"] for r in recs if "not_estimated" in r] == []
    for r in recs:
        assert all(math.isfinite(r["estimate"][k]) and r["estimate"][k] >= 0 for k in ("LUT", "FF", "DSP", "latency_cycles"))
        # BRAM_18K and II are compared too (outside the medians), each against its own published value
        row = {x["id"]: x for x in rows}[r["id"]]
        assert {m: r["other"][m]["published"] for m in ("BRAM_18K", "ii")} == {m: row["results"][m] for m in ("BRAM_18K", "ii")}


def test_an_untrained_models_row_draws_glorot_uniform_weights():
    """Published projects often synthesize an untrained model: Keras' glorot_uniform weights are
    spread evenly up to sqrt(6/(n_in+n_out)), not peaked at zero like trained ones."""
    from flow.resources import synthetic_weights
    from flow.design import FixedType

    t = FixedType(6, 1)
    u = synthetic_weights(98, 20, t, 0.0, np.random.default_rng(0), 0.0, uniform=True)
    lap = synthetic_weights(98, 20, t, 0.0, np.random.default_rng(0), 0.0)
    limit = math.sqrt(6 / 118)
    assert np.abs(u).max() <= limit + t.lsb and np.mean(np.abs(u)) > 1.5 * np.mean(np.abs(lap))
    row = _row("u", model={"weight_distribution": "glorot_uniform", "weight_precision": "ap_fixed<6,1>"})
    (rec,) = compare_published([row])
    assert "not_estimated" not in rec
    rec_l = compare_published([_row("l", model={"weight_distribution": "laplace", "weight_precision": "ap_fixed<6,1>"})])[0]
    assert rec["estimate"]["LUT"] != rec_l["estimate"]["LUT"]
