"""Search robustness: interrupted trials (Ctrl-C, SIGTERM) are one log line and re-run on resume,
stopped parents stop their workers, re-proposed choices are not retrained, autoqkeras refuses
several workers.

Most tests use a fake evaluator (no training) on a real SQLite study; the worker test trains.
"""

from __future__ import annotations

import io
import logging
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from flow.search import Evaluation, choice_key
from tests.conftest import REPO, tiny_config, write_config
from tests.test_search_common import make_cfg, search_section, trained_copy

# four choices in all: fc1 and out kernels in {3, 4}; no sparsity
SMALL_SPACE = {"default": {"kernel_bits": [3, 4], "activation_bits": [4]}}


class FakeEvaluator:
    """Scores a choice from its widths, no training; optionally raises KeyboardInterrupt on call k."""

    student_val = 0.9
    teacher_val = 0.95

    def __init__(self, interrupt_at: int | None = None) -> None:
        self.calls: list[str] = []
        self.interrupt_at = interrupt_at

    def evaluate(self, choice, *, on_epoch=None, epochs=None) -> Evaluation:
        self.calls.append(choice_key(choice))
        if len(self.calls) == self.interrupt_at:
            raise KeyboardInterrupt
        bits = sum(c["kernel"][0] for c in choice.values())
        cost = float(sum(c["kernel"][0] * (c.get("activation") or [8])[0] for c in choice.values()))
        costs = {"cost": cost, "effective_bops": cost, "hawks_bops": 2 * cost, "lut_equivalent": 3 * cost}
        return Evaluation(val_accuracy=0.5 + 0.01 * bits, test_accuracy=0.4 + 0.01 * bits, costs=costs, sparsity={"fc1": 0.5}, model=None)


def _use(monkeypatch, fake: FakeEvaluator) -> None:
    monkeypatch.setattr("flow.search.Evaluator", lambda cfg, run_dir: fake)


@pytest.fixture
def optuna_log():
    """Everything optuna logs (it does not propagate to the root logger, so caplog misses it)."""
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    logger = logging.getLogger("optuna")
    logger.addHandler(handler)
    yield buf
    logger.removeHandler(handler)


def test_interrupted_trial_is_one_log_line_failed_and_rerun_on_resume(tmp_path, monkeypatch, optuna_log):
    from optuna.trial import TrialState

    from flow.search import count_finished, open_study, run_trials

    cfg = make_cfg(tmp_path, n_trials=4)
    run_dir = tmp_path / "run"
    _use(monkeypatch, FakeEvaluator(interrupt_at=2))
    with pytest.raises(KeyboardInterrupt):  # still propagates: the CLI prints its one line and exits 130
        run_trials(cfg, run_dir)
    text = optuna_log.getvalue()
    assert "Traceback" not in text and "KeyboardInterrupt" not in text and "failed with value" not in text, text
    lines = [line for line in text.splitlines() if "interrupted" in line]
    assert len(lines) == 1 and "re-runs it" in lines[0], text
    trials = open_study(cfg, run_dir).get_trials(deepcopy=False)
    (failed,) = [t for t in trials if t.state == TrialState.FAIL]
    (queued,) = [t for t in trials if t.state == TrialState.WAITING]
    assert queued.params == failed.params and queued.system_attrs["failed_trial"] == failed.number
    # resume: the interrupted choice runs first, the budget is completed
    fake = FakeEvaluator()
    _use(monkeypatch, fake)
    run_trials(cfg, run_dir)
    study = open_study(cfg, run_dir)
    retried = [t for t in study.get_trials(deepcopy=False) if t.system_attrs.get("failed_trial") == failed.number]
    assert len(retried) == 1 and retried[0].state == TrialState.COMPLETE and retried[0].params == failed.params
    assert fake.calls[0] == choice_key(failed.user_attrs["choice"])
    assert count_finished(study) >= 4


