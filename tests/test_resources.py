"""Pinned behaviour of the resource estimator on small hand-checked layers.

Each test states a property that follows from how HLS builds hls4ml's dense kernels, so a change
to the model that breaks one is a change of physics, not of tuning.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from flow.design import ActivationDesign, DenseDesign, Design, FixedType, accumulator_type
from flow.errors import ConfigError
from flow.parts import lookup_part
from flow.resources import csd_digits, estimate, plot_resources, synthetic_weights

X16 = FixedType(16, 6)
W16 = FixedType(16, 6)


def _dense(weights, x_t=X16, w_t=W16, rf=1, name="fc"):
    w = np.asarray(weights, dtype=float)
    b = np.zeros(w.shape[1])
    acc = accumulator_type(x_t, w_t, w_t, w, b)
    return DenseDesign(name, w, b, x_t, w_t, w_t, acc, acc, reuse_factor=rf)


def _design(layers, **kw):
    kw.setdefault("part", "xcvu13p-flga2577-2-e")
    return Design("t", layers, X16, layers[0].n_in if isinstance(layers[0], DenseDesign) else layers[0].n, **kw)


def test_csd_digits_hand_checked():
    # 7 = 8 - 1 (2 digits), 5 = 4 + 1, 15 = 16 - 1, 0b1011011 = 91 = 128 - 32 - 4 - 1 (4 digits)
    assert [csd_digits(k) for k in (0, 1, 2, 3, 5, 7, 15, 91, -7)] == [0, 1, 1, 2, 2, 2, 2, 4, 2]


def test_all_zero_weights_cost_no_multipliers():
    est = estimate(_design([_dense(np.zeros((8, 4)))]))
    layer = est.layers[0]
    assert layer.DSP == 0
    assert layer.detail["n_dsp_mult"] == 0 and layer.detail["n_lut_mult"] == 0
    assert layer.detail["lut_mult"] == 0.0
    assert layer.detail["lut_adders"] == 0.0


def test_power_of_two_weights_are_shifts():
    w = np.array([[0.5, -0.25, 2.0], [1.0, -4.0, 0.125], [0.0625, 1.0, -0.5]])
    layer = estimate(_design([_dense(w)])).layers[0]
    assert layer.DSP == 0
    assert layer.detail["n_shift"] == 9
    assert layer.detail["lut_mult"] == 0.0
    assert layer.detail["lut_adders"] > 0  # the additions remain


def test_wide_constants_use_dsps_narrow_ones_luts():
    wide = np.full((4, 2), 0.7333984375)  # 751/1024: 11 significant bits -> DSP
    tiny = np.full((4, 2), 0.0068359375)  # 7/1024: 4 bits -> LUT shift-and-add
    assert estimate(_design([_dense(wide)])).layers[0].DSP == 8
    tiny_est = estimate(_design([_dense(tiny)])).layers[0]
    assert tiny_est.DSP == 0 and tiny_est.detail["lut_mult"] > 0


def test_wider_weight_costs_more():
    rng = np.random.default_rng(1)
    w4, w8 = FixedType(4, 1), FixedType(8, 1)
    base = rng.uniform(-0.9, 0.9, (16, 8))
    q4 = np.clip(np.round(base / w4.lsb) * w4.lsb, w4.min_value, w4.max_value)
    q8 = np.clip(np.round(base / w8.lsb) * w8.lsb, w8.min_value, w8.max_value)
    x8 = FixedType(8, 3)
    e4 = estimate(_design([_dense(q4, x_t=x8, w_t=w4)])).total
    e8 = estimate(_design([_dense(q8, x_t=x8, w_t=w8)])).total
    assert e8["LUT"] + 100 * e8["DSP"] > e4["LUT"] + 100 * e4["DSP"]
    assert e8["LUT"] > e4["LUT"]


def test_reuse_factor_trades_dsps_for_latency_resource_strategy():
    rng = np.random.default_rng(2)
    w = np.round(rng.uniform(-3, 3, (32, 16)) * 1024) / 1024  # 16-bit weights -> DSPs
    res = {}
    for rf in (1, 2, 4, 8, 16):
        e = estimate(_design([_dense(w, rf=rf)], strategy="Resource"))
        res[rf] = e.total
    dsps = [res[rf]["DSP"] for rf in (2, 4, 8, 16)]
    lats = [res[rf]["latency_cycles"] for rf in (2, 4, 8, 16)]
    assert dsps == sorted(dsps, reverse=True) and dsps[0] > dsps[-1]
    assert lats == sorted(lats) and lats[0] < lats[-1]
    assert res[16]["ii"] == 16
    assert res[16]["DSP"] == 32 * 16 // 16


def test_resource_products_of_six_bit_operands_use_a_dsp_each():
    """A Resource-strategy weight comes from a ROM, so its product is one of two variables: one
    DSP48 per multiplier of the block (n_in*n_out/RF) once both operands are 6 signed bits wide and
    the product is wider than 6 x 6 signed (public Resource CNNs: 4/32/128/20 DSPs for unsigned-6 x
    signed-6 blocks, none for signed-6 x signed-6 ones), LUT logic below that -- where a constant of
    the same width would stay in LUTs under Latency."""
    rng = np.random.default_rng(3)
    x6, s6, w6, w5 = FixedType(6, 0, signed=False), FixedType(6, 1), FixedType(6, 1), FixedType(5, 1)
    wq6 = np.clip(np.round(rng.uniform(-0.9, 0.9, (32, 32)) / w6.lsb) * w6.lsb, w6.min_value, w6.max_value)
    wq5 = np.clip(np.round(wq6 / w5.lsb) * w5.lsb, w5.min_value, w5.max_value)
    # (yvsim: Vitis HLS on xc7z020; PokerML: Vivado HLS on UltraScale+. Vivado on the 7-series: below)
    for backend, part in (("Vitis", "xc7z020clg400-1"), ("Vivado", "xcvu13p-flga2577-2-e")):
        kw = {"strategy": "Resource", "part": part, "backend": backend}
        six = estimate(_design([_dense(wq6, x_t=x6, w_t=w6, rf=8)], **kw)).layers[0]
        assert six.DSP == 32 * 32 // 8 and six.detail["lut_mult"] == 0.0, part
        signed = estimate(_design([_dense(wq6, x_t=s6, w_t=w6, rf=8)], **kw)).layers[0]
        assert signed.DSP == 0 and signed.detail["lut_mult"] > 0, part
        five = estimate(_design([_dense(wq5, x_t=x6, w_t=w5, rf=8)], **kw)).layers[0]
        assert five.DSP == 0 and five.detail["lut_mult"] > 0, part
    latency = estimate(_design([_dense(wq6, x_t=x6, w_t=w6, rf=8)], part="xc7z020clg400-1")).layers[0]
    assert latency.DSP == 0  # the same products as constants: shift-and-add logic


def test_unknown_part_raises_config_error_listing_known_parts():
    with pytest.raises(ConfigError) as exc:
        estimate(_design([_dense(np.ones((2, 2)))], part="xc9zz999-nope"))
    msg = str(exc.value)
    assert "xc9zz999-nope" in msg and "xcvu9p" in msg and "xc7z020" in msg


def test_part_prefix_matching():
    assert lookup_part("xcvu13p-flga2577-2-e").prefix == "xcvu13p"
    assert lookup_part("xcu250-figd2104-2L-e").DSP == 12_288
    assert lookup_part("xc7z020clg400-1").dsp == "DSP48E1"


def test_board_names_resolve_to_their_part():
    """hls4ml's VivadoAccelerator boards (and the Kria kits) are estimated on the part they carry."""
    assert lookup_part("pynq-z2") == lookup_part("xc7z020clg400-1")
    assert lookup_part("Alveo-U250") == lookup_part("xcu250-figd2104-2L-e")
    assert lookup_part("kv260") == lookup_part("xck26-sfvc784-2LV-c")
    with pytest.raises(ConfigError, match="pynq-z2"):  # the error lists the boards
        lookup_part("pynq-z9")


