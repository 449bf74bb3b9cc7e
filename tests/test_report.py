"""report.json and report.md built from a run's stage artifacts (small synthetic ones: no training)."""

from __future__ import annotations

import json

from flow.config import load_config
from flow.design import Design, FixedType, design_to_dict
from flow.report import build_report, markdown

from .conftest import tiny_config


def _run_dir(tmp_path, search: dict):
    run = tmp_path / "run"
    files = {
        "train/train.json": {"students": {}, "accuracy": {"float": 0.95, "qkeras": 0.9}},
        "convert/convert.json": {"nodes": {}, "input_type": "fixed<8,3>", "input_source": "input quantizer",
                                 "project_dir": "hls_projects/tiny", "warnings": ["a conversion warning"]},
        "convert/design.json": design_to_dict(Design(name="tiny", layers=[], input_type=FixedType(8, 3), n_inputs=4)),
        "data/meta.json": {"rows": {"test": 100}},
        "search/search.json": search,
    }
    for name, content in files.items():
        (run / name).parent.mkdir(parents=True, exist_ok=True)
        (run / name).write_text(json.dumps(content))
    return run


def _search(rule_met: bool, warnings: list[str]) -> dict:
    return {"enabled": True, "engine": "optuna", "n_trials": 12, "cost_metric": "effective_bops",
            "reference": {"name": "uniform 6-bit", "accuracy": 0.93, "tolerance": 0.01},
            "chosen": {"accuracy": 0.9, "cost": 1234.0, "bits": {}, "rule_met": rule_met}, "warnings": warnings}


def test_a_missed_selection_rule_is_a_report_warning_and_said_in_the_search_section(tmp_path, write_cfg):
    """When no Pareto point met search.selection, the warning was only logged: report.json's
    warnings were [] and report.md said only 'chosen point: ...', as if the rule had picked it."""
    cfg = load_config(write_cfg(tiny_config()))
    missed = "search: the selection rule was not met: no Pareto point is within 0.01 of the uniform 6-bit's validation accuracy"
    report = build_report(_run_dir(tmp_path, _search(False, [missed])), cfg, timings={})
    assert report["warnings"] == [missed, "a conversion warning"]
    md = markdown(report)
    section = md[md.index("## Bit-width search"):md.index("## HLS project")]
    assert "**The selection rule was not met**: no Pareto point is within 0.01 of the uniform 6-bit's validation accuracy (93.00%)" in section
    assert f"- {missed}" in md[md.index("## Warnings"):]

    report = build_report(_run_dir(tmp_path / "met", _search(True, [])), cfg, timings={})
    assert report["warnings"] == ["a conversion warning"] and "not met" not in markdown(report)
    # after a search the converted model is the chosen one: both students are named for what they are
    md = markdown(report)
    assert "| QKeras student as trained (the search's starting point) | 90.00% |" in md
    assert "| QKeras student with the search's chosen bit widths (converted) |" in md
    assert "| QKeras student |" not in md


def _fake_upstream(monkeypatch, design) -> None:
    """data..csim replaced by stages that write the artifacts the resources and report stages read."""
    import h5py

    import flow.stages.convert
    import flow.stages.csim
    import flow.stages.data
    import flow.stages.search
    import flow.stages.train

    def fake(name, files):
        def run(ctx):
            for rel, content in files.items():
                (ctx.out / rel).write_text(json.dumps(content))
            if name == "convert":
                (ctx.project_dir / "firmware").mkdir(parents=True, exist_ok=True)
                with h5py.File(ctx.out / "model.h5", "w"):
                    pass
            return {}
        return run

    stages = {
        "data": {"meta.json": {"rows": {"test": 100}}},
        "train": {"train.json": {"students": {}, "accuracy": {"float": 0.95, "qkeras": 0.9}}},
        "search": {"search.json": {"enabled": False}},
        "convert": {"convert.json": {"nodes": {"fc1": {"function": "dense"}}, "input_type": "fixed<8,3>", "input_source": "input quantizer",
                                     "project_dir": "hls_projects/tiny", "warnings": []},
                    "design.json": design_to_dict(design)},
        "csim": {},
    }
    for name, files in stages.items():
        monkeypatch.setattr(getattr(flow.stages, name), "run", fake(name, files))


