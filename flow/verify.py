"""Bring your own model: `flow verify` and `flow estimate` on a saved QKeras .h5, no config needed."""

from __future__ import annotations

import logging
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from flow.artifacts import check_writable, replace_dir, write_json
from flow.config import HlsConfig
from flow.design import FixedType, parse_ap_type
from flow.errors import ConfigError, DataError, ModelError

log = logging.getLogger(__name__)

def parse_input_type(text: str | None) -> FixedType | None:
    """`fixed<W,I>` / `ufixed<W,I>`, or ap_fixed's spelling (`ap_fixed<W,I>`, `ap_int<W>`), -> FixedType,
    rounded half-to-even and saturated like QKeras: the modes the flow quantizes inputs with, so a type
    that spells them (`fixed<16,6,RND_CONV,SAT>`, as the flow prints it) may name only those."""
    if text is None:
        return None
    s = re.sub(r"\s+", "", text)
    t = parse_ap_type("ap_" + s if re.match(r"u?(fixed|int)<", s) else s)
    if t is None:
        raise ConfigError(f"--input-type {text!r} is not a fixed-point type", where="--input-type",
                          fix="write e.g. 'fixed<16,6>' (width, integer bits incl. sign), 'ufixed<8,3>' or 'ap_fixed<16,6>'")
    if not 0 < t.width <= 24:
        raise ConfigError(f"--input-type width {t.width} must be 1..24 (inputs travel as float32)", where="--input-type", fix="use a width of at most 24 bits")
    if s.count(",") >= 2 and (t.rounding, t.saturation) != ("RND_CONV", "SAT"):
        raise ConfigError(f"--input-type {text!r}: the flow rounds inputs half-to-even and saturates them (RND_CONV, SAT), "
                          f"as QKeras does, not {t.rounding}, {t.saturation}", where="--input-type",
                          fix=f"leave the modes out ('{FixedType(t.width, t.integer, t.signed).hls()}') or write RND_CONV,SAT")
    return FixedType(t.width, t.integer, t.signed, "RND_CONV", "SAT")


def _load_user_model(path: Path):
    from flow.model import load_model

    if not path.is_file():
        raise ModelError(f"model file {str(path)!r} does not exist", where=str(path), fix="pass a QKeras model saved with model.save('model.h5')")
    try:
        model = load_model(path)
    except (OSError, ValueError, TypeError, KeyError) as exc:
        msg = str(exc).splitlines()[0][:300]
        fix = "save it with model.save('model.h5') from TensorFlow 2.14 / QKeras 0.9, and use only supported layers (see docs/verify.md)"
        if "PruneLowMagnitude" in str(exc):
            fix = "save the model without its pruning wrappers: model = tfmot.sparsity.keras.strip_pruning(model) before model.save"
        raise ModelError(f"cannot load the model ({type(exc).__name__}: {msg})", where=str(path), fix=fix) from None
    from flow.model import as_functional

    if any(type(layer).__name__ == "PruneLowMagnitude" for layer in model.layers):
        import tensorflow_model_optimization as tfmot

        log.warning("%s: the model was saved with its pruning wrappers; using tfmot's strip_pruning of it "
                    "(the deployed, masked weights)", path)
        model = tfmot.sparsity.keras.strip_pruning(model)
    return _without_trailing_dropout(as_functional(model))


def _without_trailing_dropout(model):
    """The model ending before a final Dropout (identity at inference). hls4ml removes such a
    layer and then writes a top function with no output argument, which g++ refuses -- reported
    as a compiler problem. A Dropout anywhere else is already skipped."""
    import tensorflow as tf

    while len(model.outputs) == 1:
        last = model.outputs[0].node.layer
        if type(last).__name__ != "Dropout":
            break
        log.info("the model ends in Dropout %r (identity at inference): verified and priced without it", last.name)
        model = tf.keras.Model(model.inputs, last.input, name=model.name)
    return model


_INPUTS_FIX = ("pass a .npy float array (rows x features): numpy.save('X.npy', X), an .npz holding it as X, or a .csv of "
               "the feature columns")
_LABELS_FIX = ("pass a .npy array of class labels, one per row (numpy.save('y.npy', y), integer class indices), or a .csv "
               "with one column of them")


def _require_file(path: Path, *, what: str, fix: str) -> None:
    """A DataError naming the path when it is not a readable file (missing, or a folder)."""
    if path.is_dir():
        raise DataError(f"{what} path {str(path)!r} is a folder, not a file", where=str(path), fix=fix)
    if not path.is_file():
        raise DataError(f"{what} file {str(path)!r} does not exist", where=str(path), fix=fix)


