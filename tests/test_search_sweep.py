"""Search bugs found by the search sweep, tested without training: storage URL errors, the study
hash, two workers drawing one choice, the wall time, exit codes, a killed worker, AutoQKeras'
printing.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time

import pytest

from flow.errors import ConfigError, FlowError
from flow.search import Evaluation
from tests.test_search_common import make_cfg


@pytest.mark.parametrize("url", ["postgresql://u:secret@[::1/x", "postgresql://u:secret@host:abc/x", "postgresql//u:secret@host/x"])
def test_malformed_storage_urls_are_config_errors_without_the_password(tmp_path, url):
    from flow.search import preflight

    cfg = make_cfg(tmp_path, storage=url)
    with pytest.raises(ConfigError) as info:
        preflight(cfg, tmp_path / "run")
    msg = str(info.value)
    assert "secret" not in msg and "cannot parse the database URL" in msg, msg
    assert info.value.where == f"{tmp_path / 'tiny_search.yaml'}: search.storage"


def test_unreachable_storage_error_names_the_config_and_hides_the_password(tmp_path):
    from flow.search import check_storage, redact_text

    assert redact_text("could not parse 'postgresql//u:s3cr:et@host/x'") == "could not parse 'postgresql//u:***@host/x'"
    with pytest.raises(ConfigError) as info:
        check_storage("mysql+nosuchdriver://u:secret@localhost/x", 1, where="c.yaml: search.storage")
    assert "secret" not in str(info.value) and info.value.where == "c.yaml: search.storage"


def test_output_locations_do_not_change_the_study_hash(tmp_path):
    """Changing only hls.project_dir keeps the study; studies hashed with it (before) still open."""
    import optuna

    from flow.config import with_changes
    from flow.search import config_hash, open_study, settings_of, storage_url, study_name

    cfg = make_cfg(tmp_path)
    moved = with_changes(cfg, hls={**cfg.hls.model_dump(), "project_dir": str(tmp_path / "elsewhere")})
    s = settings_of(cfg)
    assert config_hash(cfg, s) == config_hash(moved, s)
    assert config_hash(cfg, s, with_outputs=True) != config_hash(moved, s, with_outputs=True)
    run = tmp_path / "run"
    run.mkdir()
    study = optuna.create_study(study_name=study_name(cfg, s), storage=storage_url(s, run), directions=["maximize", "minimize"])
    study.set_user_attr("config_hash", config_hash(cfg, s, with_outputs=True))  # a study made before the fix
    open_study(cfg, run)  # the same config: accepted, and its hash brought up to date
    open_study(moved, run)


class _Fake:
    student_val = 0.9

    def __init__(self) -> None:
        self.calls = 0

    def evaluate(self, choice, *, on_epoch=None, epochs=None):
        self.calls += 1
        return Evaluation(val_accuracy=0.8, test_accuracy=0.8, costs={"cost": 10.0}, sparsity={})


def test_a_choice_another_worker_is_training_is_waited_for_not_trained_twice(tmp_path):
    """Two workers drew the same choice: the later claim waits for the earlier trial and reuses
    its result; n_trials counts the choice once."""
    import optuna

    from flow.search import count_finished, count_reused, make_objective, search_space, settings_of, suggest_choice

    cfg = make_cfg(tmp_path)
    space = search_space(cfg, settings_of(cfg))
    study = optuna.create_study(directions=["maximize", "minimize"])
    first = study.ask()
    first.set_user_attr("choice", suggest_choice(first, space))
    first.set_user_attr("claimed_at", time.time() - 1)
    study.enqueue_trial(dict(first.params))
    finisher = threading.Timer(1.0, lambda: (first.set_user_attr("costs", {"cost": 5.0}), study.tell(first, [0.85, 5.0])))
    finisher.start()
    fake = _Fake()
    t0 = time.monotonic()
    study.optimize(make_objective(cfg, fake), n_trials=1)
    finisher.join()
    second = study.trials[1]
    assert fake.calls == 0 and time.monotonic() - t0 >= 0.9  # waited, did not train
    assert second.user_attrs["duplicate_of"] == first.number and second.values == [0.85, 5.0]
    assert (count_finished(study), count_reused(study)) == (1, 1)


def test_two_trials_trained_on_one_choice_count_once():
    import optuna

    from flow.search import count_finished, count_reused

    study = optuna.create_study(directions=["maximize", "minimize"])
    for _ in range(2):  # e.g. two machines whose clocks disagree
        study.add_trial(optuna.trial.create_trial(values=[0.8, 1.0], user_attrs={"choice": {"fc1": {"kernel": [4, 0]}}}))
    study.add_trial(optuna.trial.create_trial(values=[0.7, 0.5], user_attrs={"choice": {"fc1": {"kernel": [3, 0]}}}))
    assert (count_finished(study), count_reused(study)) == (2, 1)


def test_workers_do_not_draw_the_same_first_choice(tmp_path):
    """Worker seeds 0 and 7919 (base + 7919 * index) drew the same first point; hashed seeds differ."""
    import optuna

    from flow.search import make_sampler, search_space, settings_of, suggest_choice, worker_seed

    cfg = make_cfg(tmp_path, layers={"default": {"kernel_bits": [3, 4], "activation_bits": [4, 6]}})
    s = settings_of(cfg)
    space = search_space(cfg, s)
    seeds = [worker_seed(0, i, 0) for i in range(4)]
    assert len(set(seeds)) == 4 and all(0 <= x < 2**32 for x in seeds)
    firsts = []
    for seed in seeds[:2]:
        study = optuna.create_study(directions=["maximize", "minimize"], sampler=make_sampler(s, seed))
        firsts.append(suggest_choice(study.ask(), space))
    assert firsts[0] != firsts[1]


def test_flow_search_wall_time_covers_the_trials(tmp_path, monkeypatch):
    """search.json's wall_time_s under `flow search` starts with the trials, not the summary step."""
    from flow import search

    seen = {}
    monkeypatch.setattr(search, "run_workers", lambda *a, **k: None)
    monkeypatch.setattr(search, "open_study", lambda *a, **k: None)
    monkeypatch.setattr(search, "search_done", lambda *a, **k: True)

    def fake_finalize(cfg, run_dir, out, *, started):
        seen["wall"] = time.perf_counter() - started
        return {"chosen": {"accuracy": 1, "cost": 1, "bits": {}}, "n_trials": 1, "pareto": []}

    monkeypatch.setattr(search, "finalize", fake_finalize)

    class Ctx:
        cfg, run_dir, out = make_cfg(tmp_path), tmp_path, tmp_path

    search._cli_started[:] = [time.perf_counter() - 50]
    try:
        search.run_stage(Ctx)
    finally:
        search._cli_started.clear()
    assert seen["wall"] >= 50
    search.run_stage(Ctx)
    assert seen["wall"] < 5


