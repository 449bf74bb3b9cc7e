"""Data sources, the seeded split and standardization.

Sources: scikit-learn's bundled digits (no network), user arrays (.npz/.npy/.csv), and the hls4ml
LHC jet dataset (OpenML 42468) read from a local ARFF/CSV/parquet file, a generated file from
`flow data jets`, or an existing scikit-learn OpenML cache folder. Nothing is ever downloaded.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import logging
import math
import re
import zipfile
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from flow.config import DataConfig, FlowConfig
from flow.errors import DataError

log = logging.getLogger(__name__)

JET_FEATURES = (
    "zlogz", "c1_b0_mmdt", "c1_b1_mmdt", "c1_b2_mmdt", "c2_b1_mmdt", "c2_b2_mmdt", "d2_b1_mmdt",
    "d2_b2_mmdt", "d2_a1_b1_mmdt", "d2_a1_b2_mmdt", "m2_b1_mmdt", "m2_b2_mmdt", "n2_b1_mmdt",
    "n2_b2_mmdt", "mass_mmdt", "multiplicity",
)  # fmt: skip
JET_CLASSES = ("g", "q", "t", "w", "z")
OPENML_JETS_ID = 42468
OPENML_JETS_RELATION = "hls4ml_lhc_jets_hlf"


@dataclass
class Dataset:
    """Features (float64, rows x features) and integer labels, with names for the report.

    Features stay float64 until `make_split` has standardized them: a float32 cast first would
    round a feature with a large offset and a small spread (1e7 +- 0.5) to a few levels."""

    X: np.ndarray
    y: np.ndarray
    classes: list[str]
    feature_names: list[str]
    source: str
    meta: dict = field(default_factory=dict)
    #: the 1-based line of the file a row was read from (CSV, ARFF), for errors; None: rows are array rows
    line_of: Callable[[int], int] | None = field(default=None, repr=False, compare=False)


def _at(row: int, line_of: Callable[[int], int] | None) -> str:
    """Where row `row` is, as a user would look for it: the file's line in an editor for a text
    file, else the 0-based row index into the array."""
    return f"line {line_of(row)}" if line_of is not None else f"row {row}"


@dataclass
class Split:
    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    classes: list[str]
    feature_names: list[str]
    mean: np.ndarray
    std: np.ndarray

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    def save(self, path: Path) -> None:
        np.savez(
            path,
            X_train=self.X_train, y_train=self.y_train, X_val=self.X_val, y_val=self.y_val,
            X_test=self.X_test, y_test=self.y_test, mean=self.mean, std=self.std,
            classes=np.array(self.classes), feature_names=np.array(self.feature_names),
        )  # fmt: skip

    @classmethod
    def load(cls, path: Path) -> "Split":
        with np.load(path, allow_pickle=False) as z:
            return cls(
                X_train=z["X_train"], y_train=z["y_train"], X_val=z["X_val"], y_val=z["y_val"],
                X_test=z["X_test"], y_test=z["y_test"], mean=z["mean"], std=z["std"],
                classes=[str(c) for c in z["classes"]], feature_names=[str(f) for f in z["feature_names"]],
            )  # fmt: skip


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def file_digest(path: Path) -> str:
    """sha256 of a file (or of the listing of a folder), so resume notices changed data."""
    h = hashlib.sha256()
    if path.is_dir():
        for p in sorted(path.rglob("*")):
            if p.is_file():
                st = p.stat()
                h.update(f"{p.relative_to(path)}:{st.st_size}:{st.st_mtime_ns}".encode())
        return h.hexdigest()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def input_files(cfg: FlowConfig) -> list[Path]:
    """The user files a config reads (for fingerprints and up-front checks)."""
    files = []
    if cfg.data.path:
        files.append(cfg.resolve(cfg.data.path))
    if cfg.data.labels_path:
        files.append(cfg.resolve(cfg.data.labels_path))
    return files


def check_inputs_exist(cfg: FlowConfig) -> None:
    """Fail before any long work when a data file is missing."""
    for i, p in enumerate(input_files(cfg)):
        key = "data.path" if i == 0 else "data.labels_path"
        if not p.exists():
            raise DataError(f"{key} = {str(p)!r} does not exist", where=cfg.source_path, fix=_missing_fix(cfg.data, p))


def _missing_fix(d: DataConfig, path: Path) -> str:
    if d.source == "jets":
        import os
        import shlex

        # the command writes the very file the config reads (resolved from the config's folder,
        # shown from the current one), so the run works once it is done
        target = os.path.normpath(path)
        generate = (f"generate jets offline to that path with `flow data jets --n-per-class 20000 --out {shlex.quote(target)}`"
                    if Path(target).suffix.lower() in (".parquet", ".npz") else
                    "generate jets offline with `flow data jets --n-per-class 20000 --out jets.parquet` and point data.path at it")
        return (
            "point data.path at the OpenML 42468 file (ARFF/CSV/parquet, e.g. downloaded once with "
            "sklearn.datasets.fetch_openml(data_id=42468)), at a scikit-learn data_home folder that caches it, "
            f"or {generate}"
        )
    return "check the path (relative paths are resolved from the config file's folder)"


def load_dataset(cfg: FlowConfig) -> Dataset:
    d = cfg.data
    if d.source == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        ds = Dataset(X.astype(np.float64), y.astype(np.int64), [str(i) for i in range(10)], [f"pixel_{i}" for i in range(64)], "sklearn digits")
    elif d.source == "arrays":
        ds = _load_arrays(cfg)
    else:
        ds = load_jets(cfg.resolve(d.path), label_column=d.label_column)
    where = str(cfg.resolve(d.path)) if d.path else "data"
    _check_dataset(ds, where=where)
    if d.max_rows is not None and len(ds.y) > d.max_rows:
        rng = np.random.default_rng(cfg.seed)
        keep = np.sort(rng.choice(len(ds.y), d.max_rows, replace=False))
        n_all = len(ds.y)
        ds.X, ds.y = ds.X[keep], ds.y[keep]
        _check_dataset(ds, where=where, hint=f"data.max_rows = {d.max_rows} kept {d.max_rows} of {n_all} rows: raise it, or ")
    _check_split_sizes(ds, d, where=where)
    return ds


def _check_dataset(ds: Dataset, *, where: str, hint: str = "") -> None:
    """Shape, finiteness and class counts, each refused with what to change."""
    if ds.X.ndim == 1:
        raise DataError(f"features are a 1-D array of shape {ds.X.shape}", where=where,
                        fix="give rows x features; for a single feature save X.reshape(-1, 1)")
    if ds.X.ndim != 2:
        raise DataError(f"features must be a 2-D array (rows x features), got shape {ds.X.shape}", where=where, fix="flatten each sample into one row")
    if ds.X.shape[0] == 0:
        raise DataError("the data have no rows", where=where, fix="give a file with at least one row per class")
    if ds.X.shape[1] == 0:
        raise DataError(f"the data have no feature columns (shape {ds.X.shape})", where=where,
                        fix="give at least one numeric feature column besides the labels")
    if ds.X.shape[0] != ds.y.shape[0]:
        raise DataError(
            f"label/feature shape mismatch: {ds.X.shape[0]} feature rows but {ds.y.shape[0]} labels",
            where=where,
            fix="give one label per feature row",
        )
    finite = float32_finite(ds.X)
    if not finite.all():
        bad = int((~finite).sum())
        row, col = (int(i) for i in np.argwhere(~finite)[0])
        name = ds.feature_names[col] if col < len(ds.feature_names) else f"column {col}"
        raise DataError(f"{bad} feature values are NaN or infinite (first: {_at(row, ds.line_of)}, feature {name!r}; values beyond "
                        "float32's range, ~3.4e38, count as infinite)", where=where,
                        fix="drop or impute those rows before running the flow")
    if len(ds.classes) < 2:
        raise DataError(f"need at least 2 classes, found {len(ds.classes)} {ds.classes}", where=where, fix=hint + "check the label column")
    counts = np.bincount(ds.y, minlength=len(ds.classes))
    if counts.min() < 3:
        raise DataError(
            f"class {ds.classes[int(np.argmin(counts))]!r} has only {int(counts.min())} rows; a stratified split needs at least 3",
            where=where,
            fix=hint + "add rows or drop that class",
        )


def _check_split_sizes(ds: Dataset, d, *, where: str) -> None:
    """A stratified split needs one row of every class in each part (scikit-learn would fail
    with a traceback); say which fraction to change, before anything is written."""
    n, k = len(ds.y), len(ds.classes)
    n_test = math.ceil(d.test_fraction * n)
    parts = [("test", n_test, "data.test_fraction", d.test_fraction)]
    if d.val_fraction > 0:
        n_val = math.ceil(d.val_fraction / (1 - d.test_fraction) * (n - n_test))
        parts.append(("validation", n_val, "data.val_fraction", d.val_fraction))
        parts.append(("training", n - n_test - n_val, "data.test_fraction + data.val_fraction", d.test_fraction + d.val_fraction))
    else:
        parts.append(("training", n - n_test, "data.test_fraction", d.test_fraction))
    for label, size, field, value in parts:
        if size < k:
            need = f"at least {k / n:.3g}" if label != "training" else f"at most {1 - k / n:.3g}"
            raise DataError(f"the {label} split would have {size} rows for {k} classes ({n} rows, {field} = {value:g}); "
                            "a stratified split needs one row of each class in every part", where=where,
                            fix=f"add rows, or set {field} to {need}" + ("" if label != "validation" else ", or 0 for no validation split"))


def float32_finite(X: np.ndarray) -> np.ndarray:
    """Which values the model (float32) reads as finite numbers: beyond float32's range (~3.4e38)
    the cast makes them infinite."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(X) & (np.abs(X) <= np.finfo(np.float32).max)


