"""Reproduce the published UNDP HDI 2021 from its components with our catalogue.

    python examples/hdi_2021/run.py [path/to/shared/data]

Writes the components as an agency dataset (units + observations), runs the
pipeline, and compares every country's HDI and rank with UNDP's published values.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

import evaluation as ev
from evaluation.scoring.rank import rank_units

HERE = Path(__file__).resolve().parent
COLUMNS = {
    "le_2021": "life_expectancy",
    "eys_2021": "expected_schooling",
    "mys_2021": "mean_schooling",
    "gnipc_2021": "gni_per_capita",
}
GROUPS = {"Very High": "very_high", "High": "high", "Medium": "medium", "Low": "low"}


def hdi_dataset(shared_data: Path, folder: Path) -> pd.DataFrame:
    """Write UNDP's 2021 components as a dataset folder; return the published table."""
    raw = pd.read_csv(
        shared_data
        / "undp_hdi_2021"
        / "HDR21-22_Composite_indices_complete_time_series.csv"
    )
    raw = raw[raw["hdi_2021"].notna()].set_index("iso3")
    units = pd.DataFrame(
        {
            "unit_id": raw.index,
            "name_zh": raw["country"],
            "name_en": raw["country"],
            "peer_group": raw["hdicode"].map(GROUPS),
            "level": "country",
            "parent_id": "",
        }
    )
    observations = (
        raw[list(COLUMNS)]
        .rename(columns=COLUMNS)
        .rename_axis("unit_id")
        .reset_index()
        .melt(id_vars="unit_id", var_name="indicator_id")
        .assign(period="2021")
    )
    ev.write_dataset(
        folder,
        units,
        observations[["unit_id", "period", "indicator_id", "value"]],
        name="undp.csv",
    )
    return raw[["country", "hdi_2021", "hdi_rank_2021"]]


def compare(shared_data: Path) -> pd.DataFrame:
    """Our HDI (composite / 100) and rank next to UNDP's, one row per country."""
    catalogue = ev.load_catalogue(HERE / "indicators.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        published = hdi_dataset(shared_data, Path(tmp))
        result = ev.run(
            catalogue, ev.load_dataset(tmp), period="2021", run_at="example"
        )
    ours = result.composite.set_index("unit_id")["composite_score"] / 100
    # UNDP ranks the HDI as published, rounded to 3 decimals; ties share the best rank
    rounded = ours.round(3)
    rank = rank_units(
        pd.Series(
            rounded.to_numpy(),
            index=pd.MultiIndex.from_arrays(
                [["2021"] * len(rounded), rounded.index], names=["period", "unit_id"]
            ),
        )
    )
    return published.assign(
        hdi=ours, rank=rank.to_numpy(), diff=(ours - published["hdi_2021"]).abs()
    )


if __name__ == "__main__":
    shared = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[2] / "shared" / "data"
    )
    table = compare(shared)
    print(
        f"{len(table)} countries; max |ours − published| = {table['diff'].max():.6f}; "
        f"ranks equal: {(table['rank'] == table['hdi_rank_2021']).all()}"
    )
    print(table.sort_values("rank").head(10).to_string())
