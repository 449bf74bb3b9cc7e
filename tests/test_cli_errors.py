"""Bad input through the CLI: one paragraph, exit 1, no traceback, nothing produced."""

from __future__ import annotations

import numpy as np

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
