"""Reading an hls4ml project back into a Design (`flow estimate PROJECT_DIR`)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

from flow.cli import main
from flow.design import ConvDesign, FixedType, design_from_dict
from flow.errors import ModelError
from flow.hls_project import design_from_project, quantize_to, resolve_type, parse_project
from flow.resources import estimate


def _project(tiny_run) -> Path:
    root, _ = tiny_run
    projects = [p.parent.parent for p in (root / "hls_projects").rglob("firmware/parameters.h")]
    assert projects, "the tiny run wrote no HLS project"
    return projects[0]


def test_project_design_matches_the_flow_design(tiny_run):
    """Weights, biases and every precision read from firmware/ equal the flow's own plan."""
    root, _ = tiny_run
    d = design_from_project(_project(tiny_run))
    ref = design_from_dict(json.loads(next((root / "run").rglob("design.json")).read_text()))
    got = [layer for layer in d.layers if layer.kind == "dense"]
    want = ref.dense_layers()
    assert len(got) == len(want) > 0
    for a, b in zip(got, want):
        assert np.array_equal(a.weights, b.weights) and np.array_equal(a.bias, b.bias), b.name
        for t in ("input_type", "weight_type", "accum_type", "result_type"):
            ta, tb = getattr(a, t), getattr(b, t)
            assert (ta.width, ta.integer, ta.signed) == (tb.width, tb.integer, tb.signed), (b.name, t)
    e1, e2 = estimate(d).total, estimate(ref).total
    assert e1 == e2  # the same design, read back from firmware/, costs the same
    # the config's clock uncertainty reached hls4ml's project and was read back from it
    assert "set clock_uncertainty 20%" in (_project(tiny_run) / "project.tcl").read_text()
    assert d.clock_uncertainty == ref.clock_uncertainty == "20%"


def test_clock_uncertainty_moves_the_schedule(tiny_run):
    """Less time per cycle for the logic: never fewer cycles or pipeline registers."""
    d = design_from_project(_project(tiny_run))
    last = None
    for unc in ("0%", "20%", "45%", "70%"):
        d.clock_uncertainty = unc
        t = estimate(d).total
        if last is not None:
            assert t["latency_cycles"] >= last["latency_cycles"] and t["FF"] >= last["FF"], (unc, t, last)
        last = t
    d.clock_uncertainty = "0%"
    assert estimate(d).total["latency_cycles"] < last["latency_cycles"]


def test_cli_estimate_on_project_dir(tiny_run, tmp_path, capsys):
    out = tmp_path / "est"
    assert main(["estimate", str(_project(tiny_run)), "--out", str(out)]) == 0
    res = json.loads((out / "resources.json").read_text())
    assert res["total"]["LUT"] > 0 and res["total"]["complete"]
    assert "LUT" in capsys.readouterr().out


