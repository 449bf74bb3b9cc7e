"""Energy correlation functions and the modified mass-drop tagger in plain numpy.

Why this module exists: the PyPI ``fastjet`` package ships FastJet but not fastjet-contrib, so the
EnergyCorrelator and RecursiveTools (ModifiedMassDropTagger) packages that produced the 16 features
of the hls4ml LHC jet dataset (OpenML 42468) are not available. The definitions below follow the
contrib conventions (``pt_R`` measure: energies are transverse momenta, angles are
``Delta R = sqrt(Delta y^2 + Delta phi^2)`` with rapidity y), so the features mean the same thing.

Inputs are constituent four-momenta as an array of shape (n, 4) with columns (px, py, pz, E).
Everything here is pure numpy, so it is tested without Pythia or FastJet installed.

References:
  * Larkoski, Salam, Thaler, JHEP 06 (2013) 108, arXiv:1305.0007 -- ECF(N, beta), C_N series.
  * Larkoski, Moult, Neill, JHEP 12 (2014) 009, arXiv:1409.6298 -- D2.
  * Moult, Necib, Thaler, JHEP 12 (2016) 153, arXiv:1609.07483 -- generalized ECFs, M2, N2, D2^(a,b).
  * Dasgupta, Fregoso, Marzani, Salam, JHEP 09 (2013) 029, arXiv:1307.0007 -- mMDT.
"""

from __future__ import annotations

import numpy as np

#: Feature columns, in the order and spelling of OpenML 42468 (hls4ml LHC jet dataset).
FEATURE_NAMES: tuple[str, ...] = (
    "zlogz",
    "c1_b0_mmdt",
    "c1_b1_mmdt",
    "c1_b2_mmdt",
    "c2_b1_mmdt",
    "c2_b2_mmdt",
    "d2_b1_mmdt",
    "d2_b2_mmdt",
    "d2_a1_b1_mmdt",
    "d2_a1_b2_mmdt",
    "m2_b1_mmdt",
    "m2_b2_mmdt",
    "n2_b1_mmdt",
    "n2_b2_mmdt",
    "mass_mmdt",
    "multiplicity",
)

_TINY = 1e-12


# --------------------------------------------------------------------------- kinematics


