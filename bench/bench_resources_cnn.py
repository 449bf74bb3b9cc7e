"""Estimate the published hls4ml CNNs of bench/published_cnn/published.json and print, per report
instance and in total, the estimate next to the published Vivado HLS C-synthesis numbers, plus the
median absolute error over the rows (the MLP targets: LUT/FF <= 25 %, DSP <= 15 %, latency within
2 cycles; for a CNN's hundreds of cycles the relative latency error is printed too).

    python bench/bench_resources_cnn.py

The projects kept there are read exactly as `flow estimate PROJECT_DIR` reads one
(flow.hls_project), with the weights the vendor tool saw; the hls4ml tutorial's SVHN CNN is
rebuilt from its architecture with synthetic weights (`svhn_tutorial`). There is no CNN holdout: all rows were looked at while the model
of convolutions and pooling was written (docs/resources.md, "Convolutions and pooling").

The two Vitis HLS io_stream rows were first read blind (docs/resources.md, "A second blind
reading"); the Vitis pixel interval of line-buffer layers (`_vitis_window_interval`) was then
read off their schedules, so they are no check of it either. The Resource-strategy row (a QKeras
CNN, Vitis HLS, xc7z020) was also read blind first ("A fourth blind reading"); the DSP rule for
products of two variables (`DSP_MIN_VARIABLE_BITS`) was then read off its report.

Rows marked `unseen` are other designs read only after the model was fixed (an HGQ MLP with
per-element widths): printed apart, in no CNN median, and nothing was tuned on them.
"""

from __future__ import annotations

import json
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

import numpy as np

from flow.design import (ActivationDesign, ConvDesign, DenseDesign, Design, FixedType, PoolDesign, normalize_dense)
from flow.hls_project import design_from_project
from flow.resources import estimate, synthetic_weights

HERE = Path(__file__).resolve().parent / "published_cnn"
METRICS = ("LUT", "FF", "DSP")


def _layer_of(instance: str) -> str | None:
    m = re.search(r"config(\d+)", instance)
    return f"layer{m.group(1)}" if m else None


def svhn_tutorial(row: dict, seed: int = 0) -> Design:
    """The hls4ml tutorial's SVHN CNN (part 6; archived/ in fastmachinelearning/hls4ml-tutorial) as
    hls4ml converted it: 32x32x3 input, three [conv 3x3 (16, 16, 24 filters, batch norm fused) ->
    relu -> max pool 2x2], dense 42 and 64 (batch norm: fused in the float model, a `normalize` in
    the QKeras one) each with relu, dense 10, softmax; 50 % pruned; `ap_fixed<16,6>` everywhere but
    the QKeras model's 6-bit weights (`ap_fixed<6,1>`) and relu outputs (`ap_ufixed<6,0>`); the
    output dense is unquantized. Synthetic weights (the trained ones are not published)."""
    rng = np.random.default_rng(seed)
    quant, num = row["quantized"], row["config_numbers"]
    d16 = FixedType(16, 6)
    w_t = FixedType(6, 1) if quant else d16
    act = FixedType(6, 0, False, "RND_CONV", "SAT") if quant else d16
    small = 0.0 if quant else None  # QAT weights have no near-zero bulk; float ones the default share

    def weights(n_in: int, n_out: int, t: FixedType, sparsity: float = 0.5) -> np.ndarray:
        kw = {} if small is None or t is d16 else {"small_share": small}
        return synthetic_weights(n_in, n_out, t, sparsity, rng, **kw)

    layers: list = []
    h, c, x = 32, 3, d16
    for i, f in enumerate((16, 16, 24)):
        o = h - 2
        layers.append(ConvDesign(f"layer{num['conv'][i]}", weights(9 * c, f, w_t), np.zeros(f), x, w_t, w_t, d16, d16,
                                 in_height=h, in_width=h, n_chan=c, filt_height=3, filt_width=3, out_height=o, out_width=o))
        layers.append(ActivationDesign(f"layer{num['relu'][i]}", "relu", o * o * f, d16, act, positions=o * o))
        layers.append(PoolDesign(f"layer{num['pool'][i]}", act, o, o, f, 2, 2, 2, 2, o // 2, o // 2, accum_type=d16,
                                 result_type=act))
        h, c, x = o // 2, f, act
    n_in = h * h * c
    for i, n_out in enumerate((42, 64)):
        layers.append(DenseDesign(f"layer{num['dense'][i]}", weights(n_in, n_out, w_t), np.zeros(n_out), x, w_t, w_t, d16, d16))
        y = d16
        if num["bn"]:
            layers.append(normalize_dense(f"layer{num['bn'][i]}", rng.normal(1.0, 0.3, n_out), rng.normal(0.0, 0.3, n_out),
                                          d16, d16, d16, d16))
        layers.append(ActivationDesign(f"layer{num['dense_relu'][i]}", "relu", n_out, y, act))
        n_in, x = n_out, act
    layers.append(DenseDesign(f"layer{num['dense'][2]}", weights(n_in, 10, d16, 0.0), np.zeros(10), x, d16, d16, d16, d16))
    layers.append(ActivationDesign(f"layer{num['softmax']}", "softmax", 10, d16, d16, table_size=1024))
    return Design(row["id"], layers, d16, 32 * 32 * 3, backend="Vivado", part=row["part"],
                  clock_period_ns=row["clock_period_ns"], io_type=row["io_type"])


