"""Energy correlators and mMDT on hand-computable particle configurations (no Pythia needed)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from flow.physics.ecf import (
    FEATURE_NAMES,
    delta_r_matrix,
    ecf2,
    ecf3_all,
    invariant_mass,
    jet_features,
    mmdt_groom,
    pt_y_phi,
    substructure_from_groomed,
)


def massless(pt: float, y: float, phi: float) -> list[float]:
    """Four-momentum (px, py, pz, E) of a massless particle."""
    return [pt * math.cos(phi), pt * math.sin(phi), pt * math.sinh(y), pt * math.cosh(y)]


def brute_force(z: np.ndarray, dr: np.ndarray, beta: float) -> tuple[float, float, float, float]:
    """Literal contrib loops: e2 and (1e3, 2e3, 3e3) with sorted angles per triple."""
    n = len(z)
    e2 = sum(z[i] * z[j] * dr[i, j] ** beta for i, j in itertools.combinations(range(n), 2))
    v = [0.0, 0.0, 0.0]
    for i, j, k in itertools.combinations(range(n), 3):
        ang = sorted([dr[i, j] ** beta, dr[i, k] ** beta, dr[j, k] ** beta])
        w = z[i] * z[j] * z[k]
        v[0] += w * ang[0]
        v[1] += w * ang[0] * ang[1]
        v[2] += w * ang[0] * ang[1] * ang[2]
    return e2, v[0], v[1], v[2]


def test_kinematics_round_trip_and_phi_wrap() -> None:
    p4 = np.array([massless(100.0, 0.3, math.pi - 0.1), massless(50.0, 0.3, -math.pi + 0.1)])
    pt, y, phi = pt_y_phi(p4)
    np.testing.assert_allclose(pt, [100.0, 50.0])
    np.testing.assert_allclose(y, [0.3, 0.3], atol=1e-12)
    dr = delta_r_matrix(y, phi)
    assert dr[0, 1] == pytest.approx(0.2, abs=1e-9)  # across the +-pi seam, not 2 pi - 0.2


def test_two_particles_closed_form() -> None:
    # z = (0.75, 0.25), Delta R = 0.5: e2^b = z1 z2 0.5^b, all three-point terms vanish.
    p4 = np.array([massless(300.0, 0.0, 0.0), massless(100.0, 0.3, 0.4)])
    f = substructure_from_groomed(p4)
    assert f["c1_b0_mmdt"] == pytest.approx(0.75 * 0.25)
    assert f["c1_b1_mmdt"] == pytest.approx(0.75 * 0.25 * 0.5)
    assert f["c1_b2_mmdt"] == pytest.approx(0.75 * 0.25 * 0.25)
    for name in ("c2_b1_mmdt", "d2_b2_mmdt", "m2_b1_mmdt", "n2_b2_mmdt", "d2_a1_b1_mmdt"):
        assert f[name] == 0.0
    # Massless pair: m^2 = 2 pt1 pt2 (cosh dy - cos dphi).
    m = math.sqrt(2 * 300 * 100 * (math.cosh(0.3) - math.cos(0.4)))
    assert f["mass_mmdt"] == pytest.approx(m, rel=1e-9)


def test_three_particles_closed_form() -> None:
    # Right triangle in the (y, phi) plane: sides 0.3, 0.4, 0.5; pT 200, 100, 100 -> z = .5, .25, .25.
    p4 = np.array([massless(200.0, 0.0, 0.0), massless(100.0, 0.3, 0.0), massless(100.0, 0.0, 0.4)])
    f = substructure_from_groomed(p4)
    z = (0.5, 0.25, 0.25)
    d01, d02, d12 = 0.3, 0.4, 0.5
    for b in (1, 2):
        e2 = z[0] * z[1] * d01**b + z[0] * z[2] * d02**b + z[1] * z[2] * d12**b
        zzz = z[0] * z[1] * z[2]
        e3 = zzz * (d01 * d02 * d12) ** b
        one = zzz * d01**b
        two = zzz * (d01 * d02) ** b
        assert f[f"c1_b{b}_mmdt"] == pytest.approx(e2)
        assert f[f"c2_b{b}_mmdt"] == pytest.approx(e3 / e2**2)
        assert f[f"d2_b{b}_mmdt"] == pytest.approx(e3 / e2**3)
        assert f[f"m2_b{b}_mmdt"] == pytest.approx(one / e2)
        assert f[f"n2_b{b}_mmdt"] == pytest.approx(two / e2**2)
        e3_a1 = zzz * d01 * d02 * d12
        assert f[f"d2_a1_b{b}_mmdt"] == pytest.approx(e3_a1 / e2 ** (3.0 / b))
    assert f["c1_b0_mmdt"] == pytest.approx(0.5 * 0.25 * 2 + 0.25 * 0.25)


@pytest.mark.parametrize("beta", [0.5, 1.0, 2.0])
def test_vectorised_matches_brute_force(beta: float) -> None:
    rng = np.random.default_rng(7)
    n = 13
    z = rng.random(n)
    z /= z.sum()
    dr = delta_r_matrix(rng.normal(0, 0.3, n), rng.normal(0, 0.3, n))
    e2_ref, one, two, three = brute_force(z, dr, beta)
    assert ecf2(z, dr, beta) == pytest.approx(e2_ref, rel=1e-12)
    np.testing.assert_allclose(ecf3_all(z, dr, beta), (one, two, three), rtol=1e-12)


def test_boost_and_rotation_invariance_and_scale() -> None:
    rng = np.random.default_rng(3)
    pts, ys, phis = rng.exponential(50, 20) + 1, rng.normal(0, 0.2, 20), rng.normal(0, 0.2, 20)
    base = np.array([massless(p, y, f) for p, y, f in zip(pts, ys, phis)])
    moved = np.array([massless(p, y + 1.7, f + 2.9) for p, y, f in zip(pts, ys, phis)])
    a, b = jet_features(base), jet_features(moved)
    np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-12)
    scaled = jet_features(base * 3.0)
    i_mass = FEATURE_NAMES.index("mass_mmdt")
    np.testing.assert_allclose(np.delete(scaled, i_mass), np.delete(a, i_mass), rtol=1e-9, atol=1e-12)
    assert scaled[i_mass] == pytest.approx(3.0 * a[i_mass], rel=1e-9)


def test_mmdt_drops_soft_wide_angle_particle() -> None:
    # Two hard prongs 0.2 apart (balanced -> pass z_cut) plus a 2% soft particle 0.7 away.
    p4 = np.array([massless(500.0, 0.0, 0.0), massless(400.0, 0.2, 0.0), massless(18.0, -0.5, 0.5)])
    keep = mmdt_groom(p4, z_cut=0.1)
    assert keep.tolist() == [0, 1]
    # With z_cut below the soft fraction the whole jet survives.
    assert mmdt_groom(p4, z_cut=0.01).tolist() == [0, 1, 2]


def test_mmdt_follows_harder_branch_down_to_one_particle() -> None:
    # Every splitting is asymmetric (z < 0.1): grooming walks to the single hardest particle.
    p4 = np.array([massless(1000.0, 0.0, 0.0), massless(50.0, 0.1, 0.0), massless(5.0, 0.4, 0.0)])
    assert mmdt_groom(p4).tolist() == [0]
    f = substructure_from_groomed(p4[[0]])
    assert f["c1_b1_mmdt"] == 0.0 and f["d2_b1_mmdt"] == 0.0 and np.isfinite(list(f.values())).all()


def test_mmdt_uses_ca_angular_order() -> None:
    # 0 and 1 are close (merged first by C/A); 2 is a hard prong far away. The widest split
    # (2 vs {0,1}) is symmetric, so nothing is groomed.
    p4 = np.array([massless(300.0, 0.0, 0.0), massless(20.0, 0.05, 0.0), massless(300.0, 0.6, 0.0)])
    assert mmdt_groom(p4).tolist() == [0, 1, 2]


def test_zlogz_and_multiplicity_use_all_constituents() -> None:
    p4 = np.array([massless(100.0, 0.0, 0.1 * k) for k in range(4)])
    f = dict(zip(FEATURE_NAMES, jet_features(p4)))
    assert f["zlogz"] == pytest.approx(math.log(0.25))
    assert f["multiplicity"] == 4
    assert invariant_mass(p4[:1]) == 0.0


def test_feature_names_match_openml_42468() -> None:
    assert len(FEATURE_NAMES) == 16 and len(set(FEATURE_NAMES)) == 16
    assert FEATURE_NAMES[0] == "zlogz" and FEATURE_NAMES[-1] == "multiplicity"
