"""Peer position by robust z, checked against UK Oflog's published MADs from median.

Oflog's adult social care data (``../shared/data/uk_oflog_asc``) publish, for each
measure and year, every council's ``MADs_from_median`` = (value − median) / MAD, and
its text template words them with half-open bands ``[lower, upper)``: worse than
``[-3, -1.5)``, much worse than ``[-7.5, -3)``. Our ``robust_z`` peer rule with limits
−1.5 and −3 must put exactly the councils of those published bands at orange and red.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import evaluation as ev
from evaluation.risk import rules as risk


def test_robust_z_levels_match_oflog_bands(shared_data, tiny_raw):
    data = pd.read_csv(shared_data / "uk_oflog_asc" / "ASC_data.csv")
    # ASC1–ASC5 are higher-is-better (rank_order desc); ASC6/7 carry no direction
    data = data[data["Code"].isin(["ASC1", "ASC2", "ASC3", "ASC4", "ASC5"])]
    data = data.dropna(subset=["Value", "MADs_from_median"])
    tiny_raw["risk"] = {
        "rules": [
            {
                "kind": "peer",
                "node": "a1",
                "method": "robust_z",
                "within": "all",
                "yellow": -0.5,
                "orange": -1.5,
                "red": -3,
            }
        ]
    }
    cat = ev.parse_catalogue(tiny_raw)  # a1: higher is better
    checked = 0
    for (_, _), group in data.groupby(["Code", "Financial year"]):
        units = pd.DataFrame(
            {"unit_id": group["Local authority code"], "peer_group": "g1"}
        )
        values = pd.DataFrame(
            {
                "period": "2025",
                "unit_id": group["Local authority code"],
                "node_id": "a1",
                "value": group["Value"].astype(float),
            }
        )
        w = risk.evaluate(
            risk.Inputs(
                values,
                units,
                ["2025"],
                pd.DataFrame(columns=["unit_id", "period", "indicator_id", "value"]),
                pd.DataFrame(columns=["unit_id", "period", "event_id"]),
            ),
            cat,
        )
        z = group.set_index("Local authority code")["MADs_from_median"]
        expected = pd.Series(
            np.select([z < -3, z < -1.5, z < -0.5], ["red", "orange", "yellow"], ""),
            index=z.index,
        )
        got = w.set_index("unit_id")["level"].reindex(z.index).fillna("")
        assert got.to_dict() == expected.to_dict()
        checked += len(z)
    assert checked > 3000  # 35 measure-years of ~150 councils
