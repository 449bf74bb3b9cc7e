"""Per-class histograms of the 16 jet features: the visual physics sanity check of the data."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from flow.errors import DataError
from flow.physics.ecf import FEATURE_NAMES

log = logging.getLogger(__name__)

CLASS_COLOURS = {"g": "tab:blue", "q": "tab:orange", "t": "tab:green", "w": "tab:red", "z": "tab:purple"}


def load_jet_table(path: str | Path) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Read a jet .parquet/.npz file into ({feature: float array}, class labels); DataError if malformed."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"jet data file {str(path)!r} does not exist", where=str(path))
    if path.suffix.lower() == ".npz":
        try:
            with np.load(path, allow_pickle=False) as z:
                names = [str(n) for n in z["feature_names"]]
                X = z["X"].astype(np.float64)
                labels = np.asarray(z["class"]).astype(str).astype(object)
        except (OSError, KeyError, ValueError) as exc:
            raise DataError(f"cannot read {str(path)!r} as a jet .npz: {exc}", where=str(path)) from exc
        missing = [c for c in FEATURE_NAMES if c not in names]
        if missing:
            raise DataError(f"{str(path)!r} lacks features {missing}", where=str(path))
        return {name: X[:, names.index(name)] for name in FEATURE_NAMES}, labels
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises several types for a corrupt file
        raise DataError(f"cannot read {str(path)!r} as parquet: {exc}", where=str(path)) from exc
    missing = [c for c in (*FEATURE_NAMES, "class") if c not in table.column_names]
    if missing:
        raise DataError(f"{str(path)!r} lacks columns {missing}", where=str(path))
    feats = {name: table[name].to_numpy().astype(np.float64) for name in FEATURE_NAMES}
    labels = np.asarray(table["class"].to_pylist(), dtype=object)
    return feats, labels


def plot_feature_histograms(path_to_data: str | Path, out_png: str | Path) -> Path:
    """Write one PNG with a 4x4 grid: each feature's normalised histogram per class.

    Bin edges come from the 0.5-99.5 percentiles over all classes so a few outliers do not
    squash the peaks (the W/Z/top mass peaks should be visible at ~80/91/173 GeV).
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    feats, labels = load_jet_table(path_to_data)
    classes = [c for c in CLASS_COLOURS if np.any(labels == c)] + sorted(
        set(labels) - set(CLASS_COLOURS)
    )
    fig, axes = plt.subplots(4, 4, figsize=(16, 13))
    for ax, name in zip(axes.ravel(), FEATURE_NAMES):
        x = feats[name]
        finite = x[np.isfinite(x)]
        if name == "multiplicity":
            lo, hi = np.percentile(finite, [0, 99.5]) if finite.size else (0, 1)
            bins = np.arange(np.floor(lo), np.ceil(hi) + 2) - 0.5
            if bins.size > 80:
                bins = np.linspace(bins[0], bins[-1], 61)
        else:
            lo, hi = np.percentile(finite, [0.5, 99.5]) if finite.size else (0.0, 1.0)
            if hi <= lo:
                hi = lo + 1.0
            bins = np.linspace(lo, hi, 41)
        for c in classes:
            xc = x[(labels == c) & np.isfinite(x)]
            if xc.size:
                ax.hist(xc, bins=bins, histtype="step", density=True, label=f"{c} ({xc.size})",
                        color=CLASS_COLOURS.get(c))
        ax.set_title(name, fontsize=10)
        ax.tick_params(labelsize=8)
    axes.ravel()[0].legend(fontsize=8)
    fig.suptitle(f"Jet features per class: {Path(path_to_data).name}")
    fig.tight_layout()
    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    log.info("wrote feature histograms to %s", out)
    return out
