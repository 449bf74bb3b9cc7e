"""Quantization-aware pruning (Hawks et al. 2021) with tensorflow-model-optimization.

Masks are applied to the float kernel before QKeras quantizes it, so pruned weights quantize to
exactly zero; `strip` removes the wrappers after training, keeping the zeros.
"""

from __future__ import annotations

from flow.config import PruningConfig


def layer_sparsity(cfg: PruningConfig, layer_name: str) -> float:
    return cfg.per_layer.get(layer_name, cfg.target_sparsity)


def schedule(cfg: PruningConfig, target: float, total_steps: int, *, initial: float = 0.0):
    """tfmot schedule for one layer; `initial` is the sparsity the layer already has (warm starts)."""
    import tensorflow_model_optimization as tfmot

    begin = int(cfg.begin_fraction * total_steps)
    window = max(1, int(cfg.end_fraction * total_steps) - begin)
    # tfmot updates masks only when (step - begin) % frequency == 0: align the end of the window
    # to an update step, or the final target is silently never reached (and keep >= 4 updates)
    frequency = max(1, min(cfg.frequency, window // 4))
    end = begin + max(1, window // frequency) * frequency
    if cfg.schedule == "constant" or target <= initial:
        return tfmot.sparsity.keras.ConstantSparsity(target, begin_step=begin, frequency=frequency)
    return tfmot.sparsity.keras.PolynomialDecay(
        initial_sparsity=initial, final_sparsity=target, begin_step=begin, end_step=end, frequency=frequency
    )


def wrap_for_pruning(layer, layer_name: str, cfg: PruningConfig, total_steps: int, *, initial: float = 0.0):
    """Wrap one Dense/QDense layer; a target of 0 leaves it unwrapped."""
    import tensorflow_model_optimization as tfmot

    target = layer_sparsity(cfg, layer_name)
    if target <= 0:
        return layer
    return tfmot.sparsity.keras.prune_low_magnitude(layer, pruning_schedule=schedule(cfg, target, max(total_steps, 2), initial=initial))


def callbacks() -> list:
    import tensorflow_model_optimization as tfmot

    return [tfmot.sparsity.keras.UpdatePruningStep()]


def strip(model):
    """Remove pruning wrappers, returning a model whose layers are all its own.

    tfmot's strip_pruning reuses the unwrapped layers, which then belong to two graphs (layer.input
    becomes ambiguous); a clone with copied weights does not.
    """
    import tensorflow as tf
    import tensorflow_model_optimization as tfmot

    from flow.model import custom_objects

    with tf.keras.utils.custom_object_scope(custom_objects()):
        stripped = tfmot.sparsity.keras.strip_pruning(model)
        fresh = tf.keras.models.clone_model(stripped)
    fresh.set_weights(stripped.get_weights())
    return fresh


def sparsity_per_layer(model) -> dict[str, float]:
    """Fraction of exactly-zero quantized weights per Dense layer (what the FPGA sees)."""
    import numpy as np

    from flow.model import quantized_weights

    return {name: float(np.mean(k == 0)) for name, (k, _) in quantized_weights(model).items()}
