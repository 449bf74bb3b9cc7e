"""`search.engine: autoqkeras`: QKeras' own AutoQKeras on the same layers, widths and trial budget.

AutoQKeras proposes and trains quantized models (keras-tuner, goal 'bits' or 'energy'); every
configuration it tried is then re-evaluated by the flow exactly like an optuna trial (fine-tuned
from the trained student, pruning kept, our cost metrics on the planned HLS design) and added to
the same optuna study, so the Pareto/selection/report machinery is shared.

Four known AutoQKeras problems and what this module does about them:
1. `model_quantize` fails with "Could not locate class 'QDense'" (google/qkeras#126): the QKeras
   names are registered with tf.keras.utils.get_custom_objects() before it rebuilds models. With
   Keras 2.14 that is not enough (the JSON keeps the float layer's `module: keras.layers` and
   `registered_name: null`, so the lookup ignores custom objects): the rebuilt JSON also gets
   `registered_name` set to the QKeras class name.
2. Every trial reuses the reference model's optimizer (a Keras 2.11+ optimizer is bound to the
   first model's variables): the reference is compiled with tf.keras.optimizers.legacy.Adam.
3. The 'bits' goal crashes on a QActivation built from a quantizer object: quantizers are given as
   strings.
4. With Dense(activation='relu') sampled activation widths are silently ignored: the reference
   model has separate Activation layers (as the flow's student does).
AutoQKeras cannot search per-layer sparsity, nor integer bits independently of the width (each
candidate string fixes both): see docs/search.md.
"""

from __future__ import annotations

import contextlib
import io
import logging
import time
from pathlib import Path
from typing import Iterator

from flow.config import FlowConfig, Quantizer

log = logging.getLogger(__name__)


class _LogLines(io.TextIOBase):
    """A text stream that logs each complete line at debug level."""

    def __init__(self, logger: logging.Logger) -> None:
        super().__init__()
        self._logger, self._buf = logger, ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._buf += text
        *lines, self._buf = self._buf.split("\n")
        for line in lines:
            if line.strip():
                self._logger.debug("%s", line.rstrip())
        return len(text)

    def flush(self) -> None:
        if self._buf.strip():
            self._logger.debug("%s", self._buf.rstrip())
        self._buf = ""


@contextlib.contextmanager
def stdout_to_log(logger: logging.Logger = log) -> Iterator[None]:
    """AutoQKeras and keras-tuner print pages of model and search summaries on stdout: send them to
    the log at debug level (shown with -vv), where they do not bury the flow's own output."""
    if logger.isEnabledFor(logging.DEBUG):
        yield
        return
    stream = _LogLines(logger)
    try:
        with contextlib.redirect_stdout(stream):
            yield
    finally:
        stream.flush()


def _goal(kind: str) -> dict:
    if kind == "bits":
        return {"type": "bits", "params": {"delta_p": 8.0, "delta_n": 8.0, "rate": 2.0, "stress": 1.0, "input_bits": 8,
                                           "output_bits": 8, "ref_bits": 8, "config": {"default": ["parameters", "activations"]}}}  # fmt: skip
    return {"type": "energy", "params": {"delta_p": 8.0, "delta_n": 8.0, "rate": 2.0, "stress": 1.0, "process": "horowitz",
                                         "parameters_on_memory": ["sram", "sram"], "activations_on_memory": ["sram", "sram"],
                                         "rd_wr_on_io": [False, False], "min_sram_size": [0, 0], "source_quantizers": ["int8"],
                                         "reference_internal": "int8", "reference_accumulator": "int32"}}  # fmt: skip


