"""Per-layer bit-width (and sparsity) search: multi-objective optuna, resumable, scales out.

Each trial rebuilds the student with sampled widths, starts from the trained student's weights,
fine-tunes a few epochs (QAT, pruning kept) and is scored on (val accuracy, cost of the planned
HLS design). Trials live in an optuna RDB study (SQLite in the run folder by default, or any
database URL), so a killed run loses only its running trials: heartbeats mark them failed and
re-queue them once. Several processes, on one machine or many, can share one study.

Heavy imports (TensorFlow, optuna, sqlalchemy) stay inside functions: `flow validate` imports this
module for COST_METRICS only.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from flow.config import FlowConfig, Quantizer
from flow.errors import ConfigError, FlowError
from flow.search_config import AUTOQKERAS_ONE_PROCESS, SearchSettings, get_search_settings, resolve_layer_space, validate_search_section

log = logging.getLogger(__name__)

DIRECTIONS = ("maximize", "minimize")  # val accuracy, cost
LUT_PER_DSP = 55.0  # LUT-equivalent of one DSP slice (docs/search.md)

# --------------------------------------------------------------------------------------------
# Cost metrics: a registry, name -> function(design) -> float
# --------------------------------------------------------------------------------------------

COST_METRICS: dict[str, Callable[..., float]] = {}


def register_cost(name: str) -> Callable:
    """Add a cost metric (function(design) -> float, lower is better) under `name`."""

    def deco(fn: Callable[..., float]) -> Callable[..., float]:
        COST_METRICS[name] = fn
        return fn

    return deco


@register_cost("effective_bops")
def effective_bops(design) -> float:
    from flow.bops import effective_bops as per_layer

    return float(sum(per_layer(design).values()))


@register_cost("hawks_bops")
def hawks_bops(design) -> float:
    from flow.bops import hawks_bops as per_layer

    return float(sum(per_layer(design).values()))


def _resource_total(design) -> dict[str, float]:
    from flow.resources import estimate

    return estimate(design).to_dict()["total"]


@register_cost("lut_equivalent")
def lut_equivalent(design) -> float:
    t = _resource_total(design)
    return float(t["LUT"]) + LUT_PER_DSP * float(t["DSP"])


@register_cost("weighted")
def weighted(design, weights: dict[str, float] | None = None) -> float:
    t = _resource_total(design)
    w = weights or {"LUT": 1.0, "FF": 0.0, "DSP": LUT_PER_DSP}
    return float(sum(float(t.get(k, 0.0)) * v for k, v in w.items()))


REPORTED_METRICS = ("effective_bops", "hawks_bops", "lut_equivalent")


def cost_function(settings: SearchSettings) -> Callable[[Any], float]:
    fn = COST_METRICS[settings.cost.metric]
    if settings.cost.metric == "weighted":
        return lambda design: weighted(design, settings.cost.weights)
    return fn


def all_costs(design, settings: SearchSettings) -> dict[str, float]:
    out = {name: COST_METRICS[name](design) for name in REPORTED_METRICS}
    out["cost"] = out[settings.cost.metric] if settings.cost.metric in out else cost_function(settings)(design)
    return out


# --------------------------------------------------------------------------------------------
# Settings, hashing, storage
# --------------------------------------------------------------------------------------------


def settings_of(cfg: FlowConfig) -> SearchSettings:
    return get_search_settings(cfg)


def study_name(cfg: FlowConfig, s: SearchSettings) -> str:
    return s.study_name or f"{cfg.name}-{s.engine}"


def normalize_url(url: str) -> str:
    """`postgresql://` means psycopg 3 to SQLAlchemy 2.1; use psycopg2 when only that is installed."""
    import importlib.util

    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain) and importlib.util.find_spec("psycopg") is None and importlib.util.find_spec("psycopg2") is not None:
            return "postgresql+psycopg2://" + url[len(plain):]
    return url


def storage_url(s: SearchSettings, run_dir: Path, config_path: str | None = None) -> str:
    """The study database; a relative SQLite path is resolved from the config file's folder, like
    every other relative path in a config."""
    if s.storage:
        url = normalize_url(s.storage)
        rel = url.removeprefix("sqlite:///")
        if url.startswith("sqlite:///") and rel and not rel.startswith("/") and config_path:
            url = f"sqlite:///{(Path(config_path).parent / rel).resolve()}"
        return url
    return f"sqlite:///{(Path(run_dir) / 'search.db').resolve()}"


#: 'user:password@' inside any text, also in a malformed URL (e.g. 'postgresql//u:secret@host/x')
_PASSWORD = re.compile(r"(?<=[/:])([^:/@\s'\"]*):(\S*)@")


def redact_text(text: str) -> str:
    """Any 'user:password@' in `text` (an error message quoting a URL) as 'user:***@'."""
    return _PASSWORD.sub(r"\1:***@", str(text))


def redact(url: str) -> str:
    """The URL without its password (for logs, errors and search.json)."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - best effort: a URL SQLAlchemy cannot parse
        return redact_text(url)


#: config fields that only say where outputs go: not part of what makes trials comparable
OUTPUT_LOCATIONS = {"hls": {"project_dir"}}


def config_hash(cfg: FlowConfig, s: SearchSettings, *, with_outputs: bool = False) -> str:
    """What makes trials comparable: the search space, the cost and the model/train/data/hls config.

    Budget keys (n_trials, timeout, workers, storage, selection, baselines) are left out, so a study
    can be extended or finalized differently without starting over; so are output locations
    (hls.project_dir). `with_outputs`: the hash studies made before that was fixed carry.
    """
    space = {layer.name: resolve_layer_space(cfg, s, layer.name) for layer in cfg.model.layers}
    payload = {
        "engine": s.engine,
        "space": space,
        "cost": s.cost.model_dump(mode="json"),
        "fine_tune_epochs": s.fine_tune_epochs,
        "early_stop": s.early_stop.model_dump(mode="json"),
        "seed": s.seed if s.seed is not None else cfg.seed,
        "config": cfg.model_dump(mode="json", include={"data", "model", "train", "hls"}, exclude=None if with_outputs else OUTPUT_LOCATIONS),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _engine_kwargs(url: str, timeout_s: int) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 60}}
    if url.startswith(("postgresql", "postgres")):
        return {"connect_args": {"connect_timeout": timeout_s}, "pool_pre_ping": True}
    if url.startswith("mysql"):
        return {"connect_args": {"connect_timeout": timeout_s}, "pool_pre_ping": True}
    return {"pool_pre_ping": True}