def test_vivado_accelerator_backend_is_its_vivado_core_with_a_warning():
    d = _dense(np.ones((2, 2)))
    viv = estimate(_design([d]))
    acc = estimate(_design([d], backend="VivadoAccelerator"))
    assert acc.total == viv.total and any("AXI wrapper" in w for w in acc.warnings)
    with pytest.raises(ConfigError, match="Quartus"):
        estimate(_design([d], backend="Quartus"))


def test_clock_uncertainty_is_the_designs_own_else_the_backends():
    """hls4ml's ClockUncertainty: a Vitis design at 12.5 % schedules like the Vivado default, and
    the default Vitis 27 % leaves less of each cycle (more cycles or registers, never fewer)."""
    rng = np.random.default_rng(0)
    d = _dense(rng.integers(-31, 32, size=(64, 32)) / 32.0)
    viv = estimate(_design([d]))
    vitis = estimate(_design([d], backend="Vitis"))
    vitis_125 = estimate(_design([d], backend="Vitis", clock_uncertainty="12.5%"))
    vitis_ns = estimate(_design([d], backend="Vitis", clock_uncertainty="0.625"))  # 12.5 % of 5 ns
    for k in ("latency_cycles", "FF"):
        assert vitis_125.total[k] == vitis_ns.total[k] == viv.total[k]
    assert vitis.total["FF"] > vitis_125.total["FF"] and vitis.total["latency_cycles"] >= vitis_125.total["latency_cycles"]
    for bad in ("5", "100%", "soon"):
        with pytest.raises(ConfigError, match="clock uncertainty"):
            estimate(_design([d], clock_uncertainty=bad))


