"""Data sources, the seeded split, and bad data files. The jet files here are generated with the
OpenML 42468 schema and random values: they test the loader, not physics."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from flow.config import validate_dict
from flow.data import JET_CLASSES, JET_FEATURES, load_dataset, load_jets, make_split
from flow.errors import DataError

from .conftest import tiny_config


def _cfg(tmp_path, **data):
    return validate_dict(tiny_config(data=data), source=tmp_path / "c.yaml")


def test_digits_split_is_seeded_and_standardized(tmp_path):
    cfg = _cfg(tmp_path, source="digits")
    a = make_split(load_dataset(cfg), cfg)
    b = make_split(load_dataset(cfg), cfg)
    assert np.array_equal(a.X_test, b.X_test) and np.array_equal(a.y_train, b.y_train)
    assert a.n_features == 64 and a.n_classes == 10
    assert len(a.y_train) + len(a.y_val) + len(a.y_test) == 1797
    assert abs(float(a.X_train.mean())) < 1e-3
    other = make_split(load_dataset(cfg), cfg.model_copy(update={"seed": 2}))
    assert not np.array_equal(a.y_test, other.y_test)


def _xy(n=120, f=5, k=3, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, f)).astype(np.float32), rng.integers(0, k, n)


def test_arrays_npz_npy_csv(tmp_path):
    X, y = _xy()
    np.savez(tmp_path / "d.npz", X=X, y=y)
    ds = load_dataset(_cfg(tmp_path, source="arrays", path="d.npz"))
    assert ds.X.shape == (120, 5) and sorted(ds.classes) == ["0", "1", "2"]
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", np.array(["a", "b", "c"])[y])
    ds = load_dataset(_cfg(tmp_path, source="arrays", path="X.npy", labels_path="y.npy"))
    assert ds.classes == ["a", "b", "c"] and np.array_equal(ds.y, y)
    header = ",".join([f"f{i}" for i in range(5)] + ["label"])
    rows = [",".join([*map(str, X[i]), str(y[i])]) for i in range(len(y))]
    (tmp_path / "d.csv").write_text(header + "\n" + "\n".join(rows) + "\n")
    ds = load_dataset(_cfg(tmp_path, source="arrays", path="d.csv", label_column="label"))
    assert ds.X.shape == (120, 5) and np.array_equal(ds.y, y)


def test_label_feature_mismatch(tmp_path):
    X, y = _xy()
    np.savez(tmp_path / "d.npz", X=X, y=y[:-7])
    with pytest.raises(DataError, match="120 feature rows but 113 labels"):
        load_dataset(_cfg(tmp_path, source="arrays", path="d.npz"))


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(DataError, match="cannot read|does not exist|No such"):
        load_dataset(_cfg(tmp_path, source="arrays", path="missing.npz"))
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 this is not a zip")
    with pytest.raises(DataError, match="cannot read the file"):
        load_dataset(_cfg(tmp_path, source="arrays", path="bad.npz"))
    with pytest.raises(DataError, match="no array named 'X'"):
        np.savez(tmp_path / "k.npz", feats=np.zeros((3, 2)))
        load_dataset(_cfg(tmp_path, source="arrays", path="k.npz"))


def _jet_table(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, len(JET_FEATURES))).astype(np.float32)
    labels = np.array(JET_CLASSES)[np.arange(n) % 5]
    return X, labels


def _write_arff(path, X, labels, gz=False):
    head = ["@relation hls4ml_lhc_jets_hlf"] + [f"@attribute {f} numeric" for f in JET_FEATURES] + ["@attribute class {g,q,t,w,z}", "@data"]
    body = [",".join([*(f"{v:.6g}" for v in X[i]), f"'{labels[i]}'"]) for i in range(len(labels))]
    text = "\n".join(head + body) + "\n"
    if gz:
        with gzip.open(path, "wt") as f:
            f.write(text)
    else:
        path.write_text(text)


def test_jet_loader_arff_csv_parquet_and_sklearn_cache(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    X, labels = _jet_table()
    _write_arff(tmp_path / "jets.arff", X, labels)
    a = load_jets(tmp_path / "jets.arff")
    assert a.X.shape == (60, 16) and a.classes == list(JET_CLASSES)
    # columns in another order are put back in the OpenML order
    cols = {f: X[:, i] for i, f in enumerate(JET_FEATURES)}
    table = pa.table({"class": labels, **dict(reversed(list(cols.items())))})
    pq.write_table(table, tmp_path / "jets.parquet")
    b = load_jets(tmp_path / "jets.parquet")
    assert np.allclose(a.X, b.X, atol=1e-5) and np.array_equal(a.y, b.y)
    header = ",".join([*JET_FEATURES, "class"])
    (tmp_path / "jets.csv").write_text(header + "\n" + "\n".join(",".join([*map(str, X[i]), labels[i]]) for i in range(60)) + "\n")
    c = load_jets(tmp_path / "jets.csv")
    assert np.array_equal(c.y, a.y)
    # a scikit-learn data_home that cached OpenML 42468
    cache = tmp_path / "scikit_learn_data" / "openml" / "openml.org" / "data" / "v1" / "download"
    cache.mkdir(parents=True)
    _write_arff(cache / "22044302", X, labels, gz=True)
    d = load_jets(tmp_path / "scikit_learn_data")
    assert np.array_equal(d.y, a.y)


def test_jet_loader_bad_inputs(tmp_path):
    X, labels = _jet_table()
    labels[3] = "higgs"
    _write_arff(tmp_path / "j.arff", X, labels)
    with pytest.raises(DataError, match="unknown jet classes"):
        load_jets(tmp_path / "j.arff")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no cached OpenML 42468"):
        load_jets(tmp_path / "empty")
    (tmp_path / "few.csv").write_text("zlogz,class\n1.0,g\n")
    with pytest.raises(DataError, match="lacks the features"):
        load_jets(tmp_path / "few.csv")
