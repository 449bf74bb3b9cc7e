"""Exhaustive check of hls4ml 1.3.0's nnet::hard_tanh / nnet::hard_sigmoid (what it converts
QKeras' quantized_tanh / quantized_sigmoid to) against QKeras 0.9 itself, on every value of a
range of input types, with the result types `flow verify` gives them:

    quantized_tanh(bits)                  -> fixed<bits,1,RND_CONV,SAT>
    quantized_tanh(bits, symmetric=True)  -> fixed<bits,1,RND_CONV,SAT_SYM>
    quantized_sigmoid(bits)               -> ufixed<bits,0,RND_CONV,SAT>

The C++ is hls4ml's own header (its slope and shift 0.5 in ap_ufixed<2,0>, as its converter
writes them), compiled with g++; QKeras computes in float32 on the same values. Prints the
mismatch count of every (input type, activation) pair and exits 1 on any mismatch where the flow
claims exactness (input types with at most 23 fractional bits; not quantized_tanh(1, symmetric=True),
which it refuses). An input with more fractional
bits is sampled near the output grid's ties to show where QKeras' float32 `0.5 * x + 0.5` rounds
(the flow compares such a layer with the exact value and notes it).

    python bench/check_hard_activations.py

About 30 s (one g++ compile).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

from flow.design import FixedType  # noqa: E402

log = logging.getLogger("check_hard_activations")

#: (width, integer, signed) of the activation's input: narrow and wide, signed and unsigned,
#: integer bits below 0 and above the output's range
INPUT_TYPES = [(4, 1, True), (6, 2, True), (8, 3, True), (8, 0, True), (8, -2, True), (10, 4, True), (12, 2, True),
               (16, 6, True), (16, 1, True), (6, 2, False), (8, 0, False), (8, -1, False), (12, 4, False), (24, 2, True),
               (24, 1, True)]
#: wider than float32 can add 0.5 to exactly: sampled, not claimed exact
WIDE_INPUT_TYPES = [(24, 0, True), (26, 2, True)]
#: (function, bits, symmetric)
ACTIVATIONS = [("tanh", b, False) for b in (1, 2, 3, 4, 6, 8, 12)] + [("tanh", b, True) for b in (1, 2, 4, 8)] + \
              [("sigmoid", b, False) for b in (1, 2, 3, 4, 6, 8, 12)]
#: shown, not claimed: flow verify refuses them (a 1-bit symmetric tanh holds only 0, and AP_SAT_SYM
#: of a 1-bit ap_fixed gives -1)
REFUSED = {("tanh", 1, True)}


def result_type(fn: str, bits: int, symmetric: bool) -> FixedType:
    if fn == "tanh":
        return FixedType(bits, 1, True, "RND_CONV", "SAT_SYM" if symmetric else "SAT")
    return FixedType(bits, 0, False, "RND_CONV", "SAT")


def ap(t: FixedType) -> str:
    base = "ap_fixed" if t.signed else "ap_ufixed"
    if t.rounding == "TRN" and t.saturation == "WRAP":
        return f"{base}<{t.width},{t.integer}>"
    return f"{base}<{t.width},{t.integer},AP_{t.rounding},AP_{t.saturation}>"


def grid(w: int, i: int, signed: bool, rng: np.random.Generator) -> np.ndarray:
    t = FixedType(w, i, signed)
    lo, hi = round(t.min_value / t.lsb), round(t.max_value / t.lsb)
    if hi - lo < 1 << 17:
        return np.arange(lo, hi + 1, dtype=np.float64) * t.lsb
    # too many to list: every value within 4 LSB of each output grid's tie and of -1, 0, 1, plus a random sample
    ties = np.unique(np.concatenate([np.arange(-2**12, 2**12 + 1) / 2**12 + d * t.lsb for d in range(-4, 5)]))
    sample = rng.integers(lo, hi + 1, 20000) * t.lsb
    values = np.concatenate([ties, sample])
    return np.unique(values[(values >= t.min_value) & (values <= t.max_value)])


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from qkeras import quantized_sigmoid, quantized_tanh

    hls4ml_dir = Path(__import__("hls4ml").__file__).parent / "templates" / "vivado"
    rng = np.random.default_rng(0)
    cases = [(it, act) for it in INPUT_TYPES + WIDE_INPUT_TYPES for act in ACTIVATIONS]
    inputs = {it: grid(*it, rng) for it in INPUT_TYPES + WIDE_INPUT_TYPES}
    src = ['#include <cstdio>', '#include <vector>', '#include "ap_fixed.h"', '#include "nnet_utils/nnet_activation.h"',
           "typedef ap_ufixed<2,0> slope_t;", "typedef ap_ufixed<2,0> shift_t;"]
    for k, ((w, i, s), (fn, bits, sym)) in enumerate(cases):
        n = len(inputs[(w, i, s)])
        src += [f"struct cfg{k} {{ static const unsigned n_in = {n}; static const slope_t slope; static const shift_t shift;",
                "  static const unsigned io_type = nnet::io_parallel; static const unsigned reuse_factor = 1; };",
                f"const slope_t cfg{k}::slope = 0.5; const shift_t cfg{k}::shift = 0.5;",
                f"void run{k}(const double *x, double *y) {{",
                f"  typedef {ap(FixedType(w, i, s))} data_t; typedef {ap(result_type(fn, bits, sym))} res_t;",
                f"  std::vector<data_t> d({n}); std::vector<res_t> r({n});",
                f"  for (int j = 0; j < {n}; j++) d[j] = x[j];",
                f"  nnet::hard_{fn}<data_t, res_t, cfg{k}>(d.data(), r.data());",
                f"  for (int j = 0; j < {n}; j++) y[j] = r[j].to_double(); }}"]
    src.append("int main(int argc, char **argv) {")
    src.append("  int k = atoi(argv[1]); long n = atol(argv[2]); std::vector<double> x(n), y(n);")
    src.append("  if (fread(x.data(), sizeof(double), n, stdin) != (size_t)n) return 2;")
    src += [f"  if (k == {k}) run{k}(x.data(), y.data());" for k in range(len(cases))]
    src.append("  fwrite(y.data(), sizeof(double), n, stdout); return 0; }")
    with tempfile.TemporaryDirectory() as tmp:
        cpp, exe = Path(tmp) / "hard.cpp", Path(tmp) / "hard"
        cpp.write_text("\n".join(src) + "\n")
        log.info("compiling %d cases with g++", len(cases))
        subprocess.run(["g++", "-O1", "-std=c++14", f"-I{hls4ml_dir}", f"-I{hls4ml_dir / 'ap_types'}", str(cpp), "-o", str(exe)],
                       check=True)
        bad_claimed = 0
        for k, (it, (fn, bits, sym)) in enumerate(cases):
            x = inputs[it]
            out = subprocess.run([str(exe), str(k), str(len(x))], input=x.astype(np.float64).tobytes(), capture_output=True,
                                 check=True).stdout
            hls = np.frombuffer(out, dtype=np.float64)
            q = quantized_tanh(bits, symmetric=sym) if fn == "tanh" else quantized_sigmoid(bits)
            qk = np.asarray(q(x.astype(np.float32)).numpy(), dtype=np.float64)
            wrong = int(np.sum(hls != qk))
            refused = (fn, bits, sym) in REFUSED
            claimed = it in INPUT_TYPES and not refused
            bad_claimed += wrong if claimed else 0
            in_t = FixedType(*it)
            why = (" (refused by flow verify)" if refused else
                   "" if claimed else " (not claimed: input has more than 23 fractional bits)")
            log.info("%-14s %-34s %6d values: %d differ%s", in_t.hls(), f"quantized_{fn}({bits}{', symmetric' if sym else ''})",
                     len(x), wrong, why)
    log.info("%s", "all claimed cases bit-exact" if bad_claimed == 0 else f"{bad_claimed} values differ in claimed cases")
    return 0 if bad_claimed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
