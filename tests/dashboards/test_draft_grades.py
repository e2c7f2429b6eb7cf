"""A draft never shows published grades as if they were its outcome (issue 13,
item 5): beside the period run in force, the rankings carry the final grades of the
year's published appraisal; beside a draft correction of that run, none."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash

from dashboards import app as dashboard
from evaluation import appraisal as A
from evaluation.publish.media import export
from evaluation.publish.publication import Publication

ROOT = Path(__file__).resolve().parents[2]
USERS = {"wang": generate_password_hash("s3cret-pass")}


@pytest.fixture(scope="module")
def store(sample_result, tmp_path_factory):
    """The 2025 period run published, its appraisal final, and a draft correction
    of the period run."""
    path = tmp_path_factory.mktemp("draft_grades") / "store.duckdb"
    ap = A.appraise(
        A.load_config(ROOT / "appraisal.yaml"),
        sample_result,
        A.load_inputs(ROOT / "data" / "sample" / "appraisal"),
    )
    with Publication(path) as s:
        published = s.add_run(sample_result, by="分析员", release=True)
        annual = s.add_run(
            sample_result, ap, by="分析员", release=True, today=date(2026, 1, 20)
        )
        s.finalise(annual, by="主任", today=date(2026, 2, 1))
        draft = s.add_run(
            sample_result, by="分析员", supersedes=published, reason="更正"
        )
        final = s.table(annual, "grades").set_index("unit_id")["final_grade"]
    return path, published, draft, final


def _rows(client, run: str) -> list[dict]:
    """Every row of the rankings grid (everyone, 2025), as the grid asks for them."""
    body = {
        "output": "rankings-grid.getRowsResponse",
        "outputs": {"id": "rankings-grid", "property": "getRowsResponse"},
        "inputs": [{"id": "rankings-grid", "property": "getRowsRequest",
                    "value": {"startRow": 0, "endRow": 100, "sortModel": []}}],
        "state": [
            {"id": "rankings-period", "property": "value", "value": "2025"},
            {"id": "rankings-peer-group", "property": "value", "value": "_all"},
            {"id": "app-lang", "property": "value", "value": "zh"},
            {"id": "app-run", "property": "value", "value": run},
            {"id": "rankings-first-pending", "property": "data", "value": False},
        ],
        "changedPropIds": [],
    }  # fmt: skip
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.status_code
    return json.loads(answer.get_data(as_text=True))["response"]["rankings-grid"][
        "getRowsResponse"
    ]["rowData"]


def test_published_run_shows_the_years_grades_and_a_draft_shows_none(store):
    path, published, draft, final = store
    client = dashboard.create_app(
        path, users=USERS, secret_key="test-key"
    ).server.test_client()
    client.post("/login", data={"user": "wang", "password": "s3cret-pass"})
    shown = {r["unit_id"]: r["grade"] for r in _rows(client, published)}
    assert len(shown) == 50
    assert shown == final.to_dict()  # the stored final grades, unit by unit
    beside_draft = {r["unit_id"]: r["grade"] for r in _rows(client, draft)}
    assert set(beside_draft) == set(shown)
    assert set(beside_draft.values()) == {None}


def _columns(client, run: str) -> list[str]:
    """The fields of the rankings grid's columns (everyone, 2025) for ``run``."""
    body = {
        "output": "..rankings-grid.columnDefs...rankings-bar.figure..",
        "outputs": [{"id": "rankings-grid", "property": "columnDefs"},
                    {"id": "rankings-bar", "property": "figure"}],
        "inputs": [{"id": "rankings-period", "property": "value", "value": "2025"},
                   {"id": "rankings-peer-group", "property": "value", "value": "_all"},
                   {"id": "app-lang", "property": "value", "value": "zh"},
                   {"id": "app-run", "property": "value", "value": run}],
        "state": [{"id": "rankings-card", "property": "data", "value": None}],
        "changedPropIds": ["app-run.value"],
    }  # fmt: skip
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.status_code
    cols = json.loads(answer.get_data(as_text=True))["response"]["rankings-grid"]
    return [c.get("field") for c in cols["columnDefs"]]


