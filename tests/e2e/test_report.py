"""The committee report renders to PDF in Chinese and English (pages looked at as
images during development; here their text is checked page by page)."""

from __future__ import annotations

import re

import numpy as np
import pypdfium2 as pdfium
import pytest
from scipy.stats import rankdata
from typer.testing import CliRunner

import evaluation as ev
from evaluation import appraisal as A
from evaluation import report as R
from evaluation import uncertainty as U
from evaluation.catalogue import parse_catalogue
from evaluation.cli import app
from evaluation.publication import Store

from ..conftest import ROOT


@pytest.fixture(scope="module")
def appraised(catalogue):
    result = ev.run(
        catalogue, ev.load_dataset(ROOT / "data" / "sample"), period="2025-M12"
    )
    config = A.load_config(ROOT / "appraisal.yaml")
    inputs = A.load_inputs(ROOT / "data" / "sample" / "appraisal")
    return result, config, inputs, A.appraise(config, result, inputs)


@pytest.fixture(scope="module")
def store(tmp_path_factory, appraised):
    """An annual run alone: no uncertainty spec anywhere in the store."""
    result, _, _, ap = appraised
    path = tmp_path_factory.mktemp("store") / "store.duckdb"
    with Store(path) as s:
        run = s.add_run(result, ap, by="analyst")
    return path, run


@pytest.fixture(scope="module")
def store_with_intervals(tmp_path_factory, appraised):
    """A published period run of 2025 storing an uncertainty analysis whose draws
    leave every choice as published (weight noise 0), then the annual run."""
    result, _, _, ap = appraised
    path = tmp_path_factory.mktemp("store") / "store.duckdb"
    with Store(path) as s:
        spec = U.Spec(n=40, weight_noise=0.0)
        period = s.add_run(result, by="analyst", uncertainty=U.run(result, spec))
        s.publish(period, by="主任")
        run = s.add_run(result, ap, by="analyst")
        s.publish(run, by="主任")
    return path, run, period


