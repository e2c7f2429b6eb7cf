"""The command line: exit codes, clear errors, and nothing written on bad input."""

from __future__ import annotations

import shutil
from statistics import median

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from evaluation.cli import app

from ..conftest import (
    BLANK_Q4,
    ROOT,
    TINY,
    TINY_ROWS,
    TINY_UNITS,
    half_up,
    write_dataset,
)

runner = CliRunner()


@pytest.fixture
def tiny_yaml(tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(TINY, allow_unicode=True), encoding="utf-8")
    return path


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_help_for_every_command():
    for command in ("validate", "score", "ledger", "export", "generate", "dashboard"):
        result = invoke(command, "--help")
        assert result.exit_code == 0, command
        assert "Usage" in result.output


def test_validate_score_export_on_the_sample(tmp_path):
    catalogue = ROOT / "indicators.yaml"
    ok = invoke("validate", ROOT / "data" / "sample", "--catalogue", catalogue)
    assert ok.exit_code == 0, ok.output
    assert (
        "GB18030编码" in ok.output  # supervision.csv
        and "Excel工作簿" in ok.output  # finance.xlsx
        and "校验通过：50个单位，18800条数据" in ok.output
    )
    en = invoke(
        "validate", ROOT / "data" / "sample", "--catalogue", catalogue, "--lang", "en"
    )
    assert en.exit_code == 0 and "valid: 50 units, 18800 observations" in en.output
    out = tmp_path / "out"
    scored = invoke(
        "score",
        ROOT / "data" / "sample",
        "--period",
        "2025",
        "--catalogue",
        catalogue,
        "--out",
        out,
        "--run-at",
        "2026-01-15T09:00:00+00:00",
    )
    assert scored.exit_code == 0, scored.output
    assert (
        "已评分：2025年度，50个单位中50个参加排名；评分期：2024年度、2025年度"
        in scored.output
    )
    assert (out / "result" / "provenance.json").is_file()
    ranking = pd.read_csv(out / "ranking_2025.csv", encoding="utf-8-sig")
    assert ranking["rank"].notna().sum() == 50
    again = invoke(
        "score",
        ROOT / "data" / "sample",
        "--period",
        "2025",
        "--catalogue",
        catalogue,
        "--out",
        tmp_path / "en",
        "--lang",
        "en",
    )
    assert "scored 2025: 50 of 50 units ranked; periods 2024, 2025" in again.output
    assert "not scored" not in again.output  # every ranked unit has every dimension
    exported = invoke("export", out / "result", "--lang", "en", "--out", out / "m.csv")
    assert exported.exit_code == 0, exported.output
    assert (out / "m.csv").read_bytes().startswith("\ufeffPeriod,Rank,Unit".encode())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_summary_says_units_ranked_with_a_dimension_not_scored(tmp_path, lang):
    """2025-Q4: D20 ranks 1st with its cost dimension not scored; the summary
    counts the 5 units ranked so, names the first 3 (D20 first) and points to the
    media table's note. The annual 2025 has none (tested above: no such line)."""
    scored = invoke(
        "score", ROOT / "data" / "sample", "--period", "2025-Q4", "--catalogue",
        ROOT / "indicators.yaml", "--out", tmp_path, "--lang", lang,
    )  # fmt: skip
    assert scored.exit_code == 0, scored.output
    if lang == "zh":
        head = "5个单位有一级指标因数据不足未计分，其综合得分按其余一级指标计算："
        tail = "等；详见媒体排名表（evaluation export）的“备注”列"
        sep, first = "、", "市机关事务管理局（行政成本）"
    else:
        head = (
            "5 units ranked with a level-1 dimension not scored (too few values; "
            "their composites are their other dimensions'): "
        )
        tail = " and 2 more; see the Note column of the media table (evaluation export)"
        sep = "; "
        first = "Municipal Government Offices Administration (Administrative cost)"
    (line,) = [x for x in scored.output.splitlines() if x.startswith(head)]
    assert line.endswith(tail), line
    named = line.removeprefix(head).removesuffix(tail).split(sep)
    assert len(named) == 3 and set(named) <= BLANK_Q4[lang], named
    assert named[0] == first  # D20, ranked 1st


