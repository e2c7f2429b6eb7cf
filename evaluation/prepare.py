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
    labels = pd.Series(
        [
            *P.containing(pd.Series(observations["period"].unique()), freq)
            .dropna()
            .unique(),
            period,
        ]
    )
    parsed = P.parse(labels)
    month = parsed["year"] * 12 + parsed["end_month"]
    keep = labels[month <= month.iloc[-1]].drop_duplicates()
    return keep.iloc[np.argsort(month[keep.index].to_numpy(), kind="stable")].tolist()


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

    obs = observations  # no row copies: work on integer codes of the columns
    i_code = _codes(obs["indicator_id"], ids)
    u_code = _codes(obs["unit_id"], unit_ids)
    # periods: parse the few distinct labels once, then index by code
    sub_code, labels = pd.factorize(obs["period"])
    parsed = P.parse(pd.Series(labels))
    month = (parsed["year"] * 12 + parsed["end_month"]).to_numpy(dtype=float)[sub_code]
    in_eval = P.containing(pd.Series(labels), freq)
    p_code = pd.Index(eval_periods).get_indexer(in_eval)[sub_code]
    value = obs["value"].to_numpy(dtype=float)
    use = (i_code >= 0) & (p_code >= 0) & (u_code >= 0) & ~np.isnan(value)
    key = (p_code.astype(np.int64) * n_u + u_code) * n_i + i_code
    size = n_p * n_u * n_i

    k, v = key[use], value[use]
    count = np.bincount(k, minlength=size).astype(float)
    total = np.bincount(k, weights=v, minlength=size)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
    # last: the report with the latest last month in each key
    order = np.lexsort((month[use], k))
    last = np.full(size, np.nan)
    last[k[order]] = v[order]  # later positions overwrite earlier ones
    # weighted mean by a volume series reported for the same unit and sub-period
    weighted = np.full(size, np.nan)
    for ind_id, weight_by in meta["weight_by"].dropna().items():
        volume = observations[observations["indicator_id"] == weight_by]
        v_key = _codes(volume["unit_id"], unit_ids) * len(labels) + _codes(
            volume["period"], labels
        )
        lookup = pd.Series(volume["value"].to_numpy(dtype=float), index=v_key)
        lookup = lookup[(v_key >= 0) & ~lookup.index.duplicated()]
        rows = i_code == ids.index(ind_id)
        w = lookup.reindex(u_code[rows] * len(labels) + sub_code[rows]).to_numpy()
        ok = use[rows] & ~np.isnan(w) & (w > 0)
        kk = key[rows][ok]
        num = np.bincount(kk, weights=value[rows][ok] * w[ok], minlength=size)
        den = np.bincount(kk, weights=w[ok], minlength=size)
        with np.errstate(invalid="ignore", divide="ignore"):
            this = num / den
        mine = np.zeros(size, dtype=bool)
        mine[kk] = True
        weighted[mine] = this[mine]

    per_freq = {
        f: P.expected_counts(f, eval_periods).to_numpy() for f in set(meta["frequency"])
    }
    expected = np.stack([per_freq[f] for f in meta["frequency"]], axis=1)  # (p, i)
    n_expected = np.broadcast_to(expected[:, None, :], (n_p, n_u, n_i)).reshape(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        candidates = {
            "mean": mean,
            "sum": total * n_expected / count,  # pro-rata for missing reports
            "last": last,
            "weighted_mean": weighted,
        }
    rolled = np.full((n_p * n_u, n_i), np.nan)
    for method, cols in meta.reset_index().groupby("rollup").indices.items():
        rolled[:, cols] = candidates[method].reshape(-1, n_i)[:, cols]
    rolled = rolled.reshape(-1)
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


def _codes(values: pd.Series, categories) -> np.ndarray:
    """Position of each value in ``categories`` (-1 if absent), via the uniques only."""
    codes, uniques = pd.factorize(values)
    lookup = np.append(pd.Index(categories).get_indexer(uniques), -1)  # code -1 → -1
    return lookup[codes]


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
