"""configs/jet_tagging.yaml, as shipped (architecture, widths, pruning), through the whole flow on a
small generated file with the OpenML 42468 schema. The features are synthetic Gaussians with
class-dependent means: this tests the loader and the exactness of the CERN model, and its
accuracy is no physics result."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from flow.cli import main
from flow.data import JET_CLASSES, JET_FEATURES

from .conftest import REPO

pytestmark = pytest.mark.slow


def test_jet_config_runs_bit_exact_on_a_schema_file(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(3)
    n = 1500
    y = np.arange(n) % 5
    centers = rng.normal(0, 1.0, size=(5, 16))
    X = centers[y] + rng.normal(0, 1.0, size=(n, 16))
    X[:, -1] = np.round(np.abs(X[:, -1]) * 10 + 20)  # multiplicity is a count
    table = pa.table({**{f: X[:, i].astype(np.float32) for i, f in enumerate(JET_FEATURES)}, "class": np.array(JET_CLASSES)[y]})
    pq.write_table(table, tmp_path / "jets.parquet")

    cfg = yaml.safe_load((REPO / "configs" / "jet_tagging.yaml").read_text())
    assert [layer["units"] for layer in cfg["model"]["layers"]] == [64, 32, 32, 5]
    cfg["data"]["path"] = str(tmp_path / "jets.parquet")
    cfg["train"]["teacher"]["epochs"] = 3
    cfg["train"]["student"]["epochs"] = 6
    cfg["train"]["student"]["batch_size"] = 128
    cfg["hls"]["project_dir"] = str(tmp_path / "hls_projects")
    path = tmp_path / "jet.yaml"
    path.write_text(yaml.safe_dump(cfg))
    assert main(["run", str(path), "--out", str(tmp_path / "run"), "--no-progress", "-q"]) == 0
    report = json.loads((tmp_path / "run" / "report.json").read_text())
    be = report["bit_exact"]
    assert be["exact"] and be["exact_rows"] == be["rows"] == 300
    assert report["data"]["feature_names"] == list(JET_FEATURES) and report["data"]["classes"] == list(JET_CLASSES)
    assert report["bits"]["fc2"] == {"kernel": 6, "bias": 6, "activation": 6}
    assert all(0.7 <= s <= 0.8 for s in report["sparsity"].values()), report["sparsity"]
    assert not any("float32" in w for w in report["warnings"]), report["warnings"]
    assert report["accuracy"]["csim"] > 0.5  # separable synthetic classes (chance is 0.2)
