"""The search section's schema: every bad value is named with file, field path, value and fix."""

from __future__ import annotations

import subprocess
import sys

import pytest

from flow.config import validate_dict
from flow.errors import ConfigError
from tests.test_search_common import search_config_dict


def _with(**search) -> dict:
    return search_config_dict(**search)


def test_valid_section_gives_typed_settings():
    from flow.search_config import get_search_settings, resolve_layer_space

    cfg = validate_dict(_with(), source="x.yaml")
    s = get_search_settings(cfg)
    assert s.engine == "optuna" and s.n_trials == 3 and s.cost.metric == "effective_bops"
    fc1 = resolve_layer_space(cfg, s, "fc1")
    assert fc1["kernel_bits"] == [3, 4, 6] and fc1["kernel_integer"] == [0]
    out = resolve_layer_space(cfg, s, "out")
    assert "activation_bits" not in out  # the logits layer has no activation
    assert out["kernel_integer"] == [1] and out["sparsity"] == [0.5, 0.75]


def _layers(**fc1) -> dict:
    return {"default": {"kernel_bits": [3, 4]}, "fc1": fc1}


@pytest.mark.parametrize(
    "search, path, words",
    [
        ({"layers": _layers(kernel_bits=[])}, "search.layers.fc1.kernel_bits", "empty"),
        ({"layers": _layers(kernel_bits={"min": 8, "max": 3})}, "search.layers.fc1.kernel_bits", "min 8 > max 3"),
        ({"layers": _layers(kernel_bits=[4, 17])}, "search.layers.fc1.kernel_bits", "outside 2..16"),
        ({"layers": _layers(kernel_bits=[1, 4])}, "search.layers.fc1.kernel_bits", "sign quantizer"),
        ({"layers": _layers(kernel_integer=[-1, 0])}, "search.layers.fc1.kernel_integer", "outside 0..16"),
        ({"layers": _layers(activation_bits=[0, 4])}, "search.layers.fc1.activation_bits", "outside"),
        ({"layers": _layers(kernel_bits=[3, 4], kernel_integer=[3])}, "search.layers.fc1.kernel_integer", "integer bits > width"),
        ({"layers": {"default": {"kernel_bits": [3]}, "fc9": {"kernel_bits": [4]}}}, "search.layers.fc9", "not in model.layers"),
        ({"layers": _layers(sparsity=[0.5, 1.0])}, "search.layers.fc1.sparsity", "outside [0, 1)"),
        ({"cost": {"metric": "watts"}}, "search.cost.metric", "unknown cost metric"),
        ({"n_trials": 0}, "search.n_trials", "greater than 0"),
        ({"sampler": "grid"}, "search.sampler", "nsga2"),
        ({"layers": _layers(kernel_bitz=[4])}, "search.layers.fc1.kernel_bitz", "unknown key"),
        ({"selection": {"reference": "baseline", "baseline_bits": 5}}, "search.selection.baseline_bits = 5", "not among search.baselines.bits"),
        ({"seed": -1}, "search.seed", ">= 0"),
        ({"layers": _layers(sparsity=[0.25, 0.5])}, "search.layers.fc1.sparsity", "below the 0.5 layer 'fc1' is already pruned to"),
        ({"seed": 2**32}, "search.seed", "< 4294967296"),
        ({"layers": _layers(kernel_bits=[True, 4])}, "search.layers.fc1.kernel_bits", "boolean (true/false)"),
        ({"cost": {"metric": "effective_bops", "weights": {"LUT": 1, "DSP": 30}}}, "search.cost.weights", "only used by metric: weighted"),
        ({"engine": "autoqkeras", "workers": 2}, "search.workers", "autoqkeras runs in one process"),
        # found by the search sweep
        ({"heartbeat_s": 30, "grace_s": 5}, "search.grace_s = 5", "greater than search.heartbeat_s"),
        ({"heartbeat_s": 5, "grace_s": 5}, "search.grace_s = 5", "grace_s: 20"),
        ({"storage": "sqlite://"}, "search.storage = 'sqlite://'", "in-memory"),
        ({"storage": "sqlite:///:memory:"}, "search.storage", "cannot be shared"),
        ({"storage": ""}, "search.storage", "empty"),
        ({"fine_tune_epochs": 1, "early_stop": {"enabled": True, "after_epoch": 1}}, "search.early_stop.after_epoch = 1", "never fire"),
        ({"fine_tune_epochs": 2, "early_stop": {"enabled": True, "after_epoch": 3}}, "search.early_stop.after_epoch", "after_epoch < fine_tune_epochs"),
        ({"cost": {"metric": "weighted", "weights": {}}}, "search.cost.weights", "no weights"),
        ({"cost": {"metric": "weighted", "weights": {"LUT": -1, "DSP": 55}}}, "search.cost.weights", "negative"),
        ({"cost": {"metric": "weighted", "weights": {"LUT": 0, "DSP": 0}}}, "search.cost.weights", "every weight is 0"),
        ({"layers": {"default": {"kernel_bits": [3]}, "out": {"activation_bits": [4, 6]}}}, "search.layers.out.activation_bits", "last layer"),
        ({"layers": {"default": {"search": False}}}, "search.layers", "no layer is searched"),
        ({"layers": {"default": {"kernel_bits": {"min": 2}}}}, "search.layers.default.kernel_bits", "a list of values (e.g. [3, 4, 6]) or a span"),
        ({"layers": {"default": {"kernel_bits": "4"}}}, "search.layers.default.kernel_bits = '4'", "or a span {min: 3, max: 8}"),
        ({"early_stop": {"enabled": "false"}}, "search.early_stop.enabled = 'false'", "not a boolean"),
        ({"study_name": " "}, "search.study_name", "empty study name"),
        ({"autoqkeras": {"goal": "energy"}}, "search.autoqkeras", "only used by engine: autoqkeras"),
        ({"layers": {"default": {"kernel_bits": [3], "search": "no"}}}, "search.layers.default.search", "not a boolean"),
    ],
)
def test_bad_search_values_are_named(search, path, words):
    with pytest.raises(ConfigError) as info:
        validate_dict(_with(**search), source="cfgs/s.yaml")
    msg = str(info.value)
    assert "cfgs/s.yaml" in msg and path in msg and words in msg and "Fix:" in msg
    field = path.split(" ")[0]
    assert f"{field}: {field}" not in msg, msg  # the field path once, not twice
    assert "list[int]" not in msg and "search.add" not in msg and "search.search" not in msg