def pt_y_phi(p4: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Transverse momentum, rapidity and azimuth of each four-momentum row (px, py, pz, E).

    Rapidity (not pseudorapidity) because FastJet's ``squared_distance`` and contrib use it.
    """
    p4 = np.asarray(p4, dtype=np.float64).reshape(-1, 4)
    px, py, pz, e = p4[:, 0], p4[:, 1], p4[:, 2], p4[:, 3]
    pt = np.hypot(px, py)
    # Guard E <= |pz| (massless rounding): keep y finite like FastJet's MaxRap clamp.
    num = np.maximum(e + pz, _TINY)
    den = np.maximum(e - pz, _TINY)
    y = 0.5 * np.log(num / den)
    phi = np.arctan2(py, px)
    return pt, y, phi


def delta_r_matrix(y: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Pairwise Delta R = sqrt(dy^2 + dphi^2), dphi wrapped into [-pi, pi]."""
    dy = y[:, None] - y[None, :]
    dphi = np.abs(phi[:, None] - phi[None, :])
    dphi = np.where(dphi > np.pi, 2.0 * np.pi - dphi, dphi)
    return np.sqrt(dy * dy + dphi * dphi)


def invariant_mass(p4: np.ndarray) -> float:
    """Mass of the summed four-momentum (0 for a space-like rounding residue)."""
    tot = np.asarray(p4, dtype=np.float64).reshape(-1, 4).sum(axis=0)
    m2 = tot[3] ** 2 - tot[0] ** 2 - tot[1] ** 2 - tot[2] ** 2
    return float(np.sqrt(m2)) if m2 > 0 else 0.0


# --------------------------------------------------------------------------- C/A + mMDT


def _ca_cluster(p4: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cambridge/Aachen clustering (E-scheme) of all particles into one tree.

    Returns (children, node_p4, root): ``children[k] = (a, b)`` for internal node k (leaves are
    0..n-1 with children (-1, -1)); ``node_p4`` holds each node's four-momentum. C/A merges the
    pair with the smallest Delta R first, so declustering from the root walks from wide to narrow
    angles, which is what mMDT needs. O(n^2) memory and O(n^3) time in numpy -- fine for single jets.
    """
    n = p4.shape[0]
    total = 2 * n - 1
    node_p4 = np.zeros((total, 4))
    node_p4[:n] = p4
    children = np.full((total, 2), -1, dtype=np.int64)
    if n == 1:
        return children, node_p4, np.int64(0)
    _, y, phi = pt_y_phi(p4)
    d2 = delta_r_matrix(y, phi) ** 2
    np.fill_diagonal(d2, np.inf)
    slot_node = np.arange(n)  # which tree node currently sits in each matrix slot
    alive = np.ones(n, dtype=bool)
    nxt = n
    for _ in range(n - 1):
        flat = int(np.argmin(d2))
        a, b = divmod(flat, n)
        new = node_p4[slot_node[a]] + node_p4[slot_node[b]]
        node_p4[nxt] = new
        children[nxt] = (slot_node[a], slot_node[b])
        # Slot a now holds the merged pseudojet, slot b is retired.
        slot_node[a] = nxt
        alive[b] = False
        d2[b, :] = np.inf
        d2[:, b] = np.inf
        _, ya, pa = pt_y_phi(new[None, :])
        _, yy, pp = pt_y_phi(node_p4[slot_node])
        dphi = np.abs(pp - pa[0])
        dphi = np.where(dphi > np.pi, 2.0 * np.pi - dphi, dphi)
        row = (yy - ya[0]) ** 2 + dphi**2
        row[~alive] = np.inf
        row[a] = np.inf
        d2[a, :] = row
        d2[:, a] = row
        nxt += 1
    return children, node_p4, np.int64(nxt - 1)


def _leaves(children: np.ndarray, node: int) -> list[int]:
    """Leaf (particle) indices under a tree node, iteratively to avoid recursion limits."""
    out: list[int] = []
    stack = [int(node)]
    while stack:
        k = stack.pop()
        a, b = children[k]
        if a < 0:
            out.append(k)
        else:
            stack.append(int(a))
            stack.append(int(b))
    return out


def mmdt_groom(p4: np.ndarray, z_cut: float = 0.1) -> np.ndarray:
    """Indices of the constituents kept by the modified mass-drop tagger (beta = 0, mu = inf).

    Recluster with C/A, then decluster from the root: if min(pT1, pT2) / (pT1 + pT2) > z_cut the
    current node is the groomed jet; otherwise drop the softer branch (by pT) and continue on the
    harder one. Like SoftDrop in grooming mode, a jet that never passes keeps its final single
    constituent rather than becoming empty, so every jet has finite features.
    """
    p4 = np.asarray(p4, dtype=np.float64).reshape(-1, 4)
    n = p4.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    children, node_p4, root = _ca_cluster(p4)
    pt_nodes = np.hypot(node_p4[:, 0], node_p4[:, 1])
    node = int(root)
    while children[node, 0] >= 0:
        a, b = (int(c) for c in children[node])
        pa, pb = pt_nodes[a], pt_nodes[b]
        if min(pa, pb) / max(pa + pb, _TINY) > z_cut:
            break
        node = a if pa >= pb else b
    return np.sort(np.asarray(_leaves(children, node), dtype=np.int64))


# --------------------------------------------------------------------------- ECFs


def ecf2(z: np.ndarray, dr: np.ndarray, beta: float) -> float:
    """Normalized two-point correlator e2^(beta) = sum_{i<j} z_i z_j dR_ij^beta.

    Equal to ECF(2, beta) / ECF(1)^2 and to the generalized 1e2^(beta) (only one angle exists).
    beta = 0 is C1^(0) = sum_{i<j} z_i z_j = (1 - sum z_i^2) / 2.
    """
    if z.size < 2:
        return 0.0
    if beta == 0:
        return float(0.5 * (z.sum() ** 2 - np.dot(z, z)))
    w = dr**beta
    np.fill_diagonal(w, 0.0)
    return float(0.5 * z @ w @ z)


def ecf3_all(z: np.ndarray, dr: np.ndarray, beta: float) -> tuple[float, float, float]:
    """Three-point correlators (1e3, 2e3, 3e3)^(beta) over triples i<j<k.

    ``v e3`` multiplies the v smallest of the three pairwise angles (Moult, Necib, Thaler):
    1e3 uses the minimum, 2e3 the two smallest, 3e3 all three (= ECF(3, beta) / ECF(1)^3).
    beta must be > 0 (triples with a repeated particle then contribute nothing).
    """
    return ecf3_multi(z, dr, (beta,))[beta]


def ecf3_multi(
    z: np.ndarray, dr: np.ndarray, betas: tuple[float, ...] = (1.0, 2.0), block_elems: int = 16_000
) -> dict[float, tuple[float, float, float]]:
    """(1e3, 2e3, 3e3) for several betas sharing one pass over the triples.

    Why this shape: the ordering of the three angles of a triple does not depend on beta, so the
    min/middle angles are found once. Triples are processed in blocks of first indices i, each
    a dense (b, m, m) slab over later particles j, k weighted by z_j z_k (zero unless j, k > i);
    the full (j, k) plane counts each unordered pair twice, hence the 1/2. Memory stays
    O(block_elems) and the work is ~n^3/3 element operations plus BLAS contractions.
    3e3 is a matrix trace, tr((R^beta diag z)^3) / 6, computed separately with BLAS.
    """
    n = z.size
    out: dict[float, list[float]] = {b: [0.0, 0.0, 0.0] for b in betas}
    if n < 3:
        return {b: (0.0, 0.0, 0.0) for b in betas}
    if min(betas) <= 0:
        raise ValueError("three-point correlators need beta > 0")
    for b in betas:
        rz = (dr**b) * z[None, :]
        out[b][2] = float(np.trace(rz @ rz @ rz)) / 6.0
    i0 = 0
    while i0 < n - 2:
        m = n - i0 - 1  # particles after i0
        nb = max(1, min(n - 2 - i0, block_elems // (m * m)))
        rows = np.arange(i0, i0 + nb)
        cols = np.arange(i0 + 1, n)
        a = dr[np.ix_(rows, cols)]  # (nb, m): angle from i to j
        sub = dr[i0 + 1 :, i0 + 1 :]  # (m, m): angle from j to k
        A = a[:, :, None]
        B = a[:, None, :]
        lo = np.minimum(A, B)
        hi = np.maximum(A, B)
        mn = np.minimum(lo, sub)
        # Middle of {A, B, C}: max(min(A, B), min(max(A, B), C)).
        mid = np.maximum(lo, np.minimum(hi, sub))
        del hi
        mm = mn * mid
        zw = np.where(cols[None, :] > rows[:, None], z[cols][None, :], 0.0)  # (nb, m)
        zi = z[rows]
        for b in betas:
            t1 = mn if b == 1 else mn**b
            t2 = mm if b == 1 else mm**b
            s1 = ((t1 @ zw[:, :, None])[:, :, 0] * zw).sum(axis=1)
            s2 = ((t2 @ zw[:, :, None])[:, :, 0] * zw).sum(axis=1)
            out[b][0] += 0.5 * float(zi @ s1)
            out[b][1] += 0.5 * float(zi @ s2)
        i0 += nb
    return {b: (v[0], v[1], v[2]) for b, v in out.items()}


def substructure_from_groomed(p4_groomed: np.ndarray) -> dict[str, float]:
    """The 14 ``*_mmdt`` features of an already groomed jet.

    Ratios follow fastjet-contrib EnergyCorrelator: C1 = e2, C2 = e3/e2^2, D2 = e3/e2^3,
    D2^(a, b) = e3^(a) / (e2^(b))^(3a/b), M2 = 1e3/1e2, N2 = 2e3/(1e2)^2 (1e2 = e2).
    A ratio whose denominator vanishes (a one- or two-particle groomed jet) is reported as 0,
    not NaN, so the training data has no holes.
    """
    p4g = np.asarray(p4_groomed, dtype=np.float64).reshape(-1, 4)
    pt, y, phi = pt_y_phi(p4g)
    total = pt.sum()
    z = pt / total if total > 0 else np.zeros_like(pt)
    dr = delta_r_matrix(y, phi)

    def ratio(num: float, den: float) -> float:
        return float(num / den) if den > _TINY**2 else 0.0

    e2 = {b: ecf2(z, dr, b) for b in (0, 1, 2)}
    e3 = ecf3_multi(z, dr, (1, 2))
    out = {
        "c1_b0_mmdt": e2[0],
        "c1_b1_mmdt": e2[1],
        "c1_b2_mmdt": e2[2],
    }
    for b in (1, 2):
        one, two, three = e3[b]
        out[f"c2_b{b}_mmdt"] = ratio(three, e2[b] ** 2)
        out[f"d2_b{b}_mmdt"] = ratio(three, e2[b] ** 3)
        out[f"m2_b{b}_mmdt"] = ratio(one, e2[b])
        out[f"n2_b{b}_mmdt"] = ratio(two, e2[b] ** 2)
        # Generalized D2 with alpha = 1: numerator e3^(1), denominator e2^(b) to the 3/b.
        out[f"d2_a1_b{b}_mmdt"] = ratio(e3[1][2], e2[b] ** (3.0 / b))
    out["mass_mmdt"] = invariant_mass(p4g)
    return out


def jet_features(p4: np.ndarray, z_cut: float = 0.1) -> np.ndarray:
    """All 16 features of one jet, in ``FEATURE_NAMES`` order.

    ``zlogz`` and ``multiplicity`` (names without ``_mmdt``) use the ungroomed constituents,
    the others the mMDT-groomed jet.
    """
    p4 = np.asarray(p4, dtype=np.float64).reshape(-1, 4)
    if p4.shape[0] == 0:
        raise ValueError("a jet needs at least one constituent")
    pt, _, _ = pt_y_phi(p4)
    z = pt / pt.sum()
    zpos = z[z > 0]
    feats: dict[str, float] = {
        "zlogz": float(np.sum(zpos * np.log(zpos))),
        "multiplicity": float(p4.shape[0]),
    }
    keep = mmdt_groom(p4, z_cut=z_cut)
    feats.update(substructure_from_groomed(p4[keep]))
    return np.array([feats[name] for name in FEATURE_NAMES], dtype=np.float64)
