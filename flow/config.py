"""The run configuration: pydantic models, and the only place that knows YAML.

Every model rejects unknown keys. `load_config(path)` turns any problem into a `ConfigError`
that names the file, the full field path, the bad value and what is accepted, before any
TensorFlow import or long work starts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, ValidationInfo, field_validator, model_validator

from flow.errors import ConfigError
from flow.design import SOFTMAX_IMPLEMENTATIONS
from flow.parts import DEFAULT_PART, board_part, clock_uncertainty_share


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_bool_for_a_number(cls, v: Any, info: ValidationInfo) -> Any:
        # pydantic would read `epochs: true` as 1; YAML's true/false are never meant as numbers
        values = list(v.values()) if isinstance(v, dict) else v if isinstance(v, list) else [v]
        if info.field_name and any(isinstance(x, bool) for x in values):
            ann = str(cls.model_fields[info.field_name].annotation)
            if ("int" in ann or "float" in ann) and "bool" not in ann:
                raise ValueError(f"{v!r} holds a boolean (true/false), not a number")
        return v


# --------------------------------------------------------------------------------------------
# Quantizers
# --------------------------------------------------------------------------------------------

_QUANTIZER_CALL = re.compile(r"^\s*(\w+)\s*\((.*)\)\s*$")


def _parse_quantizer_string(text: str) -> dict[str, Any]:
    """Accept QKeras' own spelling, e.g. ``quantized_bits(6, 0, alpha=1)`` or ``quantized_relu(6,2)``."""
    match = _QUANTIZER_CALL.match(text)
    if not match:
        if "(" in text and ")" not in text:
            # YAML cut an unquoted call at its first comma: `{kernel: quantized_bits(4,0,alpha=1)}` is a
            # flow mapping whose keys are 'kernel', '0' and 'alpha=1)'
            raise ValueError(f"quantizer {text!r} was cut at a comma: inside a YAML flow mapping {{...}} a quantizer "
                             "call must be quoted, e.g. {kernel: 'quantized_bits(4,0,alpha=1)'}")
        raise ValueError(f"cannot read quantizer {text!r}; write e.g. 'quantized_bits(6,0,alpha=1)' or {{bits: 6, integer: 0}}")
    name, args = match.group(1), match.group(2)
    out: dict[str, Any] = {"type": name}
    positional = ["bits", "integer"]
    for i, raw in enumerate(a.strip() for a in args.split(",") if a.strip()):
        if "=" in raw:
            key, value = (s.strip() for s in raw.split("=", 1))
        elif i < len(positional):
            key, value = positional[i], raw
        else:
            raise ValueError(f"too many positional arguments in {text!r}")
        try:
            out[key] = yaml.safe_load(value)
        except yaml.YAMLError as exc:  # pragma: no cover - yaml accepts nearly anything
            raise ValueError(f"bad value {value!r} in {text!r}") from exc
    return out


