"""Training: the float teacher and the QKeras student (pruning, optional distillation).

Both are seeded and deterministic. The student is trained through a weight-sharing logits view so
plain CE and distillation use the same path; pruning wrappers are stripped afterwards.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from flow.config import ModelConfig, PruningConfig, StudentConfig, TeacherConfig
from flow.data import Split

log = logging.getLogger(__name__)


@dataclass
class TrainResult:
    model: object  # the stripped student (Keras model, softmax head when configured)
    test_accuracy: float
    val_accuracy: float
    history: dict = field(default_factory=dict)


def _progress(desc: str, enabled: bool) -> list:
    """The progress bar, and a check that re-raises a Ctrl-C/SIGTERM TensorFlow's C++ swallowed
    (the interrupt handler ignores repeats, so a swallowed one would leave the run unstoppable)."""
    import tensorflow as tf

    from flow.search import raise_if_signalled

    class _Interrupted(tf.keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            raise_if_signalled()

    if not enabled:
        return [_Interrupted()]
    from tqdm.keras import TqdmCallback

    return [_Interrupted(), TqdmCallback(verbose=0, desc=desc, leave=False)]


def accuracy_of(logits: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(logits, axis=1) == y)) if len(y) else float("nan")


def train_teacher(split: Split, model_cfg: ModelConfig, cfg: TeacherConfig, *, seed: int, progress: bool = True):
    """Float teacher; returns (model, test accuracy)."""
    import tensorflow as tf

    from flow.model import build_teacher, seed_everything

    seed_everything(seed)
    teacher = build_teacher(model_cfg, split.n_features, split.n_classes)
    teacher.compile(
        optimizer=tf.keras.optimizers.Adam(cfg.learning_rate),
        loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    teacher.fit(
        split.X_train, split.y_train, epochs=cfg.epochs, batch_size=cfg.batch_size, shuffle=True, verbose=0,
        callbacks=_progress("teacher", progress),
    )  # fmt: skip
    acc = accuracy_of(teacher.predict(split.X_test, verbose=0), split.y_test)
    log.info("teacher test accuracy %.4f", acc)
    return teacher, acc


def train_student(
    split: Split,
    model_cfg: ModelConfig,
    cfg: StudentConfig,
    pruning: PruningConfig,
    *,
    seed: int,
    teacher_logits: np.ndarray | None = None,
    temperature: float = 4.0,
    alpha: float = 0.5,
    init_from=None,
    epochs: int | None = None,
    progress: bool = True,
    desc: str = "student",
    callbacks: list | None = None,
) -> TrainResult:
    """Quantization-aware training with pruning; distillation when `teacher_logits` is given.

    `init_from`: a trained student whose kernels/biases seed this one (search trials fine-tune
    from the trained weights instead of training from scratch). Its zeros are kept: pruning then
    starts at the target sparsity.
    """
    import tensorflow as tf

    from flow import distill, prune
    from flow.model import build_student, seed_everything

    seed_everything(seed)
    n_epochs = epochs if epochs is not None else cfg.epochs
    steps = int(np.ceil(len(split.y_train) / cfg.batch_size)) * n_epochs
    initial = None
    if init_from is not None and pruning.enabled:
        # warm start: ramp each layer from the sparsity it already has to its target over the
        # first part of the fine-tune (an abrupt re-prune at step 0 costs more accuracy than a
        # few epochs recover); layers already at or above their target keep it constant
        from flow.prune import sparsity_per_layer

        initial = sparsity_per_layer(init_from)
        pruning = pruning.model_copy(update={"begin_fraction": 0.0, "end_fraction": min(pruning.end_fraction, 0.5)})
    model, logits = build_student(model_cfg, split.n_features, split.n_classes, pruning=pruning, pruning_steps=steps, initial_sparsity=initial)
    if init_from is not None:
        _copy_dense_weights(init_from, model)

    n = split.n_classes
    y_train = distill.pack_targets(split.y_train, n, teacher_logits)
    loss = distill.kd_loss(n, temperature=temperature, alpha=alpha) if teacher_logits is not None else distill.ce_loss()
    logits.compile(optimizer=tf.keras.optimizers.Adam(cfg.learning_rate), loss=loss, metrics=[distill.label_accuracy(n)])
    cbs = list(callbacks or [])
    if pruning.enabled:
        cbs += prune.callbacks()
    hist = logits.fit(
        split.X_train, y_train, epochs=n_epochs, batch_size=cfg.batch_size, shuffle=True, verbose=0,
        callbacks=cbs + _progress(desc, progress),
    )  # fmt: skip
    stripped = prune.strip(model) if pruning.enabled else model
    from flow.model import logits_model

    lm = logits_model(stripped)
    test_acc = accuracy_of(lm.predict(split.X_test, verbose=0), split.y_test)
    val_acc = accuracy_of(lm.predict(split.X_val, verbose=0), split.y_val) if len(split.y_val) else float("nan")
    history = {k: [float(v) for v in vals] for k, vals in hist.history.items()}
    log.info("%s test accuracy %.4f", desc, test_acc)
    return TrainResult(stripped, test_acc, val_acc, history)


def _copy_dense_weights(src, dst) -> None:
    """Copy kernel/bias by layer name (through pruning wrappers on either side)."""

    def dense_layers(model):
        out = {}
        for layer in model.layers:
            inner = getattr(layer, "layer", layer)
            if type(inner).__name__ in {"QDense", "Dense"}:
                out[inner.name] = inner
        return out

    s, d = dense_layers(src), dense_layers(dst)
    for name, layer in d.items():
        if name in s:
            layer.kernel.assign(s[name].kernel)
            if layer.use_bias and s[name].use_bias:
                layer.bias.assign(s[name].bias)
