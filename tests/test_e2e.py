"""The whole flow on a tiny config: report contents, resume, --from, atomic stages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flow.cli import main
from flow.config import load_config

pytestmark = pytest.mark.slow


def test_report_has_everything(tiny_run):
    root, _ = tiny_run
    run = root / "run"
    report = json.loads((run / "report.json").read_text())
    acc = report["accuracy"]
    assert 0 < acc["float"] <= 1 and 0 < acc["qkeras"] <= 1 and 0 < acc["csim"] <= 1
    be = report["bit_exact"]
    assert be["exact"] and be["rows"] == be["exact_rows"] == 360
    for name in ("fc1", "fc1_act", "out"):
        layer = be["layers"][name]
        assert layer["values"] > 0 and layer["exact_values"] == layer["values"] and layer["max_lsb_diff"] == 0
    assert be["verified_project_matches_delivered"] is True
    assert report["bits"]["fc1"] == {"kernel": 6, "bias": 6, "activation": 6}
    assert report["bits"]["out"]["kernel"] == 5 and report["bits"]["out"]["bias"] == 8
    assert 0.4 <= report["sparsity"]["fc1"] <= 0.6  # target 0.5
    assert report["bops"]["hawks"]["total"] > report["bops"]["effective"]["total"] > 0
    assert report["distillation"]["with"] is not None and report["distillation"]["without"] is not None
    assert set(report["timings_s"]) >= {"data", "train", "search", "convert", "csim", "resources", "report"}
    assert report["resources"]["total"]["LUT"] > 0
    for plot in report["plots"]:
        assert (run / plot).stat().st_size > 1000
    md = (run / "report.md").read_text()
    assert "bit-exact" in md and "360 of 360" in md
    project = root / "hls_projects" / "tiny"
    assert (project / "firmware" / "myproject.cpp").exists() and (project / "build_prj.tcl").exists()
    yml = (project / "hls4ml_config.yml").read_text()
    assert ".partial" not in yml and str(project.resolve()) in yml, yml


def test_resume_skips_and_from_reruns(tiny_run, caplog):
    root, cfg_path = tiny_run
    run = root / "run"
    before = json.loads((run / "state.json").read_text())["stages"]
    assert main(["run", str(cfg_path), "--out", str(run), "--no-progress", "--to", "convert"]) == 0
    after = json.loads((run / "state.json").read_text())["stages"]
    for stage in ("data", "train", "search", "convert"):
        assert after[stage]["finished"] == before[stage]["finished"], stage


def test_config_change_reruns_only_downstream(tiny_run, tmp_path):
    """Changing the HLS section keeps data/train, re-runs convert (checked without compiling)."""
    import shutil

    import yaml

    root, cfg_path = tiny_run
    run = tmp_path / "run"
    shutil.copytree(root / "run", run)
    before = json.loads((run / "state.json").read_text())["stages"]
    cfg = yaml.safe_load(cfg_path.read_text())
    cfg["hls"]["reuse_factor"] = 2
    cfg["hls"]["project_dir"] = str(tmp_path / "prj")
    new = tmp_path / "c.yaml"
    new.write_text(yaml.safe_dump(cfg))
    assert main(["run", str(new), "--out", str(run), "--no-progress", "--to", "convert"]) == 0
    after = json.loads((run / "state.json").read_text())["stages"]
    assert after["train"]["finished"] == before["train"]["finished"]
    assert after["convert"]["fingerprint"] != before["convert"]["fingerprint"]
    assert (tmp_path / "prj" / "tiny" / "firmware").is_dir()
    # a deleted project is rebuilt even though nothing in the config changed
    shutil.rmtree(tmp_path / "prj" / "tiny")
    assert main(["run", str(new), "--out", str(run), "--no-progress", "--to", "convert"]) == 0
    assert (tmp_path / "prj" / "tiny" / "firmware").is_dir()


def test_failed_stage_leaves_nothing_half_written(tiny_run, tmp_path, monkeypatch):
    import shutil

    from flow import runner
    from flow.stages import report as report_stage

    root, cfg_path = tiny_run
    run = tmp_path / "run"
    shutil.copytree(root / "run", run)
    old_report = (run / "report" / "report.json").read_bytes()

    def boom(ctx):
        (ctx.out / "half.json").write_text("{")
        raise KeyboardInterrupt  # like a user's Ctrl-C in the middle of the stage

    monkeypatch.setattr(report_stage, "run", boom)
    with pytest.raises(KeyboardInterrupt):
        runner.run(load_config(cfg_path), run_dir=run, from_stage="report", progress=False)
    assert not list(run.glob(".*.partial")) and not (run / "report" / "half.json").exists()
    assert (run / "report" / "report.json").read_bytes() == old_report
    assert "report" not in json.loads((run / "state.json").read_text())["stages"]


def test_estimate_command_on_a_saved_model(tiny_run, tmp_path, capsys):
    root, _ = tiny_run
    model = root / "run" / "convert" / "model.h5"
    assert main(["estimate", str(model), "--out", str(tmp_path / "est"), "-q"]) == 0
    res = json.loads((tmp_path / "est" / "resources.json").read_text())
    assert res["total"]["LUT"] > 0 and res["total"]["latency_cycles"] > 0 and res["part"].startswith("xcvu13p")
    capsys.readouterr()
    assert main(["estimate", str(model), "--part", "xc9zz999", "-q"]) == 1
    assert "unknown FPGA part 'xc9zz999'" in capsys.readouterr().err


def test_report_markdown_lists_only_written_plots_and_the_chosen_bits(tiny_run):
    from flow.report import markdown

    root, _ = tiny_run
    report = json.loads((root / "run" / "report.json").read_text())
    report["plots"] = []  # report.plots: false
    report["search"] = {"enabled": True, "engine": "optuna", "n_trials": 5, "cost_metric": "effective_bops",
                        "chosen": {"accuracy": 0.9, "cost": 1000.0, "bits": {"fc1": {"kernel": 4, "bias": 4, "activation": 3}}}}
    md = markdown(report)
    assert "## Plots" not in md and ".png" not in md
    assert "| fc1 | 4 | 4 | 3 |" in md and "{'" not in md  # a table, not a dict dump


def test_csim_on_a_subset_keeps_qkeras_accuracy_on_the_whole_split(tiny_run, tmp_path, capsys):
    """With csim.max_rows the C-simulated rows are a subset of the test split: the headline and the
    report keep the QKeras accuracy on the whole split beside the float one, and give QKeras on the
    C-simulated rows as its own number with the row counts (it was shown as 'QKeras' unlabelled)."""
    import shutil

    import yaml

    root, cfg_path = tiny_run
    run = tmp_path / "run"
    shutil.copytree(root / "run", run)
    cfg = yaml.safe_load(cfg_path.read_text())
    cfg["csim"] = {"max_rows": 7}
    new = tmp_path / "c.yaml"
    new.write_text(yaml.safe_dump(cfg))
    capsys.readouterr()
    assert main(["run", str(new), "--out", str(run), "--no-progress"]) == 0
    out = capsys.readouterr().out
    report = json.loads((run / "report.json").read_text())
    acc, train = report["accuracy"], json.loads((run / "train" / "train.json").read_text())["accuracy"]
    assert acc["qkeras"] == train["qkeras"] and acc["csim_rows"] == 7 and acc["test_rows"] > 7
    assert acc["qkeras_on_csim_rows"] is not None and f"on 7 of {acc['test_rows']} test rows" in out
    assert "QKeras student on the C-simulated rows" in (run / "report.md").read_text()


def test_report_takes_the_search_s_chosen_model_accuracy_with_a_csim_subset(tiny_run, tmp_path):
    """With csim.max_rows and a search, the converted model is the search's chosen one: the report's
    QKeras accuracy on the whole split is that model's (it showed the pre-search student's)."""
    import shutil

    from flow.report import build_report

    root, cfg_path = tiny_run
    run = tmp_path / "run"
    shutil.copytree(root / "run", run)
    csim = json.loads((run / "csim" / "csim.json").read_text())
    test_rows = json.loads((run / "data" / "meta.json").read_text())["rows"]["test"]
    csim["rows"] = test_rows - 1  # C-simulated on a subset
    (run / "csim" / "csim.json").write_text(json.dumps(csim))
    trained = json.loads((run / "train" / "train.json").read_text())["accuracy"]["qkeras"]
    chosen = round(trained / 2, 6)
    (run / "search" / "search.json").write_text(json.dumps({"enabled": True, "chosen": {"retrained_test_accuracy": chosen}}))
    acc = build_report(run, load_config(cfg_path), timings={})["accuracy"]
    assert acc["qkeras"] == chosen and acc["qkeras_trained"] == trained
    (run / "search" / "search.json").write_text(json.dumps({"enabled": False}))
    assert build_report(run, load_config(cfg_path), timings={})["accuracy"]["qkeras"] == trained


def test_resume_converts_again_when_another_run_rewrote_the_project(tiny_run, tmp_path, caplog):
    """Two configs with one name share hls_projects/<name>: a resumed run whose project was
    rewritten since must not skip convert and csim and vouch for the other run's project."""
    import logging
    import shutil

    import yaml

    root, cfg_path = tiny_run
    run, projects = tmp_path / "run", tmp_path / "hls_projects"
    shutil.copytree(root / "run", run)
    cfg = yaml.safe_load(cfg_path.read_text())
    cfg["hls"]["project_dir"] = str(projects)
    new = tmp_path / "c.yaml"
    new.write_text(yaml.safe_dump(cfg))
    assert main(["run", str(new), "--out", str(run), "--no-progress", "--to", "convert"]) == 0
    project = projects / cfg["name"]
    # a vendor build's <project>_prj folder holds copies, not the project's own sources: still up to date
    (project / "myproject_prj").mkdir()
    (project / "myproject_prj" / "x.cpp").write_text("// vendor copy")
    caplog.clear()
    caplog.set_level(logging.INFO)
    assert main(["run", str(new), "--out", str(run), "--no-progress", "--to", "convert"]) == 0
    assert any("convert" in r.getMessage() and "up to date" in r.getMessage() for r in caplog.records)
    params = project / "firmware" / "parameters.h"
    original = params.read_text()
    params.write_text(original.replace("reuse_factor = 1;", "reuse_factor = 2;", 1))  # another config's project
    caplog.clear()
    assert main(["run", str(new), "--out", str(run), "--no-progress", "--to", "convert"]) == 0
    messages = [r.getMessage() for r in caplog.records]
    assert any("is not the project this run converted" in m for m in messages), messages
    assert not any("convert" in m and "up to date" in m for m in messages) and params.read_text() == original