def check_storage(url: str, timeout_s: int, *, where: str = "search.storage") -> None:
    """Connect once with a short timeout; a ConfigError (not a hang, not a traceback) when the URL
    is malformed or the database unreachable. No message shows the URL's password."""
    try:
        _check_storage(url, timeout_s, where=where)
    except ConfigError as exc:
        raise ConfigError(redact_text(exc.message), where=exc.where, fix=exc.fix) from None


def _check_storage(url: str, timeout_s: int, *, where: str) -> None:
    import sqlalchemy

    if url.startswith("sqlite:///"):
        file = Path(url.removeprefix("sqlite:///"))
        if not file.parent.exists():
            raise ConfigError(f"the SQLite file's folder {str(file.parent)!r} does not exist", where=where, fix="create the folder or fix the path")
        if file.is_file() and file.stat().st_size and file.read_bytes()[:16] != b"SQLite format 3\x00":
            raise ConfigError(f"{str(file)!r} exists but is not an SQLite database", where=where,
                              fix="point search.storage at a new or existing .db file, or move that file away")
    try:
        engine = sqlalchemy.create_engine(url, **_engine_kwargs(url, timeout_s))
    except (ImportError, sqlalchemy.exc.NoSuchModuleError) as exc:
        raise ConfigError(
            f"no database driver for {redact(url)!r} ({exc})", where=where,
            fix="install the driver (PostgreSQL: pip install psycopg2-binary; MySQL: pip install pymysql) or use sqlite:///path.db",
        ) from None  # fmt: skip
    except (sqlalchemy.exc.ArgumentError, ValueError) as exc:  # ValueError: e.g. a port that is not a number
        raise ConfigError(f"cannot parse the database URL {redact(url)!r}: {exc}", where=where,
                          fix="use e.g. postgresql://user:pass@host:5432/db or sqlite:///search.db") from None
    try:
        with engine.connect() as conn:
            conn.execute(sqlalchemy.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any driver error means: not reachable
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError(
            f"cannot reach the study database {redact(url)!r} within {timeout_s} s: {first}", where=where,
            fix="start the database server, check host/port/credentials, or set search.storage: null for a local SQLite file",
        ) from None  # fmt: skip
    finally:
        engine.dispose()


def _storage_where(cfg: FlowConfig) -> str:
    return f"{cfg.source_path or '<config>'}: search.storage"


def make_sampler(s: SearchSettings, seed: int):
    import optuna

    if s.sampler == "nsga2":
        return optuna.samplers.NSGAIISampler(population_size=s.population_size, seed=seed)
    n_startup = max(2, min(10, s.n_trials // 3))
    return optuna.samplers.TPESampler(seed=seed, n_startup_trials=n_startup, multivariate=True, constant_liar=True)


# where optuna logs a failed trial; a filter on the "optuna" logger would not see its children's records
OPTUNA_TRIAL_LOGGER = "optuna.study._optimize"


class _InterruptedTrialFilter(logging.Filter):
    """Optuna logs a Ctrl-C'd (or SIGTERM'd) trial as a failure with its whole traceback, plus a
    'failed with value None' line, just before the CLI's one-line 'interrupted' message: keep one
    short line instead."""

    _FAILED = re.compile(r"Trial (\d+) failed with (parameters|value)")

    def __init__(self) -> None:
        super().__init__()
        self._interrupted: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        m = self._FAILED.match(record.getMessage())
        if m is None:
            return True
        number, kind = m.groups()
        exc = record.exc_info[1] if record.exc_info else None
        if kind == "parameters" and isinstance(exc, KeyboardInterrupt):
            self._interrupted.add(number)
            record.msg, record.args = f"trial {number} interrupted: recorded as failed, the search re-runs it when resumed", ()
            record.exc_info, record.exc_text = None, None
            return True
        if kind == "value" and number in self._interrupted:
            self._interrupted.discard(number)
            return False
        return True


def quiet_interrupted_trials() -> None:
    """Install _InterruptedTrialFilter once on optuna's trial logger."""
    logger = logging.getLogger(OPTUNA_TRIAL_LOGGER)
    if not any(isinstance(f, _InterruptedTrialFilter) for f in logger.filters):
        logger.addFilter(_InterruptedTrialFilter())


def open_study(cfg: FlowConfig, run_dir: Path, *, worker_index: int = 0):
    """Create or load the study; ConfigError if it was made by a different config."""
    import warnings

    import optuna

    s = settings_of(cfg)
    url = storage_url(s, run_dir, cfg.source_path)
    Path(run_dir).mkdir(parents=True, exist_ok=True)
    check_storage(url, s.connect_timeout_s, where=_storage_where(cfg))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    quiet_interrupted_trials()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # heartbeat options are "experimental"
        storage = optuna.storages.RDBStorage(
            url,
            engine_kwargs=_engine_kwargs(url, s.connect_timeout_s),
            heartbeat_interval=s.heartbeat_s,
            grace_period=s.grace_s,
            heartbeat_stale_trial_callback=optuna.storages.RetryFailedTrialCallback(max_retry=1),
        )
    name = study_name(cfg, s)
    base_seed = s.seed if s.seed is not None else cfg.seed
    study = optuna.create_study(study_name=name, storage=storage, directions=list(DIRECTIONS), load_if_exists=True)
    h = config_hash(cfg, s)
    old = study.user_attrs.get("config_hash")
    if old is None:
        study.set_user_attr("config_hash", h)
        study.set_user_attr("engine", s.engine)
        study.set_user_attr("config_name", cfg.name)
    elif old != h:
        if old != config_hash(cfg, s, with_outputs=True):
            raise _other_config(cfg, name, url, old, h, run_dir)
        study.set_user_attr("config_hash", h)  # made before output locations left the hash: the same config
    # a fresh sampler seed per worker and per restart, so workers and resumed runs do not repeat the
    # same draws; hashed (not base + k * index): nearby seeds drew the same first point on small spaces
    n_existing = len(study.get_trials(deepcopy=False))
    study.sampler = make_sampler(s, worker_seed(base_seed, worker_index, n_existing))
    return study


def worker_seed(base_seed: int, worker_index: int, n_existing: int) -> int:
    """The sampler seed of one worker process (numpy's range), decorrelated across workers and restarts."""
    import numpy as np

    return int(np.random.SeedSequence([base_seed, worker_index, n_existing]).generate_state(1)[0])


# --------------------------------------------------------------------------------------------
# Choices: what one trial evaluates
# --------------------------------------------------------------------------------------------

Choice = dict[str, dict[str, Any]]  # {layer: {"kernel": [bits, int], "bias": [...], "activation": [...]|None, "sparsity": float|None}}


def search_space(cfg: FlowConfig, s: SearchSettings) -> dict[str, dict[str, list]]:
    out = {}
    for layer in cfg.model.layers:
        space = resolve_layer_space(cfg, s, layer.name)
        if space:
            out[layer.name] = space
    return out


def _params(space: dict[str, dict[str, list]]) -> list[tuple[str, list]]:
    """The categorical parameters of a choice, by optuna name ('<layer>.<field>'), with their
    candidates, in the order the sampler draws them."""
    out = []
    for name, fields in space.items():
        for f in ("kernel", "bias", "activation"):
            if f"{f}_bits" in fields:
                out += [(f"{name}.{f}_bits", fields[f"{f}_bits"]), (f"{name}.{f}_integer", fields[f"{f}_integer"])]
        if "sparsity" in fields:
            out.append((f"{name}.sparsity", fields["sparsity"]))
    return out


def choice_from_params(params: dict[str, Any], space: dict[str, dict[str, list]]) -> Choice:
    """The choice a set of optuna parameter values stands for."""
    choice: Choice = {}
    for name, fields in space.items():
        c: dict[str, Any] = {}
        for f in ("kernel", "bias", "activation"):
            if f"{f}_bits" in fields:
                c[f] = [int(params[f"{name}.{f}_bits"]), int(params[f"{name}.{f}_integer"])]
        if "sparsity" in fields:
            c["sparsity"] = float(params[f"{name}.sparsity"])
        choice[name] = c
    return choice


def suggest_choice(trial, space: dict[str, dict[str, list]]) -> Choice:
    return choice_from_params({n: trial.suggest_categorical(n, c) for n, c in _params(space)}, space)


def uniform_choice(cfg: FlowConfig, bits: int, sparsity: float | None = None) -> Choice:
    """Every searched quantizer at `bits` wide; integer bits from the config, clipped to fit."""
    choice: Choice = {}
    for layer in cfg.model.layers:
        c: dict[str, Any] = {}
        for f in ("kernel", "bias", "activation"):
            q = getattr(cfg.model, f)(layer)
            if q is None:
                continue
            limit = bits - 1 if q.type == "quantized_bits" else bits
            c[f] = [bits, min(q.integer, limit)]
        if sparsity is not None:
            c["sparsity"] = sparsity
        choice[layer.name] = c
    return choice


def apply_choice(cfg: FlowConfig, choice: Choice):
    """(ModelConfig, PruningConfig) with the choice's quantizers and sparsities."""
    layers = []
    for layer in cfg.model.layers:
        c = choice.get(layer.name, {})
        update = {}
        for f in ("kernel", "bias", "activation"):
            if c.get(f) is None:
                continue
            current = getattr(cfg.model, f)(layer)
            qtype = current.type if current is not None else "quantized_bits"
            update[f] = Quantizer(type=qtype, bits=int(c[f][0]), integer=int(c[f][1]))
        layers.append(layer.model_copy(update=update))
    model_cfg = cfg.model.model_copy(update={"layers": layers})
    pruning = cfg.train.pruning
    sparsities = {name: float(c["sparsity"]) for name, c in choice.items() if c.get("sparsity") is not None}
    if sparsities:
        if not pruning.enabled:
            pruning = pruning.model_copy(update={"enabled": True, "target_sparsity": 0.0})
        pruning = pruning.model_copy(update={"per_layer": {**pruning.per_layer, **sparsities}})
    return model_cfg, pruning


def bits_summary(cfg: FlowConfig, choice: Choice) -> dict[str, dict[str, int | None]]:
    """{layer: {kernel, bias, activation}} widths, with the config's value for unsearched layers."""
    model_cfg, _ = apply_choice(cfg, choice)
    out = {}
    for layer in model_cfg.layers:
        act = model_cfg.activation(layer)
        out[layer.name] = {
            "kernel": model_cfg.kernel(layer).bits,
            "bias": model_cfg.bias(layer).bits,
            "activation": act.bits if act is not None else None,
        }
    return out


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


@dataclass
class Evaluation:
    val_accuracy: float
    test_accuracy: float
    costs: dict[str, float]
    sparsity: dict[str, float]
    model: Any = None
    history: list[float] = field(default_factory=list)


class Evaluator:
    """Fine-tunes choices from the trained student; loaded once per process."""

    def __init__(self, cfg: FlowConfig, run_dir: Path) -> None:
        from flow.data import Split
        from flow.model import load_model
        from flow.train import accuracy_of

        self.cfg = cfg
        self.s = settings_of(cfg)
        run_dir = Path(run_dir)
        split_path, student_path = run_dir / "data" / "split.npz", run_dir / "train" / "student.h5"
        for p in (split_path, student_path):
            if not p.exists():
                raise FlowError(f"{p} is missing: the search starts from the trained student", where=str(run_dir),
                                fix=f"run `flow run {cfg.source_path} --to train --out {run_dir}` first")  # fmt: skip
        self.split = Split.load(split_path)
        self.student = load_model(student_path)
        from flow.model import logits_model

        self.student_val = accuracy_of(logits_model(self.student).predict(self.split.X_val, verbose=0), self.split.y_val)
        self.teacher_logits = None
        self.teacher_val = float("nan")
        teacher_path = run_dir / "train" / "teacher.h5"
        if teacher_path.exists():
            teacher = load_model(teacher_path)
            self.teacher_val = accuracy_of(teacher.predict(self.split.X_val, verbose=0), self.split.y_val)
            if cfg.train.distillation.enabled:
                self.teacher_logits = teacher.predict(self.split.X_train, verbose=0)
        self.seed = self.s.seed if self.s.seed is not None else cfg.seed

    def evaluate(self, choice: Choice, *, on_epoch: Callable[[int, float], None] | None = None, epochs: int | None = None) -> Evaluation:
        import tensorflow as tf

        from flow.hls import plan_model
        from flow.prune import sparsity_per_layer
        from flow.train import accuracy_of, train_student

        model_cfg, pruning = apply_choice(self.cfg, choice)
        split = self.split
        history: list[float] = []

        class _ValAcc(tf.keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):  # noqa: ANN001
                acc = accuracy_of(self.model.predict(split.X_val, verbose=0), split.y_val)
                history.append(acc)
                if on_epoch is not None:
                    on_epoch(epoch, acc)

        kd = self.cfg.train.distillation
        result = train_student(
            split, model_cfg, self.cfg.train.student, pruning, seed=self.seed, init_from=self.student,
            epochs=epochs or self.s.fine_tune_epochs, progress=False, desc="search trial", callbacks=[_ValAcc()],
            teacher_logits=self.teacher_logits, temperature=kd.temperature, alpha=kd.alpha,
        )  # fmt: skip
        design = plan_model(result.model, hls_cfg=self.cfg.hls, name=self.cfg.name).design
        return Evaluation(
            val_accuracy=float(result.val_accuracy), test_accuracy=float(result.test_accuracy),
            costs=all_costs(design, self.s), sparsity=sparsity_per_layer(result.model), model=result.model, history=history,
        )  # fmt: skip


def choice_key(choice: Choice) -> str:
    """A canonical string of a choice (equal choices, equal keys; also after a JSON round trip)."""
    return json.dumps(choice, sort_keys=True)


def running_twin(study, trial) -> Any:
    """Another RUNNING trial (another worker's) evaluating the same choice that claimed it first, or
    None. Each trial records its choice and the time it claimed it before looking, so of two
    trials that drew the same choice at once exactly one waits for the other: the later claim (on
    a tie, the higher number)."""
    from optuna.trial import TrialState

    mine = trial.study.get_trials(deepcopy=False)  # one read: our own record as stored
    own = next((t for t in mine if t.number == trial.number), None)
    if own is None or "claimed_at" not in own.user_attrs:
        return None
    key, rank = choice_key(own.user_attrs["choice"]), (own.user_attrs["claimed_at"], own.number)
    twins = [t for t in mine if t.state == TrialState.RUNNING and t.number != trial.number and "claimed_at" in t.user_attrs
             and "choice" in t.user_attrs and choice_key(t.user_attrs["choice"]) == key
             and (t.user_attrs["claimed_at"], t.number) < rank]  # fmt: skip
    return min(twins, key=lambda t: (t.user_attrs["claimed_at"], t.number)) if twins else None


def wait_for_trial(study, number: int, *, poll_s: float = 1.0):
    """Block until trial `number` is no longer RUNNING (its worker finished it, or the heartbeat
    failed it); returns its final record."""
    import warnings

    import optuna
    from optuna.trial import TrialState

    while True:
        raise_if_signalled()
        t = next(t for t in study.get_trials(deepcopy=False) if t.number == number)
        if t.state != TrialState.RUNNING:
            return t
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "experimental"
            # its worker may have been killed: optuna only fails stale trials when a trial starts,
            # and this worker is not starting one
            optuna.storages.fail_stale_trials(study)
        time.sleep(poll_s)


def earlier_trial_with(study, choice: Choice):
    """The first finished trial (complete or stopped early) that evaluated `choice`, or None."""
    from optuna.trial import TrialState

    key = choice_key(choice)
    same = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))
            if "choice" in t.user_attrs and choice_key(t.user_attrs["choice"]) == key]  # fmt: skip
    return min(same, key=lambda t: t.number) if same else None