def test_unknown_strategy_or_io_raises():
    d = _dense(np.ones((2, 2)))
    with pytest.raises(ConfigError):
        estimate(_design([d], strategy="Magic"))
    with pytest.raises(ConfigError):
        estimate(_design([d], io_type="io_serial"))


def test_unmodelled_activation_is_marked_not_silently_zero():
    d = _dense(np.full((4, 3), 0.7333984375))
    act = ActivationDesign("weird", "swish", 3, d.result_type, d.result_type)  # type: ignore[arg-type]
    est = estimate(_design([d, act]))
    out = est.to_dict()
    assert out["layers"]["weird"]["estimated"] is False
    assert out["layers"]["weird"]["LUT"] is None
    assert out["total"]["complete"] is False
    assert any("not estimated" in w for w in out["warnings"])


def test_fit_check_flags_design_too_big_for_xc7z020():
    rng = np.random.default_rng(3)
    w = np.round(rng.uniform(-3, 3, (64, 64)) * 1024) / 1024
    est = estimate(_design([_dense(w)], part="xc7z020clg400-1"))
    assert not est.fits
    assert est.utilization_pct["DSP"] > 100
    assert any("DOES NOT FIT" in w for w in est.warnings)
    small = estimate(_design([_dense(w[:4, :2])], part="xc7z020clg400-1"))
    assert small.fits


def test_io_stream_adds_latency_and_fifo():
    w = np.full((8, 4), 0.7333984375)
    par = estimate(_design([_dense(w)]))
    st = estimate(_design([_dense(w)], io_type="io_stream"))
    assert st.total["latency_cycles"] > par.total["latency_cycles"]
    # the layer gains its output FIFO; io_parallel instead registers the top-level input
    assert st.layers[0].FF > par.layers[0].FF
    assert [t.name for t in par.top] == ["input_register"] and par.top[0].FF == 8 * 16
    assert st.top == []


def test_io_parallel_total_includes_the_input_register():
    e = estimate(_design([_dense(np.full((8, 4), 0.7333984375))]))
    assert e.total["FF"] == round(e.layers[0].FF + 8 * 16)
    assert e.total["latency_cycles"] == e.layers[0].latency_cycles + 1
    assert "input_register" in e.to_dict()["top"]


def test_softmax_table_and_dsps():
    t = FixedType(16, 6)
    sm = ActivationDesign("softmax", "softmax", 5, t, t, table_size=1024)
    d = _dense(np.full((4, 5), 0.7333984375))
    layer = estimate(_design([d, sm])).layers[1]
    assert layer.DSP == 5  # one multiply by 1/sum per class
    assert layer.BRAM_18K > 0 or layer.LUT > 0


def test_jet_mlp_estimate_compiles_nothing_and_returns_numbers(tmp_path):
    heavy = ("tensorflow", "hls4ml", "qkeras")
    before = {m for m in heavy if m in sys.modules}
    rng = np.random.default_rng(0)
    w6 = FixedType(6, 1)
    act = FixedType(6, 0, signed=False)
    layers = []
    x_t = FixedType(16, 6)
    sizes = [16, 64, 32, 32, 5]
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        w = synthetic_weights(a, b, w6, 0.0, rng, small_share=0.0)
        bias = np.zeros(b)
        acc = accumulator_type(x_t, w6, w6, w, bias)
        layers.append(DenseDesign(f"fc{i}", w, bias, x_t, w6, w6, acc, acc))
        last = i == len(sizes) - 2
        layers.append(ActivationDesign(f"a{i}", "softmax" if last else "relu", b, acc, acc if last else act,
                                       table_size=1024 if last else None))
        x_t = act
    est = estimate(Design("jet", layers, FixedType(16, 6), 16))
    d = est.to_dict()
    json.dumps(d)  # JSON-ready
    assert d["source"] == "estimate"
    for k in ("LUT", "FF", "DSP", "BRAM_18K", "latency_cycles", "latency_ns", "ii"):
        assert k in d["total"]
    assert d["total"]["LUT"] > 1000 and d["total"]["latency_cycles"] > 0
    assert set(d["utilization_pct"]) == {"LUT", "FF", "DSP", "BRAM_18K"}
    assert {m for m in heavy if m in sys.modules} == before  # nothing heavy imported
    assert not list(tmp_path.iterdir())
    png = plot_resources(est, tmp_path / "r.png")
    assert png.exists() and png.stat().st_size > 1000