def _one_layer(n_in: int, n_out: int, w, seed: int = 0):
    import numpy as np

    from flow.design import DenseDesign, accumulator_type

    x = FixedType(8, 3)
    weights = np.random.default_rng(seed).integers(-2 ** (w.width - 1), 2 ** (w.width - 1), size=(n_in, n_out)) * w.lsb
    acc = accumulator_type(x, w, w, weights, np.zeros(n_out))
    return Design(name="tiny", layers=[DenseDesign("fc1", weights, np.zeros(n_out), x, w, w, acc, acc)], input_type=x, n_inputs=n_in)


def test_report_plots_false_leaves_no_png_in_any_stage_folder(tmp_path, write_cfg, monkeypatch):
    """report.plots: false still left resources/resources.png: the resources stage drew it, and its
    fingerprint has no report section, so after a run with plots the stage was skipped and kept its
    plot. The real resources and report stages on a one-layer design (earlier stages faked)."""
    from flow.cli import main

    _fake_upstream(monkeypatch, _one_layer(4, 3, FixedType(6, 0)))
    cfg = tiny_config(hls={"project_dir": str(tmp_path / "hls_projects")})
    run = tmp_path / "run"
    assert main(["run", str(write_cfg(cfg)), "--out", str(run), "-q"]) == 0
    assert (run / "report" / "plots" / "resources.png").is_file()
    assert "report/plots/resources.png" in json.loads((run / "report.json").read_text())["plots"]
    # each report.md links the plots from its own folder (the copy in report/ pointed at report/report/plots)
    import re

    for md in (run / "report.md", run / "report" / "report.md"):
        links = re.findall(r"!\[[^]]*\]\(([^)]+)\)", md.read_text())
        assert links and all((md.parent / link).is_file() for link in links), (md, links)

    cfg["report"] = {"plots": False}
    assert main(["run", str(write_cfg(cfg, "no_plots.yaml")), "--out", str(run), "-q"]) == 0
    assert sorted(p.relative_to(run).as_posix() for p in run.rglob("*.png")) == []
    assert json.loads((run / "report.json").read_text())["plots"] == []


def test_a_design_too_big_for_the_part_is_said_on_the_console(tmp_path, write_cfg, monkeypatch, capsys, caplog):
    """DOES NOT FIT was only in report.md and report.json: the resources stage now logs it and the
    result line says it."""
    import logging

    from flow.cli import main

    design = _one_layer(64, 64, FixedType(16, 2))  # ~500k LUTs of constant products
    design.part = "xc7a35tcpg236-1"  # what the convert stage writes from hls.part
    _fake_upstream(monkeypatch, design)
    cfg = tiny_config(hls={"project_dir": str(tmp_path / "hls_projects"), "part": "xc7a35tcpg236-1"})
    with caplog.at_level(logging.WARNING):
        assert main(["run", str(write_cfg(cfg)), "--out", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert any("DOES NOT FIT" in r.getMessage() and "xc7a35t" in r.getMessage() for r in caplog.records), (out, caplog.text)
    assert "DOES NOT FIT xc7a35t" in out, out


def test_an_argmax_softmax_is_not_called_approximate(tmp_path, write_cfg):
    """hls.softmax_implementation: argmax writes the exact decision of the proved logits; the
    report called it 'softmax is approximate' all the same."""
    run = _run_dir(tmp_path, {"enabled": False})
    (run / "csim").mkdir(parents=True, exist_ok=True)
    (run / "csim" / "csim.json").write_text(json.dumps({"rows": 100, "accuracy": {"csim": 0.9, "qkeras": 0.9},
                                                        "bit_exact": {"exact": True, "rows": 100, "exact_rows": 100,
                                                                      "layers": {}, "softmax_argmax_agreement": 1.0}}))
    for impl, said in (("argmax", "the exact decision of the proved logits"), ("stable", "softmax is approximate")):
        cfg = load_config(write_cfg(tiny_config(hls={"softmax_implementation": impl}), f"{impl}.yaml"))
        report = build_report(run, cfg, timings={})
        assert report["hls"]["softmax_implementation"] == impl
        assert said in markdown(report), (impl, markdown(report))