def queue_unevaluated(study, space: dict[str, dict[str, list]], *, near: dict[str, Any], seed: int, tries: int = 200) -> bool:
    """After a re-proposal of `near` (its optuna params), queue a choice no trial has taken, so the
    next trial explores instead of repeating: a neighbour of it (one parameter changed: the
    sampler re-proposes its good parents, so stay close to them), else any untaken choice (every
    one listed when the space holds <= 10k, else random draws). False when none is left."""
    import itertools
    import random

    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)
    taken = {choice_key(t.user_attrs["choice"]) for t in trials if "choice" in t.user_attrs}
    for t in trials:
        if t.state == TrialState.WAITING:  # queued: its parameters are optuna's fixed_params until a worker takes it
            queued = {**t.system_attrs.get("fixed_params", {}), **t.params}
            if all(n in queued for n, _ in _params(space)):
                taken.add(choice_key(choice_from_params(queued, space)))
    params = _params(space)
    names = [n for n, _ in params]
    rng = random.Random(seed)
    neighbours = [{**near, n: v} for n, c in params if n in near for v in c if v != near[n]]
    rng.shuffle(neighbours)
    if space_size(space) <= 10_000:
        anywhere = [dict(zip(names, values)) for values in itertools.product(*(c for _, c in params))]
        rng.shuffle(anywhere)
    else:
        anywhere = [{n: rng.choice(c) for n, c in params} for _ in range(tries)]
    for p in neighbours + anywhere:
        if choice_key(choice_from_params(p, space)) not in taken:
            study.enqueue_trial(p)
            return True
    return False


