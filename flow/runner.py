"""Stage order, fingerprints and resume.

Each stage writes into `<run>/.<stage>.partial/` and is swapped into `<run>/<stage>/` only when
it finishes, so a killed run leaves no half-written artifact. A stage is skipped when its
fingerprint (its config sections, the fingerprints of its upstream stages, the data files'
digests and the flow's version) matches the last successful run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from flow import __version__
from flow.artifacts import check_writable, read_json, replace_dir, write_json
from flow.config import FlowConfig, section_dump
from flow.errors import ConfigError

log = logging.getLogger(__name__)

STAGE_NAMES = ("data", "train", "search", "convert", "csim", "resources", "report")


@dataclass
class StageContext:
    cfg: FlowConfig
    run_dir: Path
    out: Path  # the stage's partial folder: write everything here
    progress: bool = True

    def stage_dir(self, name: str) -> Path:
        return self.run_dir / name

    @property
    def project_dir(self) -> Path:
        return Path(self.cfg.hls.project_dir) / self.cfg.name


def stage_module(name: str) -> ModuleType:
    import importlib

    return importlib.import_module(f"flow.stages.{name}")


def _fingerprint(cfg: FlowConfig, name: str, upstream: dict[str, str]) -> str:
    mod = stage_module(name)
    payload = {
        "version": __version__,
        "stage": name,
        "sections": section_dump(cfg, *mod.SECTIONS),
        "upstream": {u: upstream.get(u, "") for u in mod.UPSTREAM},
        "inputs": mod.input_digests(cfg) if hasattr(mod, "input_digests") else {},
    }
    if hasattr(mod, "checked_fields"):
        # fields of other sections the stage checks (the data stage: the model's output units and
        # input quantizer against the data), so changing them re-runs the check, not only training
        payload["checks"] = mod.checked_fields(cfg)
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def default_run_dir(cfg: FlowConfig) -> Path:
    return Path("runs") / cfg.name


def _check_stage_name(value: str | None, option: str) -> None:
    if value is not None and value not in STAGE_NAMES:
        raise ConfigError(f"{option} {value!r} is not a stage", where=option, fix=f"use one of {', '.join(STAGE_NAMES)}")


def preflight(cfg: FlowConfig, run_dir: Path, stages: list[str]) -> None:
    """Everything that can fail fast, before training starts."""
    from flow.data import check_inputs_exist

    check_writable(run_dir, what="output directory")
    if any(s in stages for s in ("convert", "csim")):
        check_writable(Path(cfg.hls.project_dir), what="hls.project_dir")
    if "data" in stages:
        check_inputs_exist(cfg)
    if "csim" in stages:
        from flow.csim import require_compiler

        require_compiler()
    for s in stages:
        mod = stage_module(s)
        if hasattr(mod, "preflight"):
            mod.preflight(cfg, run_dir)


def run(
    cfg: FlowConfig,
    *,
    run_dir: Path | None = None,
    from_stage: str | None = None,
    to_stage: str | None = None,
    force: bool = False,
    progress: bool = True,
) -> dict:
    """Run the stages in order (resuming), return the state dict."""
    _check_stage_name(from_stage, "--from")
    _check_stage_name(to_stage, "--to")
    if from_stage and to_stage and STAGE_NAMES.index(from_stage) > STAGE_NAMES.index(to_stage):
        raise ConfigError(f"--from {from_stage} comes after --to {to_stage}: no stage would run", where="--from",
                          fix=f"give --from a stage at or before {to_stage} (stage order: {', '.join(STAGE_NAMES)})")
    run_dir = Path(run_dir) if run_dir is not None else default_run_dir(cfg)
    last = STAGE_NAMES.index(to_stage) if to_stage else len(STAGE_NAMES) - 1
    first_forced = STAGE_NAMES.index(from_stage) if from_stage else (0 if force else len(STAGE_NAMES))
    stages = list(STAGE_NAMES[: last + 1])
    preflight(cfg, run_dir, stages)
    from flow.search import interrupt_on_sigterm  # a light module; its heavy imports are lazy

    with interrupt_on_sigterm():  # SIGTERM cleans up like Ctrl-C: no .partial left, older outputs marked stale
        return _run_stages(cfg, run_dir, stages, first_forced, progress)


def _stage_files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _files_present(folder: Path, prev: dict) -> bool:
    """The stage's folder holds every file it recorded writing."""
    return folder.is_dir() and all((folder / f).is_file() for f in prev.get("files", []))


def _outputs_present(cfg: FlowConfig, run_dir: Path, name: str, prev: dict) -> bool:
    """The stage's folder holds every file it wrote (a deleted student.h5 re-runs train instead of
    crashing convert), and the stage's own check, if it has one, passes."""
    mod = stage_module(name)
    if not _files_present(run_dir / name, prev):
        return False
    return not hasattr(mod, "outputs_present") or mod.outputs_present(cfg, run_dir)


