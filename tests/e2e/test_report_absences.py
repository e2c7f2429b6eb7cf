"""The committee report says what a run was scored without: a late agency's
reports (which agency, which periods), and that those indicators were left out,
not scored 0. Expected names are read from indicators.yaml with PyYAML."""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import replace

import pytest
import yaml

import evaluation as ev
from evaluation import appraisal as A
from evaluation.publish import report as R
from evaluation.publish.publication import Publication

from ..conftest import ROOT

SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load((ROOT / "indicators.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def late_store(catalogue, raw, tmp_path_factory):
    """The annual run of 2025 without the supervision agency's December."""
    monthly = {
        s["id"]
        for s in [*raw["indicators"], *raw.get("context", [])]
        if s.get("agency") == "supervision" and s.get("frequency") == "monthly"
    }
    data = ev.load_dataset(SAMPLE)
    obs = data.observations
    gone = obs["indicator_id"].isin(monthly) & (obs["period"] == "2025-M12")
    result = ev.run(
        catalogue, replace(data, observations=obs[~gone]), period="2025", run_at="t"
    )
    assert not result.absences.empty
    config = A.load_config(ROOT / "appraisal.yaml")
    ap = A.appraise(config, result, A.load_inputs(SAMPLE / "appraisal"))
    path = tmp_path_factory.mktemp("store") / "store.duckdb"
    with Publication(path) as s:
        run = s.add_run(result, ap, by="analyst")
    return path, run, monthly


def text(page: str, section: str) -> str:
    part = page.split('id="absences"', 1)[1].split("</section>", 1)[0]
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", part)) if section else part


def test_the_report_names_the_late_agency_its_month_and_the_indicators_left_out(
    late_store, raw
):
    path, run, monthly = late_store
    with Publication(path) as s:
        zh = R.from_store(s, run, lang="zh", units=["D01"], viewer="t")
        en = R.from_store(s, run, lang="en", units=["D01"], viewer="t")
    said = " ".join(text(zh, "absences").split())
    agency = next(a for a in raw["agencies"] if a["id"] == "supervision")
    assert "未报送数据情况" in zh
    assert agency["name_zh"] in said and "2025年12月" in said
    scored = [i for i in raw["indicators"] if i["id"] in monthly]
    assert scored and all(i["name_zh"] in said for i in scored)
    assert "不计分（不记零分）" in said
    said_en = " ".join(text(en, "absences").split())
    assert agency["name_en"] in said_en and "2025-M12" in said_en
    assert "not scored 0" in said_en


def test_the_reports_row_names_the_series_not_received(late_store, raw):
    """Which reports the agency owes, by name and in the catalogue's order, with
    their month: its six monthly indicators and the approval volume (a context
    series), not the agency and the month alone."""
    path, run, monthly = late_store
    with Publication(path) as s:
        zh = R.from_store(s, run, lang="zh", units=["D01"], viewer="t")
        en = R.from_store(s, run, lang="en", units=["D01"], viewer="t")
    owed = [s for s in [*raw["indicators"], *raw["context"]] if s["id"] in monthly]
    assert len(owed) == 7
    for page, lang, month in ((zh, "zh", "（2025年12月）"), (en, "en", " (2025-M12)")):
        row = text(page, "").split('data-agency="0">', 1)[1].split("</tr>", 1)[0]
        cells = [htmllib.unescape(c) for c in re.findall(r"<td>(.*?)</td>", row)]
        sep = "、" if lang == "zh" else ", "
        assert cells[1] == sep.join(s[f"name_{lang}"] for s in owed) + month


def test_a_run_with_every_report_has_no_absences_section(catalogue, tmp_path):
    result = ev.run(catalogue, ev.load_dataset(SAMPLE), period="2025", run_at="t")
    config = A.load_config(ROOT / "appraisal.yaml")
    ap = A.appraise(config, result, A.load_inputs(SAMPLE / "appraisal"))
    with Publication(tmp_path / "s.duckdb") as s:
        run = s.add_run(result, ap, by="analyst")
        page = R.from_store(s, run, lang="zh", units=["D01"], viewer="t")
    assert 'id="absences"' not in page and "未报送数据情况" not in page
