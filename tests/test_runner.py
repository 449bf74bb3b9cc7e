"""Resume: what makes a finished stage count as up to date, and how an interrupted run ends."""

from __future__ import annotations

import json
import os
import signal
import time

import numpy as np

from flow.cli import main

from .conftest import tiny_config


def test_model_fields_the_data_stage_checks_are_rechecked_on_resume(tmp_path, write_cfg, capsys, caplog):
    """The data stage checks the model's output units and input quantizer against the data; a resumed
    run whose config changed only those skipped the stage and trained the teacher before failing
    (units) or failed at csim after training (input quantizer)."""
    cfg = tiny_config()
    run = tmp_path / "run"
    assert main(["run", str(write_cfg(cfg)), "--out", str(run), "--to", "data", "-q"]) == 0
    cfg["model"]["layers"][-1]["units"] = 8
    caplog.clear()
    assert main(["run", str(write_cfg(cfg, "units8.yaml")), "--out", str(run), "--to", "train"]) == 1
    err = capsys.readouterr().err
    assert "model.layers[-1].units = 8 but the data have 10 classes" in err, err
    assert "teacher test accuracy" not in caplog.text  # refused before the teacher trained
    assert not (run / "train").exists()

    rng = np.random.default_rng(0)
    np.savez(tmp_path / "big.npz", X=(rng.normal(size=(90, 4)) * 1e4).astype(np.float32), y=np.arange(90) % 3)
    cfg = tiny_config(data={"source": "arrays", "path": str(tmp_path / "big.npz"), "standardize": False})
    cfg["model"]["layers"][-1]["units"] = 3
    run = tmp_path / "run2"
    assert main(["run", str(write_cfg(cfg, "q8.yaml")), "--out", str(run), "--to", "data", "-q"]) == 0
    cfg["model"]["input_quantizer"] = "quantized_bits(24,3,alpha=1)"
    assert main(["run", str(write_cfg(cfg, "q24.yaml")), "--out", str(run), "--to", "train", "-q"]) == 1
    err = capsys.readouterr().err
    assert "too large for QKeras' float32 input quantizer" in err, err
    assert not (run / "train").exists()


def test_a_stage_whose_files_are_gone_runs_again(tmp_path, write_cfg, caplog):
    """A finished stage whose folder lost a file it wrote is run again (a deleted student.h5 was
    'up to date' and convert crashed on the missing file)."""
    path = write_cfg(tiny_config())
    run = tmp_path / "run"
    assert main(["run", str(path), "--out", str(run), "--to", "data"]) == 0
    files = json.loads((run / "state.json").read_text())["stages"]["data"]["files"]
    assert "split.npz" in files and "meta.json" in files
    caplog.clear()
    assert main(["run", str(path), "--out", str(run), "--to", "data"]) == 0
    assert "up to date, skipped" in caplog.text
    (run / "data" / "split.npz").unlink()
    caplog.clear()
    assert main(["run", str(path), "--out", str(run), "--to", "data"]) == 0
    assert "up to date" not in caplog.text and (run / "data" / "split.npz").is_file()


def test_sigterm_cleans_up_like_ctrl_c(tmp_path, write_cfg, monkeypatch, capsys):
    """`kill` (SIGTERM) of a running flow left the stage's .partial folder and no stale mark; now it
    ends like Ctrl-C: exit 143, nothing half-written, older outputs kept and marked stale, and the
    process's own SIGTERM handler is back afterwards."""
    import flow.stages.data as data_stage

    path = write_cfg(tiny_config())
    run = tmp_path / "run"
    assert main(["run", str(path), "--out", str(run), "--to", "data", "-q"]) == 0
    split = (run / "data" / "split.npz").read_bytes()

    def killed(ctx):
        (ctx.out / "half_written.npz").write_bytes(b"x")
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(10)  # the handler raises before this ends
        raise AssertionError("SIGTERM did not interrupt the stage")

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(data_stage, "run", killed)
    assert main(["run", str(path), "--out", str(run), "--to", "data", "--force", "-q"]) == 143
    assert "interrupted" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGTERM) == before
    assert not list(run.glob(".*.partial"))
    assert (run / "data" / "split.npz").read_bytes() == split
    assert "stage data failed" in json.loads((run / "state.json").read_text())["stale"]["data"]


