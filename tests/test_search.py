"""The optuna search: shared study, no duplicated trial, SIGKILL-safe resume, config hash, stage output.

Tiny budgets (tiny digits MLP, 1 fine-tune epoch, 3-4 trials).
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import pytest

from flow.errors import ConfigError
from tests.test_search_common import make_cfg, trained_copy


def _trials(cfg, run_dir):
    from flow.search import open_study

    return open_study(cfg, run_dir).get_trials(deepcopy=False)


def test_two_workers_share_one_study_and_never_repeat_a_trial(tmp_path_factory, tmp_path):
    from optuna.trial import TrialState

    from flow.search import count_finished, open_study, run_workers

    run_dir = trained_copy(tmp_path_factory, tmp_path / "run")
    cfg = make_cfg(tmp_path, n_trials=4)
    run_workers(cfg, run_dir, workers=2)
    trials = _trials(cfg, run_dir)
    assert count_finished(open_study(cfg, run_dir)) >= 4
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    # every finished trial was evaluated by exactly one worker: collect the trial numbers each
    # worker logged and check no number shows up twice (and all complete trials show up)
    logged = []
    for log in sorted((run_dir / "search_logs").glob("worker_*.log")):
        logged += [int(n) for n in re.findall(r"trial (\d+): val acc", log.read_text())]
    assert sorted(logged) == sorted(t.number for t in complete)
    assert len(logged) == len(set(logged))
    for t in complete:
        assert 0 <= t.values[0] <= 1 and t.values[1] > 0
        assert set(t.user_attrs["costs"]) >= {"effective_bops", "hawks_bops", "lut_equivalent", "cost"}
    workers_used = {t.user_attrs["pid"] for t in complete}
    assert len(workers_used) >= 1  # which worker got which trial is the scheduler's business


def test_sigkilled_worker_trial_is_failed_retried_and_completed_trials_kept(tmp_path_factory, tmp_path):
    from optuna.trial import TrialState

    from flow.search import count_finished, open_study, run_trials, spawn_workers

    run_dir = trained_copy(tmp_path_factory, tmp_path / "run")
    # trials of several seconds (8 epochs), so one stays RUNNING well past two 1-s heartbeats
    cfg = make_cfg(tmp_path, n_trials=4, fine_tune_epochs=8)
    open_study(cfg, run_dir)
    (proc,) = spawn_workers(cfg, run_dir, 1)
    study = open_study(cfg, run_dir)
    killed_number = None
    deadline = time.time() + 150
    try:
        # wait for one completed trial, then for the next one to be running, and kill the worker
        while time.time() < deadline and proc.poll() is None:
            trials = study.get_trials(deepcopy=False)
            done = [t for t in trials if t.state == TrialState.COMPLETE]
            # one epoch into its fine-tune (7 to go): its heartbeat thread, started with the trial,
            # has recorded a beat (a trial without any is never stale); a re-proposed choice
            # (reused, no epochs) completes at once and is never picked
            running = [t for t in trials if t.state == TrialState.RUNNING and "val_accuracy_epoch_1" in t.user_attrs]
            if done and running:
                killed_number = running[0].number
                os.kill(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.1)
    finally:
        if proc.poll() is None and killed_number is None:
            proc.kill()
        proc.wait()
    assert killed_number is not None, "the worker never had a running trial after a completed one"
    kept = {t.number: t.values for t in study.get_trials(deepcopy=False) if t.state == TrialState.COMPLETE}
    assert kept
    time.sleep(cfg.search.model_extra["grace_s"] + 1.5)  # heartbeats stop: the trial becomes stale
    run_trials(cfg, run_dir)  # resume in this process
    trials = {t.number: t for t in open_study(cfg, run_dir).get_trials(deepcopy=False)}
    assert trials[killed_number].state == TrialState.FAIL
    retries = [t for t in trials.values() if t.system_attrs.get("failed_trial") == killed_number]
    assert len(retries) == 1 and retries[0].state == TrialState.COMPLETE
    assert retries[0].params == trials[killed_number].params
    for number, values in kept.items():  # nothing finished was lost or redone
        assert trials[number].state == TrialState.COMPLETE and trials[number].values == values
    assert count_finished(open_study(cfg, run_dir)) >= 4


def test_study_from_another_config_is_refused_before_any_trial(tmp_path_factory, tmp_path):
    from flow.search import open_study

    run_dir = tmp_path / "run"
    cfg = make_cfg(tmp_path)
    open_study(cfg, run_dir)
    other = make_cfg(tmp_path, layers={"default": {"kernel_bits": [2, 3]}})
    with pytest.raises(ConfigError) as info:
        open_study(other, run_dir)
    msg = str(info.value)
    assert "different search space" in msg and "study_name" in msg and "search.db" in msg
    # a larger budget is the same study (resumable)
    open_study(make_cfg(tmp_path, n_trials=50), run_dir)


def test_unreachable_database_fails_fast_with_a_config_error(tmp_path):
    from flow.search import preflight

    cfg = make_cfg(tmp_path, storage="postgresql://flow:secret@127.0.0.1:9/nodb", connect_timeout_s=2)
    with pytest.raises(ConfigError) as info:  # connect_timeout_s keeps it from hanging
        preflight(cfg)
    msg = str(info.value)
    assert "search.storage" in msg and "secret" not in msg and "Fix:" in msg


def test_stage_writes_pareto_selection_and_the_chosen_model(tmp_path_factory, tmp_path, monkeypatch):
    from flow import runner
    from flow.model import load_model

    run_dir = trained_copy(tmp_path_factory, tmp_path / "run")
    cfg = make_cfg(tmp_path, n_trials=3)
    state = runner.run(cfg, run_dir=run_dir, to_stage="search", progress=False)
    assert "train" in state["stages"]
    out = run_dir / "search"
    s = json.loads((out / "search.json").read_text())
    assert s["enabled"] and s["engine"] == "optuna" and s["n_trials"] >= 3 and s["cost_metric"] == "effective_bops"
    assert (out / "pareto.png").stat().st_size > 1000
    pareto = json.loads((out / "pareto.json").read_text())
    front = s["pareto"]
    for p in front:  # non-dominated within all evaluated points
        for q in pareto["all"]:
            assert not (q["accuracy"] >= p["accuracy"] and q["cost"] <= p["cost"] and (q["accuracy"] > p["accuracy"] or q["cost"] < p["cost"]))
        assert set(p["bits"]) == {"fc1", "out"} and {"kernel", "bias", "activation"} <= set(p["bits"]["fc1"])
        assert all(p[k] > 0 for k in ("effective_bops", "hawks_bops", "lut_equivalent"))
    assert [b["uniform_bits"] for b in s["baselines"]] == [4, 6]
    assert all(b["bits"]["fc1"]["kernel"] == b["uniform_bits"] for b in s["baselines"])
    chosen = s["chosen"]
    ref = s["reference"]["accuracy"]
    if chosen["rule_met"]:
        cheaper_ok = [p for p in front if p["cost"] < chosen["cost"] and p["accuracy"] >= ref - 0.02]
        assert not cheaper_ok
    model = load_model(out / "selected.h5")
    kernel_bits = {layer.name: layer.kernel_quantizer_internal.bits for layer in model.layers if type(layer).__name__ == "QDense"}
    assert kernel_bits == {name: b["kernel"] for name, b in chosen["bits"].items()}
    assert chosen["retrained_val_accuracy"] == pytest.approx(chosen["accuracy"], abs=0.03)
    assert (s["warnings"] == []) == chosen["rule_met"], s["warnings"]

    # a selection rule no point meets: the warning was only logged; search.json (and so the report) keeps it
    import flow.search as search

    monkeypatch.setattr(search, "select", lambda front, reference, tolerance: (max(front, key=lambda p: p["accuracy"]), False))
    (tmp_path / "again").mkdir()
    again = search.finalize(cfg, run_dir, tmp_path / "again")
    assert again["chosen"]["rule_met"] is False
    assert len(again["warnings"]) == 1 and "the selection rule was not met" in again["warnings"][0], again["warnings"]
    assert f"of the {again['reference']['name']}'s validation accuracy" in again["warnings"][0]
    assert json.loads((tmp_path / "again" / "search.json").read_text())["warnings"] == again["warnings"]