def make_objective(cfg: FlowConfig, evaluator: Evaluator):
    import optuna
    from optuna.trial import TrialState

    s = settings_of(cfg)
    space = search_space(cfg, s)
    reference = evaluator.student_val
    n_epochs = s.fine_tune_epochs

    def objective(trial) -> tuple[float, float]:
        choice = suggest_choice(trial, space)
        trial.set_user_attr("choice", choice)
        trial.set_user_attr("claimed_at", time.time())
        trial.set_user_attr("pid", os.getpid())
        # another worker is training this very choice (two samplers drew it at once): wait for its
        # result and reuse it below, instead of training it twice
        twin = running_twin(trial.study, trial)
        if twin is not None:
            log.info("trial %d: the choice of trial %d, which another worker is evaluating: waiting for its result", trial.number, twin.number)
            queue_unevaluated(trial.study, space, near=trial.params, seed=trial.number)  # the next trial explores instead
            wait_for_trial(trial.study, twin.number)
        # samplers re-propose evaluated choices (a small space, NSGA-II's offspring): training is
        # seeded, so reuse the result instead of minutes of fine-tuning; it does not count toward
        # n_trials (count_finished), and an unevaluated choice is queued for the next trial
        same = earlier_trial_with(trial.study, choice)
        if same is not None:
            trial.set_user_attr("duplicate_of", same.number)
            queue_unevaluated(trial.study, space, near=trial.params, seed=trial.number)  # the next trial explores instead
            if same.state == TrialState.PRUNED:
                raise optuna.TrialPruned(f"the choice of trial {same.number}, which was stopped early")
            for key in ("costs", "test_accuracy", "sparsity"):
                if key in same.user_attrs:
                    trial.set_user_attr(key, same.user_attrs[key])
            acc, cost = (float(v) for v in same.values)
            log.info("trial %d: val acc %.4f, %s %.0f (the choice of trial %d: result reused, not retrained)",
                     trial.number, acc, s.cost.metric, cost, same.number)  # fmt: skip
            return acc, cost

        def on_epoch(epoch: int, acc: float) -> None:
            raise_if_signalled()
            trial.set_user_attr(f"val_accuracy_epoch_{epoch + 1}", acc)
            es = s.early_stop
            # only when epochs remain: a trial that finished its fine-tune is a real (if poor)
            # point of the trade-off, and the sampler learns from it
            if es.enabled and epoch + 1 == es.after_epoch < n_epochs and acc < reference - es.max_drop:
                raise optuna.TrialPruned(f"val accuracy {acc:.3f} after epoch {epoch + 1} is more than {es.max_drop:.2f} below the student's {reference:.3f}")

        ev = evaluator.evaluate(choice, on_epoch=on_epoch, epochs=n_epochs)
        trial.set_user_attr("costs", ev.costs)
        trial.set_user_attr("test_accuracy", ev.test_accuracy)
        trial.set_user_attr("sparsity", ev.sparsity)
        log.info("trial %d: val acc %.4f, %s %.0f", trial.number, ev.val_accuracy, s.cost.metric, ev.costs["cost"])
        return ev.val_accuracy, ev.costs["cost"]

    return objective