def test_latency_strategy_reuse_shares_only_beyond_the_multiplier_limit():
    """hls4ml's multiplier_limit = ceil(n_in*n_out/rf) - n_zeros/rf caps the DSP products; a layer
    already under the limit keeps its DSPs and its latency, not its interval."""
    rng = np.random.default_rng(0)
    w = np.round(rng.uniform(0.3, 0.9, (16, 8)) * 1024) / 1024  # 10+ significant bits: all DSP
    base = estimate(_design([_dense(w)])).layers[0]
    assert base.DSP == 16 * 8
    rf4 = estimate(_design([_dense(w, rf=4)])).layers[0]
    assert rf4.DSP == 16 * 8 // 4
    assert rf4.latency_cycles == base.latency_cycles + 3 and rf4.ii == 4
    # 3/4 of the weights zero: 32 products under a limit of 32 - 96 // 4 = 8 -> shared 4 ways
    sparse = w.copy()
    sparse[:12] = 0.0
    s4 = estimate(_design([_dense(sparse, rf=4)])).layers[0]
    assert s4.DSP == 8
    # 32 products under RF 2's limit of 64 - 96 // 2 = 16 -> shared 2 ways
    s2 = estimate(_design([_dense(sparse, rf=2)])).layers[0]
    assert s2.DSP == 16 and s2.ii == 2
    # 4 DSP products among shifts (+-2^k: no multiplier) stay under the limit of 16: no sharing
    few = np.full((16, 8), 0.5)
    few[0, :4] = w[0, :4]
    f8 = estimate(_design([_dense(few, rf=8)])).layers[0]
    f1 = estimate(_design([_dense(few)])).layers[0]
    assert f8.DSP == f1.DSP == 4 and f8.latency_cycles == f1.latency_cycles
    # but the interval is still the PIPELINE II=8 hls4ml writes: HLS meets its target, no faster
    assert f8.ii == 8 and f1.ii == 1
    assert estimate(_design([_dense(np.full((16, 8), 0.5), rf=4)])).total["ii"] == 4  # no multiplier at all


def test_legacy_hls4ml_reuse_shares_the_generic_multipliers():
    """hls4ml < 0.5 wrote the same multiplier_limit, but folded no constant: every non-zero product
    is a generic 'mul' under the limit, power-of-two weights included, so RF 2 halves the DSPs of a
    16 x 8 layer (published: 2133 = 1024 + 512 + 512 + 80 + 5 for the tutorial MLP at RF 2)."""
    w = np.full((16, 8), 0.5)  # shifts today; generic multipliers before 0.5
    w[:4] = 0.0  # 32 zeros: limit = 128 / 2 - 32 // 2 = 48 for 96 products
    old = {"hls4ml_version": "0.4.0"}
    modern = estimate(_design([_dense(w, rf=2)])).layers[0]
    assert modern.DSP == 0
    rf1 = estimate(_design([_dense(w)], extra=old)).layers[0]
    rf2 = estimate(_design([_dense(w, rf=2)], extra=old)).layers[0]
    assert rf1.DSP == 96 and rf1.ii == 1
    assert rf2.DSP == 48 and rf2.ii == 2 and rf2.detail["multiplier_limit"] == 48
    assert rf2.latency_cycles >= rf1.latency_cycles
    assert rf2.detail["lut_mux"] > 0  # each shared multiplier selects both of its operands


def test_speed_grade_from_the_part_name():
    from flow.parts import lookup_part, speed_grade

    assert speed_grade("xczu3eg-sbva484-1-e") == 1 and speed_grade("xck26-sfvc784-2LV-c") == 2
    assert speed_grade("xcvu9p") is None
    fast = lookup_part("xczu9eg-ffvb1156-2-e").speed
    assert lookup_part("xczu9eg-ffvb1156-1-e").speed > fast  # -1 is slower than -2
    assert lookup_part("xck26-sfvc784-2LV-c").speed > fast  # 0.72 V only: about one grade slower
    assert lookup_part("xczu9eg").speed == fast  # no grade given: the family's reference grade


def test_vitis_keeps_two_term_constants_in_luts():
    """Vitis: a constant with <= 2 signed digits (e.g. 0.75 = 1 - 1/4) is a shift-add, >= 3 a DSP."""
    two = np.full((4, 2), 0.75)  # 1 - 2^-2: two CSD digits
    three = np.full((4, 2), 0.7333984375)  # 751/1024: several digits
    for w, dsp in ((two, 0), (three, 8)):
        e = estimate(_design([_dense(w)], backend="Vitis")).layers[0]
        assert e.DSP == dsp, (w[0, 0], e.detail)


