"""AutoQKeras side by side (search.engine: autoqkeras): a tiny 2-trial smoke test.

It checks the four known AutoQKeras fixes hold (no 'Could not locate class QDense', no optimizer
reuse error, string quantizers with the 'bits' goal, activation widths really sampled on separate
activation layers) and that its models go through the same Pareto/selection/report path.
"""

from __future__ import annotations

import json

import pytest

from tests.test_search_common import make_cfg, trained_copy

pytestmark = pytest.mark.slow


def test_autoqkeras_engine_tiny(tmp_path_factory, tmp_path):
    pytest.importorskip("keras_tuner")
    from flow import runner
    from flow.search_config import get_search_settings, resolve_layer_space

    run_dir = trained_copy(tmp_path_factory, tmp_path / "run")
    cfg = make_cfg(tmp_path, engine="autoqkeras", n_trials=2, autoqkeras={"goal": "bits", "mode": "random"},
                   layers={"default": {"kernel_bits": [3, 6], "activation_bits": [3, 6]}, "out": {"kernel_bits": [4, 6]}})  # fmt: skip
    runner.run(cfg, run_dir=run_dir, to_stage="search", progress=False)
    s = json.loads((run_dir / "search" / "search.json").read_text())
    assert s["engine"] == "autoqkeras" and 1 <= s["n_trials"] <= 2
    settings = get_search_settings(cfg)
    pareto = json.loads((run_dir / "search" / "pareto.json").read_text())
    for p in pareto["all"]:
        fc1 = resolve_layer_space(cfg, settings, "fc1")
        assert p["bits"]["fc1"]["kernel"] in fc1["kernel_bits"]
        assert p["bits"]["fc1"]["activation"] in fc1["activation_bits"]  # sampled, not silently 'relu'
        assert p["effective_bops"] > 0 and p["lut_equivalent"] > 0
    assert (run_dir / "search" / "selected.h5").exists()
    assert s["chosen"]["bits"]["fc1"]["kernel"] in (3, 6)