def _fake_stages(monkeypatch, ran: list[str]) -> None:
    """Every stage replaced by one that records its name and writes a file (the report: a summary line)."""
    import importlib

    from flow.runner import STAGE_NAMES

    for name in STAGE_NAMES:
        mod = importlib.import_module(f"flow.stages.{name}")

        def fake(ctx, name=name):
            ran.append(name)
            (ctx.out / f"{name}.txt").write_text(str(ctx.cfg.hls.clock_period_ns))
            if name == "convert":
                (ctx.project_dir / "firmware").mkdir(parents=True, exist_ok=True)
            if name == "report":
                return {"bit_exact": True, "accuracy": {"float": 0.9, "qkeras": 0.875, "csim": 0.875}}
            return {}

        monkeypatch.setattr(mod, "run", fake)


def test_a_run_stopped_by_to_marks_later_stages_whose_inputs_changed_stale(tmp_path, write_cfg, monkeypatch, capsys, caplog):
    """`flow run CONFIG --to convert` after a config change re-ran up to convert, then printed the
    earlier run's report line (its accuracies, bit-exact) as this run's result, and state.json
    marked no later stage stale. Now the later stages whose inputs changed are marked stale (with a
    warning) and the result line says the report is out of date; unchanged ones stay current."""
    ran: list[str] = []
    _fake_stages(monkeypatch, ran)
    cfg = tiny_config(hls={"project_dir": str(tmp_path / "hls_projects")})
    run = tmp_path / "run"
    assert main(["run", str(write_cfg(cfg)), "--out", str(run), "-q"]) == 0
    assert ran == ["data", "train", "search", "convert", "csim", "resources", "report"]
    assert "QKeras 0.8750" in capsys.readouterr().out

    # same config, stopped early: nothing re-runs and the report still follows from it
    ran.clear()
    assert main(["run", str(write_cfg(cfg)), "--out", str(run), "--to", "convert", "-q"]) == 0
    assert ran == [] and "stale" not in json.loads((run / "state.json").read_text())
    assert "QKeras 0.8750" in capsys.readouterr().out

    cfg["hls"]["clock_period_ns"] = 4.0
    path = write_cfg(cfg, "faster.yaml")
    ran.clear()
    caplog.clear()
    assert main(["run", str(path), "--out", str(run), "--to", "convert"]) == 0
    assert ran == ["convert"]
    stale = json.loads((run / "state.json").read_text())["stale"]
    assert sorted(stale) == ["csim", "report", "resources"] and "stopped after convert" in stale["report"], stale
    assert "do not follow from" in caplog.text and "csim, resources, report" in caplog.text
    out = capsys.readouterr().out
    assert "QKeras" not in out and "bit-exact" not in out, out  # not the earlier run's result
    assert f"the report {run / 'report.md'} is out of date (csim, resources, report do not follow from {path}" in out, out

    # again: still out of date, not re-run, not warned twice
    ran.clear()
    caplog.clear()
    assert main(["run", str(path), "--out", str(run), "--to", "convert"]) == 0
    assert ran == [] and "do not follow from" not in caplog.text
    assert "is out of date" in capsys.readouterr().out
    assert sorted(json.loads((run / "state.json").read_text())["stale"]) == ["csim", "report", "resources"]

    # the whole run brings them up to date and clears the marks
    ran.clear()
    assert main(["run", str(path), "--out", str(run), "-q"]) == 0
    assert ran == ["csim", "resources", "report"]
    assert not json.loads((run / "state.json").read_text()).get("stale")
    assert "QKeras 0.8750" in capsys.readouterr().out