# --------------------------------------------------------------------------------------------
# Running trials
# --------------------------------------------------------------------------------------------


def _finished_counts(study) -> tuple[int, int]:
    """(distinct, repeated): the distinct choices finished trials (complete or stopped early)
    evaluated, and the finished trials beyond those (reused results, or a choice two workers
    trained at once)."""
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))
    distinct = {choice_key(t.user_attrs["choice"]) if "choice" in t.user_attrs else f"#{t.number}" for t in trials}
    return len(distinct), len(trials) - len(distinct)


def count_finished(study) -> int:
    """What search.n_trials counts: re-proposals do not, so a sampler that repeats itself cannot
    shrink the search the user asked for."""
    return _finished_counts(study)[0]


def count_reused(study) -> int:
    return _finished_counts(study)[1]


def space_size(space: dict[str, dict[str, list]]) -> int:
    """How many distinct choices the space holds (each candidate list is one categorical)."""
    return math.prod(len(values) for fields in space.values() for values in fields.values())


def max_reused(s: SearchSettings) -> int:
    """Re-proposals tolerated before the sampler is taken to have nothing new to offer."""
    return max(20, 2 * s.n_trials)


def search_done(cfg: FlowConfig, study, *, announce: bool = False) -> bool:
    """n_trials distinct choices evaluated, the whole space evaluated, or a sampler that only
    re-proposes evaluated choices (max_reused)."""
    s = settings_of(cfg)
    (done, reused), size = _finished_counts(study), space_size(search_space(cfg, s))
    if done >= min(s.n_trials, size):
        if announce and size < s.n_trials:
            log.warning("the search space holds %d choices, fewer than search.n_trials=%d: all were evaluated", size, s.n_trials)
        return True
    if s.engine == "optuna" and reused >= max_reused(s):
        if announce:
            log.warning("the sampler re-proposed already evaluated choices %d times; stopping with %d of n_trials=%d "
                        "distinct choices evaluated (widen the space or change search.sampler/seed)", reused, done, s.n_trials)
        return True
    return False


def run_trials(cfg: FlowConfig, run_dir: Path, *, worker_index: int = 0) -> int:
    """Run trials in this process until the study has n_trials finished ones; returns how many ran here."""
    import optuna
    from optuna.trial import TrialState

    s = settings_of(cfg)
    study = open_study(cfg, run_dir, worker_index=worker_index)
    if search_done(cfg, study):
        return 0
    if s.engine == "autoqkeras":
        from flow.autoqkeras_engine import run_autoqkeras

        return run_autoqkeras(cfg, run_dir, study, Evaluator(cfg, run_dir))
    evaluator = Evaluator(cfg, run_dir)
    ran = 0

    def stop_when_done(study_, trial) -> None:
        nonlocal ran
        ran += 1
        if search_done(cfg, study_, announce=True):
            study_.stop()
        n_failed = len(study_.get_trials(deepcopy=False, states=(TrialState.FAIL,)))
        if n_failed > max(3, s.n_trials):
            log.error("%d trials failed; stopping (see the worker logs)", n_failed)
            study_.stop()

    objective = make_objective(cfg, evaluator)
    current: list[int] = []  # the number of the trial running here

    def tracked(trial) -> tuple[float, float]:
        current[:] = [trial.number]
        raise_if_signalled()
        return objective(trial)

    try:
        study.optimize(tracked, n_trials=None, timeout=s.timeout_s, callbacks=[stop_when_done],
                       catch=(FlowError,), gc_after_trial=False, show_progress_bar=False)  # fmt: skip
    except KeyboardInterrupt:
        if current:
            requeue_interrupted(study, current[0])
        raise
    return ran


def requeue_interrupted(study, number: int) -> None:
    """Queue an interrupted (so failed) trial's parameters again, once, as heartbeats do for a
    killed worker's trial: a resumed search runs it first."""
    import warnings

    import optuna
    from optuna.trial import TrialState

    trial = next((t for t in study.get_trials(deepcopy=False) if t.number == number), None)
    if trial is None or trial.state != TrialState.FAIL or not trial.params:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "experimental"
        optuna.storages.RetryFailedTrialCallback(max_retry=1)(study, trial)


def write_worker_config(cfg: FlowConfig, run_dir: Path) -> Path:
    """The validated config as JSON for worker processes (the YAML may have been a dict or changed since)."""
    from flow.artifacts import write_json

    path = Path(run_dir) / "search_logs" / "config.json"
    write_json(path, {"source": cfg.source_path, "config": cfg.model_dump(mode="json", exclude={"source_path"})})
    return path


def spawn_workers(cfg: FlowConfig, run_dir: Path, n: int, *, first_index: int = 0) -> list[subprocess.Popen]:
    """Start `n` local `python -m flow.search_worker` processes on the study."""
    run_dir = Path(run_dir).resolve()
    cfg_path = write_worker_config(cfg, run_dir)
    procs = []
    for i in range(first_index, first_index + n):
        logf = open(run_dir / "search_logs" / f"worker_{i}.log", "ab")  # noqa: SIM115 - owned by the child
        cmd = [sys.executable, "-m", "flow.search_worker", "--config-json", str(cfg_path), "--run-dir", str(run_dir), "--worker-index", str(i)]
        procs.append(subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}))
        logf.close()
    return procs


class Terminated(KeyboardInterrupt):
    """SIGTERM as an interrupt, so try/finally blocks run and optuna records the running trial as failed."""


#: the interrupt interrupt_on_sigterm raised, while its block runs
_signalled: list[KeyboardInterrupt] = []