def test_adders_are_not_split_across_a_clock_boundary():
    """The critical path advances whole adder levels: with time for 1.5 levels a cycle, a 16-term
    tree (4 levels) needs 4 cycles, not the 3 a fractional count would give."""
    from flow.resources import _adder_schedule, _Ctx, t_add_ns

    part = lookup_part("xcvu13p")
    acc_w = 16
    ta = t_add_ns(acc_w)
    period = 1.5 * ta / (1.0 - 0.125)  # Vivado: 12.5 % clock uncertainty
    ctx = _Ctx(part, period, "latency", "io_parallel", "vivado")
    cycles, ff, _ = _adder_schedule(np.array([16] * 4), acc_w, acc_w, 0.0, ctx)
    assert cycles == 4, cycles
    # registers still follow the average output: more than the outputs alone, fewer than all addends
    assert 4 * acc_w < ff < 4 * 16 * acc_w * 3


def test_softmax_chain_packs_whole_operations():
    """A chain of equal operations fits floor(period / delay) per cycle; a ROM read adds a boundary."""
    from flow.resources import _chain_cycles, _Ctx

    ctx = _Ctx(lookup_part("xcvu13p"), 1.0 / (1.0 - 0.125), "latency", "io_parallel", "vivado")
    assert _chain_cycles([(0.4, 5, 0)], ctx) == 3  # 2 + 2 + 1 operations
    assert _chain_cycles([(0.4, 2, 0)], ctx) == 1
    assert _chain_cycles([(0.4, 1, 1), (0.4, 1, 0)], ctx) == 2  # a ROM read's register splits them
    assert _chain_cycles([(2.5, 1, 0)], ctx) == 3  # a multi-cycle operation spans 3 cycles


def test_adder_slower_than_the_clock_is_multi_cycle_not_endless():
    """A 1 ns clock on an xc7z020: one adder level takes several cycles; the schedule ends."""
    d = _dense(np.full((16, 4), 0.3))
    e = estimate(_design([d], part="xc7z020clg400-1", clock_period_ns=1.0)).layers[0]
    slow = estimate(_design([d], part="xc7z020clg400-1", clock_period_ns=5.0)).layers[0]
    assert slow.latency_cycles < e.latency_cycles < 100, (slow.latency_cycles, e.latency_cycles)


def test_two_way_sharing_is_hidden_by_a_deep_tree_on_a_slow_part():
    """RF 2 with a few DSP products beyond multiplier_limit: the late batch joins the adder tree
    one level from the top. With one adder level a cycle (xc7z020, Vitis) that costs nothing -- as
    the RF 2 reports show -- on a fast part, many levels a cycle, it costs one cycle."""
    w = np.zeros((16, 4))
    w[:10, :] = 0.7333984375  # DSP-sized constants: 40 products, limit ceil(64/2) = 32
    w[10:, :] = 0.25  # shifts
    b = np.full(4, 0.5)
    acc = accumulator_type(X16, W16, W16, w, b)

    def lat(rf, part, backend):
        d = DenseDesign("fc", w, b, X16, W16, W16, acc, acc, reuse_factor=rf)
        return estimate(_design([d], part=part, backend=backend)).layers[0]

    slow1, slow2 = lat(1, "xc7z020clg400-1", "Vitis"), lat(2, "xc7z020clg400-1", "Vitis")
    fast1, fast2 = lat(1, "xcvu13p-flga2577-2-e", "Vivado"), lat(2, "xcvu13p-flga2577-2-e", "Vivado")
    assert slow2.ii == fast2.ii == 2
    assert slow2.latency_cycles == slow1.latency_cycles, (slow1.latency_cycles, slow2.latency_cycles)
    assert fast2.latency_cycles == fast1.latency_cycles + 1, (fast1.latency_cycles, fast2.latency_cycles)


def test_a_device_known_only_by_family_is_estimated_without_a_fit_check():
    """xc7k325t and xcku040 are not in the capacity table: estimated with their family's delays and
    DSP slice, no utilization, fits None, a warning; a name of no modelled family stays an error."""
    d = _dense(np.full((16, 4), 0.7333984375))
    k7 = estimate(_design([d], part="xc7k325tffg900-2"))
    assert lookup_part("xc7k325tffg900-2").dsp == "DSP48E1" and k7.fits is None and k7.utilization_pct == {}
    assert any("no fit check" in w for w in k7.warnings)
    assert k7.total["DSP"] > 0 and k7.total["latency_cycles"] > 0
    ku = lookup_part("xcku040-ffva1156-2-e")
    assert ku.family == "Kintex UltraScale" and not ku.capacity_known
    known = estimate(_design([d], part="xcvu13p-flga2577-2-e"))
    assert known.fits is True and known.utilization_pct["DSP"] > 0
    for bad in ("xcvc1902-vsva2197-2MP-e", "xcvu9q-flga2104", "xc9zz999"):
        with pytest.raises(ConfigError, match="unknown FPGA part"):
            lookup_part(bad)


