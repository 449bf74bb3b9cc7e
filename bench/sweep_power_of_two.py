"""Random QKeras models with their quantizers written the way users write them -- quantized_bits
without alpha (QKeras makes it alpha='auto_po2'), with alpha=1 or 'auto_po2', quantized_po2
kernels -- as MLPs, Conv1D and Conv2D models, across io_parallel, io_stream, Resource RF 2, RF 3
and Vitis. For each: `flow verify` must prove it bit-exact or refuse it by name, and `flow
estimate` of the model must equal `flow estimate` of the project verify wrote. Prints one line a
model and the counts.

    python bench/sweep_power_of_two.py [--first 0] [--last 30] [--unit-kernels] [--out DIR]

`--unit-kernels` adds ternary and binary kernels (alpha=1 or QKeras' default auto_po2) to the
choices (other models for the same seeds).

About 20 s a model on 2 cores (each is converted and C-simulated).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

OPTIONS = [["--io-type", "io_parallel"], ["--io-type", "io_stream"],
           ["--io-type", "io_parallel", "--strategy", "Resource", "--reuse-factor", "2"],
           ["--io-type", "io_parallel", "--reuse-factor", "3"], ["--backend", "Vitis"]]
KEYS = ("LUT", "FF", "DSP", "BRAM_18K", "latency_cycles", "ii")


def _kernel_quantizer(rng, unit: bool = False):
    from qkeras import binary, quantized_bits, quantized_po2, ternary

    bits, pick = int(rng.integers(3, 9)), int(rng.integers(0, 6 if unit else 4))
    if pick >= 4:  # ternary/binary: alpha=1, or none (QKeras' QDense/QConv make it auto_po2)
        quantizer = ternary if pick == 4 else binary
        return quantizer(alpha=1) if rng.random() < 0.5 else quantizer()
    if pick == 0:
        return quantized_bits(bits, 0)  # no alpha: QKeras' QDense/QConv make it auto_po2
    if pick == 1:
        return quantized_bits(bits, int(rng.integers(0, 2)), alpha=1)
    if pick == 2:
        return quantized_bits(bits, 0, alpha="auto_po2")
    return quantized_po2(int(rng.integers(3, 5)))


def _bias_quantizer(rng):
    from qkeras import quantized_bits

    bits = int(rng.integers(4, 9))
    return quantized_bits(bits, int(rng.integers(0, 3)), alpha=1) if rng.random() < 0.7 else quantized_bits(bits, 0)


def build(seed: int, unit: bool = False):
    """Model `seed` and its input shape: kernels spread over outputs (so each gets its own
    power-of-two scale), some past their quantizer's range."""
    import tensorflow as tf
    from qkeras import QActivation, QConv1D, QConv2D, QDense, quantized_bits, quantized_relu

    rng = np.random.default_rng(seed)
    kind = ("mlp", "conv1d", "conv2d")[seed % 3]
    shape = {"mlp": (int(rng.integers(6, 17)),), "conv1d": (int(rng.integers(8, 13)), 2),
             "conv2d": (6, 6, int(rng.integers(1, 3)))}[kind]
    x = inp = tf.keras.Input(shape, name="x_in")
    x = QActivation(quantized_bits(8, int(rng.integers(2, 4)), alpha=1), name="qin")(x)
    for i in range(int(rng.integers(1, 3))):
        if kind == "mlp":
            x = QDense(int(rng.integers(3, 12)), kernel_quantizer=_kernel_quantizer(rng, unit), bias_quantizer=_bias_quantizer(rng),
                       use_bias=bool(rng.random() < 0.85), name=f"l{i}")(x)
        else:
            conv = QConv1D if kind == "conv1d" else QConv2D
            x = conv(int(rng.integers(2, 5)), 3, strides=int(rng.integers(1, 3)), padding=("valid", "same")[int(rng.integers(0, 2))],
                     kernel_quantizer=_kernel_quantizer(rng, unit), bias_quantizer=_bias_quantizer(rng), name=f"l{i}")(x)
        x = QActivation(quantized_relu(int(rng.integers(4, 8)), int(rng.integers(1, 3))), name=f"r{i}")(x)
    if kind != "mlp":
        x = tf.keras.layers.Flatten(name="f")(x)
    model = tf.keras.Model(inp, QDense(3, kernel_quantizer=_kernel_quantizer(rng, unit), bias_quantizer=_bias_quantizer(rng), name="out")(x))
    for layer in model.layers:
        values = layer.get_weights()
        if values and layer.name.startswith(("l", "out")):
            k = values[0]
            spread = np.geomspace(0.05, 1.5, k.shape[-1]) if rng.random() < 0.7 else np.ones(k.shape[-1])
            layer.set_weights([(rng.normal(0, 0.5, k.shape) * spread).astype(np.float32)]
                              + [rng.normal(0, 0.3, v.shape).astype(np.float32) for v in values[1:]])
    return model, shape


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--last", type=int, default=30, help="models first..last-1")
    ap.add_argument("--unit-kernels", action="store_true", help="also ternary and binary kernels")
    ap.add_argument("--out", default=None, help="where the models and projects go (default: a temporary directory)")
    args = ap.parse_args(argv)
    from flow.cli import main as flow

    out = Path(args.out or tempfile.mkdtemp(prefix="sweep_po2_"))
    counts: Counter = Counter()
    quantizers: Counter = Counter()
    for seed in range(args.first, args.last):
        d = out / f"s{seed}"
        d.mkdir(parents=True, exist_ok=True)
        model, shape = build(seed, args.unit_kernels)
        for layer in model.layers:
            q = getattr(layer, "kernel_quantizer_internal", None)
            if q is not None:
                quantizers[f"{type(q).__name__}(alpha={getattr(q, 'alpha', None)})"] += 1
        model.save(d / "m.h5", save_format="h5")
        np.save(d / "X.npy", np.random.default_rng(seed).normal(0, 2, (60, *shape)).astype(np.float32))
        opts = OPTIONS[seed % len(OPTIONS)]
        rc = flow(["verify", str(d / "m.h5"), "--data", str(d / "X.npy"), "--out", str(d / "o"), "--no-progress", "-q", *opts])
        if not (d / "o" / "report.json").exists():
            counts["refused by name" if rc == 1 else "failed"] += 1
            print(f"model {seed} {' '.join(opts)}: refused (exit {rc})")
            continue
        be = json.loads((d / "o" / "report.json").read_text())["bit_exact"]
        counts["bit-exact" if be["exact"] else "NOT bit-exact"] += 1
        flow(["estimate", str(d / "m.h5"), "--out", str(d / "est"), "-q", *opts])
        flow(["estimate", str(d / "o" / "hls_project"), "--out", str(d / "est_prj"), "-q"])
        a, b = (json.loads((d / x / "resources.json").read_text())["total"] for x in ("est", "est_prj"))
        same = all(a[k] == b[k] for k in KEYS)
        counts["model == project" if same else "model != project"] += 1
        alphas = [n for n in be["layers"] if n.endswith("_alpha")]
        print(f"model {seed} {' '.join(opts)}: {'bit-exact' if be['exact'] else 'NOT bit-exact: ' + be['diagnosis']}; "
              f"_alpha nodes {alphas}; estimate {'model == project' if same else f'model {a} != project {b}'}")
    print(f"\nkernel quantizers: {dict(quantizers)}")
    print(f"models {args.first}..{args.last - 1}: {dict(counts)}  (in {out})")
    return 0 if counts["NOT bit-exact"] == counts["model != project"] == counts["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
