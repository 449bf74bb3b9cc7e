"""Build the float teacher and the heterogeneously quantized QKeras student from the config.

Student layout (names are what hls4ml and the trace comparison see):
    features -> input_q (QActivation, input quantizer) -> [QDense <name> -> QActivation <name>_act]*
    -> QDense <last> (logits) -> Activation softmax (if model.output == 'softmax')
Activations are separate layers: hls4ml traces each, and AutoQKeras needs them separate.
"""

from __future__ import annotations

import os
import re
import weakref
from pathlib import Path
from typing import Any

from flow.config import ModelConfig, PruningConfig
from flow.errors import ModelError
from flow.quant import make_qkeras

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

INPUT_NAME = "features"
INPUT_QUANT_NAME = "input_q"
SOFTMAX_NAME = "softmax"


def act_name(layer_name: str) -> str:
    return f"{layer_name}_act"


def seed_everything(seed: int) -> None:
    """Same seed, same weights, same result (TF op determinism on CPU)."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    try:
        tf.config.experimental.enable_op_determinism()
    except AttributeError:  # pragma: no cover - older TF
        pass


def custom_objects() -> dict[str, Any]:
    """Everything needed to load/clone a QKeras model with pruning wrappers."""
    from qkeras.utils import _add_supported_quantized_objects

    objs: dict[str, Any] = {}
    _add_supported_quantized_objects(objs)
    try:
        from tensorflow_model_optimization.python.core.sparsity.keras.pruning_wrapper import PruneLowMagnitude

        objs["PruneLowMagnitude"] = PruneLowMagnitude
    except ImportError:  # pragma: no cover
        pass
    return objs


def build_teacher(cfg: ModelConfig, n_inputs: int, n_classes: int):
    """Float Keras MLP with the student's shape (times a width multiplier); outputs logits."""
    import tensorflow as tf

    x = inp = tf.keras.Input((n_inputs,), name=INPUT_NAME)
    for layer in cfg.layers[:-1]:
        units = max(1, int(round(layer.units * cfg.teacher_width_multiplier)))
        x = tf.keras.layers.Dense(units, activation="relu", name=f"t_{layer.name}")(x)
    x = tf.keras.layers.Dense(n_classes, name=f"t_{cfg.layers[-1].name}")(x)
    return tf.keras.Model(inp, x, name="teacher")


def build_student(
    cfg: ModelConfig,
    n_inputs: int,
    n_classes: int,
    *,
    pruning: PruningConfig | None = None,
    pruning_steps: int = 0,
    initial_sparsity: dict[str, float] | None = None,
):
    """The QKeras student. With `pruning`, Dense layers are wrapped in tfmot's prune_low_magnitude.

    Returns (model, logits_model): the full model (with softmax when configured) and a model
    sharing its weights that outputs logits, which is what the losses train.
    """
    import tensorflow as tf
    from qkeras import QActivation, QDense

    from flow.prune import wrap_for_pruning

    last = cfg.layers[-1]
    if last.units != n_classes:
        from flow.errors import ConfigError

        raise ConfigError(
            f"model.layers[-1].units = {last.units} but the data have {n_classes} classes",
            fix=f"set the last layer's units to {n_classes}",
        )
    x = inp = tf.keras.Input((n_inputs,), name=INPUT_NAME)
    x = QActivation(make_qkeras(cfg.input_quantizer), name=INPUT_QUANT_NAME)(x)
    for layer in cfg.layers:
        dense = QDense(
            layer.units,
            kernel_quantizer=make_qkeras(cfg.kernel(layer)),
            bias_quantizer=make_qkeras(cfg.bias(layer)),
            kernel_initializer="lecun_uniform",
            name=layer.name,
        )
        if pruning is not None and pruning.enabled:
            dense = wrap_for_pruning(dense, layer.name, pruning, pruning_steps, initial=(initial_sparsity or {}).get(layer.name, 0.0))
        x = dense(x)
        if layer is last:
            logits = x
        else:
            act = cfg.activation(layer)
            x = QActivation(make_qkeras(act), name=act_name(layer.name))(x)
    out = tf.keras.layers.Activation("softmax", name=SOFTMAX_NAME)(logits) if cfg.output == "softmax" else logits
    model = tf.keras.Model(inp, out, name="student")
    return model, tf.keras.Model(inp, logits, name="student_logits")