class Quantizer(Strict):
    """`quantized_bits(bits, integer, alpha=1)` (signed) or `quantized_relu(bits, integer)` (unsigned).

    `integer` excludes the sign bit, as in QKeras.
    """

    type: Literal["quantized_bits", "quantized_relu"] = "quantized_bits"
    bits: int = Field(gt=0, le=32)
    integer: int = Field(default=0, le=32)  # negative: refused below with the reason
    alpha: Literal[1] = 1

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, data: Any) -> Any:
        if isinstance(data, str):
            return _parse_quantizer_string(data)
        if isinstance(data, int) and not isinstance(data, bool):
            return {"bits": data}
        return data

    @model_validator(mode="after")
    def _integer_fits(self) -> "Quantizer":
        if self.integer < 0:
            raise ValueError(f"integer={self.integer}: QKeras computes 2**integer on integers, which TensorFlow refuses "
                             "for a negative power (training stops with an InvalidArgumentError); use integer >= 0")
        if self.type == "quantized_bits" and self.bits < 2:
            raise ValueError("quantized_bits(1, ...) is QKeras' sign quantizer (values -1 and +1), not a 1-bit fixed-point "
                             "number the flow can give hls4ml; use bits >= 2")
        if self.type == "quantized_relu" and self.bits > 31:
            raise ValueError(f"quantized_relu({self.bits}, ...) returns NaN for every input in QKeras 0.9 "
                             "(31 bits works); use bits <= 31")
        limit = self.bits - 1 if self.type == "quantized_bits" else self.bits
        if self.integer > limit:
            sign = " plus the sign bit" if self.type == "quantized_bits" else ""
            raise ValueError(
                f"integer={self.integer} does not fit in bits={self.bits}{sign}; use integer <= {limit}"
            )
        return self

    def qkeras(self) -> str:
        """QKeras spelling, as a string (AutoQKeras and QKeras' serializer both accept it)."""
        if self.type == "quantized_bits":
            return f"quantized_bits({self.bits},{self.integer},alpha=1)"
        return f"quantized_relu({self.bits},{self.integer})"


def _signed_kernel(cls: type, q: Quantizer | None) -> Quantizer | None:
    # hls4ml converts QDense kernels from quantized_bits (or po2/ternary/binary) only
    if q is not None and q.type != "quantized_bits":
        raise ValueError(f"a kernel must be quantized_bits (hls4ml converts no {q.type} kernel); "
                         f"use e.g. 'quantized_bits({q.bits},{min(q.integer, q.bits - 1)},alpha=1)'")
    return q


class LayerDefaults(Strict):
    kernel: Quantizer = Quantizer(bits=6, integer=0)
    bias: Quantizer = Quantizer(bits=6, integer=0)
    activation: Quantizer = Quantizer(type="quantized_relu", bits=6, integer=2)

    _kernel_type = field_validator("kernel")(classmethod(_signed_kernel))