def run() -> list[dict]:
    doc = json.loads((HERE / "published.json").read_text())
    records = []
    for row in doc["rows"]:
        if row.get("project"):
            design = design_from_project(HERE / row["project"], part=row["part"], clock_period_ns=row["clock_period_ns"])
        else:
            design = svhn_tutorial(row)
        est = estimate(design)
        pub = row["totals"]
        print(f"\n== {row['id']}: {row['tool']}, {row['part']}, {row['clock_period_ns']} ns, {row['io_type']}, "
              f"{row['strategy']}" + (f", {row['weights']}" if row.get("weights") else "") + f"\n   {row['url']}")
        print(f"   {'instance':58s} {'published LUT/FF/DSP/lat':>30s} | {'estimate LUT/FF/DSP/lat':>30s}")
        layers = {layer.name: layer for layer in est.layers}
        for inst in row["per_instance"]:
            layer = layers.get(_layer_of(inst["instance"]) or "")
            mine = (f"{round(layer.LUT or 0):7d} {round(layer.FF or 0):6d} {layer.DSP:5d} {layer.latency_cycles:6d}"
                    if layer is not None and layer.estimated else f"{'(no layer)':>30s}")
            print(f"   {inst['instance'][:58]:58s} {inst['LUT']:7d} {inst['FF']:6d} {inst['DSP']:5d} {inst['latency_max']:6d}"
                  f"   | {mine}")
        t = est.total
        rec = {"id": row["id"], "complete": t["complete"], "synthetic": not row.get("project"), "unseen": bool(row.get("unseen")),
               "vitis_stream": bool(row.get("vitis_schedules")), "resource": row["strategy"] == "Resource"}
        for k in METRICS:
            rec[k] = 100.0 * (t[k] - pub[k]) / pub[k] if pub[k] else None
        rec["latency_cycles"] = t["latency_cycles"] - pub["latency_max"]
        rec["latency_pct"] = 100.0 * rec["latency_cycles"] / pub["latency_max"]
        print(f"   total published: LUT {pub['LUT']} FF {pub['FF']} DSP {pub['DSP']} BRAM_18K {pub['BRAM_18K']} "
              f"latency {pub['latency_max']} II {pub['interval_max']}")
        print(f"   total estimate:  LUT {t['LUT']} FF {t['FF']} DSP {t['DSP']} BRAM_18K {t['BRAM_18K']} "
              f"latency {t['latency_cycles']} II {t['ii']}" + ("" if t["complete"] else "  (LOWER BOUND: layers not estimated)"))
        print("   error: " + ", ".join(f"{k} {rec[k]:+.1f} %" for k in METRICS if rec[k] is not None)
              + f", latency {rec['latency_cycles']:+d} cycles ({rec['latency_pct']:+.1f} %)")
        records.append(rec)
    return records


def main() -> int:
    records = run()
    cnn = [r for r in records if not r["unseen"]]
    for title, sel in (("all CNN rows", cnn), ("real firmware weights", [r for r in cnn if not r["synthetic"]]),
                       ("the tutorial's SVHN CNN, synthetic weights", [r for r in cnn if r["synthetic"]]),
                       ("Vitis HLS io_stream (their schedules set the Vitis pixel interval)",
                        [r for r in cnn if r["vitis_stream"]]),
                       ("Resource strategy (its report set the DSP rule for products of two variables)",
                        [r for r in cnn if r["resource"]]),
                       ("rows read after the model was fixed (not CNNs; unseen)", [r for r in records if r["unseen"]])):
        if not sel:
            continue
        print(f"\nmedian |error|, {title} ({len(sel)} rows, none held out):")
        for k in (*METRICS, "latency_cycles", "latency_pct"):
            vals = [abs(r[k]) for r in sel if r.get(k) is not None]
            unit = "cycles" if k == "latency_cycles" else "%"
            print(f"  {k:15s} {statistics.median(vals):8.1f} {unit}   (max {max(vals):.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