def pages(pdf_path) -> list[str]:
    pdf = pdfium.PdfDocument(str(pdf_path))
    out = [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    for i in range(len(pdf)):  # the pages as images, for a person to look at
        pdf[i].render(scale=1).to_pil().save(pdf_path.with_suffix(f".p{i + 1}.png"))
    return out


@pytest.mark.parametrize(
    "lang, words",
    [
        (
            "zh",
            [
                "年度绩效考评结果报告",
                "考评等次",
                "各类别等次分布",
                "适用的规则及依据",
                "不合格",
                "排名区间（5%–95%）：无",  # no uncertainty spec in this store
            ],
        ),
        (
            "en",
            [
                "committee report",
                "Grades by peer group",
                "Rules applied",
                "fail",
                "Rank range (5–95%): not available",
            ],
        ),
    ],
)
def test_the_report_renders_with_one_page_per_department(store, tmp_path, lang, words):
    path, run = store
    runner = CliRunner()
    out = tmp_path / f"report_{lang}.pdf"
    args = ["report", run, "--store", str(path), "--lang", lang, "--out", str(out)]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 1 and "draft" in refused.output  # drafts need a name
    done = runner.invoke(
        app, [*args, "--viewer", "秘书长", "--unit", "D22", "--unit", "X03",
              "--html", str(tmp_path / "r.html")],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    text = pages(out)
    whole = "\n".join(text)
    for w in words:
        assert w in whole, w
    # a department page each: D22's page holds its survey and rules, then X03's starts
    starts = [i for i, t in enumerate(text) if "D22 ·" in t or "X03 ·" in t]
    assert len(starts) == 2 and starts[1] == starts[0] + 1 == len(text) - 1
    assert ("一票否决" if lang == "zh" else "veto") in text[starts[0]]
    with Store(path) as s:
        assert "秘书长" in set(s.access_log()["viewer"])


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _rank_by_score(grades):
    """Independent of the report: scipy ranks the stored score at 2 decimals."""
    ranks = rankdata(-grades["score"].round(2), method="min")
    return dict(zip(grades["unit_id"], ranks.astype(int), strict=True))


@pytest.mark.parametrize(
    "lang, header, draws",
    [
        ("zh", "排名区间（5%–95%）", "40 次抽样"),
        ("en", "Rank range (5–95%)", "40 draws"),
    ],
)
def test_the_report_shows_each_departments_rank_range(
    store_with_intervals, tmp_path, lang, header, draws
):
    path, run, period = store_with_intervals
    with Store(path) as s:
        grades = s.table(run, "grades")
        assert s.manifest(period)["params"]["uncertainty"]["n"] == 40
    rank = _rank_by_score(grades)
    # draws without noise leave every rank where the stored score puts it
    expected = {u: f"{r} ({r}–{r})" for u, r in rank.items()}
    out, html = tmp_path / f"r_{lang}.pdf", tmp_path / f"r_{lang}.html"
    done = CliRunner().invoke(
        app,
        ["report", run, "--store", str(path), "--lang", lang, "--out", str(out),
         "--html", str(html), "--unit", "D30", "--unit", "X03"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    page = html.read_text(encoding="utf-8")
    assert f"<th>{header}</th>" in page
    for unit in ("D30", "X03", "D07"):
        assert f'<td class="num nw">{expected[unit]}</td>' in page, unit
    assert period in page and "2025" in page  # where the spec comes from
    text = pages(out)
    assert _flat(header) in _flat(text[0])  # the header wraps in its cell
    grade_pages = "\n".join(text[:-2])
    assert all(expected[u] in grade_pages for u in ("D30", "X03", "D07"))
    d30, x03 = text[-2], text[-1]
    assert "D30 ·" in d30 and f"{expected['D30']}" in d30 and draws in d30
    assert "X03 ·" in x03 and f"{expected['X03']}" in x03
    figure = [t for t in text if ("排名区间\r\n" if lang == "zh" else "Rank ranges")
              in t]  # fmt: skip
    assert len(figure) == 1 and period in figure[0].replace("\r\n", " ")


def test_final_rank_intervals_follow_the_appraisal_of_a_reweighted_catalogue(
    appraised, catalogue
):
    """One draw's ranks equal a full re-run: the catalogue with those level-1
    weights, scored by the pipeline and appraised (independent of the draw code)."""
    result, config, inputs, ap = appraised
    spec = U.Spec(n=1)
    draws = U.draw_table(result, spec)
    dims = [c for c in draws if c.startswith("w:")]
    mult = dict(zip(dims, [1.25, 0.75, 1.2, 0.8, 1.1], strict=True))
    for c, m in mult.items():
        draws[c] = m
    got = R.final_rank_intervals(result, ap.grades, config, spec, draws=draws)

    raw = catalogue.model_dump(mode="json")
    level1 = [d for d in raw["dimensions"] if not d.get("parent")]
    assert {f"w:{d['id']}" for d in level1} == set(dims)
    total = sum(d["weight"] * mult[f"w:{d['id']}"] for d in level1)
    for d in level1:  # sum to one, as the catalogue requires
        d["weight"] = d["weight"] * mult[f"w:{d['id']}"] / total
    again = ev.run(
        parse_catalogue(raw, file="reweighted"),
        ev.load_dataset(ROOT / "data" / "sample"),
        period="2025-M12",
    )
    grades = A.appraise(config, again, inputs).grades
    want = _rank_by_score(grades)
    assert [want[u] for u in got["unit_id"]] == got["rank_q05"].astype(int).tolist()
    assert got["rank_q95"].equals(got["rank_q05"])
    assert np.allclose(got["score_q05"], grades.set_index("unit_id").loc[
        got["unit_id"], "score"].to_numpy())  # fmt: skip
    assert got["nominal_rank"].tolist() == [
        _rank_by_score(ap.grades)[u] for u in got["unit_id"]
    ]
    assert got["rank_q05"].tolist() != got["nominal_rank"].tolist()  # it did move
