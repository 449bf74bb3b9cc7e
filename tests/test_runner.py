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