@pytest.mark.parametrize("val_fraction", [0, 0.0])
def test_search_needs_a_validation_split(val_fraction):
    raw = _with()
    raw["data"] = {**raw.get("data", {}), "val_fraction": val_fraction}
    raw["data"].setdefault("source", "digits")
    with pytest.raises(ConfigError) as info:
        validate_dict(raw, source="cfgs/s.yaml")
    msg = str(info.value)
    assert "cfgs/s.yaml" in msg and f"data.val_fraction = {val_fraction!r}" in msg and "set data.val_fraction > 0 (e.g. 0.2)" in msg


@pytest.mark.parametrize(
    "section, path, words",
    [
        ({"enable": True, "n_trials": 3}, "search.enable", "unknown key"),
        ({"foo": 1}, "search.foo", "unknown key"),
        ({"enabled": "false", "n_trials": 0}, "search.enabled = 'false'", "not a boolean"),
        ({"enabled": 0}, "search.enabled = 0", "not a boolean"),
        ({"enabled": False, "n_trials": 0}, "search.n_trials", "greater than 0"),
        ({"enabled": False, "layers": {"default": {"kernel_bitz": [4]}}}, "search.layers.default.kernel_bitz", "unknown key"),
        ({"enabled": False, "heartbeat_s": 9, "grace_s": 3}, "search.grace_s", "heartbeat_s"),
    ],
)
def test_disabled_search_section_keys_and_values_are_checked(section, path, words):
    """A misspelled `enable: true` must not silently leave the search off."""
    raw = _with()
    raw["search"] = section
    with pytest.raises(ConfigError) as info:
        validate_dict(raw, source="cfgs/s.yaml")
    msg = str(info.value)
    assert "cfgs/s.yaml" in msg and path in msg and words in msg and "Fix:" in msg


def test_default_search_false_keeps_unnamed_layers():
    """`layers: {default: {search: false}}` is honoured: only layers with their own entry are searched."""
    from flow.search_config import get_search_settings, resolve_layer_space

    cfg = validate_dict(_with(layers={"default": {"search": False, "kernel_bits": [3, 4]}, "fc1": {"activation_bits": [4, 6]}}), source="x.yaml")
    s = get_search_settings(cfg)
    assert resolve_layer_space(cfg, s, "out") is None
    fc1 = resolve_layer_space(cfg, s, "fc1")
    assert fc1["activation_bits"] == [4, 6] and fc1["kernel_bits"] == [3, 4]


