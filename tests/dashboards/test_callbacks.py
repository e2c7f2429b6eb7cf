"""Rankings-page callbacks called as plain functions over a saved sample Result."""

from __future__ import annotations

import base64
import importlib
import io
import zipfile

import pytest
from dash.exceptions import PreventUpdate

from dashboards import app as dashboard
from dashboards.components import ALL_GROUPS
from evaluation.publish.export import media_table
from evaluation.publish.media import export
from evaluation.publish.store import save_result

BOM = b"\xef\xbb\xbf"


@pytest.fixture(scope="module")
def saved(sample_result, tmp_path_factory):
    """The sample result saved in a folder."""
    return save_result(sample_result, tmp_path_factory.mktemp("dash") / "result")


@pytest.fixture(scope="module")
def rankings(saved):
    """The page module, as Dash imported it for an app over the saved sample result."""
    app = dashboard.create_app(saved)
    # The first request sets the server up, which moves the page's callbacks out of
    # Dash's global registry into this app: a later app in this process starts clean.
    assert app.server.test_client().get("/").status_code == 200
    # Dash imported the page under this name; there is no dashboards/pages/__init__.py,
    # so `import dashboards.pages.rankings` would fail on the missing parent package.
    return importlib.import_module("dashboards.pages.rankings")


def _update(rankings, period, group, lang, run=None):
    """Rows (the first block, as the grid asks for it), columns and chart."""
    columns, figure = rankings.update_rankings(period, group, lang, run)
    request = {"startRow": 0, "endRow": 100, "sortModel": []}
    rows = rankings.update_rows(request, period, group, lang, run)["rowData"]
    return rows, columns, figure


def _units(sample_result, peer_group=None):
    units = sample_result.units
    if peer_group is not None:
        units = units[units["peer_group"] == peer_group]
    return set(units["unit_id"])


