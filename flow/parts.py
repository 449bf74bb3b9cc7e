"""Capacities of common Xilinx/AMD FPGA parts, so an estimate can say "fits" or "does not fit".

Numbers are the device totals from the AMD product tables / data sheets (DS890 UltraScale
overview, DS923 Zynq UltraScale+, DS190 Zynq-7000, DS962 Alveo U250/U50/U280) and agree with the
"Available" rows of Vivado HLS reports quoted in hls4ml issues (e.g. xc7vx690t: 2940 BRAM_18K,
3600 DSP, 866400 FF, 433200 LUT in fastmachinelearning/hls4ml#84). Three devices are taken from
the "Available" row of a C-synthesis report committed with a public hls4ml project (`AVAILABLE_ROW_SOURCES`).
BRAM is counted in 18 Kb halves (BRAM_18K), as the HLS reports do. An Alveo card lists the whole
device (no shell deducted).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from flow.errors import ConfigError

#: the part used when a config, a Design or `flow estimate/verify` names none
DEFAULT_PART = "xcvu13p-flga2577-2-e"


@dataclass(frozen=True)
class Part:
    """One device: total LUT, FF, DSP and BRAM_18K, plus the DSP slice type (sets the multiplier width)."""

    prefix: str
    family: str
    LUT: int
    FF: int
    DSP: int
    BRAM_18K: int
    dsp: str = "DSP48E2"  # DSP48E2: 27x18 signed multiplier (UltraScale/+); DSP48E1: 25x18 (7-series)
    #: logic delay relative to a Virtex UltraScale+ -2 (the family the estimator's delays are for):
    #: HLS packs fewer adder levels per cycle on a slower family, so latency and pipeline FFs grow
    speed: float = 1.0
    #: False for a device recognised only by its family (name pattern): it is estimated, but its
    #: totals are not in the table, so there is no utilization and no fit check
    capacity_known: bool = True

    @property
    def dsp_widths(self) -> tuple[int, int]:
        return (25, 18) if self.dsp == "DSP48E1" else (27, 18)

    def capacities(self) -> dict[str, int]:
        if not self.capacity_known:
            return {}
        return {"LUT": self.LUT, "FF": self.FF, "DSP": self.DSP, "BRAM_18K": self.BRAM_18K}


# Longest prefixes first is not needed: prefixes are unique device names.
PARTS: dict[str, Part] = {
    p.prefix: p
    for p in [
        Part("xcvu9p", "Virtex UltraScale+", 1_182_240, 2_364_480, 6_840, 4_320),
        Part("xcvu13p", "Virtex UltraScale+", 1_728_000, 3_456_000, 12_288, 5_376),
        Part("xcu250", "Alveo U250 (VU13P die)", 1_728_000, 3_456_000, 12_288, 5_376),
        Part("xcu200", "Alveo U200 (VU9P die)", 1_182_240, 2_364_480, 6_840, 4_320),
        Part("xcu280", "Alveo U280 (VU37P die)", 1_303_680, 2_607_360, 9_024, 4_032),
        Part("xcu50", "Alveo U50 (VU35P die)", 871_680, 1_743_360, 5_952, 2_688),
        Part("xcu55c", "Alveo U55C (UltraScale+ HBM)", 1_303_680, 2_607_360, 9_024, 4_032),
        Part("xczu9eg", "Zynq UltraScale+", 274_080, 548_160, 2_520, 1_824),
        Part("xczu7ev", "Zynq UltraScale+", 230_400, 460_800, 1_728, 624),
        Part("xczu3eg", "Zynq UltraScale+", 70_560, 141_120, 360, 432),
        Part("xczu5ev", "Zynq UltraScale+", 117_120, 234_240, 1_248, 288),
        Part("xck26", "Kria K26 (Zynq UltraScale+)", 117_120, 234_240, 1_248, 288),
        Part("xcku115", "Kintex UltraScale", 663_360, 1_326_720, 5_520, 4_320),
        Part("xc7vx690t", "Virtex-7", 433_200, 866_400, 3_600, 2_940, "DSP48E1"),
        Part("xc7vx485t", "Virtex-7", 303_600, 607_200, 2_800, 2_060, "DSP48E1"),
        Part("xc7z020", "Zynq-7000", 53_200, 106_400, 220, 280, "DSP48E1"),
        Part("xc7z007s", "Zynq-7000", 14_400, 28_800, 66, 100, "DSP48E1"),
        Part("xc7a100t", "Artix-7", 63_400, 126_800, 240, 270, "DSP48E1"),
        Part("xc7a35t", "Artix-7", 20_800, 41_600, 90, 100, "DSP48E1"),
        Part("xc7a50t", "Artix-7", 32_600, 65_200, 120, 150, "DSP48E1"),
        Part("xc7a75t", "Artix-7", 47_200, 94_400, 180, 210, "DSP48E1"),
        Part("xc7a200t", "Artix-7", 134_600, 269_200, 740, 730, "DSP48E1"),
    ]
}


#: Where the totals of the devices not in the overview tables come from: the "Available" row
#: (BRAM_18K, DSP, FF, LUT) of a committed C-synthesis report, repository @ commit, report path.
AVAILABLE_ROW_SOURCES = {
    "xcu55c": "kimhaneal11/hls4ml_practice @ b945f14, 01_SimpleFNN_RandomData/hls4ml_prj_u55c_new/"
              "myproject_prj/solution1/syn/report/myproject_csynth.rpt (Vitis HLS 2022.1, xcu55c-fsvh2892-2L-e)",
    "xczu5ev": "RishThakkar/PokerML @ 7c11472, projects/qat_hls4ml_prj_Suits/myproject_prj/solution1/syn/report/"
               "myproject_csynth.rpt (Vivado HLS 2019.2, xczu5ev-sfvc784-2LV-e)",
    "xc7vx485t": "freaksie/ML-on-Chip @ cd48be4, model_2/myproject_prj/myproject_prj/solution1/syn/report/"
                 "myproject_csynth.rpt (Vivado HLS 2018.3, xc7vx485tffg1761-2)",
}


#: Board names hls4ml's VivadoAccelerator backend accepts (its supported_boards.json, 1.3.0) and
#: the Kria starter kits, with the FPGA part on each: an estimate may name the board it targets.
BOARD_PARTS = {
    "pynq-z2": "xc7z020clg400-1",
    "zcu102": "xczu9eg-ffvb1156-2-e",
    "alveo-u50": "xcu50-fsvh2104-2-e",
    "alveo-u200": "xcu200-fsgd2104-2-e",
    "alveo-u250": "xcu250-figd2104-2L-e",
    "alveo-u280": "xcu280-fsvh2892-2L-e",
    "kv260": "xck26-sfvc784-2LV-c",
    "kr260": "xck26-sfvc784-2LV-c",
}


def board_part(name: str) -> str | None:
    """The FPGA part on a board named as hls4ml names it ("pynq-z2" -> "xc7z020clg400-1"), else None."""
    return BOARD_PARTS.get((name or "").strip().lower())


def clock_uncertainty_share(value: object, period_ns: float) -> float | None:
    """hls4ml's ClockUncertainty ("12.5%", or a time in ns as set_clock_uncertainty reads "0.62")
    as a share of the period; None when it is not one, or not below the period."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or not period_ns or period_ns <= 0:
        return None
    m = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(%|ns)?\s*", str(value))
    if m is None:
        return None
    share = float(m.group(1)) / 100.0 if m.group(2) == "%" else float(m.group(1)) / float(period_ns)
    return share if 0.0 <= share < 1.0 else None


