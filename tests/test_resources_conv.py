"""The estimate of hls4ml's convolutions and max poolings (io_parallel and io_stream).

Each test pins a property that follows from hls4ml's C++ (nnet_conv2d_latency.h, nnet_conv_stream.h,
nnet_pooling*.h), not a number: a convolution is its per-position dense kernel priced from the real
weights, io_parallel runs it once per partition, io_stream once per input pixel, and the streamed
layers overlap.
"""

from __future__ import annotations

import numpy as np
import pytest

from flow.bops import effective_bops, hawks_bops
from flow.design import (ActivationDesign, ConvDesign, DenseDesign, Design, FixedType, PoolDesign, accumulator_type,
                         design_from_dict, design_to_dict)
from flow.errors import ConfigError
from flow.resources import STREAM_OVERHEAD_CYCLES, estimate

X8 = FixedType(8, 3)
W6 = FixedType(6, 1)
PART = "xcvu13p-flga2577-2-e"


def _conv(name="c", h=10, w=10, c=2, k=3, f=4, *, x_t=X8, rf=1, pf=1, weights=None, stride=1, seed=0) -> ConvDesign:
    rng = np.random.default_rng(seed)
    W = weights if weights is not None else np.clip(np.round(rng.normal(0, 0.3, (k * k * c, f)) * 16) / 16, -1, 0.96875)
    b = np.zeros(f)
    acc = accumulator_type(x_t, W6, W6, W, b)
    oh, ow = (h - k) // stride + 1, (w - k) // stride + 1
    return ConvDesign(name, W, b, x_t, W6, W6, acc, acc, reuse_factor=rf, in_height=h, in_width=w, n_chan=c, filt_height=k,
                      filt_width=k, stride_height=stride, stride_width=stride, out_height=oh, out_width=ow,
                      parallelization_factor=pf)


def _design(layers, io="io_parallel", **kw) -> Design:
    first = layers[0]
    n = first.in_height * first.in_width * first.n_chan
    return Design("t", layers, first.input_type, n, part=PART, io_type=io, **kw)


def _layer(design: Design, name: str):
    return next(layer for layer in estimate(design).layers if layer.name == name)


@pytest.mark.parametrize("io", ["io_parallel", "io_stream"])
def test_a_convolution_costs_its_kernel_and_zero_weights_cost_nothing(io):
    conv = _conv()
    est = _layer(_design([conv], io), "c")
    kernel = estimate(Design("k", [conv.kernel()], X8, conv.n_in, part=PART)).layers[0]
    assert est.estimated and est.DSP == kernel.DSP
    assert est.LUT > kernel.LUT  # plus the window selection / line buffers
    pruned = _conv(weights=np.where(np.arange(conv.weights.size).reshape(conv.weights.shape) % 2, conv.weights, 0.0))
    cheaper = _layer(_design([pruned], io), "c")
    assert cheaper.detail["kernel"]["lut_mult"] + cheaper.detail["kernel"]["lut_adders"] < \
        est.detail["kernel"]["lut_mult"] + est.detail["kernel"]["lut_adders"]
    zero = _layer(_design([_conv(weights=np.zeros_like(conv.weights))], io), "c")
    assert zero.DSP == 0 and zero.detail["kernel"]["lut_mult"] == 0.0 and zero.detail["kernel"]["lut_adders"] == 0.0


def test_io_parallel_runs_the_kernel_once_per_partition_at_ii_reuse_factor():
    small, big = _conv(h=6, w=6), _conv(h=10, w=10)
    a, b = _layer(_design([small]), "c"), _layer(_design([big]), "c")
    assert a.detail["n_partitions"] == 16 and b.detail["n_partitions"] == 64
    # one partition per cycle at RF 1: 48 partitions more, 48 cycles more
    assert b.latency_cycles - a.latency_cycles == 48
    assert (a.ii, b.ii) == (16, 64)
    # the window multiplexer grows with the partitions it selects among, the outputs with the positions
    assert b.detail["lut_fill_buffer"] > 3 * a.detail["lut_fill_buffer"]
    assert b.detail["ff_outputs"] == 64 * 4 * big.result_type.width
    rf2 = _layer(_design([_conv(h=10, w=10, rf=2)]), "c")
    assert rf2.ii == 2 * b.ii and rf2.latency_cycles > b.latency_cycles + 60