def test_create_app_rejects_a_folder_without_a_result(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a result folder"):
        dashboard.create_app(tmp_path)


def test_layout_defaults_to_the_run_period_and_all_groups(rankings, sample_result):
    page = rankings.layout()
    assert page["rankings-period"].options == [
        {"label": "2024年度", "value": "2024"},
        {"label": "2025年度", "value": "2025"},
    ]
    assert page["rankings-period"].value == "2025" == sample_result.period
    # districts and departments each ranked in their own list, not all together
    assert page["rankings-peer-group"].value == "_levels"
    # served filled in (a page load waits for no callback): words, columns, chart
    assert page["rankings-heading"].children == "综合排名"
    names = [c.get("headerName") for c in page["rankings-grid"].columnDefs]
    assert names[:4] == ["排名", "单位", "单位类型", "综合得分"]
    assert page["rankings-bar"].figure["data"]


def test_all_groups_lists_every_unit_by_overall_rank(rankings, sample_result):
    rows, columns, _ = _update(rankings, "2025", ALL_GROUPS, "zh")
    assert {r["unit_id"] for r in rows} == _units(sample_result)
    assert [r["rank"] for r in rows] == list(range(1, 51))  # 50 units, none unranked
    # what a leader reads first: rank, name, score, change, warning (and the final
    # grade where the year has one: a result folder has no appraisal, so no column)
    fields = [c.get("colId", c.get("field")) for c in columns]
    assert fields[:6] == ["rank", "name_zh", "level", "composite_score",
                          "rank_change", "risk_level"]  # fmt: skip
    assert "grade" not in fields


@pytest.mark.parametrize(
    "peer_group", ["economic", "social", "regulatory", "general", "district"]
)
def test_peer_group_filter_keeps_that_group_ranked_1_to_n(
    rankings, sample_result, peer_group
):
    rows, columns, figure = _update(rankings, "2025", peer_group, "zh")
    expected = _units(sample_result, peer_group)
    assert {r["unit_id"] for r in rows} == expected
    assert {r["peer_group"] for r in rows} == {peer_group}
    assert [r["peer_rank"] for r in rows] == list(range(1, len(expected) + 1))
    assert columns[0]["field"] == "peer_rank"
    fields = [c.get("field") for c in columns]
    assert "peer_rank_change" in fields and "rank_change" not in fields
    assert list(figure.layout.yaxis.categoryarray) == [r["unit_id"] for r in rows]


def test_period_switch_shows_that_periods_scores(rankings, sample_result):
    composite = sample_result.composite.set_index(["period", "unit_id"])
    shown = {}
    for period in ("2024", "2025"):
        rows, _, _ = _update(rankings, period, ALL_GROUPS, "zh")
        for r in rows:
            stored = composite.loc[(period, r["unit_id"]), "composite_score"]
            assert r["composite_score"] == pytest.approx(stored, abs=0.005)
        shown[period] = [(r["unit_id"], r["composite_score"]) for r in rows]
    assert shown["2024"] != shown["2025"]


def test_grid_scores_read_as_the_media_csv(rankings, sample_result):
    rows, columns, _ = _update(rankings, "2025", "district", "en")
    media = media_table(sample_result, "2025", peer_group="district", lang="en")
    scores = ["composite_score", *sample_result.catalogue.top_dimensions()]
    for column in (c for c in columns if c.get("field") in scores):
        shown = [f"{r[column['field']]:.2f}" for r in rows]
        assert shown == list(media[column["headerName"]])


def test_rankings_scopes_are_named_as_the_overview_names_them(rankings):
    """Both pages offer the two levels' lists apart and every unit in one list; the
    rankings called them 县（市）区、市直部门分列 and All departments (the districts
    and counties are no departments), the overview 县（市）区与市直部门分列 and All
    units (全部单位)."""
    for lang, apart, everyone in (
        ("zh", "县（市）区与市直部门分列", "全部单位"),
        ("en", "Districts and departments apart", "All units"),
    ):
        options = rankings.update_labels(lang)[3]
        label = {o["value"]: o["label"] for o in options}
        assert (label["_levels"], label[ALL_GROUPS]) == (apart, everyone)


def test_language_switch_changes_labels_headers_and_names(rankings, sample_result):
    catalogue = sample_result.catalogue
    dims = [d for d in catalogue.dimensions if d.parent is None]
    for lang in ("zh", "en"):
        heading, period, group, options, download = rankings.update_labels(lang)
        assert [o["value"] for o in options[:4]] == [
            "_levels", "_level:district", "_level:department", ALL_GROUPS
        ]  # fmt: skip
        options = options[3:]  # both levels apart, each level; then as before
        rows, columns, figure = _update(rankings, "2025", ALL_GROUPS, lang)
        headers = {c.get("colId", c.get("field")): c["headerName"] for c in columns}
        names = dict(
            zip(
                sample_result.units["unit_id"],
                sample_result.units[f"name_{lang}"],
                strict=True,
            )
        )
        if lang == "zh":
            assert (heading, period, group, download) == (
                "综合排名",
                "评估期",
                "类别",
                "下载 CSV（附说明）",
            )
            assert headers["composite_score"] == "综合得分"
            assert headers["name_zh"] == "单位"
            assert [o["label"] for o in options[1:]] == [
                g.name_zh for g in catalogue.peer_groups
            ]
            assert [headers[d.id] for d in dims] == [d.name_zh for d in dims]
            assert dashboard.update_header(lang, None)[0] == catalogue.name_zh
        else:
            assert (heading, period, group, download) == (
                "League table",
                "Period",
                "Peer group",
                "Download CSV (with note)",
            )
            assert headers["composite_score"] == "Composite score"
            assert headers["name_en"] == "Unit"
            assert [o["label"] for o in options[1:]] == [
                g.name_en for g in catalogue.peer_groups
            ]
            assert [headers[d.id] for d in dims] == [d.name_en for d in dims]
            assert dashboard.update_header(lang, None)[0] == catalogue.name_en
        assert [options[0]["value"]] == [ALL_GROUPS]
        ticks = dict(
            zip(figure.layout.yaxis.tickvals, figure.layout.yaxis.ticktext, strict=True)
        )
        # the chart: the 10 best and the 10 worst of the 50, best first, the 30
        # between said to be left out in a row of their own, with no name
        shown = [r["unit_id"] for r in rows[:10] + rows[-10:]]
        assert list(ticks) == [*shown[:10], "gap 10", *shown[10:]]
        assert ticks.pop("gap 10") == ""
        # the names as read (a long one folded onto lines beside its bar)
        ticks = {
            u: t.replace("<br>", " " if lang == "en" else "") for u, t in ticks.items()
        }
        assert ticks == {u: names[u] for u in shown}
        assert figure.layout.xaxis.title.text == (
            "综合得分" if lang == "zh" else "Composite score"
        )


@pytest.mark.parametrize(
    ("group", "lang", "peer_group", "names"),
    [
        (ALL_GROUPS, "zh", None,
         ["media_2025_zh.csv", "media_2025_zh_市直部门.csv", "media_2025_zh_区县.csv",
          "media_2025_zh.说明.txt"]),
        ("_levels", "en", None,
         ["media_2025_en.csv", "media_2025_en_departments.csv",
          "media_2025_en_districts.csv", "media_2025_en.about.txt"]),
        ("economic", "en", "economic",
         ["media_2025_economic_en.csv", "media_2025_economic_en.about.txt"]),
    ],
)  # fmt: skip
def test_download_is_what_evaluation_export_writes(
    rankings, saved, sample_result, tmp_path, group, lang, peer_group, names
):
    """The download was the table alone: a journalist lost the note ``evaluation
    export`` writes beside it (period, source, method, imputed and zero-scored
    values, units not ranked). It is now the export's files for the period and
    language (a peer group's with ``--peer-group``), byte for byte, in one zip
    named as they are: ``evaluation export RESULT --out media_2025_zh.csv``."""
    sent = rankings.download_csv(1, "2025", group, lang)
    assert sent["filename"] == names[0].removesuffix(".csv") + ".zip"
    with zipfile.ZipFile(io.BytesIO(base64.b64decode(sent["content"]))) as z:
        got = {n: z.read(n) for n in z.namelist()}
        assert z.namelist() == names
    written = export(
        sample_result, tmp_path / names[0], period="2025", lang=lang,
        peer_group=peer_group, source=saved,
    )  # fmt: skip
    assert [p.name for p, _ in written] == names
    assert got == {p.name: p.read_bytes() for p, _ in written}
    assert all(b.startswith(BOM) for b in got.values())
    note = got[names[-1]].decode("utf-8-sig")
    assert ("备注" if lang == "zh" else "Notes") in note
    # the same run, the same bytes
    assert rankings.download_csv(1, "2025", group, lang) == sent


def test_the_note_column_is_as_wide_as_the_periods_longest_note(rankings):
    """The grid's notes are one line (its rows are one height): the column is made
    as wide as the period's longest, so none is cut. The sample's 2025 notes are
    含未报送记零分指标1项 at the longest: 10 Chinese characters of 17 px, a digit of
    about 10 px, and the cell's 36 px of padding."""
    rows, columns, _ = _update(rankings, "2025", ALL_GROUPS, "zh")
    notes = {r["note_zh"] for r in rows if r["note_zh"]}
    assert max(notes, key=len) == "含未报送记零分指标1项"
    (note,) = [c for c in columns if c.get("colId") == "note"]
    assert note["minWidth"] >= 10 * 17 + 10 + 36


def test_the_english_chart_for_any_screen_comes_back_once_wider_than_a_phone(
    rankings,
):
    """The card's store is emptied when a phone turns on its side (844 px, wider
    than a phone's layout) or a window is made wide: ``fit_chart`` then gives the
    chart a desktop gets, the same JSON. It did nothing (no card, no update), and
    the chart fitted to the phone stayed. The Chinese is never drawn again."""
    _, desktop = rankings.update_rankings("2025", "_levels", "en")
    phone = rankings.fit_chart(374, "2025", "_levels", "en")
    assert phone.to_json() != desktop.to_json()
    turned = rankings.fit_chart(None, "2025", "_levels", "en")
    assert turned.to_json() == desktop.to_json()
    for card in (374, None):
        with pytest.raises(PreventUpdate):
            rankings.fit_chart(card, "2025", "_levels", "zh")


def test_quoting_sets_apart_the_chinese_quoted_on_an_english_page():
    """A sentence quoting a record as filed: in English, the quoted Chinese is its
    own span (class zh-original) between the page's words; a quote with no Chinese
    and the other fields are text; in Chinese, the sentence as str.format makes it."""
    from dashboards.components import quoting

    template = "Corrects {run}; reason: {reason}; {n:.1f} of {m}."
    parts = quoting(template, "en", {"reason": "复核〔2026〕1号"}, run="v1", n=2, m="x")
    assert parts[0] == "Corrects v1; reason: "
    assert (parts[1].children, parts[1].className, parts[1].lang) == (
        "复核〔2026〕1号",
        "zh-original",
        "zh",
    )
    assert parts[2:] == ["; 2.0 of x."]
    assert quoting(
        template, "en", {"reason": "annual-2025-1.v1.c1"}, run="v1", n=2, m="x"
    ) == ["Corrects v1; reason: annual-2025-1.v1.c1; 2.0 of x."]
    assert quoting("{a}{b}", "en", {"a": "甲", "b": "乙"})[1].children == "乙"
    zh = "本版本更正 {run}，理由：{reason}。"
    assert (
        quoting(zh, "zh", {"reason": "复核〔2026〕1号"}, run="第1版")
        == "本版本更正 第1版，理由：复核〔2026〕1号。"
    )
