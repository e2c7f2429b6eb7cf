"""Statistical diagnostics of an index for the expert panel (one period at a time).

* correlations between indicator scores, within and across dimensions;
* Cronbach's alpha of each dimension's indicators (internal consistency);
* PCA explained variance of each dimension's indicators (is it one thing?);
* each indicator's effective weight in the composite next to its *importance*,
  the squared correlation with the composite divided by the sum over indicators
  (the "main effect" reading of Paruolo, Saisana & Saltelli 2013, linear case);
* warnings: redundant pairs (|r| > 0.9 in the same dimension), indicators negatively
  correlated with their dimension, and weights out of line with importance.

All computed from the Result's tables; nothing is recomputed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation.result import Result
from evaluation.vocabulary import Word, say

REDUNDANT = 0.9


def indicator_matrix(result: Result, period: str | None = None) -> pd.DataFrame:
    """Units × indicators normalised scores of one period."""
    period = period or result.period
    table = result.normalised[result.normalised["period"] == period]
    return table.pivot(index="unit_id", columns="indicator_id", values="score")[
        [i for i in result.catalogue.table.index if i in set(table["indicator_id"])]
    ]


def correlations(result: Result, period: str | None = None) -> pd.DataFrame:
    """Pearson correlations of indicator scores (pairwise complete), long form with
    whether the pair shares a parent dimension."""
    x = indicator_matrix(result, period)
    r = x.corr()
    parent = result.catalogue.table["parent"]
    long = r.where(np.triu(np.ones(r.shape, dtype=bool), k=1)).stack().rename("r")
    long.index.names = ["indicator_a", "indicator_b"]
    out = long.reset_index()
    out["same_dimension"] = out["indicator_a"].map(parent) == out["indicator_b"].map(
        parent
    )
    return out


def cronbach_alpha(x: pd.DataFrame) -> float:
    """``k/(k−1) · (1 − Σ var_i / var(Σ x_i))`` on complete rows (NaN if k < 2)."""
    x = x.dropna()
    k = x.shape[1]
    if k < 2 or len(x) < 2:
        return np.nan
    total = x.sum(axis=1).var(ddof=1)
    return (
        float(k / (k - 1) * (1 - x.var(ddof=1).sum() / total)) if total > 0 else np.nan
    )


def dimensions(result: Result, period: str | None = None) -> pd.DataFrame:
    """Per parent node of indicators: number, Cronbach's alpha, first PC's share."""
    x = indicator_matrix(result, period)
    parent = result.catalogue.table["parent"]
    rows = []
    for node, ids in (
        parent[parent.index.isin(x.columns)].groupby(parent).groups.items()
    ):
        block = x[list(ids)].dropna()
        share = np.nan
        if block.shape[1] >= 2 and len(block) > 2:
            std = block.std(ddof=1).replace(0, np.nan)
            corr = ((block - block.mean()) / std).dropna(axis=1).corr().to_numpy()
            if corr.size:
                values = np.linalg.eigvalsh(corr)
                share = float(values[-1] / values.sum())
        rows.append(
            {
                "node_id": node,
                "indicators": len(ids),
                "cronbach_alpha": cronbach_alpha(x[list(ids)]),
                "pc1_explained": share,
            }
        )
    return pd.DataFrame(rows)


def importance(result: Result, period: str | None = None) -> pd.DataFrame:
    """Each indicator's mean effective weight and its importance (normalised r²)."""
    period = period or result.period
    x = indicator_matrix(result, period)
    comp = result.composite[result.composite["period"] == period].set_index("unit_id")[
        "composite_score"
    ]
    r = x.apply(lambda col: col.corr(comp))
    weights = (
        result.contributions[result.contributions["period"] == period]
        .groupby("indicator_id")["weight"]
        .mean()
    )
    out = pd.DataFrame(
        {
            "weight": weights.reindex(x.columns),
            "r_composite": r,
            "importance": r**2 / (r**2).sum(),
        }
    )
    out["ratio"] = out["importance"] / out["weight"]
    return out.rename_axis("indicator_id").reset_index()


def warnings(
    result: Result,
    period: str | None = None,
    *,
    redundant: float = REDUNDANT,
    ratio: float = 3.0,
    lang: str = "en",
) -> pd.DataFrame:
    """Findings worth the panel's attention, each with its reason in ``lang``
    (``diagnostic_said``; in Chinese the other indicator or dimension by name)."""
    cat = result.catalogue

    def said(kind: str, other: str | None = None, **numbers) -> str:
        if other is not None:
            numbers["other"] = Word(cat.name_or_id(other, "zh"), other)
        return say("diagnostic_said", kind, **numbers).text(lang)

    rows = []
    for r in correlations(result, period).itertuples():
        if r.same_dimension and abs(r.r) > redundant:
            reason = said("redundant", r.indicator_b, r=f"{r.r:.2f}")
            rows.append((r.indicator_a, "redundant", reason))
    x = indicator_matrix(result, period)
    scores = result.scores[result.scores["period"] == (period or result.period)]
    node = scores.pivot(index="unit_id", columns="node_id", values="score")
    parent = cat.table["parent"]
    for ind in x.columns:
        if parent[ind] in node:
            r = x[ind].corr(node[parent[ind]])
            if r < 0:
                rows.append(
                    (ind, "negative", said("negative", parent[ind], r=f"{r:.2f}"))
                )
    for r in importance(result, period).itertuples():
        if r.weight > 0 and (r.ratio > ratio or r.ratio < 1 / ratio):
            reason = said(
                "weight_vs_importance",
                weight=f"{r.weight:.3f}",
                importance=f"{r.importance:.3f}",
                ratio=f"{r.ratio:.1f}",
            )
            rows.append((r.indicator_id, "weight_vs_importance", reason))
    return pd.DataFrame(rows, columns=["indicator_id", "kind", "reason"])