def test_reproposed_choice_reuses_the_result_and_is_listed_once(tmp_path, monkeypatch, caplog):
    """4 possible choices, 9 trials: the sampler must repeat; nothing is trained twice, the search
    ends when the whole space is evaluated (a repeat does not count toward n_trials) and the
    front/points list each choice once."""
    import json

    from optuna.trial import TrialState

    from flow.search import count_finished, finalize, open_study, run_trials

    monkeypatch.setattr("flow.model.save_model", lambda model, path: Path(path).write_bytes(b"fake"))
    cfg = make_cfg(tmp_path, n_trials=9, layers=SMALL_SPACE, timeout_s=300)  # timeout: a loop would end, and fail below
    run_dir = tmp_path / "run"
    fake = FakeEvaluator()
    _use(monkeypatch, fake)
    caplog.set_level(logging.INFO, logger="flow.search")
    run_trials(cfg, run_dir)
    study = open_study(cfg, run_dir)
    assert count_finished(study) == 4  # the space, not n_trials, ended it
    assert any("holds 4 choices, fewer than search.n_trials=9" in r.getMessage() for r in caplog.records)
    assert len(fake.calls) == len(set(fake.calls)) == 4  # each choice fine-tuned once
    trials = {t.number: t for t in study.get_trials(deepcopy=False)}
    dups = [t for t in trials.values() if "duplicate_of" in t.user_attrs]
    assert dups  # the case this test is about did occur
    for t in dups:
        orig = trials[t.user_attrs["duplicate_of"]]
        assert t.state == orig.state == TrialState.COMPLETE and "duplicate_of" not in orig.user_attrs and orig.number < t.number
        assert t.values == orig.values and t.user_attrs["choice"] == orig.user_attrs["choice"]
        for key in ("costs", "test_accuracy", "sparsity"):
            assert t.user_attrs[key] == orig.user_attrs[key]
    reused = [r.getMessage() for r in caplog.records if "result reused, not retrained" in r.getMessage()]
    assert len(reused) == len(dups)
    (tmp_path / "out").mkdir()
    summary = finalize(cfg, run_dir, tmp_path / "out")
    pareto = json.loads((tmp_path / "out" / "pareto.json").read_text())
    for points in (pareto["all"], pareto["pareto"], summary["pareto"]):
        keys = [choice_key(p["choice"]) for p in points]
        assert len(keys) == len(set(keys))
        assert not any("duplicate_of" in trials[p["trial"]].user_attrs for p in points)  # the original trial is kept
    assert len(pareto["all"]) == len(fake.calls) - len(summary["baselines"]) - 1  # minus baselines and the chosen retrain
    assert summary["n_duplicates"] == len(dups)


def _sigterm_caught(pid: int, timeout_s: float = 60.0) -> bool:
    """True once process `pid` handles SIGTERM (its Python handler is installed), from /proc."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except FileNotFoundError:
            return False
        caught = int(next(line.split()[1] for line in status.splitlines() if line.startswith("SigCgt:")), 16)
        if caught & (1 << (signal.SIGTERM - 1)):
            return True
        time.sleep(0.05)
    return False


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] if Path(f"/proc/{pid}/stat").exists() else "Z"
    return state == "Z"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads signal masks from /proc (Linux)")
def test_sigterm_to_the_parent_stops_its_workers(tmp_path):
    """The parent's wait is interrupted by SIGTERM and terminates the (here: trivial) children."""
    script = tmp_path / "parent.py"
    script.write_text(textwrap.dedent("""
        import subprocess, sys
        from flow.search import wait_workers
        children = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) for _ in range(2)]
        print(" ".join(str(c.pid) for c in children), flush=True)
        try:
            wait_workers(children, sys.argv[1])
        except KeyboardInterrupt as exc:
            print(type(exc).__name__, [c.poll() for c in children], flush=True)
            sys.exit(143)
    """))
    parent = subprocess.Popen([sys.executable, str(script), str(tmp_path)], stdout=subprocess.PIPE, text=True, cwd=REPO,
                              env={**os.environ, "PYTHONPATH": str(REPO)})  # fmt: skip
    pids: list[int] = []
    try:
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert len(pids) == 2 and _sigterm_caught(parent.pid), "the parent never installed its SIGTERM handler"
        parent.terminate()
        out, _ = parent.communicate(timeout=60)
        assert parent.returncode == 143 and out.startswith("Terminated ["), out
        assert "None" not in out  # every child had exited when the wait returned
        assert all(_gone(pid) for pid in pids)
    finally:
        for pid in pids:
            if not _gone(pid):
                os.kill(pid, signal.SIGKILL)
        if parent.poll() is None:
            parent.kill()
            parent.wait()


