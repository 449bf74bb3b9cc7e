"""Shared fixtures. Tiny configs keep the suite fast; nothing here downloads anything."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
REPO = Path(__file__).resolve().parents[1]


def pytest_xdist_auto_num_workers(config) -> int:
    """`-n auto` (pyproject's addopts): one worker per core, at most 4 (each imports TensorFlow and
    trains; more only adds memory on a bigger machine). `-n 0` runs in one process."""
    return max(1, min(os.cpu_count() or 1, 4))


def tiny_config(name: str = "tiny", **overrides) -> dict:
    """A small digits run: ~10 s of training, one g++ compile."""
    cfg = {
        "name": name,
        "seed": 1,
        "data": {"source": "digits"},
        "model": {
            "input_quantizer": "quantized_bits(8,3,alpha=1)",
            "layers": [
                {"name": "fc1", "units": 16, "kernel": "quantized_bits(6,0,alpha=1)", "activation": "quantized_relu(6,2)"},
                {"name": "out", "units": 10, "kernel": "quantized_bits(5,1,alpha=1)", "bias": "quantized_bits(8,3,alpha=1)"},
            ],
        },
        "train": {
            "teacher": {"epochs": 3},
            "student": {"epochs": 4},
            "pruning": {"target_sparsity": 0.5},
            "distillation": {"enabled": True, "temperature": 3.0, "alpha": 0.5},
        },
    }
    for key, value in overrides.items():
        cfg[key] = value
    return cfg


def write_config(path: Path, cfg: dict) -> Path:
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


@pytest.fixture
def write_cfg(tmp_path):
    def _write(cfg: dict, name: str = "cfg.yaml") -> Path:
        return write_config(tmp_path / name, cfg)

    return _write


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory):
    """One full tiny run shared by the end-to-end tests (trains and compiles once)."""
    from flow.cli import main

    root = tmp_path_factory.mktemp("tiny_run")
    # a clock uncertainty that is nobody's default: the project and the estimates must carry it
    cfg = tiny_config(hls={"project_dir": str(root / "hls_projects"), "clock_uncertainty": "20%"})
    path = write_config(root / "tiny.yaml", cfg)
    rc = main(["run", str(path), "--out", str(root / "run"), "--no-progress", "-q"])
    assert rc == 0
    return root, path
