"""Bad input through the CLI: one paragraph, exit 1, no traceback, nothing produced."""

from __future__ import annotations

import numpy as np
import pytest

from flow.cli import main

from .conftest import tiny_config


def _run(argv, capsys):
    rc = main(argv)
    err = capsys.readouterr().err
    return rc, err


def test_missing_data_file_fails_before_work(tmp_path, write_cfg, capsys):
    cfg = tiny_config(data={"source": "arrays", "path": "nope.npz"})
    path = write_cfg(cfg)
    rc, err = _run(["run", str(path), "--out", str(tmp_path / "run")], capsys)
    assert rc == 1 and "data.path" in err and "nope.npz" in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()


def test_jets_config_without_file_says_how_to_get_it(tmp_path, write_cfg, capsys):
    cfg = tiny_config(data={"source": "jets", "path": "jets.parquet"})
    rc, err = _run(["run", str(write_cfg(cfg)), "--out", str(tmp_path / "run")], capsys)
    assert rc == 1 and "flow data jets" in err and "fetch_openml" in err
    # the command writes the file the config reads (resolved from the config's folder), not a
    # jets.parquet in the current folder that the run would still not find
    assert f"--out {tmp_path / 'jets.parquet'}`" in err, err


def test_unwritable_output_directory(tmp_path, write_cfg, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    rc, err = _run(["run", str(write_cfg(tiny_config())), "--out", str(blocker / "run")], capsys)
    assert rc == 1 and "output directory" in err and "cannot be created" in err and "is a file" in err and "--out" in err
    rc, err = _run(["run", str(write_cfg(tiny_config())), "--out", str(blocker)], capsys)
    assert rc == 1 and "is a file, not a folder" in err and blocker.read_text() == "x"


def test_unknown_part_fails_before_training(tmp_path, write_cfg, capsys):
    cfg = tiny_config(hls={"part": "xc9zz999"})
    rc, err = _run(["run", str(write_cfg(cfg)), "--out", str(tmp_path / "run")], capsys)
    assert rc == 1 and "xc9zz999" in err and "Traceback" not in err
    assert not (tmp_path / "run" / "train").exists()


def test_gpp_missing(tmp_path, write_cfg, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    rc, err = _run(["run", str(write_cfg(tiny_config())), "--out", str(tmp_path / "run")], capsys)
    assert rc == 1 and "g++ not found" in err and "apt-get install g++" in err
    assert not (tmp_path / "run").exists()


def test_bad_stage_name(tmp_path, write_cfg, capsys):
    rc, err = _run(["run", str(write_cfg(tiny_config())), "--out", str(tmp_path / "r"), "--from", "trian"], capsys)
    assert rc == 1 and "'trian' is not a stage" in err


def test_verify_bad_inputs(tmp_path, capsys):
    np.save(tmp_path / "X.npy", np.zeros((4, 3), dtype=np.float32))
    rc, err = _run(["verify", str(tmp_path / "missing.h5"), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o")], capsys)
    assert rc == 1 and "does not exist" in err and "Traceback" not in err
    (tmp_path / "corrupt.h5").write_bytes(b"not hdf5")
    rc, err = _run(["verify", str(tmp_path / "corrupt.h5"), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o")], capsys)
    assert rc == 1 and "cannot load the model" in err
    rc, err = _run(["verify", str(tmp_path / "corrupt.h5"), "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o"), "--input-type", "float"], capsys)
    assert rc == 1 and "--input-type" in err and "fixed<16,6>" in err


def test_bad_hls_option_values_are_named_not_tracebacks(tmp_path, capsys):
    """--reuse-factor 0, --clock-period 0 or a board as --part used to end in a pydantic traceback
    (or, for --clock-period 0, a silent 5 ns); they are checked before the model is read."""
    np.save(tmp_path / "X.npy", np.zeros((4, 3), dtype=np.float32))
    model = str(tmp_path / "never_read.h5")
    for cmd in (["estimate", model], ["verify", model, "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o")]):
        for option, value, expect in (("--reuse-factor", "0", "greater than 0"), ("--clock-period", "0", "greater than 0"),
                                      ("--clock-uncertainty", "9", "below the 5.0 ns period")):
            rc, err = _run(cmd + [option, value], capsys)
            assert rc == 1 and err.startswith(f"error: {option}: ") and expect in err and "Fix:" in err, err
            assert "Traceback" not in err
    # a board names the part to use for a project; an estimate just prices its part
    rc, err = _run(["verify", model, "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o"), "--part", "pynq-z2"], capsys)
    assert rc == 1 and "--part" in err and "xc7z020clg400-1" in err
    rc, err = _run(["estimate", model, "--part", "pynq-z2"], capsys)
    assert rc == 1 and "does not exist" in err  # past the part check, at the missing model


def test_a_command_line_argparse_rejects_is_a_user_error_exit_1(capsys):
    """argparse exits 2 on its own; the flow's main(argv) returns 1 for every user error, naming
    the option and the value, with the usage line (an unknown command, a bad number, a bad choice)."""
    for argv, words in ((["estimate", "m.h5", "--clock-period", "abc"], ("--clock-period", "abc")),
                        (["nosuch"], ("nosuch", "choose from")),
                        (["estimate", "m.h5", "--io-type", "io_serial"], ("--io-type", "io_serial"))):
        rc, err = _run(argv, capsys)
        assert rc == 1 and "usage: flow" in err and all(w in err for w in words), (argv, err)


def test_bad_data_contents_leave_no_run_folder(tmp_path, write_cfg, capsys):
    """Data whose contents are wrong (NaN features) fail in the data stage, seconds in; a run
    folder this command created is removed again (it held only an empty state.json)."""
    X = np.random.default_rng(0).normal(size=(60, 4)).astype(np.float32)
    X[3, 1] = np.nan
    np.savez(tmp_path / "d.npz", X=X, y=np.arange(60) % 3)
    cfg = tiny_config(data={"source": "arrays", "path": str(tmp_path / "d.npz")})
    cfg["model"]["layers"][-1]["units"] = 3
    rc, err = _run(["run", str(write_cfg(cfg)), "--out", str(tmp_path / "run")], capsys)
    assert rc == 1 and "NaN" in err and "Traceback" not in err, err
    assert not (tmp_path / "run").exists()


def test_an_output_folder_nothing_can_be_created_in_is_refused_before_work(tmp_path, write_cfg, capsys):
    """os.access says yes to root for /proc; the check writes to find out (it was a traceback at convert)."""
    cfg = tiny_config()
    cfg["hls"] = {"project_dir": "/proc/no_such_dir/x"}
    rc, err = _run(["run", str(write_cfg(cfg)), "--out", str(tmp_path / "run")], capsys)
    assert rc == 1 and "hls.project_dir" in err and "cannot be written" in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()


def test_from_after_to_is_refused(tmp_path, write_cfg, capsys):
    rc, err = _run(["run", str(write_cfg(tiny_config())), "--out", str(tmp_path / "run"), "--from", "report", "--to", "data"], capsys)
    assert rc == 1 and "--from report comes after --to data" in err and not (tmp_path / "run").exists()


def test_distributed_arithmetic_without_da4ml_fails_before_training(tmp_path, write_cfg, capsys, monkeypatch):
    """It was found only at convert, after training."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "da4ml" else real(name, *a))
    cfg = tiny_config()
    cfg["hls"] = {"strategy": "distributed_arithmetic"}
    rc, err = _run(["run", str(write_cfg(cfg)), "--out", str(tmp_path / "run")], capsys)
    assert rc == 1 and "hls.strategy" in err and "da4ml" in err and "pip install" in err
    assert not (tmp_path / "run").exists()


def test_inputs_too_large_for_the_input_quantizer_are_refused_in_the_data_stage(tmp_path, write_cfg, capsys):
    """Unstandardized features of ~4e6 stopped the run at csim, after training; now the data stage
    refuses them, naming data.standardize, and nothing is trained."""
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "d.npz", X=(rng.normal(size=(60, 4)) * 4e6).astype(np.float32), y=np.arange(60) % 3)
    cfg = tiny_config(data={"source": "arrays", "path": str(tmp_path / "d.npz"), "standardize": False})
    cfg["model"]["layers"][-1]["units"] = 3
    rc, err = _run(["run", str(write_cfg(cfg)), "--out", str(tmp_path / "run")], capsys)
    assert rc == 1 and "too large for QKeras' float32 input quantizer" in err and "data.standardize" in err, err
    assert "Traceback" not in err and not (tmp_path / "run" / "train").exists()


def test_the_data_stage_input_check_agrees_with_qkeras():
    """The numpy float32 emulation refuses exactly the inputs whose QKeras-quantized values are off
    the grid (the check csim makes on QKeras' own output)."""
    import tensorflow as tf  # noqa: F401  (QKeras needs it)
    from flow.config import Quantizer
    from flow.errors import DataError
    from flow.quant import fixed_type, make_qkeras
    from flow.stages.data import _check_input_range

    from flow.config import FlowConfig

    rng = np.random.default_rng(1)
    fc = FlowConfig.model_validate(tiny_config())
    for q in (Quantizer(bits=8, integer=3), Quantizer(bits=6, integer=2), Quantizer(type="quantized_relu", bits=6, integer=2)):
        t = fixed_type(q)
        for scale in (1.0, 1e3, 1e5, 3e5, 1e6, 4e6, 1e8):
            X = (rng.normal(size=(32, 4)) * scale).astype(np.float32)
            off_grid = not t.represents(np.asarray(make_qkeras(q)(X).numpy(), dtype=np.float32))
            try:
                _check_input_range(X, t, fc)
                refused = False
            except DataError:
                refused = True
            assert refused == off_grid, (q, scale, refused, off_grid)


def test_estimate_takes_the_spellings_hls4ml_and_the_flow_print(tmp_path, capsys):
    """--input-type ap_fixed<8,3> and fixed<16,6,RND_CONV,SAT> (as the flow's own warning prints the
    default) were refused; --strategy resource (lower case) too; --clock-period nan was reported as
    'less than or equal to 1000'. Each now reaches the model (here: a missing file) or says what is wrong."""
    from flow.design import FixedType
    from flow.verify import parse_input_type

    assert parse_input_type("ap_fixed<8,3>") == parse_input_type("fixed<8,3>") == FixedType(8, 3, True, "RND_CONV", "SAT")
    assert parse_input_type("fixed<16,6,RND_CONV,SAT>") == parse_input_type("ap_fixed<16,6,AP_RND_CONV,AP_SAT>")
    assert parse_input_type("ap_ufixed<8,0>") == FixedType(8, 0, False, "RND_CONV", "SAT")
    model = str(tmp_path / "never_read.h5")
    for extra in (["--input-type", "ap_fixed<8,3>"], ["--input-type", "fixed<16,6,RND_CONV,SAT>"], ["--strategy", "resource"],
                  ["--io-type", "IO_STREAM"], ["--backend", "vitis"]):
        rc, err = _run(["estimate", model, *extra], capsys)
        assert rc == 1 and "does not exist" in err and "usage" not in err, (extra, err)
    rc, err = _run(["estimate", model, "--input-type", "ap_fixed<8,3,AP_RND,AP_SAT>"], capsys)
    assert rc == 1 and err.startswith("error: --input-type") and "RND_CONV" in err and "Fix:" in err, err
    for value in ("nan", "inf"):
        rc, err = _run(["estimate", model, "--clock-period", value], capsys)
        assert rc == 1 and "--clock-period" in err and f"'{value}' is not a number of ns" in err, err


def test_verify_data_that_would_be_misread_is_refused_before_the_model_loads(tmp_path, capsys):
    """`flow verify --data`: a float64 1e39 became inf in the cast to float32; an .npz without X gave
    its first array (split.npz's `mean` became one row of inputs); a .csv failed with numpy's
    'Cannot load file containing pickled data'; a text array was 'inputs must be finite numbers'.
    Each is named with the file and the fix, before the model is read (here it is not even a model)."""
    model = tmp_path / "not_read.h5"
    model.write_bytes(b"not hdf5")
    big = np.zeros((5, 10))
    big[3, 4] = 1e39
    np.save(tmp_path / "big.npy", big)
    nan = np.zeros((5, 10), dtype=np.float32)
    nan[2, 7] = np.nan
    np.save(tmp_path / "nan.npy", nan)
    np.savez(tmp_path / "split.npz", mean=np.zeros(10), std=np.ones(10), X_test=np.zeros((5, 10)), y_test=np.zeros(5))
    np.save(tmp_path / "text.npy", np.array([["1.5"] * 10] * 5))
    (tmp_path / "saved_as.npy").write_text("1,2,3\n")
    rows = "\n".join(",".join([str(i)] + ["0.5"] * 10) for i in range(5))
    (tmp_path / "index.csv").write_text("," + ",".join(f"f{j}" for j in range(10)) + "\n" + rows + "\n")
    (tmp_path / "gap.csv").write_text(",".join(f"f{j}" for j in range(10)) + "\n" + "0," * 9 + "0\n" + "0," * 5 + "," + "0," * 3 + "0\n")
    cases = {
        "big.npy": ["big.npy: 1 input values are NaN, infinite or beyond float32's range", "first: row 3, column 4 holds 1e+39"],
        "nan.npy": ["first: row 2, column 7 holds nan", "drop or impute those rows"],
        "split.npz": ["split.npz: the .npz holds the arrays ['mean', 'std', 'X_test', 'y_test'] but none named 'X'", "X_test"],
        "text.npy": ["inputs have dtype <U3 (text), not numbers", "X.astype('float64')"],
        "saved_as.npy": ["saved_as.npy: cannot read the inputs: saved_as.npy is not a NumPy .npy/.npz file", ".csv"],
        "index.csv": ["index.csv: column 1 of the header has no name; it holds the row numbers 0..n-1", "index=False"],
        "gap.csv": ["gap.csv: 1 input values are NaN", "first: line 3, column 'f5' holds nan"],
    }
    for name, pieces in cases.items():
        rc, err = _run(["verify", str(model), "--data", str(tmp_path / name), "--out", str(tmp_path / "o")], capsys)
        assert rc == 1 and "Traceback" not in err and "cannot load the model" not in err, (name, err)
        for piece in pieces:
            assert piece in err, (name, piece, err)
    np.save(tmp_path / "X.npy", np.zeros((5, 10), dtype=np.float32))
    np.save(tmp_path / "two.npy", np.array([[0, 1, 1]] * 5))
    rc, err = _run(["verify", str(model), "--data", str(tmp_path / "X.npy"), "--labels", str(tmp_path / "two.npy"), "--out", str(tmp_path / "o")], capsys)
    assert rc == 1 and "labels have shape (5, 3): not one class index per row (nor one-hot rows)" in err, err
    assert not (tmp_path / "o").exists()


def test_verify_data_and_labels_that_do_not_fit_the_model_are_refused_before_converting(tmp_path, capsys):
    """A CSV with a label column beside the features failed as 'pickled data'; labels outside the
    model's outputs (7 for 3 outputs, a uint64 2**63 that wrapped negative) were compared with the
    decisions anyway and only lowered the reported accuracy."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    x = inp = tf.keras.Input((10,), name="x_in")
    x = QDense(3, kernel_quantizer=quantized_bits(6, 0, alpha=1), bias_quantizer=quantized_bits(6, 0, alpha=1), name="d")(
        QActivation(quantized_bits(8, 3, alpha=1), name="q")(x))
    tf.keras.Model(inp, x).save(tmp_path / "m.h5", save_format="h5")
    X = np.random.default_rng(0).normal(size=(6, 10))
    header = ",".join([f"f{j}" for j in range(10)] + ["weight"])
    (tmp_path / "w.csv").write_text(header + "\n" + "\n".join(",".join(map(str, [*r, 1.0])) for r in X) + "\n")
    rc, err = _run(["verify", str(tmp_path / "m.h5"), "--data", str(tmp_path / "w.csv"), "--out", str(tmp_path / "o")], capsys)
    assert rc == 1 and "w.csv: the file has 11 columns ['f0', 'f1'" in err and "'weight'] but the model takes 10 features" in err, err
    np.save(tmp_path / "X.npy", X)
    for name, labels, piece in (("seven.npy", np.array([0, 1, 7, 2, 0, 1]), "row 2 holds 7"),
                                ("wrapped.npy", np.array([0, 2**63, 1, 2, 0, 1], dtype=np.uint64), "row 1 holds 9223372036854775808")):
        np.save(tmp_path / name, labels)
        rc, err = _run(["verify", str(tmp_path / "m.h5"), "--data", str(tmp_path / "X.npy"), "--labels", str(tmp_path / name),
                        "--out", str(tmp_path / "o")], capsys)
        assert rc == 1 and "1 labels are not class indices 0..2 (the model's 3 outputs)" in err and piece in err, (name, err)
    assert not (tmp_path / "o" / "report.json").exists()


def test_option_errors_name_the_command_and_the_option(tmp_path, capsys):
    """The fix of a bad HLS option read "give a valid --part (flow {verify,estimate} --help lists
    them)": literal braces, and --help lists no parts. An unknown --part on `flow estimate` was
    named `design.part`, a config field the command line does not have."""
    np.save(tmp_path / "X.npy", np.zeros((4, 3), dtype=np.float32))
    model = str(tmp_path / "never_read.h5")
    for cmd in (["estimate", model], ["verify", model, "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o")]):
        rc, err = _run(cmd + ["--reuse-factor", "0"], capsys)
        assert rc == 1 and f"to `flow {cmd[0]}` (`flow {cmd[0]} --help` describes it)" in err and "{" not in err, err
    rc, err = _run(["verify", model, "--data", str(tmp_path / "X.npy"), "--out", str(tmp_path / "o"), "--part", "pynq-z2"], capsys)
    assert rc == 1 and "Fix: give a full FPGA part name to `flow verify --part`, e.g. xcvu13p" in err and "{" not in err, err
    project = tmp_path / "prj"
    (project / "firmware").mkdir(parents=True)
    for target in (model, str(project)):  # a saved model and an hls4ml project
        rc, err = _run(["estimate", target, "--part", "xcfoo"], capsys)
        assert rc == 1 and err.startswith("error: --part: unknown FPGA part 'xcfoo'") and "design.part" not in err, err


def test_verify_says_bit_exact_once(tmp_path, capsys, monkeypatch):
    """An exact run printed "bit-exact: 100/100 rows; bit-exact; report ..." (the diagnosis is the word itself)."""
    import flow.verify

    def fake(*, out_dir, **kw):
        return {"bit_exact": {"exact": exact, "rows": 100, "exact_rows": 100 if exact else 97, "warnings": [],
                              "diagnosis": "bit-exact" if exact else "first differing layer 'd1': 3 of 1200 values differ"}}

    monkeypatch.setattr(flow.verify, "verify", fake)
    argv = ["verify", "m.h5", "--data", "X.npy", "--out", str(tmp_path / "o")]
    exact = True
    assert main(argv) == 0
    assert capsys.readouterr().out == f"m.h5: bit-exact: 100/100 rows; report {tmp_path / 'o' / 'report.json'}\n"
    exact = False
    assert main(argv) == 1
    assert "m.h5: NOT bit-exact: 97/100 rows; first differing layer 'd1': 3 of 1200 values differ; report" in capsys.readouterr().out


def test_verify_and_estimate_describe_their_own_hls_options(capsys):
    """`flow verify --help` showed estimate's project-only texts ("for an hls4ml project: the
    project's own") for --backend, --part and --clock-period; estimate's --backend said it was only
    for a project naming none, while --backend Vitis also prices a Vivado-backend project for Vitis HLS."""
    import pytest

    from flow.cli import build_parser

    def help_of(command):
        with pytest.raises(SystemExit):
            build_parser().parse_args([command, "--help"])
        return " ".join(capsys.readouterr().out.split())

    verify, estimate = help_of("verify"), help_of("estimate")
    assert "hls4ml project" not in verify and "hls4ml backend the project is written for" in verify, verify
    assert "FPGA part written into the project" in verify
    assert "Vitis prices a project written for hls4ml's Vivado backend as built with Vitis HLS" in estimate, estimate
    assert "the parts with known totals are in flow/parts.py" in estimate


def test_verify_labels_may_be_a_csv_and_a_folder_is_named_as_one(tmp_path):
    """--labels reads a one-column CSV as --data reads its CSVs (it was refused as 'not a NumPy
    file'); a folder given as --data or --labels is called a folder, not 'does not exist'."""
    from flow.errors import DataError
    from flow.verify import _read_inputs, _read_labels

    (tmp_path / "y.csv").write_text("label\n0\n2\n1\n")
    (tmp_path / "y_plain.csv").write_text("0\n2\n1\n")
    assert _read_labels(tmp_path / "y.csv").tolist() == [0, 2, 1]
    assert _read_labels(tmp_path / "y_plain.csv").tolist() == [0, 2, 1]
    (tmp_path / "frac.csv").write_text("label\n0.5\n1\n")
    with pytest.raises(DataError, match="integer class indices"):
        _read_labels(tmp_path / "frac.csv")
    (tmp_path / "gap.csv").write_text("label\n0\n\n1\n,\n")
    with pytest.raises(DataError):
        _read_labels(tmp_path / "gap.csv")
    for reader, name in ((_read_inputs, "inputs"), (_read_labels, "labels")):
        with pytest.raises(DataError, match=f"{name} path .* is a folder"):
            reader(tmp_path)