def raise_if_signalled() -> None:
    """Raise again an interrupt that was swallowed: a signal handler's exception raised inside
    TensorFlow's C++ can be cleared there (seen: a SIGTERM'd worker finished every trial, exit 0,
    about 1 run in 8), and the handler ignores further signals. Called at trial and epoch starts."""
    if _signalled:
        raise _signalled[0]


@contextmanager
def interrupt_on_sigterm(cleanup: Callable[[], None] | None = None) -> Iterator[None]:
    """Inside: SIGTERM raises Terminated (Ctrl-C: KeyboardInterrupt as usual), then further SIGTERM
    and Ctrl-C are ignored until the block is left, so the cleanup (failing and re-queuing the
    trial; `cleanup`, run on the way out however the block ends) is not cut short. A signal that
    lands while the handlers are being installed still runs `cleanup`. SIGKILL still works. Main
    thread only."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        try:
            yield
        finally:
            if cleanup is not None:
                cleanup()
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}

    def on_signal(signum: int, frame: Any) -> None:
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        _signalled[:] = [Terminated("SIGTERM") if signum == signal.SIGTERM else KeyboardInterrupt()]
        raise _signalled[0]

    try:
        for sig in previous:
            signal.signal(sig, on_signal)
        yield
    finally:
        try:
            if cleanup is not None:
                for sig in previous:
                    signal.signal(sig, signal.SIG_IGN)
                cleanup()
        finally:
            _signalled.clear()
            for sig, handler in previous.items():
                signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def stop_workers(procs: list[subprocess.Popen], grace_s: float = 10.0) -> None:
    """Terminate the workers still running (each fails and re-queues its trial, then exits); kill
    those still alive after `grace_s` seconds (their trials go stale and are re-queued)."""
    alive = [p for p in procs if p.poll() is None]
    if not alive:
        return
    log.warning("stopping %d search worker(s); their running trials are re-run when the search resumes", len(alive))
    for p in alive:
        p.terminate()
    deadline = time.monotonic() + grace_s
    for p in alive:
        try:
            p.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def _exit_text(code: int) -> str:
    import signal

    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exited with code {code}"


def wait_workers(procs: list[subprocess.Popen], run_dir: Path, *, done: Callable[[], bool] | None = None) -> None:
    """Wait for the workers; interrupted (Ctrl-C, SIGTERM) or failing, never leave one running.

    A worker that failed or was killed is an error, unless `done()` says the study reached its
    budget anyway (the other workers finished it): then a warning names it and the search goes on."""
    with interrupt_on_sigterm(cleanup=lambda: stop_workers(procs)):
        codes = [p.wait() for p in procs]
    bad = [(i, c) for i, c in enumerate(codes) if c != 0]
    if not bad:
        return
    what = "; ".join(f"worker {i} {_exit_text(c)}" for i, c in bad)
    logs = Path(run_dir) / "search_logs"
    if done is not None and done():
        log.warning("search %s (its log: %s), but the study reached its budget: finishing with the finished trials", what, logs)
        return
    raise FlowError(
        f"search {what} before the study reached its budget", where=str(logs),
        fix="read the worker logs there; re-run the same command to resume: every finished trial is kept",
    )  # fmt: skip


def run_workers(cfg: FlowConfig, run_dir: Path, workers: int) -> None:
    """All trials, with `workers` processes (1: in this process)."""
    s = settings_of(cfg)
    open_study(cfg, run_dir)  # create the study and its tables once, before workers race for them
    with interrupt_on_sigterm():  # SIGTERM ends a trial here like Ctrl-C: failed, re-queued
        if workers <= 1 or s.engine == "autoqkeras":  # autoqkeras: refused with workers > 1 before training
            run_trials(cfg, run_dir)
            return
        wait_workers(spawn_workers(cfg, run_dir, workers), run_dir, done=lambda: search_done(cfg, open_study(cfg, run_dir)))


# --------------------------------------------------------------------------------------------
# Pareto front, baselines, selection, report
# --------------------------------------------------------------------------------------------


def pareto_front(points: list[dict]) -> list[dict]:
    """Non-dominated points (max accuracy, min cost), sorted by cost."""
    front = []
    for p in points:
        dominated = any(
            q["accuracy"] >= p["accuracy"] and q["cost"] <= p["cost"] and (q["accuracy"] > p["accuracy"] or q["cost"] < p["cost"])
            for q in points
        )
        if not dominated:
            front.append(p)
    # identical (accuracy, cost) pairs: keep the first
    seen, out = set(), []
    for p in sorted(front, key=lambda p: (p["cost"], -p["accuracy"], p.get("trial", 0))):
        key = (p["accuracy"], p["cost"])
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def unique_points(points: list[dict]) -> list[dict]:
    """One point per configuration, the earliest trial's: a re-proposed choice reused its result
    (or two workers evaluated it at once) and must not be listed twice."""
    seen: set[str] = set()
    out = []
    for p in sorted(points, key=lambda p: p["trial"]):
        key = choice_key(p["choice"])
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def hypervolume(points: list[dict], *, ref_cost: float, ref_accuracy: float = 0.0) -> float:
    """Area dominated by the front up to (ref_cost, ref_accuracy); cost normalized by ref_cost."""
    front = [p for p in pareto_front(points) if p["cost"] < ref_cost and p["accuracy"] > ref_accuracy]
    area = 0.0
    for i, p in enumerate(front):  # sorted by cost, accuracy rising along the front
        nxt = front[i + 1]["cost"] if i + 1 < len(front) else ref_cost
        area += (nxt - p["cost"]) / ref_cost * (p["accuracy"] - ref_accuracy)
    return float(area)


def point_from_trial(cfg: FlowConfig, t) -> dict:
    choice = t.user_attrs["choice"]
    costs = t.user_attrs.get("costs", {})
    return {
        "trial": t.number,
        "accuracy": float(t.values[0]),
        "cost": float(t.values[1]),
        "test_accuracy": t.user_attrs.get("test_accuracy"),
        "bits": bits_summary(cfg, choice),
        "choice": choice,
        "sparsity": t.user_attrs.get("sparsity", {}),
        **{k: costs.get(k) for k in REPORTED_METRICS},
    }


def _baseline_key(cfg: FlowConfig, s: SearchSettings, bits: int) -> str:
    return f"baseline:{bits}:{s.baselines.sparsity}"


def evaluate_baselines(cfg: FlowConfig, study, evaluator: Evaluator) -> list[dict]:
    """Uniform-width models, fine-tuned exactly like trials; cached in the study's user attrs."""
    s = settings_of(cfg)
    out = []
    for bits in s.baselines.bits:
        key = _baseline_key(cfg, s, bits)
        cached = study.user_attrs.get(key)
        if cached is None:
            choice = uniform_choice(cfg, bits, s.baselines.sparsity)
            ev = evaluator.evaluate(choice)
            cached = {
                "name": f"uniform {bits}-bit", "uniform_bits": bits, "accuracy": ev.val_accuracy, "cost": ev.costs["cost"],
                "test_accuracy": ev.test_accuracy, "bits": bits_summary(cfg, choice), "choice": choice, "sparsity": ev.sparsity,
                **{k: ev.costs[k] for k in REPORTED_METRICS},
            }  # fmt: skip
            study.set_user_attr(key, cached)
        out.append(cached)
    return out


