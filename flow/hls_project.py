"""Read an existing hls4ml project directory (its generated `firmware/`) back into a `Design`.

Why: users (and published repositories) have hls4ml projects that were not made by this flow;
`flow estimate PROJECT_DIR` prices them without TensorFlow, hls4ml or a vendor tool, and the
estimator is checked against committed vendor reports of such projects (the weights the vendor
tool saw, not synthetic ones). Handles the layouts hls4ml has written from v0.2 to v1.x for
io_parallel/io_stream MLPs and (hls4ml 0.8+) CNNs: `defines.h` typedefs, `parameters.h` config structs, the layer calls
in `myproject.cpp` and the weights in `firmware/weights/*.h|*.txt`. Other layer kinds raise a
ModelError naming the call, never a silent skip.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from flow.design import (HLS4ML_DEFAULT_CLOCK_NS, SOFTMAX_IMPLEMENTATIONS, ActivationDesign, ConvDesign, DenseDesign, Design,
                         FixedType, MergeDesign, PoolDesign, ResizeDesign, UnmodelledDesign, branch_inputs, depthwise_matrix,
                         exact_type, normalize_dense, parse_ap_type, quantize_to)
from flow.errors import ConfigError, ModelError

_TYPEDEF_STRUCT_RE = re.compile(r"typedef\s+struct\s+(\w+)\s*\{([^}]*)\}")
_DEFINE_RE = re.compile(r"^\s*#define\s+(\w+)\s+(.+?)\s*$", re.M)
_TYPEDEF_RE = re.compile(r"typedef\s+(.+?)\s+(\w+)\s*;")
#: a config struct; most derive from an nnet:: config, some (hard_sigmoid's) from nothing
_STRUCT_RE = re.compile(r"struct\s+(\w+)\s*(?::\s*(?:public\s+)?nnet::(\w+)\s*)?\{(.*?)\n\s*\};", re.S)
_CONST_RE = re.compile(r"static\s+const\s+(?:unsigned|int|bool|float|double|nnet::\w+(?:::\w+)?)\s+(\w+)\s*=\s*([^;]+);")
#: a config struct's product (nnet_mult.h): mult, weight_exponential, weight_ternary, weight_binary, ...
_PRODUCT_RE = re.compile(r"using\s+product\s*=\s*nnet::product::(\w+)\s*<")
#: a static member defined outside its struct (hard_sigmoid's `const slope3_t hard_sigmoid_config3::slope = 0.2;`)
_MEMBER_DEF_RE = re.compile(r"const\s+(\w+)\s+(\w+)::(\w+)\s*=\s*([^;]+);")
_CALL_RE = re.compile(r"^\s*nnet::(\w+)\s*<([^;]*?)>\s*\(([^;]*?)\)\s*;", re.M)

#: call names hls4ml has used for a dense layer (v0.1-0.4 `compute_layer`, later `dense`, ...)
DENSE_CALLS = {"dense", "compute_layer", "dense_latency", "dense_resource", "dense_large", "dense_compressed"}
#: activation calls -> the estimator's function names
ACTIVATION_CALLS = {"relu": "relu", "relu_max": "relu", "relu6": "relu", "linear": "linear", "softmax": "softmax",
                    "sigmoid": "sigmoid", "tanh": "tanh", "leaky_relu": "leaky_relu", "hard_sigmoid": "hard_sigmoid",
                    "hard_tanh": "hard_tanh", "elu": "elu", "selu": "selu", "softplus": "softplus", "softsign": "softsign",
                    "thresholded_relu": "thresholded_relu", "prelu": "prelu"}
#: activations with a parameter: nnet::f<data_T, param_T, res_T, CONFIG_T>(data, param, res)
PARAM_ACTIVATION_CALLS = {"leaky_relu", "elu", "thresholded_relu", "prelu"}
#: calls that move data without computing (io_stream helpers, clones); priced as free wiring
WIRING_CALLS = {"clone_stream", "repack_stream", "broadcast_stream", "cast", "zeropad1d_cl", "zeropad2d_cl", "cropping1d_cl",
                "cropping2d_cl"}
#: convolutions and poolings (max, average, global) the estimate prices (hls4ml 0.8+ config structs)
CONV_CALL = re.compile(r"^(conv_[12]d|pointwise_conv_[12]d|depthwise_conv_[12]d)(_cl)?$")
POOL_CALL = re.compile(r"^(global_)?pooling[12]d(_cl)?$")
#: two-input merges (nnet_merge.h, nnet_merge_stream.h) -> the design's operation
MERGE_CALL = re.compile(r"^(add|subtract|multiply|average|maximum|minimum|concatenate[123]d)$")
#: calls carried as 'not estimated' layers: a separable conv hls4ml < 1.0 kept in one call (1.x splits it into
#: depthwise + pointwise calls, priced above), and conv/pooling calls whose config is not one this reader knows
UNMODELLED_CALL = re.compile(r"^(conv_[12]d|pointwise_conv_[12]d|depthwise_conv_[12]d|separable_conv_[12]d|pooling[12]d|global_pooling[12]d)")


@dataclass
class HlsProject:
    """What was parsed, kept for reports and tests."""

    path: Path
    firmware: Path
    types: dict[str, str] = field(default_factory=dict)
    macros: dict[str, str] = field(default_factory=dict)
    configs: dict[str, dict[str, str]] = field(default_factory=dict)
    calls: list[tuple[str, list[str], list[str]]] = field(default_factory=list)
    part: str | None = None
    clock_period_ns: float | None = None
    backend: str = "Vivado"
    #: the file (and how) that named the backend; None when nothing in the project does and
    #: "Vivado" is only the default
    backend_source: str | None = None
    clock_uncertainty: str | None = None  # hls4ml's ClockUncertainty, when the project records it
    #: `auto& layer12_out = layer11_out;`: hls4ml's in-place reshapes (Flatten, Reshape in io_parallel)
    aliases: dict[str, str] = field(default_factory=dict)
    top_args: list[str] = field(default_factory=list)  # the top function's parameter names (inputs, outputs)
    #: HGQ's generated per-element quantizers (nnet_code_gen.h): function -> each element's type,
    #: None where it writes a constant 0 (an activation HGQ pruned)
    element_quantizers: dict[str, list[FixedType | None]] = field(default_factory=dict)
    #: hls4ml's power-of-two weight types, `typedef struct NAME {ap_uint<1> sign; ap_int<N> weight; } NAME;`
    exponent_types: set[str] = field(default_factory=set)
    #: hls4ml 1.x dispatches a dense kernel through a `using kernel = nnet::DenseLatency<...>` alias
    #: in its config struct; older templates (0.8 and before) call dense_latency directly
    kernel_alias: bool = False
    #: the vendor C-synthesis report that gave what the scripts did not: its path, and which of
    #: "part", "clock", "clock uncertainty" it gave
    settings_report: tuple[str, list[str]] | None = None
    #: a file showing the project was synthesized with Vitis HLS (_vitis_hls_evidence), or None
    vitis_evidence: str | None = None

    def variable(self, name: str) -> str:
        """The array a name stands for, through in-place reshapes (`auto& b = a;` names `a` anew)."""
        for _ in range(len(self.aliases)):  # a cycle cannot loop forever
            if name not in self.aliases:
                break
            name = self.aliases[name]
        return name


_ALIAS_RE = re.compile(r"auto\s*&\s*(\w+)\s*=\s*(\w+)\s*;")
_TOP_SIGNATURE_RE = re.compile(r"void\s+\w+\s*\(([^)]*)\)\s*\{")
_PARAM_NAME_RE = re.compile(r"(\w+)\s*(?:\[[^\]]*\]\s*)*$")
_GEN_FUNC_RE = re.compile(r"void\s+(\w+)\s*\(\s*\w+\s*\*\s*inp\s*,\s*\w+\s*\*\s*out\s*\)\s*\{(.*?)\n\}", re.S)
_GEN_ELEM_RE = re.compile(r"out\[(\d+)\]\s*=\s*(?:(ap_u?fixed<[^>]*>)\s*\(\s*inp\[\d+\]\s*\)|(0))\s*;")


def _element_quantizers(text: str, *, where: str) -> dict[str, list[FixedType | None]]:
    """HGQ's per-element quantizer functions: `out[i] = ap_fixed<W,I,RND,SAT>(inp[i]);` or `= 0;`."""
    found: dict[str, list[FixedType | None]] = {}
    for name, body in _GEN_FUNC_RE.findall(text):
        elems = _GEN_ELEM_RE.findall(body)
        if not elems:
            continue
        types: list[FixedType | None] = [None] * (max(int(i) for i, _, _ in elems) + 1)
        for i, ty, _zero in elems:
            if ty:
                t = parse_ap_type(ty)
                if t is None:
                    raise ModelError(f"cannot read the element type '{ty}' of {name}", where=where)
                types[int(i)] = t
        found[name] = types
    return found


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def _split_args(s: str) -> list[str]:
    """Split on commas at template-depth 0 ('ap_fixed<16,6>, layer2_t' -> 2 items)."""
    out, depth, cur = [], 0, []
    for ch in s:
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        if ch == "," and depth == 0:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return out


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError as exc:
        raise ModelError(f"cannot read {path}: {exc}", where=str(path),
                         fix="point at an hls4ml project directory (the one holding firmware/)") from exc


