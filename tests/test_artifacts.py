"""Artifacts are strict JSON: a number that is not defined is null, never a bare NaN."""

import json

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