def test_parallelization_factor_copies_the_kernel_and_divides_the_partitions():
    one, two = _layer(_design([_conv(pf=1)]), "c"), _layer(_design([_conv(pf=2)]), "c")
    assert two.detail["n_partitions"] * 2 == one.detail["n_partitions"]
    assert two.DSP == 2 * one.DSP
    assert two.ii * 2 == one.ii


def test_io_stream_takes_one_pixel_per_reuse_factor_cycles():
    conv = _conv(h=10, w=10)
    est = _layer(_design([conv], "io_stream"), "c")
    st = est.detail["stream"]
    assert st["items_in"] == 100 and st["items_out"] == 64 and st["ii_per_item"] == 1
    assert st["window_items"] == 2 * 10 + 3  # two rows of line buffer and three pixels
    # the layer alone: 100 pixels, then the kernel, the FIFO write and the first read (its report's instance latency)
    assert est.latency_cycles == 99 + st["depth"] + st["tail"] and est.ii == 100
    # reuse factor 4 on 72 DSP-sized products: multiplier_limit 18, so 4 products per multiplier and
    # 4 cycles a pixel (the reports' pixel interval is the sharing's, not the PIPELINE pragma's)
    wide = np.full((18, 4), 0.6875)
    rf4 = _layer(_design([_conv(h=10, w=10, rf=4, x_t=FixedType(16, 6), weights=wide)], "io_stream"), "c")
    assert rf4.DSP == 18 and rf4.detail["stream"]["ii_per_item"] == 4 and rf4.ii == 400
    # narrow products stay in LUTs and are not shared: one pixel a cycle whatever the reuse factor
    assert _layer(_design([_conv(h=10, w=10, rf=4)], "io_stream"), "c").detail["stream"]["ii_per_item"] == 1


def test_vitis_streams_a_2d_window_at_the_kernels_cycles_plus_the_shift():
    """Vitis HLS does not overlap one pixel's kernel with the next pixel's line-buffer shift (the
    carried dependence its schedules report, HLS 200-880): a 2-D convolution takes the kernel's
    cycles plus one a pixel, a 2-D pooling two; Vivado HLS one, and the 1-D shift (inlined) one."""
    conv = _conv(h=10, w=10)
    vivado = _layer(_design([conv], "io_stream"), "c")
    vitis = _layer(_design([conv], "io_stream", backend="vitis"), "c")
    kernel = vitis.detail["kernel"]["latency_cycles"]
    assert kernel >= 1 and vitis.detail["stream"]["ii_per_item"] == kernel + 1 and vitis.ii == 100 * (kernel + 1)
    assert vivado.detail["stream"]["ii_per_item"] == 1 and vivado.ii == 100
    # each of the 99 pixels before the last waits for the kernel
    assert vitis.latency_cycles - vivado.latency_cycles == 99 * kernel
    # a 1 x k kernel (filt_height 1) shifts no line buffer: one pixel a cycle on Vitis too
    row = ConvDesign("r", conv.weights[: 3 * 2], conv.bias, X8, W6, W6, conv.accum_type, conv.result_type,
                     in_height=10, in_width=10, n_chan=2, filt_height=1, filt_width=3, out_height=10, out_width=8)
    assert _layer(_design([row], "io_stream", backend="vitis"), "r").detail["stream"]["ii_per_item"] == 1
    # Vitis's templates pipeline the pixel loop at II = reuse factor, even where the narrow
    # products are not shared (Vivado's pragma sits in an `if`: one pixel a cycle there, above)
    row4 = ConvDesign("r", row.weights, row.bias, X8, W6, W6, row.accum_type, row.result_type, reuse_factor=4,
                      in_height=10, in_width=10, n_chan=2, filt_height=1, filt_width=3, out_height=10, out_width=8)
    assert _layer(_design([row4], "io_stream", backend="vitis"), "r").detail["stream"]["ii_per_item"] == 4
    assert _layer(_design([row4], "io_stream"), "r").detail["stream"]["ii_per_item"] == 1
    pool = PoolDesign("p", FixedType(6, 2, False), 10, 10, 4, 2, 2, 2, 2, 5, 5)
    p_vivado = _layer(_design([pool], "io_stream"), "p")
    p_vitis = _layer(_design([pool], "io_stream", backend="vitis"), "p")
    assert p_vivado.detail["stream"]["ii_per_item"] == 1 and p_vivado.ii == 100
    assert p_vitis.detail["stream"]["ii_per_item"] == 2 and p_vitis.ii == 200
    # io_parallel is untouched by it
    assert _layer(_design([conv], backend="vitis"), "c").ii == _layer(_design([conv]), "c").ii
    # hls4ml's templates before 1.0 stream one pixel a cycle on Vitis too (a public AlexNet, Vitis 2022.1)
    old = _design([conv, pool], "io_stream", backend="vitis", extra={"hls4ml_version": "0.8.1"})
    assert [layer.detail["stream"]["ii_per_item"] for layer in estimate(old).layers] == [1, 1]