def _run_stages(cfg: FlowConfig, run_dir: Path, stages: list[str], first_forced: int, progress: bool) -> dict:
    created = not run_dir.exists()
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from flow.errors import FlowError

        raise FlowError(f"output directory {str(run_dir)!r} cannot be created ({exc.strerror})", where="--out",
                        fix="choose another folder with --out") from None
    for stale in run_dir.glob(".*.partial"):
        shutil.rmtree(stale, ignore_errors=True)
    state_path = run_dir / "state.json"
    state = read_json(state_path) if state_path.exists() else {}
    state.setdefault("stages", {})
    state["config"] = cfg.source_path
    fingerprints: dict[str, str] = {}
    from flow.search import raise_if_signalled

    for i, name in enumerate(stages):
        raise_if_signalled()  # an interrupt a library swallowed stops the run before the next stage
        fp = _fingerprint(cfg, name, fingerprints)
        fingerprints[name] = fp
        prev = state["stages"].get(name, {})
        if i < first_forced and prev.get("fingerprint") == fp and _outputs_present(cfg, run_dir, name, prev):
            log.info("stage %-9s up to date, skipped", name)
            state.get("stale", {}).pop(name, None)  # it does follow from this config
            continue
        partial = run_dir / f".{name}.partial"
        partial.mkdir()
        ctx = StageContext(cfg, run_dir, partial, progress)
        log.info("stage %-9s running", name)
        t0 = time.perf_counter()
        try:
            summary = stage_module(name).run(ctx)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            state["stages"].pop(name, None)
            # outputs of this and later stages from an earlier run are kept, never deleted, but
            # marked: they no longer follow from the config that just ran
            older = [s for s in STAGE_NAMES[i:] if (run_dir / s).is_dir()]
            for s in older:
                state.setdefault("stale", {})[s] = f"from an earlier run: stage {name} failed on {time.strftime('%Y-%m-%dT%H:%M:%S')}"
            if created and not state["stages"] and not older:
                # the first stage of a new run failed (e.g. the data's contents): leave no folder behind
                shutil.rmtree(run_dir, ignore_errors=True)
                raise
            write_json(state_path, state)
            if older:
                log.warning("stage %s failed; the outputs of %s in %s are from an earlier run and do not follow from %s",
                            name, ", ".join(older), run_dir, cfg.source_path or "this config")
            raise
        seconds = time.perf_counter() - t0
        replace_dir(partial, run_dir / name)
        state.get("stale", {}).pop(name, None)
        state["stages"][name] = {"fingerprint": fp, "seconds": round(seconds, 3), "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
                                 "summary": summary or {}, "files": _stage_files(run_dir / name)}
        write_json(state_path, state)
        log.info("stage %-9s done in %.1f s", name, seconds)
    _mark_later_stages(cfg, run_dir, state, stages, fingerprints)
    write_json(state_path, state)
    return state


def _mark_later_stages(cfg: FlowConfig, run_dir: Path, state: dict, stages: list[str], fingerprints: dict[str, str]) -> None:
    """A run stopped by --to leaves the later stages' outputs of an earlier run in place; those whose
    inputs changed (an upstream stage re-ran, or their own config sections differ) no longer follow
    from this config: marked stale, as after a failed stage, so neither state.json nor the CLI
    presents them (the old report's accuracies and bit-exactness) as this config's results. Those
    whose fingerprint still matches are current (a stale mark from before is lifted)."""
    newly = []
    for name in STAGE_NAMES[len(stages):]:
        fp = _fingerprint(cfg, name, fingerprints)
        fingerprints[name] = fp
        prev = state["stages"].get(name)
        if prev is None and not (run_dir / name).is_dir():
            continue  # never ran here: nothing to mislead
        # the files it wrote (not the stage's own check, which may log as if it were about to re-run)
        if prev is not None and prev.get("fingerprint") == fp and _files_present(run_dir / name, prev):
            state.get("stale", {}).pop(name, None)
            continue
        if name not in state.get("stale", {}):
            newly.append(name)
            state.setdefault("stale", {})[name] = (f"from an earlier run: its inputs changed and the run of "
                                                   f"{time.strftime('%Y-%m-%dT%H:%M:%S')} stopped after {stages[-1]}")
    if newly:
        source = cfg.source_path or "this config"
        log.warning("the outputs of %s in %s are from an earlier run and do not follow from %s (the run stopped after %s); "
                    "`flow run %s` without --to brings them up to date", ", ".join(newly), run_dir, source, stages[-1], source)


def timings(run_dir: Path) -> dict[str, float]:
    state_path = Path(run_dir) / "state.json"
    if not state_path.exists():
        return {}
    return {k: v.get("seconds", 0.0) for k, v in read_json(state_path).get("stages", {}).items()}


__all__ = ["STAGE_NAMES", "StageContext", "run", "timings", "default_run_dir"]