def _patch_model_from_json(names: set[str]) -> None:
    """Fix 1 for Keras >= 2.13: name QKeras classes in the JSON model_quantize rebuilds from."""
    import json

    import qkeras.utils as qutils

    if getattr(qutils.model_from_json, "_flow_patched", False):
        return
    original = qutils.model_from_json

    def _name_classes(o):  # noqa: ANN001, ANN202
        if isinstance(o, dict):
            if o.get("class_name") in names and not o.get("registered_name"):
                o["registered_name"] = o["class_name"]
            for v in o.values():
                _name_classes(v)
        elif isinstance(o, list):
            for v in o:
                _name_classes(v)

    def model_from_json(json_string, custom_objects=None):  # noqa: ANN001, ANN202
        data = json.loads(json_string)
        _name_classes(data)
        return original(json.dumps(data), custom_objects=custom_objects)

    model_from_json._flow_patched = True  # type: ignore[attr-defined]
    qutils.model_from_json = model_from_json


def reference_model(cfg: FlowConfig, student, n_features: int, n_classes: int):
    """Float Dense + separate Activation layers with the student's names and float weights."""
    import tensorflow as tf

    from flow.model import INPUT_NAME, SOFTMAX_NAME, act_name

    x = inp = tf.keras.Input((n_features,), name=INPUT_NAME)
    for layer in cfg.model.layers:
        x = tf.keras.layers.Dense(layer.units, name=layer.name)(x)
        if layer is not cfg.model.layers[-1]:
            x = tf.keras.layers.Activation("relu", name=act_name(layer.name))(x)  # fix 4
    x = tf.keras.layers.Activation("softmax", name=SOFTMAX_NAME)(x)
    model = tf.keras.Model(inp, x, name="reference")
    src = {layer.name: layer for layer in student.layers if type(layer).__name__ == "QDense"}
    for layer in cfg.model.layers:
        model.get_layer(layer.name).set_weights([src[layer.name].kernel.numpy(), src[layer.name].bias.numpy()])
    return model


def quantization_space(cfg: FlowConfig, space: dict[str, dict[str, list]]) -> tuple[dict, dict]:
    """(quantization_config, limit) for AutoQKeras: candidate quantizers as strings (fix 3), per layer."""
    qc: dict[str, dict[str, int]] = {"kernel": {}, "bias": {}, "activation": {}, "linear": {}}
    limit: dict[str, list] = {}
    model_layers = {layer.name: layer for layer in cfg.model.layers}
    for name, fields in space.items():
        lists = {}
        for f, qtype in (("kernel", "quantized_bits"), ("bias", "quantized_bits"), ("activation", None)):
            if f"{f}_bits" not in fields:
                continue
            if qtype is None:
                qtype = cfg.model.activation(model_layers[name]).type
            strs = []
            for b in fields[f"{f}_bits"]:
                for i in fields[f"{f}_integer"]:
                    s = Quantizer(type=qtype, bits=b, integer=i).qkeras()
                    qc[f][s] = b
                    strs.append(s)
            lists[f] = strs
        from flow.model import act_name

        # a Dense layer's entry is [kernel, bias, activation]; its separate activation layer's is [activation]
        limit[f"^{name}$"] = [lists["kernel"], lists["bias"], lists.get("activation", lists["bias"])]
        if "activation" in lists:
            limit[f"^{act_name(name)}$"] = [lists["activation"]]
    return qc, limit


def choice_from_model(qmodel, space: dict[str, dict[str, list]]) -> dict:
    """Read back the widths AutoQKeras put in a model, as a flow choice."""
    from flow.model import act_name

    choice: dict = {}
    layers = {layer.name: layer for layer in qmodel.layers}
    for name, fields in space.items():
        c: dict = {}
        dense = layers[name]
        for f, attr in (("kernel", "kernel_quantizer_internal"), ("bias", "bias_quantizer_internal")):
            q = getattr(dense, attr, None)
            if q is not None:
                c[f] = [int(q.bits), int(q.integer)]
        if "activation_bits" in fields and act_name(name) in layers:
            q = getattr(layers[act_name(name)], "quantizer", None)
            if q is not None and hasattr(q, "bits"):
                c["activation"] = [int(q.bits), int(q.integer)]
        choice[name] = c
    return choice