def _read_array(path: Path, key: str, *, what: str, fix: str) -> np.ndarray:
    """The array in a .npy file, or the `key` array of an .npz (or its only array); a DataError naming
    the file when it is missing, unreadable (pickled objects included) or an .npz of several arrays
    none of which is `key` (the first was taken: the `mean` of the flow's split.npz became one row)."""
    _require_file(path, what=what, fix=fix)
    try:
        loaded = np.load(path, allow_pickle=False)  # .npz by content, whatever the suffix's case
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            return np.asarray(loaded)
        with loaded as z:
            if key not in z.files and len(z.files) != 1:
                split = (" (the flow's data/split.npz: numpy.save('X.npy', numpy.load(path)['X_test']) and 'y.npy' from "
                         "'y_test')" if "X_test" in z.files else "")
                raise DataError(f"the .npz holds the arrays {z.files} but none named {key!r}", where=str(path),
                                fix=f"save the {what} as {key} (numpy.savez(path, {key}=...)) or alone in a .npy{split}")
            return np.asarray(z[key if key in z.files else z.files[0]])
    except DataError:
        raise
    except (OSError, ValueError, EOFError, KeyError, IndexError, zipfile.BadZipFile) as exc:
        if "Object arrays cannot be loaded" in str(exc):
            raise DataError(f"cannot read the {what}: the array has dtype object (Python objects, e.g. from a pandas "
                            "DataFrame), which needs pickle", where=str(path),
                            fix="save a numeric array, e.g. numpy.save(path, df.to_numpy(dtype='float64'))") from None
        if "pickled data" in str(exc):  # numpy's words for a file that is neither .npy nor .npz
            raise DataError(f"cannot read the {what}: {path.name} is not a NumPy .npy/.npz file", where=str(path), fix=fix) from None
        raise DataError(f"cannot read the {what} ({type(exc).__name__}: {exc})", where=str(path), fix=fix) from None


@dataclass
class _Inputs:
    """--data as read: the array, and how to name a place in it (a CSV's line and column name)."""

    X: np.ndarray
    path: Path
    names: list[str] | None = None
    line_of: Callable[[int], int] | None = None

    def at(self, index: tuple[int, ...]) -> str:
        """Where element `index` is: a CSV's line and column (named by its header, else counted from 1),
        an array's 0-based row and column."""
        if self.line_of is not None:
            column = repr(self.names[index[1]]) if self.names else str(index[1] + 1)
            return f"line {self.line_of(index[0])}, column {column}"
        if len(index) <= 1:
            return f"element {index[0]}" if index else "the array's single value"
        return f"row {index[0]}, " + (f"column {index[1]}" if len(index) == 2 else f"index {index[1:]}")


def _read_inputs(path: Path) -> _Inputs:
    """--data before the model is loaded: a .npy, the X array of an .npz, or a .csv of the feature
    columns, refused with the file and the fix when its values would be misread: not numbers,
    NaN/inf, or beyond float32's range (the model's dtype: they became inf)."""
    from flow.data import float32_finite, is_csv, read_feature_csv

    if is_csv(path):
        _require_file(path, what="inputs", fix=_INPUTS_FIX)
        X, names, line_of = read_feature_csv(path)
        inputs = _Inputs(X, path, names, line_of)
    else:
        inputs = _Inputs(_read_array(path, "X", what="inputs", fix=_INPUTS_FIX), path)
    X, where = inputs.X, str(path)
    kinds = {"c": "complex numbers", "U": "text", "S": "bytes", "V": "a structured array of named fields", "M": "dates",
             "m": "time spans", "O": "Python objects"}
    if X.dtype.kind not in "fiub":
        fix = {"U": "if the text holds numbers, save X.astype('float64')",
               "S": "if the bytes hold numbers, save X.astype('float64')",
               "V": "save numpy.lib.recfunctions.structured_to_unstructured(X), one column per field"}.get(X.dtype.kind, _INPUTS_FIX)
        raise DataError(f"inputs have dtype {X.dtype} ({kinds.get(X.dtype.kind, 'not numbers')}), not numbers", where=where, fix=fix)
    if X.dtype.kind == "f":
        ok = float32_finite(X)
        if not ok.all():
            first = tuple(int(i) for i in np.argwhere(~ok)[0])
            raise DataError(f"{int((~ok).sum())} input values are NaN, infinite or beyond float32's range (~3.4e38, which the "
                            f"model reads as infinite); first: {inputs.at(first)} holds {X[first]!r}", where=where,
                            fix="drop or impute those rows (C-simulation needs a finite value for every input)")
    return inputs


