"""The committee report renders to PDF in Chinese and English (pages looked at as
images during development; here their text is checked page by page)."""

from __future__ import annotations

import pypdfium2 as pdfium
import pytest
from typer.testing import CliRunner

import evaluation as ev
from evaluation import appraisal as A
from evaluation.cli import app
from evaluation.publication import Store

from ..conftest import ROOT


@pytest.fixture(scope="module")
def store(tmp_path_factory, catalogue):
    path = tmp_path_factory.mktemp("store") / "store.duckdb"
    result = ev.run(
        catalogue, ev.load_dataset(ROOT / "data" / "sample"), period="2025-M12"
    )
    ap = A.appraise(
        A.load_config(ROOT / "appraisal.yaml"),
        result,
        A.load_inputs(ROOT / "data" / "sample" / "appraisal"),
    )
    with Store(path) as s:
        run = s.add_run(result, ap, by="analyst")
    return path, run


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
            ],
        ),
        ("en", ["committee report", "Grades by peer group", "Rules applied", "fail"]),
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