def test_a_project_without_hls4ml_1x_kernel_aliases_is_read_as_older_templates(tmp_path):
    """hls4ml 1.x writes `using kernel = nnet::DenseLatency<...>` into every dense config; a project
    without it is older, and its Vitis line buffers are not held back by the shift (one pixel a cycle)."""
    import shutil
    from pathlib import Path

    from flow.hls_project import design_from_project

    src = Path(__file__).resolve().parents[1] / "bench" / "published_cnn" / "kojos_cnn_vitis"
    new = design_from_project(src)
    assert "hls4ml_version" not in new.extra
    old_dir = tmp_path / "old"
    shutil.copytree(src, old_dir)
    params = old_dir / "firmware" / "parameters.h"
    text = params.read_text()
    cut = text.replace("template<class data_T, class res_T, class CONFIG_T>\n    using kernel", "//")
    assert cut != text
    params.write_text(cut)
    old = design_from_project(old_dir)
    assert old.extra["hls4ml_version"] == "0.8"
    conv_new, conv_old = (next(layer for layer in estimate(d).layers if layer.kind == "conv") for d in (new, old))
    assert conv_new.detail["stream"]["ii_per_item"] == 3 and conv_old.detail["stream"]["ii_per_item"] == 1


def test_io_stream_layers_overlap_and_flat_layers_add_up():
    c1 = _conv("c1", h=12, w=12, c=1, k=3, f=4)
    relu = ActivationDesign("r1", "relu", 10 * 10 * 4, c1.accum_type, FixedType(6, 2, False), positions=100)
    pool = PoolDesign("p1", FixedType(6, 2, False), 10, 10, 4, 2, 2, 2, 2, 5, 5)
    c2 = _conv("c2", h=5, w=5, c=4, k=3, f=4, x_t=FixedType(6, 2, False), seed=1)
    design = _design([c1, relu, pool, c2], "io_stream")
    est = estimate(design)
    lat = [layer.latency_cycles for layer in est.layers]
    # the streamed layers run concurrently: the total is the first layer's pass plus the others' depths
    assert est.total["latency_cycles"] < sum(lat)
    assert est.total["latency_cycles"] > lat[0]
    assert est.total["ii"] == 144  # the slowest stage: c1's 144 input pixels
    # a flat (dense) network is not overlapped: its layers' latencies add up
    rng = np.random.default_rng(3)
    dense = [DenseDesign(f"d{i}", w, np.zeros(4), X8, W6, W6, accumulator_type(X8, W6, W6, w, np.zeros(4)),
                         accumulator_type(X8, W6, W6, w, np.zeros(4))) for i, w in
             enumerate([np.round(rng.normal(0, 0.3, (4, 4)) * 16) / 16 for _ in range(2)])]
    flat = estimate(Design("f", dense, X8, 4, part=PART, io_type="io_stream"))
    assert flat.total["latency_cycles"] == sum(layer.latency_cycles for layer in flat.layers)
    assert all(layer.latency_cycles > STREAM_OVERHEAD_CYCLES for layer in flat.layers)