def test_parts_taken_from_report_available_rows_get_a_fit_check():
    """xcu55c, xczu5ev and xc7vx485t (devices of projects read blind) have the totals their
    committed reports print in the "Available" row (BRAM_18K, DSP, FF, LUT), so an estimate on
    them reports utilization and fits, where the family pattern alone gave no fit check."""
    from flow.parts import AVAILABLE_ROW_SOURCES

    available = {"xcu55c-fsvh2892-2L-e": (4032, 9024, 2607360, 1303680),
                 "xczu5ev-sfvc784-2LV-e": (288, 1248, 234240, 117120),
                 "xc7vx485tffg1761-2": (2060, 2800, 607200, 303600)}
    d = _dense(np.full((16, 4), 0.7333984375))
    for part, (bram, dsp, ff, lut) in available.items():
        p = lookup_part(part)
        assert p.capacity_known and p.prefix in AVAILABLE_ROW_SOURCES
        assert p.capacities() == {"LUT": lut, "FF": ff, "DSP": dsp, "BRAM_18K": bram}
        est = estimate(_design([d], part=part))
        assert est.fits is True and est.utilization_pct["LUT"] > 0


def test_a_batchnorm_shares_its_products_as_nnet_batchnorm_allocates_them():
    """nnet_batchnorm.h allocates DIV_ROUNDUP(n_in, reuse_factor) multipliers: 8 channels with
    DSP-wide scales at RF 3 take 3 DSPs (the dense rule on the diagonal gave 22 - 18 = 4)."""
    from flow.design import normalize_dense

    rng = np.random.default_rng(0)
    bn = normalize_dense("bn", rng.uniform(0.5, 1.5, 8), rng.normal(0, 0.2, 8), X16, X16, X16, X16, reuse_factor=3)
    est = estimate(_design([bn]))
    assert est.layers[0].DSP == 3 and est.layers[0].ii == 3, est.layers[0]


def test_no_negative_cost_from_a_narrowing_relu_after_an_empty_layer():
    """An all-zero dense has no output register; a relu chained after it that narrows 16 -> 4 bits
    must not book a negative register saving (it did: total FF -15)."""
    w = np.zeros((8, 4))
    d = DenseDesign("fc", w, np.zeros(4), X16, W16, W16, FixedType(16, 6), FixedType(16, 6))
    relu = ActivationDesign("r", "relu", 4, d.result_type, FixedType(4, 0, signed=False, rounding="RND_CONV", saturation="SAT"))
    e = estimate(_design([d, relu]))
    assert all((layer.FF or 0) >= 0 for layer in e.layers), [(layer.name, layer.FF) for layer in e.layers]
    assert e.total["FF"] >= 0


def test_random_designs_give_finite_non_negative_estimates():
    """Property check over random MLPs, parts, backends, strategies, io types, reuse factors and
    clocks (bench-style fuzzing found the case above): no negative cost, no runaway latency."""
    import itertools

    rng = np.random.default_rng(7)
    parts = ["xcvu13p-flga2577-2-e", "xc7z020clg400-1", "xcku115-flvb2104-2-i", "xck26-sfvc784-2LV-c", "xc7k325tffg900-2"]
    for _ in range(12):
        sizes = [int(rng.integers(1, 40)) for _ in range(int(rng.integers(2, 4)))]
        x_t, w_t = FixedType(int(rng.integers(4, 20)), 4), FixedType(int(rng.integers(3, 16)), 1)
        layers, cur = [], x_t
        for i in range(len(sizes) - 1):
            step = 2.0 ** -(w_t.width - w_t.integer)
            w = np.clip(np.round(rng.laplace(0, 0.3, (sizes[i], sizes[i + 1])) / step) * step, -1.0, 1.0 - step)
            w[rng.random(w.shape) < 0.5] = 0
            b = np.zeros(sizes[i + 1])
            acc = accumulator_type(cur, w_t, w_t, w, b)
            layers.append(DenseDesign(f"fc{i}", w, b, cur, w_t, w_t, acc, acc, reuse_factor=int(rng.choice([1, 2, 4, 16]))))
            out_t = FixedType(int(rng.integers(2, 10)), 0, signed=False, rounding="RND_CONV", saturation="SAT")
            layers.append(ActivationDesign(f"a{i}", str(rng.choice(["relu", "sigmoid", "softmax"])), sizes[i + 1], acc, out_t))
            cur = out_t
        for part, backend, strategy, io, clk in itertools.product(parts, ["Vivado", "Vitis"], ["Latency", "Resource"],
                                                                   ["io_parallel", "io_stream"], [1.0, 5.0]):
            e = estimate(_design(layers, part=part, backend=backend, strategy=strategy, io_type=io, clock_period_ns=clk))
            t = e.total
            assert min(t["LUT"], t["FF"], t["DSP"], t["BRAM_18K"], t["latency_cycles"]) >= 0, (part, backend, t)
            assert 0 < t["latency_cycles"] < 10_000 and t["ii"] >= 1, (part, backend, strategy, io, clk, t)