def _encode_labels(raw: np.ndarray, *, where: str, line_of: Callable[[int], int] | None = None) -> tuple[np.ndarray, list[str]]:
    """Class indices and names from 1-D labels (integers or strings) or one-hot rows."""
    raw = np.asarray(raw)
    if raw.ndim == 2 and raw.shape[1] == 1:
        raw = raw[:, 0]
    if raw.ndim == 2:
        onehot = raw.dtype.kind in "biuf" and np.isin(raw, (0, 1)).all() and (raw.sum(axis=1) == 1).all()
        if not onehot:
            raise DataError(f"labels have shape {raw.shape} but are not one-hot (each row a single 1, the rest 0)", where=where,
                            fix="give one class label per row (a 1-D array), or one-hot rows")
        return raw.argmax(axis=1).astype(np.int64), [str(i) for i in range(raw.shape[1])]
    if raw.ndim != 1:
        raise DataError(f"labels must be one per row (1-D) or one-hot rows (2-D), got shape {raw.shape}", where=where,
                        fix="give one class label per row")
    if raw.dtype.kind == "f" and not np.isfinite(raw).all():
        bad = np.flatnonzero(~np.isfinite(raw))
        raise DataError(f"{bad.size} labels are NaN or infinite (first at {_at(int(bad[0]), line_of)})", where=where,
                        fix="drop the unlabelled rows")
    if raw.dtype.kind == "f" and np.any(raw != np.round(raw)):
        raise DataError("labels are non-integer floats; the flow trains classifiers", where=where, fix="give integer or string class labels")
    if raw.dtype.kind in "biuf":
        # sorted by value; named exactly (int() of an integral float or a uint64 >= 2**63, where a cast
        # to int64 would overflow and merge or negate classes)
        classes, y = np.unique(raw, return_inverse=True)
        return y.reshape(-1).astype(np.int64), [str(int(c)) for c in classes.tolist()]
    # text (and dates, as written): names are the labels' own strings
    text = np.array(["" if v is None else str(v).strip() for v in raw.tolist()])
    empty = np.flatnonzero(text == "")
    if empty.size:
        raise DataError(f"{empty.size} labels are empty (first at {_at(int(empty[0]), line_of)})", where=where,
                        fix="drop the unlabelled rows or give them a class")
    classes, y = np.unique(text, return_inverse=True)
    order = _numeric_order([str(c) for c in classes], where=where)
    if order is not None:  # '1'..'12' in numeric order (output index i is the i-th smallest), not as text
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        classes, y = classes[order], rank[y]
    return y.reshape(-1).astype(np.int64), [str(c) for c in classes]


