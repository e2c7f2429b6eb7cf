"""Reproduce Oflog's published "MADs from median" for every measure and year.

python examples/oflog_asc/run.py [path/to/shared/data]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

import evaluation as ev

HERE = Path(__file__).resolve().parent
GROUPS = {
    "Unitary Authorities": "unitary",
    "Counties": "county",
    "London Boroughs": "london",
    "Metropolitan Districts": "metropolitan",
}


def oflog_dataset(shared_data: Path, folder: Path) -> pd.DataFrame:
    """Write the ASC measures as a dataset (every council × measure × year, empty
    where Oflog has no value); return the published table."""
    raw = pd.read_csv(shared_data / "uk_oflog_asc" / "ASC_data.csv")
    raw = raw.assign(
        unit_id=raw["Local authority code"],
        period=raw["Financial year"].str[:4],
        indicator_id=raw["Code"].str.lower(),
    )
    councils = raw.drop_duplicates("unit_id")
    units = pd.DataFrame(
        {
            "unit_id": councils["unit_id"],
            "name_zh": councils["Local authority name"],
            "name_en": councils["Local authority name"],
            "peer_group": councils["Entity_Name"].map(GROUPS),
            "level": "council",
            "parent_id": "",
        }
    )
    grid = pd.MultiIndex.from_product(
        [
            units["unit_id"],
            sorted(raw["period"].unique()),
            [f"asc{k}" for k in range(1, 8)],
        ],
        names=["unit_id", "period", "indicator_id"],
    ).to_frame(index=False)
    obs = grid.merge(raw[["unit_id", "period", "indicator_id", "Value"]], how="left")
    ev.write_dataset(
        folder, units, obs.rename(columns={"Value": "value"}), name="oflog.csv"
    )
    return raw


def compare(shared_data: Path) -> pd.DataFrame:
    catalogue = ev.load_catalogue(HERE / "indicators.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        published = oflog_dataset(shared_data, Path(tmp))
        result = ev.run(
            catalogue, ev.load_dataset(tmp), period="2022", run_at="example"
        )
    ours = result.normalised.assign(mads=lambda t: t["score"] - 50)
    return published.dropna(subset=["Value"]).merge(
        ours[["unit_id", "period", "indicator_id", "mads"]]
    )


if __name__ == "__main__":
    shared = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[2] / "shared" / "data"
    )
    t = compare(shared)
    diff = (t["mads"] - t["MADs_from_median"]).abs()
    print(
        f"{len(t):,} published values in {t.groupby(['Code', 'period']).ngroups} "
        f"measure-years: max |ours − published| = {diff.max():.2e}"
    )
