"""Schema of the `search:` section (docs/search.md).

Kept apart from flow/config.py so the search owns its keys. `validate_search_section` turns every
problem into a ConfigError naming the file, the field path (e.g. `search.layers.fc1.kernel_bits`),
the bad value and the fix, before any TensorFlow/optuna import. A disabled section is checked too
(its keys and values: a misspelled `enable: true` must not silently leave the search off); the
checks against the rest of the config (layer names, the validation split) only run when enabled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator

from flow.config import FlowConfig, Strict, _accepted, _loc
from flow.errors import ConfigError

MAX_WIDTH = 16


class _SearchModel(Strict):
    """Strict, and a boolean must be a YAML boolean: pydantic would read 'false' (a quoted string)
    or 0 as False and e.g. silently keep a layer searched or early stopping off."""

    @field_validator("*", mode="before")
    @classmethod
    def _a_real_bool(cls, v: Any, info: ValidationInfo) -> Any:
        if info.field_name and cls.model_fields[info.field_name].annotation is bool and not isinstance(v, bool):
            raise ValueError(f"{v!r} is not a boolean: write true or false, unquoted")
        return v


class Span(_SearchModel):
    """`{min: 3, max: 8, step: 1}`: the same as the list [3, 4, ..., 8]."""

    min: int
    max: int
    step: int = Field(default=1, gt=0)

    def values(self) -> list[int]:
        return list(range(self.min, self.max + 1, self.step))


Candidates = list[int] | Span


def candidate_values(c: Candidates | None) -> list[int] | None:
    if c is None:
        return None
    return c.values() if isinstance(c, Span) else list(c)


class LayerSpace(_SearchModel):
    """Candidates for one layer; unset fields come from `layers.default`, then from the model config."""

    kernel_bits: Candidates | None = None
    kernel_integer: Candidates | None = None
    bias_bits: Candidates | None = None
    bias_integer: Candidates | None = None
    activation_bits: Candidates | None = None
    activation_integer: Candidates | None = None
    sparsity: list[float] | None = None
    search: bool = True  # false: keep this layer exactly as in the model config


class CostConfig(_SearchModel):
    metric: str = "effective_bops"  # a name in flow.search.COST_METRICS
    weights: dict[Literal["LUT", "FF", "DSP", "BRAM_18K"], float] = Field(default_factory=lambda: {"LUT": 1.0, "FF": 0.0, "DSP": 55.0})


class EarlyStopConfig(_SearchModel):
    """Stop a trial whose val accuracy after `after_epoch` epochs is `max_drop` below the trained student."""

    enabled: bool = True
    after_epoch: int = Field(default=1, gt=0)
    max_drop: float = Field(default=0.10, gt=0, le=1)  # accuracy as a fraction: 0.10 = 10 points


class SelectionConfig(_SearchModel):
    """Cheapest Pareto point whose val accuracy is within `tolerance` of the reference."""

    reference: Literal["float", "student", "baseline"] = "baseline"
    baseline_bits: int | None = 6  # with reference: baseline
    tolerance: float = Field(default=0.01, ge=0, le=1)  # 0.01 = 1 point


class BaselineConfig(_SearchModel):
    bits: list[int] = Field(default_factory=lambda: [4, 6, 8])
    sparsity: float | None = None  # null: the config's pruning


class AutoQKerasConfig(_SearchModel):
    goal: Literal["bits", "energy"] = "bits"
    mode: Literal["random", "bayesian", "hyperband"] = "bayesian"


class SearchSettings(_SearchModel):
    enabled: bool = True
    engine: Literal["optuna", "autoqkeras"] = "optuna"
    layers: dict[str, LayerSpace] = Field(default_factory=lambda: {"default": LayerSpace(kernel_bits=[3, 4, 5, 6, 8], activation_bits=[3, 4, 5, 6, 8])})
    objectives: list[Literal["val_accuracy", "cost"]] = Field(default_factory=lambda: ["val_accuracy", "cost"])
    cost: CostConfig = CostConfig()
    n_trials: int = Field(default=20, gt=0, le=100000)
    timeout_s: float | None = Field(default=None, gt=0)
    fine_tune_epochs: int = Field(default=2, gt=0, le=1000)
    sampler: Literal["nsga2", "motpe", "tpe"] = "nsga2"
    population_size: int = Field(default=8, ge=2)  # NSGA-II
    seed: int | None = Field(default=None, ge=0, lt=2**32)  # null: the config's seed
    storage: str | None = None  # null: sqlite:///<run>/search.db
    study_name: str | None = None  # null: the config's name
    early_stop: EarlyStopConfig = EarlyStopConfig()
    selection: SelectionConfig = SelectionConfig()
    baselines: BaselineConfig = BaselineConfig()
    workers: int = Field(default=1, ge=1, le=64)
    heartbeat_s: int = Field(default=5, gt=0)
    grace_s: int = Field(default=20, gt=0)
    connect_timeout_s: int = Field(default=5, gt=0)
    autoqkeras: AutoQKerasConfig = AutoQKerasConfig()

    @field_validator("objectives")
    @classmethod
    def _two_objectives(cls, v: list[str]) -> list[str]:
        if sorted(v) != ["cost", "val_accuracy"]:
            raise ValueError("objectives must be [val_accuracy, cost] (accuracy is maximized, cost minimized)")
        return v



FIELDS = ("kernel", "bias", "activation")


#: why engine autoqkeras takes one worker (the config's search.workers and `flow search --workers`)
AUTOQKERAS_ONE_PROCESS = ("runs in one process (keras-tuner keeps its state in a local folder); "
                          "the other workers would silently do nothing")


def _error(source: str | Path, path: str, value: Any, message: str, fix: str) -> ConfigError:
    # the path once, in the message (as flow.config's errors name it), the file in `where`
    return ConfigError(f"{path} = {value!r}: {message}", where=str(source), fix=fix)


#: what a candidate field accepts (a pydantic union error would list each member's complaint)
CANDIDATES_FORMS = "a list of values (e.g. [3, 4, 6]) or a span {min: 3, max: 8} (optional step: 1)"

#: in-memory SQLite URLs: each process (every worker, the final summary) would see its own empty database
_MEMORY_SQLITE = ("sqlite://", "sqlite:///", "sqlite:///:memory:")


def _validation_error(source: str | Path, exc: ValidationError) -> ConfigError:
    """pydantic's errors as `search.<path> = value: problem`, once per field; a candidate field's
    union (list or span) is reported as the forms it accepts, not as one complaint per form."""
    lines: list[str] = []
    unions: dict[tuple, Any] = {}
    for err in exc.errors():
        loc = tuple(err["loc"])
        cut = next((i for i, part in enumerate(loc) if part in {"list[int]", "Span"}), None)
        if cut is not None:
            key = loc[:cut]
            if key not in unions:
                unions[key] = None
                raw = err.get("input") if loc[cut] == "list[int]" else None
                detail = ""
                if loc[cut] == "Span" and len(loc) > cut + 1:
                    detail = f" (as a span: {loc[cut + 1]} {err['msg'].lower()})"
                value = f" = {raw!r}" if raw is not None else ""
                lines.append(f"search.{_loc(key)}{value}: expected {CANDIDATES_FORMS}{detail}")
            elif loc[cut] == "Span" and len(loc) > cut + 1:  # a span with a bad or missing member: say which
                i = next(i for i, line in enumerate(lines) if line.startswith(f"search.{_loc(key)}"))
                if "(as a span" not in lines[i]:
                    lines[i] += f" (as a span: {loc[cut + 1]} {err['msg'].lower()})"
            continue
        where = "search" + ("." + _loc(loc) if loc else "")
        msg = err["msg"].removeprefix("Value error, ")
        accepted = _accepted(err)
        tail = f" ({accepted})" if accepted and accepted not in msg else ""
        if err["type"] == "missing":
            lines.append(f"{where}: required, but missing")
        elif err["type"] == "extra_forbidden":
            lines.append(f"{where}: unknown key{tail}")
        else:
            lines.append(f"{where} = {err.get('input')!r}: {msg}{tail}")
    return ConfigError("; ".join(lines), where=str(source), fix="edit the field(s) named above (the search keys are documented in docs/search.md); "
                       "`flow validate FILE` re-checks in well under a second")


def _check_section(s: SearchSettings, source: str | Path) -> None:
    """Checks within the section (run even when it is disabled)."""
    if s.selection.reference == "baseline" and (s.selection.baseline_bits is None or s.selection.baseline_bits not in s.baselines.bits):
        raise _error(source, "search.selection.baseline_bits", s.selection.baseline_bits,
                     f"the selection's reference is the uniform baseline of this width, which is not among search.baselines.bits {s.baselines.bits}",
                     "add it to search.baselines.bits, or choose search.selection.reference: float or student")  # fmt: skip
    if s.grace_s <= s.heartbeat_s:
        raise _error(source, "search.grace_s", s.grace_s,
                     f"must be greater than search.heartbeat_s ({s.heartbeat_s}): a worker heartbeats every heartbeat_s seconds "
                     "and its trial is declared dead (failed, and re-run by another worker) after grace_s seconds without one, "
                     "so a live trial would be failed under it",
                     f"set grace_s to several heartbeats, e.g. heartbeat_s: {s.heartbeat_s}, grace_s: {4 * s.heartbeat_s} "
                     "(the defaults are 5 and 20)")  # fmt: skip
    if s.early_stop.enabled and s.early_stop.after_epoch >= s.fine_tune_epochs:
        raise _error(source, "search.early_stop.after_epoch", s.early_stop.after_epoch,
                     f"early stopping only stops a trial with epochs left to run, and search.fine_tune_epochs is {s.fine_tune_epochs}: "
                     "it would never fire",
                     f"use after_epoch < fine_tune_epochs (e.g. fine_tune_epochs: {s.early_stop.after_epoch + 1}), "
                     "or set search.early_stop.enabled: false")  # fmt: skip
    if s.storage is not None:
        url = s.storage.strip()
        if not url:
            raise _error(source, "search.storage", s.storage, "an empty database URL", "set search.storage: null for the default "
                         "(sqlite:///<run>/search.db), or a URL such as sqlite:///search.db")  # fmt: skip
        base = url.split("?")[0]
        if base in _MEMORY_SQLITE or base.endswith("/:memory:") or "mode=memory" in url:
            raise _error(source, "search.storage", s.storage,
                         "an in-memory SQLite database cannot be shared by the workers and the final summary (each process "
                         "would see its own empty one) nor resumed",
                         "give a file, e.g. sqlite:///search.db (relative to the config's folder), a server URL such as "
                         "postgresql://user:pass@host:5432/db, or null for sqlite:///<run>/search.db")  # fmt: skip
    if s.study_name is not None and not s.study_name.strip():
        raise _error(source, "search.study_name", s.study_name, "an empty study name", "set search.study_name: null for <name>-<engine>, or a name")
    # compared with the default, not pydantic's fields-set: workers re-validate a dump where every key is set
    if s.engine != "autoqkeras" and s.autoqkeras != AutoQKerasConfig():
        raise _error(source, "search.autoqkeras", s.autoqkeras.model_dump(),
                     f"only used by engine: autoqkeras; engine {s.engine!r} would silently ignore it",
                     "set search.engine: autoqkeras, or remove search.autoqkeras")  # fmt: skip
    if s.cost.metric == "weighted":
        w = s.cost.weights
        if not w:
            raise _error(source, "search.cost.weights", w, "no weights: metric weighted is the sum of weight x resource total",
                         "give e.g. {LUT: 1, FF: 0, DSP: 55} (any of LUT, FF, DSP, BRAM_18K), or leave weights out for that default")
        bad = {k: v for k, v in w.items() if not (v >= 0 and v < float("inf"))}
        if bad:
            raise _error(source, "search.cost.weights", w, f"weights {bad} are negative or not finite: a cost must not reward "
                         "using more of a resource", "use weights >= 0, e.g. {LUT: 1, FF: 0, DSP: 55}")
        if not any(v > 0 for v in w.values()):
            raise _error(source, "search.cost.weights", w, "every weight is 0: every design would cost 0 and the search "
                         "could only compare accuracy", "give at least one weight > 0, e.g. {LUT: 1, DSP: 55}")


def _check_space(cfg: FlowConfig, s: SearchSettings, source: str | Path) -> None:
    if cfg.data.val_fraction <= 0:
        raise _error(source, "data.val_fraction", cfg.data.val_fraction,
                     "the search chooses by validation accuracy (its objective, early stopping and the selection rule), "
                     "and there would be no validation split",
                     "set data.val_fraction > 0 (e.g. 0.2), or search.enabled: false")  # fmt: skip
    names = [layer.name for layer in cfg.model.layers]
    for key in s.layers:
        if key != "default" and key not in names:
            raise _error(source, f"search.layers.{key}", key, f"layer {key!r} is not in model.layers {names}",
                         f"use one of {names} (or 'default' for all layers)")
    last = cfg.model.layers[-1].name
    own = s.layers.get(last)
    for fname in ("activation_bits", "activation_integer"):
        if own is not None and getattr(own, fname) is not None:
            raise _error(source, f"search.layers.{last}.{fname}", candidate_values(getattr(own, fname)),
                         f"{last!r} is the last layer: it gives the logits and has no quantized activation (model.output "
                         "names what follows it), so there is no activation width to search",
                         f"remove {fname} from search.layers.{last}")  # fmt: skip
    from flow.search import COST_METRICS  # a plain dict; importing flow.search stays light

    if s.cost.metric not in COST_METRICS:
        raise _error(source, "search.cost.metric", s.cost.metric, "unknown cost metric", f"use one of {sorted(COST_METRICS)}")
    # compared with the default, not pydantic's fields-set: workers re-validate a dump where every key is set
    if s.cost.metric != "weighted" and s.cost.weights != CostConfig().weights:
        raise _error(source, "search.cost.weights", s.cost.weights,
                     f"weights are only used by metric: weighted; metric {s.cost.metric!r} would silently ignore them",
                     "set search.cost.metric: weighted, or remove search.cost.weights")  # fmt: skip
    if s.engine == "autoqkeras" and s.workers > 1:
        raise _error(source, "search.workers", s.workers,
                     f"engine autoqkeras {AUTOQKERAS_ONE_PROCESS}",
                     "set search.workers: 1, or use search.engine: optuna for several workers")  # fmt: skip
    if s.selection.baseline_bits is not None and not 2 <= s.selection.baseline_bits <= MAX_WIDTH:
        raise _error(source, "search.selection.baseline_bits", s.selection.baseline_bits, f"widths must be in 2..{MAX_WIDTH}", "pick a width in range")
    for i, b in enumerate(s.baselines.bits):
        if not 2 <= b <= MAX_WIDTH:
            raise _error(source, f"search.baselines.bits[{i}]", b, f"baseline widths must be in 2..{MAX_WIDTH}", "pick widths such as [4, 6, 8]")
    if s.baselines.sparsity is not None and not 0 <= s.baselines.sparsity < 1:
        raise _error(source, "search.baselines.sparsity", s.baselines.sparsity, "sparsity must be in [0, 1)", "e.g. 0.75")
    for key, space in s.layers.items():
        for fname in LayerSpace.model_fields:
            if fname == "search":
                continue
            raw = getattr(space, fname)
            if raw is None:
                continue
            path = f"search.layers.{key}.{fname}"
            if isinstance(raw, Span) and raw.min > raw.max:
                raise _error(source, path, raw.model_dump(), f"min {raw.min} > max {raw.max}: the search space is empty", "swap min and max")
            values = candidate_values(raw) if fname != "sparsity" else list(raw)
            if not values:
                raise _error(source, path, values, "empty candidate list: nothing to search", "give at least one candidate, e.g. [4, 6, 8]")
            if len(set(values)) != len(values):
                raise _error(source, path, values, "repeated candidates", "list each candidate once")
            if fname == "sparsity":
                bad = [v for v in values if not 0 <= v < 1]
                if bad:
                    raise _error(source, path, values, f"sparsities {bad} are outside [0, 1)", "use fractions such as [0.5, 0.75, 0.9]")
            elif fname.endswith("_bits"):
                # kernel and bias are quantized_bits: QKeras' 1-bit one is a sign quantizer (+-1), not fixed point
                low = 1 if fname.startswith("activation") else 2
                bad = [v for v in values if not low <= v <= MAX_WIDTH]
                if bad:
                    raise _error(source, path, values, f"widths {bad} are outside {low}..{MAX_WIDTH}"
                                 + (" (a 1-bit quantized_bits is QKeras' sign quantizer, -1/+1)" if low == 2 else ""),
                                 f"use widths between {low} and {MAX_WIDTH}")
            else:
                bad = [v for v in values if not 0 <= v <= MAX_WIDTH]
                if bad:
                    raise _error(source, path, values, f"integer bits {bad} are outside 0..{MAX_WIDTH} (QKeras cannot train a "
                                 "negative integer-bit count)", "use small integer-bit counts, e.g. [0, 1, 2]")
    # integer bits must fit every width they can be combined with
    for layer in cfg.model.layers:
        space = resolve_layer_space(cfg, s, layer.name)
        if space is None:
            continue
        pruning = cfg.train.pruning
        if "sparsity" in space and pruning.enabled:
            # trials fine-tune the pruned student: a layer's sparsity can rise, never fall back
            student = float(pruning.per_layer.get(layer.name, pruning.target_sparsity))
            low = [v for v in space["sparsity"] if v < student - 1e-9]
            if low:
                key = layer.name if "sparsity" in _explicit(s, layer.name) else "default"
                raise _error(source, f"search.layers.{key}.sparsity", space["sparsity"],
                             f"sparsities {low} are below the {student:g} layer {layer.name!r} is already pruned to "
                             "(train.pruning); a trial fine-tunes that student and cannot un-prune it, so these would "
                             "repeat the student's sparsity under another name",
                             f"use candidates >= {student:g} for {layer.name!r}, or lower its train.pruning target")
        for f in FIELDS:
            if f"{f}_bits" not in space:
                continue
            signed = (cfg.model.activation(layer) or cfg.model.defaults.activation).type == "quantized_bits" if f == "activation" else True
            limit_off = 1 if signed else 0
            smallest, biggest_int = min(space[f"{f}_bits"]), max(space[f"{f}_integer"])
            if biggest_int > smallest - limit_off:
                key = layer.name if f"{f}_integer" in _explicit(s, layer.name) or f"{f}_bits" in _explicit(s, layer.name) else "default"
                sign = " plus the sign bit" if signed else ""
                raise _error(
                    source, f"search.layers.{key}.{f}_integer", space[f"{f}_integer"],
                    f"integer bits {biggest_int}{sign} do not fit the smallest {f} width {smallest} of layer {layer.name!r} (integer bits > width)",
                    f"use {f}_integer <= {smallest - limit_off} or raise the smallest {f}_bits to {biggest_int + limit_off}",
                )


def _explicit(s: SearchSettings, name: str) -> set[str]:
    space = s.layers.get(name)
    return set() if space is None else {k for k in LayerSpace.model_fields if getattr(space, k) is not None}


def resolve_layer_space(cfg: FlowConfig, s: SearchSettings, name: str) -> dict[str, list] | None:
    """The effective candidate lists of one layer (None: not searched).

    A field not given for the layer nor in `default` keeps the model config's value (one candidate).
    The last layer has no activation to search. `search: false` on a layer keeps it as configured;
    on `default`, it keeps every layer that has no entry of its own.
    """
    layer = next(lay for lay in cfg.model.layers if lay.name == name)
    own, default = s.layers.get(name), s.layers.get("default")
    if own is not None and not own.search:
        return None
    if own is None and (default is None or not default.search):
        return None
    is_last = layer is cfg.model.layers[-1]
    out: dict[str, list] = {}
    for f in FIELDS:
        if f == "activation" and is_last:
            continue
        q = getattr(cfg.model, f)(layer)
        for part, current in (("bits", q.bits), ("integer", q.integer)):
            raw = None
            for space in (own, default):
                if space is not None and getattr(space, f"{f}_{part}") is not None:
                    raw = getattr(space, f"{f}_{part}")
                    break
            out[f"{f}_{part}"] = candidate_values(raw) if raw is not None else [current]
    sp = None
    for space in (own, default):
        if space is not None and space.sparsity is not None:
            sp = list(space.sparsity)
            break
    if sp is not None:
        out["sparsity"] = sp
    return out


def get_search_settings(cfg: FlowConfig) -> SearchSettings:
    """The typed search section (assumes `validate_search_section` passed)."""
    extra = dict(cfg.search.model_extra or {})
    return SearchSettings.model_validate({"enabled": cfg.search.enabled, **extra})


def validate_search_section(cfg: FlowConfig, *, source: str | Path = "<config>", raw: Any = None) -> SearchSettings:
    """Validate `search:` (also when disabled: its keys and values); raise ConfigError naming file,
    field path, value and fix. `raw`: the section as written, to refuse `enabled: 'false'` (a
    string, which the config model reads as a boolean)."""
    if isinstance(raw, dict) and "enabled" in raw and not isinstance(raw["enabled"], bool):
        raise _error(source, "search.enabled", raw["enabled"], "not a boolean (a quoted 'false' or a number would be read as one)",
                     "write search.enabled: true or false, unquoted")
    extra = dict(cfg.search.model_extra or {})
    try:
        s = SearchSettings.model_validate({"enabled": cfg.search.enabled, **extra})
    except ValidationError as exc:
        raise _validation_error(source, exc) from None
    _check_section(s, source)
    if not s.enabled:
        return s
    _check_space(cfg, s, source)
    if not any(resolve_layer_space(cfg, s, layer.name) for layer in cfg.model.layers):
        raise _error(source, "search.layers", {k: "..." for k in s.layers}, "no layer is searched", "add a 'default' entry or name a layer")
    return s