@pytest.mark.parametrize("io", ["io_parallel", "io_stream"])
def test_max_pooling_grows_with_its_window_and_registers_its_outputs(io):
    t = FixedType(8, 3)
    p2 = _layer(Design("t", [PoolDesign("p", t, 8, 8, 4, 2, 2, 2, 2, 4, 4)], t, 256, part=PART, io_type=io), "p")
    p4 = _layer(Design("t", [PoolDesign("p", t, 8, 8, 4, 4, 4, 4, 4, 2, 2)], t, 256, part=PART, io_type=io), "p")
    assert p2.DSP == 0 and p2.detail["tree_levels"] == 2 and p4.detail["tree_levels"] == 4
    if io == "io_parallel":
        # 64 outputs x 3 max2 each vs 16 outputs x 15 each; every output registered
        assert p4.LUT == pytest.approx(p2.LUT * (16 * 15) / (64 * 3))
        # hls4ml's max() is a chain: 3 compare-selects fit in one cycle, 15 do not, and the inputs
        # still waiting are registered at each boundary
        assert p2.detail["chain_steps"] == 3 and p4.detail["chain_steps"] == 15
        assert p2.FF == 64 * 8 and p2.latency_cycles == 1
        assert p4.latency_cycles > 1 and p4.FF > 16 * 8
    else:
        assert p4.LUT > p2.LUT and p2.detail["stream"]["items_in"] == 64


def test_activation_after_a_convolution_is_one_pixel_wide_in_io_stream():
    t, u = FixedType(12, 4), FixedType(6, 2, False)
    relu = ActivationDesign("r", "relu", 64 * 8, t, u, positions=64)
    par = estimate(Design("t", [relu], t, 512, part=PART)).layers[0]
    stream = estimate(Design("t", [relu], t, 512, part=PART, io_type="io_stream")).layers[0]
    # one pixel's 8 relus (168 LUT) plus its output FIFO, against all 512 in io_parallel
    assert par.LUT / 64 < stream.LUT < par.LUT / 10
    assert stream.detail["stream"]["items_in"] == 64 and stream.latency_cycles >= 64
    # the FIFO after it is as deep as hls4ml makes it: one entry per pixel
    assert stream.detail["fifo_depth"] == 64 and stream.detail["fifo_width_bits"] == 8 * 6


def test_conv_bops_count_every_output_position():
    conv = _conv(h=6, w=6)
    flat = conv.kernel()
    d_conv, d_flat = Design("c", [conv], X8, 72), Design("f", [flat], X8, 18)
    assert hawks_bops(d_conv)["c"] == pytest.approx(16 * hawks_bops(d_flat)["c"])
    assert effective_bops(d_conv)["c"] == pytest.approx(16 * effective_bops(d_flat)["c"])


def test_conv_and_pool_designs_survive_the_json_round_trip():
    design = _design([_conv(), PoolDesign("p", X8, 8, 8, 4, 2, 2, 2, 2, 4, 4)])
    back = design_from_dict(design_to_dict(design))
    assert isinstance(back.layers[0], ConvDesign) and isinstance(back.layers[1], PoolDesign)
    assert back.layers[0].positions == 64 and np.array_equal(back.layers[0].weights, design.layers[0].weights)
    assert estimate(back).total == estimate(design).total


@pytest.mark.parametrize("io_type", ["io_parallel", "io_stream"])
def test_normalize_resize_and_leaky_relu_designs_survive_the_json_round_trip(io_type):
    from flow.design import ResizeDesign, normalize_dense

    c = _conv(h=6, w=6)
    layers = [c, normalize_dense("bn", np.linspace(0.5, 2, 4), np.linspace(-1, 1, 4), c.result_type, X8, X8, X8, positions=16),
              ActivationDesign("lr", "leaky_relu", 64, X8, X8, positions=16, alpha=0.3, param_type=FixedType(16, 6)),
              ActivationDesign("pr", "prelu", 64, X8, X8, positions=16, alphas=list(np.linspace(0.05, 0.6, 64)),
                               param_type=FixedType(16, 6)),
              ActivationDesign("elu", "elu", 64, X8, X8, positions=16, alpha=0.7, param_type=FixedType(16, 6), table_size=1024),
              ResizeDesign("up", X8, 4, 4, 4, 8, 8)]
    design = _design(layers, io=io_type)
    back = design_from_dict(design_to_dict(design))
    assert [type(a) for a in back.layers] == [type(a) for a in design.layers]
    assert back.layers[1].positions == 16 and back.layers[2].param_type == FixedType(16, 6)
    assert back.layers[3].alphas == design.layers[3].alphas
    assert estimate(back).total == estimate(design).total
    # a prelu in io_stream goes through one position's products per item; in io_parallel all 64
    prelu = {lay.name: lay for lay in estimate(design).layers}["pr"]
    assert prelu.estimated and (prelu.latency_cycles >= 16 if io_type == "io_stream" else prelu.latency_cycles <= 2)


