"""Bit operations of a quantized design (cost metrics for the report and the search).

- Hawks et al. 2021 BOPs, per Dense layer with n inputs and m outputs:
      m * n * ((1 - f_p) * b_a * b_w + b_a + b_w + log2 n)
  where f_p is the pruned fraction, b_a the input (activation) width and b_w the weight width.
  A convolution is its kernel (n = k*k*C_in, m = filters) counted at every output position.
  Its accumulation term ignores pruning, so it cannot fall far below ~0.5x of a uniform model.
- Effective BOPs: the same terms counted only for the non-zero weights:
      nnz * (b_a * b_w + b_a + b_w + log2 n)
"""

from __future__ import annotations

import math

import numpy as np

from flow.design import Design


def hawks_bops(design: Design) -> dict[str, float]:
    out = {}
    for layer in design.dense_layers():
        n, m = layer.n_in, layer.n_out
        b_a, b_w = layer.input_type.width, layer.weight_type.width
        f_p = layer.sparsity
        out[layer.name] = layer.positions * m * n * ((1 - f_p) * b_a * b_w + b_a + b_w + math.log2(n))
    return out


def effective_bops(design: Design) -> dict[str, float]:
    out = {}
    for layer in design.dense_layers():
        n = layer.n_in
        b_a, b_w = layer.input_type.width, layer.weight_type.width
        nnz = int(np.count_nonzero(layer.weights))
        out[layer.name] = layer.positions * nnz * (b_a * b_w + b_a + b_w + math.log2(n))
    return out


def summary(design: Design) -> dict:
    h, e = hawks_bops(design), effective_bops(design)
    return {
        "hawks": {"total": float(sum(h.values())), "layers": h},
        "effective": {"total": float(sum(e.values())), "layers": e},
        "definition": "Hawks et al. 2021: m*n*((1-f_p)*b_a*b_w + b_a + b_w + log2 n); effective: nnz*(b_a*b_w + b_a + b_w + log2 n)",
    }
