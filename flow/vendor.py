"""Measured numbers from the vendor HLS tool when it is installed; a clear "skipped" when not.

Why: the estimate in flow/resources.py is only as good as its last comparison with real
synthesis. When `vivado_hls` or `vitis_hls` is on PATH, `vendor_synth` runs hls4ml's C synthesis
and returns the report's LUT/FF/DSP/BRAM/latency labelled ``source: "vendor"``, in the same shape
as ``ResourceEstimate.to_dict()["total"]`` so the two can be diffed. Never raises for a missing
tool: the flow must keep working on machines without the (licensed, multi-GB) vendor tools.
"""

from __future__ import annotations

import contextlib
import io
import logging
import shutil
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

TOOLS = {"vivado": "vivado_hls", "vitis": "vitis_hls"}


def vendor_tool(backend: str) -> str | None:
    """Path of the HLS executable for `backend` (Vivado -> vivado_hls, Vitis -> vitis_hls), or None."""
    exe = TOOLS.get(str(backend).strip().lower())
    return shutil.which(exe) if exe else None


def _to_int(v: Any) -> int | None:
    try:
        return int(float(str(v).strip()))
    except (TypeError, ValueError):
        return None


def parse_report(project_dir: str | Path, clock_period_ns: float | None = None) -> dict[str, Any] | None:
    """Read an existing hls4ml C-synthesis report (via hls4ml.report.parse_vivado_report).

    Returns None when there is no report. hls4ml prints its own progress; we capture it into
    the log so the CLI output stays ours.
    """
    pdir = Path(project_dir)
    if not (pdir / "project.tcl").is_file():
        return None
    from hls4ml.report import parse_vivado_report  # lazy: hls4ml imports TensorFlow

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rep = parse_vivado_report(str(pdir))
    if buf.getvalue().strip():
        log.debug("hls4ml report parser: %s", buf.getvalue().strip())
    if not rep or "CSynthesisReport" not in rep:
        return None
    c = rep["CSynthesisReport"]
    period = clock_period_ns or (float(c["TargetClockPeriod"]) if c.get("TargetClockPeriod") else None)
    lat = _to_int(c.get("WorstLatency"))
    total = {
        "LUT": _to_int(c.get("LUT")),
        "FF": _to_int(c.get("FF")),
        "DSP": _to_int(c.get("DSP")),
        "BRAM_18K": _to_int(c.get("BRAM_18K")),
        "latency_cycles": lat,
        "latency_ns": round(lat * period, 3) if (lat is not None and period) else None,
        "ii": _to_int(c.get("IntervalMax")),
    }
    out: dict[str, Any] = {"status": "ok", "source": "vendor", "total": total,
                           "estimated_clock_ns": c.get("EstimatedClockPeriod"), "raw": c}
    if "VivadoSynthReport" in rep:  # post-synthesis (vsynth=True) numbers are closer to silicon
        out["vivado_synth"] = rep["VivadoSynthReport"]
    return out


def vendor_synth(project_dir: str | Path, backend: str = "Vivado", hls_model: Any = None,
                 clock_period_ns: float | None = None, vsynth: bool = False) -> dict[str, Any]:
    """C-synthesize `hls_model` (an hls4ml ModelGraph written to `project_dir`) with the vendor tool.

    Without the tool on PATH: ``{"status": "skipped: no vendor tool", ...}``. Without a model but
    with an existing report in `project_dir`, the report is parsed. Tool failures are reported in
    ``status`` rather than raised, so a batch of designs keeps going.
    """
    exe = vendor_tool(backend)
    if exe is None:
        existing = parse_report(project_dir, clock_period_ns) if Path(project_dir).exists() else None
        if existing is not None:
            existing["note"] = "parsed an existing report; no vendor tool on PATH to re-run"
            return existing
        return {"status": "skipped: no vendor tool", "source": "vendor",
                "tool": TOOLS.get(str(backend).strip().lower(), "?"), "backend": backend}
    if hls_model is not None:
        log.info("running %s C synthesis in %s (minutes to hours)", Path(exe).name, project_dir)
        try:
            hls_model.build(csim=False, synth=True, vsynth=vsynth)
        except Exception as exc:  # noqa: BLE001 - vendor failures become a status, not a crash
            return {"status": f"failed: {exc}", "source": "vendor", "tool": exe}
    rep = parse_report(project_dir, clock_period_ns)
    if rep is None:
        return {"status": "failed: no C-synthesis report found", "source": "vendor", "tool": exe}
    rep["tool"] = exe
    return rep
