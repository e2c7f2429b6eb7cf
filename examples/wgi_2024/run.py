"""Reproduce the World Bank's published WGI percentile ranks, every indicator and year.

    python examples/wgi_2024/run.py [path/to/shared/data]

Writes the estimates as an agency dataset (one row per economy, indicator and year
from 1996 to 2023, empty where the World Bank has no estimate), scores every year in
one run, and compares our percentile scores, rounded half up to 1 decimal, with the
published ``pctrank``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import evaluation as ev
from evaluation.publish.export import round_half_up

HERE = Path(__file__).resolve().parent


def wgi_dataset(shared_data: Path, folder: Path) -> pd.DataFrame:
    """Write the WGI estimates as a dataset folder; return the published table."""
    raw = pd.read_csv(
        shared_data / "wb_wgi_2024" / "wgidataset.csv",
        encoding="utf-8-sig",
        na_values="..",
        keep_default_na=False,
    )
    economies = raw.drop_duplicates("code")[["code", "countryname"]]
    units = pd.DataFrame(
        {
            "unit_id": economies["code"],
            "name_zh": economies["countryname"],
            "name_en": economies["countryname"],
            "peer_group": "all",
            "level": "economy",
            "parent_id": "",
        }
    )
    # every year 1996–2023 (the WGI skipped 1997, 1999 and 2001: empty rows there)
    grid = pd.MultiIndex.from_product(
        [
            economies["code"],
            [str(y) for y in range(1996, 2024)],
            ["va", "pv", "ge", "rq", "rl", "cc"],
        ],
        names=["unit_id", "period", "indicator_id"],
    ).to_frame(index=False)
    published = raw.assign(period=raw["year"].astype(str)).rename(
        columns={"code": "unit_id", "indicator": "indicator_id"}
    )
    obs = grid.merge(
        published[["unit_id", "period", "indicator_id", "estimate"]], how="left"
    ).rename(columns={"estimate": "value"})
    ev.write_dataset(folder, units, obs, name="world_bank.csv")
    return published


def compare(shared_data: Path) -> pd.DataFrame:
    """Published pctrank next to ours, one row per economy, indicator and year."""
    catalogue = ev.load_catalogue(HERE / "indicators.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        published = wgi_dataset(shared_data, Path(tmp))
        result = ev.run(
            catalogue, ev.load_dataset(tmp), period="2023", run_at="example"
        )
    ours = result.normalised.assign(ours=lambda t: round_half_up(t["score"], 1))
    table = published.dropna(subset=["estimate"]).merge(
        ours[["period", "unit_id", "indicator_id", "ours"]]
    )
    table["ours"] = table["ours"].astype(float)
    # the published ranks use unrounded estimates; ties in the 2-dp estimates can sit
    # anywhere between their lowest and highest rank
    group = table.groupby(["period", "indicator_id"])["estimate"]
    n = group.transform("count")
    top = group.rank(method="max")
    table["ours_max"] = np.array(
        round_half_up(100 * (top - 1) / (n - 1), 1), dtype=float
    )
    return table


if __name__ == "__main__":
    shared = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[2] / "shared" / "data"
    )
    t = compare(shared)
    exact = (t["ours"] == t["pctrank"]).sum()
    within = ((t["pctrank"] >= t["ours"]) & (t["pctrank"] <= t["ours_max"])).sum()
    print(
        f"{len(t):,} published ranks, {t['period'].nunique()} years: "
        f"{exact:,} exact, {within:,} within the ties of the rounded estimates"
    )
