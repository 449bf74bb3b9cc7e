"""Config validation: every bad value is named by file, field path and value, before any work."""

from __future__ import annotations

import subprocess
import sys

import pytest

from flow.cli import main
from flow.config import Quantizer, load_config
from flow.errors import ConfigError

from .conftest import REPO, tiny_config


def test_shipped_configs_validate():
    for path in sorted((REPO / "configs").glob("*.yaml")):
        cfg = load_config(path)
        assert cfg.name


def test_validate_does_not_import_tensorflow():
    code = "import sys; from flow.cli import main; rc = main(['validate', 'configs/digits_mlp.yaml']); print('tensorflow' in sys.modules, rc)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("False 0")


def test_quantizer_strings_and_mappings():
    q = Quantizer.model_validate("quantized_bits(6, 0, alpha=1)")
    assert (q.type, q.bits, q.integer) == ("quantized_bits", 6, 0)
    r = Quantizer.model_validate("quantized_relu(5,2)")
    assert (r.type, r.bits, r.integer) == ("quantized_relu", 5, 2)
    assert Quantizer.model_validate({"bits": 4}).integer == 0


@pytest.mark.parametrize(
    "mutate, expect",
    [
        (lambda c: c["model"]["layers"][0].update(kernel={"bits": 0}), ["model.layers[0].kernel.bits", "0", "must be > 0"]),
        (lambda c: c["model"]["layers"][0].update(kernel="quantized_bits(4,6)"), ["model.layers[0].kernel", "integer=6 does not fit in bits=4"]),
        (lambda c: c["model"]["layers"][0].update(kernel="quantized_bits(4,-2)"), ["model.layers[0].kernel", "integer=-2", "integer >= 0"]),
        (lambda c: c["model"]["layers"][0].update(bias="quantized_bits(1,0,alpha=1)"), ["model.layers[0].bias", "sign quantizer", "bits >= 2"]),
        (lambda c: c["model"]["layers"][0].update(activation="quantized_relu(4,5)"), ["model.layers[0].activation", "integer=5"]),
        (lambda c: c["model"]["layers"][0].update(unitz=3), ["model.layers[0].unitz", "unknown key"]),
        (lambda c: c.update(trian={}), ["trian", "unknown key"]),
        # where the file was is the flow's own record, not a key: it was accepted and silently replaced
        (lambda c: c.update(source_path="elsewhere/cfg.yaml"), ["source_path", "unknown key"]),
        (lambda c: c["model"]["layers"][0].update(units="many"), ["model.layers[0].units", "'many'", "integer"]),
        (lambda c: c["train"]["pruning"].update(per_layer={"fc9": 0.5}), ["train.pruning.per_layer", "fc9", "not in model.layers"]),
        (lambda c: c["train"]["pruning"].update(target_sparsity=1.5), ["train.pruning.target_sparsity", "1.5"]),
        (lambda c: c["model"]["layers"][1].update(activation="quantized_relu(4,1)"), ["gives the logits"]),
        (lambda c: c["model"]["layers"].append({"name": "fc1", "units": 3}), ["unique", "fc1"]),
        (lambda c: c["model"]["layers"].insert(1, {"name": "fc1_linear", "units": 3}), ["fc1_linear", "linear activation", "'fc1'"]),
        (lambda c: c["data"].update(source="jets"), ["data.path"]),
        (lambda c: c["hls"].update(io_type="io_serial") if "hls" in c else c.update(hls={"io_type": "io_serial"}), ["hls.io_type", "io_serial", "io_parallel"]),
        (lambda c: c.setdefault("hls", {}).update(part="pynq-z2"), ["hls.part", "pynq-z2", "is a board", "xc7z020clg400-1"]),
        (lambda c: c.setdefault("hls", {}).update(clock_uncertainty="6"), ["hls.clock_uncertainty", "'6'", "below the 5.0 ns period"]),
        (lambda c: c.setdefault("hls", {}).update(clock_uncertainty="fast"), ["hls.clock_uncertainty", "'fast'", "12.5%"]),
        (lambda c: c.setdefault("hls", {}).update(softmax_implementation="fast"),
         ["hls.softmax_implementation", "'fast'", "'stable'", "'argmax'"]),
        (lambda c: c.update(seed=-1), ["seed", "-1", ">= 0"]),
        (lambda c: c.update(seed=2**40), ["seed", str(2**40), "< 4294967296"]),
        (lambda c: c["train"]["teacher"].update(epochs=True), ["train.teacher.epochs", "True", "boolean (true/false), not a number"]),
        (lambda c: c.setdefault("hls", {}).update(part="xcvu99zz-foo-2-e"), ["hls.part", "xcvu99zz-foo-2-e", "resources.enabled: false"]),
        (lambda c: c["data"].update(label_column="target"), ["data.source='digits'", "data.label_column", "ignored"]),
        (lambda c: c.update(data={"source": "arrays", "path": "d.npz", "labels_path": "y.npy"}), ["data.labels_path", ".npy", "d.npz"]),
        (lambda c: c.update(data={"source": "arrays", "path": "X.npy", "labels_path": "y.csv"}), ["data.labels_path", "'y.csv'", ".npy", ".npz"]),
        (lambda c: c.pop("model"), ["model: required, but missing"]),
        (lambda c: c["model"]["layers"][0].update(kernel="quantized_bits(6,-20)"), ["integer=-20", "integer >= 0"]),
        (lambda c: c["train"]["pruning"].update(per_layer={"fc1": True}), ["train.pruning.per_layer", "boolean (true/false)"]),
        (lambda c: c.setdefault("hls", {}).update(per_layer_reuse={"fc1": True}), ["hls.per_layer_reuse", "boolean (true/false)"]),
        (lambda c: c["train"]["teacher"].update(epochs=10**23), ["train.teacher.epochs", "100000"]),
        (lambda c: c.update(name="n" * 300), ["name", "at most 100 characters"]),
        (lambda c: c.update(name=123), ["name", "quote it", "'123'"]),
        (lambda c: c.update(name=False), ["name = False", "unquoted on/off/yes/no", "quote the word"]),  # name: off
        (lambda c: c["data"].update(label_column=True), ["data.label_column = True", "quote the word"]),  # label_column: yes
        (lambda c: c["model"]["layers"][0].update(activation="quantized_relu(32,8)"), ["model.layers[0].activation", "bits <= 31"]),
        (lambda c: c["model"]["layers"][0].update(kernel={"type": "quantized_relu", "bits": 4}),
         ["model.layers[0].kernel", "must be quantized_bits"]),
        (lambda c: c["train"]["student"].update(learning_rate=float("inf")), ["train.student.learning_rate", "inf"]),
        (lambda c: c.setdefault("hls", {}).update(clock_period_ns=-1, clock_uncertainty="6"), ["hls.clock_period_ns"]),
    ],
)
def test_bad_values_are_named(write_cfg, capsys, mutate, expect):
    cfg = tiny_config()
    mutate(cfg)
    path = write_cfg(cfg)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    text = str(err.value)
    assert str(path) in text
    for piece in expect:
        assert piece in text, (piece, text)
    assert main(["validate", str(path)]) == 1
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and captured.err.startswith("error: ")
    assert "Fix:" in captured.err


