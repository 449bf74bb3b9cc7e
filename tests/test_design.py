"""Fixed-point types, exact accumulator widths and BOPs, checked by hand and by brute force."""

from __future__ import annotations

import itertools
import math

import numpy as np

from flow.bops import effective_bops, hawks_bops
from flow.design import DenseDesign, Design, FixedType, accumulator_type
from flow.quant import quantize_array


def test_fixed_type_ranges():
    t = FixedType(8, 4, True)
    assert t.lsb == 2**-4 and t.min_value == -8 and t.max_value == 8 - 2**-4
    u = FixedType(6, 2, False)
    assert u.min_value == 0 and u.max_value == 4 - 2**-4
    assert t.represents(np.array([-8, 7.9375, 0.0625])) and not t.represents(np.array([0.03]))
    assert t.hls() == "fixed<8,4>" and FixedType(6, 2, False, "RND_CONV", "SAT").hls() == "ufixed<6,2,RND_CONV,SAT>"


def test_accumulator_holds_every_reachable_sum():
    """Brute force over all inputs of a tiny layer: the derived type must hold every sum exactly."""
    rng = np.random.default_rng(0)
    x_t = FixedType(3, 2, True)  # values -2 .. 1.5 step 0.5
    w_t = FixedType(4, 1, True)
    for _ in range(20):
        W = rng.integers(-8, 8, size=(3, 2)) * w_t.lsb
        b = rng.integers(-8, 8, size=2) * w_t.lsb
        acc = accumulator_type(x_t, w_t, w_t, W, b)
        grid = np.arange(x_t.min_value, x_t.max_value + x_t.lsb / 2, x_t.lsb)
        sums = np.array([np.array(x) @ W + b for x in itertools.product(grid, repeat=3)])
        assert acc.represents(sums), (acc, sums.min(), sums.max())
        narrower = FixedType(acc.width - 1, acc.integer - 1, acc.signed)
        # one bit less must fail for some weights (the type is tight), unless the range is trivial
        if np.abs(sums).max() >= 2 ** (acc.integer - 2):
            assert not narrower.represents(sums) or acc.width <= 2


def test_quantize_array_rounds_half_to_even_and_saturates():
    t = FixedType(4, 2, True)  # step 0.25, range [-2, 1.75]
    got = quantize_array(np.array([0.125, 0.375, 5.0, -9.0, -0.125]), t)
    assert got.tolist() == [0.0, 0.5, 1.75, -2.0, -0.0]


def test_bops_by_hand():
    W = np.zeros((4, 2))
    W[0, 0] = W[1, 1] = W[2, 0] = 0.5  # 3 of 8 non-zero
    t6, t8 = FixedType(6, 1), FixedType(8, 3)
    layer = DenseDesign("d", W, np.zeros(2), t8, t6, t6, FixedType(16, 6), FixedType(16, 6))
    design = Design("x", [layer], t8, 4)
    f_p = 5 / 8
    expected = 2 * 4 * ((1 - f_p) * 8 * 6 + 8 + 6 + math.log2(4))
    assert math.isclose(hawks_bops(design)["d"], expected)
    assert math.isclose(effective_bops(design)["d"], 3 * (8 * 6 + 8 + 6 + 2))