def test_the_grade_column_shows_only_beside_final_grades(store):
    """Beside the run in force the year's final grades fill the column; beside a
    draft there are none to show, and an empty 年度等次 column would read as "no
    grade", so there is no column."""
    path, published, draft, _ = store
    client = dashboard.create_app(
        path, users=USERS, secret_key="test-key"
    ).server.test_client()
    client.post("/login", data={"user": "wang", "password": "s3cret-pass"})
    assert "grade" in _columns(client, published)
    assert "grade" not in _columns(client, draft)


@pytest.fixture(scope="module")
def notice_store(sample_result, tmp_path_factory):
    """The 2025 period run published, its appraisal released under 公示 (not
    final), and a draft correction of the period run."""
    path = tmp_path_factory.mktemp("notice_grades") / "store.duckdb"
    ap = A.appraise(
        A.load_config(ROOT / "appraisal.yaml"),
        sample_result,
        A.load_inputs(ROOT / "data" / "sample" / "appraisal"),
    )
    with Publication(path) as s:
        published = s.add_run(sample_result, by="分析员", release=True)
        s.add_run(sample_result, ap, by="分析员", release=True, today=date(2026, 1, 20))
        draft = s.add_run(
            sample_result, by="分析员", supersedes=published, reason="更正"
        )
    return path, published, draft


def _download(client, run: str) -> dict[str, bytes]:
    """The rankings page's download (both lists, 2025, Chinese) for ``run``: the
    zip's files by name."""
    body = {
        "output": "rankings-download.data",
        "outputs": {"id": "rankings-download", "property": "data"},
        "inputs": [{"id": "rankings-download-button", "property": "n_clicks",
                    "value": 1}],
        "state": [
            {"id": "rankings-period", "property": "value", "value": "2025"},
            {"id": "rankings-peer-group", "property": "value", "value": "_levels"},
            {"id": "app-lang", "property": "value", "value": "zh"},
            {"id": "app-run", "property": "value", "value": run},
        ],
        "changedPropIds": ["rankings-download-button.n_clicks"],
    }  # fmt: skip
    answer = client.post("/_dash-update-component", json=body)
    assert answer.status_code == 200, answer.status_code
    sent = json.loads(answer.get_data(as_text=True))["response"]["rankings-download"]
    assert sent["data"]["filename"] == "media_2025_zh.zip"
    content = base64.b64decode(sent["data"]["content"])
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_the_download_carries_grades_under_notice_as_the_export_does(
    notice_store, sample_result, tmp_path
):
    """A journalist downloading the year's league table while its grades are under
    公示 gets what ``evaluation export --store`` writes: the 年度考评等次 column,
    and the note saying whose grades they are and that they are final only once the
    notice ends and every appeal is decided. Beside a draft correction there are
    no grades (published grades must not look like a draft's outcome): the export
    without a store."""
    path, published, draft = notice_store
    client = dashboard.create_app(
        path, users=USERS, secret_key="test-key"
    ).server.test_client()
    client.post("/login", data={"user": "wang", "password": "s3cret-pass"})
    got = _download(client, published)
    written = export(sample_result, tmp_path / "media_2025_zh.csv", store=path)
    assert got == {p.name: p.read_bytes() for p, _ in written}
    table = got["media_2025_zh.csv"].decode("utf-8-sig").splitlines()
    assert table[0].split(",")[-1] == "年度考评等次"
    note = got["media_2025_zh.说明.txt"].decode("utf-8-sig")
    assert "（公示中）" in note and "公示期满且申诉均已复核后正式确定" in note
    beside_draft = _download(client, draft)
    plain = export(sample_result, tmp_path / "plain" / "media_2025_zh.csv")
    assert beside_draft == {p.name: p.read_bytes() for p, _ in plain}
    assert "年度考评等次" not in beside_draft["media_2025_zh.csv"].decode("utf-8-sig")
