"""Random float Keras models (Dense, Conv1D/Conv2D, depthwise and separable convolutions, batch
normalization, pooling, padding, up-sampling, skip connections, lookup-table and parametrized
activations) under random io_type / strategy / reuse factor / backend settings. For each, `flow
estimate MODEL` must equal, layer by layer, `flow estimate PROJECT` of the project hls4ml 1.3.0
writes for it with config_from_keras_model(granularity='model') -- or refuse the model by name
(a ModelError, exit 1). Nothing is compiled, so a model takes a few seconds.

    python bench/sweep_float_models.py [--first 0] [--last 40] [--out DIR]

Prints one line a model and the counts; exit 1 when a model's estimate differs from its project's
or something fails without a ModelError.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

KEYS = ("LUT", "FF", "DSP", "BRAM_18K", "latency_cycles", "ii")
HIDDEN = ("relu", "linear", "tanh", "sigmoid", "elu", "selu", "softplus", "softsign", "leaky", "prelu", "bn_relu")


def _activation(L, x, rng, name: str):
    kind = HIDDEN[int(rng.integers(0, len(HIDDEN)))]
    if kind == "leaky":
        return L.LeakyReLU(float(rng.choice([0.1, 0.3])), name=name)(x)
    if kind == "prelu":
        return L.PReLU(name=name)(x)
    if kind == "bn_relu":
        x = L.BatchNormalization(name=name + "_bn")(x)
        return L.Activation("relu", name=name)(x)
    return L.Activation(kind, name=name)(x)


def build(seed: int):
    """Model `seed`: an MLP, a Conv1D or a Conv2D network."""
    import tensorflow as tf

    L = tf.keras.layers
    rng = np.random.default_rng(seed)
    tf.keras.utils.set_random_seed(seed)
    kind = ("mlp", "conv1d", "conv2d")[seed % 3]
    if kind == "mlp":
        x = inp = tf.keras.Input((int(rng.integers(4, 17)),), name="x")
        for i in range(int(rng.integers(1, 4))):
            x = L.Dense(int(rng.integers(3, 17)), name=f"d{i}")(x)
            x = _activation(L, x, rng, f"a{i}")
            if rng.random() < 0.2:
                x = L.Dropout(0.1, name=f"drop{i}")(x)
    else:
        two = kind == "conv2d"
        conv = L.Conv2D if two else L.Conv1D
        shape = (int(rng.integers(6, 11)), int(rng.integers(6, 11)), int(rng.integers(1, 4))) if two \
            else (int(rng.integers(8, 17)), int(rng.integers(1, 4)))
        x = inp = tf.keras.Input(shape, name="x")
        if rng.random() < 0.2:
            x = (L.ZeroPadding2D(1, name="zp") if two else L.ZeroPadding1D(1, name="zp"))(x)
        for i in range(int(rng.integers(1, 3))):
            pick = rng.random()
            if two and pick < 0.15:
                x = L.DepthwiseConv2D(3, padding="same", name=f"c{i}")(x)
            elif two and pick < 0.3:
                x = L.SeparableConv2D(int(rng.integers(2, 6)), 3, padding="same", name=f"c{i}")(x)
            else:
                x = conv(int(rng.integers(2, 6)), int(rng.choice([1, 2, 3])), strides=int(rng.choice([1, 1, 2])),
                         padding=str(rng.choice(["valid", "same"])), name=f"c{i}")(x)
            x = _activation(L, x, rng, f"a{i}")
            if rng.random() < 0.25:
                skip = conv(int(x.shape[-1]), 1, name=f"skip{i}")(x)
                x = L.Add(name=f"add{i}")([x, skip])
            if rng.random() < 0.4 and min(x.shape[1:-1]) >= 4:
                pool = (L.MaxPooling2D, L.AveragePooling2D) if two else (L.MaxPooling1D, L.AveragePooling1D)
                x = pool[int(rng.integers(0, 2))](2, name=f"p{i}")(x)
            elif rng.random() < 0.1:
                x = (L.UpSampling2D(2, name=f"up{i}") if two else L.UpSampling1D(2, name=f"up{i}"))(x)
        end = rng.random()
        if end < 0.6:
            x = L.Flatten(name="f")(x)
        elif end < 0.8:
            x = (L.GlobalAveragePooling2D if two else L.GlobalAveragePooling1D)(name="g")(x)
        else:
            x = (L.GlobalMaxPooling2D if two else L.GlobalMaxPooling1D)(name="g")(x)
    x = L.Dense(int(rng.integers(2, 6)), name="out")(x)
    if rng.random() < 0.5:
        x = L.Activation(str(rng.choice(["softmax", "sigmoid"])), name="out_act")(x)
    model = tf.keras.Model(inp, x)
    for layer in model.layers:  # trained-looking statistics, so no batch normalization is an identity
        if isinstance(layer, L.BatchNormalization):
            n = layer.get_weights()[0].shape
            layer.set_weights([rng.uniform(0.5, 2, n), rng.normal(0, 0.3, n), rng.normal(0, 0.3, n), rng.uniform(0.5, 2, n)])
    return model


def settings(seed: int) -> dict:
    rng = np.random.default_rng(10_000 + seed)
    return {"io_type": str(rng.choice(["io_parallel", "io_stream"])), "strategy": str(rng.choice(["Latency", "Resource"])),
            "reuse_factor": int(rng.choice([1, 1, 2, 3, 4])), "backend": str(rng.choice(["Vivado", "Vitis"]))}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--last", type=int, default=40, help="models first..last-1")
    ap.add_argument("--out", default=None, help="where the projects go (default: a temporary directory)")
    args = ap.parse_args(argv)
    import hls4ml

    from flow.errors import FlowError
    from flow.verify import estimate_model, estimate_project

    out = Path(args.out or tempfile.mkdtemp(prefix="sweep_float_"))
    counts: Counter = Counter()
    for seed in range(args.first, args.last):
        d = out / f"s{seed}"
        d.mkdir(parents=True, exist_ok=True)
        model, s = build(seed), settings(seed)
        model.save(d / "m.h5", save_format="h5")
        label = f"model {seed} ({', '.join(str(v) for v in s.values())}; {len(model.layers)} layers)"
        try:
            est = estimate_model(model_path=d / "m.h5", out_dir=None, hls_options=s)
        except FlowError as exc:
            counts["refused by name"] += 1
            print(f"{label}: refused: {str(exc).splitlines()[0][:160]}")
            continue
        try:
            cfg = hls4ml.utils.config_from_keras_model(model, granularity="model", default_precision="ap_fixed<16,6>",
                                                       backend=s["backend"])
            cfg["Model"].update(Strategy=s["strategy"], ReuseFactor=s["reuse_factor"])
            hls4ml.converters.convert_from_keras_model(model, hls_config=cfg, output_dir=str(d / "prj"), io_type=s["io_type"],
                                                       backend=s["backend"], part="xcvu13p-flga2577-2-e").write()
        except Exception as exc:  # noqa: BLE001 - hls4ml raises anything; counted and shown, not hidden
            counts["hls4ml cannot convert"] += 1
            print(f"{label}: hls4ml cannot convert it ({type(exc).__name__}: {str(exc)[:120]}); flow estimate priced it")
            continue
        try:
            ref = estimate_project(project_dir=d / "prj", out_dir=None)
        except Exception:  # noqa: BLE001
            counts["project not read"] += 1
            print(f"{label}: the project was not read:\n{traceback.format_exc(limit=3)}")
            continue
        got = [[round(v.get(k) or 0) for k in KEYS] for v in est["layers"].values()]
        want = [[round(v.get(k) or 0) for k in KEYS] for v in ref["layers"].values()]
        same = got == want and all(est["total"].get(k) == ref["total"].get(k) for k in KEYS)
        counts["model == project" if same else "model != project"] += 1
        if same:
            print(f"{label}: model == project (LUT {est['total']['LUT']}, {est['total']['latency_cycles']} cycles)")
        else:
            diff = [(a, g, w) for a, g, w in zip(est["layers"], got, want) if g != w] if len(got) == len(want) else \
                f"{list(est['layers'])} vs {list(ref['layers'])}"
            print(f"{label}: model != project: {diff}")
    print(f"\nmodels {args.first}..{args.last - 1}: {dict(counts)}  (in {out})")
    bad = counts["model != project"] + counts["project not read"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