def _read_labels(path: Path) -> np.ndarray:
    """--labels before the model is loaded: class indices (integers, integral floats or one-hot rows), one per row."""
    path = Path(path)
    from flow.data import is_csv, read_feature_csv

    if is_csv(path):  # one column of class indices (or one-hot columns), header optional
        _require_file(path, what="labels", fix=_LABELS_FIX)
        y = read_feature_csv(path)[0]
        if not np.all(np.isfinite(y)):
            raise DataError("labels hold empty or NaN values", where=str(path), fix="give every row its class index")
    else:
        y = _read_array(path, "y", what="labels", fix=_LABELS_FIX)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim == 2 and y.dtype.kind in "biuf" and np.isin(y, (0, 1)).all() and (y.sum(axis=1) == 1).all():
        y = np.argmax(y, axis=1)  # one-hot rows
    elif y.ndim != 1:
        raise DataError(f"labels have shape {y.shape}: not one class index per row" + (" (nor one-hot rows)" if y.ndim == 2 else ""),
                        where=str(path), fix="save the class index of each row, e.g. numpy.argmax(one_hot, axis=1)")
    if y.dtype.kind not in "iub" and not (y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y))):
        raise DataError(f"labels must be integer class indices (got dtype {y.dtype})", where=str(path),
                        fix="save the class index of each row, e.g. numpy.argmax(one_hot, axis=1)")
    return y


def _check_labels(y: np.ndarray, rows: int, n_outputs: int, path: Path) -> np.ndarray:
    """Labels that can be compared with the model's decisions, as int64: one per row, each an output
    index (0 or 1 for a single output). A label no decision can equal (7 for 5 outputs, -1, a uint64
    that wrapped to a negative int64) only lowered the reported accuracy, without a word."""
    if len(y) != rows:
        raise DataError(f"label/feature shape mismatch: {len(y)} labels for {rows} rows", where=str(path), fix="give one label per input row")
    n_classes = max(n_outputs, 2)
    bad = np.flatnonzero((y < 0) | (y >= n_classes))
    if bad.size:
        of = f"the model's {n_outputs} outputs" if n_outputs > 1 else "the decision of the model's single output"
        raise DataError(f"{bad.size} labels are not class indices 0..{n_classes - 1} ({of}); first: row {int(bad[0])} holds "
                        f"{y[bad[0]].item()!r}", where=str(path), fix="give each row the index of its class among the model's outputs")
    return y.astype(np.int64)


def _decisions(out: np.ndarray, plan) -> np.ndarray:
    """The class each output row decides: argmax over several outputs; for a single output, 1 when it
    is above the activation's cut (sigmoid 0.5; tanh and a linear logit 0), as the C-simulation
    report's decision agreement counts it."""
    from flow.csim import DECISION_CUTS

    out = np.asarray(out).reshape(len(out), -1)
    if out.shape[1] > 1:
        return np.argmax(out, axis=1)
    last = plan.nodes[-1].function if plan.nodes else ""
    # QKeras' quantized_sigmoid / quantized_tanh are hls4ml's hard_sigmoid / hard_tanh: the same cut
    return (out[:, 0] > DECISION_CUTS.get(last.removeprefix("hard_"), 0.0)).astype(np.int64)