def test_softmax_implementations_are_priced_by_their_own_hardware():
    """hls4ml's four softmax implementations differ in kind: 'legacy' looks up e^(x_j - x_i) for
    every ordered pair (n(n-1) reads, no multiplier), 'argmax' is a compare chain with no table
    and no multiplier; an implementation the estimator does not know is 'not estimated', not
    priced as another one."""
    t = FixedType(16, 6)
    d = _dense(np.full((4, 5), 0.7333984375))

    def softmax(impl):
        des = _design([d, ActivationDesign("softmax", "softmax", 5, t, t, table_size=1024)])
        des.extra = {"softmax_implementation": impl}
        return estimate(des)

    stable, legacy, argmax = (softmax(i).layers[1] for i in ("stable", "legacy", "argmax"))
    assert stable.DSP == 5 and legacy.DSP == 0 and argmax.DSP == 0
    assert legacy.detail["exp_table_copies"] == 10  # 20 pair lookups, two per dual-port copy
    assert legacy.BRAM_18K + legacy.LUT > stable.BRAM_18K + stable.LUT
    assert argmax.BRAM_18K == 0 and argmax.LUT < stable.LUT and argmax.latency_cycles >= 1
    odd = softmax("taylor")
    assert not odd.layers[1].estimated and "taylor" in odd.layers[1].note
    assert odd.total["complete"] is False


@pytest.mark.parametrize("hls4ml_version", ["0.4.0", "1.3.0"])
@pytest.mark.parametrize("tool", ["Vivado HLS 2019.2", "Vitis HLS 2023.2"])
def test_jet_mlp_is_monotone_in_reuse_factor_and_clock(tool, hls4ml_version):
    """The 16-64-32-32-5 jet MLP on every part family: with the Latency strategy a higher reuse
    factor never adds DSPs nor removes cycles or II, and a slower clock never needs more cycles
    (nor fewer ns than 60 % of a faster one's). Holds for any design HLS schedules, so a change
    that breaks it is a bug, whatever the published table says."""
    import copy

    from flow.resources import design_from_published, load_published

    base = next(r for r in load_published() if r["id"] == "fahim2021_jet_16bit_ptq")
    parts = ["xcvu9p-flgb2104-2-e", "xcku115-flvb2104-2-i", "xc7z020clg400-1", "xczu9eg-ffvb1156-2-e", "xcu250-figd2104-2L-e"]

    def total(part, **model):
        row = copy.deepcopy(base)
        row["synthesis"].update(part=part, tool=tool, hls4ml=hls4ml_version, backend=tool.split()[0],
                                clock_period_ns=model.pop("clock", 5.0))
        row["model"].update(model)
        return estimate(design_from_published(row)).total

    for part in parts:
        prev = None
        for rf in (1, 2, 4, 8, 16, 64):
            t = total(part, reuse_factor=rf)
            if prev is not None:
                assert t["DSP"] <= prev["DSP"], (part, rf, prev["DSP"], t["DSP"])
                assert t["latency_cycles"] >= prev["latency_cycles"] and t["ii"] >= prev["ii"], (part, rf, prev, t)
            prev = t
        prev = None
        for clk in (2.0, 3.3, 5.0, 10.0):
            t = total(part, clock=clk)
            if prev is not None:
                assert t["latency_cycles"] <= prev["latency_cycles"], (part, clk, prev, t)
                assert t["latency_ns"] >= 0.6 * prev["latency_ns"], (part, clk, prev, t)
            prev = t


