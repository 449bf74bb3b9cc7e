"""train: the float teacher and the QKeras student (QAP; distillation when configured)."""

from __future__ import annotations

from flow.artifacts import write_json
from flow.data import Split
from flow.model import save_model
from flow.prune import sparsity_per_layer
from flow.train import train_student, train_teacher

SECTIONS = ("seed", "model", "train")
UPSTREAM = ("data",)


def run(ctx) -> dict:
    cfg = ctx.cfg
    split = Split.load(ctx.stage_dir("data") / "split.npz")
    teacher, teacher_acc = train_teacher(split, cfg.model, cfg.train.teacher, seed=cfg.seed, progress=ctx.progress)
    save_model(teacher, ctx.out / "teacher.h5")
    kd = cfg.train.distillation
    accuracy = {"float": teacher_acc}
    results = {}
    if kd.enabled:
        logits = teacher.predict(split.X_train, verbose=0)
        results["distilled"] = train_student(
            split, cfg.model, cfg.train.student, cfg.train.pruning, seed=cfg.seed, teacher_logits=logits,
            temperature=kd.temperature, alpha=kd.alpha, progress=ctx.progress, desc="student (distilled)",
        )  # fmt: skip
    if not kd.enabled or kd.compare_without:
        results["plain"] = train_student(split, cfg.model, cfg.train.student, cfg.train.pruning, seed=cfg.seed, progress=ctx.progress, desc="student")
    carried = results["distilled"] if kd.enabled else results["plain"]
    save_model(carried.model, ctx.out / "student.h5")
    if kd.enabled and "plain" in results:
        save_model(results["plain"].model, ctx.out / "student_without_distillation.h5")
    accuracy["qkeras"] = carried.test_accuracy
    summary = {
        "accuracy": accuracy,
        "students": {k: {"test_accuracy": r.test_accuracy, "val_accuracy": r.val_accuracy} for k, r in results.items()},
        "carried": "distilled" if kd.enabled else "plain",
        "sparsity": sparsity_per_layer(carried.model),
        "history": {k: r.history for k, r in results.items()},
    }
    write_json(ctx.out / "train.json", summary)
    return {"accuracy": accuracy}