def _shape_inputs(inputs: _Inputs, shape: tuple[int, ...]) -> np.ndarray:
    """Rows of the model's input `shape`: (rows, *shape), or rows flattened to prod(shape) features
    (C order), as float32 (the model's dtype: Keras casts float64 inputs the same way)."""
    n_features = int(np.prod(shape))
    want = f"(rows, {n_features})" if len(shape) == 1 else f"(rows, {', '.join(map(str, shape))}) or (rows, {n_features})"
    X, path = inputs.X, inputs.path
    if inputs.line_of is not None and X.shape[1] != n_features:
        columns = f" {inputs.names}" if inputs.names and len(inputs.names) <= 20 else ""
        raise DataError(f"the file has {X.shape[1]} columns{columns} but the model takes {n_features} features per row",
                        where=str(path), fix="keep only the model's input features, in the order it was trained on (drop a "
                                              "label, weight or index column)")
    if X.ndim == 1 and X.size != n_features:
        raise DataError(f"inputs are a 1-D array of {X.size} values but the model takes {n_features} features per row", where=str(path),
                        fix=f"save them as rows x features, e.g. X.reshape(-1, {n_features})")
    if X.ndim == 1:
        X = X.reshape(1, -1)
    if X.ndim >= 2 and X.shape[0] == 0:
        raise DataError("the inputs have no rows", where=str(path), fix="give at least one row to C-simulate")
    if X.ndim > 2:
        if tuple(X.shape[1:]) != tuple(shape):
            raise DataError(f"inputs have shape {X.shape} but the model takes rows of shape {tuple(shape)}", where=str(path),
                            fix=f"give an array of shape {want}")
        X = X.reshape(len(X), -1)
    if X.ndim != 2 or X.shape[1] != n_features:
        raise DataError(f"inputs have shape {X.shape} but the model takes {n_features} features per row", where=str(path), fix=f"give an array of shape {want}")
    return X.astype(np.float32).reshape((len(X),) + tuple(shape))


#: the CLI option behind each HlsConfig field `flow verify/estimate` set: the CLI reads its options
#: through it, and errors about a command-line value name the option
HLS_OPTIONS = {"backend": "--backend", "part": "--part", "clock_period_ns": "--clock-period",
               "clock_uncertainty": "--clock-uncertainty", "io_type": "--io-type",
               "strategy": "--strategy", "reuse_factor": "--reuse-factor",
               "softmax_implementation": "--softmax-implementation"}