def test_a_wrapping_accumulator_narrows_the_multiplier_to_the_bits_it_keeps():
    # ap_fixed<32,32> input x ap_fixed<18,4> weights into a wrapping ap_fixed<18,4> accumulator:
    # the kept result is x*w mod 2^18 (18 = 4 integer + 0 + 14 fraction bits), which only the low
    # 18 bits of x decide, so each product is 18 x 18 (one DSP48E1); a saturating accumulator
    # needs every bit of the product to detect overflow, so 32 x 18 takes two DSP48E1s
    x_t, w_t = FixedType(32, 32), FixedType(18, 4)
    rng = np.random.default_rng(0)
    w = np.round(rng.uniform(0.3, 0.9, size=(2, 8)) * 2**14) / 2**14  # 13-14 significant bits: DSP products
    kept = {}
    for sat in ("WRAP", "SAT"):
        acc = FixedType(18, 4, True, "TRN", sat)
        layer = DenseDesign("fc", w, np.zeros(8), x_t, w_t, acc, acc, acc)
        est = estimate(Design("t", [layer], x_t, 2, part="xc7vx485tffg1761-2"))
        kept[sat] = est.layers[0]
    assert kept["WRAP"].DSP == 16 and kept["WRAP"].detail["input_width"] == 18
    assert kept["SAT"].DSP == 32 and kept["SAT"].detail["input_width"] == 32


def test_vivado_books_luts_beside_each_dsp_product_by_dsp_slice():
    # Vivado HLS lists every DSP-mapped `*` with LUT 5 (DSP48E2) or 6 (DSP48E1) in its Expression
    # table; Vitis does not get the charge (its LUT factor was fitted on its totals)
    w = np.full((4, 2), 0.7333984375)  # 11 significant bits -> 8 DSP products
    luts = {}
    for backend, part in (("Vivado", "xcvu13p-flga2577-2-e"), ("Vivado", "xc7z020clg400-1"), ("Vitis", "xcvu13p-flga2577-2-e")):
        layer = estimate(_design([_dense(w)], backend=backend, part=part)).layers[0]
        assert layer.DSP == 8
        luts[backend, part[:6]] = (layer.LUT, layer.detail["lut_adders"] + layer.detail["lut_mult"])
    assert luts["Vivado", "xcvu13"][0] == luts["Vivado", "xcvu13"][1] + 5 * 8
    assert luts["Vivado", "xc7z02"][0] == luts["Vivado", "xc7z02"][1] + 6 * 8
    assert luts["Vitis", "xcvu13"][0] == pytest.approx(luts["Vitis", "xcvu13"][1] * 1.45)


def test_vivado_on_the_7series_keeps_narrow_variable_products_in_fabric():
    """Vivado HLS on a DSP48E1 part maps a product of two variables like a constant one (wider >= 10
    bits, narrower >= 6): its Resource reports put 16s x 6s in DSPs, 14s x 5s, 6s x 6s and 7s x 7s in
    fabric; Vivado on UltraScale+ and Vitis on the 7-series use a DSP for 7s x 7s."""
    rng = np.random.default_rng(5)
    t7, x16 = FixedType(7, 1), FixedType(16, 6)
    w = np.clip(np.round(rng.uniform(-0.9, 0.9, (32, 32)) / t7.lsb) * t7.lsb, t7.min_value, t7.max_value)
    dsps = {}
    for backend, part in (("Vivado", "xc7z020clg400-1"), ("Vivado", "xcvu13p-flga2577-2-e"), ("Vitis", "xc7z020clg400-1")):
        for name, x_t in (("7x7", t7), ("16x7", x16)):
            layer = estimate(_design([_dense(w, x_t=x_t, w_t=t7, rf=8)], strategy="Resource", backend=backend, part=part)).layers[0]
            dsps[backend, part[:6], name] = layer.DSP
            assert (layer.DSP == 0) == (layer.detail["lut_mult"] > 0)
    assert dsps["Vivado", "xc7z02", "7x7"] == 0 and dsps["Vivado", "xc7z02", "16x7"] == 128
    assert dsps["Vivado", "xcvu13", "7x7"] == 128 and dsps["Vitis", "xc7z02", "7x7"] == 128


def test_vivado_negates_a_negative_power_of_two_product_on_its_own():
    """-2^j is a shift plus a `0 - x` subtraction at the shifted width in Vivado HLS's Expression
    tables: no multiplier and no DSP, but not free; Vitis is left as fitted."""
    w = np.array([[-0.25, 0.5], [0.0, -4.0]])  # codes (fixed<16,6>: 10 frac bits) -256 and -4096
    viv = estimate(_design([_dense(w)], backend="Vivado")).layers[0]
    assert viv.DSP == 0 and viv.detail["lut_mult"] == 0.0
    assert viv.detail["lut_negate"] == (16 + 9) + (16 + 13)
    vitis = estimate(_design([_dense(w)], backend="Vitis")).layers[0]
    assert vitis.detail["lut_negate"] == 0.0