def test_an_unknown_conv_strategy_is_refused_by_name():
    design = _design([_conv()], extra={"layer_strategy": {"c": "resource_unrolled"}})
    with pytest.raises(ConfigError, match="resource_unrolled"):
        estimate(design)


def test_published_cnn_projects_are_read_and_priced_completely():
    """The eight published CNN projects in bench/published_cnn (firmware as their authors committed
    it, a few files reconstructed and marked so): every layer is priced, and on the MNIST
    CNN the streamed conv/relu/pool layers take exactly the cycles their report's instances do
    (784 pixels + 3, 676 + 2, ...: one pixel a cycle plus the kernel and the stream reads/writes);
    on the Resource-strategy CNN every conv and dense layer has its report's DSPs, one per
    multiplier of the block, unsigned-6 x signed-6 products included (4/32/128/20)."""
    import json
    from pathlib import Path

    from flow.hls_project import design_from_project

    root = Path(__file__).resolve().parents[1] / "bench" / "published_cnn"
    rows = [r for r in json.loads((root / "published.json").read_text())["rows"] if r.get("project") and not r.get("unseen")]
    assert {r["id"] for r in rows} == {"mnist_rf1", "mnist_re16", "mnist_r16", "cnnkdd", "ece226_conv1d",
                                       "kojos_cnn_vitis", "lenet5_q8_vitis", "yvsim_qcnn_resource_z020"}
    for row in rows:
        est = estimate(design_from_project(root / row["project"], part=row["part"], clock_period_ns=row["clock_period_ns"]))
        assert est.total["complete"], (row["id"], est.warnings)
        assert est.io_type == row["io_type"]
        if row["id"] == "ece226_conv1d":
            # io_parallel: 128 partitions of one position at II 1 set the design's interval
            conv = est.layers[0]
            assert conv.kind == "conv" and conv.detail["n_partitions"] == 128 and est.total["ii"] == row["totals"]["interval_max"]
            assert abs(conv.latency_cycles - row["per_instance"][0]["latency_max"]) <= 2
        if row["id"] == "mnist_rf1":
            layers = {layer.name: layer for layer in est.layers}
            for inst in row["per_instance"]:
                name = "layer" + inst["instance"].split("config")[-1].split("_")[0]
                if inst["instance"].startswith(("conv_2d_cl", "relu", "pooling2d_cl")):
                    assert layers[name].latency_cycles == inst["latency_max"], (name, inst)
        if row["strategy"] == "Resource":
            layers = {layer.name: layer for layer in est.layers}
            weighted = [inst for inst in row["per_instance"] if inst["instance"].startswith(("conv_2d_cl", "dense"))]
            assert len(weighted) == 4
            for inst in weighted:
                layer = layers["layer" + inst["instance"].split("config")[-1].split("_")[0]]
                assert layer.DSP == inst["DSP"], (row["id"], inst["instance"], layer.DSP)
        if row["id"].endswith("_vitis"):
            # Vitis HLS: two cycles a pixel for every 2-D pooling (latency/interval 75/72, 1155/1155,
            # 131/131 in the reports), and the first conv of kojos (kernel of 2 cycles) 3 a pixel, as its report's 194/192
            layers = {layer.name: layer for layer in est.layers}
            for inst in row["per_instance"]:
                layer = layers["layer" + inst["instance"].split("config")[-1].split("_")[0]]
                if inst["instance"].startswith("pooling2d_cl"):
                    assert abs(layer.latency_cycles - inst["latency_max"]) <= 1 and abs(layer.ii - inst["interval_max"]) <= 3
                if row["id"] == "kojos_cnn_vitis" and inst["instance"].startswith("conv_2d_cl"):
                    assert (layer.latency_cycles, layer.ii) == (inst["latency_max"], inst["interval_max"])


