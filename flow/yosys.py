"""Check da4ml's DA estimate with an open-source synthesis: yosys `synth_xilinx` on its Verilog.

Why: no vendor tool is needed to count the LUTs of a purely combinational adder graph, so yosys
gives a measured number next to the estimate. Returns a status (never raises) when yosys or
da4ml is missing.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from flow.design import DenseDesign


def yosys_available() -> bool:
    return shutil.which("yosys") is not None


def _count_cells(stat: str) -> dict[str, int]:
    cells: dict[str, int] = {}
    for m in re.finditer(r"^\s+(\d+)\s+(\S+)\s*$|^\s+(\S+)\s+(\d+)\s*$", stat, re.M):
        if m.group(1):
            n, name = int(m.group(1)), m.group(2)
        else:
            name, n = m.group(3), int(m.group(4))
        cells[name] = cells.get(name, 0) + n
    return cells


def yosys_synth_da(dense: DenseDesign, timeout_s: int = 600) -> dict[str, Any]:
    """da4ml Verilog for `dense` -> yosys synth_xilinx -> LUT / FF / CARRY counts, plus da4ml's estimate."""
    if not yosys_available():
        return {"status": "skipped: yosys not on PATH (apt-get install yosys)"}
    from flow.da import da4ml_available, estimate_da_layer, trace_dense

    if not da4ml_available():
        return {"status": "skipped: da4ml not installed"}
    import da4ml.codegen.rtl.verilog as dav
    from da4ml.codegen.rtl.verilog.comb import comb_logic_gen

    lib = sorted(str(p) for p in (Path(dav.__file__).parent / "source").glob("*.v") if p.name != "lookup_table.v")  # shift_adder etc.; no tables in a dense layer
    sol = trace_dense(dense)
    code = comb_logic_gen(sol, "dense_da")
    with tempfile.TemporaryDirectory(prefix="flow_yosys_") as tmp:
        v = Path(tmp) / "dense_da.v"
        v.write_text(code)
        proc = subprocess.run(
            ["yosys", "-q", "-p", f"read_verilog {' '.join(lib)} {v}; synth_xilinx -top dense_da -flatten; tee -o {tmp}/stat.txt stat"],
            capture_output=True, text=True, timeout=timeout_s,
        )
        if proc.returncode != 0:
            return {"status": f"failed: yosys exit {proc.returncode}: {proc.stderr[-500:]}"}
        stat = (Path(tmp) / "stat.txt").read_text()
    cells = _count_cells(stat)
    lut = sum(n for c, n in cells.items() if re.fullmatch(r"\$?_?LUT[1-6]_?", c.strip("$_")) or re.fullmatch(r"LUT[1-6]", c))
    ff = sum(n for c, n in cells.items() if re.fullmatch(r"FD[RSCP]E?", c))
    carry = sum(n for c, n in cells.items() if c.startswith("CARRY"))
    est = estimate_da_layer(dense)
    return {"status": "ok", "source": "yosys synth_xilinx", "LUT": lut, "FF": ff, "CARRY": carry,
            "cells": cells, "estimate_LUT": est.get("LUT"), "estimate_FF": est.get("FF")}
