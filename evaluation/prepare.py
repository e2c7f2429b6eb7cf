"""Roll sub-period reports up to evaluation periods and apply missing-data rules.

Output is dense: one row per (period, unit, indicator) for every unit in the units
table, every evaluation period scored and every indicator that fits the period, in
that order, so stages can reshape it to a ``(period, unit) × indicator`` matrix
without a pivot.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import periods as P
from .catalogue import Catalogue

#: how each (period, unit, indicator) value came about
STATUSES = ("reported", "missing_excluded", "missing_zero_score", "imputed_peer_median")


def scored_indicators(catalogue: Catalogue, frequency: str) -> list[str]:
    """Indicators reported at least as often as ``frequency`` (catalogue order)."""
    size = P.months_per(frequency)
    return [i.id for i in catalogue.indicators if P.months_per(i.frequency) <= size]


def evaluation_periods(observations: pd.DataFrame, period: str) -> list[str]:
    """Every period of ``period``'s frequency that has reports, up to ``period``."""
    freq = P.frequency_of(period)
    labels = P.containing(pd.Series(observations["period"].unique()), freq)
    found = {p for p in labels.dropna() if P.sort_key(p) <= P.sort_key(period)}
    return sorted(found | {period}, key=P.sort_key)


def prepare(
    observations: pd.DataFrame,
    units: pd.DataFrame,
    catalogue: Catalogue,
    *,
    period: str,
) -> pd.DataFrame:
    """Roll reports up to ``period``'s frequency, for it and every earlier period.

    Returns ``period, unit_id, indicator_id, value, n_reported, n_expected, status``.
    ``value`` is NaN where nothing usable was reported and the rule is ``exclude`` or
    ``zero_score`` (normalisation turns the latter into a score of 0).
    """
    freq = P.frequency_of(period)
    ids = scored_indicators(catalogue, freq)
    if not ids:
        raise ValueError(f"no indicator is reported often enough to score {period!r}")
    eval_periods = evaluation_periods(observations, period)
    unit_ids = units["unit_id"].to_numpy()
    meta = catalogue.table.loc[ids]
    n_p, n_u, n_i = len(eval_periods), len(unit_ids), len(ids)

    obs = observations[observations["indicator_id"].isin(ids)]
    obs = obs.assign(eval_period=P.containing(obs["period"], freq).to_numpy())
    p_code = pd.Categorical(obs["eval_period"], categories=eval_periods).codes
    u_code = pd.Categorical(obs["unit_id"], categories=unit_ids).codes
    i_code = pd.Categorical(obs["indicator_id"], categories=ids).codes
    value = obs["value"].to_numpy(dtype=float)
    use = (p_code >= 0) & (u_code >= 0) & ~np.isnan(value)
    key = (p_code.astype(np.int64) * n_u + u_code) * n_i + i_code
    size = n_p * n_u * n_i

    k, v = key[use], value[use]
    count = np.bincount(k, minlength=size).astype(float)
    total = np.bincount(k, weights=v, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    # last: the report with the latest last month in each key
    sub = P.parse(obs["period"])
    month = (sub["year"] * 12 + sub["end_month"]).to_numpy(dtype=float)
    order = np.lexsort((month[use], k))
    last = np.full(size, np.nan)
    last[k[order]] = v[order]  # later positions overwrite earlier ones
    # weighted mean by a volume series reported for the same unit and sub-period
    weighted = np.full(size, np.nan)
    for ind_id, weight_by in meta["weight_by"].dropna().items():
        weights = observations.loc[
            observations["indicator_id"] == weight_by, ["unit_id", "period", "value"]
        ].rename(columns={"value": "_w"})
        rows = obs["indicator_id"].to_numpy() == ind_id
        w = (
            obs.loc[rows, ["unit_id", "period"]]
            .merge(weights, on=["unit_id", "period"], how="left")["_w"]
            .to_numpy(dtype=float)
        )
        ok = use[rows] & ~np.isnan(w) & (w > 0)
        kk = key[rows][ok]
        num = np.bincount(kk, weights=value[rows][ok] * w[ok], minlength=size)
        den = np.bincount(kk, weights=w[ok], minlength=size)
        with np.errstate(invalid="ignore", divide="ignore"):
            this = num / den
        mine = np.zeros(size, dtype=bool)
        mine[kk] = True
        weighted[mine] = this[mine]

    expected = np.stack(
        [
            P.expected_counts(meta.loc[i, "frequency"], eval_periods).to_numpy()
            for i in ids
        ],
        axis=1,
    )  # (periods, indicators)
    n_expected = np.broadcast_to(expected[:, None, :], (n_p, n_u, n_i)).reshape(-1)
    method = np.tile(meta["rollup"].to_numpy(), n_p * n_u)
    with np.errstate(invalid="ignore", divide="ignore"):
        rolled = np.select(
            [
                method == "mean",
                method == "sum",
                method == "last",
                method == "weighted_mean",
            ],
            [mean, total * n_expected / count, last, weighted],
            np.nan,
        )
    rolled[count == 0] = np.nan

    frame = pd.DataFrame(
        {
            "period": np.repeat(np.asarray(eval_periods, dtype=object), n_u * n_i),
            "unit_id": np.tile(np.repeat(unit_ids, n_i), n_p),
            "indicator_id": np.tile(np.asarray(ids, dtype=object), n_p * n_u),
            "value": rolled,
            "n_reported": count.astype(int),
            "n_expected": n_expected.astype(int),
        }
    )
    return _apply_missing_rules(frame, units, meta)


def _apply_missing_rules(frame: pd.DataFrame, units: pd.DataFrame, meta: pd.DataFrame):
    rule = frame["indicator_id"].map(meta["missing"])
    missing = frame["value"].isna()
    status = np.where(
        missing,
        "missing_"
        + rule.replace({"exclude": "excluded", "peer_median": "excluded"}).astype(str),
        "reported",
    )
    impute = missing & rule.eq("peer_median")
    if impute.any():
        group = frame["unit_id"].map(units.set_index("unit_id")["peer_group"])
        median = (
            frame["value"]
            .groupby([frame["period"], group, frame["indicator_id"]], sort=False)
            .transform("median")
        )
        filled = impute & median.notna()
        frame.loc[filled, "value"] = median[filled]
        status = np.where(filled, "imputed_peer_median", status)
    frame["status"] = pd.Categorical(status, categories=STATUSES)
    return frame
