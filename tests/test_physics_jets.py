"""Jet simulation: argument checks (no Pythia needed), then physics sanity on a small sample.

The generator tests share one ~300-jet sample made once per session (about 10 s on one core).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from flow.errors import ConfigError, DataError, ToolError
from flow.physics import jets
from flow.physics.ecf import FEATURE_NAMES

N_PER_CLASS = 60
SEED = 1


def _no_tools(*_a, **_k):
    raise AssertionError("argument validation must fail before the generators are touched")


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "kwargs, err, text",
    [
        ({"n_per_class": 0}, ConfigError, "positive integer"),
        ({"n_per_class": -5}, ConfigError, "positive integer"),
        ({"n_per_class": 2.5}, ConfigError, "positive integer"),
        ({"classes": ("g", "b")}, ConfigError, "unknown jet class"),
        ({"classes": ()}, ConfigError, "unknown jet class"),
        ({"classes": ("w", "w")}, ConfigError, "duplicate"),
        ({"pt_min": 1200.0, "pt_max": 800.0}, ConfigError, "empty"),
        ({"pt_min": 1000.0, "pt_max": 1000.0}, ConfigError, "empty"),
        ({"pt_min": 100.0, "pt_max": 300.0}, ConfigError, "outside the range"),
        ({"pt_min": 2000.0, "pt_max": 5000.0}, ConfigError, "outside the range"),
        ({"workers": 0}, ConfigError, "workers"),
        ({"seed": -1}, ConfigError, "seed"),
    ],
)
def test_bad_arguments_fail_before_generation(tmp_path: Path, monkeypatch, kwargs, err, text) -> None:
    monkeypatch.setattr(jets, "_require_physics", _no_tools)
    args = {"n_per_class": 10, "out": tmp_path / "j.parquet", **kwargs}
    with pytest.raises(err, match=text):
        jets.generate_jets(**args)
    assert list(tmp_path.iterdir()) == []


def test_unwritable_output_directory(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(jets, "_require_physics", _no_tools)
    blocker = tmp_path / "not_a_dir"
    blocker.write_text("x")
    with pytest.raises(DataError, match="cannot write"):
        jets.generate_jets(n_per_class=5, out=blocker / "sub" / "j.parquet")
    with pytest.raises(DataError, match="directory"):
        jets.generate_jets(n_per_class=5, out=tmp_path)
    with pytest.raises(ConfigError, match="parquet or .npz"):
        jets.generate_jets(n_per_class=5, out=tmp_path / "j.csv")


def test_missing_physics_extra_raises_tool_error(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "pythia8mc", None)  # makes `import pythia8mc` raise ImportError
    with pytest.raises(ToolError) as info:
        jets.generate_jets(n_per_class=5, out=tmp_path / "j.parquet")
    assert "pip install -e .[physics]" in info.value.fix
    assert "pythia8mc==8.317.2" in info.value.fix and "fastjet==3.5.2" in info.value.fix
    assert "pythia8mc" in info.value.message
    assert list(tmp_path.iterdir()) == []


def test_seeds_and_splits_are_deterministic() -> None:
    assert jets.split_counts(10, 3) == [4, 3, 3]
    assert sum(jets.split_counts(7, 2)) == 7
    seeds = {jets.class_seed(0, w, c) for w in range(2) for c in jets.ALL_CLASSES}
    assert len(seeds) == 10 and all(1 <= s <= 900_000_000 for s in seeds)
    assert jets.class_seed(3, 1, "t") == jets.class_seed(3, 1, "t")


# --------------------------------------------------------------------------- generation


def _need_generators() -> None:
    pytest.importorskip("pythia8mc")
    pytest.importorskip("fastjet")


def _read(path: Path) -> tuple[dict[str, np.ndarray], np.ndarray]:
    from flow.physics.plots import load_jet_table

    return load_jet_table(path)


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> tuple[Path, dict]:
    _need_generators()
    out = tmp_path_factory.mktemp("jets") / "sample.parquet"
    meta = jets.generate_jets(n_per_class=N_PER_CLASS, out=out, seed=SEED, workers=1, progress=False)
    return out, meta


def test_sample_columns_counts_and_metadata(sample) -> None:
    import pyarrow.parquet as pq

    path, meta = sample
    table = pq.read_table(path)
    assert table.column_names == [*FEATURE_NAMES, "class"]
    feats, labels = _read(path)
    assert {c: int(np.sum(labels == c)) for c in jets.ALL_CLASSES} == {c: N_PER_CLASS for c in jets.ALL_CLASSES}
    for name in FEATURE_NAMES:
        assert np.all(np.isfinite(feats[name])), name
    assert np.all(feats["multiplicity"] == np.round(feats["multiplicity"])) and feats["multiplicity"].min() >= 1
    assert np.all(feats["zlogz"] <= 0)
    stored = jets.read_metadata(path)
    assert stored["seed"] == SEED and stored["workers"] == 1
    assert stored["counts"] == {c: N_PER_CLASS for c in jets.ALL_CLASSES}
    assert stored["versions"]["pythia8mc"] == "8.317.2"
    assert stored["pt_min"] == 800.0 and stored["pt_max"] == 1200.0
    assert "WeakDoubleBoson:ffbar2WW = on" in stored["process_settings"]["w"]
    assert meta["path"] == str(path)
    # No leftovers of the temp/part files next to the output.
    assert [p.name for p in path.parent.iterdir()] == ["sample.parquet"]


def _median(feats: dict[str, np.ndarray], labels: np.ndarray, name: str, cls: str) -> float:
    return float(np.median(feats[name][labels == cls]))


def test_groomed_mass_peaks_at_w_z_top(sample) -> None:
    feats, labels = _read(sample[0])
    m_w = _median(feats, labels, "mass_mmdt", "w")
    m_z = _median(feats, labels, "mass_mmdt", "z")
    m_t = _median(feats, labels, "mass_mmdt", "t")
    assert 72.0 < m_w < 88.0, m_w
    assert 83.0 < m_z < 99.0, m_z
    assert 155.0 < m_t < 190.0, m_t
    assert m_z > m_w
    # Light-quark and gluon jets have no mass peak at the W: their median is far below it.
    assert _median(feats, labels, "mass_mmdt", "q") < 60.0


def test_gluon_jets_have_more_constituents_than_quark_jets(sample) -> None:
    feats, labels = _read(sample[0])
    mult = feats["multiplicity"]
    assert mult[labels == "g"].mean() > 1.2 * mult[labels == "q"].mean()


def test_two_prong_jets_have_lower_d2_and_n2(sample) -> None:
    feats, labels = _read(sample[0])
    for name in ("d2_b1_mmdt", "n2_b1_mmdt"):
        two_prong = max(_median(feats, labels, name, "w"), _median(feats, labels, name, "z"))
        one_prong = min(_median(feats, labels, name, "q"), _median(feats, labels, name, "g"))
        assert two_prong < one_prong, (name, two_prong, one_prong)


def test_plot_feature_histograms(sample, tmp_path: Path) -> None:
    from flow.physics.plots import plot_feature_histograms

    png = plot_feature_histograms(sample[0], tmp_path / "h.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


def test_same_seed_same_bytes_with_two_workers(tmp_path: Path) -> None:
    _need_generators()
    kw = {"n_per_class": 4, "classes": ("q", "w"), "workers": 2, "progress": False}
    a = jets.generate_jets(out=tmp_path / "a.parquet", seed=5, **kw)
    b = jets.generate_jets(out=tmp_path / "b.parquet", seed=5, **kw)
    c = jets.generate_jets(out=tmp_path / "c.parquet", seed=6, **kw)
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    assert a["pythia_seeds"] == b["pythia_seeds"] != c["pythia_seeds"]
    fa, _ = _read(tmp_path / "a.parquet")
    fc, _ = _read(tmp_path / "c.parquet")
    assert not np.array_equal(fa["mass_mmdt"], fc["mass_mmdt"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.parquet", "b.parquet", "c.parquet"]


def test_interrupted_run_leaves_no_output(tmp_path: Path, monkeypatch) -> None:
    _need_generators()
    calls = {"n": 0}
    real = jets._ClassGenerator.next_rows

    def flaky(self):
        calls["n"] += 1
        if calls["n"] > 3:
            raise KeyboardInterrupt
        return real(self)

    monkeypatch.setattr(jets._ClassGenerator, "next_rows", flaky)
    out = tmp_path / "j.parquet"
    with pytest.raises(KeyboardInterrupt):
        jets.generate_jets(n_per_class=50, out=out, classes=("w",), progress=False)
    assert list(tmp_path.iterdir()) == []


def test_npz_output_matches_parquet_and_loads_in_flow_data(tmp_path: Path) -> None:
    _need_generators()
    kw = {"n_per_class": 3, "classes": ("q", "w"), "seed": 2, "progress": False}
    jets.generate_jets(out=tmp_path / "j.parquet", **kw)
    jets.generate_jets(out=tmp_path / "j.npz", **kw)
    fp, lp = _read(tmp_path / "j.parquet")
    fn, ln = _read(tmp_path / "j.npz")
    assert list(lp) == list(ln)
    for name in FEATURE_NAMES:
        np.testing.assert_array_equal(fp[name], fn[name])
    assert jets.read_metadata(tmp_path / "j.npz")["counts"] == {"q": 3, "w": 3}
    load_jets = getattr(__import__("flow.data", fromlist=["load_jets"]), "load_jets", None)
    if load_jets is None:
        pytest.skip("flow.data.load_jets not available")
    for f in ("j.parquet", "j.npz"):
        ds = load_jets(tmp_path / f)
        assert np.asarray(ds.X).shape == (6, 16)


def test_sigterm_leaves_no_file_and_no_workers(tmp_path: Path) -> None:
    """`kill` on a 2-worker run: no output, no temp files, no orphaned workers."""
    _need_generators()
    import os
    import signal
    import subprocess
    import time

    import psutil

    out = tmp_path / "j.parquet"
    root = Path(__file__).resolve().parents[1]
    cmd = [sys.executable, "-m", "flow.physics.jets", "--n-per-class", "100000", "--workers", "2",
           "--out", str(out), "--no-progress"]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=root, env={**os.environ, "PYTHONPATH": str(root)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        kids: list = []
        while time.monotonic() < deadline and len(kids) < 2:
            time.sleep(0.5)
            kids = psutil.Process(proc.pid).children()
        assert len(kids) >= 2, "workers did not start"
        time.sleep(2.0)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) != 0
        gone, alive = psutil.wait_procs(kids, timeout=20)
        assert not alive
    finally:
        if proc.poll() is None:
            proc.kill()
    assert list(tmp_path.iterdir()) == []