def _find_firmware(path: Path) -> Path:
    for cand in (path / "firmware", path):
        if (cand / "parameters.h").is_file() and (cand / "defines.h").is_file():
            return cand
    raise ModelError(f"{path} is not an hls4ml project: no firmware/parameters.h and firmware/defines.h", where=str(path),
                     fix="pass the directory hls4ml wrote (it contains firmware/, build_prj.tcl or project.tcl)")


def parse_project(path: str | Path) -> HlsProject:
    """Parse typedefs, macros, config structs, the layer calls, and part/clock of a project."""
    root = Path(path)
    fw = _find_firmware(root)
    proj = HlsProject(path=fw.parent if fw.name == "firmware" else fw, firmware=fw)
    defines = _strip_comments(_read(fw / "defines.h"))
    params = _strip_comments(_read(fw / "parameters.h"))
    for text in (defines, params):
        for name, value in _DEFINE_RE.findall(text):
            proj.macros[name] = value.strip()
    for text in (defines, _STRUCT_RE.sub("", params)):
        for ty, name in _TYPEDEF_RE.findall(text):
            proj.types[name] = ty.strip()
    proj.exponent_types = {name for name, body in _TYPEDEF_STRUCT_RE.findall(defines)
                           if re.search(r"\bsign\s*;", body) and re.search(r"\bweight\s*;", body)}
    proj.kernel_alias = bool(re.search(r"\busing\s+kernel\s*=", params))
    for name, base, body in _STRUCT_RE.findall(params):
        cfg = {"_base": base}
        for k, v in _CONST_RE.findall(body):
            cfg[k] = v.strip()
        for ty, k in _TYPEDEF_RE.findall(body):
            cfg["type:" + k] = ty.strip()
        product = _PRODUCT_RE.search(body)
        if product:
            cfg["product"] = product.group(1)
        proj.configs[name] = cfg
    for ty, name, k, v in _MEMBER_DEF_RE.findall(_STRUCT_RE.sub("", params)):
        if name in proj.configs:
            proj.configs[name].setdefault(k, v.strip())
            proj.configs[name].setdefault("type:" + k, ty)
    top = _top_source(fw)
    sig, src = _top_function(_strip_comments(_read(top)))
    for fn, targs, args in _CALL_RE.findall(src):
        if fn.startswith("load_weights") or fn.startswith("load_exponent_weights") or fn.startswith("save_layer") or fn in ("print_result",):
            continue
        proj.calls.append((fn, _split_args(targs), [a.strip() for a in _split_args(args)]))
    proj.aliases = dict(_ALIAS_RE.findall(src))
    gen = fw / "nnet_utils" / "nnet_code_gen.h"
    if gen.is_file():
        proj.element_quantizers = _element_quantizers(_strip_comments(_read(gen)), where=str(gen))
    proj.top_args = [m.group(1) for m in (_PARAM_NAME_RE.search(p) for p in _split_args(sig.group(1)))
                     if m is not None] if sig else []
    if not proj.calls:
        raise ModelError(f"no nnet:: layer calls found in {top}", where=str(top),
                         fix="pass an hls4ml-generated project (its top function calls nnet::dense, nnet::relu, ...)")
    _read_part_and_clock(proj)
    return proj


def _exponent_weights(where: str) -> ModelError:
    return ModelError("the project uses a power-of-two (exponent) type where the estimator reads a fixed-point one (only "
                      "dense/convolution weights and a normalize's scale may be powers of two)", where=where,
                      fix="estimate a project hls4ml wrote from a QKeras model")


def _top_function(src: str) -> tuple[re.Match | None, str]:
    """The top function's signature and body: the first `void` function whose body calls nnet::.

    Users append a `main()` or a test bench to myproject.cpp; HLS synthesizes only the top
    (`set_top`), so calls outside its body are not layers. A file without a recognisable
    function is read whole."""
    for sig in _TOP_SIGNATURE_RE.finditer(src):
        depth, i = 1, sig.end()
        while i < len(src) and depth:
            depth += {"{": 1, "}": -1}.get(src[i], 0)
            i += 1
        body = src[sig.end():i - 1]
        if "nnet::" in body:
            return sig, body
    return _TOP_SIGNATURE_RE.search(src), src