@pytest.mark.parametrize("n", [1, 2])
def test_the_blank_dimension_line_counts_units_in_the_singular_and_plural(
    tiny_catalogue, capsys, n
):
    """score's and national's line (cli._say_blank) says 1 unit … its composite and
    2 units … their composites, not unit(s); Chinese alike: the tiny catalogue's
    dimension 乙 (B) not scored for the first ``n`` of three units."""
    from evaluation.cli import _say_blank

    blank = pd.DataFrame({"a": [False] * 3, "b": [i < n for i in range(3)]})
    for lang in ("zh", "en"):
        names = TINY_UNITS[f"name_{lang}"]
        _say_blank(blank, names, tiny_catalogue, lang, "blank_where_media")
    zh, en = capsys.readouterr().out.splitlines()
    named = {
        1: ("一局（乙）", "Bureau One (B)"),
        2: ("一局（乙）、二局（乙）", "Bureau One (B); Bureau Two (B)"),
    }[n]
    assert zh == (
        f"{n}个单位有一级指标因数据不足未计分，其综合得分按其余一级指标计算："
        f"{named[0]}；详见媒体排名表（evaluation export）的“备注”列"
    )
    counted = {
        1: "1 unit ranked with a level-1 dimension not scored (too few values; its "
        "composite is its other dimensions')",
        2: "2 units ranked with a level-1 dimension not scored (too few values; their "
        "composites are their other dimensions')",
    }[n]
    assert en == (
        f"{counted}: {named[1]}; see the Note column of the media table "
        "(evaluation export)"
    )


# Each case breaks the tiny dataset one way; (what to do to the folder, words expected)
def _rows(**change):
    rows = list(TINY_ROWS)
    for i, row in change.items():
        rows[int(i[1:])] = row
    return rows


