"""The rankings and risk pages at city scale (2,000 units, rank intervals stored),
over HTTP as the browser calls them: what an update sends, and in what order.
Bytes and orders are deterministic; nothing here is timed."""

from __future__ import annotations

import base64
import json

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from dashboards.app import create_app
from evaluation.analysis import uncertainty as U
from evaluation.generate import generate_city, write_city
from evaluation.publish.publication import Publication

from ..conftest import ROOT

LIMIT = 200_000  #: bytes of one update (issue 13)
SEVERITY = {"red": 3, "orange": 2, "yellow": 1, "green": 0}


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """1,950 departments and 50 districts, a year of months, rank intervals."""
    root = tmp_path_factory.mktemp("city")
    catalogue = ev.load_catalogue(ROOT / "indicators.yaml")
    tables = generate_city(
        catalogue, departments=1950, districts=50, months=12, start_year=2025,
        anomalies=False,
    )  # fmt: skip
    write_city(tables, root / "src", catalogue)
    result = ev.run(catalogue, ev.load_dataset(root / "src"), period="2025")
    draws = U.run(result, U.Spec(n=40))
    path = root / "store.duckdb"
    with Publication(path) as s:
        run = s.add_run(result, by="analyst", uncertainty=draws)
        s.publish(run, by="director")
    app = create_app(path)
    client = app.server.test_client()
    assert client.get("/").status_code == 200
    return client, result, run


def _post(client, output: str, inputs: list, state=()) -> tuple[int, dict]:
    outputs = [
        {"id": o.split(".")[0], "property": o.split(".")[1]}
        for o in output.strip(".").split("...")
    ]
    body = {
        "output": output,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": inputs,
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
        "state": list(state),
    }
    sent = client.post("/_dash-update-component", json=body)
    assert sent.status_code == 200, sent.get_data(as_text=True)[:500]
    return len(sent.get_data()), json.loads(sent.get_data())["response"]


def _v(id_, prop, value):
    return {"id": id_, "property": prop, "value": value}


def _rows(client, run, scope, start=0, end=100, sort=(), lang="zh"):
    request = {"startRow": start, "endRow": end, "sortModel": list(sort)}
    size, response = _post(
        client,
        "rankings-grid.getRowsResponse",
        [_v("rankings-grid", "getRowsRequest", request)],
        [
            _v("rankings-period", "value", "2025"),
            _v("rankings-peer-group", "value", scope),
            _v("app-lang", "value", lang),
            _v("app-run", "value", run),
            _v("rankings-first-pending", "data", False),  # the page's block taken
        ],
    )
    return size, response["rankings-grid"]["getRowsResponse"]


@pytest.mark.parametrize("scope", ["_levels", "_all", "_level:department", "social"])
def test_an_update_sends_at_most_200_kb(city, scope):
    client, _, run = city
    size, view = _post(
        client,
        "..rankings-grid.columnDefs...rankings-bar.figure..",
        [
            _v("rankings-period", "value", "2025"),
            _v("rankings-peer-group", "value", scope),
            _v("app-lang", "value", "zh"),
            _v("app-run", "value", run),
        ],
        [_v("rankings-card", "data", None)],  # a desktop: no phone's card
    )
    assert size <= LIMIT
    # the chart: the 10 best and 10 worst of each list, not 2,000 bars
    bars = sum(len(t["y"]) for t in view["rankings-bar"]["figure"]["data"])
    assert bars == (40 if scope == "_levels" else 20)
    size, block = _rows(client, run, scope)
    assert size <= LIMIT and len(block["rowData"]) == 100
    counts = {"_levels": 2000, "_all": 2000, "_level:department": 1950}
    assert block["rowCount"] == counts.get(scope, block["rowCount"])


def test_districts_and_departments_are_ranked_apart(city):
    """Each list 1..n by composite score among its own level (as an analyst ranks
    them in a spreadsheet), districts first."""
    client, result, run = city
    rows = []
    for start in range(0, 2000, 500):
        rows += _rows(client, run, "_levels", start, start + 500)[1]["rowData"]
    shown = pd.DataFrame(rows)
    assert list(shown["level"]) == ["district"] * 50 + ["department"] * 1950
    comp = result.composite.query("period == '2025'").set_index("unit_id")
    for level, part in shown.groupby("level"):
        score = comp.loc[part["unit_id"], "composite_score"]
        expected = score.rank(method="min", ascending=False).astype(int)
        assert part["rank"].tolist() == expected.tolist(), level
        assert part["rank"].tolist() == sorted(part["rank"])


def test_sorting_by_risk_puts_red_before_orange_before_yellow(city):
    client, result, run = city
    rows = []
    sort = [{"colId": "risk_level", "sort": "asc"}]
    for start in range(0, 2000, 100):
        rows += _rows(client, run, "_all", start, start + 100, sort)[1]["rowData"]
    levels = [SEVERITY[r["risk_level"]] for r in rows]
    assert levels == sorted(levels, reverse=True)
    risk = result.risk.query("period == '2025'")
    assert levels.count(3) == (risk["level"] == "red").sum() > 0
    # and back: green first
    back = _rows(client, run, "_all", 0, 100, [{"colId": "risk_level", "sort": "desc"}])
    assert {r["risk_level"] for r in back[1]["rowData"]} == {"green"}