#: Delay scale per family at the family's reference speed grade, as HLS's delay library has it.
#: The data sheets (DS923/DS925: Virtex and Zynq UltraScale+ share one fabric, 1.0 at -2; DS892:
#: Kintex UltraScale -2 ~1.3; DS183/DS187: Virtex-7 ~1.5 and Zynq-7000 ~2 at -1, carry-chain and
#: DSP48 M->P delays) give the ratios; HLS's library for the older families is slower still, by a
#: factor set per generation on one calibration row each (docs/resources.md): 7-series x2.25
#: (MinhNguy3n part 1, xc7z020: 4.5 where the data sheet says 2), UltraScale x1.23 (Duchstf part 1,
#: xcku115: 1.6, which gives its 2-cycle dense instances). Virtex-7/Kintex-7 take the 7-series
#: factor on their data-sheet ratio (1.5 x 2.25 = 3.4).
FAMILY_SPEED = {"Zynq UltraScale+": 1.0, "Kria K26 (Zynq UltraScale+)": 1.0, "Kintex UltraScale": 1.6, "Virtex-7": 3.4,
                "Zynq-7000": 4.5, "Artix-7": 4.5, "Alveo U55C (UltraScale+ HBM)": 1.0,
                # families known only by name pattern (below): the same fabric as a calibrated one
                "Virtex UltraScale+": 1.0, "Kintex UltraScale+": 1.0, "Alveo (UltraScale+)": 1.0,
                "Virtex UltraScale": 1.6, "Kintex-7": 3.4}
#: Reference speed grade of each family's FAMILY_SPEED (7-series: -1; UltraScale/+: -2).
_REF_GRADE_7SERIES, _REF_GRADE_US = 1, 2
#: Delay ratio per speed grade step away from the reference (data sheets: one grade ~ 12-15 %).
GRADE_STEP = 0.13
PARTS = {k: Part(**{**p.__dict__, "speed": FAMILY_SPEED.get(p.family, 1.0)}) for k, p in PARTS.items()}


