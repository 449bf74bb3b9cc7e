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


def _load(tmp_path, X, y, **data):
    np.savez(tmp_path / "d.npz", X=X, y=y)
    return load_dataset(_cfg(tmp_path, source="arrays", path="d.npz", **data))


def test_labels_one_hot_column_or_refused(tmp_path):
    """Two-column labels are one-hot only when every row is a single 1; a (label, weight) pair
    must not silently become two classes."""
    X, y = _xy()
    onehot = np.eye(3, dtype=np.float32)[y]
    assert np.array_equal(_load(tmp_path, X, onehot).y, y)
    assert np.array_equal(_load(tmp_path, X, y.reshape(-1, 1)).y, y)  # an (n, 1) column
    with pytest.raises(DataError, match=r"shape \(120, 2\) but are not one-hot"):
        _load(tmp_path, X, np.column_stack([y, np.ones_like(y) * 2]))


def test_empty_and_nan_labels_are_named(tmp_path):
    X, y = _xy()
    labels = np.array(["a", "b", "c"])[y].astype(object)
    labels[[4, 9]] = " "
    with pytest.raises(DataError, match=r"2 labels are empty \(first at row 4\)"):
        _load(tmp_path, X, labels.astype(str))
    yf = y.astype(np.float64)
    yf[7] = np.nan
    with pytest.raises(DataError, match=r"1 labels are NaN or infinite \(first at row 7\)"):
        _load(tmp_path, X, yf)


def test_feature_shapes_are_named_with_their_fix(tmp_path):
    X, y = _xy()
    with pytest.raises(DataError, match=r"reshape\(-1, 1\)"):
        _load(tmp_path, X[:, 0], y)
    with pytest.raises(DataError, match="no feature columns"):
        _load(tmp_path, X[:, :0], y)
    big = X.astype(np.float64)
    big[5, 2] = 1e300  # finite in float64, infinite in float32
    with pytest.raises(DataError, match=r"1 feature values are NaN or infinite \(first: row 5, feature 'f2'"):
        _load(tmp_path, big, y)


def test_csv_header_only_label_only_and_spaces(tmp_path):
    (tmp_path / "h.csv").write_text("a,b,label\n")
    with pytest.raises(DataError, match="no data rows"):
        load_dataset(_cfg(tmp_path, source="arrays", path="h.csv", label_column="label"))
    (tmp_path / "l.csv").write_text("label\n" + "\n".join("abc"[i % 3] for i in range(30)) + "\n")
    with pytest.raises(DataError, match="no feature columns besides the label"):
        load_dataset(_cfg(tmp_path, source="arrays", path="l.csv", label_column="label"))
    rows = "\n".join(f"{i}, {i * 0.5}, {'WZ'[i % 2]}" for i in range(30))
    (tmp_path / "s.csv").write_text("x, y, label\n" + rows + "\n")  # spaces after the commas
    ds = load_dataset(_cfg(tmp_path, source="arrays", path="s.csv", label_column="label"))
    assert ds.classes == ["W", "Z"] and ds.feature_names == ["x", "y"] and ds.X.shape == (30, 2)


def test_a_split_too_small_for_the_classes_says_which_fraction(tmp_path):
    """60 rows of 10 classes: scikit-learn's stratified split would fail with a traceback."""
    X, _ = _xy(n=60)
    y = np.arange(60) % 10
    with pytest.raises(DataError, match=r"the validation split would have \d rows for 10 classes.*data.val_fraction"):
        _load(tmp_path, X, y)
    ds = _load(tmp_path, X, y, val_fraction=0.0, test_fraction=0.2)
    assert len(make_split(ds, _cfg(tmp_path, source="arrays", path="d.npz", val_fraction=0.0, test_fraction=0.2)).y_test) == 12


def test_max_rows_that_empties_a_class_is_named(tmp_path):
    X, _ = _xy(n=600)
    y = np.where(np.arange(600) < 590, np.arange(600) % 2, 2)  # class 2 has 10 of 600 rows
    with pytest.raises(DataError, match="data.max_rows = 50 kept 50 of 600 rows"):
        _load(tmp_path, X, y, max_rows=50)


