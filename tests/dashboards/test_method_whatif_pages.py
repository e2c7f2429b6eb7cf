"""The methodology and what-if pages over HTTP, on the hand-checked views run.

The run (tests/analysis/test_views.py): 4 units, dimensions a (0.6) and b (0.4),
indicator values = scores. Dimension scores by hand: a = 70, 60, 30, 90 and
b = 55, 72.5, 60, 15 for U1–U4; published composite 64, 65, 42, 60 (ranks 2, 1, 4, 3).
"""

from __future__ import annotations

import copy
import json
import re

import numpy as np
import pytest
from scipy.stats import entropy

from dashboards import app as dashboard
from evaluation.analysis import views as V
from evaluation.publish import plots
from evaluation.publish.store import save_result
from tests.analysis.test_views import CATALOGUE, run

from ..conftest import half_up

WHATIF = (
    "..whatif-table-holder.children...whatif-table.rowData..."
    "whatif-movers.children..."
    '{"dim":["ALL"],"type":"whatif-share"}.children...'
    "whatif-message.children...whatif-message.style.."
)
METHOD = (
    "..method-heading.children...method-note.children..."
    "method-hierarchy-heading.children...method-nodes-heading.children..."
    "method-indicators-heading.children...method-sunburst.figure..."
    "method-nodes-holder.children...method-indicators-holder.children.."
)
#: codes that must never reach a Chinese page
CODES = re.compile(
    r"\b(manual|ahp|entropy|arithmetic|goalposts|minmax|annual|monthly)\b"
)


def _client(result, tmp_path):
    folder = save_result(result, tmp_path / "result")
    return dashboard.create_app(folder).server.test_client()


def _post(client, output: str, inputs: list, state=()):
    outputs = []
    for o in output.strip(".").split("..."):
        ident, prop = o.rsplit(".", 1)
        outputs.append({"id": ident, "property": prop})
    body = {
        "output": output,
        "outputs": outputs,
        "inputs": inputs,
        "changedPropIds": [],
        "state": list(state),
    }
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:400]
    return json.loads(answer.get_data(as_text=True))["response"]


def _whatif(
    client, a, b, lang="zh", *, rebuild=False, seq=None, page="test"
) -> dict | None:
    """The what-if callback as the page sends it: the change numbered (``seq``,
    rising by default) with the sliders, period and language; None when the server
    sends nothing (an answer already overtaken)."""
    global _SEQ
    _SEQ += 1
    ids = [{"type": "whatif-weight", "dim": d} for d in ("a", "b")]
    ask = {"page": page, "seq": _SEQ if seq is None else seq, "lang": rebuild}
    body = {
        "output": WHATIF,
        "outputs": [
            {"id": "whatif-table-holder", "property": "children"},
            {"id": "whatif-table", "property": "rowData"},
            {"id": "whatif-movers", "property": "children"},
            [
                {"id": {"dim": d, "type": "whatif-share"}, "property": "children"}
                for d in ("a", "b")
            ],
            {"id": "whatif-message", "property": "children"},
            {"id": "whatif-message", "property": "style"},
        ],
        "inputs": [{"id": "whatif-ask", "property": "data", "value": ask}],
        "state": [
            [
                {"id": i, "property": "value", "value": v}
                for i, v in zip(ids, (a, b), strict=True)
            ],
            [{"id": i, "property": "id", "value": i} for i in ids],
            {"id": "whatif-period", "property": "value", "value": "2025"},
            {"id": "app-lang", "property": "value", "value": lang},
            {"id": "app-run", "property": "value", "value": None},
        ],
        "changedPropIds": ["whatif-ask.data"],
    }
    answer = client.post("/_dash-update-component", json=body)
    if answer.status_code == 204:
        return None
    assert answer.status_code == 200, answer.get_data(as_text=True)[:400]
    return json.loads(answer.get_data(as_text=True))["response"]


_SEQ = 0


def _grid(holder: dict) -> dict:
    """The props of the grid a callback sent inside its holder."""
    return holder["children"]["props"]


@pytest.fixture
def client(tmp_path):
    return _client(run(tmp_path), tmp_path)


# ------------------------------------------------------------------- what-if
def test_all_weights_at_zero_say_so_in_both_languages(client):
    out = _whatif(client, 0, 0)
    message = out["whatif-message"]
    assert "所有权重均为0" in message["children"]
    assert message["style"].get("display") != "none"
    assert out["whatif-table"]["rowData"] == []
    shares = [out[k]["children"] for k in out if "whatif-share" in k]
    assert shares == ["—", "—"]
    said = out["whatif-movers"]["children"]  # words, not an empty chart
    assert said["type"] == "P" and said["props"]["children"] == "无排名：权重均为0"
    en = _whatif(client, 0, 0, "en")["whatif-message"]["children"]
    assert en.startswith("Every weight is 0")