#: Device-name patterns of the modelled families, for a part whose totals are not in PARTS: it is
#: estimated with its family's delays and DSP slice, without a fit check. Versal (DSP58) and
#: non-AMD parts match none and stay an error.
FAMILY_PATTERNS: list[tuple[str, str, str]] = [
    (r"xc7z\d{3}s?", "Zynq-7000", "DSP48E1"),
    (r"xc7a\d{2,3}t", "Artix-7", "DSP48E1"),
    (r"xc7k\d{2,3}t", "Kintex-7", "DSP48E1"),
    (r"xc7v[xh]?\d{3,4}t", "Virtex-7", "DSP48E1"),
    (r"xczu\d{1,2}(?:eg|ev|cg|dr)", "Zynq UltraScale+", "DSP48E2"),
    (r"xck2\d", "Kria K26 (Zynq UltraScale+)", "DSP48E2"),
    (r"xcku\d{1,2}p", "Kintex UltraScale+", "DSP48E2"),
    (r"xcku0\d{2}|xcku1\d{2}", "Kintex UltraScale", "DSP48E2"),
    (r"xcvu\d{1,2}p", "Virtex UltraScale+", "DSP48E2"),
    (r"xcvu\d{3}", "Virtex UltraScale", "DSP48E2"),
    (r"xcu\d{2,3}c?", "Alveo (UltraScale+)", "DSP48E2"),
]
#: what may follow the device in a full part name: nothing, "-package...", or a 7-series package
#: written straight after it ("xc7z020clg400-1")
_AFTER_DEVICE = r"(?:$|-|[a-z]{2,4}\d{3,4})"


def _family_of(name: str) -> tuple[str, str, str] | None:
    """(device, family, DSP slice) of a part name that matches a modelled family's pattern."""
    for pat, fam, dsp in FAMILY_PATTERNS:
        m = re.match(rf"({pat}){_AFTER_DEVICE}", name)
        if m:
            return m.group(1), fam, dsp
    return None


#: "-<grade><voltage suffix>[-<temperature>]" at the end of a full device name
_GRADE_RE = re.compile(r"-(\d)(l|lv|le|h)?(?:-[a-z]+)?$")


def speed_grade(part: str) -> int | None:
    """The speed grade in a full device name ("xczu3eg-sbva484-1-e" -> 1, "xck26-sfvc784-2LV-c" -> 2)."""
    m = _GRADE_RE.search((part or "").strip().lower())
    return int(m.group(1)) if m else None


def lookup_part(part: str, *, where: str = "design.part") -> Part:
    """The table entry whose device name starts `part` (e.g. "xcvu13p-flga2577-2-e" -> xcvu13p), or
    the part on a board hls4ml knows by name ("pynq-z2").

    A device of a modelled family that is not in the table comes back without totals
    (`capacity_known` False: estimated, no fit check). Anything else raises ConfigError naming the
    part and listing the known ones, because a silent default would make every number wrong; `where`
    names the setting it came from (a config field or a command-line option).
    """
    name = (part or "").strip().lower()
    name = (board_part(name) or name).lower()
    # longest matching prefix wins (xcu250 vs a hypothetical xcu2...)
    matches = [p for p in PARTS if name.startswith(p)]
    if matches:
        found = PARTS[max(matches, key=len)]
    else:
        family = _family_of(name)
        if family is None:
            raise ConfigError(
                f"unknown FPGA part '{part}' for the resource estimate (known: {', '.join(sorted(PARTS))}; "
                "or any device of the 7-series, UltraScale, UltraScale+ or Alveo families by name, without a fit check; "
                f"or a board: {', '.join(BOARD_PARTS)})",
                where=where,
                fix="use one of the known parts, or add the device's LUT/FF/DSP/BRAM_18K totals to flow/parts.py",
            )
        device, fam, dsp = family
        found = Part(device, fam, 0, 0, 0, 0, dsp, speed=FAMILY_SPEED[fam], capacity_known=False)
    m = _GRADE_RE.search(name)
    if m is None:
        return found
    ref = _REF_GRADE_7SERIES if found.dsp == "DSP48E1" else _REF_GRADE_US
    # a low-voltage-only grade (-2LV, -2LE: VCCINT 0.72 V) runs about one grade slower (DS925)
    steps = (int(m.group(1)) - ref) - (1 if m.group(2) in ("lv", "le") else 0)
    return dataclasses.replace(found, speed=found.speed * (1.0 - GRADE_STEP * steps))
