"""Graded early warning (分级预警): threshold warnings with reasons, a grade per unit.

First rule kind, from the catalogue's ``indicators[].risk`` thresholds: a rolled-up
value **at or beyond** a threshold takes that level (below it for higher-is-better
indicators, above it for lower-is-better); the most severe level reached wins. Only
reported values are graded: a missing or imputed value never raises a warning (it is
a data-quality matter, not performance). Every warning carries its reason, with the
numbers, in Chinese and English.

Levels are fixed, ordered red > orange > yellow > green, with colour-blind-safe
colours (Okabe–Ito).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalogue import Catalogue

LEVELS = ("green", "yellow", "orange", "red")  # ascending severity
NAMES = {
    "green": ("绿色", "green"),
    "yellow": ("黄色", "yellow"),
    "orange": ("橙色", "orange"),
    "red": ("红色", "red"),
}
COLOURS = {
    "green": "#009E73",
    "yellow": "#F0E442",
    "orange": "#E69F00",
    "red": "#D55E00",
}
WARNING_COLUMNS = [
    "period",
    "unit_id",
    "indicator_id",
    "rule",
    "level",
    "value",
    "threshold",
    "reason_zh",
    "reason_en",
]


def threshold_warnings(prepared: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """One row per (period, unit, indicator) whose reported value hits a threshold."""
    specs = {i.id: i for i in catalogue.indicators if i.risk is not None}
    rows = prepared[
        (prepared["status"] == "reported") & prepared["indicator_id"].isin(list(specs))
    ]
    if rows.empty:
        return pd.DataFrame(columns=WARNING_COLUMNS)
    ind = rows["indicator_id"]
    value = rows["value"].to_numpy(dtype=float)
    lower = ind.map({k: s.direction == "lower" for k, s in specs.items()}).to_numpy(
        bool
    )
    level = np.full(len(rows), "", dtype=object)
    threshold = np.full(len(rows), np.nan)
    for name in ("yellow", "orange", "red"):  # rising severity: later levels win
        limit = ind.map({k: getattr(s.risk, name) for k, s in specs.items()}).to_numpy(
            dtype=float
        )
        hit = ~np.isnan(limit) & np.where(lower, value >= limit, value <= limit)
        level[hit], threshold[hit] = name, limit[hit]
    out = rows.loc[level != "", ["period", "unit_id", "indicator_id"]].copy()
    keep = level != ""
    out["rule"] = "threshold"
    out["level"] = level[keep]
    out["value"] = value[keep]
    out["threshold"] = threshold[keep]
    out["reason_zh"], out["reason_en"] = _reasons(out, lower[keep], catalogue)
    return out[WARNING_COLUMNS].reset_index(drop=True)


def _reasons(w: pd.DataFrame, lower: np.ndarray, catalogue: Catalogue):
    table = catalogue.table
    zh, en = [], []
    for r, low in zip(w.itertuples(), lower, strict=True):  # warnings, not units
        meta = table.loc[r.indicator_id]
        uz, ue = meta["unit_zh"], meta["unit_en"]
        sep = "" if ue == "%" else " "
        zh.append(
            f"{meta['name_zh']} {r.value:.1f}{uz} {'不低于' if low else '不高于'}"
            f"{NAMES[r.level][0]}阈值 {r.threshold:g}{uz}"
        )
        en.append(
            f"{meta['name_en']} {r.value:.1f}{sep}{ue} "
            f"{'at or above' if low else 'at or below'} the {r.level} threshold "
            f"{r.threshold:g}{sep}{ue}"
        )
    return zh, en


def grade_units(
    warnings: pd.DataFrame, units: pd.DataFrame, periods: list[str]
) -> pd.DataFrame:
    """Each unit's level in each period: its most severe warning, green if none."""
    grid = pd.MultiIndex.from_product(
        [periods, units["unit_id"]], names=["period", "unit_id"]
    )
    severity = warnings["level"].map({k: i for i, k in enumerate(LEVELS)})
    worst = severity.groupby([warnings["period"], warnings["unit_id"]]).max()
    counts = (
        warnings.groupby(["period", "unit_id", "level"])
        .size()
        .unstack("level")
        .reindex(columns=["red", "orange", "yellow"])
    )
    out = pd.DataFrame(index=grid)
    out["level"] = pd.Series(
        np.asarray(LEVELS, dtype=object)[
            worst.reindex(grid).fillna(0).astype(int).to_numpy()
        ],
        index=grid,
    )
    for name in ("red", "orange", "yellow"):
        out[f"n_{name}"] = counts[name].reindex(grid).fillna(0).astype(int).to_numpy()
    return out.reset_index()