def test_a_sigterm_while_the_handler_is_installed_still_stops_the_workers(monkeypatch):
    """SIGTERM delivered right after its handler is installed, before the guarded block starts:
    the cleanup (stopping the workers) still runs and the previous handlers come back."""
    from flow.search import Terminated, interrupt_on_sigterm

    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    real = signal.signal
    fired: list[int] = []

    def install_then_deliver(sig, handler):
        old = real(sig, handler)
        if sig == signal.SIGTERM and callable(handler) and not fired:
            fired.append(sig)
            handler(sig, None)
        return old

    monkeypatch.setattr(signal, "signal", install_then_deliver)
    cleaned: list[bool] = []
    with pytest.raises(Terminated):
        with interrupt_on_sigterm(cleanup=lambda: cleaned.append(True)):
            pytest.fail("the block must not run")
    monkeypatch.undo()
    assert fired and cleaned == [True]
    assert {sig: signal.getsignal(sig) for sig in before} == before


def test_sigterm_to_a_worker_fails_and_requeues_its_trial(tmp_path_factory, tmp_path):
    """A real worker, SIGTERM'd mid-trial: exits 143, its trial is FAIL (not left RUNNING for the
    heartbeat grace) and re-queued with the same parameters; the log has no traceback."""
    from optuna.trial import TrialState

    from flow.search import open_study, spawn_workers, stop_workers

    run_dir = trained_copy(tmp_path_factory, tmp_path / "run")
    cfg = make_cfg(tmp_path, n_trials=4, fine_tune_epochs=8)  # trials of several seconds
    study = open_study(cfg, run_dir)
    (proc,) = spawn_workers(cfg, run_dir, 1)
    number = None
    try:
        deadline = time.time() + 150
        while time.time() < deadline and proc.poll() is None:
            # a trial one epoch into its fine-tune (7 epochs still to go)
            running = [t for t in study.get_trials(deepcopy=False) if t.state == TrialState.RUNNING and "val_accuracy_epoch_1" in t.user_attrs]
            if running:
                number = running[0].number
                proc.terminate()
                break
            time.sleep(0.1)
        assert number is not None, "the worker never started a trial"
        assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    finally:
        stop_workers([proc], grace_s=5)
    trials = {t.number: t for t in study.get_trials(deepcopy=False)}
    if trials[number].state == TrialState.COMPLETE:
        pytest.skip("the trial finished before SIGTERM arrived")
    assert trials[number].state == TrialState.FAIL
    queued = [t for t in trials.values() if t.system_attrs.get("failed_trial") == number]
    assert len(queued) == 1 and queued[0].state == TrialState.WAITING and queued[0].params == trials[number].params
    log_text = (run_dir / "search_logs" / "worker_0.log").read_text()
    assert "Traceback" not in log_text and f"trial {number} interrupted" in log_text and "worker 0 terminated" in log_text


def test_autoqkeras_with_several_workers_is_refused_before_training(tmp_path, capsys):
    from flow.cli import main

    cfg = tiny_config("tiny_aqk")
    cfg["search"] = search_section(engine="autoqkeras", layers=SMALL_SPACE)
    path = write_config(tmp_path / "aqk.yaml", cfg)
    rc = main(["search", str(path), "--workers", "2", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err
    assert rc == 1 and "--workers 2" in err and "search.engine: autoqkeras" in err and "Fix:" in err and "Traceback" not in err, err
    assert not (tmp_path / "run" / "train").exists()


def test_a_sampler_that_only_re_proposes_stops_the_search(tmp_path, monkeypatch, caplog):
    """A sampler stuck on evaluated choices (here: always the same one) must not loop until the
    timeout: after max_reused re-proposals the search stops and says how far it got."""
    from flow import search
    from flow.search import count_finished, count_reused, open_study, run_trials

    monkeypatch.setattr("flow.model.save_model", lambda model, path: Path(path).write_bytes(b"fake"))
    cfg = make_cfg(tmp_path, n_trials=6, layers=SMALL_SPACE, timeout_s=300)
    fake = FakeEvaluator()
    _use(monkeypatch, fake)
    first = {}

    def same_choice(trial, space):
        choice = {name: {"kernel": [3, 0], "activation": [4, 0]} for name in space}
        first.setdefault("choice", choice)
        return first["choice"]

    monkeypatch.setattr(search, "suggest_choice", same_choice)
    monkeypatch.setattr(search, "max_reused", lambda s: 3)
    caplog.set_level(logging.INFO, logger="flow.search")
    run_trials(cfg, tmp_path / "run")
    study = open_study(cfg, tmp_path / "run")
    assert count_finished(study) == 1 and count_reused(study) == 3 and len(fake.calls) == 1
    assert any("re-proposed already evaluated choices 3 times" in r.getMessage() for r in caplog.records)