def test_a_choice_error_lists_the_choices_once(write_cfg):
    """pydantic's enum message already lists the choices; the error repeated them as
    "Input should be 'io_parallel' or 'io_stream' (expected 'io_parallel' or 'io_stream')"."""
    cfg = tiny_config(hls={"io_type": "io_serial", "strategy": "fast"})
    with pytest.raises(ConfigError) as err:
        load_config(write_cfg(cfg))
    text = str(err.value)
    assert "hls.io_type = 'io_serial': Input should be 'io_parallel' or 'io_stream';" in text, text
    assert "hls.strategy = 'fast': Input should be 'Latency', 'Resource' or 'distributed_arithmetic'." in text, text
    assert "expected" not in text, text


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("name: x\nmodel:\n  layers: [\n    {name: a\n", "", "malformed YAML"),
        # plain YAML keeps the last of two `train:` sections, silently dropping the first
        ("name: x\ntrain:\n  teacher: {epochs: 3}\nmodel:\n  layers: [{name: a, units: 10}]\ntrain:\n  student: {epochs: 2}\n",
         "6", "'train' appears twice"),
        # an unquoted quantizer call in a flow mapping: YAML splits it at the commas
        ("name: x\nmodel:\n  layers:\n    - {name: a, units: 10, kernel: quantized_bits(4,0,alpha=1)}\n", "",
         "must be quoted"),
    ],
    ids=["malformed", "key-twice", "unquoted-call"],
)
def test_yaml_problems_name_the_line(tmp_path, capsys, text, line, words):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    assert main(["validate", str(p)]) == 1
    err = capsys.readouterr().err
    assert f"{p}:{line}" in err and words in err and "Traceback" not in err


def test_missing_config_file(capsys, tmp_path):
    assert main(["validate", str(tmp_path / "nope.yaml")]) == 1
    assert "config file not found" in capsys.readouterr().err


def test_unknown_part_is_accepted_when_the_estimate_is_off(write_cfg):
    """hls4ml and Vivado take any part; only the resource estimate needs to know it."""
    cfg = tiny_config(hls={"part": "xcvc1902-vsva2197-2MP-e-S"}, resources={"enabled": False})
    assert load_config(write_cfg(cfg)).hls.part == "xcvc1902-vsva2197-2MP-e-S"


def test_a_dumped_config_validates_again():
    """Search workers and with_changes re-validate a dump, where every key is set (defaults too)."""
    import json

    from flow.config import validate_dict

    for path in sorted((REPO / "configs").glob("*.yaml")):
        cfg = load_config(path)
        again = validate_dict(json.loads(json.dumps(cfg.model_dump(mode="json", exclude={"source_path"}))), source=path)
        assert again == cfg, path


def test_validate_checks_every_file_and_names_a_folder(capsys, tmp_path, write_cfg):
    """A bad file does not hide the ones after it; a folder is named as a folder."""
    good = write_cfg(tiny_config())
    assert main(["validate", str(good), str(tmp_path), str(tmp_path / "nope.yaml"), str(good)]) == 1
    captured = capsys.readouterr()
    assert captured.out.count(": ok (") == 2
    assert "this is a folder, not a config file" in captured.err and "config file not found" in captured.err
