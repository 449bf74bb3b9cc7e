"""Helpers shared by the search tests (no tests here): a tiny searchable config, trained once."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import tiny_config

_TRAINED: dict[str, Path] = {}


def search_section(**overrides) -> dict:
    """A tiny search: 1 fine-tune epoch, a few widths, early stop off (every trial completes)."""
    s = {
        "enabled": True,
        "layers": {
            "default": {"kernel_bits": [3, 4, 6], "activation_bits": [3, 4, 6], "sparsity": [0.5, 0.75]},
            "out": {"kernel_bits": [4, 6], "sparsity": [0.5, 0.75]},
        },
        "n_trials": 3,
        "fine_tune_epochs": 1,
        "sampler": "nsga2",
        "population_size": 4,
        "early_stop": {"enabled": False},
        "baselines": {"bits": [4, 6]},
        "selection": {"reference": "baseline", "baseline_bits": 6, "tolerance": 0.02},
        "heartbeat_s": 1,
        "grace_s": 3,
    }
    s.update(overrides)
    return s


def search_config_dict(name: str = "tiny_search", **search_overrides) -> dict:
    cfg = tiny_config(name)
    cfg["train"]["distillation"] = {"enabled": False}
    cfg["search"] = search_section(**search_overrides)
    return cfg


def make_cfg(path_hint: Path, **search_overrides):
    from flow.config import validate_dict

    return validate_dict(search_config_dict(**search_overrides), source=str(path_hint / "tiny_search.yaml"))


def trained_copy(tmp_path_factory, dest: Path) -> Path:
    """A run folder with data/ and train/ done (trained once per session, then copied)."""
    if "root" not in _TRAINED:
        from flow import runner

        root = tmp_path_factory.mktemp("search_trained")
        cfg = make_cfg(root)
        runner.run(cfg, run_dir=root / "run", to_stage="train", progress=False)
        _TRAINED["root"] = root / "run"
    src = _TRAINED["root"]
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("data", "train"):
        shutil.copytree(src / name, dest / name)
    shutil.copy(src / "state.json", dest / "state.json")
    return dest