CASES = {
    "out_of_range": (
        lambda d: write_dataset(
            d, TINY_UNITS, _rows(r0=("U1", "2025-Q1", "a1", "101"))
        ),
        "valid_range[a1]",
    ),
    "non_numeric": (
        lambda d: write_dataset(
            d, TINY_UNITS, _rows(r0=("U1", "2025-Q1", "a1", "八十"))
        ),
        "numeric",
    ),
    "unknown_unit": (
        lambda d: write_dataset(d, TINY_UNITS, _rows(r0=("U7", "2025-Q1", "a1", "80"))),
        "known_unit",
    ),
    "unknown_indicator": (
        lambda d: write_dataset(d, TINY_UNITS, _rows(r0=("U1", "2025-Q1", "a9", "80"))),
        "known_indicator",
    ),
    "duplicate": (
        lambda d: write_dataset(d, TINY_UNITS, [*TINY_ROWS, TINY_ROWS[3]]),
        "duplicate",
    ),
    "wrong_period": (
        lambda d: write_dataset(d, TINY_UNITS, _rows(r0=("U1", "2025/03", "a1", "80"))),
        "period_format",
    ),
    "period_of_wrong_frequency": (
        lambda d: write_dataset(d, TINY_UNITS, _rows(r0=("U1", "2025-H1", "a1", "80"))),
        "period_frequency",
    ),
    "missing_column": (
        lambda d: write_dataset(
            d,
            TINY_UNITS,
            pd.DataFrame(TINY_ROWS)
            .iloc[:, :3]
            .set_axis(["unit_id", "period", "indicator_id"], axis=1),
        ),
        "missing_column",
    ),
    "empty_file": (
        lambda d: (
            write_dataset(d, TINY_UNITS, TINY_ROWS),
            (d / "observations" / "office.csv").write_bytes(b""),
        ),
        "empty file",
    ),
    "unreadable_encoding": (
        lambda d: (
            write_dataset(d, TINY_UNITS, TINY_ROWS),
            (d / "observations" / "x.csv").write_bytes(b"unit_id\n\xff\x00\x81\n"),
        ),
        "unreadable encoding",
    ),
    "bad_units": (
        lambda d: write_dataset(d, TINY_UNITS.assign(level="ministry"), TINY_ROWS),
        "known_level",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_exits_1_names_the_problem_and_writes_nothing(
    case, tmp_path, tiny_yaml
):
    make, words = CASES[case]
    data = tmp_path / "data"
    data.mkdir()
    make(data)
    out, report = tmp_path / "out", tmp_path / "report.csv"
    for command in (["validate", data], ["score", data, "--period", "2025"]):
        result = invoke(
            *command,
            "--catalogue",
            tiny_yaml,
            "--out" if command[0] == "score" else "--report",
            out if command[0] == "score" else report,
            "--lang",
            "en",  # the rule ids analysts grep for (Chinese: the test below)
        )
        assert result.exit_code == 1, (case, result.output)
        assert words in result.output, (case, result.output)
    assert not out.exists()  # nothing written
    report_rows = pd.read_csv(report, encoding="utf-8-sig")
    assert list(report_rows.columns) == ["file", "row", "column", "value", "rule"]
    assert report_rows["rule"].str.contains(words, regex=False).any()


def test_broken_catalogue_exits_1_with_every_path(tmp_path, tiny_dataset_path):
    broken = yaml.safe_load(yaml.safe_dump(TINY))
    broken["indicators"][0]["risk"] = {"yellow": 50, "red": 60}
    broken["indicators"][1]["weight"] = 0
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    result = invoke(
        "score",
        tiny_dataset_path,
        "--period",
        "2025",
        "--catalogue",
        path,
        "--out",
        out,
    )
    assert result.exit_code == 1
    assert "indicators[0].risk.red" in result.output
    assert "indicators[1].weight" in result.output
    assert not out.exists()


def test_usage_errors_exit_2(tmp_path, tiny_dataset_path, tiny_yaml):
    assert invoke("score", tiny_dataset_path).exit_code == 2  # --period missing
    bad_period = invoke(
        "score",
        tiny_dataset_path,
        "--period",
        "2025Q4",
        "--catalogue",
        tiny_yaml,
        "--out",
        tmp_path / "o",
    )
    assert bad_period.exit_code == 1 and "not a period label" in bad_period.output
    assert not (tmp_path / "o").exists()


def test_export_errors(tmp_path):
    missing = invoke("export", tmp_path / "nowhere", "--out", tmp_path / "x.csv")
    assert missing.exit_code == 1 and "not a result folder" in missing.output
    assert not (tmp_path / "x.csv").exists()


def test_generate_writes_a_dataset_that_validates(tmp_path):
    out = tmp_path / "city"
    made = invoke(
        "generate",
        out,
        "--catalogue",
        ROOT / "indicators.yaml",
        "--seed",
        3,
        "--departments",
        8,
        "--districts",
        2,
        "--months",
        12,
    )
    assert made.exit_code == 0, made.output
    checked = invoke("validate", out, "--catalogue", ROOT / "indicators.yaml")
    assert checked.exit_code == 0, checked.output
    shutil.rmtree(out)


def test_report_and_ranking_csv_neutralise_formulas(tmp_path, tiny_yaml):
    units = TINY_UNITS.assign(name_zh=["=cmd|' /C calc'!A0", "二局", "三局"])
    rows = [("U1", "2025-Q1", "a1", "=1+2"), *TINY_ROWS[1:]]
    data = write_dataset(tmp_path / "bad", units, rows)
    report = tmp_path / "report.csv"
    invoke("validate", data, "--catalogue", tiny_yaml, "--report", report)
    assert "'=1+2" in report.read_text(encoding="utf-8-sig")
    good = write_dataset(tmp_path / "good", units, TINY_ROWS)
    out = tmp_path / "out"
    assert (
        invoke(
            "score", good, "--period", "2025", "--catalogue", tiny_yaml, "--out", out
        ).exit_code
        == 0
    )
    ranking = (out / "ranking_2025.csv").read_text(encoding="utf-8-sig")
    assert "'=cmd" in ranking


def test_uncertainty_and_the_rank_range_column(tmp_path, sample_result):
    from evaluation.publish.store import save_result

    folder = save_result(sample_result, tmp_path / "result")
    out = tmp_path / "ranks.csv"
    done = invoke(
        "uncertainty", folder, "--out", out, "--draws", "200",
        "--normalisations", "catalogue,minmax", "--save-draws", tmp_path / "draws.csv",
        "--lang", "en",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    summary = pd.read_csv(out, encoding="utf-8-sig")
    assert list(summary.columns) == [
        "unit_id", "nominal_rank", "mean_rank", "median_rank", "rank_q05",
        "rank_q95", "score_q05", "score_q95", "level_rank", "level_rank_q05",
        "level_rank_q95",
    ]  # fmt: skip
    assert len(pd.read_csv(tmp_path / "draws.csv", encoding="utf-8-sig")) == 200
    # the median width said is that of the ranges as the tables show them: each
    # end to 1 decimal half up, by Decimal here
    shown = [
        half_up(high, 1) - half_up(low, 1)
        for low, high in zip(summary["rank_q05"], summary["rank_q95"], strict=True)
    ]
    assert f"median 5–95% rank interval width {float(median(shown)):g};" in (
        done.output
    )
    again = tmp_path / "again.csv"
    done = invoke(
        "uncertainty", folder, "--out", again, "--replay", tmp_path / "draws.csv",
        "--lang", "en",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "200 draws" in done.output
    assert again.read_bytes() == out.read_bytes()  # the replay is exact
    media = tmp_path / "media.csv"
    done = invoke("export", folder, "--rank-range", "--lang", "en", "--out", media)
    assert done.exit_code == 0, done.output
    table = pd.read_csv(media, encoding="utf-8-sig", dtype=str)
    first = table["Rank range (5–95%)"].iloc[0]
    assert first.startswith(table["Rank"].iloc[0] + " (")
    about = (tmp_path / "media.about.txt").read_text(encoding="utf-8-sig")
    assert "ranks of 5–95% of 1,000 draws; each draw varies level-1 weights ±25%" in (
        about
    )


def test_a_rank_range_within_a_peer_group_is_refused_before_drawing(
    tmp_path, tiny_result
):
    """--rank-range ranges the rank among all units, not the rank in a peer group
    that --peer-group prints: refused (exit 2, in Chinese first), nothing written."""
    from evaluation.publish.store import save_result

    folder = save_result(tiny_result, tmp_path / "result")
    media = tmp_path / "media.csv"
    done = invoke(
        "export", folder, "--peer-group", "g2", "--rank-range", "--out", media
    )
    assert done.exit_code == 2, done.output
    assert "--rank-range" in done.output and "--peer-group" in done.output
    assert "不能" in done.output
    assert not media.exists()


def test_a_peer_group_of_a_table_it_does_not_filter_is_refused(tmp_path, tiny_result):
    """--peer-group filters and ranks the media table only. ``--table ranking
    --peer-group g2`` (or warnings, risk, ledger, flags) wrote every unit all the
    same, as if asked for one peer group: now refused, exit 2, in Chinese first and
    naming the table, nothing written; the media table still takes it: g2's units
    only."""
    from evaluation.errors import RequestError
    from evaluation.publish import media as M
    from evaluation.publish.store import save_result

    folder = save_result(tiny_result, tmp_path / "result")
    for table, name in (("ranking", "完整排名表"), ("warnings", "预警表"),
                        ("flags", "数据质量提示表")):  # fmt: skip
        out = tmp_path / f"{table}.csv"
        done = invoke("export", folder, "--table", table, "--peer-group", "g2",
                      "--out", out)  # fmt: skip
        assert done.exit_code == 2, done.output
        assert (
            f"--peer-group 只用于供媒体发布的排名表（--table media），{name}含全部单位"
        ) in done.output
        assert f"the {table} table has every unit" in done.output
        assert not out.exists()
    with pytest.raises(RequestError):
        M.export(tiny_result, tmp_path / "r.csv", table="ranking", peer_group="g2")
    assert not (tmp_path / "r.csv").exists()
    media = tmp_path / "media.csv"
    done = invoke("export", folder, "--peer-group", "g2", "--out", media)
    assert done.exit_code == 0, done.output
    g2 = tiny_result.units.loc[tiny_result.units["peer_group"] == "g2", "name_zh"]
    assert sorted(pd.read_csv(media, encoding="utf-8-sig")["单位"]) == sorted(g2)


def test_uncertainty_draws_imputation_winsorisation_and_dirichlet_weights(
    tmp_path, sample_result
):
    from evaluation.publish.store import save_result

    folder = save_result(sample_result, tmp_path / "result")
    draws = tmp_path / "draws.csv"
    done = invoke(
        "uncertainty", folder, "--out", tmp_path / "ranks.csv", "--draws", "50",
        "--imputations", "catalogue,peer_mean", "--winsorisations", "catalogue,none",
        "--weights", "dirichlet", "--concentration", "30", "--save-draws", draws,
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    table = pd.read_csv(draws, encoding="utf-8-sig")
    assert set(table["imputation"]) == {"catalogue", "peer_mean"}
    assert set(table["winsorisation"]) == {"catalogue", "none"}
    refused = invoke(
        "uncertainty", folder, "--out", tmp_path / "r.csv", "--draws", "5",
        "--winsorisations", "catalogue,3",
    )  # fmt: skip
    assert refused.exit_code != 0 and "coinr" in refused.output
    refused = invoke(
        "uncertainty", folder, "--out", tmp_path / "r.csv", "--weights", "beta"
    )
    assert refused.exit_code != 0 and "dirichlet" in refused.output


def test_flags_are_listed_and_a_decision_is_recorded(tmp_path, sample_result):
    from evaluation.publish.store import save_result

    folder = save_result(sample_result, tmp_path / "result")
    book = tmp_path / "decisions.csv"
    listed = invoke("flags", folder, "--decisions", book)
    assert listed.exit_code == 0, listed.output
    n = len(sample_result.flags)
    # Chinese first: the count and each open flag's reason as the office reads it
    assert f"数据质量提示{n}条：待核实{n}条，已确认0条，已排除0条" in listed.output
    first = sample_result.flags.iloc[0]
    assert f"编号 {first['flag_id']}：{first['reason_zh']}" in listed.output
    listed = invoke("flags", folder, "--decisions", book, "--lang", "en")
    assert f"{n} flags: {n} open, 0 accepted, 0 dismissed" in listed.output
    fid = sample_result.flags["flag_id"].iloc[0]
    refused = invoke("flags", folder, "--decisions", book, "--dismiss", fid)
    assert refused.exit_code == 1 and "needs a comment" in refused.output
    done = invoke(
        "flags", folder, "--decisions", book, "--dismiss", fid,
        "--comment", "核实无误", "--by", "李",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert f"待核实{n - 1}条，已确认0条，已排除1条" in done.output
    both = invoke("flags", folder, "--accept", fid, "--dismiss", fid)
    assert both.exit_code == 2


def test_flags_past_twenty_say_how_many_more_and_the_command_for_all(
    tmp_path, sample_result
):
    """The list stops at 20 open flags; an analyst who must decide on the others
    is told how many are left and the command that writes them all, with the
    decisions file, so every id can be read and decided on."""
    from evaluation.publish.store import save_result

    folder = save_result(sample_result, tmp_path / "result")
    book = tmp_path / "decisions.csv"
    n = len(sample_result.flags)
    assert n > 21  # the sample has more open flags than the list shows
    listed = invoke("flags", folder, "--decisions", book)
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert len(lines) == 1 + 20 + 1  # the counts, 20 flags, the rest
    command = (
        f"evaluation export {folder} --table flags --decisions {book} "
        "--out 数据质量提示.xlsx"
    )
    assert lines[-1] == f"  另有{n - 20}条待核实的提示未列出，完整清单：{command}"
    fid = sample_result.flags["flag_id"].iloc[0]
    decided = invoke(
        "flags", folder, "--decisions", book, "--dismiss", fid,
        "--comment", "核实无误", "--by", "李",
    )  # fmt: skip
    assert decided.output.splitlines()[-1].startswith(f"  另有{n - 21}条待核实")
    english = invoke("flags", folder, "--decisions", book, "--lang", "en")
    assert english.output.splitlines()[-1] == (
        f"  and {n - 21} more open flags; all of them: evaluation export {folder} "
        f"--table flags --decisions {book} --out flags.xlsx --lang en"
    )


def test_one_flag_past_twenty_is_said_as_one(tmp_path, sample_result):
    """21 open flags: the last line counts one more flag, "1 more open flag", not
    "1 more open flags" (the counts of English words are singular for one)."""
    from dataclasses import replace

    from evaluation.publish.store import save_result

    result = replace(sample_result, flags=sample_result.flags.head(21))
    folder = save_result(result, tmp_path / "result")
    book = tmp_path / "decisions.csv"
    english = invoke("flags", folder, "--decisions", book, "--lang", "en")
    assert english.exit_code == 0, english.output
    assert english.output.splitlines()[-1] == (
        f"  and 1 more open flag; all of them: evaluation export {folder} "
        f"--table flags --decisions {book} --out flags.xlsx --lang en"
    )
    chinese = invoke("flags", folder, "--decisions", book)
    assert chinese.output.splitlines()[-1].startswith("  另有1条待核实的提示未列出")


def test_one_flag_is_counted_as_one_in_the_flags_heading(tmp_path, sample_result):
    """A run with one flag: evaluation flags opens "1 flag: 1 open, 0 accepted, 0
    dismissed" (it said "1 flags"); two, "2 flags: …"; Chinese alike for both."""
    from dataclasses import replace

    from evaluation.publish.store import save_result

    for n in (1, 2):
        result = replace(sample_result, flags=sample_result.flags.head(n))
        folder = save_result(result, tmp_path / f"result{n}")
        book = tmp_path / f"decisions{n}.csv"
        english = invoke("flags", folder, "--decisions", book, "--lang", "en")
        assert english.exit_code == 0, english.output
        noun = "flag" if n == 1 else "flags"
        assert english.output.splitlines()[0] == (
            f"{n} {noun}: {n} open, 0 accepted, 0 dismissed"
        )
        chinese = invoke("flags", folder, "--decisions", book)
        assert chinese.output.splitlines()[0] == (
            f"数据质量提示{n}条：待核实{n}条，已确认0条，已排除0条"
        )


def test_a_report_named_xlsx_is_an_excel_workbook(tmp_path, tiny_yaml):
    """``--report 问题清单.xlsx`` was CSV text in a file Excel refuses to open: it is
    a workbook now, the CSV's columns in one sheet, the row a number and a value
    sent as a number a number (101, out of a1's 0–100); 八十 (not a number) and
    -0.50 (below a2's 0, a number Excel would show -0.5) as sent, text. In English
    with ``--lang en``."""
    import openpyxl

    data = write_dataset(
        tmp_path / "data",
        TINY_UNITS,
        _rows(
            r0=("U1", "2025-Q1", "a1", "101"),
            r1=("U1", "2025-Q2", "a1", "八十"),
            r12=("U1", "2025-Q1", "a2", "-0.50"),
        ),
    )
    for lang, sheet, header, column in (
        ("zh", "问题清单", ("文件", "行", "列", "值", "规则"), "指标值（value）"),
        ("en", "Problems", ("file", "row", "column", "value", "rule"), "value"),
    ):
        book, csv = tmp_path / f"问题清单_{lang}.xlsx", tmp_path / f"{lang}.csv"
        said = invoke(
            "validate", data, "-c", tiny_yaml, "--report", book, "--lang", lang
        )
        assert said.exit_code == 1, said.output
        assert book.read_bytes()[:2] == b"PK"  # a zip, as every .xlsx is
        invoke("validate", data, "-c", tiny_yaml, "--report", csv, "--lang", lang)
        rules = pd.read_csv(csv, encoding="utf-8-sig", dtype=str).iloc[:, 4]
        read = openpyxl.load_workbook(book)
        assert read.sheetnames == [sheet]
        rows = list(read[sheet].iter_rows(values_only=True))
        assert rows[0] == header
        file = "observations/office.csv"
        assert [r[:4] for r in rows[1:]] == [
            (file, 2, column, 101),
            (file, 3, column, "八十"),
            (file, 14, column, "-0.50"),
        ]
        assert [r[4] for r in rows[1:]] == rules.tolist()


@pytest.mark.parametrize("name", ["问题清单.xls", "问题清单.XLSM", "问题清单"])
def test_a_report_named_for_another_excel_format_is_refused_first(
    tmp_path, tiny_yaml, name
):
    """``--report 问题清单.xls`` (or .xlsm, or no suffix) would be CSV text under a
    name Excel refuses or warns about: validate, score, national, publish, appeal
    and reproduce refuse it as the options are read, exit 2, naming the option
    and the suffixes it may end in, in Chinese with the English after it (``--lang
    en``: English alone, typed before or after it); nothing is read or written,
    though the data have a problem to report."""
    data = write_dataset(
        tmp_path / "data", TINY_UNITS, _rows(r0=("U1", "2025-Q1", "a1", "101"))
    )
    report, out = tmp_path / name, tmp_path / "out"
    zh = (
        f"--report 须以 .csv、.txt 或 .xlsx 结尾，而不是“{name}”：问题报告写为 "
        "CSV 文本（.csv、.txt）或 Excel 工作簿（.xlsx）"
    )
    en = (
        f"--report must end in .csv, .txt or .xlsx, not '{name}': the problem "
        "report is CSV text (.csv, .txt) or an Excel workbook (.xlsx)"
    )
    store = tmp_path / "s.duckdb"
    for command in (
        ["validate", data, "-c", tiny_yaml],
        ["score", data, "-p", "2025", "-c", tiny_yaml, "--out", out],
        ["national", data, "--units", data / "units.csv", "-p", "2025", "-c",
         tiny_yaml, "--out", out],
        ["publish", out / "result", "--appraisal", data, "--store", store],
        ["appeal", "annual-2025-1.v1", out / "result", "--reason", "复核",
         "--by", "绩效办", "--store", store],
        ["reproduce", "annual-2025-1.v1", "--store", store],
    ):  # fmt: skip
        # before --store: a missing store is refused when its option is met
        said = invoke(command[0], "--report", report, *command[1:])
        assert said.exit_code == 2, (command[0], said.output)
        assert said.output.strip().splitlines() == [zh, en], command[0]
        for where in (["--lang", "en", "--report", report],
                      ["--report", report, "--lang", "en"]):  # fmt: skip
            said = invoke(command[0], *where, *command[1:])
            assert said.exit_code == 2, (command[0], said.output)
            assert said.output.strip() == en, command[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "tiny.yaml"]


def test_a_report_named_txt_is_the_csv(tmp_path, tiny_yaml):
    """``--report 问题清单.txt``: the CSV text, as ``.csv`` writes it."""
    data = write_dataset(
        tmp_path / "data", TINY_UNITS, _rows(r0=("U1", "2025-Q1", "a1", "101"))
    )
    txt, csv = tmp_path / "问题清单.txt", tmp_path / "问题清单.csv"
    for report in (txt, csv):
        said = invoke("validate", data, "-c", tiny_yaml, "--report", report)
        assert said.exit_code == 1, said.output
    assert txt.read_bytes() == csv.read_bytes()
    assert txt.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM


def test_the_problem_report_is_in_chinese_by_default_for_the_agencies(
    tmp_path, tiny_yaml
):
    """An agency's clerk reads the report: headers 文件/行/列/值/规则, the column by
    its Chinese header, the rule in words with the range in the indicator's unit;
    ``--lang en`` gives the analysts' English report with the rule ids."""
    data = tmp_path / "data"
    data.mkdir()
    write_dataset(data, TINY_UNITS, _rows(r0=("U1", "2025-Q1", "a1", "101")))
    zh, en = tmp_path / "zh.csv", tmp_path / "en.csv"
    said = invoke("validate", data, "--catalogue", tiny_yaml, "--report", zh)
    assert said.exit_code == 1
    assert "数据校验未通过：共1个问题" in said.output
    assert "数值超出有效范围：a1指标应在0分至100分之间" in said.output
    rows = pd.read_csv(zh, encoding="utf-8-sig", dtype=str)
    assert rows.values.tolist() == [
        ["observations/office.csv", "2", "指标值（value）", "101",
         "数值超出有效范围：a1指标应在0分至100分之间"]
    ]  # fmt: skip
    assert list(rows.columns) == ["文件", "行", "列", "值", "规则"]
    said = invoke(
        "validate", data, "--catalogue", tiny_yaml, "--report", en, "--lang", "en"
    )
    assert "validation failed: 1 problem\n" in said.output
    rows = pd.read_csv(en, encoding="utf-8-sig", dtype=str)
    assert rows.values.tolist() == [
        ["observations/office.csv", "2", "value", "101",
         "valid_range[a1]: must lie in [0, 100] points"]
    ]  # fmt: skip
    bad = invoke("validate", data, "--catalogue", tiny_yaml, "--lang", "fr")
    assert bad.exit_code == 2 and "must be zh or en" in bad.output
    assert "只能是" in bad.output