def select(front: list[dict], reference: float, tolerance: float) -> tuple[dict, bool]:
    """Cheapest point within `tolerance` of `reference`; else the most accurate (rule not met)."""
    ok = [p for p in front if p["accuracy"] >= reference - tolerance - 1e-12]
    if ok:
        return min(ok, key=lambda p: (p["cost"], -p["accuracy"])), True
    return max(front, key=lambda p: (p["accuracy"], -p["cost"])), False


def plot_pareto(points: list[dict], front: list[dict], baselines: list[dict], chosen: dict | None, out_png: Path, *, cost_metric: str, title: str = "") -> Path:
    from matplotlib.figure import Figure  # no pyplot: leaves the caller's backend (e.g. a notebook's) alone

    fig = Figure(figsize=(6.4, 4.4))
    ax = fig.subplots()
    if points:
        ax.scatter([p["cost"] for p in points], [p["accuracy"] for p in points], s=14, c="0.7", label="trials")
    if front:
        ax.step([p["cost"] for p in front], [p["accuracy"] for p in front], where="post", c="C0", lw=1.2)
        ax.scatter([p["cost"] for p in front], [p["accuracy"] for p in front], s=26, c="C0", label="Pareto front")
    for b in baselines:
        ax.scatter([b["cost"]], [b["accuracy"]], marker="s", s=40, c="C3")
        ax.annotate(b["name"], (b["cost"], b["accuracy"]), textcoords="offset points", xytext=(4, -10), fontsize=8, color="C3")
    if baselines:
        ax.scatter([], [], marker="s", c="C3", label="uniform baselines")
    if chosen:
        ax.scatter([chosen["cost"]], [chosen["accuracy"]], marker="*", s=160, c="C2", edgecolors="k", label="chosen", zorder=5)
    ax.set_xscale("log")
    ax.set_xlabel(f"cost ({cost_metric})")
    ax.set_ylabel("validation accuracy")
    ax.set_title(title or "bit-width search")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    out_png = Path(out_png)
    from flow.artifacts import atomic_path

    with atomic_path(out_png) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    return out_png


def finalize(cfg: FlowConfig, run_dir: Path, out: Path, *, started: float | None = None) -> dict:
    """Pareto front, baselines, selection, the chosen model (selected.h5) and the reports.

    `started` (time.perf_counter() when the search began): wall_time_s is measured up to the
    summary, baselines and the chosen model's retraining included."""
    from optuna.trial import TrialState

    from flow.artifacts import write_json
    from flow.model import save_model

    s = settings_of(cfg)
    study = open_study(cfg, run_dir)
    evaluator = Evaluator(cfg, run_dir)
    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == TrialState.COMPLETE and "choice" in t.user_attrs]
    if not complete:
        raise FlowError(
            f"study {study.study_name!r} has no completed trial ({len(trials)} trials: "
            f"{sum(t.state == TrialState.PRUNED for t in trials)} stopped early, {sum(t.state == TrialState.FAIL for t in trials)} failed)",
            where=f"{cfg.source_path}: search", fix="loosen search.early_stop.max_drop, widen the candidate widths or raise n_trials",
        )  # fmt: skip
    points = unique_points([point_from_trial(cfg, t) for t in complete])
    front = pareto_front(points)
    baselines = evaluate_baselines(cfg, study, evaluator)
    sel = s.selection
    if sel.reference == "float":
        reference, ref_name = evaluator.teacher_val, "float model"
    elif sel.reference == "student":
        reference, ref_name = evaluator.student_val, "trained student"
    else:
        b = next(b for b in baselines if b["uniform_bits"] == sel.baseline_bits)
        reference, ref_name = b["accuracy"], b["name"]
    if math.isnan(reference):
        raise FlowError("the selection reference accuracy is undefined (no validation split?)", where=f"{cfg.source_path}: search.selection",
                        fix="set data.val_fraction > 0")  # fmt: skip
    chosen, met = select(front, reference, sel.tolerance)
    warnings = []
    if not met:
        # kept in search.json too: the report lists it (a log line alone was lost once the run ended)
        warnings.append(f"search: the selection rule was not met: no Pareto point is within {sel.tolerance:g} of the {ref_name}'s "
                        f"validation accuracy ({reference:.4f}); the most accurate point ({chosen['accuracy']:.4f}) was chosen "
                        "(search.selection.tolerance, search.n_trials or the search space)")
        log.warning("%s", warnings[-1])
    # retrain the chosen point exactly as its trial did (same seed and epochs: deterministic)
    ev = evaluator.evaluate(chosen["choice"])
    save_model(ev.model, Path(out) / "selected.h5")
    chosen = {**chosen, "retrained_val_accuracy": ev.val_accuracy, "retrained_test_accuracy": ev.test_accuracy,
              "retrained_costs": ev.costs, "rule_met": met}  # fmt: skip
    if abs(ev.val_accuracy - chosen["accuracy"]) > 1e-9:
        log.warning("retrained chosen model: val accuracy %.4f, trial had %.4f (non-deterministic kernels?)", ev.val_accuracy, chosen["accuracy"])
    states = {st.name.lower(): sum(t.state == st for t in trials) for st in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL, TrialState.RUNNING, TrialState.WAITING)}
    starts = [t.datetime_start for t in trials if t.datetime_start]
    ends = [t.datetime_complete for t in trials if t.datetime_complete]
    span = (max(ends) - min(starts)).total_seconds() if starts and ends else 0.0
    ref_cost = max(b["cost"] for b in baselines) if baselines else max(p["cost"] for p in points)
    summary = {
        "enabled": True,
        "engine": s.engine,
        "n_trials": states["complete"] + states["pruned"],
        "n_trials_requested": s.n_trials,
        "n_duplicates": count_reused(study),
        "trial_states": states,
        "wall_time_s": round(time.perf_counter() - started, 3) if started is not None else 0.0,
        "trials_span_s": round(span, 3),
        "study": {"name": study.study_name, "storage": redact(storage_url(s, run_dir, cfg.source_path)), "config_hash": study.user_attrs.get("config_hash")},
        "cost_metric": s.cost.metric,
        "objectives": {"accuracy": "validation accuracy (max)", "cost": f"{s.cost.metric} (min)"},
        "reference": {"name": ref_name, "accuracy": reference, "tolerance": sel.tolerance,
                      "float_val_accuracy": evaluator.teacher_val, "student_val_accuracy": evaluator.student_val},  # fmt: skip
        "hypervolume": hypervolume(points, ref_cost=ref_cost),
        "hypervolume_ref_cost": ref_cost,
        "pareto": front,
        "baselines": baselines,
        "chosen": chosen,
        "warnings": warnings,
    }
    write_json(Path(out) / "search.json", summary)
    write_json(Path(out) / "pareto.json", {"cost_metric": s.cost.metric, "pareto": front, "baselines": baselines, "all": points, "chosen": chosen})
    plot_pareto(points, front, baselines, chosen, Path(out) / "pareto.png", cost_metric=s.cost.metric, title=f"{cfg.name}: {s.engine} search")
    return summary