def test_weights_are_shares_summing_to_100_and_rank_by_hand(client):
    """a 1, b 2 → shares 1/3 and 2/3: U1 (70 + 2·55)/3 = 60, U2 (60 + 2·72.5)/3 =
    68.33, U3 (30 + 2·60)/3 = 50, U4 (90 + 2·15)/3 = 40; ranks U2, U1, U3, U4; U3
    gains a place (4 → 3), U4 loses one (3 → 4)."""
    out = _whatif(client, 1, 2)
    shares = [out[k]["children"] for k in out if "whatif-share" in k]
    assert shares == ["折算占比 33.3%", "折算占比 66.7%"]
    assert sum(float(s.split()[-1].rstrip("%")) for s in shares) == pytest.approx(100)
    rows = out["whatif-table"]["rowData"]
    assert [r["unit"] for r in rows] == ["U2", "U1", "U3", "U4"]  # 二局, 一局 …
    assert [r["score"] for r in rows] == [68.33, 60.0, 50.0, 40.0]
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]
    assert [r["published"] for r in rows] == [1, 2, 4, 3]
    assert [r["move"] for r in rows] == [0, 0, 1, -1]
    assert out["whatif-message"]["style"] == {"display": "none"}
    bars = out["whatif-movers"]["children"]["props"]["figure"]["data"][0]
    assert list(bars["y"]) == ["三局", "四局"]  # no zero-length bars
    assert 0 not in list(bars["x"])
    # the same weights scaled give the same shares and ranking
    again = _whatif(client, 0.1, 0.2)["whatif-table"]["rowData"]
    assert again == rows


def test_a_slider_sends_rows_and_a_language_switch_a_new_grid(client):
    """Moving a weight sends the grid new rows only (it keeps its rows, sort and
    page); switching the language sends a new grid, its pager in that language."""
    moved = _whatif(client, 1, 2)
    assert "whatif-table-holder" not in moved
    assert [r["unit"] for r in moved["whatif-table"]["rowData"]][:2] == ["U2", "U1"]
    switched = _whatif(client, 1, 2, "en", rebuild=True)
    assert "whatif-table" not in switched
    grid = _grid(switched["whatif-table-holder"])
    assert [r["unit"] for r in grid["rowData"]][:2] == ["U2", "U1"]
    # rows carry ids; the grid names them in the language shown
    assert grid["columnDefs"][1]["refData"]["U2"] != "二局"
    assert [c["headerName"] for c in grid["columnDefs"]][0] == "What-if rank"
    assert grid["dashGridOptions"]["localeText"] == {}  # AG Grid's own English
    zh = _grid(_whatif(client, 1, 2, "zh", rebuild=True)["whatif-table-holder"])
    assert zh["dashGridOptions"]["localeText"]["page"] == "第"
    assert zh["columnDefs"][1]["refData"]["U2"] == "二局"


def test_an_answer_overtaken_by_a_later_change_is_not_sent(client):
    """Moves answered out of order (an all-zero move is quick): once the later move
    is answered, the earlier one's answer would put back what the leader has moved
    on from; the server sends nothing for it."""
    view = {"page": "overtaken"}
    assert _whatif(client, 0, 0, seq=2.0, **view) is not None  # the later move
    assert _whatif(client, 1, 2, seq=1.0, **view) is None  # the earlier, ending late
    assert _whatif(client, 1, 2, seq=3.0, **view) is not None  # the next move
    assert _whatif(client, 1, 2, seq=1.0, page="another view") is not None


def test_the_published_weights_move_nobody_and_draw_no_bar(client):
    out = _whatif(client, 0.6, 0.4, "en")
    rows = out["whatif-table"]["rowData"]
    assert [r["score"] for r in rows] == [65.0, 64.0, 60.0, 42.0]
    assert {r["move"] for r in rows} == {0}
    said = out["whatif-movers"]["children"]  # words, not a chart without bars
    assert said["type"] == "P"
    assert said["props"]["children"].startswith("With these weights")
    assert "-0" not in json.dumps(rows)


def test_period_choice_shows_period_names(client):
    body = {
        "output": "..whatif-period.options...whatif-period.value..",
        "outputs": [
            {"id": "whatif-period", "property": "options"},
            {"id": "whatif-period", "property": "value"},
        ],
        "inputs": [
            {"id": "app-run", "property": "value", "value": None},
            {"id": "app-lang", "property": "value", "value": "zh"},
        ],
        "changedPropIds": ["app-lang.value"],
        "state": [{"id": "whatif-period", "property": "value", "value": "2025"}],
    }
    answer = client.post("/_dash-update-component", json=body).get_json()
    sent = answer["response"]["whatif-period"]
    assert sent == {"options": [{"label": "2025年度", "value": "2025"}]}
    # a language switch renames the periods and keeps the period: the sliders stay


def test_weight_shares_refuse_zero_and_negative_weights():
    assert V.weight_shares({"a": 1, "b": 3}) == {"a": 0.25, "b": 0.75}
    with pytest.raises(ValueError, match="权重合计为0.*sum to 0"):
        V.weight_shares({"a": 0, "b": 0})
    with pytest.raises(ValueError, match="不能为负数"):
        V.weight_shares({"a": -1, "b": 2})