class Layer(Strict):
    """One Dense layer of the student (and the teacher, unquantized)."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$", max_length=64)
    units: int = Field(gt=0, le=4096)
    kernel: Quantizer | None = None
    bias: Quantizer | None = None
    # Hidden layers: a quantized ReLU (or quantized_bits for a signed linear activation).
    # The last layer has no activation: it gives the logits, and `model.output` decides softmax.
    activation: Quantizer | None = None

    _kernel_type = field_validator("kernel")(classmethod(_signed_kernel))

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, v: str) -> str:
        if v in {"input", "features", "input_q", "softmax"}:
            raise ValueError(f"layer name {v!r} is reserved by the flow (and 'input' by hls4ml); choose another")
        return v


class ModelConfig(Strict):
    # The input is quantized by the model's own quantizer; the flow gives hls4ml exactly that type.
    input_quantizer: Quantizer = Quantizer(bits=8, integer=3)
    defaults: LayerDefaults = LayerDefaults()
    layers: list[Layer] = Field(min_length=1)
    output: Literal["softmax", "linear"] = "softmax"
    teacher_width_multiplier: float = Field(default=1.0, gt=0, le=16)

    @model_validator(mode="after")
    def _check_layers(self) -> "ModelConfig":
        names = [layer.name for layer in self.layers]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"layer names must be unique; repeated: {dupes}")
        for layer in self.layers:
            if layer.name.endswith("_act"):
                raise ValueError(f"layer name {layer.name!r} may not end in '_act' (the flow names activations so)")
            if layer.name.endswith("_linear") and layer.name.removesuffix("_linear") in names:
                raise ValueError(f"layer name {layer.name!r} is the name hls4ml gives the linear activation of layer "
                                 f"{layer.name.removesuffix('_linear')!r}; choose another")
        if self.layers[-1].activation is not None:
            raise ValueError(
                f"the last layer ({self.layers[-1].name!r}) gives the logits and takes no activation; "
                "set model.output to 'softmax' or 'linear' instead"
            )
        return self

    def kernel(self, layer: Layer) -> Quantizer:
        return layer.kernel or self.defaults.kernel

    def bias(self, layer: Layer) -> Quantizer:
        return layer.bias or self.defaults.bias

    def activation(self, layer: Layer) -> Quantizer | None:
        if layer is self.layers[-1]:
            return None
        return layer.activation or self.defaults.activation


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


class DataConfig(Strict):
    """Where the data come from. Paths are relative to the config file's folder."""

    source: Literal["digits", "arrays", "jets"] = "digits"
    path: str | None = None  # arrays: .npz/.npy/.csv; jets: OpenML 42468 ARFF/CSV/parquet or a generated file
    labels_path: str | None = None  # labels .npy (or .npz) beside a features .npy
    features_key: str = "X"  # .npz
    labels_key: str = "y"  # .npz
    label_column: str = "class"  # .csv / parquet / arff
    test_fraction: float = Field(default=0.2, gt=0, lt=0.9)
    val_fraction: float = Field(default=0.1, ge=0, lt=0.9)
    standardize: bool = True
    max_rows: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _paths(self) -> "DataConfig":
        if self.source in {"arrays", "jets"} and not self.path:
            raise ValueError(f"data.source={self.source!r} needs data.path (a file to read)")
        if self.source == "digits" and (self.path or self.labels_path):
            raise ValueError("data.source='digits' is bundled with scikit-learn and takes no path")
        # (a value equal to its default is harmless: dumped-and-reloaded configs set every key)
        file_keys = sorted(k for k in ("features_key", "labels_key", "label_column")
                           if getattr(self, k) != type(self).model_fields[k].default)
        if self.source == "digits" and file_keys:
            raise ValueError(f"data.source='digits' reads no file, so {', '.join('data.' + k for k in file_keys)} would be ignored: remove it")
        if self.labels_path and not str(self.path or "").lower().endswith(".npy"):
            raise ValueError(f"data.labels_path is read only with a .npy features file, not {self.path!r}: remove it, or "
                             "save the labels in the .npz (data.labels_key) / as the label column (data.label_column)")
        if self.labels_path and not str(self.labels_path).lower().endswith((".npy", ".npz")):
            raise ValueError(f"data.labels_path = {self.labels_path!r} must be a .npy (numpy.save(path, y)) or a .npz "
                             "holding the labels as data.labels_key")
        if self.test_fraction + self.val_fraction >= 0.9:
            raise ValueError("test_fraction + val_fraction must leave at least 10% for training")
        return self


# --------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------


class TeacherConfig(Strict):
    epochs: int = Field(default=30, gt=0, le=100_000)
    batch_size: int = Field(default=64, gt=0, le=2**20)
    learning_rate: float = Field(default=2e-3, gt=0, le=10)


class StudentConfig(Strict):
    epochs: int = Field(default=40, gt=0, le=100_000)
    batch_size: int = Field(default=64, gt=0, le=2**20)
    learning_rate: float = Field(default=2e-3, gt=0, le=10)


class PruningConfig(Strict):
    """Quantization-aware pruning (Hawks et al. 2021) with tensorflow-model-optimization."""

    enabled: bool = True
    schedule: Literal["constant", "polynomial"] = "polynomial"
    target_sparsity: float = Field(default=0.75, ge=0, lt=1)
    per_layer: dict[str, float] = Field(default_factory=dict)
    begin_fraction: float = Field(default=0.1, ge=0, lt=1)  # of training steps
    end_fraction: float = Field(default=0.7, gt=0, le=1)
    frequency: int = Field(default=20, gt=0)  # steps between mask updates

    @field_validator("per_layer")
    @classmethod
    def _fractions(cls, v: dict[str, float]) -> dict[str, float]:
        for name, s in v.items():
            if not 0 <= s < 1:
                raise ValueError(f"per_layer[{name!r}]={s} must be in [0, 1)")
        return v

    @model_validator(mode="after")
    def _window(self) -> "PruningConfig":
        if self.end_fraction <= self.begin_fraction:
            raise ValueError("end_fraction must be greater than begin_fraction")
        return self