def test_the_tutorial_svhn_cnn_streams_at_one_pixel_a_cycle():
    """The hls4ml tutorial's SVHN CNN as the bench rebuilds it (synthetic weights): its report's
    interval is the first conv's 32 x 32 pixels (1028) and its conv/relu/pool instances take their
    pixel counts plus a few cycles (1027, 902, 903, 229, ...); the model gives the same structure."""
    import importlib.util
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "bench"
    spec = importlib.util.spec_from_file_location("bench_resources_cnn", root / "bench_resources_cnn.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    row = next(r for r in json.loads((root / "published_cnn" / "published.json").read_text())["rows"]
               if r["id"] == "svhn_q6_pruned_2021_06")
    est = estimate(bench.svhn_tutorial(row))
    assert est.total["complete"] and est.total["ii"] == 32 * 32
    layers = {layer.name: layer for layer in est.layers}
    for inst in row["per_instance"]:
        if inst["instance"].startswith(("conv_2d_cl", "relu", "pooling2d_cl")) and inst["latency_max"] > 10:
            name = "layer" + inst["instance"].split("config")[-1].split("_")[0]
            assert abs(layers[name].latency_cycles - inst["latency_max"]) <= 2, (name, inst, layers[name].latency_cycles)


@pytest.mark.parametrize("io", ["io_parallel", "io_stream"])
def test_average_and_global_pooling_are_priced(io):
    """hls4ml's avg(): a sum, then a division by the window size -- free (a shift) for a power of
    two, shift-adds by the reciprocal's digits otherwise; a global pooling is one window over the
    whole input, streamed as a running sum per channel."""
    t = FixedType(8, 3)

    def pool(k: int, op: str, h: int = 8) -> PoolDesign:
        return PoolDesign("p", t, h, h, 4, k, k, k, k, h // k, h // k, accum_type=FixedType(16, 6), op=op)

    est = {key: _layer(Design("t", [p], t, p.in_height * p.in_width * 4, part=PART, io_type=io), "p")
           for key, p in {"avg2": pool(2, "average"), "max2": pool(2, "max"), "avg3": pool(3, "average", 9)}.items()}
    assert est["avg2"].detail["op"] == "average" and est["avg2"].LUT < est["max2"].LUT  # adders, no selects
    per_window_3 = est["avg3"].LUT / 9 if io == "io_parallel" else est["avg3"].LUT
    per_window_2 = est["avg2"].LUT / 16 if io == "io_parallel" else est["avg2"].LUT
    assert per_window_3 > per_window_2  # eight adders and a division by 9 vs three adders and a shift
    glob = PoolDesign("g", t, 1, 10, 6, 1, 10, 1, 10, 1, 1, accum_type=FixedType(16, 6), op="average")
    g = _layer(Design("t", [glob], t, 60, part=PART, io_type=io), "g")
    assert g.estimated and g.DSP == 0 and g.detail["positions"] == 1
    if io == "io_stream":
        assert g.detail["stream"]["items_in"] == 10 and g.detail["stream"]["items_out"] == 1


def test_stream_zero_padding_is_named_as_unpriced():
    """io_stream pads in a process of its own (zeropad2d_cl, also before a 'same' convolution),
    which the totals leave out: the estimate says so instead of pricing it as silent wiring;
    io_parallel padding is wiring and needs no word."""
    from dataclasses import replace

    padded = replace(_conv(), pad_top=1, pad_bottom=1, pad_left=1, pad_right=1, out_height=10, out_width=10)
    for io, expected in (("io_stream", True), ("io_parallel", False)):
        est = estimate(_design([padded], io=io))
        assert any("zero padding" in w for w in est.warnings) == expected, (io, est.warnings)
    plain = estimate(_design([_conv()], io="io_stream"))
    assert not any("zero padding" in w for w in plain.warnings)
    explicit = _design([_conv()], io="io_stream")
    explicit.extra = {"stream_padding": 1}
    assert any("1 zero padding or cropping step" in w for w in estimate(explicit).warnings)