# --------------------------------------------------------------------------------------------
# Entry points: the stage, the CLI, preflight
# --------------------------------------------------------------------------------------------


def preflight(cfg: FlowConfig, run_dir: Path | None = None) -> None:
    """Validate the section, check an explicit database is reachable and that an existing study
    was made by this config, before any training (which would overwrite the study's student)."""
    s = validate_search_section(cfg, source=cfg.source_path or "<config>")
    if s.storage:
        check_storage(storage_url(s, Path(run_dir or "."), cfg.source_path), s.connect_timeout_s, where=_storage_where(cfg))
    if run_dir is not None and s.engine == "optuna":
        _check_existing_study(cfg, s, Path(run_dir), checked=bool(s.storage))
    if s.engine == "autoqkeras":
        try:
            import importlib.util

            if importlib.util.find_spec("keras_tuner") is None:
                raise ImportError
        except ImportError:
            from flow.errors import ToolError

            raise ToolError("search.engine: autoqkeras needs keras-tuner", where=f"{cfg.source_path}: search.engine", fix="pip install keras-tuner") from None


def _check_existing_study(cfg: FlowConfig, s: SearchSettings, run_dir: Path, *, checked: bool) -> None:
    """The study's config hash against this config, without creating anything (`checked`: the
    storage was just reached)."""
    import optuna

    url = storage_url(s, run_dir, cfg.source_path)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return
    if not checked:
        check_storage(url, s.connect_timeout_s, where=_storage_where(cfg))
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    name = study_name(cfg, s)
    try:
        study = optuna.load_study(study_name=name, storage=url)
    except KeyError:  # no such study yet
        return
    old, h = study.user_attrs.get("config_hash"), config_hash(cfg, s)
    if old is not None and old != h and old != config_hash(cfg, s, with_outputs=True):
        raise _other_config(cfg, name, url, old, h, run_dir, note=" (checked before training, so nothing was overwritten)")


def _other_config(cfg: FlowConfig, name: str, url: str, old: str, h: str, run_dir: Path, *, note: str = "") -> ConfigError:
    """The refusal of a study that a different config made."""
    return ConfigError(
        f"study {name!r} in {redact(url)} was created by a different search space or model/train/data config "
        f"(hash {old}, this config {h}); its trials are not comparable{note}",
        where=f"{cfg.source_path}: search.study_name",
        fix=f"set a new search.study_name, use another --out, or delete the study (for the default storage: rm {Path(run_dir) / 'search.db'})",
    )


#: when `flow search` started its trials (run_cli), so the stage it then runs reports the whole
#: search's wall time, not only its own summary step
_cli_started: list[float] = []


def run_stage(ctx) -> dict:
    """The `search` stage: run/resume the trials, then finalize into ctx.out."""
    t0 = _cli_started[0] if _cli_started else time.perf_counter()
    s = settings_of(ctx.cfg)
    for _ in range(3):  # a worker killed mid-trial leaves it to be re-queued: go round again
        run_workers(ctx.cfg, ctx.run_dir, s.workers)
        study = open_study(ctx.cfg, ctx.run_dir)
        if search_done(ctx.cfg, study) or s.timeout_s is not None or s.engine == "autoqkeras":
            break
    summary = finalize(ctx.cfg, ctx.run_dir, ctx.out, started=t0)
    c = summary["chosen"]
    return {"engine": s.engine, "n_trials": summary["n_trials"], "pareto_points": len(summary["pareto"]),
            "chosen": {"accuracy": c["accuracy"], "cost": c["cost"], "bits": c["bits"]}, "cost_metric": s.cost.metric}  # fmt: skip


def run_cli(cfg: FlowConfig, *, workers: int, run_dir: Path | None, progress: bool = True) -> int:
    """`flow search CONFIG --workers N`: train, N worker processes on one study, then finalize."""
    from flow import runner

    run_dir = Path(run_dir) if run_dir is not None else runner.default_run_dir(cfg)
    s = settings_of(cfg)
    if workers > 1 and s.engine == "autoqkeras":
        raise ConfigError(
            f"--workers {workers}: {cfg.source_path} has search.engine: autoqkeras, which {AUTOQKERAS_ONE_PROCESS}",
            where="--workers", fix="leave out --workers (or pass --workers 1), or set search.engine: optuna in the config",
        )  # fmt: skip
    preflight(cfg, run_dir)
    runner.run(cfg, run_dir=run_dir, to_stage="train", progress=progress)
    t0 = time.perf_counter()
    _cli_started[:] = [t0]
    try:
        run_workers(cfg, run_dir, workers)
        log.info("search trials done in %.1f s with %d worker(s)", time.perf_counter() - t0, workers)
        state = runner.run(cfg, run_dir=run_dir, from_stage="search", to_stage="search", progress=progress)
    except Terminated:
        # SIGTERM, told apart from Ctrl-C (130) as the shell does: 128 + 15 (docs/search.md)
        print("terminated; finished trials are kept, re-run the same command to resume the search", file=sys.stderr)
        return 143
    finally:
        _cli_started.clear()
    summary = state["stages"]["search"]["summary"]
    c = summary["chosen"]
    log.info("chosen: val accuracy %.4f, %s %.0f; %s", c["accuracy"], summary["cost_metric"], c["cost"], run_dir / "search" / "selected.h5")
    return 0