def _top_source(fw: Path) -> Path:
    cands = [p for p in sorted(fw.glob("*.cpp")) if "nnet::" in p.read_text(errors="replace")]
    if not cands:
        raise ModelError(f"no top-level .cpp with nnet:: calls in {fw}", where=str(fw),
                         fix="pass an hls4ml-generated project (firmware/myproject.cpp)")
    return cands[0]


def _read_part_and_clock(proj: HlsProject) -> None:
    """Part and clock from project.tcl (what build_prj.tcl sources, so what the vendor tool uses),
    else hls4ml_config.yml, build_prj.tcl or vivado_synth.tcl, else any other Tcl script beside
    firmware/ (a hand-written `run_csynth.tcl`); the first that has a value wins. The backend from
    hls4ml_config.yml, else project.tcl; failing both, a script that opens its solution with
    `-flow_target` (an option only Vitis HLS has) names Vitis."""
    root = proj.path
    backend_files = ("project.tcl", "hls4ml_config.yml")
    known = (*backend_files, "build_prj.tcl", "vivado_synth.tcl")
    others = sorted(f.name for f in root.glob("*.tcl") if f.name not in known)
    flow_target = None
    for name in (*known, *others):
        f = root / name
        if not f.is_file():
            continue
        t = f.read_text(errors="replace")
        m = (re.search(r"^\s*(?:XilinxPart|Part)\s*:\s*['\"]?([\w\-]+)", t, re.M)
             or re.search(r"set\s+part\s+\"?\{?([\w\-]+)", t) or re.search(r"set_part\s+\{?([\w\-]+)", t))
        if m and proj.part is None:
            proj.part = m.group(1)
        m = (re.search(r"^\s*ClockPeriod\s*:\s*([\d.]+)", t, re.M) or re.search(r"clock_period\s+([\d.]+)", t)
             or re.search(r"create_clock\s+-period\s+([\d.]+)", t))
        if m and proj.clock_period_ns is None:
            proj.clock_period_ns = float(m.group(1))
        # the yml names hls4ml's backend exactly (VivadoAccelerator, Quartus, ...); project.tcl's
        # `set backend` (the last one wins in Tcl) serves when there is no yml
        if name in backend_files:
            found = re.findall(r"^\s*Backend\s*:\s*(\w+)", t, re.M) or re.findall(r"^\s*set\s+backend\s+\"?(\w+)", t, re.M)
            if found and (name == "hls4ml_config.yml" or proj.backend_source is None):
                proj.backend, proj.backend_source = found[-1], name
        if flow_target is None and re.search(r"^\s*open_solution\b[^\n]*-flow_target\b", t, re.M):
            flow_target = name
        m = (re.search(r"^\s*ClockUncertainty\s*:\s*['\"]?([\d.]+\s*%?)", t, re.M)
             or re.search(r"set\s+clock_uncertainty\s+\{?([\d.]+\s*%?)", t)
             or re.search(r"set_clock_uncertainty\s+\{?([\d.]+\s*%?)", t))
        if m and proj.clock_uncertainty is None:
            proj.clock_uncertainty = re.sub(r"\s+", "", m.group(1))
    if proj.backend_source is None and flow_target is not None:
        proj.backend, proj.backend_source = "Vitis", f"{flow_target} (open_solution -flow_target: a Vitis HLS option)"
    proj.vitis_evidence = _vitis_hls_evidence(root)
    if proj.backend_source is None and proj.vitis_evidence is not None:
        # nothing names hls4ml's backend, but the tool's own log or report says which HLS tool built it
        proj.backend, proj.backend_source = "Vitis", f"{proj.vitis_evidence}{WRITTEN_BY_VITIS}"
    if proj.part is None or proj.clock_period_ns is None:
        _read_csynth_report(proj)


#: the backend_source suffix of a backend known only from Vitis HLS's own log or report
WRITTEN_BY_VITIS = " (written by Vitis HLS)"

#: what a vendor C-synthesis report records of the build: XML (csynth.xml) and text (csynth.rpt)
_REPORT_PART_RE = (re.compile(r"<Part>\s*([\w\-]+)\s*</Part>"), re.compile(r"^\*\s*Target device:\s*([\w\-]+)", re.M))
_REPORT_CLOCK_RE = (re.compile(r"<TargetClockPeriod>\s*([\d.]+)\s*</TargetClockPeriod>"),
                    re.compile(r"^\s*\|\s*ap_clk\s*\|\s*([\d.]+)\s*ns\s*\|", re.M))
_REPORT_UNCERTAINTY_RE = (re.compile(r"<ClockUncertainty>\s*([\d.]+)\s*</ClockUncertainty>"),
                          re.compile(r"^\s*\|\s*ap_clk\s*\|\s*[\d.]+\s*ns\s*\|\s*[\d.]+\s*ns\s*\|\s*([\d.]+)\s*ns\s*\|", re.M))


def _read_csynth_report(proj: HlsProject) -> None:
    """Part, clock and uncertainty from the project's own C-synthesis report, when its scripts do not
    say them (a repository that commits firmware/ and the report but no hls4ml_config.yml or Tcl):
    the report records what the tool built. The top's report (`<top>_csynth`) is read first."""
    reports = sorted(proj.path.glob("*_prj/*/syn/report/*_csynth.xml")) + sorted(proj.path.glob("*_prj/*/syn/report/*_csynth.rpt"))
    # <prj>/<solution>/syn/report/<file>: the top's own report is named after the project folder's top
    reports.sort(key=lambda f: (not f.name.startswith(f"{f.parents[3].name.removesuffix('_prj')}_csynth"),
                                f.suffix != ".xml", str(f)))
    for f in reports:
        t = f.read_text(errors="replace")
        part = next((m.group(1) for r in _REPORT_PART_RE if (m := r.search(t))), None)
        clock = next((m.group(1) for r in _REPORT_CLOCK_RE if (m := r.search(t))), None)
        if part is None and clock is None:
            continue
        gave = []
        if proj.part is None and part is not None:
            proj.part = part
            gave.append("part")
        if proj.clock_period_ns is None and clock is not None:
            proj.clock_period_ns = float(clock)
            gave.append("clock")
            unc = next((m.group(1) for r in _REPORT_UNCERTAINTY_RE if (m := r.search(t))), None)
            if proj.clock_uncertainty is None and unc is not None:
                proj.clock_uncertainty = unc
                gave.append("clock uncertainty")
        proj.settings_report = (str(f.relative_to(proj.path)), gave)
        return