def test_flow_search_exits_143_on_sigterm(tmp_path, monkeypatch, capsys):
    from flow import runner, search

    monkeypatch.setattr(search, "preflight", lambda *a, **k: None)
    monkeypatch.setattr(runner, "run", lambda *a, **k: {})

    def terminated(*a, **k):
        raise search.Terminated("SIGTERM")

    monkeypatch.setattr(search, "run_workers", terminated)
    assert search.run_cli(make_cfg(tmp_path), workers=1, run_dir=tmp_path / "run", progress=False) == 143
    assert "re-run the same command to resume" in capsys.readouterr().err
    assert not search._cli_started
    monkeypatch.setattr(search, "run_workers", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C stays the CLI's 130
        search.run_cli(make_cfg(tmp_path), workers=1, run_dir=tmp_path / "run", progress=False)


def _procs():
    ok = subprocess.Popen([sys.executable, "-c", "pass"])
    killed = subprocess.Popen([sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"])
    return [ok, killed]


def test_a_killed_worker_after_the_budget_was_reached_is_a_warning(tmp_path, caplog):
    from flow.search import wait_workers

    with caplog.at_level(logging.WARNING, logger="flow.search"):
        wait_workers(_procs(), tmp_path, done=lambda: True)
    assert "worker 1 killed by SIGKILL" in caplog.text and "reached its budget" in caplog.text


def test_a_killed_worker_before_the_budget_says_to_resume(tmp_path):
    from flow.search import wait_workers

    with pytest.raises(FlowError) as info:
        wait_workers(_procs(), tmp_path, done=lambda: False)
    msg = str(info.value)
    assert "worker 1 killed by SIGKILL" in msg and "worker 0" not in msg and "re-run the same command to resume" in msg


def test_autoqkeras_prints_go_to_the_log(caplog, capsys):
    from flow.autoqkeras_engine import stdout_to_log

    logger = logging.getLogger("flow.autoqkeras_engine")
    with caplog.at_level(logging.INFO, logger="flow"):
        with stdout_to_log(logger):
            print("Model: reference\n_____")
            print("partial line", end="")
    assert capsys.readouterr().out == ""
    with caplog.at_level(logging.DEBUG, logger="flow.autoqkeras_engine"):
        with stdout_to_log(logger):
            print("shown with -vv")
    assert "shown with -vv" in capsys.readouterr().out