def test_not_a_project_is_a_clear_error(tmp_path, capsys):
    assert main(["estimate", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "not an hls4ml project" in err and "Fix:" in err


def test_unmodelled_layer_call_is_named(tiny_run, tmp_path):
    prj = tmp_path / "prj"
    shutil.copytree(_project(tiny_run), prj)
    top = prj / "firmware" / "myproject.cpp"
    src = top.read_text()
    top.write_text(src.replace("nnet::relu<", "nnet::resize_nearest<", 1))
    with pytest.raises(ModelError, match="resize_nearest"):
        design_from_project(prj)
    # hls4ml < 1.0's single-call separable convolution is carried as a 'not estimated' layer instead
    # (tests/test_verify_conv.py reads real conv, depthwise and pooling projects, which are priced)
    top.write_text(src.replace("nnet::relu<", "nnet::separable_conv_2d_cl<", 1))
    layers = design_from_project(prj).layers
    assert any(getattr(layer, "layer_type", "") == "nnet::separable_conv_2d_cl" for layer in layers)
    # a depthwise call whose config struct is not a convolution's names what it lacks
    top.write_text(src.replace("nnet::relu<", "nnet::depthwise_conv_2d_cl<", 1))
    with pytest.raises(ModelError, match="convolution config lacks"):
        design_from_project(prj)
    # a convolution call whose config struct is not a convolution's names what it lacks
    top.write_text(src.replace("nnet::relu<", "nnet::conv_2d_cl<", 1))
    with pytest.raises(ModelError, match="convolution config lacks in_width, n_chan"):
        design_from_project(prj)


def test_missing_weights_named(tiny_run, tmp_path):
    prj = tmp_path / "prj"
    shutil.copytree(_project(tiny_run), prj)
    for f in (prj / "firmware" / "weights").glob("w*"):
        f.unlink()
    with pytest.raises(ModelError, match="weights"):
        design_from_project(prj)


def _old_project(root: Path) -> Path:
    """A two-layer hls4ml 0.5-style project (no hls4ml_config.yml, no project.tcl) under `root`."""
    fw = root / "firmware"
    (fw / "weights").mkdir(parents=True)
    (fw / "defines.h").write_text("#define N_INPUT_1_1 3\n#define N_LAYER_2 2\ntypedef ap_fixed<16,6> model_default_t;\n"
                                  "typedef model_default_t input_t;\ntypedef model_default_t layer2_t;\ntypedef ap_fixed<16,6> result_t;\n")
    (fw / "parameters.h").write_text(
        "struct config2 : nnet::dense_config {\n    static const unsigned n_in = N_INPUT_1_1;\n    static const unsigned n_out = N_LAYER_2;\n"
        "    static const unsigned io_type = nnet::io_parallel;\n    static const unsigned reuse_factor = 1;\n"
        "    static const unsigned n_zeros = 1;\n    typedef ap_fixed<16,6> accum_t;\n    typedef model_default_t bias_t;\n    typedef model_default_t weight_t;\n};\n"
        "struct softmax_config3 : nnet::activ_config {\n    static const unsigned n_in = N_LAYER_2;\n    static const unsigned table_size = 1024;\n};\n")
    (fw / "myproject.cpp").write_text(
        "void myproject(input_t in[3], result_t out[2]) {\n"
        "    nnet::dense<input_t, layer2_t, config2>(in, layer2_out, w2, b2);\n"
        "    nnet::softmax<layer2_t, result_t, softmax_config3>(layer2_out, out);\n}\n")
    (fw / "weights" / "w2.txt").write_text("0.5, -0.25, 0.0, 0.0001, -0.0001, 1.0")
    (fw / "weights" / "b2.txt").write_text("0, 0.125")
    return root


def test_type_resolution_and_legacy_layout(tmp_path):
    """An hls4ml 0.5-style project: model_default_t aliases, weights only as .txt, build_prj.tcl part."""
    _old_project(tmp_path / "old")
    (tmp_path / "old" / "build_prj.tcl").write_text("set_part {xcku115-flvb2104-2-i}\ncreate_clock -period 5 -name default\n")
    d = design_from_project(tmp_path / "old")
    dense = d.layers[0]
    assert d.part == "xcku115-flvb2104-2-i" and d.clock_period_ns == 5.0
    assert dense.weights.shape == (3, 2) and dense.weight_type == FixedType(16, 6)
    # ap_fixed's default TRN rounds toward -inf: 1e-4 -> 0, -1e-4 -> -1 LSB
    assert dense.weights[1, 1] == 0.0 and dense.weights[2, 0] == -(2.0**-10)
    # hls4ml's n_zeros counts the exact zero it was given, not the 1e-4 that rounds to zero
    assert dense.n_zeros == 1 and int((dense.weights == 0).sum()) == 2
    assert d.layers[1].function == "softmax" and d.layers[1].table_size == 1024
    assert estimate(d).total["complete"]
    proj = parse_project(tmp_path / "old")
    assert resolve_type(proj, "layer2_t") == FixedType(16, 6)


def test_a_project_that_does_not_name_its_backend(tmp_path, capsys):
    """Hand-written build scripts: part and clock are read from any Tcl script beside firmware/, a
    script that opens its solution with `-flow_target` (only Vitis HLS has it) names Vitis, and
    `--backend` may name it where nothing in the project does -- never against the project."""
    bare = _old_project(tmp_path / "bare")
    (bare / "run_csynth.tcl").write_text("open_project -reset myproject_prj\nopen_solution -reset solution1\n"
                                         "set_part {xc7z020clg400-1}\ncreate_clock -period 10 -name default\n"
                                         "set_clock_uncertainty 1.5\ncsynth_design\n")
    d = design_from_project(bare)
    assert (d.part, d.clock_period_ns, d.clock_uncertainty, d.backend) == ("xc7z020clg400-1", 10.0, "1.5", "Vivado")
    assert d.extra["backend_source"] is None
    assert main(["estimate", str(bare), "--out", str(tmp_path / "e0")]) == 0
    assert "does not name its backend" in capsys.readouterr().out
    vivado = estimate(d).total

    assert main(["estimate", str(bare), "--backend", "Vitis", "--out", str(tmp_path / "e1")]) == 0
    out = capsys.readouterr().out
    assert "does not name its backend" not in out
    given = json.loads((tmp_path / "e1" / "resources.json").read_text())
    assert given["backend"] == "Vitis"

    vitis = _old_project(tmp_path / "vitis")
    (vitis / "run_csynth.tcl").write_text((bare / "run_csynth.tcl").read_text().replace(
        "open_solution -reset solution1", "open_solution -reset solution1 -flow_target vivado"))
    dv = design_from_project(vitis)
    assert dv.backend == "Vitis" and "run_csynth.tcl" in dv.extra["backend_source"]
    # read from the script or given on the command line, the same design is priced the same way
    assert estimate(dv).total == given["total"] != vivado
    assert main(["estimate", str(vitis), "--backend", "Vivado"]) == 1
    err = capsys.readouterr().err
    assert "contradicts" in err and "run_csynth.tcl" in err and "Fix:" in err
    assert main(["estimate", str(vitis), "--backend", "Vitis"]) == 0  # agreeing is not an error


_RPT = """================================================================
== {tool} Report for 'myproject'
================================================================
* Version:        2025.1 (Build 6135595 on May 21 2025)
* Target device:  {part}

== Performance Estimates
+ Timing:
    * Summary:
    +--------+---------+----------+------------+
    |  Clock |  Target | Estimated| Uncertainty|
    +--------+---------+----------+------------+
    |ap_clk  |  {clock} ns|  3.650 ns|     {unc} ns|
    +--------+---------+----------+------------+
"""


def test_part_clock_and_tool_from_the_projects_own_report(tmp_path, capsys):
    """A repository that commits firmware/ and the C-synthesis report but no yml or Tcl: part, clock,
    uncertainty and the HLS tool come from the report (was: 'pass --part', a silent 5 ns, Vivado);
    scripts and options still win, and a clock nothing gives is named in a warning."""
    prj = _old_project(tmp_path / "rpt")
    assert main(["estimate", str(prj)]) == 1
    assert "pass --part" in capsys.readouterr().err
    report = prj / "myproject_prj" / "solution1" / "syn" / "report" / "myproject_csynth.rpt"
    report.parent.mkdir(parents=True)
    report.write_text(_RPT.format(tool="Vitis HLS", part="xc7z020-clg400-1", clock="8.00", unc="2.16"))
    d = design_from_project(prj)
    assert (d.part, d.clock_period_ns, d.clock_uncertainty, d.backend) == ("xc7z020-clg400-1", 8.0, "2.16", "Vitis")
    assert main(["estimate", str(prj)]) == 0
    out = capsys.readouterr().out
    assert "part and clock and clock uncertainty read from the project's C-synthesis report" in out, out
    assert "priced for Vitis HLS" in out and "default 5 ns" not in out
    # the same values given on the command line price identically; given ones are not attributed to the report
    cli = dict(part="xc7z020-clg400-1", clock_period_ns=8.0, clock_uncertainty="2.16", backend="Vitis")
    assert estimate(design_from_project(prj, **cli)).total == estimate(d).total
    assert design_from_project(prj, **cli).extra["settings_report"] is None
    # a Vivado HLS report with the XML beside it (the XML is read first); a script's part wins
    report.write_text(_RPT.format(tool="Vivado HLS", part="xc7z020-clg400-1", clock="8.00", unc="1.00"))
    report.with_suffix(".xml").write_text("<profile><UserAssignments><Part>xcku115-flvb2104-2-e</Part>"
                                          "<TargetClockPeriod>4.00</TargetClockPeriod><ClockUncertainty>0.50"
                                          "</ClockUncertainty></UserAssignments></profile>")
    (prj / "run.tcl").write_text("set_part {xczu9eg-ffvb1156-2-e}\n")
    d = design_from_project(prj)
    assert (d.part, d.clock_period_ns, d.clock_uncertainty, d.backend) == ("xczu9eg-ffvb1156-2-e", 4.0, "0.50", "Vivado")
    # no clock anywhere: 5 ns, said in a warning
    shutil.rmtree(prj / "myproject_prj")
    assert main(["estimate", str(prj)]) == 0
    assert "priced at hls4ml's default 5 ns; pass --clock-period" in capsys.readouterr().out


def test_a_vivado_backend_project_built_with_vitis_hls(tmp_path, capsys):
    """hls4ml's Vivado backend writes a build_prj.tcl that vitis_hls runs too: --backend Vitis prices
    that tool (it was refused as a contradiction), and a project holding Vitis HLS's log says so."""
    prj = _old_project(tmp_path / "viv")
    (prj / "hls4ml_config.yml").write_text("Backend: Vivado\nPart: xc7a50t-csg324-1\nClockPeriod: 5\n")
    assert design_from_project(prj).backend == "Vivado"
    assert main(["estimate", str(prj), "--out", str(tmp_path / "e0")]) == 0
    assert "vitis_hls" not in capsys.readouterr().out
    as_vivado = json.loads((tmp_path / "e0" / "resources.json").read_text())

    (prj / "vitis_hls.log").write_text("****** Vitis HLS - High-Level Synthesis from C, C++ and OpenCL v2023.2 (64-bit)\n")
    assert main(["estimate", str(prj)]) == 0
    out = capsys.readouterr().out
    assert "vitis_hls.log" in out and "--backend Vitis" in out, out

    assert main(["estimate", str(prj), "--backend", "Vitis", "--out", str(tmp_path / "e1")]) == 0
    out = capsys.readouterr().out
    assert "priced for Vitis HLS as --backend asks" in out and "Vivado (named in hls4ml_config.yml)" in out, out
    as_vitis = json.loads((tmp_path / "e1" / "resources.json").read_text())
    assert as_vitis["backend"] == "Vitis" and as_vitis["total"] != as_vivado["total"]
    # the same design named Vitis by its own files is priced identically
    (prj / "hls4ml_config.yml").write_text("Backend: Vitis\nPart: xc7a50t-csg324-1\nClockPeriod: 5\n")
    assert estimate(design_from_project(prj)).total == as_vitis["total"]


def test_quantize_to_rounding_and_wrap():
    t = FixedType(4, 2, rounding="TRN", saturation="WRAP")  # lsb 0.25, range [-2, 1.75]
    assert list(quantize_to(np.array([0.3, -0.3, 1.9, 2.1]), t)) == [0.25, -0.5, 1.75, -2.0]  # 2.0 wraps
    s = FixedType(4, 2, rounding="RND_CONV", saturation="SAT")
    assert list(quantize_to(np.array([0.375, 0.125, 5.0, -5.0]), s)) == [0.5, 0.0, 1.75, -2.0]


def _with_backend(tiny_run, tmp_path, backend: str) -> Path:
    prj = tmp_path / f"prj_{backend}"
    shutil.copytree(_project(tiny_run), prj)
    cfg = prj / "hls4ml_config.yml"
    text = cfg.read_text()
    assert "Backend:" in text
    cfg.write_text("\n".join(f"Backend: {backend}" if line.startswith("Backend:") else line for line in text.splitlines()))
    return prj


def test_vivado_accelerator_project_is_priced_as_its_vivado_core(tiny_run, tmp_path):
    """VivadoAccelerator wraps the Vivado backend's HLS core: same core numbers, and a warning that
    the AXI wrapper is not in them (it used to be renamed 'Vivado' without a word)."""
    acc = estimate(design_from_project(_with_backend(tiny_run, tmp_path, "VivadoAccelerator")))
    viv = estimate(design_from_project(_with_backend(tiny_run, tmp_path, "Vivado")))
    assert acc.total == viv.total
    assert acc.backend == "VivadoAccelerator"
    assert any("AXI wrapper" in w for w in acc.warnings) and not any("AXI" in w for w in viv.warnings)


def test_non_xilinx_project_is_refused_by_name(tiny_run, tmp_path, capsys):
    """A Quartus project used to be estimated as if Vivado had built it."""
    prj = _with_backend(tiny_run, tmp_path, "Quartus")
    assert main(["estimate", str(prj)]) == 1
    err = capsys.readouterr().err
    assert "Quartus" in err and "hls4ml_config.yml" in err and "Fix:" in err


def test_project_softmax_implementation_is_read_and_priced(tiny_run, tmp_path):
    """The softmax implementation a project names is what gets priced: 'argmax' has no table and
    no multiplier, where the flow's default ('stable') has one DSP per class."""
    prj = tmp_path / "prj_argmax"
    shutil.copytree(_project(tiny_run), prj)
    params = prj / "firmware" / "parameters.h"
    src = params.read_text()
    assert "softmax_implementation::stable" in src
    before = estimate(design_from_project(prj))
    params.write_text(src.replace("softmax_implementation::stable", "softmax_implementation::argmax"))
    d = design_from_project(prj)
    assert d.extra["softmax_implementation"] == "argmax"
    after = estimate(d)
    sm_before, sm_after = before.layers[-1], after.layers[-1]
    assert sm_before.DSP == 10 and sm_after.DSP == 0 and sm_after.BRAM_18K == 0
    assert after.total["DSP"] == before.total["DSP"] - 10


def test_project_edits_a_user_can_make_are_read_or_refused(tiny_run, tmp_path, capsys):
    """project.tcl is what build_prj.tcl sources, so its part/clock/backend win over the yml; NaN
    weights, power-of-two weights that are not {sign, exponent} pairs and model-only options are
    refused by name."""
    prj = tmp_path / "prj"
    shutil.copytree(_project(tiny_run), prj)
    tcl = prj / "project.tcl"
    text = tcl.read_text()
    text = re.sub(r"set part \"[^\"]+\"", 'set part "xc7z020clg400-1"', text)
    text = re.sub(r"set clock_period \S+", "set clock_period 4", text)
    tcl.write_text(text + '\nset backend "vitis"\n')
    (prj / "hls4ml_config.yml").unlink()  # the backend then comes from project.tcl too
    d = design_from_project(prj)
    assert (d.part, d.clock_period_ns, d.backend.lower()) == ("xc7z020clg400-1", 4.0, "vitis")
    for opts, piece in ((["--reuse-factor", "4"], "--reuse-factor cannot change"), (["--strategy", "Resource"], "--strategy"),
                        (["--clock-period", "0"], "must be a positive")):
        assert main(["estimate", str(prj), *opts]) == 1
        assert piece in capsys.readouterr().err
    w = sorted((prj / "firmware" / "weights").glob("w*.h"))[0]  # read before the .txt
    w.write_text(re.sub(r"\{\s*[-+\d.eE]+", "{nan", w.read_text(), count=1))
    with pytest.raises(ModelError, match="NaN or infinite"):
        design_from_project(prj)
    w.write_text(re.sub(r"\{nan", "{0.5", w.read_text(), count=1))
    # a dense layer's weight type made hls4ml's power-of-two struct over a file of ap_fixed values:
    # read as {sign, exponent} pairs (quantized_po2 weights, tests/test_power_of_two.py), so refused
    defines = prj / "firmware" / "defines.h"
    wtype = re.search(r"typedef ap_fixed<[^>]*> (weight\w*_t);", defines.read_text()).group(1)
    defines.write_text(re.sub(r"typedef ap_fixed<[^>]*> " + wtype + ";",
                              f"typedef struct {wtype} {{ap_uint<1> sign;ap_int<4> weight; }} {wtype};", defines.read_text()))
    with pytest.raises(ModelError, match=r"\{sign, exponent\} pairs"):
        design_from_project(prj)


def test_code_outside_the_top_function_is_not_read_as_layers(tiny_run, tmp_path):
    """A main() or test bench appended to myproject.cpp (as users do) is not synthesized: its nnet::
    calls are not layers (a public project's main() calling nnet::copy_data was refused)."""
    prj = tmp_path / "prj"
    shutil.copytree(_project(tiny_run), prj)
    before = estimate(design_from_project(prj)).to_dict()["total"]
    top = next(p for p in (prj / "firmware").glob("*.cpp") if "nnet::" in p.read_text())
    top.write_text(top.read_text() + "\nint main(int argc, char** argv) {\n    float x[64];\n"
                   "    nnet::copy_data<float, input_t, 0, N_INPUT_1_1*N_INPUT_2_1>(x, x);\n"
                   "    nnet::dense<input_t, input_t, no_such_config>(x, x, x, x);\n    return 0;\n}\n")
    assert estimate(design_from_project(prj)).to_dict()["total"] == before


def test_io_stream_project_written_by_hls4ml_is_read(tmp_path):
    """hls4ml 1.x io_stream types are nnet::array<element, n> stream words: the element type is priced."""
    import hls4ml
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits, quantized_relu

    tf.keras.utils.set_random_seed(1)
    q = quantized_bits(6, 0, alpha=1)
    x = inp = tf.keras.Input((16,), name="x_in")
    x = QDense(32, kernel_quantizer=q, bias_quantizer=q, name="d1")(x)
    x = QActivation(quantized_relu(6, 2), name="a1")(x)
    model = tf.keras.Model(inp, QDense(5, kernel_quantizer=q, bias_quantizer=q, name="d2")(x))
    designs = {}
    for io in ("io_parallel", "io_stream"):
        cfg = hls4ml.utils.config_from_keras_model(model, granularity="name", backend="Vivado")
        hls4ml.converters.convert_from_keras_model(model, hls_config=cfg, output_dir=str(tmp_path / io), backend="Vivado",
                                                   io_type=io, part="xcvu13p-flga2577-2-e").write()
        designs[io] = design_from_project(tmp_path / io)
    assert designs["io_stream"].io_type == "io_stream" and designs["io_parallel"].io_type == "io_parallel"
    for a, b in zip(designs["io_parallel"].dense_layers(), designs["io_stream"].dense_layers()):
        assert np.array_equal(a.weights, b.weights) and a.input_type == b.input_type and a.result_type == b.result_type
    stream, parallel = estimate(designs["io_stream"]).total, estimate(designs["io_parallel"]).total
    assert stream["complete"] and stream["latency_cycles"] > parallel["latency_cycles"]


def _cropping_project(tmp_path, io_type: str) -> Path:
    """A float CNN with a Cropping2D, written by hls4ml 1.3.0 itself (nnet::cropping2d_cl)."""
    import hls4ml
    import tensorflow as tf

    tf.keras.utils.set_random_seed(4)
    L = tf.keras.layers
    x = inp = tf.keras.Input((8, 8, 2), name="img")
    x = L.Cropping2D(((1, 1), (2, 0)), name="crop")(x)
    x = L.Conv2D(3, 3, name="conv")(x)
    model = tf.keras.Model(inp, L.Dense(2, name="out")(L.Flatten(name="flat")(x)))
    cfg = hls4ml.utils.config_from_keras_model(model, granularity="model", backend="Vivado")
    out = tmp_path / io_type
    hls4ml.converters.convert_from_keras_model(model, hls_config=cfg, output_dir=str(out), backend="Vivado", io_type=io_type,
                                               part="xcvu13p-flga2577-2-e").write()
    assert "cropping2d_cl" in (out / "firmware" / "myproject.cpp").read_text()
    return out


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_cropping_is_read_like_zero_padding(tmp_path, io_type):
    """hls4ml's cropping1d/2d_cl is a copy of part of the input: wiring in io_parallel, and in
    io_stream a process of its own that the estimate names as left out (the project was refused
    before). The convolution after it sees the cropped 6 x 6 image."""
    from flow.verify import estimate_project

    prj = _cropping_project(tmp_path, io_type)
    design = design_from_project(prj)
    conv = next(d for d in design.layers if isinstance(d, ConvDesign))
    assert (conv.in_height, conv.in_width, conv.out_height, conv.out_width) == (6, 6, 4, 4)
    result = estimate_project(project_dir=prj, out_dir=None)
    assert result["total"]["complete"] and result["total"]["LUT"] > 0
    left_out = [w for w in result["warnings"] if "zero padding or cropping" in w]
    assert (left_out[0].startswith("1 zero padding") if io_type == "io_stream" else not left_out), result["warnings"]


def test_resource_reuse_factor_substitution_is_printed_on_the_console(tmp_path, capsys):
    """hls4ml replaces an invalid Resource reuse factor with only a printed line; the flow says so
    on the console (it was only in report.md), naming the layer, both factors and the fix."""
    import tensorflow as tf
    from qkeras import QActivation, QDense, quantized_bits

    q = quantized_bits(6, 0, alpha=1)
    inp = tf.keras.Input((9,), name="x")
    x = QActivation(quantized_bits(8, 3, alpha=1), name="in_q")(inp)
    tf.keras.Model(inp, QDense(4, kernel_quantizer=q, bias_quantizer=q, name="d1")(x)).save(tmp_path / "m.h5")
    assert main(["estimate", str(tmp_path / "m.h5"), "--strategy", "Resource", "--reuse-factor", "2"]) == 0
    captured = capsys.readouterr()
    line = next(s for s in (captured.out + captured.err).splitlines() if "reuse factor 2" in s)
    assert "'d1'" in line and "use 1" in line and "--reuse-factor" in line