# --------------------------------------------------------------------------------------------
# Types and values
# --------------------------------------------------------------------------------------------
def resolve_type(proj: HlsProject, name: str, *, cfg: dict[str, str] | None = None, depth: int = 0) -> FixedType:
    """Follow typedef aliases (struct-local first) down to an ap_fixed/ap_int and parse it."""
    if depth > 20:
        raise ModelError(f"typedef cycle at '{name}'", where=str(proj.path))
    s = name.strip()
    if s.startswith("nnet::array<") and s.endswith(">"):
        # io_stream packs a layer's values into nnet::array<element type, count> stream words
        inner, level = s[len("nnet::array<"):-1], 0
        for i in range(len(inner) - 1, -1, -1):
            level += {">": 1, "<": -1}.get(inner[i], 0)
            if inner[i] == "," and level == 0:
                return resolve_type(proj, inner[:i], cfg=cfg, depth=depth + 1)
    if cfg is not None and "type:" + s in cfg:
        return resolve_type(proj, cfg["type:" + s], depth=depth + 1)
    if s in proj.types:
        return resolve_type(proj, proj.types[s], depth=depth + 1)
    t = parse_ap_type(s)
    if t is not None:
        return t
    if s in ("float", "double"):
        raise ModelError(f"type '{name}' is floating point; the estimator prices fixed-point designs only", where=str(proj.path),
                         fix="convert with ap_fixed precisions")
    if "exponent" in s or s in proj.exponent_types:
        raise _exponent_weights(f"{proj.path}: type '{name}'")
    raise ModelError(f"cannot resolve type '{name}' (not a typedef in defines.h/parameters.h, not ap_fixed/ap_int)",
                     where=str(proj.path), fix="check that the project's firmware/defines.h is complete")


def _int(proj: HlsProject, expr: str, *, depth: int = 0, cfg: dict[str, str] | None = None) -> int:
    """Evaluate a config constant: a number, a macro, another field of the same config struct
    (`n_chan = n_filt` in a pooling config), or simple arithmetic of them."""
    e = expr.strip()
    names = {**proj.macros, **{k: v for k, v in (cfg or {}).items() if not k.startswith("type:")}}
    for _ in range(20):
        new = re.sub(r"\b([A-Za-z_]\w*)\b", lambda m: f"({names[m.group(1)]})" if m.group(1) in names else m.group(1), e)
        if new == e:
            break
        e = new
    if not re.fullmatch(r"[\d\s+\-*/()]+", e):
        raise ModelError(f"cannot evaluate '{expr}'", where=str(proj.path))
    return int(eval(e, {"__builtins__": {}}, {}))  # noqa: S307 - digits and + - * / ( ) only


def _weights(proj: HlsProject, fw: Path, cfg: dict[str, str], var: str, n: int, *,
             key: str = "weight_t") -> tuple[np.ndarray, FixedType]:
    """A layer's weights (`key` "scale_t": a normalize's scale) as its C++ holds them, and their
    type: ap_fixed ones rounded by the type; power-of-two ones ({sign, exponent} structs: QKeras
    quantized_po2 kernels, an alpha='auto_po2' scale; multiplied by shifting) as their values, the
    narrowest fixed type holding them standing in for the struct."""
    if cfg.get(f"type:{key}", "").strip() in proj.exponent_types:
        values = _read_exponent_values(fw, var, n)
        return values, exact_type(values)
    product = "mult"
    if key == "weight_t":  # a convolution names its product in the dense config it computes with (its mult_config)
        product = cfg.get("product") or proj.configs.get(cfg.get("type:mult_config", "").strip(), {}).get("product", "mult")
    if product in ("both_binary", "data_binary"):
        raise ModelError(f"binary (1-bit, XNOR) layer input ({product}) is not modelled", where=f"{fw}: weights '{var}'",
                         fix="the estimator prices binary and ternary weights on fixed-point inputs only")
    if product == "weight_binary":
        # binary weights: ap_uint<1> with -1 stored as 0 (hls4ml's BinaryQuantizer), each product -x or x
        values = 2.0 * _read_values(fw, var, n) - 1.0
        if not np.all(np.abs(values) == 1):
            raise ModelError(f"binary weights '{var}' hold values other than 0 and 1", where=str(fw),
                             fix="the firmware is inconsistent; re-generate the project")
        return values, exact_type(values)
    t = resolve_type(proj, key, cfg=cfg) if f"type:{key}" in cfg else resolve_type(proj, "model_default_t")
    return quantize_to(_read_values(fw, var, n), t), t


def _read_exponent_values(fw: Path, var: str, n: int) -> np.ndarray:
    """Power-of-two weights `var` ({sign, exponent} pairs, sign 1 positive) as their values."""
    for f in (fw / "weights" / f"{var}.h", fw / "weights" / f"{var}.txt"):
        if not f.is_file():
            continue
        pairs = re.findall(r"\{\s*([-+\d.eE]+)\s*,\s*([-+\d.eE]+)\s*\}", f.read_text(errors="replace"))
        if len(pairs) != n:
            raise ModelError(f"{f} holds {len(pairs)} {{sign, exponent}} pairs, the layer needs {n}", where=str(f),
                             fix="the firmware is inconsistent; re-generate the project")
        return np.array([(1.0 if float(sgn) == 1 else -1.0) * 2.0 ** float(e) for sgn, e in pairs])
    raise ModelError(f"weights '{var}' not found in {fw / 'weights'}", where=str(fw), fix="keep firmware/weights/ with the project")


def _read_values(fw: Path, var: str, n: int) -> np.ndarray:
    """Values of weight array `var` from weights/<var>.h (initializer) or weights/<var>.txt."""
    for f in (fw / "weights" / f"{var}.h", fw / "weights" / f"{var}.txt", fw / f"{var}.h"):
        if not f.is_file():
            continue
        text = f.read_text(errors="replace")
        if f.suffix == ".h":
            m = re.search(r"\b" + re.escape(var) + r"\s*\[[^\]]*\]\s*=\s*\{(.*?)\}\s*;", text, re.S)
            if not m:
                continue
            text = m.group(1)
        try:
            vals = np.array([float(x) for x in re.split(r"[\s,]+", text.strip()) if x], dtype=np.float64)
        except ValueError as exc:
            raise ModelError(f"{f} holds a value that is not a number ({exc})", where=str(f),
                             fix="the firmware is corrupt; re-generate the project") from None
        if not np.isfinite(vals).all():
            raise ModelError(f"{f} holds {int((~np.isfinite(vals)).sum())} NaN or infinite values", where=str(f),
                             fix="the weights are broken (training diverged?); re-generate the project from a finite model")
        if vals.size != n:
            raise ModelError(f"{f} holds {vals.size} values, the layer needs {n}", where=str(f),
                             fix="the firmware is inconsistent; re-generate the project")
        return vals
    raise ModelError(f"weights '{var}' not found in {fw / 'weights'} (.h with an initializer or .txt)", where=str(fw),
                     fix="keep firmware/weights/ with the project")


