"""Command line: `flow run|validate|verify|estimate|search|data|synth`.

`main(argv) -> int`: 0 on success, 1 on a user error, usage errors included (printed as one
paragraph, no traceback). Heavy imports happen inside the commands.
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
from pathlib import Path
from typing import Sequence

from flow.design import SOFTMAX_IMPLEMENTATIONS
from flow.errors import FlowError
from flow.parts import DEFAULT_PART

log = logging.getLogger("flow")


def _setup_logging(verbose: int) -> None:
    level = logging.DEBUG if verbose > 1 else logging.INFO if verbose >= 0 else logging.WARNING
    # the flow's own loggers at the chosen level; third-party libraries (some log on the root
    # logger) only show warnings unless -vv
    logging.basicConfig(level=logging.DEBUG if verbose > 1 else logging.WARNING, format="%(levelname).1s %(name)s: %(message)s", stream=sys.stderr)
    logging.getLogger("flow").setLevel(level)
    if verbose < 2:
        import warnings

        # Keras 2 warns on every QKeras save/load (legacy HDF5, quantizer serialization): noise for users
        warnings.filterwarnings("ignore", category=UserWarning, module=r"keras(\.|$)")
        logging.getLogger("tensorflow").setLevel(logging.ERROR)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv: debug)")
    p.add_argument("-q", "--quiet", action="store_true", help="warnings and errors only")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def _any_case(choices: Sequence[str]):
    """An argparse type that reads a choice in any case ('resource' is Resource, as in tables and hls4ml configs);
    anything else passes through for argparse's own 'invalid choice' message."""
    by_lower = {c.lower(): c for c in choices}
    return lambda text: by_lower.get(text.strip().lower(), text)


def _clock_period(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of ns (e.g. 5)") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of ns (e.g. 5)")
    return value


def _add_hls_options(p: argparse.ArgumentParser, command: str) -> None:
    """The HLS options of `verify` (a saved model: converted and compiled) and `estimate` (a saved
    model, or an existing hls4ml project, which keeps its own settings but for the marked ones)."""
    project = command == "estimate"
    model_only = " (a saved model only; an hls4ml project keeps its own)" if project else ""
    p.add_argument("--input-type", help="declared input type, e.g. 'fixed<16,6>' or 'ap_fixed<16,6>' (quote it in a shell; default: "
                                        f"the model's first quantizer, else fixed<16,6>){model_only}")
    if project:
        backend = ("default Vivado; an hls4ml project is priced for its own backend: --backend names it for a project that "
                   "names none, and Vitis prices a project written for hls4ml's Vivado backend as built with Vitis HLS "
                   "(Vivado on a project written for the Vitis backend is refused)")
        part = (f"FPGA part or board, e.g. xcu250-figd2104-2L-e or pynq-z2 (default {DEFAULT_PART}; for an hls4ml project: the "
                "project's own); the parts with known totals are in flow/parts.py, any other 7-series, UltraScale(+) or "
                "Alveo device is estimated without a fit check")
        period = "ns (default 5; for an hls4ml project: the project's own)"
        uncertainty = ("hls4ml's ClockUncertainty, '12.5%%' or ns (default: the backend's, Vivado 12.5%%, Vitis 27%%; "
                       "for an hls4ml project: the project's own)")
    else:
        backend = "hls4ml backend the project is written for (default Vivado)"
        part = f"FPGA part written into the project, a full device name (default {DEFAULT_PART})"
        period = "clock period written into the project, in ns (default 5)"
        uncertainty = "hls4ml's ClockUncertainty, '12.5%%' or ns (default: the backend's, Vivado 12.5%%, Vitis 27%%)"
    p.add_argument("--backend", default=None, choices=["Vivado", "Vitis"], type=_any_case(["Vivado", "Vitis"]), help=backend)
    p.add_argument("--part", default=None, help=part)
    p.add_argument("--clock-period", type=_clock_period, default=None, help=period)
    p.add_argument("--clock-uncertainty", default=None, help=uncertainty)
    p.add_argument("--io-type", default=None, choices=["io_parallel", "io_stream"], type=_any_case(["io_parallel", "io_stream"]),
                   help=f"default io_parallel{model_only}")
    strategies = ["Latency", "Resource", "distributed_arithmetic"]
    p.add_argument("--strategy", default=None, choices=strategies, type=_any_case(strategies), help=f"default Latency (any case){model_only}")
    p.add_argument("--reuse-factor", type=int, default=None, help=f"default 1{model_only}")
    p.add_argument("--softmax-implementation", default=None, choices=SOFTMAX_IMPLEMENTATIONS, type=_any_case(SOFTMAX_IMPLEMENTATIONS),
                   help=f"hls4ml's softmax for a softmax output (default stable; argmax: one-hot decision, no table){model_only}")


