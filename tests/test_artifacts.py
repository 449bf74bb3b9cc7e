"""Artifacts: strict JSON (an undefined number is null, never a bare NaN), and delivered projects that
name their own folder."""

import json
from pathlib import Path

import numpy as np

from flow.artifacts import read_json, write_json


def test_write_json_has_no_bare_nan(tmp_path):
    path = tmp_path / "train.json"
    write_json(path, {"val_accuracy": float("nan"), "history": [1.0, np.float32("inf"), np.float64(0.5)],
                      "n": np.int64(3), "arr": np.array([np.nan, 2.0])})
    text = path.read_text()
    assert "NaN" not in text and "Infinity" not in text, text
    # a strict parser (no NaN/Infinity constants) reads it
    data = json.loads(text, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    assert data == {"val_accuracy": None, "history": [1.0, None, 0.5], "n": 3, "arr": [None, 2.0]}
    assert read_json(path) == data


def test_a_built_project_is_retargeted_to_its_final_folder_relative_or_absolute(tmp_path, monkeypatch):
    """hls4ml records OutputDir/KerasModel as given: a config's relative hls_projects/<name> stayed
    'hls_projects/.<name>.partial' in the delivered hls4ml_config.yml (only absolute paths were fixed)."""
    from flow.hls import retarget_project

    monkeypatch.chdir(tmp_path)
    for built, final in ((Path("hls_projects/.p.partial"), Path("hls_projects/p")),
                         (tmp_path / "abs" / ".p.partial", tmp_path / "abs" / "p")):
        built.mkdir(parents=True)
        (built / "hls4ml_config.yml").write_text(f"KerasModel: !keras_model '{built}/keras_model.keras'\\nOutputDir: {built}\\n"
                                                 f"Other: {built.resolve()}/x\\n")
        retarget_project(built, final)
        text = (built / "hls4ml_config.yml").read_text()
        assert ".partial" not in text, text
        assert f"OutputDir: {final}\\n" in text and f"Other: {final.resolve()}/x" in text, text


def test_outputs_get_the_umask_mode_not_owner_only(tmp_path):
    """Atomic writes went through mkstemp, so report.json, state.json and the models were 0600 whatever
    the umask: a teammate could not read a shared run."""
    import os

    old = os.umask(0o022)
    try:
        write_json(tmp_path / "a.json", {"x": 1})
        assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o644
        os.umask(0o077)
        write_json(tmp_path / "b.json", {"x": 1})
        assert (tmp_path / "b.json").stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)