def _hls_config(hls_options: dict | None, command: str) -> HlsConfig:
    """HlsConfig from command-line values of `flow <command>`; a bad one is a ConfigError naming its option,
    not a traceback."""
    from pydantic import ValidationError

    try:
        # an option left unset takes the config's default
        return HlsConfig(**{k: v for k, v in (hls_options or {}).items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        option = HLS_OPTIONS.get(field, field)
        if option == "--part":
            fix = (f"give a full FPGA part name to `flow {command} --part`, e.g. {HlsConfig().part}"
                   + ("; the parts with known totals are in flow/parts.py (docs/resources.md)" if command == "estimate" else ""))
        else:
            fix = f"give a valid {option} to `flow {command}` (`flow {command} --help` describes it)"
        raise ConfigError(f"{first.get('input')!r}: {first['msg'].removeprefix('Value error, ')}", where=option, fix=fix) from None


def verify(*, model_path: Path, data_path: Path, out_dir: Path, labels_path: Path | None = None, input_type: str | None = None, hls_options: dict | None = None, progress: bool = True) -> dict:
    """Convert, C-simulate and compare; writes out_dir/report.json and the project in out_dir/hls_project."""
    from flow import csim
    from flow.hls import convert, hls_config, plan_model, retarget_project
    from flow.stages.convert import plan_summary

    hls_cfg = _hls_config(hls_options, "verify")
    declared = parse_input_type(input_type)
    check_writable(out_dir, what="--out")
    # the files first: a bad one is named in a second, not after TensorFlow and the model have loaded
    inputs = _read_inputs(data_path)
    labels = _read_labels(labels_path) if labels_path is not None else None
    csim.require_compiler()
    model = _load_user_model(model_path)
    plan = plan_model(model, hls_cfg=hls_cfg, input_type=declared, name=str(model_path))
    X = _shape_inputs(inputs, tuple(int(d) for d in model.input_shape[1:]))
    y = None
    if labels is not None:
        y = _check_labels(labels, len(X), int(np.prod(model.outputs[0].shape[1:])), labels_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    partial = out_dir / ".hls_project.partial"
    if partial.exists():
        shutil.rmtree(partial)
    hls_model = convert(model, hls_config(model, plan, hls_cfg, trace=True), hls_cfg, partial, plan=plan)
    report, hls_out = csim.run(hls_model, model, plan, X, progress=progress)
    retarget_project(partial, out_dir / "hls_project")
    replace_dir(partial, out_dir / "hls_project")
    result = {
        "model": str(model_path),
        "data": str(data_path),
        "bit_exact": report.to_dict(),
        **plan_summary(plan),
        "hls": hls_cfg.model_dump(),
    }
    if y is not None:
        result["accuracy"] = {"csim": float(np.mean(_decisions(hls_out, plan) == y))}
    write_json(out_dir / "report.json", result)
    return result


def estimate_model(*, model_path: Path, out_dir: Path | None, input_type: str | None = None, hls_options: dict | None = None) -> dict:
    """Resource estimate of a saved QKeras model: no compile, no vendor tool."""
    from flow.design import HLS4ML_DEFAULT_PRECISION
    from flow.hls import plan_model
    from flow.parts import board_part, lookup_part

    options = dict(hls_options or {})
    # an estimate may name a board (nothing is written for it); a project needs the part itself
    options["part"] = board_part(options.get("part") or "") or options.get("part")
    hls_cfg = _hls_config(options, "estimate")
    lookup_part(hls_cfg.part, where="--part")
    declared = parse_input_type(input_type)
    if out_dir is not None:
        check_writable(out_dir, what="--out")
    model = _load_user_model(model_path)
    plan = plan_model(model, hls_cfg=hls_cfg, input_type=declared, name=str(model_path), float_precision=HLS4ML_DEFAULT_PRECISION)
    return _estimate_and_write(plan.design, out_dir, notes=plan.warnings)


def estimate_project(*, project_dir: Path, out_dir: Path | None, part: str | None = None,
                     clock_period_ns: float | None = None, clock_uncertainty: str | None = None,
                     backend: str | None = None) -> dict:
    """Resource estimate of an existing hls4ml project directory, from its firmware (weights included).

    Part, clock and backend come from the project (hls4ml_config.yml / project.tcl / build_prj.tcl)
    unless given; `backend` names the backend of a project that names none, or (Vitis) retargets a
    project written for hls4ml's Vivado backend to Vitis HLS. No TensorFlow, no hls4ml, no compile.
    """
    from flow.hls_project import WRITTEN_BY_VITIS, design_from_project
    from flow.parts import board_part, lookup_part

    if clock_period_ns is not None and not clock_period_ns > 0:
        raise ConfigError(f"--clock-period {clock_period_ns} must be a positive number of ns", where="--clock-period",
                          fix="give the clock period in ns, or leave it out to use the project's own")
    if part is not None:
        part = board_part(part) or part  # a board names the part on it, as for a saved model
        lookup_part(part, where="--part")
    if out_dir is not None:
        check_writable(out_dir, what="--out")
    design = design_from_project(project_dir, part=part, clock_period_ns=clock_period_ns, clock_uncertainty=clock_uncertainty,
                                 backend=backend)
    notes = []
    if design.extra.get("clock_defaulted"):
        notes.append(f"the project does not give its clock period (no hls4ml_config.yml, Tcl script or C-synthesis "
                     f"report saying it): priced at hls4ml's default {design.clock_period_ns:g} ns; pass --clock-period "
                     "if it was built at another")
    if design.extra.get("settings_report"):
        notes.append(design.extra["settings_report"])
    if str(design.extra.get("backend_source")).endswith(WRITTEN_BY_VITIS):
        notes.append(f"priced for Vitis HLS: nothing in the project names hls4ml's backend, and its "
                     f"{design.extra['backend_source']} shows the tool that built it")
    evidence = design.extra.get("built_with_vitis_hls")
    if design.extra.get("retargeted_from"):
        notes.append(f"priced for Vitis HLS as --backend asks; the project was written for {design.extra['retargeted_from']}")
    elif design.extra.get("backend_source") is None:
        # Vitis HLS schedules and sizes differently (clock uncertainty, LUT counts, DSP mapping)
        notes.append("the project does not name its backend (no hls4ml_config.yml or project.tcl saying so): priced "
                     "as Vivado HLS; pass --backend Vitis if it is built with Vitis HLS"
                     + (f" (its {evidence} says it was)" if evidence else ""))
    elif evidence and design.backend.lower().startswith("vivado"):
        notes.append(f"priced for Vivado HLS (the project's backend), but its {evidence} shows it was synthesized with "
                     "Vitis HLS: pass --backend Vitis to price that tool")
    return _estimate_and_write(design, out_dir, notes)


def _estimate_and_write(design, out_dir: Path | None, notes: list[str] | None = None) -> dict:
    """Estimate `design`; with an output directory also write resources.json and the plot."""
    from flow.resources import estimate, plot_resources

    est = estimate(design)
    est.warnings[:0] = notes or []
    result = est.to_dict()
    if out_dir is not None:
        write_json(out_dir / "resources.json", result)
        plot_resources(est, out_dir / "resources.png")
    return result