class DistillationConfig(Strict):
    """Hinton et al. 2015: loss = alpha*CE(labels) + (1-alpha)*T^2*KL(teacher_T || student_T)."""

    enabled: bool = False
    temperature: float = Field(default=4.0, gt=0, le=1000)
    alpha: float = Field(default=0.5, ge=0, le=1)
    compare_without: bool = True  # also train the student without distillation, for the report


class TrainConfig(Strict):
    teacher: TeacherConfig = TeacherConfig()
    student: StudentConfig = StudentConfig()
    pruning: PruningConfig = PruningConfig()
    distillation: DistillationConfig = DistillationConfig()


# --------------------------------------------------------------------------------------------
# Search, HLS, C-simulation, resources, report
# --------------------------------------------------------------------------------------------


class SearchConfig(Strict):
    """Per-layer bit-width search (see docs/search.md). Disabled by default."""

    enabled: bool = False
    model_config = ConfigDict(extra="allow", frozen=True)  # the search module validates its own keys


class HlsConfig(Strict):
    backend: Literal["Vivado", "Vitis"] = "Vivado"
    part: str = DEFAULT_PART
    clock_period_ns: float = Field(default=5.0, gt=0, le=1000)
    #: hls4ml's ClockUncertainty: "12.5%" or a time in ns ("0.62"); unset: the backend's default
    #: (Vivado 12.5 %, Vitis 27 %). HLS schedules within period - uncertainty.
    clock_uncertainty: str | None = None
    io_type: Literal["io_parallel", "io_stream"] = "io_parallel"
    strategy: Literal["Latency", "Resource", "distributed_arithmetic"] = "Latency"
    reuse_factor: int = Field(default=1, gt=0, le=4096)
    per_layer_reuse: dict[str, int] = Field(default_factory=dict)
    #: hls4ml's softmax (output layer) implementation. 'stable' (hls4ml's default) and 'latency'
    #: use an exp and a 1/x table and one multiplier per class; 'argmax' writes a one-hot of the
    #: largest logit with a few comparators, no table and no multiplier, when only the decision
    #: is needed (a trigger); 'legacy' is hls4ml's first, pairwise-table softmax
    softmax_implementation: Literal[SOFTMAX_IMPLEMENTATIONS] = SOFTMAX_IMPLEMENTATIONS[0]  # type: ignore[valid-type]
    project_dir: str = "hls_projects"  # relative to the working directory; the project is <project_dir>/<name>

    @field_validator("clock_uncertainty", mode="before")
    @classmethod
    def _uncertainty_below_the_period(cls, v: object, info: ValidationInfo) -> object:
        if v is None:
            return v
        period = info.data.get("clock_period_ns")
        if period is None:  # the period itself is invalid (its own error says why): nothing to compare with
            return v
        if clock_uncertainty_share(v, period) is None:
            raise ValueError(f"{v!r} is not a clock uncertainty below the {period} ns period: give a percentage like "
                             "'12.5%' or a time in ns like 0.62")
        # as Vivado/Vitis's set_clock_uncertainty reads it: '12.5%' or ns without a unit
        return re.sub(r"\s|ns", "", str(v))

    @field_validator("part")
    @classmethod
    def _a_part_not_a_board(cls, v: str) -> str:
        # hls4ml writes this into the project's set_part: a board name would only fail in Vivado
        if board_part(v):
            raise ValueError(f"'{v}' is a board, not an FPGA part: use {board_part(v)} (the part on it)")
        return v

    @field_validator("per_layer_reuse")
    @classmethod
    def _positive(cls, v: dict[str, int]) -> dict[str, int]:
        for name, rf in v.items():
            if rf <= 0:
                raise ValueError(f"per_layer_reuse[{name!r}]={rf} must be a positive integer")
        return v