def test_cost_weights_and_workers_accepted_where_they_apply():
    """Weights with metric: weighted; a dump with every key set (as workers re-validate it) keeps
    the default weights under another metric; autoqkeras with one worker, optuna with several."""
    from flow.search_config import get_search_settings

    validate_dict(_with(cost={"metric": "weighted", "weights": {"LUT": 1, "DSP": 30}}), source="x.yaml")
    validate_dict(_with(engine="autoqkeras", workers=1), source="x.yaml")
    validate_dict(_with(workers=4), source="x.yaml")
    s = get_search_settings(validate_dict(_with(cost={"metric": "lut_equivalent"}), source="x.yaml"))
    dumped = s.model_dump(mode="json")
    assert dumped["cost"]["weights"] == {"LUT": 1.0, "FF": 0.0, "DSP": 55.0}
    validate_dict(_with(**dumped), source="x.yaml")


def test_disabled_search_skips_the_checks_against_the_model():
    """Disabled: keys and values are checked, but not against model.layers or the data split."""
    raw = _with(layers={"fc9": {"kernel_bits": []}})
    raw["search"]["enabled"] = False
    raw["data"] = {"source": "digits", "val_fraction": 0}
    validate_dict(raw, source="x.yaml")


def test_validate_search_config_does_not_import_tensorflow_or_optuna():
    code = (
        "import sys; from flow.config import load_config; load_config('configs/digits_search.yaml'); "
        "bad = [m for m in ('tensorflow', 'optuna', 'sqlalchemy') if m in sys.modules]; print(bad); sys.exit(1 if bad else 0)"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr


def test_pareto_selection_and_hypervolume():
    from flow.search import hypervolume, pareto_front, select

    pts = [
        {"trial": 0, "accuracy": 0.90, "cost": 100.0},
        {"trial": 1, "accuracy": 0.95, "cost": 300.0},
        {"trial": 2, "accuracy": 0.85, "cost": 200.0},  # dominated by 0
        {"trial": 3, "accuracy": 0.97, "cost": 500.0},
        {"trial": 4, "accuracy": 0.90, "cost": 100.0},  # duplicate of 0
    ]
    front = pareto_front(pts)
    assert [p["trial"] for p in front] == [0, 1, 3]
    chosen, met = select(front, reference=0.96, tolerance=0.01)
    assert met and chosen["trial"] == 1
    chosen, met = select(front, reference=0.99, tolerance=0.01)
    assert not met and chosen["trial"] == 3
    hv = hypervolume(pts, ref_cost=1000.0)
    expected = (300 - 100) / 1000 * 0.90 + (500 - 300) / 1000 * 0.95 + (1000 - 500) / 1000 * 0.97
    assert hv == pytest.approx(expected)
    assert hypervolume(pts[:1], ref_cost=1000.0) < hv


def test_storage_checks_before_training(tmp_path):
    """A relative sqlite path is from the config's folder; a file that is not SQLite is refused; a
    study made by another config is refused before training (which would overwrite its student)."""
    import optuna

    from flow.search import config_hash, preflight, settings_of, study_name

    (tmp_path / "cfgs" / "db").mkdir(parents=True)
    raw = _with(storage="sqlite:///db/s.db")
    cfg = validate_dict(raw, source=tmp_path / "cfgs" / "s.yaml")
    preflight(cfg, tmp_path / "run")  # resolves to cfgs/db/s.db, whose folder exists (not ./db)
    (tmp_path / "cfgs" / "db" / "s.db").write_text("not a database")
    with pytest.raises(ConfigError, match="is not an SQLite database"):
        preflight(cfg, tmp_path / "run")
    (tmp_path / "cfgs" / "db" / "s.db").unlink()
    s = settings_of(cfg)
    study = optuna.create_study(study_name=study_name(cfg, s), storage=f"sqlite:///{tmp_path / 'cfgs' / 'db' / 's.db'}",
                                directions=["maximize", "minimize"])
    study.set_user_attr("config_hash", config_hash(cfg, s))
    preflight(cfg, tmp_path / "run")  # the same config: fine
    other = _with(storage="sqlite:///db/s.db")
    other["train"]["student"]["epochs"] = 9
    with pytest.raises(ConfigError, match="checked before training"):
        preflight(validate_dict(other, source=tmp_path / "cfgs" / "s.yaml"), tmp_path / "run")
