"""notebooks/bitwidth_search.ipynb runs top to bottom (a tiny search on digits, export, flow verify)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "bitwidth_search.ipynb"


def test_bitwidth_search_notebook_executes(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.delenv("FLOW_SEARCH_RUN", raising=False)
    monkeypatch.setenv("FLOW_NOTEBOOK_WORK", str(tmp_path))
    monkeypatch.setenv("FLOW_NOTEBOOK_VERIFY", "1")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "3")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # started in its own folder, as Jupyter and nbconvert do: it must find the repository's config itself
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()
    outputs = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    assert "Pareto points" in outputs and "picked trial" in outputs
    assert "bit-exact: True" in outputs
    assert any(p.name.startswith("picked_trial_") for p in tmp_path.iterdir())
    assert (tmp_path / "run" / "search" / "search.json").exists()
    # figures were produced (Pareto, heatmap, metrics)
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 3


def _parameter_cell() -> str:
    import json

    cells = json.loads(NOTEBOOK.read_text())["cells"]
    return "".join(next(c for c in cells if c["cell_type"] == "code")["source"])


def test_a_run_folder_relative_to_the_repository_root_is_found_from_notebooks(tmp_path, monkeypatch):
    """docs/search.md: the notebook runs from the repository root or from notebooks/ with
    FLOW_SEARCH_RUN=runs/digits_search; from notebooks/ the first cell read runs/... against
    notebooks/ and failed. The parameter cell alone, in a stand-in repository."""
    pytest.importorskip("matplotlib")
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "digits_search.yaml").write_text("name: x\n")
    (tmp_path / "notebooks").mkdir()
    run = tmp_path / "runs" / "digits_search"
    run.mkdir(parents=True)
    (run / "state.json").write_text('{"config": "configs/digits_search.yaml"}')
    monkeypatch.chdir(tmp_path / "notebooks")
    monkeypatch.setenv("FLOW_SEARCH_RUN", "runs/digits_search")
    monkeypatch.delenv("FLOW_SEARCH_CONFIG", raising=False)
    monkeypatch.setenv("FLOW_NOTEBOOK_WORK", str(tmp_path / "work"))
    scope: dict = {}
    exec(compile(_parameter_cell(), "cell-1", "exec"), scope)
    assert Path(scope["RUN_DIR"]) == run
    assert Path(scope["CONFIG"]) == tmp_path / "configs" / "digits_search.yaml"

    monkeypatch.setenv("FLOW_SEARCH_RUN", "runs/not_there")
    with pytest.raises(FileNotFoundError, match="FLOW_SEARCH_RUN=runs/not_there: no such run folder"):
        exec(compile(_parameter_cell(), "cell-1", "exec"), {})