class CsimConfig(Strict):
    max_rows: int | None = Field(default=None, gt=0)  # default: the whole test split


class ResourcesConfig(Strict):
    enabled: bool = True
    vendor: bool = False  # run the vendor tool when it is on PATH (slow); otherwise only the estimate


class ReportConfig(Strict):
    plots: bool = True


class FlowConfig(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=100)  # a folder name (runs/, hls_projects/)
    seed: int = Field(default=0, ge=0, lt=2**32)  # numpy / scikit-learn seeds
    data: DataConfig = DataConfig()
    model: ModelConfig
    train: TrainConfig = TrainConfig()
    search: SearchConfig = SearchConfig()
    hls: HlsConfig = HlsConfig()
    csim: CsimConfig = CsimConfig()
    resources: ResourcesConfig = ResourcesConfig()
    report: ReportConfig = ReportConfig()

    # not part of the YAML (a private attribute, so a `source_path:` key is refused like any unknown
    # key instead of being silently replaced): where the file was, to resolve relative data paths
    _source_path: str | None = PrivateAttr(default=None)

    @property
    def source_path(self) -> str | None:
        return self._source_path

    @field_validator("name", mode="before")
    @classmethod
    def _quoted_if_numeric(cls, v: Any) -> Any:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            raise ValueError(f"{v!r} was read by YAML as a number; quote it to make it a name: name: '{v}'")
        return v

    @model_validator(mode="after")
    def _layer_references(self) -> "FlowConfig":
        names = [layer.name for layer in self.model.layers]
        for field_name, mapping in (
            ("train.pruning.per_layer", self.train.pruning.per_layer),
            ("hls.per_layer_reuse", self.hls.per_layer_reuse),
        ):
            unknown = sorted(set(mapping) - set(names))
            if unknown:
                raise ValueError(f"{field_name} names layers that are not in model.layers: {unknown}; the layers are {names}")
        if self.resources.enabled:
            # the estimate needs the part's family (delays) and totals: refuse an unknown one here,
            # in `flow validate`, rather than after training
            from flow.errors import ConfigError as _PartError
            from flow.parts import PARTS, lookup_part

            try:
                lookup_part(self.hls.part)
            except _PartError:
                raise ValueError(f"hls.part = {self.hls.part!r} is not an FPGA part the resource estimate knows (known: "
                                 f"{', '.join(sorted(PARTS))}, or any 7-series, UltraScale, UltraScale+ or Alveo device by its "
                                 "full name): use one of them, add the device's totals to flow/parts.py, or set "
                                 "resources.enabled: false") from None
        return self

    def resolve(self, relative: str) -> Path:
        """A path from the config, relative to the config file's folder."""
        p = Path(relative).expanduser()
        if p.is_absolute() or self.source_path is None:
            return p
        return Path(self.source_path).parent / p


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def _loc(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in {"function-after", "function-before"} or str(part).startswith("function-"):
            continue
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _accepted(err: dict) -> str:
    ctx = err.get("ctx") or {}
    if err["type"] == "extra_forbidden":
        return "remove it: an unknown key, check its spelling in docs/config.md or docs/search.md"
    if "expected" in ctx:
        # pydantic's enum and literal messages already list the choices ("Input should be 'a' or 'b'")
        return "" if str(ctx["expected"]) in err.get("msg", "") else f"expected {ctx['expected']}"
    for key, word in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
        if key in ctx:
            return f"must be {word} {ctx[key]}"
    if "pattern" in ctx:
        return f"must match {ctx['pattern']}"
    return ""


def config_error_from_validation(path: str | Path, exc: ValidationError) -> ConfigError:
    lines = []
    for err in exc.errors():
        where = _loc(tuple(p for p in err["loc"] if not (isinstance(p, str) and p in {"str", "int"})))
        value = err.get("input")
        msg = err["msg"].removeprefix("Value error, ")
        accepted = _accepted(err)
        tail = f" ({accepted})" if accepted and accepted not in msg else ""
        if isinstance(value, bool) and err["type"] == "string_type":
            # YAML 1.1 reads an unquoted on/off/yes/no/true/false as a boolean
            tail += "; YAML read an unquoted on/off/yes/no/true/false here as a boolean: quote the word to keep it a name"
        if err["type"] == "missing":
            lines.append(f"{where}: required, but missing")
        elif isinstance(value, dict):  # a check over a whole section names its own fields
            lines.append(f"{msg}{tail}" if where == "(top level)" else f"{where}: {msg}{tail}")
        else:
            lines.append(f"{where} = {value!r}: {msg}{tail}")
    return ConfigError("; ".join(lines), where=str(path), fix="edit the field(s) named above; `flow validate FILE` re-checks in well under a second")


class _DuplicateKey(Exception):
    def __init__(self, key: Any, line: int) -> None:
        super().__init__(key)
        self.key, self.line = key, line


class _UniqueKeyLoader(yaml.SafeLoader):
    """safe_load that refuses a key given twice in one mapping (plain YAML keeps the last)."""

    def construct_mapping(self, node, deep=False):  # type: ignore[override]
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise _DuplicateKey(key, key_node.start_mark.line + 1)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_config(path: str | Path) -> FlowConfig:
    """Read and validate a YAML config. Raises ConfigError, never a bare exception."""
    p = Path(path)
    if p.is_dir():
        raise ConfigError("this is a folder, not a config file", where=str(p),
                          fix=f"pass the YAML file itself, e.g. {p / 'digits_mlp.yaml'}")
    if not p.is_file():
        raise ConfigError(f"config file not found (cwd {Path.cwd()})", where=str(p), fix="pass the path of a YAML file, e.g. configs/digits_mlp.yaml")
    try:
        raw = yaml.load(p.read_text(), Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except _DuplicateKey as exc:
        raise ConfigError(f"key {exc.key!r} appears twice in the same section; YAML would silently keep only the last one",
                          where=f"{p}:{exc.line}", fix="merge the two entries into one") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{p}:{mark.line + 1}:{mark.column + 1}" if mark else str(p)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"malformed YAML: {problem}", where=where, fix="fix the YAML syntax at that line (indentation, a missing ':' or an unclosed bracket)") from None
    except UnicodeDecodeError:
        raise ConfigError("the file is not UTF-8 text", where=str(p), fix="save it as UTF-8 YAML") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"the top level must be a mapping of sections (name, data, model, ...), got {type(raw).__name__}", where=str(p), fix="see configs/digits_mlp.yaml for the layout")
    return validate_dict(raw, source=p)


def validate_dict(raw: dict, *, source: str | Path = "<config>") -> FlowConfig:
    try:
        cfg = FlowConfig.model_validate(raw)
    except ValidationError as exc:
        raise config_error_from_validation(source, exc) from None
    cfg._source_path = str(source)
    # the search section validates against its own schema (kept next to the search engine); a
    # disabled one too, so a misspelled key cannot silently leave the search off
    from flow.search_config import validate_search_section

    validate_search_section(cfg, source=source, raw=raw.get("search"))
    return cfg


def with_changes(cfg: FlowConfig, **sections: Any) -> FlowConfig:
    """A copy with some sections replaced, validated again (used by the search and tests)."""
    data = cfg.model_dump()
    data.update(sections)
    return validate_dict(data, source=cfg.source_path or "<config>")


def section_dump(cfg: FlowConfig, *names: str) -> dict[str, Any]:
    """JSON-able content of some config sections, for stage fingerprints."""
    full = cfg.model_dump(mode="json")
    return {name: full[name] for name in names}
