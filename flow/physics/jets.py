"""Simulate the hls4ml LHC jet-tagging data set offline with Pythia 8 and FastJet.

Why: the jet-tagging task uses OpenML 42468 (16 substructure features, classes g, q, t, w, z,
jet pT ~ 1 TeV), which cannot be downloaded here. This module regenerates data with the same
columns from first principles: Pythia 8 at 13 TeV, anti-kT R = 0.8 on visible final-state
particles, truth matching to the originating parton / W / Z / top, then the numpy features of
`flow.physics.ecf` (mMDT-groomed energy-correlator ratios).

Heavy and optional packages (``pythia8mc``, ``fastjet``: the ``physics`` extra) are imported only
inside functions, after every argument has been validated, so bad input fails fast and
``import flow.physics.jets`` is cheap.

Design choices, each for a reason:
  * one Pythia instance per class per worker, seeded from (seed, worker, class) via
    ``numpy.random.SeedSequence``: results depend only on (seed, workers), not on timing;
  * each worker owns a fixed share of every class and streams rows into its own parquet part
    file in small row groups; the parent concatenates parts in worker order -- memory is flat in N;
  * the final file is written to a temp name in the target directory and ``os.replace``-d, so an
    interrupted run never leaves a half-written output.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import queue as queue_mod
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from flow.errors import ConfigError, DataError, FlowError, ToolError
from flow.physics.ecf import FEATURE_NAMES, jet_features

log = logging.getLogger(__name__)

ALL_CLASSES: tuple[str, ...] = ("g", "q", "t", "w", "z")

#: Pythia settings of each class's hard process. QCD classes use pure-flavour 2 -> 2 processes
#: (gluon: gg -> gg, qqbar -> gg; light quark: qq -> qq, qqbar -> q'qbar' with u, d, s);
#: W, Z, top come from WW, ZZ, ttbar production with hadronic W / Z decays.
PROCESS_SETTINGS: dict[str, tuple[str, ...]] = {
    "g": ("HardQCD:gg2gg = on", "HardQCD:qqbar2gg = on"),
    "q": ("HardQCD:qq2qq = on", "HardQCD:qqbar2qqbarNew = on", "HardQCD:nQuarkNew = 3"),
    "t": ("Top:gg2ttbar = on", "Top:qqbar2ttbar = on", "24:onMode = off", "24:onIfAny = 1 2 3 4 5"),
    "w": ("WeakDoubleBoson:ffbar2WW = on", "24:onMode = off", "24:onIfAny = 1 2 3 4 5"),
    "z": (
        "WeakDoubleBoson:ffbar2gmZgmZ = on",
        "WeakZ0:gmZmode = 2",
        "23:onMode = off",
        "23:onIfAny = 1 2 3 4 5",
    ),
}
COMMON_SETTINGS: tuple[str, ...] = ("Beams:eCM = 13000.", "Print:quiet = on", "Random:setSeed = on")

#: Allowed jet-pT window. Below ~450 GeV a top quark's decay products (opening ~ 2 m_t / pT)
#: no longer fit in an R = 0.8 jet, so the top class cannot be filled; above 3 TeV the 13 TeV
#: parton luminosities make generation impractically slow for WW / ZZ.
PT_ALLOWED: tuple[float, float] = (450.0, 3000.0)
MIN_WINDOW_GEV = 50.0
JET_R = 0.8
ETA_MAX = 2.5
MATCH_DR = 0.8
Z_CUT = 0.1
#: Pythia's pT-hat window relative to the jet window: jets lose some pT out of the cone.
PTHAT_LO_FRACTION = 0.85
PTHAT_HI_FRACTION = 1.10
#: Give up on a class when this many events yield no accepted jet (guards against a stall).
STALL_EVENTS = 3000
ROW_GROUP = 512
#: Schema-metadata key (JSON) that flow.data reads back from parquet files.
PARQUET_META_KEY = b"flow"

PHYSICS_FIX = "pip install -e .[physics]  (installs pythia8mc==8.317.2 and fastjet==3.5.2)"


# --------------------------------------------------------------------------- validation


def _validate(
    n_per_class: Any,
    out: str | Path,
    seed: Any,
    workers: Any,
    classes: Sequence[str],
    pt_min: float,
    pt_max: float,
) -> tuple[Path, tuple[str, ...]]:
    """Check every argument before any work starts; return the resolved path and classes."""
    if isinstance(n_per_class, bool) or not isinstance(n_per_class, (int, np.integer)) or n_per_class <= 0:
        raise ConfigError(
            f"n_per_class must be a positive integer, got {n_per_class!r}",
            where="--n-per-class",
            fix="pass e.g. --n-per-class 1000",
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"seed must be a non-negative integer, got {seed!r}", where="--seed")
    if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or workers < 1:
        raise ConfigError(f"workers must be an integer >= 1, got {workers!r}", where="--workers")
    if isinstance(classes, str):
        classes = tuple(c.strip() for c in classes.split(",") if c.strip())
    classes = tuple(classes)
    unknown = [c for c in classes if c not in ALL_CLASSES]
    if unknown or not classes:
        raise ConfigError(
            f"unknown jet class(es) {unknown or classes!r}; known classes are {', '.join(ALL_CLASSES)}",
            where="classes",
            fix=f"choose from {', '.join(ALL_CLASSES)}",
        )
    if len(set(classes)) != len(classes):
        raise ConfigError(f"duplicate jet classes in {classes!r}", where="classes", fix="list each class once")
    lo, hi = PT_ALLOWED
    try:
        pt_min_f, pt_max_f = float(pt_min), float(pt_max)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"pT window must be numbers, got {pt_min!r}, {pt_max!r}", where="pt_min/pt_max") from exc
    if not (math.isfinite(pt_min_f) and math.isfinite(pt_max_f)) or pt_max_f - pt_min_f < MIN_WINDOW_GEV:
        raise ConfigError(
            f"pT window [{pt_min}, {pt_max}] GeV is empty or narrower than {MIN_WINDOW_GEV:.0f} GeV",
            where="pt_min/pt_max",
            fix=f"use pt_min < pt_max - {MIN_WINDOW_GEV:.0f}, e.g. the default 800-1200 GeV",
        )
    if pt_min_f < lo or pt_max_f > hi:
        raise ConfigError(
            f"pT window [{pt_min}, {pt_max}] GeV is outside the range the configured processes can fill, "
            f"[{lo:.0f}, {hi:.0f}] GeV (below {lo:.0f} GeV top decays are not contained in an R = 0.8 jet; "
            f"above {hi:.0f} GeV WW/ZZ production at 13 TeV is too rare)",
            where="pt_min/pt_max",
            fix=f"pick a window inside [{lo:.0f}, {hi:.0f}] GeV, e.g. 800-1200 GeV",
        )
    out_path = Path(out).expanduser()
    if out_path.is_dir():
        raise DataError(f"output path {str(out_path)!r} is a directory", where="--out", fix="give a file name")
    if out_path.suffix.lower() not in (".parquet", ".npz"):
        raise ConfigError(
            f"output must be a .parquet or .npz file, got {str(out_path)!r}",
            where="--out",
            fix="name the output e.g. data/jets.parquet",
        )
    parent = out_path.parent if str(out_path.parent) else Path(".")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".flow-write-check-", delete=True):
            pass
    except OSError as exc:
        raise DataError(
            f"cannot write into {str(parent)!r}: {exc.strerror or exc}",
            where="--out",
            fix="choose an output file in a writable directory",
        ) from exc
    return out_path, classes


def _require_physics() -> dict[str, str]:
    """Import the optional generators or raise ToolError; return their versions."""
    import importlib.metadata as md

    missing = []
    for module in ("pythia8mc", "fastjet"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise ToolError(
            f"jet simulation needs the optional packages {', '.join(missing)} (not importable)",
            fix=PHYSICS_FIX,
        )
    return {
        "pythia8mc": md.version("pythia8mc"),
        "fastjet": md.version("fastjet"),
        "numpy": np.__version__,
    }


# --------------------------------------------------------------------------- seeds and splits


def class_seed(seed: int, worker: int, class_name: str) -> int:
    """Pythia seed (1..900000000) for one (run seed, worker, class); stable across class subsets."""
    state = np.random.SeedSequence([int(seed), int(worker), ALL_CLASSES.index(class_name)]).generate_state(1)[0]
    return int(state) % 900_000_000 + 1


def split_counts(n: int, workers: int) -> list[int]:
    """Deterministic share of n jets per worker (first ``n % workers`` workers get one more)."""
    return [n // workers + (1 if w < n % workers else 0) for w in range(workers)]


# --------------------------------------------------------------------------- event level


@contextlib.contextmanager
def _silence_stdout_fd() -> Iterator[None]:
    """Redirect the C-level stdout (FastJet's one-time banner) to /dev/null."""
    sys.stdout.flush()
    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def _dphi(a: float, b: float) -> float:
    d = abs(a - b) % (2.0 * math.pi)
    return 2.0 * math.pi - d if d > math.pi else d


def _delta_r(y1: float, phi1: float, y2: float, phi2: float) -> float:
    return math.hypot(y1 - y2, _dphi(phi1, phi2))


def _truth_objects(event: Any, class_name: str) -> list[tuple[float, float, list[tuple[float, float]]]]:
    """(y, phi, decay-quark directions) of each object of the wanted kind in the hard process.

    Entries 5 and 6 are the outgoing partons of Pythia's 2 -> 2 hard process. For W/Z/top the
    last copy before decay (after recoils) gives the direction; its decay quarks must also lie
    inside the jet so a "W jet" really contains both prongs.
    """
    out = []
    for i in (5, 6):
        prt = event[i]
        ida = prt.idAbs()
        if class_name == "g" and ida == 21:
            out.append((prt.y(), prt.phi(), []))
        elif class_name == "q" and 1 <= ida <= 3:
            out.append((prt.y(), prt.phi(), []))
        elif (class_name, ida) in (("w", 24), ("z", 23), ("t", 6)):
            bot = event[prt.iBotCopyId()]
            quarks: list[tuple[float, float]] = []
            for d in bot.daughterList():
                dau = event[d]
                if dau.idAbs() == 24:  # top -> W b: follow the W to its quarks
                    wbot = event[dau.iBotCopyId()]
                    quarks += [(event[q].y(), event[q].phi()) for q in wbot.daughterList() if event[q].isQuark()]
                elif dau.isQuark():
                    quarks.append((dau.y(), dau.phi()))
            out.append((bot.y(), bot.phi(), quarks))
    return out


class _ClassGenerator:
    """One Pythia instance producing feature rows of a single class."""

    def __init__(self, class_name: str, seed: int, pt_min: float, pt_max: float) -> None:
        import fastjet
        import pythia8mc

        self.class_name = class_name
        self.pt_min, self.pt_max = pt_min, pt_max
        self.settings = list(COMMON_SETTINGS) + list(PROCESS_SETTINGS[class_name])
        self.settings += [
            f"PhaseSpace:pTHatMin = {PTHAT_LO_FRACTION * pt_min:.1f}",
            f"PhaseSpace:pTHatMax = {PTHAT_HI_FRACTION * pt_max:.1f}",
            f"Random:seed = {seed}",
        ]
        self.pythia = pythia8mc.Pythia("", False)
        for s in self.settings:
            if not self.pythia.readString(s):
                raise ToolError(f"Pythia rejected the setting {s!r}", fix=PHYSICS_FIX)
        if not self.pythia.init():
            raise ToolError(f"Pythia failed to initialise class {class_name!r}", fix=PHYSICS_FIX)
        self.fastjet = fastjet
        self.jet_def = fastjet.JetDefinition(fastjet.antikt_algorithm, JET_R)
        self.events = 0
        self.failed = 0
        self.accepted = 0

    def next_rows(self) -> list[np.ndarray]:
        """Generate one event; return feature rows of its truth-matched jets in the window."""
        fj = self.fastjet
        self.events += 1
        if not self.pythia.next():
            self.failed += 1
            return []
        event = self.pythia.event
        truths = _truth_objects(event, self.class_name)
        if not truths:
            return []
        rows = []
        for prt in event:
            if prt.isFinal() and prt.isVisible():
                rows.append((prt.px(), prt.py(), prt.pz(), prt.e()))
        if not rows:
            return []
        p4 = np.asarray(rows, dtype=np.float64)
        pjs = []
        for i, r in enumerate(rows):
            pj = fj.PseudoJet(*r)
            pj.set_user_index(i)
            pjs.append(pj)
        cs = fj.ClusterSequence(pjs, self.jet_def)
        jets = [
            j
            for j in cs.inclusive_jets(0.9 * self.pt_min)
            if self.pt_min <= j.pt() <= self.pt_max and abs(j.eta()) < ETA_MAX
        ]
        out: list[np.ndarray] = []
        used: set[int] = set()
        for ty, tphi, quarks in truths:
            best, best_dr = -1, MATCH_DR
            for k, j in enumerate(jets):
                d = _delta_r(j.rap(), j.phi(), ty, tphi)
                if d < best_dr and k not in used:
                    best, best_dr = k, d
            if best < 0:
                continue
            jet = jets[best]
            if any(_delta_r(jet.rap(), jet.phi(), qy, qphi) >= MATCH_DR for qy, qphi in quarks):
                continue  # a prong outside the jet: not a contained W/Z/top jet
            used.add(best)
            idx = [c.user_index() for c in jet.constituents()]
            out.append(jet_features(p4[idx], z_cut=Z_CUT))
        del cs
        return out


def _worker_run(
    worker: int,
    counts: dict[str, int],
    seed: int,
    pt_min: float,
    pt_max: float,
    part_path: str,
    progress_q: Any,
) -> dict[str, Any]:
    """Generate this worker's share of every class, streaming rows into ``part_path``.

    Classes are interleaved (one event per class in turn) so the file mixes classes and the
    progress bar moves evenly.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    with _silence_stdout_fd():
        gens = {c: _ClassGenerator(c, class_seed(seed, worker, c), pt_min, pt_max) for c in counts}
        # Trigger FastJet's banner once, silently.
        import fastjet

        fastjet.ClusterSequence([fastjet.PseudoJet(1.0, 0.0, 0.0, 1.0)], gens[next(iter(gens))].jet_def)
    schema = _schema()
    remaining = dict(counts)
    buf_feats: list[np.ndarray] = []
    buf_cls: list[str] = []
    since_last = {c: 0 for c in counts}
    writer = pq.ParquetWriter(part_path, schema)

    def flush() -> None:
        if buf_feats:
            writer.write_table(_table(np.vstack(buf_feats), buf_cls, schema, pa))
            buf_feats.clear()
            buf_cls.clear()

    import multiprocessing as mp

    parent = mp.parent_process()  # None when running in-process (workers=1)
    rounds = 0
    try:
        while any(remaining.values()):
            rounds += 1
            if parent is not None and rounds % 10 == 0 and not parent.is_alive():
                raise SystemExit("parent process is gone; stopping this jet worker")
            for c, gen in gens.items():
                if remaining[c] <= 0:
                    continue
                rows = gen.next_rows()[: remaining[c]]
                if rows:
                    since_last[c] = 0
                    remaining[c] -= len(rows)
                    gen.accepted += len(rows)
                    buf_feats.extend(rows)
                    buf_cls.extend([c] * len(rows))
                    if progress_q is not None:
                        progress_q.put(("progress", len(rows)))
                    if len(buf_feats) >= ROW_GROUP:
                        flush()
                else:
                    since_last[c] += 1
                    if since_last[c] >= STALL_EVENTS:
                        raise DataError(
                            f"class {c!r}: {STALL_EVENTS} events in a row gave no jet in the pT window "
                            f"[{pt_min}, {pt_max}] GeV ({gen.accepted} accepted so far)",
                            where="pt_min/pt_max",
                            fix="use a pT window nearer the default 800-1200 GeV",
                        )
        flush()
    finally:
        writer.close()
    return {
        "worker": worker,
        "events": {c: g.events for c, g in gens.items()},
        "failed_events": {c: g.failed for c, g in gens.items()},
        "accepted": {c: g.accepted for c, g in gens.items()},
        "pythia_seeds": {c: class_seed(seed, worker, c) for c in counts},
    }


def _worker_entry(args: tuple, progress_q: Any) -> None:
    """Process target: run one worker and report the result or the error through the queue."""
    worker = args[0]
    try:
        stats = _worker_run(*args, progress_q)
        progress_q.put(("done", worker, stats))
    except FlowError as exc:
        progress_q.put(("flow_error", worker, (type(exc).__name__, exc.message, exc.where, exc.fix)))
    except BaseException:  # noqa: BLE001 - ship any crash to the parent with its traceback
        progress_q.put(("crash", worker, traceback.format_exc()))


# --------------------------------------------------------------------------- output


def _schema() -> Any:
    import pyarrow as pa

    fields = [pa.field(name, pa.float32()) for name in FEATURE_NAMES]
    fields.append(pa.field("class", pa.string()))
    return pa.schema(fields)


def _table(feats: np.ndarray, classes: list[str], schema: Any, pa: Any) -> Any:
    cols = [pa.array(feats[:, i].astype(np.float32)) for i in range(len(FEATURE_NAMES))]
    cols.append(pa.array(classes, type=pa.string()))
    return pa.Table.from_arrays(cols, schema=schema)


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The generation metadata stored in a .parquet or .npz file written by `generate_jets`."""
    path = Path(path)
    if path.suffix.lower() == ".npz":
        with np.load(path, allow_pickle=False) as z:
            if "metadata" not in z.files:
                raise DataError(f"{path} has no 'metadata' array", where=str(path))
            return json.loads(str(z["metadata"]))
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    if PARQUET_META_KEY not in meta:
        raise DataError(f"{path} has no '{PARQUET_META_KEY.decode()}' schema metadata", where=str(path))
    return json.loads(meta[PARQUET_META_KEY])


def _iter_part_tables(parts: list[str]) -> Iterator[Any]:
    """Row groups of the part files, in worker order: one small table at a time."""
    import pyarrow.parquet as pq

    for part in parts:
        pf = pq.ParquetFile(part)
        for rg in range(pf.num_row_groups):
            yield pf.read_row_group(rg)


def _write_npz_streaming(tmp: str, parts: list[str], n_rows: int, metadata: dict[str, Any]) -> None:
    """Write an .npz (X float32 (n, 16), class '<U1', feature_names, metadata JSON) chunk by chunk.

    np.savez needs whole arrays in memory; writing the .npy headers for the known final shape and
    then appending raw rows keeps memory flat in N, like the parquet path.
    """
    import zipfile

    def npy_member(zf: zipfile.ZipFile, name: str, dtype: np.dtype, shape: tuple, chunks: Iterator[np.ndarray]) -> None:
        with zf.open(f"{name}.npy", "w", force_zip64=True) as fh:
            header = {"descr": np.lib.format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape}
            np.lib.format.write_array_header_2_0(fh, header)
            written = 0
            for chunk in chunks:
                arr = np.ascontiguousarray(chunk, dtype=dtype)
                fh.write(arr.tobytes())
                written += arr.shape[0]
            if written != shape[0]:
                raise DataError(f"internal: wrote {written} rows of {name}, expected {shape[0]}")

    feat_dtype, cls_dtype = np.dtype(np.float32), np.dtype("<U1")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        npy_member(
            zf,
            "X",
            feat_dtype,
            (n_rows, len(FEATURE_NAMES)),
            (np.column_stack([t[name].to_numpy() for name in FEATURE_NAMES]) for t in _iter_part_tables(parts)),
        )
        npy_member(
            zf,
            "class",
            cls_dtype,
            (n_rows,),
            (np.asarray(t["class"].to_pylist(), dtype=cls_dtype) for t in _iter_part_tables(parts)),
        )
        names = np.asarray(FEATURE_NAMES)
        npy_member(zf, "feature_names", names.dtype, names.shape, iter([names]))
        meta = np.asarray(json.dumps(metadata, sort_keys=True))
        with zf.open("metadata.npy", "w") as fh:
            np.lib.format.write_array(fh, meta, allow_pickle=False)


def _merge_parts(parts: list[str], out_path: Path, metadata: dict[str, Any], n_rows: int) -> None:
    """Concatenate part files row group by row group into ``out_path`` atomically."""
    import pyarrow.parquet as pq

    fd, tmp = tempfile.mkstemp(dir=out_path.parent, prefix=f".{out_path.name}.", suffix=".tmp")
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; the data file should be readable like any other
    try:
        if out_path.suffix.lower() == ".npz":
            _write_npz_streaming(tmp, parts, n_rows, metadata)
        else:
            schema = _schema().with_metadata({PARQUET_META_KEY: json.dumps(metadata, sort_keys=True).encode()})
            with pq.ParquetWriter(tmp, schema) as writer:
                for table in _iter_part_tables(parts):
                    writer.write_table(table.replace_schema_metadata(schema.metadata))
        os.replace(tmp, out_path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# --------------------------------------------------------------------------- public API


def generate_jets(
    *,
    n_per_class: int,
    out: str | Path,
    seed: int = 0,
    workers: int = 1,
    classes: Sequence[str] = ALL_CLASSES,
    pt_min: float = 800.0,
    pt_max: float = 1200.0,
    progress: bool = True,
) -> dict[str, Any]:
    """Generate ``n_per_class`` jets of each class into a .parquet (or .npz) file; return its metadata.

    Parquet columns: the 16 OpenML 42468 features (float32) and ``class`` (g, q, t, w, z), with
    the metadata as JSON under the schema-metadata key ``flow``. An .npz holds ``X`` (n, 16),
    ``class``, ``feature_names`` and ``metadata`` (JSON string). The result is
    a deterministic function of (seed, workers, classes, pT window). Raises ConfigError /
    DataError / ToolError before any generation for bad arguments or a missing ``physics`` extra.
    """
    out_path, classes = _validate(n_per_class, out, seed, workers, classes, pt_min, pt_max)
    versions = _require_physics()
    with _sigterm_as_interrupt():
        return _generate(out_path, classes, versions, n_per_class, seed, workers, pt_min, pt_max, progress)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt so cleanup (temp files, workers) runs on `kill`."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _generate(
    out_path: Path,
    classes: tuple[str, ...],
    versions: dict[str, str],
    n_per_class: int,
    seed: int,
    workers: int,
    pt_min: float,
    pt_max: float,
    progress: bool,
) -> dict[str, Any]:
    """The generation proper, after validation (see `generate_jets`)."""
    n_per_class, seed, workers = int(n_per_class), int(seed), int(workers)
    pt_min, pt_max = float(pt_min), float(pt_max)
    shares = {c: split_counts(n_per_class, workers) for c in classes}
    t0 = time.perf_counter()
    tmpdir = tempfile.mkdtemp(dir=out_path.parent, prefix=f".{out_path.name}.parts-")
    try:
        parts = [os.path.join(tmpdir, f"part-{w:03d}.parquet") for w in range(workers)]
        jobs = [
            (w, {c: shares[c][w] for c in classes if shares[c][w] > 0}, seed, pt_min, pt_max, parts[w])
            for w in range(workers)
        ]
        stats = _run_workers(jobs, total=n_per_class * len(classes), progress=progress)
        events = {c: sum(s["events"][c] for s in stats if c in s["events"]) for c in classes}
        metadata: dict[str, Any] = {
            "format": "flow.jets/1",
            "dataset": "simulated hls4ml LHC jet tagging (OpenML 42468 feature set)",
            "features": list(FEATURE_NAMES),
            "label_column": "class",
            "classes": list(classes),
            "counts": {c: n_per_class for c in classes},
            "n_per_class": n_per_class,
            "seed": seed,
            "workers": workers,
            "worker_shares": shares,
            "pythia_seeds": {str(s["worker"]): s["pythia_seeds"] for s in stats},
            "events_generated": events,
            "pt_min": pt_min,
            "pt_max": pt_max,
            "eta_max": ETA_MAX,
            "jet_algorithm": f"anti-kT R={JET_R} (FastJet), visible final-state particles",
            "grooming": f"mMDT z_cut={Z_CUT} beta=0 (C/A declustering, numpy)",
            "matching": f"Delta R(jet, parton/W/Z/top) < {MATCH_DR}; W/Z/top decay quarks inside the jet",
            "process_settings": {c: list(COMMON_SETTINGS + PROCESS_SETTINGS[c]) for c in classes},
            "pthat_window": [PTHAT_LO_FRACTION * pt_min, PTHAT_HI_FRACTION * pt_max],
            "versions": versions,
        }
        _merge_parts(parts, out_path, metadata, n_per_class * len(classes))
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    elapsed = time.perf_counter() - t0
    log.info("wrote %d jets to %s in %.1f s", n_per_class * len(classes), out_path, elapsed)
    return {**metadata, "path": str(out_path), "elapsed_s": elapsed}


def _run_workers(jobs: list[tuple], *, total: int, progress: bool) -> list[dict[str, Any]]:
    """Run the jobs (in-process for one worker, spawned processes otherwise) with a progress bar."""
    from tqdm.auto import tqdm

    bar = tqdm(total=total, unit="jet", desc="jets", disable=not progress, dynamic_ncols=True)
    try:
        if len(jobs) == 1:

            class _BarQueue:
                def put(self, msg: tuple) -> None:
                    bar.update(msg[1])

            return [_worker_run(*jobs[0], _BarQueue())]
        import multiprocessing as mp

        # spawn, not fork: the parent may hold TensorFlow threads, which fork would corrupt.
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        procs = [ctx.Process(target=_worker_entry, args=(job, q), daemon=True) for job in jobs]
        for p in procs:
            p.start()
        results: dict[int, dict[str, Any]] = {}
        try:
            while len(results) < len(jobs):
                try:
                    msg = q.get(timeout=1.0)
                except queue_mod.Empty:
                    dead = [p for i, p in enumerate(procs) if i not in results and p.exitcode not in (None, 0)]
                    if dead:
                        raise DataError(
                            f"a jet-generation worker died (exit code {dead[0].exitcode})",
                            fix="check memory, or rerun with --workers 1 to see the error",
                        ) from None
                    continue
                kind = msg[0]
                if kind == "progress":
                    bar.update(msg[1])
                elif kind == "done":
                    results[msg[1]] = msg[2]
                elif kind == "flow_error":
                    name, message, where, fix = msg[2]
                    cls = {"DataError": DataError, "ToolError": ToolError, "ConfigError": ConfigError}.get(
                        name, DataError
                    )
                    raise cls(message, where=where, fix=fix)
                else:
                    raise RuntimeError(f"jet worker {msg[1]} crashed:\n{msg[2]}")
        finally:
            for p in procs:
                if p.is_alive():
                    p.terminate()
            for p in procs:
                p.join(timeout=10)
        return [results[w] for w in range(len(jobs))]
    finally:
        bar.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Manual entry point: ``python -m flow.physics.jets --n-per-class 100 --out jets.parquet``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-per-class", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--classes", default=",".join(ALL_CLASSES))
    ap.add_argument("--pt-min", type=float, default=800.0)
    ap.add_argument("--pt-max", type=float, default=1200.0)
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        meta = generate_jets(
            n_per_class=args.n_per_class,
            out=args.out,
            seed=args.seed,
            workers=args.workers,
            classes=args.classes.split(","),
            pt_min=args.pt_min,
            pt_max=args.pt_max,
            progress=not args.no_progress,
        )
    except FlowError as exc:
        log.error("%s", exc.render())
        return 1
    except KeyboardInterrupt:
        log.error("interrupted: no output written")
        return 130
    log.info("events per class: %s", meta["events_generated"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