def test_failed_stage_marks_older_outputs_stale_and_keeps_them(tmp_path, write_cfg):
    """A config edit whose data stage fails keeps the earlier data/ but says it is stale; running
    the earlier config again skips the stage and clears the mark."""
    import json

    from flow.cli import main

    from .conftest import tiny_config

    X, y = _xy(n=300, f=4, k=10)
    np.savez(tmp_path / "good.npz", X=X, y=y)
    X[3, 1] = np.nan
    np.savez(tmp_path / "bad.npz", X=X, y=y)
    run = tmp_path / "run"
    good = write_cfg(tiny_config(data={"source": "arrays", "path": str(tmp_path / "good.npz")}), "good.yaml")
    bad = write_cfg(tiny_config(data={"source": "arrays", "path": str(tmp_path / "bad.npz")}), "bad.yaml")
    assert main(["run", str(good), "--out", str(run), "--to", "data"]) == 0
    split = (run / "data" / "split.npz").read_bytes()
    assert main(["run", str(bad), "--out", str(run), "--to", "data"]) == 1
    state = json.loads((run / "state.json").read_text())
    assert "stage data failed" in state["stale"]["data"] and "data" not in state["stages"]
    assert (run / "data" / "split.npz").read_bytes() == split  # kept, not deleted
    assert main(["run", str(good), "--out", str(run), "--to", "data"]) == 0
    assert "data" not in json.loads((run / "state.json").read_text()).get("stale", {})