class _UsageError(Exception):
    """A command line argparse rejects; main() reports it and returns 1, as for any user error."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own exits with 2; a user error here is 1
        raise _UsageError(f"{self.format_usage()}{self.prog}: error: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="flow", description="Train, quantize, search, convert and verify a network for FPGAs.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="run the whole flow for a config (resumes finished stages)")
    p.add_argument("config", help="the YAML config (docs/config.md)")
    p.add_argument("--out", help="run directory (default runs/<name>)")
    stages = "data, train, search, convert, csim, resources, report"
    p.add_argument("--from", dest="from_stage", metavar="STAGE", help=f"re-run from this stage on ({stages})")
    p.add_argument("--to", dest="to_stage", metavar="STAGE", help="stop after this stage (later stages whose inputs changed are marked stale)")
    p.add_argument("--force", action="store_true", help="re-run every stage")
    _add_common(p)

    p = sub.add_parser("validate", help="check config files (instant; no TensorFlow import)")
    p.add_argument("configs", nargs="+", metavar="config", help="YAML config file(s)")
    _add_common(p)

    p = sub.add_parser("verify", help="convert a saved QKeras model and prove the C-simulation bit-exact")
    p.add_argument("model", help="QKeras model (.h5)")
    p.add_argument("--data", required=True, help="raw float inputs: .npy (rows x features), .npz (array X, or its only "
                                                  "array) or .csv/.csv.gz of the feature columns only (header optional)")
    p.add_argument("--labels", help="optional class indices, one per row (.npy, .npz array y, or a .csv with one column of them), to report accuracy")
    p.add_argument("--out", required=True, help="output directory (report.json, HLS project)")
    _add_hls_options(p, "verify")
    _add_common(p)

    p = sub.add_parser("estimate", help="FPGA resource/latency estimate of a saved QKeras model or an hls4ml project (no vendor tools)")
    p.add_argument("model", help="QKeras model (.h5), or an hls4ml project directory (the one holding firmware/)")
    p.add_argument("--out", help="write resources.json (and a plot) here")
    _add_hls_options(p, "estimate")
    _add_common(p)

    p = sub.add_parser("search", help="run the bit-width search of a config with N local workers")
    p.add_argument("config", help="a YAML config with search.enabled: true (docs/search.md)")
    p.add_argument("--workers", type=int, default=1, help="local worker processes on the one study (default 1; optuna only)")
    p.add_argument("--out", help="run directory (default runs/<name>)")
    _add_common(p)

    p = sub.add_parser("synth", help="vendor synthesis of a run's HLS project when vivado_hls/vitis_hls is on PATH")
    p.add_argument("config", help="the YAML config of a finished run")
    p.add_argument("--out", help="run directory (default runs/<name>)")
    _add_common(p)

    p = sub.add_parser("data", help="make data sets")
    dsub = p.add_subparsers(dest="data_command", required=True)
    j = dsub.add_parser("jets", help="simulate the LHC jet-tagging data set with Pythia 8 + fastjet")
    j.add_argument("--n-per-class", type=int, required=True, help="jets per class")
    j.add_argument("--out", required=True, help="output .parquet or .npz")
    j.add_argument("--seed", type=int, default=0, help="random seed, >= 0 (default 0; the file is a function of seed, workers, classes and pT window)")
    j.add_argument("--workers", type=int, default=1, help="generator processes (default 1)")
    j.add_argument("--classes", default="g,q,t,w,z", help="comma-separated classes among g, q, t, w, z (default all five)")
    j.add_argument("--pt-min", type=float, default=800.0, help="lowest jet pT in GeV (default 800; window within [450, 3000], at least 50 wide)")
    j.add_argument("--pt-max", type=float, default=1200.0, help="highest jet pT in GeV (default 1200)")
    j.add_argument("--plot", help="also write per-class feature histograms to this PNG")
    _add_common(j)
    return parser


# --------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------


def cmd_validate(args) -> int:
    from flow.config import load_config

    failed = 0
    for path in args.configs:  # every file is checked, a bad one does not hide the next
        try:
            cfg = load_config(path)
        except FlowError as exc:
            failed += 1
            print(f"error: {exc.render()}", file=sys.stderr)
            continue
        print(f"{path}: ok ({cfg.name}: {len(cfg.model.layers)} layers, data {cfg.data.source})")
    return 1 if failed else 0


def cmd_run(args) -> int:
    from flow.config import load_config
    from flow.runner import run

    cfg = load_config(args.config)
    t0 = time.perf_counter()
    run_dir = Path(args.out) if args.out else None
    state = run(cfg, run_dir=run_dir, from_stage=args.from_stage, to_stage=args.to_stage, force=args.force, progress=not args.no_progress)
    from flow.runner import default_run_dir

    out = run_dir or default_run_dir(cfg)
    seconds = time.perf_counter() - t0
    stale = state.get("stale", {})
    if "report" in stale or (args.to_stage and "report" not in state["stages"]):
        # stopped by --to: an earlier run's report (its accuracies, its bit-exactness) is not this config's result
        report = (f"the report {out / 'report.md'} is out of date ({', '.join(stale)} do not follow from {args.config}; "
                  f"`flow run {args.config}` without --to brings them up to date)" if "report" in stale
                  else f"no report yet (`flow run {args.config}` without --to makes it)")
        print(f"{cfg.name}: stages up to {args.to_stage} up to date in {out}; {report} ({seconds:.0f} s)")
        return 0
    summary = state["stages"].get("report", {}).get("summary", {})
    acc = summary.get("accuracy", {})
    if acc:
        subset = (f" on {acc['csim_rows']} of {acc['test_rows']} test rows (QKeras {acc['qkeras_on_csim_rows']:.4f} on them)"
                  if acc.get("qkeras_on_csim_rows") is not None else "")
        print(
            f"{cfg.name}: float {acc.get('float', 0):.4f}, QKeras {acc.get('qkeras', 0):.4f}, C-sim {acc.get('csim') or 0:.4f}{subset}; "
            f"bit-exact: {summary.get('bit_exact')}; "
            + (f"DOES NOT FIT {summary.get('part')} (estimate); " if summary.get("fits") is False else "")
            + f"report {out / 'report.md'} ({seconds:.0f} s)"
        )
    return 0


def cmd_verify(args) -> int:
    from flow.verify import verify

    report = verify(
        model_path=Path(args.model), data_path=Path(args.data), out_dir=Path(args.out), labels_path=Path(args.labels) if args.labels else None,
        input_type=args.input_type, hls_options=_hls_options(args), progress=not args.no_progress,
    )  # fmt: skip
    from flow.csim import DECISIONS

    be = report["bit_exact"]
    approx = ""
    if be.get("approximate_output"):
        how = DECISIONS.get(be["approximate_output"], "decision")
        approx = (f"; {be['approximate_output']} output (approximate in hls4ml) agrees on {how} for "
                  f"{100 * be['output_agreement']:.2f}% of rows")
    # the diagnosis of an exact run is the word "bit-exact" itself: said once, at the start
    diagnosis = "" if be["diagnosis"] == "bit-exact" else f"; {be['diagnosis']}"
    print(f"{args.model}: {'bit-exact' if be['exact'] else 'NOT bit-exact'}: {be['exact_rows']}/{be['rows']} rows{diagnosis}{approx}; "
          f"report {Path(args.out) / 'report.json'}")
    for w in be.get("warnings", []):
        print(f"warning: {w}")
    return 0 if be["exact"] else 1


def cmd_estimate(args) -> int:
    from flow.verify import estimate_model, estimate_project

    out = Path(args.out) if args.out else None
    if Path(args.model).is_dir():
        from flow.errors import ConfigError
        from flow.verify import HLS_OPTIONS

        # a project carries its own strategy, reuse factors, io type, backend and types in firmware/
        ignored = [HLS_OPTIONS[field] for field, value in _hls_options(args).items()
                   if field not in ("part", "clock_period_ns", "clock_uncertainty", "backend") and value is not None]
        if args.input_type is not None:
            ignored.append("--input-type")
        if ignored:
            raise ConfigError(f"{', '.join(ignored)} cannot change an existing hls4ml project: its settings are read from its "
                              "firmware/", where=args.model,
                              fix="leave them out (only --part, --clock-period, --clock-uncertainty and --backend apply to a "
                                  "project; --backend names the backend of a project that names none, or, as Vitis, prices a "
                                  "project written for hls4ml's Vivado backend as built with Vitis HLS), "
                                  "or regenerate the project with hls4ml using those settings")
        result = estimate_project(project_dir=Path(args.model), out_dir=out, part=args.part, clock_period_ns=args.clock_period,
                                  clock_uncertainty=args.clock_uncertainty, backend=args.backend)
    else:
        result = estimate_model(model_path=Path(args.model), out_dir=out, input_type=args.input_type, hls_options=_hls_options(args))
    t = result["total"]
    bound = "" if t.get("complete", True) else "lower bound (layers not estimated, below): "
    print(
        f"{args.model}: {bound}LUT {t['LUT']:.0f}, FF {t['FF']:.0f}, DSP {t['DSP']:.0f}, BRAM_18K {t['BRAM_18K']:.0f}, "
        f"latency {t['latency_cycles']} cycles ({t['latency_ns']:.1f} ns), II {t['ii']} on {result['part']}"
    )
    for w in result.get("warnings", []):
        print(f"warning: {w}")
    return 0


def cmd_search(args) -> int:
    from flow.config import load_config
    from flow.errors import ConfigError

    cfg = load_config(args.config)
    if not cfg.search.enabled:
        raise ConfigError("search.enabled is false", where=f"{args.config}: search.enabled", fix="set search.enabled: true and give the search space (docs/search.md)")
    if args.workers < 1:
        raise ConfigError(f"--workers {args.workers} must be >= 1", where="--workers", fix="pass a positive number of worker processes")
    from flow.search import run_cli

    return run_cli(cfg, workers=args.workers, run_dir=Path(args.out) if args.out else None, progress=not args.no_progress)


def cmd_synth(args) -> int:
    from flow.artifacts import write_json
    from flow.config import load_config
    from flow.runner import default_run_dir
    from flow.vendor import vendor_synth

    cfg = load_config(args.config)
    project = Path(cfg.hls.project_dir) / cfg.name
    if not project.is_dir():
        raise FlowError(f"no HLS project at {project}", where=args.config, fix=f"run `flow run {args.config}` first")
    result = vendor_synth(project, cfg.hls.backend)
    out = Path(args.out) if args.out else default_run_dir(cfg)
    write_json(out / "vendor_synth.json", result)
    print(f"vendor synthesis: {result.get('status', 'done')}")
    return 0


def cmd_data(args) -> int:
    from flow.physics.jets import generate_jets

    meta = generate_jets(
        n_per_class=args.n_per_class, out=args.out, seed=args.seed, workers=args.workers,
        classes=tuple(c.strip() for c in args.classes.split(",") if c.strip()), pt_min=args.pt_min, pt_max=args.pt_max,
        progress=not args.no_progress,
    )  # fmt: skip
    if args.plot:
        from flow.physics.plots import plot_feature_histograms

        plot_feature_histograms(args.out, args.plot)
    print(f"wrote {args.out}: {meta.get('counts')}")
    return 0


def _hls_options(args) -> dict:
    """HlsConfig fields from the options of _add_hls_options (unset ones take HlsConfig's defaults)."""
    from flow.verify import HLS_OPTIONS

    return {field: getattr(args, option[2:].replace("-", "_")) for field, option in HLS_OPTIONS.items()}


COMMANDS = {
    "run": cmd_run,
    "validate": cmd_validate,
    "verify": cmd_verify,
    "estimate": cmd_estimate,
    "search": cmd_search,
    "synth": cmd_synth,
    "data": cmd_data,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    _setup_logging(-1 if args.quiet else args.verbose)
    try:
        return COMMANDS[args.command](args)
    except FlowError as exc:
        print(f"error: {exc.render()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        print("interrupted; finished stages are kept, the running one left nothing behind", file=sys.stderr)
        return 143 if type(exc).__name__ == "Terminated" else 130  # SIGTERM (the search's handler) or Ctrl-C


def main_entry() -> None:
    sys.exit(main())