def run_autoqkeras(cfg: FlowConfig, run_dir: Path, study, evaluator) -> int:
    """Run AutoQKeras for the remaining trial budget; add its configurations to `study`."""
    with stdout_to_log():
        return _run_autoqkeras(cfg, run_dir, study, evaluator)


def _run_autoqkeras(cfg: FlowConfig, run_dir: Path, study, evaluator) -> int:
    import json

    import optuna
    import tensorflow as tf
    from qkeras.autoqkeras import AutoQKeras

    from flow.model import custom_objects
    from flow.search import count_finished, search_space, settings_of

    s = settings_of(cfg)
    remaining = s.n_trials - count_finished(study)
    if remaining <= 0:
        return 0
    objs = custom_objects()
    tf.keras.utils.get_custom_objects().update(objs)  # fix 1 (google/qkeras#126)
    _patch_model_from_json(set(objs))
    split = evaluator.split
    space = search_space(cfg, s)
    ref = reference_model(cfg, evaluator.student, split.n_features, split.n_classes)
    ref.compile(optimizer=tf.keras.optimizers.legacy.Adam(cfg.train.student.learning_rate),  # fix 2
                loss="sparse_categorical_crossentropy", metrics=["acc"])  # fmt: skip
    qc, limit = quantization_space(cfg, space)
    seed = (s.seed if s.seed is not None else cfg.seed) + len(study.get_trials(deepcopy=False))
    out_dir = Path(run_dir).resolve() / "autoqkeras" / f"{study.study_name}-{int(time.time())}"
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tf.keras.utils.set_random_seed(seed)
    autoqk = AutoQKeras(
        ref, metrics=["acc"], custom_objects=objs, goal=_goal(s.autoqkeras.goal), output_dir=str(out_dir),
        mode=s.autoqkeras.mode, transfer_weights=True, limit=limit, tune_filters="none", tune_filters_exceptions="",
        quantization_config=qc, learning_rate_optimizer=False, max_trials=remaining, seed=seed,
    )  # fmt: skip
    deadline = time.time() + s.timeout_s if s.timeout_s else None
    tuner = autoqk.tuner

    class _Deadline(tf.keras.callbacks.Callback):
        """keras-tuner has no time budget: once past it, let no further trial start."""

        def on_epoch_end(self, epoch, logs=None):  # noqa: ANN001
            if deadline is not None and time.time() > deadline:
                tuner.oracle.max_trials = len(tuner.oracle.trials)

    autoqk.fit(split.X_train, split.y_train, validation_data=(split.X_val, split.y_val),
               batch_size=cfg.train.student.batch_size, epochs=s.fine_tune_epochs, verbose=0, callbacks=[_Deadline()])  # fmt: skip
    seen: dict[str, dict] = {}
    ran = 0
    for kt_trial in tuner.oracle.trials.values():
        if kt_trial.status != "COMPLETED":
            continue
        ran += 1
        qmodel = tuner.hypermodel.build(kt_trial.hyperparameters)
        choice = choice_from_model(qmodel, space)
        key = json.dumps(choice, sort_keys=True)
        if key in seen:
            continue
        ev = evaluator.evaluate(choice)
        seen[key] = {"trial": kt_trial.trial_id}
        attrs = {"choice": choice, "costs": ev.costs, "test_accuracy": ev.test_accuracy, "sparsity": ev.sparsity,
                 "engine": "autoqkeras", "autoqkeras_trial": kt_trial.trial_id, "autoqkeras_score": kt_trial.score}  # fmt: skip
        study.add_trial(optuna.trial.create_trial(values=[ev.val_accuracy, ev.costs["cost"]], user_attrs=attrs))
        log.info("autoqkeras trial %s: val acc %.4f, %s %.0f", kt_trial.trial_id, ev.val_accuracy, s.cost.metric, ev.costs["cost"])
    return ran
