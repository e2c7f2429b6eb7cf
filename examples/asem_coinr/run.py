"""COINr's ASEM example pipeline, expressed in our catalogue and run end to end.

    python examples/asem_coinr/run.py [path/to/shared/data]

Writes COINr's ASEM data (51 countries, 49 indicators, 4 denominators) as a dataset
folder and scores it: denominate, group-mean impute, treat outliers, min-max, and
arithmetic means up four levels. Prints the index, ranks and the treatment log.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pandas as pd

import evaluation as ev

HERE = Path(__file__).resolve().parent


def asem_dataset(shared_data: Path, folder: Path) -> None:
    """Write COINr's iData as units.csv and observations/coinr.csv."""
    meta = pd.read_csv(shared_data / "coinr_asem" / "iMeta.csv")
    data = pd.read_csv(shared_data / "coinr_asem" / "iData.csv")
    series = meta.loc[meta["Type"].isin(["Indicator", "Denominator"]), "iCode"]
    units = pd.DataFrame(
        {
            "unit_id": data["uCode"],
            "name_zh": data["uName"],
            "name_en": data["uName"],
            "peer_group": data["EurAsia_group"].str.lower(),
            "level": "country",
            "parent_id": "",
        }
    )
    obs = (
        data.set_index("uCode")[list(series)]
        .rename(columns=str.lower)
        .rename_axis(index="unit_id", columns="indicator_id")
        .stack(future_stack=True)
        .rename("value")
        .reset_index()
        .assign(period="2018")
    )
    ev.write_dataset(
        folder,
        units,
        obs[["unit_id", "period", "indicator_id", "value"]],
        name="coinr.csv",
    )


def run(shared_data: Path) -> ev.Result:
    catalogue = ev.load_catalogue(HERE / "indicators.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        asem_dataset(shared_data, Path(tmp))
        return ev.run(catalogue, ev.load_dataset(tmp), period="2018", run_at="example")


if __name__ == "__main__":
    shared = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parents[2] / "shared" / "data"
    )
    result = run(shared)
    print(
        result.league_table()[
            ["rank", "unit_id", "name_en", "composite_score", "conn", "sust"]
        ]
        .head(10)
        .to_string(index=False)
    )
    print(f"\ntreated indicators: {len(result.treatment)}")
    print(
        result.treatment[["indicator_id", "method", "points", "units"]].to_string(
            index=False
        )
    )