def logits_model(model):
    """A weight-sharing view of a (stripped) student that outputs the logits."""
    import tensorflow as tf

    if model.layers[-1].name == SOFTMAX_NAME:
        return tf.keras.Model(model.input, model.layers[-1].input)
    return model


def save_model(model, path: Path) -> None:
    """Save as Keras HDF5 (what hls4ml and QKeras users exchange), atomically."""
    from flow.artifacts import atomic_path

    with atomic_path(path) as tmp:
        model.save(tmp, include_optimizer=False, save_format="h5")


def load_model(path: Path):
    """Load a QKeras .h5 model saved by the flow or by a user."""
    import tensorflow as tf

    with tf.keras.utils.custom_object_scope(custom_objects()):
        return tf.keras.models.load_model(path, compile=False)


def as_functional(model):
    """A Sequential model as the equivalent functional one (twin layers, same configs and weights).

    The flow walks `model.layers` from the InputLayer, which a Sequential model does not list;
    hls4ml converts both forms alike. Other models are returned unchanged.
    """
    import tensorflow as tf

    if not isinstance(model, tf.keras.Sequential) or (model.layers and type(model.layers[0]).__name__ == "InputLayer"):
        return model
    try:
        shape = model.input_shape
    except (AttributeError, RuntimeError, ValueError):
        raise ModelError("the Sequential model has no input shape", where=model.name,
                         fix="build it with tf.keras.Input(shape) first or input_shape= on its first layer") from None
    first = (model.get_config().get("layers") or [{}])[0]
    name = first.get("config", {}).get("name") if first.get("class_name") == "InputLayer" else None
    name = name or f"{model.layers[0].name}_input"
    if name == "input":  # hls4ml reserves it
        name = "features"
    # fresh layers from each one's config and weights: reusing the objects would leave their
    # `.output` on the Sequential graph, which the per-layer trace reads
    with tf.keras.utils.custom_object_scope(custom_objects()):
        inp = tf.keras.Input(shape=shape[1:], name=name)
        x = inp
        for layer in model.layers:
            twin = type(layer).from_config(layer.get_config())
            x = twin(x)
            twin.set_weights(layer.get_weights())
    return tf.keras.Model(inp, x, name=model.name)


#: the QKeras layers whose quantized kernel and bias the flow reads
WEIGHT_LAYERS = ("QDense", "QConv1D", "QConv2D", "QDepthwiseConv2D", "QSeparableConv1D", "QSeparableConv2D",
                 "QConv2DBatchnorm", "QDepthwiseConv2DBatchnorm")
#: QKeras layers with a batch normalization folded into their kernel and bias at inference, and
#: the layer hls4ml is given in their place (the same layer with the folded, quantized weights)
FOLDED_LAYERS = {"QConv2DBatchnorm": "QConv2D", "QDepthwiseConv2DBatchnorm": "QDepthwiseConv2D"}