def test_last_layer_units_are_checked_against_the_data_before_training(tmp_path, write_cfg, capsys):
    from flow.cli import main

    from .conftest import tiny_config

    X, _ = _xy(n=300, f=4)
    np.savez(tmp_path / "d.npz", X=X, y=np.arange(300) % 3)
    path = write_cfg(tiny_config(data={"source": "arrays", "path": str(tmp_path / "d.npz")}))  # out: 10 units
    assert main(["run", str(path), "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert "model.layers[-1].units = 10 but the data have 3 classes" in err and str(path) in err and "Traceback" not in err
    assert not (tmp_path / "run" / "data").exists() and not (tmp_path / "run" / "train").exists()


def test_a_class_left_with_one_row_after_the_test_split_is_named(tmp_path):
    """Three rows of a class pass the size check, but the stratified test split leaves one for
    train + validation: scikit-learn's traceback became a DataError naming the class and fix."""
    X, _ = _xy(n=400)
    y = np.where(np.arange(400) < 3, 2, np.arange(400) % 2)
    fractions = dict(test_fraction=0.6, val_fraction=0.2)
    ds = _load(tmp_path, X, y, **fractions)
    with pytest.raises(DataError, match=r"class '2' keeps 1 row.*data.val_fraction: 0"):
        make_split(ds, _cfg(tmp_path, source="arrays", path="d.npz", **fractions))


def test_a_csv_header_may_repeat_a_feature_name_but_not_the_label(tmp_path):
    rows = "\n".join(f"{i},{2 * i},{3 * i},{i % 2}" for i in range(30))
    (tmp_path / "d.csv").write_text("a,a,c,label\n" + rows + "\n")
    ds = load_dataset(_cfg(tmp_path, source="arrays", path="d.csv", label_column="label"))
    assert ds.X.shape == (30, 3) and ds.X[5].tolist() == [5, 10, 15]  # both 'a' columns, by position
    (tmp_path / "e.csv").write_text("a,label,label\n" + "\n".join(f"{i},{i % 2},{i % 2}" for i in range(30)) + "\n")
    with pytest.raises(DataError, match="'label' appears 2 times"):
        load_dataset(_cfg(tmp_path, source="arrays", path="e.csv", label_column="label"))


def _offset_xy(n=300):
    """Four features of spread ~0.5 around 1e7: float32 has a step of 1 there."""
    rng = np.random.default_rng(0)
    y = np.arange(n) % 3
    X = rng.normal(size=(n, 4)) * 0.5
    X[:, 0] += y
    X[:, 1] -= y
    return X + 1e7, y


def test_features_are_standardized_before_the_float32_cast(tmp_path):
    """A float32 cast before standardization rounded each feature to 3-5 levels, silently."""
    X, y = _offset_xy()
    np.savez(tmp_path / "d.npz", X=X, y=y)
    header = "a,b,c,d,label\n"
    (tmp_path / "d.csv").write_text(header + "\n".join(",".join([*(repr(v) for v in X[i]), str(y[i])]) for i in range(300)) + "\n")
    for data in ({"path": "d.npz"}, {"path": "d.csv", "label_column": "label"}):
        cfg = _cfg(tmp_path, source="arrays", **data)
        s = make_split(load_dataset(cfg), cfg)
        assert s.X_train.dtype == np.float32
        assert [np.unique(s.X_train[:, j]).size for j in range(4)] == [len(s.y_train)] * 4, data
        assert s.mean.dtype == np.float64 and abs(float(s.X_train.mean())) < 1e-3
    # the saved mean/std keep float64, so the transform can be repeated exactly
    s.save(tmp_path / "split.npz")
    loaded = type(s).load(tmp_path / "split.npz")
    assert loaded.mean.dtype == np.float64 and np.array_equal(loaded.mean, s.mean)


def test_unstandardized_features_that_float32_merges_are_warned_about(tmp_path, caplog):
    X, y = _offset_xy()
    cfg = _cfg(tmp_path, source="arrays", path="d.npz", standardize=False)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    with caplog.at_level("WARNING", logger="flow.data"):
        make_split(load_dataset(cfg), cfg)
    assert "feature 'f0' has 210 distinct training values but" in caplog.text and "data.standardize: true" in caplog.text
    caplog.clear()
    np.savez(tmp_path / "d.npz", X=X - 1e7, y=y)
    with caplog.at_level("WARNING", logger="flow.data"):
        make_split(load_dataset(cfg), cfg)
    assert "distinct training values" not in caplog.text


def test_sklearn_cache_under_a_folder_named_download_something(tmp_path):
    """'download' was matched anywhere in the path: under /data/downloadcache the gzipped JSON
    metadata (which names the data set too) was taken for the ARFF and refused as '.gz'."""
    import json

    X, labels = _jet_table()
    root = tmp_path / "downloadcache"
    meta = root / "openml" / "openml.org" / "api" / "v1" / "json" / "data"
    meta.mkdir(parents=True)
    with gzip.open(meta / "42468.gz", "wt") as f:
        json.dump({"data_set_description": {"id": "42468", "name": "hls4ml_lhc_jets_hlf"}}, f)
    arff = root / "openml" / "openml.org" / "data" / "v1" / "download" / "22044555"
    arff.mkdir(parents=True)
    _write_arff(arff / "hls4ml_lhc_jets_hlf.arff.gz", X, labels, gz=True)
    ds = load_jets(root)
    assert ds.X.shape == (60, 16) and ds.classes == list(JET_CLASSES)


def _arrays(tmp_path, **data):
    return load_dataset(_cfg(tmp_path, source="arrays", **data))


@pytest.mark.parametrize("sep, named", [(";", "';'"), ("\t", "a tab")])
def test_a_csv_not_separated_by_commas_is_named(tmp_path, sep, named):
    """It was 'no label column' with the fix 'set data.label_column'."""
    rows = "\n".join(sep.join([str(i), str(i * 0.5), str(i % 2)]) for i in range(30))
    (tmp_path / "d.csv").write_text(sep.join(["x0", "x1", "class"]) + "\n" + rows + "\n")
    with pytest.raises(DataError, match=f"not comma-separated.*separated by {named}.*re-export it with commas"):
        _arrays(tmp_path, path="d.csv")


def test_object_arrays_and_non_utf8_csv_name_the_cause(tmp_path):
    """Both said 'the file is missing or corrupt; re-export it with numpy.savez'."""
    X, y = _xy()
    np.savez(tmp_path / "o.npz", X=X.astype(object), y=y)
    with pytest.raises(DataError, match=r"array 'X' \(data.features_key\) has dtype object.*to_numpy\(dtype=float\)"):
        _arrays(tmp_path, path="o.npz")
    np.save(tmp_path / "X.npy", X)
    np.save(tmp_path / "y.npy", np.array(["a", "b", "c"], dtype=object)[y])
    with pytest.raises(DataError, match=r"the labels array has dtype object.*save numeric arrays"):
        _arrays(tmp_path, path="X.npy", labels_path="y.npy")
    body = "\n".join(f"{i},{i * 2},{'éàü'[i % 3]}" for i in range(30))
    (tmp_path / "l.csv").write_bytes(("x0,x1,class\n" + body + "\n").encode("latin-1"))
    # where the byte is: the line and column to open in an editor, and the offset for a hex dump
    with pytest.raises(DataError, match=r"l\.csv: the file is not UTF-8 text: line 2, column 5 has the byte 0xe9 \(byte "
                                        r"offset 16\).*re-save the file as UTF-8 \(e\.g\. `iconv -f latin1 -t utf-8 l\.csv"):
        _arrays(tmp_path, path="l.csv")  # the labels had become "b'\\xe0'"
    (tmp_path / "h.csv").write_bytes(("x0,dégât,class\n" + "\n".join(f"{i},{i},{i % 2}" for i in range(30)) + "\n").encode("latin-1"))
    with pytest.raises(DataError, match=r"not UTF-8 text: line 1, column 5 has the byte 0xe9 \(byte offset 4\).*re-save the file as UTF-8"):
        _arrays(tmp_path, path="h.csv")
    (tmp_path / "w.csv").write_bytes(("x0,x1,class\n" + body + "\n").encode("utf-16"))
    with pytest.raises(DataError, match=r"the file is UTF-16 text.*iconv -f utf-16 -t utf-8 w\.csv > utf8\.csv"):
        _arrays(tmp_path, path="w.csv")


def test_labels_path_may_be_a_npz(tmp_path):
    """It passed validation, then failed with '120 feature rows but 1 labels'."""
    X, y = _xy()
    np.save(tmp_path / "X.npy", X)
    np.savez(tmp_path / "y.npz", y=y)
    assert np.array_equal(_arrays(tmp_path, path="X.npy", labels_path="y.npz").y, y)
    np.savez(tmp_path / "y.npz", labels=y)
    with pytest.raises(DataError, match=r"no array named 'y' in the file \(it has \['labels'\]\).*data.labels_key"):
        _arrays(tmp_path, path="X.npy", labels_path="y.npz")


def test_arff_missing_values_and_comments(tmp_path):
    X, labels = _jet_table()
    _write_arff(tmp_path / "j.arff", X, labels)
    lines = (tmp_path / "j.arff").read_text().splitlines()
    start = lines.index("@data") + 1
    # '%' comment lines inside @data are legal ARFF ('cannot parse ... the file is corrupt')
    commented = lines[:start] + ["% generated", *lines[start : start + 3], "  % more", *lines[start + 3 :]]
    (tmp_path / "c.arff").write_text("\n".join(commented) + "\n")
    assert np.array_equal(load_jets(tmp_path / "c.arff").X, load_jets(tmp_path / "j.arff").X)
    # '?' is ARFF's missing value ('a feature column is not numeric' named neither column nor row)
    fields = lines[start + 5].split(",")
    fields[2] = "?"
    lines[start + 5] = ",".join(fields)
    (tmp_path / "q.arff").write_text("\n".join(lines) + "\n")
    # the line to open in an editor: 19 header lines, then data row 5 ('row 5' counted data rows from 0)
    with pytest.raises(DataError, match=r"feature column 'c1_b1_mmdt' is not numeric: line 25 holds '\?' \('\?' is a missing value in ARFF"):
        load_jets(tmp_path / "q.arff")
    assert (tmp_path / "q.arff").read_text().splitlines()[24].split(",")[2] == "?"
    # comment and blank lines before it are counted as the editor counts them
    commented = lines[:start] + ["% generated", "", *lines[start : start + 3], "  % more", *lines[start + 3 :]]
    (tmp_path / "qc.arff").write_text("\n".join(commented) + "\n")
    with pytest.raises(DataError, match=r"line 28 holds '\?'"):
        load_jets(tmp_path / "qc.arff")
    # a '?' label: an unknown class, at its line, with the ARFF meaning
    lines = (tmp_path / "j.arff").read_text().splitlines()
    label_missing = lines[:start] + [*lines[start : start + 2], lines[start + 2].rsplit(",", 1)[0] + ",?", *lines[start + 3 :]]
    (tmp_path / "ql.arff").write_text("\n".join(label_missing) + "\n")
    with pytest.raises(DataError, match=r"unknown jet classes \['\?'\] \(first at line 22\).*'\?' is a missing value in ARFF"):
        load_jets(tmp_path / "ql.arff")


def test_csv_trailing_commas(tmp_path):
    """A trailing comma on every line (header too) made an unnamed all-NaN feature ''; on the data
    lines only, the parse error now says what to fix."""
    rows = "\n".join(f"{i},{i * 2},{i % 2}," for i in range(30))
    (tmp_path / "t.csv").write_text("x0,x1,class,\n" + rows + "\n")
    ds = _arrays(tmp_path, path="t.csv")
    assert ds.feature_names == ["x0", "x1"] and ds.X.shape == (30, 2)
    (tmp_path / "u.csv").write_text("x0,x1,class\n" + rows + "\n")
    with pytest.raises(DataError, match="Expected 3 columns, got 4.*trailing comma"):
        _arrays(tmp_path, path="u.csv")
    (tmp_path / "s.csv").write_text("x0,x1,class\n" + "\n".join(f"{i},{'abc' if i == 7 else i},{i % 2}" for i in range(30)) + "\n")
    with pytest.raises(DataError, match=r"feature column 'x1' is not numeric: line 9 holds 'abc'"):
        _arrays(tmp_path, path="s.csv")


def test_labels_are_named_exactly_and_ordered_by_value(tmp_path, caplog):
    X, _ = _xy(n=120)
    k = np.arange(120)
    # digit strings '1'..'12' were sorted as text ('1', '10', '11', '12', '2', ...)
    ds = _load(tmp_path, X, np.array([str(i % 12 + 1) for i in k]))
    assert ds.classes == [str(i) for i in range(1, 13)] and np.array_equal(ds.y, k % 12)
    # floats >= 2**63 merged into '-9223372036854775808'; uint64 >= 2**63 had negative names
    ds = _load(tmp_path, X, np.array([1e20, 2e20, 3e20])[k % 3])
    assert ds.classes == ["100000000000000000000", "200000000000000000000", "300000000000000000000"]
    ds = _load(tmp_path, X, np.array([2**63 + 1, 5, 2**63], dtype=np.uint64)[k % 3])
    assert ds.classes == ["5", "9223372036854775808", "9223372036854775809"] and np.array_equal(ds.y, [2, 0, 1] * 40)
    # a CSV's labels are the strings in the file: ISO dates were days since 1970 ('18262'), and
    # '007', '07', '7' one class (kept apart, with a warning that they are equal as numbers)
    rows = "\n".join(f"{i},{i},{['2020-01-01', '2020-02-01'][i % 2]}" for i in range(30))
    (tmp_path / "d.csv").write_text("a,b,class\n" + rows + "\n")
    assert _arrays(tmp_path, path="d.csv").classes == ["2020-01-01", "2020-02-01"]
    (tmp_path / "z.csv").write_text("a,b,class\n" + "\n".join(f"{i},{i},{['7', '007', '07'][i % 3]}" for i in range(30)) + "\n")
    with caplog.at_level("WARNING", logger="flow.data"):
        ds = _arrays(tmp_path, path="z.csv")
    assert ds.classes == ["007", "07", "7"] and np.array_equal(ds.y, [2, 0, 1] * 10)
    assert "'007' and '07'" in caplog.text and "equal as numbers" in caplog.text
    # integers in a CSV keep numeric order; an empty label is still refused
    (tmp_path / "n.csv").write_text("a,class\n" + "\n".join(f"{i},{i % 12 + 1}" for i in range(120)) + "\n")
    assert _arrays(tmp_path, path="n.csv").classes == [str(i) for i in range(1, 13)]
    (tmp_path / "e.csv").write_text("a,class\n" + "\n".join(f"{i},{'' if i == 5 else i % 3}" for i in range(60)) + "\n")
    with pytest.raises(DataError, match=r"1 labels are empty \(first at line 7\)"):
        _arrays(tmp_path, path="e.csv")
    (tmp_path / "f.csv").write_text("a,class\n" + "\n".join(f"{i},{i % 3 + 0.5}" for i in range(60)) + "\n")
    with pytest.raises(DataError, match="non-integer floats"):
        _arrays(tmp_path, path="f.csv")


def test_report_md_lists_the_class_of_each_output():
    """The class mapping was only in data/meta.json and report.json."""
    from flow.report import markdown

    report = {
        "name": "r", "config": "c.yaml", "flow_version": "0",
        "accuracy": {"float": 0.9, "qkeras": 0.8, "csim": None, "test_rows": 10, "csim_rows": None},
        "distillation": {"enabled": False}, "bit_exact": None, "bits": {}, "sparsity": {},
        "bops": {"hawks": {"layers": {}, "total": 0}, "effective": {"layers": {}, "total": 0}},
        "hls": {"project_dir": "p", "backend": "Vivado", "part": "x", "clock_period_ns": 5, "io_type": "io_parallel",
                "strategy": "Latency", "reuse_factor": 1},
        "input": {"type": "ap_fixed<8,4>", "source": "input quantizer"}, "warnings": [], "timings_s": {},
        "data": {"source": "csv d.csv", "classes": ["1", "2", "10"], "class_counts": {"1": 5, "2": 6, "10": 7},
                 "standardized": True},
    }  # fmt: skip
    md = markdown(report)
    assert "| 0 | `1` | 5 |\n| 1 | `2` | 6 |\n| 2 | `10` | 7 |" in md and "data/split.npz" in md


def test_a_csv_column_with_no_name_is_refused_not_trained_on(tmp_path):
    """pandas' default df.to_csv writes the row index as a first column with an empty name; it was
    read as a feature '' (the model trained on each row's position in the file)."""
    X, y = _xy(n=30, f=2)
    rows = [f"{i},{X[i, 0]},{X[i, 1]},{y[i]}" for i in range(30)]
    (tmp_path / "p.csv").write_text(",f0,f1,label\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"p\.csv: column 1 of the header has no name; it holds the row numbers 0\.\.n-1 "
                                        r"pandas' DataFrame\.to_csv writes.*index=False"):
        _arrays(tmp_path, path="p.csv", label_column="label")
    # read back with pandas and written again: the index column is named 'Unnamed: 0'
    (tmp_path / "u.csv").write_text("Unnamed: 0,f0,f1,label\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"column 1 of the header has no name \(pandas' name 'Unnamed: 0' for an empty one\)"):
        _arrays(tmp_path, path="u.csv", label_column="label")
    # an unnamed column that is not an index is refused too, showing its values
    rows = [f"{X[i, 0]},{i % 3 + 0.5},{X[i, 1]},{y[i]}" for i in range(30)]
    (tmp_path / "m.csv").write_text("f0, ,f1,label\n" + "\n".join(rows) + "\n")
    with pytest.raises(DataError, match=r"column 2 of the header has no name; it holds the values 0\.5, 1\.5, 2\.5 in its first rows.*give it a name"):
        _arrays(tmp_path, path="m.csv", label_column="label")


def test_jet_table_columns_are_read_by_name(tmp_path):
    """A jet CSV with pandas' index column and an extra text column: the 16 features and 'class'
    are picked by name, the rest is not read (the text column was refused as 'not numeric')."""
    X, labels = _jet_table()
    header = ",".join(["", "event", *JET_FEATURES, "class"])
    lines = [",".join([str(i), f"ev{i}", *map(str, X[i]), labels[i]]) for i in range(len(labels))]
    (tmp_path / "j.csv").write_text(header + "\n" + "\n".join(lines) + "\n")
    ds = load_jets(tmp_path / "j.csv")
    assert ds.feature_names == list(JET_FEATURES) and np.array_equal(ds.X, [[float(str(v)) for v in row] for row in X])


@pytest.mark.parametrize("gz", [False, True])
def test_a_non_utf8_arff_names_the_line_and_byte(tmp_path, gz):
    """A latin-1 byte in the jet ARFF was 'cannot read the jet file (UnicodeDecodeError: ... in
    position 1234 ...)', a position inside Python's decode buffer, with 'the file is corrupt; re-create it'."""
    X, labels = _jet_table()
    _write_arff(tmp_path / "j.arff", X, labels)
    lines = (tmp_path / "j.arff").read_text().splitlines()
    lines.insert(1, "% exported by Jürgen")  # a comment: not data, so a bad byte there is no error
    fields = lines[40].split(",")
    fields[3] = "1.5\u00b5"  # 'µ' after a value, written as latin-1: one byte 0xb5
    lines[40] = ",".join(fields)
    data = ("\n".join(lines) + "\n").encode("latin-1")
    path = tmp_path / ("l.arff.gz" if gz else "l.arff")
    path.write_bytes(gzip.compress(data) if gz else data)
    column = len(",".join(fields[:3])) + 1 + len("1.5") + 1
    offset = data.index("\u00b5".encode("latin-1"), data.index(b"\n" + lines[40][:10].encode()))
    assert data[offset] == 0xB5
    of = " of the uncompressed data" if gz else ""
    with pytest.raises(DataError, match=rf"l\.arff(\.gz)?: the file is not UTF-8 text: line 41, column {column} has the byte "
                                        rf"0xb5 \(byte offset {offset}{of}\).*Fix: re-save (it|the file) as UTF-8"):
        load_jets(path)
    if not gz:  # with the byte removed the same file loads
        path.write_bytes(data.replace(b"\xb5", b"").replace("ü".encode("latin-1"), b"u"))
        assert load_jets(path).X.shape == (60, 16)


def test_nan_in_a_csv_is_named_by_its_line(tmp_path):
    """An empty field is a NaN feature; the error said 'row 3' (a 0-based data row) for a file a user
    opens in an editor. Empty lines are skipped by the reader and counted by the editor."""
    rows = [f"{i},{'' if i == 3 else i},{i % 3}" for i in range(30)]
    (tmp_path / "n.csv").write_text("\na,b,class\n" + "\n".join(rows[:2]) + "\n\n" + "\n".join(rows[2:]) + "\n")
    with pytest.raises(DataError, match=r"1 feature values are NaN or infinite \(first: line 7, feature 'b'"):
        _arrays(tmp_path, path="n.csv")
    assert (tmp_path / "n.csv").read_text().splitlines()[6] == "3,,0"
    np.savez(tmp_path / "n.npz", X=np.where(np.arange(60).reshape(30, 2) == 7, np.nan, 1.0), y=np.arange(30) % 3)
    with pytest.raises(DataError, match=r"first: row 3, feature 'f1'"):  # arrays keep their 0-based row index
        _arrays(tmp_path, path="n.npz")


def test_date_and_time_feature_columns_are_refused(tmp_path):
    """pyarrow reads an ISO date or a timestamp as a date type, which numpy turned into days (or
    seconds) since 1970 without a word: a feature the user never wrote."""
    rows = "\n".join(f"{i},2020-01-{i % 28 + 1:02d} 12:00:00,{i % 3}" for i in range(30))
    (tmp_path / "t.csv").write_text("a,when,class\n" + rows + "\n")
    with pytest.raises(DataError, match=r"t\.csv: feature column 'when' holds dates or times \(read as timestamp\[s\]\).*days since a reference date"):
        _arrays(tmp_path, path="t.csv")
    (tmp_path / "d.csv").write_text("a,day,class\n" + "\n".join(f"{i},2020-01-{i % 28 + 1:02d},{i % 3}" for i in range(30)) + "\n")
    with pytest.raises(DataError, match=r"feature column 'day' holds dates or times \(read as date32\[day\]\)"):
        _arrays(tmp_path, path="d.csv")


def test_a_jet_npz_whose_columns_are_not_named_must_have_16(tmp_path):
    """Without feature_names, a 20-column X had its first 16 columns taken as the jet features in
    OpenML order (and a 15-column X ended in an IndexError traceback)."""
    X, labels = _jet_table()
    np.savez(tmp_path / "ok.npz", X=X, y=labels)
    assert np.array_equal(load_jets(tmp_path / "ok.npz").X, X.astype(np.float64))
    wide = np.hstack([np.zeros((len(X), 4)), X])
    np.savez(tmp_path / "wide.npz", X=wide, y=labels)
    with pytest.raises(DataError, match=r"wide\.npz: X has shape \(60, 20\) but the 16 jet features \(no feature_names array\) name 16 columns"):
        load_jets(tmp_path / "wide.npz")
    np.savez(tmp_path / "narrow.npz", X=X[:, :15], y=labels)
    with pytest.raises(DataError, match=r"X has shape \(60, 15\)"):
        load_jets(tmp_path / "narrow.npz")
    # with names the columns are picked by name, whatever their order and extra columns
    names = np.array(["pad0", "pad1", "pad2", "pad3", *JET_FEATURES])
    np.savez(tmp_path / "named.npz", X=wide, y=labels, feature_names=names)
    assert np.array_equal(load_jets(tmp_path / "named.npz").X, X.astype(np.float64))
    np.savez(tmp_path / "short.npz", X=wide, y=labels, feature_names=names[:-1])
    with pytest.raises(DataError, match=r"X has shape \(60, 20\) but its feature_names name 19 columns"):
        load_jets(tmp_path / "short.npz")


def test_a_csv_without_a_header_row_says_so(tmp_path):
    """np.savetxt writes no header: the first data row was taken as column names and the error was
    "no label column 'class'; columns are ['0.5', '1.25', '1.0']" with the fix 'set data.label_column'
    (setting it to one of those numbers would have lost that row without a word)."""
    (tmp_path / "n.csv").write_text("\n".join(f"{i * 0.5},{i * 1.25},{i % 3}" for i in range(1, 31)) + "\n")
    with pytest.raises(DataError, match=r"n\.csv: the first line holds numbers, not column names \(0\.5, 1\.25, 1\): "
                                        r"the file has no header row.*label column 'class'"):
        _arrays(tmp_path, path="n.csv")


def test_a_csv_with_carriage_return_line_endings_is_refused_by_name(tmp_path):
    """Classic Mac OS line endings (CR alone) made csv.reader raise with a traceback."""
    from flow.data import read_feature_csv

    f = tmp_path / "cr.csv"
    f.write_bytes(b"a,b,c\r1.5,2.25,-3\r4,5,6.125\r")
    with pytest.raises(DataError, match="carriage return alone"):
        read_feature_csv(f)


def test_gzipped_csv_is_read_by_every_csv_reader_and_its_faults_are_named(tmp_path):
    """A .csv.gz was 'unsupported' in the data stage and verify and jets did not take it either."""
    from flow.data import read_feature_csv

    X, y = _xy()
    header = ",".join([f"f{i}" for i in range(5)] + ["label"])
    text = header + "\n" + "\n".join(",".join([*map(str, X[i]), str(y[i])]) for i in range(len(y))) + "\n"
    with gzip.open(tmp_path / "d.csv.gz", "wt") as f:
        f.write(text)
    ds = load_dataset(_cfg(tmp_path, source="arrays", path="d.csv.gz", label_column="label"))
    assert ds.X.shape == (120, 5) and np.array_equal(ds.y, y)
    with gzip.open(tmp_path / "x.csv.gz", "wt") as f:
        f.write("a,b\n1.5,2\n3,4.25\n")
    Xr, names, _ = read_feature_csv(tmp_path / "x.csv.gz")
    assert names == ["a", "b"] and Xr.tolist() == [[1.5, 2.0], [3.0, 4.25]]
    Xj, labels = _jet_table()
    with gzip.open(tmp_path / "jets.csv.gz", "wt") as f:
        f.write(",".join([*JET_FEATURES, "class"]) + "\n" + "\n".join(",".join([*map(str, Xj[i]), labels[i]]) for i in range(60)) + "\n")
    assert load_jets(tmp_path / "jets.csv.gz").X.shape == (60, 16)
    (tmp_path / "bad.csv.gz").write_bytes(b"a,b\n1,2\n")  # named .gz, not compressed
    with pytest.raises(DataError, match="BadGzipFile"):
        read_feature_csv(tmp_path / "bad.csv.gz")
    with gzip.open(tmp_path / "latin1.csv.gz", "wb") as f:
        f.write(b"a,b\n1,\xe9\n")
    with pytest.raises(DataError, match=r"line 2, column 3 has the byte 0xe9 .*of the uncompressed data.*utf8\.csv\.gz"):
        read_feature_csv(tmp_path / "latin1.csv.gz")


def test_a_number_with_an_underscore_is_text_and_true_false_is_read_as_one_zero(tmp_path, caplog):
    """Python's float() reads '1_5' as 15: a CSV value like that was taken as the number 15."""
    from flow.data import read_feature_csv

    (tmp_path / "u.csv").write_text("a,b\n1.5,2\n3,1_5\n")
    with pytest.raises(DataError, match=r"column 'b' is not numeric: line 3 holds '1_5'"):
        read_feature_csv(tmp_path / "u.csv")
    (tmp_path / "u0.csv").write_text("1.5,2\n3,1_5\n")  # no header: the first line is data
    with pytest.raises(DataError, match=r"line 2 holds '1_5'"):
        read_feature_csv(tmp_path / "u0.csv")
    (tmp_path / "d.csv").write_text("f0,f1,label\n1,2_0,a\n3,4,b\n")
    with pytest.raises(DataError, match=r"'f1' is not numeric: line 2 holds '2_0'"):
        load_dataset(_cfg(tmp_path, source="arrays", path="d.csv", label_column="label"))
    (tmp_path / "b.csv").write_text("a,b\n1.5,true\n3,false\n")
    with caplog.at_level("WARNING"):
        Xb, _, _ = read_feature_csv(tmp_path / "b.csv")
    assert Xb.tolist() == [[1.5, 1.0], [3.0, 0.0]]
    assert "'b' holds true/false, read as 1/0" in caplog.text