def test_sorting_by_score_and_the_numbers_shown(city):
    client, result, run = city
    sort = [{"colId": "composite_score", "sort": "asc"}]
    rows = _rows(client, run, "_all", 0, 100, sort, lang="en")[1]["rowData"]
    comp = result.composite.query("period == '2025'")["composite_score"]
    assert rows[0]["composite_score"] == pytest.approx(comp.min(), abs=0.005)
    scores = [r["composite_score"] for r in rows]
    assert scores == sorted(scores)
    for r in rows:  # two decimals, never a negative zero; names in English only
        for v in (r["composite_score"], r["efficiency"]):
            assert v is None or (round(v, 2) == v and str(v) != "-0.0")
        assert "link_zh" not in r and r["link_en"].startswith("[")
    # rank intervals of the stored uncertainty run, over all units
    assert all(
        isinstance(r["rank_interval"], str) and "(" in r["rank_interval"] for r in rows
    )


def test_risk_page_worst_30_labelled_and_paged(city):
    client, result, run = city
    size, out = _post(
        client,
        "..risk-heading.children...risk-period-label.children..."
        "risk-warnings-heading.children...risk-warnings-note.children..."
        "risk-ledger-heading.children..."
        "risk-heatmap-note.children...risk-heatmap.figure..."
        "risk-warnings.columnDefs...risk-ledger.columnDefs..",
        [
            _v("risk-period", "value", "2025"),
            _v("app-lang", "value", "zh"),
            _v("app-run", "value", run),
        ],
    )
    assert size <= LIMIT
    heat = out["risk-heatmap"]["figure"]
    cells = heat["data"][0]
    assert len(cells["y"]) == 30
    # every row and column labelled
    assert heat["layout"]["yaxis"]["tickvals"] == cells["y"]
    assert heat["layout"]["xaxis"]["tickvals"] == cells["x"]
    z = cells["z"]  # plotly's typed array: base64 bytes, dtype, shape
    z = np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(
        [int(n) for n in str(z["shape"]).split(",")]
    )
    # worst first by the unit's own warning level (the last column): no red unit
    # left out of the 30 for an orange one with more coloured cells
    overall = list(z[:, -1])
    assert overall == sorted(overall, reverse=True)
    risk = result.risk[result.risk["period"] == "2025"]
    red = int((risk["level"] == "red").sum())
    assert overall.count(max(overall)) == min(red, 30) > 0
    headers = [c["headerName"] for c in out["risk-ledger"]["columnDefs"]]
    assert "编号" not in headers  # no internal ledger ids
    # no bare numbers (a score of 70.32 beside a limit of -3.00 reads as nonsense):
    # the reason says the value and the limit with their unit
    warnings = out["risk-warnings"]["columnDefs"]
    headers = [c["headerName"] for c in warnings]
    assert "数值" not in headers and "阈值" not in headers
    assert (
        headers[-1] == "原因" and warnings[-1]["tooltipField"] == warnings[-1]["field"]
    )
    # under the warnings, what the peer warnings' reasons count in (indicators.yaml
    # has a robust-z peer rule): the typical gap, as the exported About sheet says
    assert out["risk-warnings-note"]["children"] == (
        "典型差距：同类各单位与同类单位中位数之差（取绝对值）的中位数。同类比较预警的"
        "阈值和原因按落后同类单位中位数多少个典型差距表述。"
    )
    request = {"startRow": 0, "endRow": 15, "sortModel": []}
    size, page = _post(
        client,
        "risk-warnings.getRowsResponse",
        [_v("risk-warnings", "getRowsRequest", request)],
        [
            _v("risk-period", "value", "2025"),
            _v("app-lang", "value", "zh"),
            _v("app-run", "value", run),
        ],
    )
    page = page["risk-warnings"]["getRowsResponse"]
    assert size <= LIMIT and len(page["rowData"]) == 15
    assert page["rowCount"] == (result.warnings["period"] == "2025").sum()
    assert [r["_level"] for r in page["rowData"]] == ["red"] * 15


def test_a_page_load_brings_the_grids_first_block_and_the_server_leaves_it(city):
    """A full page load of /rankings carries the first 100 rows of its list (both
    levels apart, the run's period) in the layout: the grid's first request is
    answered in the page, so the server refuses that one request while the page's
    block is pending (204) and answers every other (a sort, a later block)."""
    from tests.dashboards.test_overview_page import find

    client, result, run = city
    page = client.get(
        "/_dash-layout", headers={"Referer": "http://localhost/rankings"}
    ).get_json()
    first = find(page, "rankings-first")["props"]["data"]
    assert find(page, "rankings-first-pending")["props"]["data"] is True
    assert find(page, "rankings-period")["props"]["value"] == "2025"
    _, asked = _rows(client, run, "_levels")  # the same block from the server
    assert first == asked and len(first["rowData"]) == 100
    assert first["rowCount"] == len(result.units)

    def rows(request):
        body = {
            "output": "rankings-grid.getRowsResponse",
            "outputs": {"id": "rankings-grid", "property": "getRowsResponse"},
            "inputs": [_v("rankings-grid", "getRowsRequest", request)],
            "changedPropIds": ["rankings-grid.getRowsRequest"],
            "state": [
                _v("rankings-period", "value", "2025"),
                _v("rankings-peer-group", "value", "_levels"),
                _v("app-lang", "value", "zh"),
                _v("app-run", "value", run),
                _v("rankings-first-pending", "data", True),
            ],
        }
        return client.post("/_dash-update-component", json=body).status_code

    assert rows({"startRow": 0, "endRow": 100, "sortModel": []}) == 204
    sort = [{"colId": "composite_score", "sort": "asc"}]
    assert rows({"startRow": 0, "endRow": 100, "sortModel": sort}) == 200
    assert rows({"startRow": 100, "endRow": 200, "sortModel": []}) == 200
