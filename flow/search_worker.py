"""One search worker process: `python -m flow.search_worker --config-json F --run-dir D --worker-index I`.

Runs trials on the shared study until it has n_trials finished ones. Any number of these, on any
machine that reaches the study database and has the run folder's data/ and train/ artifacts.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m flow.search_worker")
    p.add_argument("--config-json", required=True, help="written by flow.search.write_worker_config")
    p.add_argument("--run-dir", required=True)
    p.add_argument("--worker-index", type=int, default=0)
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format=f"%(asctime)s w{args.worker_index} %(levelname).1s %(name)s: %(message)s")
    logging.getLogger("flow").setLevel(logging.INFO)
    from flow.config import validate_dict
    from flow.errors import FlowError
    from flow.search import Terminated, interrupt_on_sigterm, run_trials

    data = json.loads(Path(args.config_json).read_text())
    try:
        # SIGTERM (e.g. from the parent `flow search` being stopped) ends the running trial like
        # Ctrl-C: optuna records it as failed and it is re-queued for the resumed search
        with interrupt_on_sigterm():
            cfg = validate_dict(data["config"], source=data.get("source") or args.config_json)
            n = run_trials(cfg, Path(args.run_dir), worker_index=args.worker_index)
    except FlowError as exc:
        logging.getLogger("flow.search").error("%s", exc)
        return 1
    except KeyboardInterrupt as exc:
        terminated = isinstance(exc, Terminated)
        logging.getLogger("flow.search").warning("worker %d %s; finished trials are kept, a resumed search re-runs the interrupted one",
                                                 args.worker_index, "terminated" if terminated else "interrupted")  # fmt: skip
        return 128 + (signal.SIGTERM if terminated else signal.SIGINT)
    logging.getLogger("flow.search").info("worker %d ran %d trials", args.worker_index, n)
    return 0


if __name__ == "__main__":
    sys.exit(main())