# --------------------------------------------------------------- methodology
def _method(client, lang: str) -> dict:
    """The page's answer; the two grids' props under their own ids."""
    out = _post(
        client,
        METHOD,
        [
            {"id": "app-lang", "property": "value", "value": lang},
            {"id": "app-run", "property": "value", "value": None},
        ],
    )
    for grid in ("method-nodes", "method-indicators"):
        out[grid] = _grid(out.pop(f"{grid}-holder"))
    return out


def test_methodology_shows_the_weights_the_run_used_in_words(tmp_path):
    """a: AHP, a1 three times as important as a2 (eigenvector 3 : 1 → 75 %, 25 %);
    b: entropy of the scores (worked out with scipy); composite 60 % / 40 %."""
    raw = copy.deepcopy(CATALOGUE)
    raw["dimensions"][0]["weights"] = {
        "method": "ahp",
        "ahp": {"children": ["a1", "a2"], "matrix": [[1, 3], [1 / 3, 1]]},
    }
    raw["dimensions"][1]["weights"] = {"method": "entropy"}
    client = _client(run(tmp_path, raw=raw), tmp_path)
    out = _method(client, "zh")
    nodes = out["method-nodes"]["rowData"]
    by = {r["node"]: r for r in nodes}
    assert [r["node"] for r in nodes] == ["综合得分", "甲", "乙"]
    assert by["甲"]["weights"] == "层次分析法"
    assert by["乙"]["weights"] == "熵权法"
    assert by["综合得分"]["weights"] == "人工赋权"
    assert {r["aggregation"] for r in nodes} == {"加权算术平均"}
    assert (by["甲"]["share"], by["乙"]["share"]) == ("60.00%", "40.00%")
    assert by["甲"]["cr"] == "0.000"  # two judgements are consistent
    headers = [c["headerName"] for c in out["method-nodes"]["columnDefs"]]
    assert headers[:4] == ["节点", "层级", "在上级中的权重", "占综合得分权重"]
    assert all(
        "field" in c and "id" not in c for c in out["method-nodes"]["columnDefs"]
    )
    weights = {r["indicator"]: r["share"] for r in out["method-indicators"]["rowData"]}
    scores = np.array([[40, 90, 60, 10], [100, 20, 60, 30]], dtype=float)
    d = 1 - np.array([entropy(s) for s in scores]) / np.log(4)
    b1, b2 = 0.4 * d / d.sum()

    assert weights == {
        "a1指标": "45.00%",
        "a2指标": "15.00%",
        "b1指标": f"{half_up(100 * b1)}%",
        "b2指标": f"{half_up(100 * b2)}%",
    }
    text = json.dumps(
        [nodes, out["method-indicators"]["rowData"], out["method-note"]],
        ensure_ascii=False,
    )
    assert not CODES.search(text), CODES.search(text)
    ind = out["method-indicators"]["rowData"][0]
    assert (ind["normalisation"], ind["frequency"]) == ("固定上下限标准化", "年度")
    assert "2025年度" in out["method-note"]["children"]
    locale = out["method-nodes"]["dashGridOptions"]
    assert "localeText" in json.dumps(locale)


def test_methodology_in_english_names_methods_in_english(client):
    out = _method(client, "en")
    nodes = out["method-nodes"]["rowData"]
    assert nodes[0] == {
        "node": "Composite",
        "level": "Composite",
        "local_weight": "",
        "share": "100.00%",
        "weights": "manual",
        "aggregation": "arithmetic",
        "cr": "",
    }


def test_the_indicators_weight_is_named_as_the_nodes_share(client):
    """An indicator's weight on the page is its share of the composite (a1: 0.6 ×
    1/2 = 30 %), the number the node table heads 占综合得分权重: the same words, not
    a bare 权重 a reader takes for its weight within its dimension (50 %)."""
    for lang, header in (("zh", "占综合得分权重"), ("en", "Share of the composite")):
        out = _method(client, lang)
        grid = out["method-indicators"]
        field = {c["headerName"]: c["field"] for c in grid["columnDefs"]}
        assert header in field, list(field)
        a1 = next(r for r in grid["rowData"] if "a1" in r["indicator"])
        assert a1[field[header]] == "30.00%"


def test_the_sunburst_colours_each_dimension_as_the_profile_draws_it(client):
    """Dimension a is the profile's first line (Okabe–Ito blue #0072B2) and b its
    second (orange #E69F00): the sunburst gives them the same, where it took
    plotly's own; an indicator of a is a lighter blue, none is drawn uncoloured."""
    figure = _method(client, "en")["method-sunburst"]["figure"]
    s = figure["data"][0]
    colours = dict(zip(s["ids"], s["marker"]["colors"], strict=True))
    assert (colours["a"], colours["b"]) == ("#0072B2", "#E69F00")
    assert colours["a1"] == plots.lighter("#0072B2", 0.4) != colours["b1"]
    assert figure["layout"]["uniformtext"]["mode"] == "hide"