def _numeric_order(names: list[str], *, where: str) -> list[int] | None:
    """The order of text labels by value when every one is a finite number, else None (text order).
    Labels that differ as text but not as numbers ('007', '7') stay distinct classes, as written,
    with a warning."""
    from decimal import Decimal, InvalidOperation

    try:
        values = [Decimal(n) for n in names]
    except InvalidOperation:
        return None
    if not all(v.is_finite() for v in values):
        return None
    order = sorted(range(len(names)), key=lambda i: (values[i], names[i]))
    same = [(names[a], names[b]) for a, b in zip(order, order[1:]) if values[a] == values[b]]
    if same:
        log.warning("%s: labels %s are different classes, as written, though equal as numbers; make them one "
                    "spelling if they are one class", where, ", ".join(f"{a!r} and {b!r}" for a, b in same[:5]))
    return order


def _load_arrays(cfg: FlowConfig) -> Dataset:
    d = cfg.data
    path = cfg.resolve(d.path)
    where = str(path)
    suffix = path.suffix.lower()
    if is_csv(path):
        X, raw_y, names, line_of = _read_table(path, d.label_column)
        y, classes = _encode_labels(raw_y, where=where, line_of=line_of)
        return Dataset(X, y, classes, names, f"csv {path.name}", line_of=line_of)
    if suffix == ".npz":
        X, raw_y = _load_npz(path, [("data.features_key", d.features_key), ("data.labels_key", d.labels_key)])
    elif suffix == ".npy":
        if not d.labels_path:
            raise DataError("a .npy features file needs data.labels_path (a .npy of labels)", where=where, fix="set data.labels_path, or save both in one .npz with keys X and y")
        X = _load_npy(path, "features")
        lp = cfg.resolve(d.labels_path)
        if lp.suffix.lower() == ".npz":  # a labels .npz: its data.labels_key array
            (raw_y,) = _load_npz(lp, [("data.labels_key", d.labels_key)])
        elif lp.suffix.lower() == ".npy":
            raw_y = _load_npy(lp, "labels")
        else:
            raise DataError(f"data.labels_path has unsupported file type {lp.suffix!r}", where=str(lp),
                            fix="save the labels with numpy.save(path, y) as a .npy (or in a .npz as data.labels_key)")
        where = f"{path} + {lp}"
    else:
        raise DataError(f"unsupported file type {suffix!r}", where=where, fix="use .npz (keys X, y), two .npy files, or .csv (or .csv.gz) with a label column")
    X = np.asarray(X)
    if X.dtype.kind not in "fiub":
        raise DataError(f"features have dtype {X.dtype}, not numbers", where=where, fix="store numeric features")
    y, classes = _encode_labels(raw_y, where=where)
    return Dataset(X.astype(np.float64), y, classes, [f"f{i}" for i in range(X.shape[1] if X.ndim == 2 else 0)], f"arrays {path.name}")


_OBJECT_FIX = ("save numeric arrays, not object arrays (they need pickle, which the flow does not load): e.g. "
               "numpy.savez(path, X=df[features].to_numpy(dtype=float), y=df[label].to_numpy(dtype=str))")


def _load_npy(path: Path, role: str) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise _numpy_read_error(exc, path, f"the {role} array") from None


def _load_npz(path: Path, keys: list[tuple[str, str]]) -> list[np.ndarray]:
    """The arrays named by (config field, key) from a .npz, each missing one named with its field."""
    try:
        with np.load(path, allow_pickle=False) as z:
            for field_name, key in keys:
                if key not in z.files:
                    raise DataError(f"no array named {key!r} in the file (it has {z.files})", where=str(path),
                                    fix=f"set {field_name}" if len(keys) == 1 else "set data.features_key / data.labels_key")
            out = []
            for field_name, key in keys:
                try:
                    out.append(z[key])
                except ValueError as exc:
                    raise _numpy_read_error(exc, path, f"array {key!r} ({field_name})") from None
            return out
    except DataError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise _numpy_read_error(exc, path, "the file") from None


def _numpy_read_error(exc: Exception, path: Path, what: str) -> DataError:
    if "Object arrays cannot be loaded" in str(exc):
        return DataError(f"{what} has dtype object (Python objects, e.g. from a pandas DataFrame)", where=str(path), fix=_OBJECT_FIX)
    return DataError(f"cannot read the file ({type(exc).__name__}: {exc})", where=str(path),
                     fix="the file is missing or corrupt; re-export it with numpy.savez / numpy.save")


