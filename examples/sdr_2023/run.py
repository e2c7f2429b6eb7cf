"""Reproduce the SDG Index 2023 (Sustainable Development Report 2023), one catalogue.

    python examples/sdr_2023/run.py [path/to/shared/data]

Writes the SDR's raw indicator values for the 166 countries it indexes as a dataset
folder (the SDR regions as peer groups), scores it with ``indicators.yaml``
(goalposts per indicator, goals as means of their indicators, a missing goal filled
with its region's mean, the index as the mean of the 17 goals), and compares every
country's index and rank with the published ones.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

import evaluation as ev

HERE = Path(__file__).resolve().parent
CSV = Path("sdr2023_sdg_index") / "SDR-2023-Data.csv"
REGIONS = {
    "OECD": "oecd",
    "E. Europe & C. Asia": "eeca",
    "LAC": "lac",
    "East & South Asia": "esa",
    "Oceania": "oceania",
    "MENA": "mena",
    "Sub-Saharan Africa": "ssa",
}
#: the one indicator whose raw-value column is empty in the data: its published
#: normalised score is its value (goalposts 0–100 in the catalogue)
NO_RAW = "sdg16_safe"


def read_sdr(shared_data: Path) -> pd.DataFrame:
    """The 166 countries the SDR indexes (one row each, by ISO3 code; the regional
    aggregates, coded ``_…``, left out)."""
    data = pd.read_csv(shared_data / CSV).set_index("Country Code ISO3")
    country = ~data.index.str.startswith("_")
    return data[country & data["2023 SDG Index Score"].notna()]


def raw_column(data: pd.DataFrame, code: str) -> str:
    """An indicator's raw-value column: the one before ``Year: code``."""
    columns = list(data.columns)
    return columns[columns.index(f"Year: {code}") - 1]


def sdr_dataset(shared_data: Path, folder: Path, catalogue: ev.Catalogue) -> None:
    """Write the countries as units (peer group: SDR region) and their indicator
    values as observations of period 2023 (an empty cell where the SDR has none)."""
    data = read_sdr(shared_data)
    units = pd.DataFrame(
        {
            "unit_id": data.index,
            "name_zh": data["Country"],
            "name_en": data["Country"],
            "peer_group": data["Regions used for the SDR"].map(REGIONS),
            "level": "country",
            "parent_id": "",
        }
    )
    values = pd.DataFrame(
        {
            i.id: pd.to_numeric(
                data[
                    f"Normalized Score: {i.id}"
                    if i.id == NO_RAW
                    else raw_column(data, i.id)
                ],
                errors="coerce",
            )
            for i in catalogue.indicators
        }
    )
    observations = (
        values.rename_axis(index="unit_id", columns="indicator_id")
        .stack(future_stack=True)
        .rename("value")
        .reset_index()
        .assign(period="2023")
    )
    ev.write_dataset(
        folder,
        units,
        observations[["unit_id", "period", "indicator_id", "value"]],
        name="sdr.csv",
    )


def run(shared_data: Path, catalogue: ev.Catalogue | None = None) -> ev.Result:
    """Score the SDR data with ``catalogue`` (default: ``indicators.yaml`` here)."""
    catalogue = catalogue or ev.load_catalogue(HERE / "indicators.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        sdr_dataset(shared_data, Path(tmp), catalogue)
        return ev.run(catalogue, ev.load_dataset(tmp), period="2023", run_at="example")


def compare(shared_data: Path, result: ev.Result | None = None) -> pd.DataFrame:
    """Our index and rank next to the SDR's, one row per country: ``ours`` unrounded,
    ``rounded`` to the published 1 decimal (half up), ``rank``."""
    result = result or run(shared_data)
    published = read_sdr(shared_data)
    ours = result.composite.set_index("unit_id")["composite_score"]
    rank = result.ranks.set_index("unit_id")["rank"]
    return pd.DataFrame(
        {
            "country": published["Country"],
            "ours": ours,
            "rounded": np.floor(ours * 10 + 0.5) / 10,
            "published": published["2023 SDG Index Score"],
            "rank": rank,
            "published_rank": published["2023 SDG Index Rank"],
        }
    )


if __name__ == "__main__":
    shared = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[2] / "shared" / "data"
    )
    result = run(shared)
    table = compare(shared, result)
    same = (table["rounded"] - table["published"]).abs() < 1e-9
    worst = (table["ours"] - table["published"]).abs().max()
    print(
        f"index equal at 1 decimal: {int(same.sum())}/{len(table)}; "
        f"max |ours - published| {worst:.4f}; "
        f"ranks equal: {int((table['rank'] == table['published_rank']).sum())}"
        f"/{len(table)}"
    )
    filled = result.scores[result.scores["imputed"]]
    print(f"goals filled with the region mean: {len(filled)}")
    print(filled.groupby("node_id").size().to_string())
    print(table.sort_values("rank").head(10).to_string())