def quantized_weights(model, *, name: str = "") -> dict[str, tuple[Any, Any]]:
    """{QDense/QConv layer name: (quantized kernel, quantized bias)} as float64 numpy arrays
    (a conv kernel keeps its Keras shape: (k, C_in, C_out) or (kh, kw, C_in, C_out); a
    QDepthwiseConv2D's is its depthwise kernel (kh, kw, C, 1)). A QSeparableConv is two entries, as
    hls4ml splits it: '<name>_depthwise' (its depthwise kernel, no bias) and '<name>_pointwise'
    (its 1x1 kernel and the bias)."""
    import numpy as np
    import tensorflow as tf

    out = {}
    where = f"{name}: " if name else ""
    for layer in model.layers:
        kind = type(layer).__name__
        if kind not in WEIGHT_LAYERS:
            continue
        bq = layer.bias_quantizer_internal
        if kind.startswith("QSeparable"):
            parts = [(f"{layer.name}_depthwise", layer.depthwise_quantizer_internal, layer.depthwise_kernel.numpy(), False),
                     (f"{layer.name}_pointwise", layer.pointwise_quantizer_internal, layer.pointwise_kernel.numpy(), True)]
        elif kind == "QDepthwiseConv2D":
            parts = [(layer.name, layer.depthwise_quantizer_internal, layer.depthwise_kernel.numpy(), True)]
        elif kind in FOLDED_LAYERS:
            # the kernel and bias QKeras computes with at inference: the moving statistics folded
            # in (its own get_folded_weights, the same TensorFlow ops as its call), then quantized
            k, b = (np.asarray(v) for v in layer.get_folded_weights())
            kq = layer.depthwise_quantizer_internal if "Depthwise" in kind else layer.kernel_quantizer_internal
            try:
                out[layer.name] = (np.asarray(kq(k) if kq is not None else k, dtype=np.float64),
                                   np.asarray(bq(b) if bq is not None else b, dtype=np.float64).reshape(-1))
            except (tf.errors.OpError, ValueError, TypeError) as exc:
                raise ModelError(f"QKeras cannot evaluate this layer's quantizers ({type(exc).__name__})",
                                 where=f"{where}layer {layer.name!r}", fix="use quantized_bits(bits, integer, alpha=1)") from None
            continue
        else:
            parts = [(layer.name, layer.kernel_quantizer_internal, layer.kernel.numpy(), True)]
        try:
            for key, kq, k, own_bias in parts:
                # a depthwise kernel (..., C, multiplier) has C x multiplier outputs
                n_out = k.shape[-2] * k.shape[-1] if "Depthwise" in kind or not own_bias else k.shape[-1]
                biased = own_bias and layer.use_bias
                b = layer.bias.numpy() if biased else np.zeros(n_out, dtype=np.float32)
                out[key] = (
                    np.asarray(kq(k) if kq is not None else k, dtype=np.float64),
                    np.asarray(bq(b) if bq is not None and biased else b, dtype=np.float64),
                )
        except (tf.errors.OpError, ValueError, TypeError) as exc:
            text = re.sub(r"\{\{.*?\}\}|\[Op:.*$", "", str(exc).splitlines()[0]).strip()  # TensorFlow's op plumbing
            raise ModelError(f"QKeras cannot evaluate this layer's quantizers ({type(exc).__name__}: {text[:200]})",
                             where=f"{where}layer {layer.name!r}", fix="use quantized_bits(bits, integer, alpha=1) with integer >= 0") from None
    return out


_FOR_HLS4ML: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def for_hls4ml(model):
    """`model` as hls4ml should be given it: every QConv2DBatchnorm / QDepthwiseConv2DBatchnorm
    replaced by the plain layer QKeras computes with at inference (same name, quantizers,
    activation; kernel and bias its folded, quantized ones), and every QDense on a sequence or
    image given its quantized weights; `model` itself when it has neither.

    hls4ml folds QConv2DBatchnorm itself, in numpy (1/sqrt where QKeras uses TensorFlow's rsqrt),
    which can round a weight that sits on a quantization boundary the other way; and it turns a
    QDense on a sequence into a 1x1 convolution that drops the quantizers and writes the float
    weights, rounded to as many decimals as the weight type has fractional bits, for the C++ to
    round onto the grid when it loads them: QKeras' rounding reached through two others. Weights
    already on their grid are written, and loaded, exactly."""
    def on_grid(layer) -> bool:
        return type(layer).__name__ == "QDense" and len(layer.input_shape) > 2

    if not any(type(layer).__name__ in FOLDED_LAYERS or on_grid(layer) for layer in model.layers):
        return model
    if model in _FOR_HLS4ML:  # hls_config and convert both ask for it: clone once
        return _FOR_HLS4ML[model]
    import numpy as np
    import qkeras
    import tensorflow as tf

    quantized = quantized_weights(model)

    def clone(layer):
        kind = type(layer).__name__
        if kind not in FOLDED_LAYERS:
            return layer.__class__.from_config(layer.get_config())
        cfg = layer.get_config()
        target = getattr(qkeras, FOLDED_LAYERS[kind])
        keys = ("name", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation", "bias_quantizer")
        keys += ("depth_multiplier", "depthwise_quantizer") if "Depthwise" in kind else ("filters", "kernel_quantizer")
        return target(**{k: cfg[k] for k in keys if k in cfg}, use_bias=True)

    new = tf.keras.models.clone_model(model, clone_function=clone)
    for layer in new.layers:
        old = model.get_layer(layer.name)
        if type(old).__name__ in FOLDED_LAYERS or on_grid(old):
            k, b = quantized[layer.name]
            layer.set_weights([k.astype(np.float32), b.astype(np.float32)][:len(layer.weights)])
        else:
            layer.set_weights(old.get_weights())
    _FOR_HLS4ML[model] = new
    return new
