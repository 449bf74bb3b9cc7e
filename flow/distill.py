"""Knowledge distillation (Hinton et al. 2015) as a plain Keras loss.

The student trains on targets that pack the one-hot labels and the teacher's logits side by
side, so model.fit, pruning callbacks and the progress bar work unchanged:
    loss = alpha * CE(labels, student) + (1 - alpha) * T^2 * KL(softmax(teacher/T) || softmax(student/T))
"""

from __future__ import annotations

import numpy as np


def pack_targets(y: np.ndarray, n_classes: int, teacher_logits: np.ndarray | None) -> np.ndarray:
    onehot = np.eye(n_classes, dtype=np.float32)[y]
    if teacher_logits is None:
        return onehot
    return np.concatenate([onehot, teacher_logits.astype(np.float32)], axis=1)


def kd_loss(n_classes: int, *, temperature: float, alpha: float):
    import tensorflow as tf

    T = float(temperature)

    def loss(y_true, logits):
        labels, teacher = y_true[:, :n_classes], y_true[:, n_classes:]
        ce = tf.keras.losses.categorical_crossentropy(labels, logits, from_logits=True)
        p_t = tf.nn.softmax(teacher / T)
        log_p_t = tf.nn.log_softmax(teacher / T)
        log_p_s = tf.nn.log_softmax(logits / T)
        kl = tf.reduce_sum(p_t * (log_p_t - log_p_s), axis=-1)
        return alpha * ce + (1.0 - alpha) * T * T * kl

    return loss


def ce_loss():
    import tensorflow as tf

    return tf.keras.losses.CategoricalCrossentropy(from_logits=True)


def label_accuracy(n_classes: int):
    """Accuracy against the label half of packed targets."""
    import tensorflow as tf

    def accuracy(y_true, logits):
        return tf.cast(tf.equal(tf.argmax(y_true[:, :n_classes], axis=-1), tf.argmax(logits, axis=-1)), tf.float32)

    return accuracy
