"""COINr's ASEM example pipeline: our catalogue-driven run against an independent
re-implementation of COINr's definitions (``../shared/data/coinr_asem/SOURCE.md``),
written here with pandas and scipy only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats import rankdata

from ..conftest import load_example

pytestmark = pytest.mark.shared_data


def excel_fails(x: pd.Series) -> bool:
    v = x.dropna()
    s, k = stats.skew(v, bias=False), stats.kurtosis(v, bias=False)
    return abs(s) >= 2 and k >= 3.5


def coinr_treat(x: pd.Series, winmax: int = 5) -> pd.Series:
    """COINr 1.1.14 ``winsorise()`` + ``log_CT``: ``nwin`` is the number of points in
    the latest high step plus the latest low step (``length(imax) + length(imin)``)."""
    t, n_high, n_low = x.copy(), 0, 0
    while excel_fails(t) and n_high + n_low < winmax:
        if stats.skew(t.dropna(), bias=False) >= 0:
            at = t == t.max()
            t[at] = t[~at].max()
            n_high = int(at.sum())
        else:
            at = t == t.min()
            t[at] = t[~at].min()
            n_low = int(at.sum())
    if excel_fails(t):
        return np.log(x - x.min() + 0.01 * (x.max() - x.min()))
    return t


def coinr_asem(folder) -> pd.Series:
    meta = pd.read_csv(folder / "iMeta.csv")
    data = pd.read_csv(folder / "iData.csv").set_index("uCode")
    ind = meta[meta["Type"] == "Indicator"].set_index("iCode")
    x = data[ind.index].astype(float)
    for code, den in ind["Denominator"].dropna().items():  # Denominate
        x[code] = x[code] / data[den]
    group = data["EurAsia_group"]  # Impute: group mean
    x = x.fillna(x.groupby(group).transform("mean"))
    keep = x.notna().mean(axis=1) >= 0.9  # Screen byNA 0.9
    x = x[keep]
    x = x.apply(coinr_treat)  # Treat
    signed = x * ind["Direction"]  # Normalise: min-max 0–100 on direction · x
    level = 100 * (signed - signed.min()) / (signed.max() - signed.min())
    parent = meta.set_index("iCode")["Parent"]
    for _ in range(3):  # Aggregate: arithmetic means (weights all 1), four levels
        level = level.T.groupby(level.columns.map(parent)).mean().T
    return level["Index"]


def test_asem_example_matches_coinr_definitions(shared_data):
    example = load_example("asem_coinr")
    result = example.run(shared_data)
    expected = coinr_asem(shared_data / "coinr_asem")
    ours = result.composite.set_index("unit_id")["composite_score"]
    assert len(expected) == 51  # nobody screened out after the group imputation
    np.testing.assert_allclose(ours[expected.index], expected, atol=1e-9)
    ranks = result.ranks.set_index("unit_id")["rank"][expected.index]
    assert ranks.tolist() == list(rankdata(-expected.round(9), method="min"))
    assert (result.treatment["method"] == "winsorise").sum() >= 10