# --------------------------------------------------------------------------------------------
# Project -> Design
# --------------------------------------------------------------------------------------------
def design_from_project(path: str | Path, *, part: str | None = None, clock_period_ns: float | None = None,
                        clock_uncertainty: str | None = None, backend: str | None = None) -> Design:
    """The Design an hls4ml project implements: layer order, precisions, reuse, weights.

    `backend` (Vivado or Vitis) names the backend of a project that does not name its own (hand-written
    build scripts); on one that does, Vitis retargets a project written for hls4ml's Vivado backend to
    Vitis HLS (which runs its build_prj.tcl), the project's own backend changes nothing, and any other is refused.
    """
    proj = parse_project(path)
    retargeted = None
    if backend is not None:
        named = proj.backend.lower().replace("accelerator", "")
        if proj.backend_source is None:
            proj.backend, proj.backend_source = backend, "--backend"
        elif named == "vivado" and backend.lower() == "vitis":
            # hls4ml's Vivado backend writes a project Vitis HLS builds as well (vitis_hls -f
            # build_prj.tcl, the only way left since Vivado HLS 2020.1); the tool sets the estimate
            retargeted = f"hls4ml backend {proj.backend} (named in {proj.backend_source})"
            proj.backend, proj.backend_source = backend, f"--backend (the project's {retargeted})"
        elif named != backend.lower():
            raise ConfigError(f"--backend {backend} contradicts the project, built with {proj.backend} "
                              f"(named in {proj.backend_source}): hls4ml's Vitis backend writes Tcl only Vitis HLS runs",
                              where="--backend", fix="leave --backend out: the project names its own backend")
    fw = proj.firmware
    layers: list = []
    strategies: dict[str, str] = {}
    io_types: set[str] = set()
    softmax_impl = None
    input_type: FixedType | None = None
    n_inputs: int | None = None
    positions = 1  # pixels of the current tensor (an activation after a convolution spans them)
    # the dataflow graph, from the calls' argument names: which layer wrote each variable
    producer: dict[str, str] = {}
    positions_of: dict[str, int] = {}
    reads: dict[str, list[str]] = {}
    hgq_elements: dict[str, list] = {}  # variable -> the per-element types an HGQ quantizer wrote

    def writer_of(var: str, before: str) -> str:
        var = proj.variable(var)
        if var in producer:
            return producer[var]
        # the top's own input, or a variable written outside the calls this reader knows: then the
        # layer before (a chain, as hls4ml < 1.0 projects are read)
        return "input" if var in proj.top_args else before

    def settle(ins: list[str], outs: list[str], n_before: int) -> None:
        """After a call: the layer it added reads its inputs' writers; its outputs are its own (or,
        for wiring, its input's writer's)."""
        before = layers[n_before - 1].name if n_before else "input"
        if len(layers) > n_before:
            reads[layers[n_before].name] = [writer_of(v, before) for v in ins]
            writer = layers[-1].name
        else:
            writer = writer_of(ins[0], before) if ins else before
        for v in outs:
            producer[v] = writer
            positions_of[v] = positions

    pending: tuple | None = None
    padding_calls = 0
    for fn, targs, args in proj.calls:
        if pending is not None:
            settle(*pending)
        where = f"{proj.path}: nnet::{fn}<{', '.join(targs)}>"
        pending = (*_dataflow(fn, args), len(layers))
        if fn in WIRING_CALLS:
            padding_calls += fn.startswith(("zeropad", "cropping"))
            # free, but a zero padding first in the design still takes the design's input
            cfg = proj.configs.get(targs[-1]) if len(targs) >= 3 else None
            if input_type is None and cfg is not None and "in_width" in cfg and "n_chan" in cfg:
                dims = [_int(proj, cfg[k], cfg=cfg) for k in ("in_height", "in_width", "n_chan") if k in cfg]
                input_type, n_inputs = resolve_type(proj, targs[0]), int(np.prod(dims))
            continue
        if fn in proj.element_quantizers and len(targs) == 2:
            # HGQ: each element cast to its own type (truncations are wiring, roundings an adder);
            # priced as a cast to the widest, with the elements it zeroes removed downstream
            types = proj.element_quantizers[fn]
            x_t = resolve_type(proj, targs[0])
            layers.append(ActivationDesign(fn, "linear", len(types), x_t, resolve_type(proj, targs[1]), positions=1))
            hgq_elements[args[1]] = types
            if input_type is None:
                input_type, n_inputs = x_t, len(types)
            continue
        if fn == "resize_nearest" and len(targs) == 2 and targs[1] in proj.configs:
            # UpSampling: resize_nearest<data_T, CONFIG_T>, the output in the input's type
            cfg = proj.configs[targs[1]]
            g = _geometry(proj, cfg, {k: (k, 1 if "height" in k else None) for k in
                                      ("height", "width", "n_chan", "new_height", "new_width")})
            if None in g.values():
                raise ModelError(f"resize config {targs[1]} lacks {[k for k, v in g.items() if v is None]}", where=where,
                                 fix="estimate a project hls4ml wrote")
            x_t = resolve_type(proj, targs[0])
            layer = ResizeDesign(_layer_name(targs[1], len(layers)), x_t, g["height"], g["width"], g["n_chan"],
                                 g["new_height"], g["new_width"])
            layers.append(layer)
            positions = layer.positions
            if input_type is None:
                input_type, n_inputs = x_t, g["height"] * g["width"] * g["n_chan"]
            continue
        if len(targs) < 3:
            raise ModelError(f"unexpected call nnet::{fn} with template arguments {targs}", where=where,
                             fix="only hls4ml-generated Dense/activation projects are supported")
        in_t, out_t, cname = targs[0], targs[2 if _param_call(fn, args) else 1], targs[-1]
        cfg = proj.configs.get(cname)
        if cfg is None:
            raise ModelError(f"config struct '{cname}' not found in parameters.h", where=where)
        if "io_type" in cfg:
            io_types.add(cfg["io_type"].split("::")[-1])
        if MERGE_CALL.match(fn):
            if len(targs) < 4 or len(args) < 3:
                raise ModelError(f"unexpected merge call nnet::{fn} with template arguments {targs}", where=where)
            op = "concatenate" if fn.startswith("concatenate") else fn
            if op == "concatenate":
                n1, n2 = (int(np.prod([d for d in (_int(proj, cfg.get(f"n_elem{k}_{j}", "0"), cfg=cfg) for j in range(3)) if d > 0]))
                          for k in (1, 2))
            else:
                n1 = _int(proj, cfg.get("n_elem1", cfg.get("n_elem", "0")), cfg=cfg)
                n2 = _int(proj, cfg.get("n_elem2", cfg.get("n_elem", "0")), cfg=cfg)
            t1, t2 = resolve_type(proj, targs[0]), resolve_type(proj, targs[1])
            merged = MergeDesign(_layer_name(cname, len(layers)), op, n1, n2, t1, t2,  # type: ignore[arg-type]
                                 resolve_type(proj, targs[2]), positions=1)
            pos = max(positions_of.get(proj.variable(v), 1) for v in args[:2])  # an input may be the design's
            merged.positions = pos if pos > 1 and merged.n % pos == 0 else 1
            layers.append(merged)
            if input_type is None:
                input_type, n_inputs = t1, n1
            continue
        if fn in DENSE_CALLS:
            n_in, n_out = _int(proj, cfg["n_in"]), _int(proj, cfg["n_out"])
            rf = _int(proj, cfg.get("reuse_factor", "1"))
            strat = cfg.get("strategy", "nnet::latency").split("::")[-1]
            if fn == "dense_resource":
                strat = "resource"
            wvar, bvar = args[2], args[3]
            w, wt = _weights(proj, fw, cfg, wvar, n_in * n_out)
            bt = resolve_type(proj, "bias_t", cfg=cfg) if "type:bias_t" in cfg else wt
            acc = resolve_type(proj, "accum_t", cfg=cfg) if "type:accum_t" in cfg else resolve_type(proj, "model_default_t")
            x_t, res_t = resolve_type(proj, in_t), resolve_type(proj, out_t)
            # hls4ml >= 0.6 (whose configs carry `strategy`) stores Resource weights transposed
            w = w.reshape(n_out, n_in).T if strat == "resource" and "strategy" in cfg else w.reshape(n_in, n_out)
            elements = hgq_elements.get(proj.variable(args[0]))
            widths = None
            if elements is not None and len(elements) == n_in:
                # HGQ: each input at its own width; one it zeroes multiplies nothing (HLS folds it)
                widths = np.array([t.width if t is not None else 0 for t in elements], dtype=np.int64)
                w = w.copy()
                w[widths == 0, :] = 0.0
            b = quantize_to(_read_values(fw, bvar, n_out), bt)
            name = _layer_name(cname, len(layers))
            nzeros = _int(proj, cfg["n_zeros"]) if "n_zeros" in cfg else None  # hls4ml's own count
            layers.append(DenseDesign(name, w, b, x_t, wt, bt, acc, res_t, reuse_factor=rf, n_zeros=nzeros, input_widths=widths))
            positions = 1
            strategies[name] = strat
            if input_type is None:
                input_type, n_inputs = x_t, n_in
        elif fn == "normalize":
            # hls4ml's BatchNormalization kept apart (not fused)
            n = _int(proj, cfg["n_in"])
            n_filt = _int(proj, cfg.get("n_filt", "-1"))  # n_scale_bias = n_filt == -1 ? n_in : n_filt
            n_scale = n if n_filt == -1 else n_filt
            if n_scale <= 0 or n % n_scale:
                raise ModelError(f"normalize with n_in {n} and n_filt {n_filt}: n_in is not a whole number of channel "
                                 "groups", where=where, fix="check the project's parameters.h (hls4ml writes n_in = positions x n_filt)")
            # (an alpha='auto_po2' scale hls4ml factored out of a QDense/QConv, '<layer>_alpha', is powers of two)
            scale, st = _weights(proj, fw, cfg, args[2], n_scale, key="scale_t")
            bt = resolve_type(proj, "bias_t", cfg=cfg) if "type:bias_t" in cfg else st
            x_t, res_t = resolve_type(proj, in_t), resolve_type(proj, out_t)
            name = _layer_name(cname, len(layers))
            layers.append(normalize_dense(name, scale, _read_values(fw, args[3], n_scale), x_t, st,
                                          bt, res_t, reuse_factor=_int(proj, cfg.get("reuse_factor", "1")),
                                          positions=n // n_scale))
            strategies[name] = "latency"
            if input_type is None:
                input_type, n_inputs = x_t, n
        elif fn in ACTIVATION_CALLS:
            n = _int(proj, cfg["n_in"])
            impl = cfg.get("implementation")
            if fn == "softmax":
                softmax_impl = impl.split("::")[-1] if impl else "latency"
            # a softmax has an exp and a 1/x table (hls4ml 1.x writes both sizes besides table_size)
            keys = ("exp_table_size", "table_size") if fn == "softmax" else ("table_size", "exp_table_size")
            tkey = next((k for k in keys if k in cfg), None)
            table = _int(proj, cfg[tkey]) if tkey else None
            inv_table = _int(proj, cfg["inv_table_size"]) if fn == "softmax" and "inv_table_size" in cfg else None
            param = {}
            if fn == "prelu":  # one slope per value, a weight array
                param = {"alphas": [float(v) for v in _read_values(fw, args[1], n)], "param_type": resolve_type(proj, targs[1])}
            elif _param_call(fn, args):
                try:
                    param = {"alpha": float(args[1]), "param_type": resolve_type(proj, targs[1])}
                except ValueError:
                    raise ModelError(f"nnet::{fn} with parameter {args[1]!r}, not a number", where=where,
                                     fix="estimate a project hls4ml wrote (it passes the slope as a literal)") from None
            elif fn == "elu":  # the two-argument form: alpha 1
                param = {"alpha": 1.0}
            elif fn in ("hard_sigmoid", "hard_tanh") and "slope" in cfg:
                # Keras' hard_sigmoid has slope 0.2 (a constant product), QKeras' 0.5 (a shift)
                param = {"alpha": _float_const(proj, cfg["slope"], where=where, what="slope"),
                         "param_type": resolve_type(proj, cfg["type:slope"])}
            layers.append(ActivationDesign(_layer_name(cname, len(layers)), ACTIVATION_CALLS[fn], n,  # type: ignore[arg-type]
                                           resolve_type(proj, in_t), resolve_type(proj, out_t), table_size=table,
                                           inv_table_size=inv_table,
                                           reuse_factor=_int(proj, cfg.get("reuse_factor", "1")),
                                           positions=positions if n % positions == 0 else 1, **param))
            if input_type is None:
                input_type, n_inputs = resolve_type(proj, in_t), n
        elif CONV_CALL.match(fn):
            layer = _conv_from_config(proj, fw, cfg, args, in_t, out_t, _layer_name(cname, len(layers)), where=where, fn=fn)
            layers.append(layer)
            strategies[layer.name] = cfg.get("strategy", "nnet::latency").split("::")[-1]
            positions = layer.positions
            if input_type is None:
                input_type, n_inputs = layer.input_type, layer.in_height * layer.in_width * layer.n_chan
        elif POOL_CALL.match(fn) and cfg.get("pool_op", "nnet::Max").split("::")[-1] in ("Max", "Average"):
            layer = _pool_from_config(proj, cfg, in_t, out_t, _layer_name(cname, len(layers)), global_=fn.startswith("global"))
            layers.append(layer)
            positions = layer.positions
            if input_type is None:
                input_type, n_inputs = layer.input_type, layer.in_height * layer.in_width * layer.n_chan
        elif UNMODELLED_CALL.match(fn):
            layers.append(UnmodelledDesign(_layer_name(cname, len(layers)), f"nnet::{fn}",
                                           f"nnet::{fn} (a convolution or pooling) is not modelled by the resource estimate"))
            if input_type is None:
                dims = [_int(proj, cfg[k], cfg=cfg) for k in ("in_height", "in_width", "n_chan") if k in cfg]
                input_type, n_inputs = resolve_type(proj, in_t), int(np.prod(dims)) if dims else None
        else:
            raise ModelError(f"layer call nnet::{fn} is not modelled by the estimator (Dense, convolutions, poolings, "
                             "BatchNormalization, merges and relu/leaky_relu/linear/softmax/sigmoid/tanh/hard_sigmoid/hard_tanh/elu/selu/softplus/"
                             "softsign/thresholded_relu/prelu activations are)", where=where,
                             fix="estimate a model of those layers, or treat this project's total as not estimated")
    if pending is not None:
        settle(*pending)
    if input_type is None or n_inputs is None:
        raise ModelError("no layers found", where=str(proj.path))
    strat_set = set(strategies.values()) or {"latency"}
    io = "io_stream" if "io_stream" in io_types else "io_parallel"
    final_part = part or proj.part
    final_clock = clock_period_ns or proj.clock_period_ns
    if final_part is None:
        raise ModelError("the FPGA part is not in the project (no hls4ml_config.yml, project.tcl, build_prj.tcl or "
                         "C-synthesis report names one)",
                         where=str(proj.path), fix="pass --part")
    clock_defaulted = final_clock is None
    if clock_defaulted:
        final_clock = HLS4ML_DEFAULT_CLOCK_NS
    # templates older than 1.x (no `kernel` alias where a dense kernel is configured); the project
    # does not record which version, and the estimate only needs "before 1.0"
    older_templates = not proj.kernel_alias and any(c.get("_base", "").endswith("dense_config") for c in proj.configs.values())
    if proj.backend.lower() not in ("vivado", "vitis", "vivadoaccelerator"):
        raise ModelError(f"the project was written by hls4ml's {proj.backend} backend; the estimate models the AMD/Xilinx "
                         "HLS tools (Vivado, Vitis, VivadoAccelerator)", where=str(proj.path / "hls4ml_config.yml"),
                         fix="convert the model with backend='Vivado' or 'Vitis' to estimate it")
    return Design(
        name=proj.path.name,
        layers=layers,
        input_type=input_type,
        n_inputs=n_inputs,
        backend=proj.backend,  # VivadoAccelerator is priced as its Vivado core
        part=final_part,
        clock_period_ns=float(final_clock),
        clock_uncertainty=clock_uncertainty or proj.clock_uncertainty,
        io_type=io,
        strategy="Resource" if strat_set == {"resource"} else "Latency",
        extra={"layer_strategy": strategies, "softmax_implementation": softmax_impl or SOFTMAX_IMPLEMENTATIONS[0],
               "source": f"hls4ml project {proj.path}", "backend_source": proj.backend_source, "stream_padding": padding_calls,
               "built_with_vitis_hls": proj.vitis_evidence, "retargeted_from": retargeted,
               "clock_defaulted": clock_defaulted, "settings_report": _report_settings_used(
                   proj, part=part, clock_period_ns=clock_period_ns, clock_uncertainty=clock_uncertainty),
               **({"hls4ml_version": "0.8"} if older_templates else {})},
        inputs=branch_inputs([layer.name for layer in layers], reads),  # a chain needs no entry
    )


def _report_settings_used(proj: HlsProject, **given: Any) -> str | None:
    """'part and clock from REPORT' for what the estimate took from the C-synthesis report, not from an option."""
    if proj.settings_report is None:
        return None
    path, gave = proj.settings_report
    option = {"part": "part", "clock": "clock_period_ns", "clock uncertainty": "clock_uncertainty"}
    used = [g for g in gave if given[option[g]] is None]
    if not used:
        return None
    return (f"{' and '.join(used)} read from the project's C-synthesis report {path} (its scripts do not give "
            f"{'it' if len(used) == 1 else 'them'})")


def _vitis_hls_evidence(path: Path) -> str | None:
    """A file showing the project was synthesized with Vitis HLS (its log, or a report it wrote), or None.

    A project hls4ml wrote for its Vivado backend is often built with vitis_hls; the estimate then
    prices Vivado HLS unless told otherwise, so the CLI points at this file."""
    # (file pattern, what its head must hold, how much of it is the head); the log is Vitis's own
    evidence = (("vitis_hls.log", "", 0), ("*_prj/hls.app", "vitis", 2000), ("*_prj/*/syn/report/*_csynth.rpt", "vitis hls", 600))
    for pattern, marker, head in evidence:
        for f in sorted(Path(path).glob(pattern)):
            if not marker or marker in f.read_text(errors="replace")[:head].lower():
                return str(f.relative_to(path))
    return None


def _dataflow(fn: str, args: list[str]) -> tuple[list[str], list[str]]:
    """(variables a call reads, variables it writes): a merge reads two, a clone writes several,
    every other layer call reads its first argument and writes its second (then its weights)."""
    if MERGE_CALL.match(fn):
        return args[:2], args[2:3]
    if fn == "clone_stream":
        return args[:1], args[1:]
    if _param_call(fn, args):
        return args[:1], args[2:3]
    return args[:1], args[1:2]


def _float_const(proj: HlsProject, text: str, *, where: str, what: str) -> float:
    """A config struct's float constant (a literal, or a macro naming one)."""
    value = proj.macros.get(text.strip(), text).strip()
    try:
        return float(value)
    except ValueError:
        raise ModelError(f"{what} {text!r} is not a number", where=where,
                         fix="estimate a project hls4ml wrote (it writes the constant as a literal)") from None


def _param_call(fn: str, args: list[str]) -> bool:
    """An activation called with its parameter between input and output (`nnet::elu(in, 0.5, out)`)."""
    return fn in PARAM_ACTIVATION_CALLS and len(args) == 3


def _geometry(proj: HlsProject, cfg: dict[str, str], keys: dict[str, tuple[str, int | None]]) -> dict[str, int | None]:
    """Named config constants; a missing one takes its default (a 1-D layer has no height-side
    fields), None where there is none."""
    out = {}
    for field_, (key, default) in keys.items():
        out[field_] = _int(proj, cfg[key], cfg=cfg) if key in cfg else default
    return out


def _conv_from_config(proj: HlsProject, fw: Path, cfg: dict[str, str], args: list[str], in_t: str, out_t: str, name: str,
                      *, where: str, fn: str = "conv_2d_cl") -> ConvDesign:
    """A conv_1d/2d, pointwise or depthwise call: its geometry from the config struct, its kernel
    from the weights file."""
    g = _geometry(proj, cfg, {"in_height": ("in_height", 1), "in_width": ("in_width", None), "n_chan": ("n_chan", None),
                              "filt_height": ("filt_height", 1), "filt_width": ("filt_width", None),
                              "n_filt": ("n_filt", None), "stride_height": ("stride_height", 1),
                              "stride_width": ("stride_width", None), "out_height": ("out_height", 1),
                              "out_width": ("out_width", None), "pad_top": ("pad_top", 0), "pad_bottom": ("pad_bottom", 0),
                              "pad_left": ("pad_left", 0), "pad_right": ("pad_right", 0),
                              "reuse_factor": ("reuse_factor", 1), "n_partitions": ("n_partitions", None)})
    missing = [k for k, v in g.items() if v is None and k != "n_partitions"]
    if missing:
        raise ModelError(f"the convolution config lacks {', '.join(missing)}", where=where,
                         fix="only projects written by hls4ml 0.8 or later are read")
    n_in, n_filt = g["filt_height"] * g["filt_width"] * g["n_chan"], g["n_filt"]
    depthwise = "depthwise" in fn
    kernel, wt = _weights(proj, fw, cfg, args[2], n_in * (1 if depthwise else n_filt))
    bt = resolve_type(proj, "bias_t", cfg=cfg) if "type:bias_t" in cfg else wt
    acc = resolve_type(proj, "accum_t", cfg=cfg) if "type:accum_t" in cfg else resolve_type(proj, "model_default_t")
    if depthwise:
        # one filter per channel: k*C weights, priced as the (k*C, C) block-diagonal kernel of a
        # regular convolution (its zeros cost nothing); hls4ml's n_zeros counts the k*C it was given
        if n_filt != g["n_chan"]:
            raise ModelError(f"a depthwise convolution with n_filt {n_filt} != n_chan {g['n_chan']} (depth multiplier > 1)",
                             where=where, fix="hls4ml implements depth multiplier 1 only; re-generate the project")
        w = depthwise_matrix(kernel.reshape(g["filt_height"] * g["filt_width"], n_filt))
    else:
        w = kernel.reshape(n_in, n_filt)
    b = quantize_to(_read_values(fw, args[3], n_filt), bt)
    positions = g["out_height"] * g["out_width"]
    pf = positions // g["n_partitions"] if g["n_partitions"] else 1
    if cfg.get("implementation", "").endswith("::pointwise") or "BatchedDenseForConv" in cfg.get("conv_kernel", ""):
        # a 1x1 convolution computed at every position at once: hls4ml 0.8's pointwise
        # implementation, 1.x's BatchedDenseForConv1D (io_parallel, Latency, one partition)
        pf = positions
    nzeros = _int(proj, cfg["n_zeros"], cfg=cfg) if "n_zeros" in cfg else None
    if depthwise and nzeros is None:
        nzeros = int(np.sum(k == 0))
    return ConvDesign(name, w, b, resolve_type(proj, in_t), wt, bt, acc, resolve_type(proj, out_t),
                      reuse_factor=g["reuse_factor"], n_zeros=nzeros, in_height=g["in_height"], in_width=g["in_width"],
                      n_chan=g["n_chan"], filt_height=g["filt_height"], filt_width=g["filt_width"],
                      stride_height=g["stride_height"], stride_width=g["stride_width"], out_height=g["out_height"],
                      out_width=g["out_width"], pad_top=g["pad_top"], pad_bottom=g["pad_bottom"], pad_left=g["pad_left"],
                      pad_right=g["pad_right"], parallelization_factor=max(1, pf))


def _pool_from_config(proj: HlsProject, cfg: dict[str, str], in_t: str, out_t: str, name: str, *,
                      global_: bool = False) -> PoolDesign:
    """A max or average pooling1d/2d call (1-D configs name the lengths n_in/n_out); a global one
    pools the whole input into one position."""
    g = _geometry(proj, cfg, {"in_height": ("in_height", 1), "in_width": ("in_width", None), "n_chan": ("n_filt", 1),
                              "pool_height": ("pool_height", 1), "pool_width": ("pool_width", 1),
                              "stride_height": ("stride_height", 1), "stride_width": ("stride_width", 1),
                              "out_height": ("out_height", 1), "out_width": ("out_width", None),
                              "reuse_factor": ("reuse_factor", 1)})
    if global_:
        g.update(out_height=1, out_width=1)  # one position (a global 1-D config has no n_out, or its channels)
    for field_, key in (("in_width", "n_in"), ("out_width", "n_out")):
        if g[field_] is None:
            if key not in cfg:
                raise ModelError(f"the pooling config lacks {field_} (or {key})", where=f"{proj.path}: {name}",
                                 fix="only projects written by hls4ml 0.8 or later are read")
            g[field_] = _int(proj, cfg[key], cfg=cfg)
    if global_:
        g.update(pool_height=g["in_height"], pool_width=g["in_width"], stride_height=g["in_height"],
                 stride_width=g["in_width"])
    acc = resolve_type(proj, "accum_t", cfg=cfg) if "type:accum_t" in cfg else None
    op = "average" if cfg.get("pool_op", "nnet::Max").split("::")[-1] == "Average" else "max"
    return PoolDesign(name, resolve_type(proj, in_t), **g, accum_type=acc, result_type=resolve_type(proj, out_t), op=op)


def _layer_name(cname: str, idx: int) -> str:
    m = re.search(r"(\d+)$", cname)
    return f"layer{m.group(1)}" if m else f"layer{idx}"


__all__ = ["HlsProject", "parse_project", "design_from_project", "resolve_type", "quantize_to"]