def _read_table(path: Path, label_column: str, *, features: tuple[str, ...] | None = None):
    """CSV or parquet -> (features, raw labels, feature names, line of a row or None), via pyarrow
    (fast, no pandas). `features`: the columns to read by name (the rest are ignored); None: every
    column but the label."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if is_csv(path) and path.is_file() and _starts_utf16(path):  # pyarrow would report a column count
        raise _not_utf8_error(path)
    try:
        table = pq.read_table(path) if path.suffix.lower() == ".parquet" else pacsv.read_csv(path)
        table.column_names  # noqa: B018 - decodes the header, which pyarrow keeps as bytes until asked
    except UnicodeDecodeError:
        raise _not_utf8_error(path) from None
    except (pa.ArrowInvalid, OSError) as exc:
        fix = "the file is corrupt or not CSV/parquet"
        if "Expected" in str(exc) and "columns, got" in str(exc):
            fix = ("give every row as many comma-separated fields as the header (a trailing comma at the end of "
                   "each data line adds an empty field)")
        raise DataError(f"cannot read the table ({exc})", where=str(path), fix=fix) from None
    if not is_csv(path):
        return (*_table_to_arrays(table, label_column, where=str(path), features=features), None)
    if any(_is_bytes(t) for t in table.schema.types):
        raise _not_utf8_error(path)  # pyarrow keeps text that is not UTF-8 as bytes: say where it is
    table = _label_column_as_text(table, path, label_column)
    line_of = _csv_line_of(path)
    return (*_table_to_arrays(table, label_column, where=str(path), features=features, line_of=line_of), line_of)


def _csv_line_of(path: Path, *, header: bool = True) -> Callable[[int], int]:
    """The 1-based line of a CSV's data row as pyarrow counts rows (empty lines skipped, the first
    non-empty one the header if there is one; a value cannot span lines). Only called for an error message."""
    def line_of(row: int) -> int:
        seen = 0
        with _open_raw(path) as f:
            for n, raw in enumerate(f, 1):
                if raw.rstrip(b"\r\n"):
                    seen += 1
                    if seen == row + 1 + header:
                        return n
        return -1  # pragma: no cover - pyarrow read that row

    return line_of


def _not_utf8_error(path: Path) -> DataError:
    """The first byte of a text file that is not UTF-8, by line, column and offset."""
    offset = 0
    with _open_raw(path) as f:
        for n, raw in enumerate(f, 1):  # '\n' never occurs inside a UTF-8 character: line by line is exact
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                return _utf8_error_at(path, raw, exc, n, offset, gz=_is_gz(path))
            offset += len(raw)
    return DataError("the file is not UTF-8 text", where=str(path), fix=_UTF8_FIX)  # pragma: no cover


def _utf8_error_at(path, raw: bytes, exc: UnicodeDecodeError, line: int, offset: int, *, gz: bool) -> DataError:
    of = " of the uncompressed data" if gz else ""
    name, suffix = Path(path).name, Path(path).suffix.lower()
    if offset == 0 and raw[:2] in _UTF16_BOMS:  # Excel's "Unicode text", PowerShell's default
        return DataError("the file is UTF-16 text (it starts with a UTF-16 byte order mark), not UTF-8", where=str(path),
                         fix=f"re-save it as UTF-8 (e.g. `iconv -f utf-16 -t utf-8 {name} > utf8{suffix}`)")
    if gz:
        fix = f"re-save it as UTF-8 (e.g. `zcat {name} | iconv -f latin1 -t utf-8 | gzip > utf8{''.join(Path(path).suffixes[-2:]).lower()}`)"
    else:
        fix = (f"re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8 {name} > utf8{suffix}`"
               + (", or pandas' to_csv(encoding='utf-8'))" if suffix == ".csv" else ")"))
    return DataError(f"the file is not UTF-8 text: line {line}, column {exc.start + 1} has the byte 0x{raw[exc.start]:02x} "
                     f"(byte offset {offset + exc.start}{of}), which UTF-8 does not allow there (a latin-1/Windows-1252 "
                     "export writes accented letters, '°' or 'µ' that way)", where=str(path), fix=fix)


def read_feature_csv(path: Path) -> tuple[np.ndarray, list[str] | None, Callable[[int], int]]:
    """A CSV whose every column is a feature (`flow verify --data`): float64 rows, the header's names
    (None without a header) and the file line of each row.

    The first line is a header unless all its fields are numbers, as np.savetxt writes no header;
    `0,1,...,n-1` (three columns or more) is the header pandas writes for a DataFrame made from an array. A column with no
    name (pandas' index), a non-numeric value or a date is refused, as in the data stage."""
    import csv

    import pyarrow as pa
    import pyarrow.csv as pacsv

    where = str(path)
    first = b""
    try:
        if _starts_utf16(path):
            raise _not_utf8_error(path)
        with _open_raw(path) as f:
            for raw in f:
                if raw.rstrip(b"\r\n"):
                    first = raw
                    break
    except (OSError, EOFError) as exc:  # a truncated or not-gzip '.csv.gz'
        raise DataError(f"cannot read the file ({type(exc).__name__}: {exc})", where=where,
                        fix="the file is corrupt; re-create it (a .csv.gz must be gzip-compressed CSV)") from None
    if not first:
        raise DataError("the file is empty", where=where, fix="give one row of feature values per line")
    if b"\r" in first.rstrip(b"\r\n"):
        raise DataError("the lines end in a carriage return alone (classic Mac OS line endings), which the CSV reader "
                        "does not split", where=where, fix=f"convert them to newlines: tr '\\r' '\\n' < {path.name} > fixed.csv")
    try:
        fields = next(csv.reader([first.decode("utf-8-sig").rstrip("\r\n")]))
    except UnicodeDecodeError:
        raise _not_utf8_error(path) from None
    missing = set(pacsv.ConvertOptions().null_values)  # '', 'NA', 'nan', ...: read as NaN, refused by the caller
    numbers = [v.strip() in missing or _is_number(v) for v in fields]
    skip = int(len(fields) > 1 and fields[0] == "")  # (',0,1,2': the index column pandas writes first, refused below)
    # (one or two columns: '0' or '0,1' is more likely a row of class labels or binary features)
    pandas_names = len(fields) - skip >= 3 and fields[skip:] == [str(i) for i in range(len(fields) - skip)]
    if any(numbers) and not all(numbers) and not all(v.strip() in missing or not n for v, n in zip(fields, numbers)):
        raise DataError(f"the first line {first.decode('utf-8-sig').strip()[:80]!r} mixes numbers and names: it is neither a "
                        "header nor a row of numbers", where=where,
                        fix="start the file with a header line of column names, or give numbers only")
    header = not all(numbers) or pandas_names
    if all(numbers) and pandas_names:
        log.warning("%s: took the first line (%s) as column names, as pandas writes them for a DataFrame made from an "
                    "array, not as a row of data; if it is data, put a header line of column names before it", where,
                    ",".join(fields[:4]) + (",..." if len(fields) > 4 else ""))
    try:
        table = pacsv.read_csv(path, read_options=pacsv.ReadOptions(autogenerate_column_names=not header))
    except UnicodeDecodeError:
        raise _not_utf8_error(path) from None
    except (pa.ArrowInvalid, OSError) as exc:
        fix = "give every line as many comma-separated values as the first" if "columns, got" in str(exc) else "the file is corrupt or not CSV"
        raise DataError(f"cannot read the table ({exc})", where=where, fix=fix) from None
    if any(_is_bytes(t) for t in table.schema.types):
        raise _not_utf8_error(path)
    if table.num_rows == 0:
        raise DataError("the file has a header but no rows", where=where, fix="give one row of feature values per line")
    if header:
        table = _drop_trailing_empty_columns(table, where=where, keep=1)
    if header:
        unnamed = [i for i, c in enumerate(table.column_names) if _is_unnamed(c)]
        if unnamed:
            raise _unnamed_column_error(table, unnamed[0], where=where)
    line_of = _csv_line_of(path, header=header)
    names = [c.strip() for c in table.column_names] if header else [f"column {j + 1}" for j in range(table.num_columns)]
    fix = "give only the model's input features, as numbers (drop a label or name column)"
    X = np.column_stack([_numeric_column(table.column(j), names[j], where=where, line_of=line_of, fix=fix) for j in range(table.num_columns)])
    return X, (names if header else None), line_of


def _is_number(text: str) -> bool:
    """A number as a CSV writes one: Python's float() also takes digit-group underscores ('1_5' is 15)."""
    try:
        float(text)
    except ValueError:
        return False
    return "_" not in text


def _label_column_as_text(table, path: Path, label_column: str):
    """Re-read a CSV's label column as the strings in the file when pyarrow inferred a type for it:
    a date became days since 1970 ('18262'), and '007', '07' and '7' one class."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    exact = [c for c in table.column_names if c.strip() == label_column.strip()]
    if len(exact) != 1 or table.num_rows == 0:
        return table  # _table_to_arrays names the problem
    i = table.column_names.index(exact[0])
    kind = table.schema.field(i).type
    if pa.types.is_string(kind) or pa.types.is_null(kind) or pa.types.is_binary(kind):
        return table  # (binary: not UTF-8, refused by _table_to_arrays)
    if pa.types.is_floating(kind):  # non-integral numbers stay numbers, refused by _encode_labels
        values = table.column(i).to_numpy(zero_copy_only=False)
        if np.any(np.isfinite(values) & (values != np.round(values))):
            return table
    text = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
        include_columns=exact, column_types={exact[0]: pa.string()}, strings_can_be_null=True))
    return table.set_column(i, exact[0], text.column(0))


_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def is_csv(path: Path) -> bool:
    """A CSV file, plain or gzipped ('.csv.gz': pyarrow decompresses such a path itself, and the
    readers here that look at its bytes open it with _open_raw)."""
    name = Path(path).name.lower()
    return name.endswith(".csv") or name.endswith(".csv.gz")


def _is_gz(path: Path) -> bool:
    return Path(path).name.lower().endswith(".gz")


def _open_raw(path: Path):
    """The file's bytes, decompressed when its name ends in .gz."""
    return gzip.open(path, "rb") if _is_gz(path) else open(path, "rb")


def _starts_utf16(path: Path) -> bool:
    """The file starts with a UTF-16 byte order mark (Excel's "Unicode text", PowerShell's default)."""
    with _open_raw(path) as f:
        return f.read(2) in _UTF16_BOMS


def _is_bytes(arrow_type) -> bool:
    """pyarrow's type for a text column that is not UTF-8: it keeps the raw bytes."""
    import pyarrow as pa

    return pa.types.is_binary(arrow_type) or pa.types.is_large_binary(arrow_type)


def _drop_trailing_empty_columns(table, *, where: str, keep: int = 0):
    """Trailing commas on every line (header too) give unnamed, all-empty last columns: dropped,
    down to `keep` columns."""
    while (table.num_columns > keep and table.num_rows > 0 and not table.column_names[-1].strip()
           and table.column(table.num_columns - 1).null_count == table.num_rows):
        log.info("%s: dropped an unnamed, empty last column (a trailing comma on every line)", where)
        table = table.remove_column(table.num_columns - 1)
    return table


_UTF8_FIX = "re-save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8 in.csv > out.csv`, or pandas' to_csv(encoding='utf-8'))"


def _is_unnamed(name: str) -> bool:
    """An empty header field, or pandas' name for one ('Unnamed: 0') after a read_csv/to_csv round trip."""
    return not name.strip() or re.fullmatch(r"Unnamed: \d+", name.strip()) is not None


def _unnamed_column_error(table, i: int, *, where: str) -> DataError:
    """A header field with no name is refused rather than read as a feature: pandas' default
    DataFrame.to_csv writes the row index there (0..n-1), which would train as a feature that says
    where each row sat in the file (and the model would be verified and deployed with it)."""
    name = table.column_names[i]
    values = table.column(i).to_numpy(zero_copy_only=False)
    try:
        index = bool(np.array_equal(values.astype(np.float64), np.arange(len(values))))
    except (ValueError, TypeError):
        index = False
    shown = ", ".join(str(v) for v in values[:3].tolist())
    named = f" (pandas' name {name.strip()!r} for an empty one)" if name.strip() else ""
    what = ("the row numbers 0..n-1 pandas' DataFrame.to_csv writes as the index unless index=False" if index
            else f"the values {shown}" + (" in its first rows" if len(values) > 3 else ""))
    return DataError(f"column {i + 1} of the header has no name{named}; it holds {what}", where=where,
                     fix="write the file with df.to_csv(path, index=False), or delete that column; if it is a "
                         "feature, give it a name in the header")


def _table_to_arrays(table, label_column: str, *, where: str, features: tuple[str, ...] | None = None,
                     line_of: Callable[[int], int] | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    table = _drop_trailing_empty_columns(table, where=where)
    # "a, b" headers keep the space after the comma: match names without surrounding spaces
    stripped = [c.strip() for c in table.column_names]
    if label_column.strip() not in stripped:
        if len(stripped) == 1 and any(sep in stripped[0] for sep in ";\t"):
            sep = "';'" if ";" in stripped[0] else "a tab"
            raise DataError(f"the file is not comma-separated: its header is one column {stripped[0]!r}, separated by {sep}",
                            where=where, fix="re-export it with commas as separators and '.' as the decimal point "
                            "(e.g. pandas' df.to_csv(path, index=False))")
        if all(_is_number(c) for c in stripped) and stripped != [str(i) for i in range(len(stripped))]:
            # np.savetxt writes no header: the first row was taken as one (and would be lost with a numeric label_column)
            raise DataError(f"the first line holds numbers, not column names ({', '.join(stripped[:4])}"
                            f"{', ...' if len(stripped) > 4 else ''}): the file has no header row", where=where,
                            fix=f"add a header line naming the columns, the label column {label_column!r} among them "
                                "(np.savetxt(..., header='f0,f1,class', comments=''), or pandas' to_csv(index=False))")
        raise DataError(f"no label column {label_column!r}; columns are {stripped}", where=where, fix="set data.label_column")
    if table.num_rows == 0:
        raise DataError("the table has a header but no data rows", where=where, fix="give a file with data rows")
    if stripped.count(label_column.strip()) > 1:
        raise DataError(f"the label column {label_column!r} appears {stripped.count(label_column.strip())} times in the "
                        "header", where=where, fix="give the columns unique names")
    for i, name in enumerate(stripped):  # pyarrow keeps text that is not UTF-8 as bytes
        if _is_bytes(table.schema.field(i).type):
            raise DataError(f"column {name!r} is not UTF-8 text", where=where, fix=_UTF8_FIX)
    label_index = stripped.index(label_column.strip())
    if features is None:  # every other column is a feature: one with no name is refused, not trained on
        unnamed = [i for i, c in enumerate(table.column_names) if i != label_index and _is_unnamed(c)]
        if unnamed:
            raise _unnamed_column_error(table, unnamed[0], where=where)
        columns = [i for i in range(len(stripped)) if i != label_index]
    else:  # the named columns (first of a repeated name); the caller says which are missing
        columns = [stripped.index(f) for f in features if f in stripped]
    names = [table.column_names[i] for i in columns]
    if not names and features is None:
        raise DataError(f"the table has no feature columns besides the label {label_column!r}", where=where,
                        fix="add the numeric feature columns")
    if not names:
        return np.zeros((table.num_rows, 0)), table.column(label_index).to_numpy(zero_copy_only=False), []
    # by position: a header may repeat a name; float64 until standardized (see Dataset)
    X = np.column_stack([_numeric_column(table.column(i), stripped[i], where=where, line_of=line_of) for i in columns])
    raw_y = table.column(label_index).to_numpy(zero_copy_only=False)
    return X, raw_y, [c.strip() for c in names]


def _numeric_column(column, name: str, *, where: str, line_of: Callable[[int], int] | None = None, fix: str | None = None) -> np.ndarray:
    """A feature column as float64, or a DataError naming the column, the first bad row (the file's
    line for a text file) and value."""
    import pyarrow as pa

    if pa.types.is_temporal(column.type):
        # numpy would give days or seconds since 1970 (in the unit pyarrow guessed) without a word
        raise DataError(f"feature column {name!r} holds dates or times (read as {column.type}), not numbers", where=where,
                        fix="write it as a number in the file (e.g. days since a reference date, or the hour of day), "
                            "or drop the column")
    if pa.types.is_boolean(column.type):
        log.warning("%s: feature column %r holds true/false, read as 1/0", where, name)
    values = column.to_numpy(zero_copy_only=False)
    text = pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
    if not text or all(v is None or _is_number(v) for v in values.tolist()):
        try:
            return values.astype(np.float64)
        except (ValueError, TypeError):
            pass
    for row, v in enumerate(values.tolist()):
        if isinstance(v, str) and not _is_number(v):
            break
        try:
            float(v)
        except (ValueError, TypeError):
            break
    else:  # pragma: no cover - astype failed, so some value does not convert
        row, v = 0, values[0]
    missing = " ('?' is a missing value in ARFF; the flow cannot train on missing values)" if str(v).strip() == "?" else ""
    raise DataError(f"feature column {name!r} is not numeric: {_at(row, line_of)} holds {v!r}{missing}", where=where,
                    fix="drop or impute the rows with missing values" if missing else
                    fix or "keep only numeric feature columns besides the label (encode categories as numbers)")


def _read_arff(stream, *, where: str, gz: bool = False):
    """A minimal ARFF reader: header with @attribute lines, then CSV data (OpenML's format).

    `stream` is binary: each line is decoded here, so a byte that is not UTF-8 is named with its line
    and offset in the file (a text stream reports an offset inside its own 8 KiB buffer). Returns the
    relation, the table and the 1-based line of each data row."""
    import pyarrow.csv as pacsv

    names: list[str] = []
    relation = ""
    offset = n = 0

    def text(raw: bytes) -> str:
        try:
            return raw.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise _utf8_error_at(where, raw, exc, n, offset, gz=gz) from None

    for raw in stream:
        n += 1
        s = "" if raw.lstrip().startswith(b"%") else text(raw).strip()  # a comment is not read: any bytes
        offset += len(raw)
        low = s.lower()
        if low.startswith("@relation"):
            relation = s.split(None, 1)[1].strip("'\"") if len(s.split(None, 1)) > 1 else ""
        elif low.startswith("@attribute"):
            names.append(s.split(None, 2)[1].strip("'\""))
        elif low.startswith("@data"):
            break
    else:
        raise DataError("no @data section", where=where, fix="the ARFF file is truncated or corrupt")
    # '%' starts a comment line anywhere in an ARFF file, the data section included; blank lines are skipped
    body: list[bytes] = []
    lines = array("q")
    for raw in stream:
        n += 1
        s = raw.strip()
        if s and not s.startswith(b"%"):
            text(raw)
            body.append(raw if raw.endswith(b"\n") else raw + b"\n")
            lines.append(n)
        offset += len(raw)
    try:
        table = pacsv.read_csv(
            io.BytesIO(b"".join(body)),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(quote_char="'", ignore_empty_lines=False),
        )
    except Exception as exc:  # pyarrow raises several types for malformed CSV
        raise DataError(f"cannot parse the ARFF data ({exc})", where=where, fix="the file is corrupt") from None
    return relation, table, lines.__getitem__


def _find_openml_cache(folder: Path) -> Path | None:
    """Find the gzipped ARFF of OpenML 42468 in a scikit-learn data_home folder.

    scikit-learn keeps it at openml/openml.org/data/v1/download/<file id> (newer versions add
    /<name>.arff.gz). Whole path segments decide, not substrings: a data_home such as
    /data/downloadcache must not make the gzipped JSON metadata (api/v1/json/data/42468.gz, which
    names the data set too) a candidate; and the file must start as an ARFF (@relation)."""
    for p in sorted(folder.rglob("*")):
        if not p.is_file() or not _below_openml_download(p.parent.parts):
            continue
        try:
            with gzip.open(p, "rt") as f:
                head = f.read(4096).lower()
        except (OSError, EOFError, UnicodeDecodeError):
            continue
        if re.search(rf"^\s*@relation\s+['\"]?{OPENML_JETS_RELATION}\b", head, re.M):
            return p
    return None


def _below_openml_download(parts: tuple[str, ...]) -> bool:
    return any(parts[i - 2 : i + 1] == ("data", "v1", "download") for i in range(2, len(parts)))


def load_jets(path: Path, *, label_column: str = "class") -> Dataset:
    """The 16 jet-substructure features and the 5 classes, from any of the supported files."""
    where = str(path)
    if not path.exists():
        raise DataError(f"jet data file {where!r} does not exist", where=where, fix=_missing_fix(DataConfig(source="jets", path=where), path))
    cached = path.parent.name == "download"  # a scikit-learn cache file named by its OpenML file id
    if path.is_dir():
        found = _find_openml_cache(path)
        if found is None:
            raise DataError(
                f"no cached OpenML {OPENML_JETS_ID} ({OPENML_JETS_RELATION}) ARFF found in this folder",
                where=where,
                fix="point data.path at a scikit-learn data_home that fetched data_id=42468, or at the ARFF/CSV/parquet file",
            )
        path, where, cached = found, str(found), True  # a gzipped ARFF whatever its name
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix == ".gz" else path.suffix.lower()
    meta: dict = {}
    line_of = None
    try:
        if suffix in (".arff", ".arff.gz") or cached:
            gz = suffix.endswith(".gz") or cached
            with (gzip.open if gz else open)(path, "rb") as f:
                _, table, line_of = _read_arff(f, where=where, gz=gz)
            X, raw_y, names = _table_to_arrays(table, label_column, where=where, features=JET_FEATURES, line_of=line_of)
        elif suffix in (".csv", ".csv.gz", ".parquet"):
            X, raw_y, names, line_of = _read_table(path, label_column, features=JET_FEATURES)
            if suffix == ".parquet":
                import pyarrow.parquet as pq

                md = pq.read_schema(path).metadata or {}
                if b"flow" in md:
                    import json

                    meta = json.loads(md[b"flow"])
        elif suffix == ".npz":
            with np.load(path, allow_pickle=False) as z:
                named = "feature_names" in z.files
                names = [str(n) for n in z["feature_names"]] if named else list(JET_FEATURES)
                X, raw_y = z["X"].astype(np.float64), z[label_column] if label_column in z.files else z["y"]
            # columns are picked by name: without names (or with a wrong count) a 17- or 20-column X
            # had its first 16 columns taken as the jet features, and a 15-column one a traceback
            if X.ndim != 2 or X.shape[1] != len(names):
                given = "its feature_names" if named else "the 16 jet features (no feature_names array)"
                raise DataError(f"X has shape {X.shape} but {given} name {len(names)} columns", where=where,
                                fix=f"save X as rows x features with a feature_names array naming each column, or X with "
                                    f"exactly the columns {list(JET_FEATURES)} in that order")
        else:
            raise DataError(f"unsupported jet file type {suffix!r}", where=where, fix="use the OpenML ARFF, a CSV/parquet with the 16 features and 'class', or `flow data jets` output")
    except DataError:
        raise
    except (OSError, EOFError, KeyError, ValueError, gzip.BadGzipFile, zipfile.BadZipFile) as exc:
        raise DataError(f"cannot read the jet file ({type(exc).__name__}: {exc})", where=where, fix="the file is corrupt; re-create it") from None
    missing = [f for f in JET_FEATURES if f not in names]
    if missing:
        raise DataError(f"jet file lacks the features {missing}", where=where, fix=f"the jet schema (OpenML {OPENML_JETS_ID}) has {list(JET_FEATURES)} and a 'class' column")
    order = [names.index(f) for f in JET_FEATURES]
    X = X[:, order]
    labels = np.char.lower(np.char.strip(np.asarray(raw_y).astype(str), "'\" "))
    unknown = sorted(set(np.unique(labels)) - set(JET_CLASSES))
    if unknown:
        first = int(np.flatnonzero(~np.isin(labels, JET_CLASSES))[0])
        raise DataError(f"unknown jet classes {unknown[:10]} (first at {_at(first, line_of)})", where=where,
                        fix=f"classes must be {list(JET_CLASSES)}" + ("; '?' is a missing value in ARFF: drop those rows" if "?" in unknown else ""))
    present = [c for c in JET_CLASSES if c in set(labels)]
    y = np.array([present.index(c) for c in labels], dtype=np.int64) if len(labels) < 1000 else _fast_index(labels, present)
    return Dataset(X.astype(np.float64), y, present, list(JET_FEATURES), f"jets {path.name}", meta, line_of=line_of)


def _fast_index(labels: np.ndarray, classes: list[str]) -> np.ndarray:
    y = np.full(labels.shape, -1, dtype=np.int64)
    for i, c in enumerate(classes):
        y[labels == c] = i
    return y


# --------------------------------------------------------------------------------------------
# Split
# --------------------------------------------------------------------------------------------


def make_split(ds: Dataset, cfg: FlowConfig) -> Split:
    """Seeded stratified train/val/test split; standardization fitted on the training rows only."""
    from sklearn.model_selection import train_test_split

    d = cfg.data
    idx = np.arange(len(ds.y))
    trval, test = train_test_split(idx, test_size=d.test_fraction, random_state=cfg.seed, stratify=ds.y)
    if d.val_fraction > 0:
        val_share = d.val_fraction / (1 - d.test_fraction)
        try:
            train, val = train_test_split(trval, test_size=val_share, random_state=cfg.seed, stratify=ds.y[trval])
        except ValueError as exc:
            # a small class can pass the size check yet keep a single row after the test split
            counts = np.bincount(ds.y[trval], minlength=len(ds.classes))
            small = int(np.argmin(counts))
            raise DataError(f"after the test split, class {ds.classes[small]!r} keeps {counts[small]} row(s) for the "
                            f"training and validation splits ({exc})", where=f"{cfg.source_path}: data.val_fraction",
                            fix="add rows of that class, lower data.test_fraction, or set data.val_fraction: 0") from None
    else:
        train, val = trval, trval[:0]
    # fitted and applied in float64; only the standardized features are cast to float32 (the model's
    # dtype), and mean/std stay float64 in split.npz so a deployment can repeat the transform exactly
    X = ds.X.astype(np.float64, copy=False)
    if d.standardize:
        mean = X[train].mean(axis=0)
        std = X[train].std(axis=0)
        std[std == 0] = 1.0
    else:
        mean, std = np.zeros(X.shape[1]), np.ones(X.shape[1])
    Xs = ((X - mean) / std).astype(np.float32)
    if not d.standardize:
        _warn_float32_merges(X[train], Xs[train], ds.feature_names)
    return Split(
        X_train=Xs[train], y_train=ds.y[train], X_val=Xs[val], y_val=ds.y[val], X_test=Xs[test], y_test=ds.y[test],
        classes=ds.classes, feature_names=ds.feature_names, mean=mean, std=std,
    )  # fmt: skip


def _warn_float32_merges(X: np.ndarray, X32: np.ndarray, names: list[str]) -> None:
    """Without standardization the model sees the features as float32: say when that cast makes
    distinct training values equal (a large offset with a small spread), which would lose information."""
    for j in range(X.shape[1]):
        col = X[:, j]
        if np.array_equal(X32[:, j].astype(np.float64), col):  # exact: nothing merged (the usual case)
            continue
        n64, n32 = np.unique(col).size, np.unique(X32[:, j]).size
        if n32 < n64:
            name = names[j] if j < len(names) else f"column {j}"
            log.warning("data.standardize is false and feature %r has %d distinct training values but %d after the "
                        "cast to float32 the model uses; set data.standardize: true (fitted in float64), or "
                        "subtract the offset before exporting", name, n64, n32)
