"""report.json, report.md and PNG plots, assembled from the stage artifacts of a run."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np

from flow import __version__
from flow.artifacts import read_json
from flow.bops import summary as bops_summary
from flow.design import DenseDesign, Design, design_from_dict

log = logging.getLogger(__name__)


def _maybe(path: Path) -> Any:
    return read_json(path) if path.exists() else None


def bits_per_layer(convert_info: dict, design: Design) -> dict[str, dict[str, int | None]]:
    """{dense layer: {kernel, bias, activation}} widths as converted (after any search)."""
    nodes = convert_info["nodes"]
    out: dict[str, dict[str, int | None]] = {}
    names = list(nodes)
    for layer in design.dense_layers():
        act = None
        idx = names.index(layer.name)
        if idx + 1 < len(names) and nodes[names[idx + 1]]["function"].startswith("quantizer"):
            act = design_layer_width(nodes[names[idx + 1]].get("result"))
        out[layer.name] = {"kernel": layer.weight_type.width, "bias": layer.bias_type.width, "activation": act}
    return out


def design_layer_width(hls_type: str | None) -> int | None:
    if not hls_type:
        return None
    inner = hls_type[hls_type.index("<") + 1 : hls_type.index(">")]
    return int(inner.split(",")[0])


def build_report(run_dir: Path, cfg, *, timings: dict[str, float]) -> dict:
    run_dir = Path(run_dir)
    train = read_json(run_dir / "train" / "train.json")
    conv = read_json(run_dir / "convert" / "convert.json")
    design = design_from_dict(read_json(run_dir / "convert" / "design.json"))
    csim = _maybe(run_dir / "csim" / "csim.json")
    res = _maybe(run_dir / "resources" / "resources.json")
    search = _maybe(run_dir / "search" / "search.json")
    data_meta = read_json(run_dir / "data" / "meta.json")

    students = train["students"]
    test_rows = int(data_meta["rows"]["test"])
    csim_rows = int((csim or {}).get("rows", test_rows))
    subset = csim is not None and csim_rows < test_rows
    # the converted model: the search's chosen one (retrained, tested on the whole split) when it ran
    converted = ((search or {}).get("chosen") or {}).get("retrained_test_accuracy", train["accuracy"]["qkeras"])
    accuracy = {
        "float": train["accuracy"]["float"],
        # on the whole test split, like the float number: with csim.max_rows the C-simulated rows are
        # a subset, and QKeras on that subset is reported beside the C-simulation as its own number
        "qkeras": converted if subset else (csim or {}).get("accuracy", {}).get("qkeras", converted),
        "csim": (csim or {}).get("accuracy", {}).get("csim"),
        "qkeras_trained": train["accuracy"]["qkeras"],
        "test_rows": test_rows,
        "csim_rows": csim_rows if csim is not None else None,
        "qkeras_on_csim_rows": (csim or {}).get("accuracy", {}).get("qkeras") if subset else None,
    }
    distillation = {
        "enabled": cfg.train.distillation.enabled,
        "temperature": cfg.train.distillation.temperature,
        "alpha": cfg.train.distillation.alpha,
        "with": students.get("distilled", {}).get("test_accuracy"),
        "without": students.get("plain", {}).get("test_accuracy"),
    }
    sparsity = {layer.name: layer.sparsity for layer in design.dense_layers()}
    report = {
        "name": cfg.name,
        "config": cfg.source_path,
        "flow_version": __version__,
        "data": data_meta,
        "accuracy": accuracy,
        "distillation": distillation,
        "bit_exact": (csim or {}).get("bit_exact"),
        "bits": bits_per_layer(conv, design),
        "sparsity": sparsity,
        "bops": bops_summary(design),
        "precisions": conv["nodes"],
        "input": {"type": conv["input_type"], "source": conv["input_source"]},
        "hls": {
            "project_dir": conv["project_dir"],
            "backend": cfg.hls.backend,
            "part": cfg.hls.part,
            "clock_period_ns": cfg.hls.clock_period_ns,
            "io_type": cfg.hls.io_type,
            "strategy": cfg.hls.strategy,
            "reuse_factor": cfg.hls.reuse_factor,
            "softmax_implementation": cfg.hls.softmax_implementation,
        },
        "resources": res,
        "search": search,
        # the search's (a selection rule it could not meet), the conversion's, then the C-simulation's own
        # (QKeras rounding, a disagreeing output table)
        "warnings": list(dict.fromkeys(list((search or {}).get("warnings", [])) + conv.get("warnings", [])
                                       + list(((csim or {}).get("bit_exact") or {}).get("warnings", [])))),
        "timings_s": timings,
    }
    return report


def _fmt(v: Any, pct: bool = False) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{100 * v:.2f}%" if pct else f"{v:,.4g}"
    return str(v)


def markdown(report: dict, *, plots_prefix: str = "report/plots/") -> str:
    a = report["accuracy"]
    lines = [f"# {report['name']}", "", f"Config `{report['config']}`, hls-flow {report['flow_version']}.", ""]
    lines += ["## Accuracy (test split)", "", "| model | accuracy |", "|---|---|"]
    lines += [f"| float teacher | {_fmt(a['float'], True)} |"]
    if (report.get("search") or {}).get("chosen"):  # the converted model is the search's choice, not the student as trained
        lines += [f"| QKeras student as trained (the search's starting point) | {_fmt(a.get('qkeras_trained'), True)} |",
                  f"| QKeras student with the search's chosen bit widths (converted) | {_fmt(a['qkeras'], True)} |"]
    else:
        lines += [f"| QKeras student | {_fmt(a['qkeras'], True)} |"]
    rows = f"; its {a['csim_rows']} of {a['test_rows']} test rows (csim.max_rows)" if a.get("qkeras_on_csim_rows") is not None else ""
    if rows:
        lines += [f"| QKeras student on the C-simulated rows{rows} | {_fmt(a['qkeras_on_csim_rows'], True)} |"]
    softmax = ""
    if report["bit_exact"] and report["bit_exact"].get("softmax_argmax_agreement") is not None:
        softmax = ("; hls4ml's argmax softmax: the exact decision of the proved logits"
                   if (report.get("hls") or {}).get("softmax_implementation") == "argmax"
                   else "; softmax is approximate, logits are exact")
    lines += [f"| HLS C-simulation (argmax of its output{softmax}{rows}) | {_fmt(a['csim'], True)} |"]
    d = report["distillation"]
    if d["enabled"]:
        lines += [f"| student with distillation (T={d['temperature']}, alpha={d['alpha']}) | {_fmt(d['with'], True)} |"]
        if d["without"] is not None:
            lines += [f"| student without distillation | {_fmt(d['without'], True)} |"]
    be = report.get("bit_exact")
    lines += ["", "## Bit-exactness (HLS C-simulation vs QKeras)", ""]
    if be:
        verdict = "**bit-exact**" if be["exact"] else f"**NOT bit-exact**: {be['diagnosis']}"
        lines += [f"{verdict}: {be['exact_rows']} of {be['rows']} rows identical at every layer.", ""]
        lines += ["| layer | values | exact | max LSB diff | HLS type |", "|---|---|---|---|---|"]
        for name, c in be["layers"].items():
            if not c.get("traced", True):
                lines.append(f"| {name} | not traced: hls4ml optimized it away (e.g. an identity quantizer on the pre-quantized inputs) | | | `{c['hls_type']}` |")
                continue
            lines.append(f"| {name} | {c['values']} | {c['exact_values']} | {c['max_lsb_diff']:g} | `{c['hls_type']}` |")
        if be.get("softmax_argmax_agreement") is not None:
            lines += ["", f"Softmax (an approximation in hls4ml by design) agrees with QKeras on argmax for {_fmt(be['softmax_argmax_agreement'], True)} of rows; exactness is proved on the logits."]
    else:
        lines.append("C-simulation did not run.")
    lines += ["", "## Layers", "", "| layer | kernel bits | bias bits | activation bits | sparsity | Hawks BOPs | effective BOPs |", "|---|---|---|---|---|---|---|"]
    hb, eb = report["bops"]["hawks"]["layers"], report["bops"]["effective"]["layers"]
    for name, b in report["bits"].items():
        lines.append(f"| {name} | {b['kernel']} | {b['bias']} | {_fmt(b['activation'])} | {_fmt(report['sparsity'][name], True)} | {hb[name]:,.0f} | {eb[name]:,.0f} |")
    lines += [f"| **total** | | | | | {report['bops']['hawks']['total']:,.0f} | {report['bops']['effective']['total']:,.0f} |"]
    res = report.get("resources")
    if res and res.get("total"):
        t = res["total"]
        lines += ["", f"## Resources ({res.get('source', 'estimate')}, part {res.get('part')})", "", "| LUT | FF | DSP | BRAM_18K | latency (cycles) | latency (ns) | II |", "|---|---|---|---|---|---|---|"]
        lines.append(f"| {_fmt(t.get('LUT'))} | {_fmt(t.get('FF'))} | {_fmt(t.get('DSP'))} | {_fmt(t.get('BRAM_18K'))} | {_fmt(t.get('latency_cycles'))} | {_fmt(t.get('latency_ns'))} | {_fmt(t.get('ii'))} |")
        if res.get("utilization_pct"):
            lines.append("")
            lines.append("Utilization: " + ", ".join(f"{k} {v:.2f}%" for k, v in res["utilization_pct"].items()))
        for w in res.get("warnings", []):
            lines.append(f"- warning: {w}")
        vend = res.get("vendor") or {}
        if vend.get("status"):
            lines.append(f"\nVendor synthesis: {vend['status']}")
    s = report.get("search")
    if s and s.get("enabled"):
        c = s.get("chosen") or {}
        lines += ["", "## Bit-width search", "",
                  f"engine {s.get('engine')}, {s.get('n_trials', s.get('trials'))} trials, cost {s.get('cost_metric')}; chosen point: "
                  f"validation accuracy {_fmt(c.get('accuracy'), True)}, cost {_fmt(c.get('cost'))}", ""]
        if c.get("rule_met") is False:
            ref = s.get("reference") or {}
            lines += [f"**The selection rule was not met**: no Pareto point is within {_fmt(ref.get('tolerance'))} of the "
                      f"{ref.get('name', 'reference')}'s validation accuracy ({_fmt(ref.get('accuracy'), True)}), so this is the "
                      "most accurate point, not the cheapest one within the tolerance (search.selection).", ""]
        bits = c.get("bits") or {}
        if bits:
            lines += ["| layer | kernel bits | bias bits | activation bits |", "|---|---|---|---|"]
            lines += [f"| {name} | {_fmt(b.get('kernel'))} | {_fmt(b.get('bias'))} | {_fmt(b.get('activation'))} |" for name, b in bits.items()]
    h = report["hls"]
    lines += ["", "## HLS project", "", f"`{h['project_dir']}`: {h['backend']}, part {h['part']}, clock {h['clock_period_ns']} ns, {h['io_type']}, strategy {h['strategy']}, reuse factor {h['reuse_factor']}; input `{report['input']['type']}` ({report['input']['source']})."]
    lines += _data_lines(report.get("data") or {})
    if report["warnings"]:
        lines += ["", "## Warnings", ""] + [f"- {w}" for w in report["warnings"]]
    lines += ["", "## Time per stage (s)", "", "| stage | seconds |", "|---|---|"] + [f"| {k} | {v:.1f} |" for k, v in report["timings_s"].items()]
    plots = [Path(p).name for p in report.get("plots") or []]  # only what was written (report.plots: false: none)
    if plots:
        lines += ["", "## Plots", ""] + [f"![{p}]({plots_prefix}{p})" for p in plots]
    return "\n".join(lines) + "\n"


def _data_lines(data: dict) -> list[str]:
    """What a user of the HLS project needs to feed it and read it: the output index of each class,
    and whether the inputs must be standardized first."""
    classes = data.get("classes") or []
    if not classes:
        return []
    lines = ["", "## Classes and inputs", "", f"Data: {data.get('source', '-')}. Output index -> class:", "",
             "| output | class | rows |", "|---|---|---|"]
    counts = data.get("class_counts") or {}
    lines += [f"| {i} | `{c}` | {_fmt(counts.get(c))} |" for i, c in enumerate(classes)]
    if data.get("standardized"):
        lines += ["", "Inputs are standardized, (x - mean) / std, with the training rows' `mean` and `std` "
                  "(float64) saved in `data/split.npz`: apply the same before feeding the design."]
    return lines


def plot_bits_sparsity(report: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(report["bits"])
    x = np.arange(len(names))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.5))
    for i, key in enumerate(("kernel", "bias", "activation")):
        ax1.bar(x + (i - 1) * 0.27, [report["bits"][n][key] or 0 for n in names], 0.27, label=key)
    ax1.set_xticks(x, names)
    ax1.set_ylabel("bits")
    ax1.set_title("bit width per layer")
    ax1.legend()
    ax2.bar(x, [100 * report["sparsity"][n] for n in names], color="tab:gray")
    ax2.set_xticks(x, names)
    ax2.set_ylabel("% zero weights")
    ax2.set_title("sparsity per layer")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def float_kernels(model_h5: Path) -> dict[str, np.ndarray]:
    """Float (pre-quantization) kernels read with h5py: no TensorFlow import for a plot."""
    import h5py

    out = {}
    with h5py.File(model_h5, "r") as f:
        group = f["model_weights"] if "model_weights" in f else f
        for lname in group:
            def visit(name, obj, lname=lname):
                if isinstance(obj, h5py.Dataset) and name.split("/")[-1].startswith("kernel"):
                    out[lname] = np.asarray(obj)

            group[lname].visititems(visit)
    return out


def plot_weights(design: Design, model_h5: Path, out: Path) -> None:
    """Float weights against their quantization grid, per Dense layer."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    floats = float_kernels(model_h5)
    dense: list[DenseDesign] = design.dense_layers()
    fig, axes = plt.subplots(1, len(dense), figsize=(3.6 * len(dense), 3), squeeze=False)
    for ax, layer in zip(axes[0], dense):
        w = floats.get(layer.name, layer.weights).ravel()
        t = layer.weight_type
        ax.hist(w[w != 0] if np.any(w != 0) else w, bins=80, color="tab:blue", alpha=0.7, label="float")
        grid = np.arange(t.min_value, t.max_value + t.lsb / 2, t.lsb)
        if len(grid) <= 128:
            for g in grid:
                ax.axvline(g, color="k", lw=0.3, alpha=0.5)
        ax.set_title(f"{layer.name}: {t.hls()}, {100 * layer.sparsity:.0f}% zero", fontsize=8)
        ax.set_xlabel("weight")
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def write_plots(report: dict, run_dir: Path, out_dir: Path) -> list[str]:
    out_dir.mkdir(parents=True, exist_ok=True)
    design = design_from_dict(read_json(Path(run_dir) / "convert" / "design.json"))
    plot_bits_sparsity(report, out_dir / "bits_sparsity.png")
    plot_weights(design, Path(run_dir) / "convert" / "model.h5", out_dir / "weights.png")
    return sorted(p.name for p in out_dir.glob("*.png"))
