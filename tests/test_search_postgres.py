"""Scale-out for real: a PostgreSQL server on loopback, two worker processes on one study by URL.

Starts its own throwaway server (initdb + pg_ctl from the Debian `postgresql` package, run as the
`postgres` user when we are root). Skips only when no server can be started here.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.test_search_common import make_cfg, trained_copy


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def postgres_url():
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb/pg_ctl); install with: apt-get install -y postgresql")
    as_root = os.geteuid() == 0
    if as_root:
        try:
            import pwd

            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root but there is no 'postgres' user to run the server as")
        prefix = ["runuser", "-u", "postgres", "--"]
    else:
        prefix = []
    root = Path(tempfile.mkdtemp(prefix="flow-pg-"))
    os.chmod(root, 0o755)
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    if as_root:
        os.chown(root, pw.pw_uid, pw.pw_gid)
        os.chown(sock, pw.pw_uid, pw.pw_gid)
    port = _free_port()
    log = root / "server.log"

    def run(*cmd: str) -> subprocess.CompletedProcess:
        return subprocess.run([*prefix, *cmd], capture_output=True, text=True, timeout=120)

    r = run(str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
    if r.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"cannot initialize a PostgreSQL data directory here: {r.stderr.strip()[:300]}")
    opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50"
    r = run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", opts, "-w", "-t", "60", "start")
    if r.returncode != 0:
        text = log.read_text() if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.skip(f"cannot start a PostgreSQL server here: {(r.stderr + text).strip()[:300]}")
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def test_two_workers_on_one_postgres_study(postgres_url, tmp_path_factory, tmp_path):
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        pytest.fail("psycopg2 is missing: the server started, but the flow needs `pip install psycopg2-binary` to reach it")
    from optuna.trial import TrialState

    from flow.search import count_finished, open_study, preflight, run_workers

    run_dir = trained_copy(tmp_path_factory, tmp_path / "run")
    cfg = make_cfg(tmp_path, n_trials=4, storage=postgres_url, study_name="pg-study")
    preflight(cfg)  # reachable
    run_workers(cfg, run_dir, workers=2)
    assert not (run_dir / "search.db").exists()  # the study lives in PostgreSQL, not in the run folder
    study = open_study(cfg, run_dir)
    assert count_finished(study) >= 4
    complete = [t for t in study.get_trials(deepcopy=False) if t.state == TrialState.COMPLETE]
    logged = []
    for log in sorted((run_dir / "search_logs").glob("worker_*.log")):
        logged += [int(n) for n in re.findall(r"trial (\d+): val acc", log.read_text())]
    assert len(logged) == len(set(logged)), f"a trial was evaluated twice: {sorted(logged)}"
    assert sorted(logged) == sorted(t.number for t in complete)
    # a second process opening the same URL sees the same trials (no local state)
    import optuna

    from flow.search import normalize_url

    other = optuna.load_study(study_name="pg-study", storage=normalize_url(postgres_url))
    assert sorted(t.number for t in other.get_trials(deepcopy=False)) == sorted(t.number for t in study.get_trials(deepcopy=False))
