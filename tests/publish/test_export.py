"""Rounding for print, formula neutralising, media table layout."""

import pandas as pd
import pytest

from evaluation.errors import RequestError
from evaluation.files import neutralise
from evaluation.publish.export import (
    media_csv_bytes,
    media_table,
    round_half_up,
)


def test_round_half_up_on_the_printed_decimal():
    # Python: round(2.675, 2) == 2.67 and round(0.125, 2) == 0.12 (half to even)
    assert round_half_up([2.675, 0.125, 1.005, 85.125, 99.995], 2) == [
        "2.68",
        "0.13",
        "1.01",
        "85.13",
        "100.00",
    ]
    assert round_half_up([0.5, 1.5, 2.5], 0) == ["1", "2", "3"]
    assert round_half_up([float("nan"), None, 7], 1) == ["", "", "7.0"]


def test_a_value_that_rounds_to_zero_is_printed_without_a_sign():
    """A journalist reads 0.00, not -0.00 (a change of −0.004 points, a score of −0.0
    from a subtraction)."""
    assert round_half_up([-0.0, -0.004, 0.004, -0.006], 2) == [
        "0.00", "0.00", "0.00", "-0.01"
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text, expected",
    [
        ("=1+1", "'=1+1"),
        ("+86 10", "'+86 10"),
        ("-cmd", "'-cmd"),
        ("-1+2", "'-1+2"),
        # numbers written as text: a spreadsheet reads a number, never a formula
        ("+86", "+86"),
        ("-5", "-5"),
        ("-1.50", "-1.50"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("\nx", "'\nx"),
        ("市财政局", "市财政局"),
        ("a=b", "a=b"),
    ],
)
def test_neutralise_formula_starts(text, expected):
    assert neutralise(text) == expected


def test_hostile_unit_name_is_neutralised_but_negative_rank_change_is_a_number(
    tiny_result,
):
    hostile = tiny_result.units.assign(
        name_zh=['=HYPERLINK("http://x","点我")', "二局", "三局"]
    )
    result = type(tiny_result)(**{**tiny_result.__dict__, "units": hostile})
    table = media_table(result, "2025", lang="zh")
    assert table.loc[table["排名"] == "1", "单位"].item().startswith("'=HYPERLINK")
    text = media_csv_bytes(table).decode("utf-8-sig")
    assert "'=HYPERLINK" in text


def test_a_unit_without_an_english_name_is_named_in_chinese_in_english_tables(
    tiny_result,
):
    """A unit without an English name (units.csv requires one; a units table built in
    code may lack it): the English media table names such a unit
    by its Chinese name (its proper name), not by a blank cell; the bilingual table
    keeps the blank (its Chinese column names it)."""
    units = tiny_result.units.assign(name_en=["", "  ", None])
    result = type(tiny_result)(**{**tiny_result.__dict__, "units": units})
    names = dict(zip(units["unit_id"], units["name_zh"], strict=True))
    en = media_table(result, "2025", lang="en")
    assert sorted(en["Unit"]) == sorted(names.values())
    both = media_table(result, "2025", lang="both")
    assert both["Unit"].fillna("").str.strip().eq("").all()


def test_media_table_columns_and_rounding(tiny_result):
    table = media_table(tiny_result, "2025", lang="en", decimals=1)
    assert list(table.columns) == [
        "Period",
        "Rank",
        "Unit",
        "Type of unit",
        "Peer group",
        "Composite score",
        "A",
        "B",
        "Rank change (+ = up)",
        "Note",
    ]
    assert table["Period"].tolist() == ["2025"] * 3
    assert table["Type of unit"].tolist() == ["Municipal departments"] * 3
    assert table["Composite score"].tolist() == ["61.0", "42.0", "36.0"]
    assert table["A"].tolist() == ["55.0", "36.7", "50.0"]
    # no 2024 data: no change
    assert table["Rank change (+ = up)"].tolist() == ["", "", ""]
    zh = media_table(tiny_result, "2025", lang="zh")
    assert zh["报告期"].tolist() == ["2025年度"] * 3
    assert "较上期名次变化（+为上升）" in zh.columns


def test_nothing_to_note_is_an_empty_cell_in_both_languages(tiny_result):
    """No unit of the tiny 2025 table has imputed values or a blank dimension: its
    备注 Note cell is empty in the bilingual CSV and workbook, not a space that
    Excel's filter for blanks (and ISBLANK) does not find."""
    for numbers in (False, True):
        table = media_table(tiny_result, "2025", lang="both", numbers=numbers)
        assert table["备注 Note"].tolist() == ["", "", ""]
    text = media_csv_bytes(media_table(tiny_result, "2025", lang="both"))
    rows = text.decode("utf-8-sig").splitlines()[1:]
    assert len(rows) == 3 and all(row.endswith(",") for row in rows)


def test_a_rank_range_is_not_put_beside_a_rank_within_a_peer_group(tiny_result):
    """The rank range is the interval of the rank among all units: U3 (36.0) is 3rd
    of the three but 1st, alone, in group two; beside that 1 a reader would take
    3 (2–3) for the interval of the rank printed next to it. Refused, naming both
    options; the whole table keeps the range beside the rank it is of."""
    ranges = pd.Series({"U1": "1 (1–2)", "U2": "2 (1–3)", "U3": "3 (2–3)"})
    with pytest.raises(RequestError, match="--peer-group") as refused:
        media_table(tiny_result, "2025", peer_group="g2", rank_range=ranges)
    assert "--rank-range" in refused.value.words.zh
    table = media_table(tiny_result, "2025", rank_range=ranges, lang="en")
    assert table["Rank"].tolist() == ["1", "2", "3"]
    assert table["Rank range (5–95%)"].tolist() == ["1 (1–2)", "2 (1–3)", "3 (2–3)"]


def test_the_note_says_what_the_rank_range_column_means(tiny_result, tmp_path):
    """A journalist reading 2 (1–3) alone: the note says the rank, the 5–95% of
    the draws in brackets, how many draws and what each varies (the CLI's spec:
    1,000 draws, level-1 weights ±25%), in Chinese and in English."""
    from evaluation.publish.media import export

    ranges = pd.Series({"U1": "1 (1–2)", "U2": "2 (1–3)", "U3": "3 (2–3)"})
    ranges.attrs["spec"] = {
        "n": 1000, "weight_noise": 0.25, "weight_levels": [1], "weight_sets": [],
        "normalisations": ["catalogue"], "aggregations": ["catalogue"],
        "exclude": False,
    }  # fmt: skip
    export(tiny_result, tmp_path / "m.csv", rank_range=ranges, lang="both")
    note = (tmp_path / "m.说明.txt").read_text(encoding="utf-8-sig")
    assert (
        "排名区间：括号外为名次，括号内为1000次抽样中5%–95%的名次范围；每次抽样随机改变"
        "一级指标权重±25%，重算综合得分后在全部单位中排名。区间越窄，名次越稳定。"
    ) in note
    assert (
        "Rank range: the rank and, in brackets, the ranks of 5–95% of 1,000 draws; "
        "each draw varies level-1 weights ±25% at random, rescores the composite "
        "and ranks all units. The narrower the range, the firmer the place."
    ) in note
    export(tiny_result, tmp_path / "own.csv", rank_range=pd.Series(ranges.to_dict()))
    assert "排名区间：括号外为名次，括号内为不确定性分析各次抽样中5%–95%的名次范围" in (
        tmp_path / "own.说明.txt"
    ).read_text(encoding="utf-8-sig")  # a caller's own ranges, no spec with them
    export(tiny_result, tmp_path / "plain.csv")
    assert "排名区间" not in (tmp_path / "plain.说明.txt").read_text(encoding="utf-8")


def test_unknown_language_is_refused(tiny_result):
    with pytest.raises(ValueError, match="lang must be one of"):
        media_table(tiny_result, lang="fr")


def test_unranked_units_are_listed_with_a_note(tiny_raw, tmp_path):
    import evaluation as ev

    from ..conftest import TINY_ROWS, TINY_UNITS, write_dataset

    tiny_raw["settings"]["min_coverage"] = 0.9
    path = write_dataset(tmp_path, TINY_UNITS, TINY_ROWS)
    result = ev.run(
        ev.parse_catalogue(tiny_raw),
        ev.load_dataset(path),
        period="2025-Q4",
        run_at="t",
    )
    table = media_table(result, lang="both")
    last = table.iloc[-1]
    assert last["排名 Rank"] == ""
    assert last["备注 Note"] == "数据不足，未排名 insufficient data, not ranked"
    assert pd.Series(table["排名 Rank"][:-1]).tolist() == ["1", "2"]


@pytest.mark.parametrize(
    ("label", "zh", "en"),
    [
        ("2025", "2025年度", "2025"),
        ("2025-M12", "2025年12月", "December 2025"),
        ("2025-Q1", "2025年第一季度", "Q1 2025"),
        ("2025-H2", "2025年下半年", "H2 2025"),
        ("2024-B4", "2024年7—8月", "Jul–Aug 2024"),
    ],
)
def test_period_columns_name_the_period(label, zh, en):
    from evaluation.publish.export import period_words

    assert period_words(label) == (zh, en)


@pytest.mark.parametrize(
    ("unit", "value", "decimals", "expected"),
    [
        ("score", 85.1, 2, "0.00"),
        ("%", 95.3, 2, '0.00"%"'),  # percentage points: 95.30%, never ×100
        ("%", 95.3, 1, '0.0"%"'),
        ("件", 25.0, 2, "#,##0"),  # a count: 25, not 25.00
        ("件", 2.5, 2, "#,##0.00"),  # a mean of counts keeps its decimals
        ("元/件", 1234.5, 2, "#,##0.00"),
        ("分", 80.0, 2, "0.00"),
        ("plain", -1.5, 3, "0.000"),
    ],
)
def test_number_formats_follow_the_catalogues_unit(unit, value, decimals, expected):
    from evaluation.publish.export import number_format

    assert number_format(unit, decimals, value) == expected


def test_counts_read_as_whole_numbers_in_the_csv(sample_result):
    from evaluation.publish.export import risk_table

    table = risk_table(sample_result, "warnings", lang="en")
    rollup = table[table["Rule"] == "dimension roll-up"]
    assert len(rollup) and set(rollup["Limit"]) == {"worst 2"}  # 2 worst indicators
    assert all("." in v for v in rollup["Value"])  # a mean level: 1.50


def test_every_unit_level_has_words_for_files_and_sheets():
    from evaluation.catalogue import Settings
    from evaluation.vocabulary import word

    for level in Settings().unit_levels:  # department, district
        for family in ("unit_level", "unit_level_short"):
            zh, en = word(family, level, "zh"), word(family, level, "en")
            assert zh.strip() and en.strip() and zh != en, (family, level)
    assert word("unit_level_short", "district", "zh") == "区县"  # media_…_区县.csv


def test_the_about_sheet_lowers_a_level_name_mid_sentence_but_not_an_acronym(
    tiny_result,
):
    """The levels ranked apart, named inside an English sentence: Municipal
    departments reads municipal departments; a level the vocabulary has no words
    for is named by its id, and NPC (an acronym) stays NPC, not nPC."""
    from evaluation.publish.media import about_table

    about = about_table(tiny_result, "2025", levels=["department", "NPC"])
    contents = about.set_index("Item").at["Contents", "Description"]
    assert contents.endswith(
        "; municipal departments and NPC are ranked apart, one table each"
    )
    assert (
        about.set_index("项目")
        .at["内容", "说明"]
        .endswith("；市直部门和NPC分别排名，各为一张表")
    )


def test_a_grade_under_public_notice_is_said_to_be_not_yet_final(tiny_result):
    """Grades taken from an appraisal under 公示 may still change on appeal: the
    note says until when the notice runs and that the grades are final only after
    it and every appeal (the dashboard's words); grades in force say neither."""
    from evaluation.publish.media import about_table

    run = {"status": "notice", "period": "2025", "run_id": "annual-2025-1.v1",
           "notice_until": "2026-01-20"}  # fmt: skip
    about = about_table(tiny_result, "2025", grades=run, store="store.duckdb")
    zh = about.set_index("项目").at["年度考评等次", "说明"]
    en = about.set_index("Item").at["Annual grade", "Description"]
    assert zh == (
        "取自发布库 store.duckdb 中2025年度考评结果 annual-2025-1.v1（公示中），"
        "未重新计算。公示期至2026年1月20日，公示期满且申诉均已复核后正式确定。"
    )
    assert en == (
        "from the 2025 appraisal annual-2025-1.v1 (under notice) in the publication "
        "store store.duckdb, not recomputed. Under public notice until 2026-01-20; "
        "final once the notice ends and every appeal is decided."
    )
    undated = {**run, "notice_until": None}  # a notice with no dates recorded
    about = about_table(tiny_result, "2025", grades=undated, store="store.duckdb")
    assert (
        about.set_index("项目")
        .at["年度考评等次", "说明"]
        .endswith("未重新计算。公示期满且申诉均已复核后正式确定。")
    )
    final = {**run, "status": "published"}
    about = about_table(tiny_result, "2025", grades=final, store="store.duckdb")
    zh = about.set_index("项目").at["年度考评等次", "说明"]
    assert zh == (
        "取自发布库 store.duckdb 中2025年度考评结果 annual-2025-1.v1（已发布），"
        "未重新计算。"
    )


def test_grades_in_force_with_a_correction_under_notice_say_it_in_the_note(
    tiny_result,
):
    """The year's grades in force (v1) while an appeal's corrected v2 is under 公示:
    the note says, below the grade's line and in the grades file's words, that v2
    is pending until the 公示's last day (2026年2月9日, by hand) and replaces v1
    once final; without a pending correction, no such line."""
    from evaluation.publish.media import about_table

    run = {"status": "published", "period": "2025", "run_id": "annual-2025-1.v1"}
    pending = {"run_id": "annual-2025-1.v2", "reason": "复核〔2026〕2号",
               "notice_until": "2026-02-09"}  # fmt: skip
    about = about_table(
        tiny_result, "2025", grades=run, pending=pending, store="store.duckdb"
    )
    items = about["项目"].tolist()
    assert items[items.index("年度考评等次") + 1] == "待生效的更正版本"
    zh = about.set_index("项目").at["待生效的更正版本", "说明"]
    en = about.set_index("Item").at["Correction pending", "Description"]
    assert zh == (
        "更正版本 annual-2025-1.v2（申诉/复核：复核〔2026〕2号）公示中，"
        "公示期至2026年2月9日；正式发布后取代本版本，本文件中的等次可能随之改变"
    )
    assert en == (
        "corrected version annual-2025-1.v2 (appeal/review: 复核〔2026〕2号) under "
        "public notice until 2026-02-09; once final it replaces this version, and "
        "grades here may change"
    )
    alone = about_table(tiny_result, "2025", grades=run, store="store.duckdb")
    assert "待生效的更正版本" not in alone["项目"].tolist()


def test_the_note_names_the_store_as_it_names_the_data_folder(tiny_result):
    """The note handed to the press names the publication store by its last two
    names (data/store.duckdb), as it names the data and result folders, never
    where it sits on the office's machine."""
    from evaluation.publish.media import about_table

    run = {"status": "published", "period": "2025", "run_id": "annual-2025-1.v1"}
    store = "/home/clerk/绩效办/data/store.duckdb"
    about = about_table(tiny_result, "2025", grades=run, store=store)
    zh = about.set_index("项目").at["年度考评等次", "说明"]
    en = about.set_index("Item").at["Annual grade", "Description"]
    assert zh.startswith("取自发布库 data/store.duckdb 中2025年度考评结果")
    assert "in the publication store data/store.duckdb, not" in en
    assert "/home" not in zh + en and "绩效办" not in zh + en


def test_the_notes_source_counts_its_agencies_and_names_each(
    tiny_result, tiny_dataset_path
):
    """The source row names every agency read and counts them: one agency alone
    (no 等1个单位, one agency); three listed by the list comma, counted (by hand:
    office sends a1 and b2, the finance bureau a2, the audit bureau b1)."""
    import copy

    import evaluation as ev
    from evaluation.publish.media import about_table
    from tests.conftest import TINY

    def source(result) -> tuple[str, str]:
        about = about_table(result, "2025")
        zh = about.set_index("项目").at["数据来源", "说明"]
        en = about.set_index("Item").at["Source", "Description"]
        return zh.split("（")[0], en.split("; ")[0]

    assert source(tiny_result) == (
        "办公室报送的指标数据",
        "indicator data reported by one agency (Office",
    )
    raw = copy.deepcopy(TINY)
    raw["agencies"] += [
        {"id": "finance", "name_zh": "财政局", "name_en": "Finance Bureau"},
        {"id": "audit", "name_zh": "审计局", "name_en": "Audit Bureau"},
    ]
    raw["indicators"][1]["agency"] = "finance"  # a2
    raw["indicators"][2]["agency"] = "audit"  # b1
    cat = ev.parse_catalogue(raw, file="tiny.yaml")
    data = ev.load_dataset(tiny_dataset_path)
    assert source(ev.run(cat, data, period="2025")) == (
        "办公室、财政局、审计局等3个单位报送的指标数据",
        "indicator data reported by 3 agencies (Office, Finance Bureau, Audit Bureau",
    )


def test_three_levels_ranked_apart_are_listed_as_a_sentence_lists_them(tiny_result):
    """More than two types of unit ranked apart: the list comma, the last two
    joined by 和 / and (市直部门、县（市）区和NPC)."""
    from evaluation.publish.media import about_table

    about = about_table(tiny_result, "2025", levels=["department", "district", "NPC"])
    zh, en = about.set_index("项目")["说明"], about.set_index("Item")["Description"]
    assert zh["内容"].endswith("；市直部门、县（市）区和NPC分别排名，各为一张表")
    assert en["Contents"].endswith(
        "; municipal departments, districts and counties and NPC are ranked apart,"
        " one table each"
    )
    assert "；市直部门、县（市）区和NPC分别排名。" in zh["排名"]
    assert (
        "; municipal departments, districts and counties and NPC ranked apart."
        in (en["Ranks"])
    )


def _zero_scored_and_imputed(folder, unit_limit: float = 1):
    """2025-Q4 of the tiny catalogue, every indicator quarterly; a2 and b1 score a
    value not reported 0 (``missing: zero_score``), a1 and b2 fill it with the peer
    group's median. Values not reported, by hand:

    ====  =====  ==========  ==========================  ==============
    unit  group  not sent    status                      zero / imputed
    ====  =====  ==========  ==========================  ==============
    U1    g1     a2, b1      missing_zero_score (both)   2 / 0
    U2    g1     a1, b2      imputed_peer_median (both)  0 / 2
    U3    g2     a2, b2      zero_score, peer_median     1 / 1
    U4    g2     a1          imputed_peer_median         0 / 1
    ====  =====  ==========  ==========================  ==============

    Every unit is ranked (shares of imputed values allowed up to ``unit_limit``,
    by default 1; at 0.4, U1, U2 and U3, 2 of 4 values each, are not ranked)."""
    import evaluation as ev

    from ..conftest import tiny_every, write_dataset

    raw = tiny_every("quarterly")
    raw["settings"].update(
        max_imputed_share_unit=unit_limit, max_imputed_share_indicator=1
    )
    rule = {"a1": "peer_median", "a2": "zero_score", "b1": "zero_score"}
    for ind in raw["indicators"]:
        ind["missing"] = rule.get(ind["id"], "peer_median")
    units = pd.DataFrame(
        {
            "unit_id": ["U1", "U2", "U3", "U4"],
            "name_zh": ["一局", "二局", "三局", "四局"],
            "name_en": ["Bureau One", "Bureau Two", "Bureau Three", "Bureau Four"],
            "peer_group": ["g1", "g1", "g2", "g2"],
            "level": ["department"] * 4,
            "parent_id": [""] * 4,
        }
    )
    gone = {"U1": "a2 b1", "U2": "a1 b2", "U3": "a2 b2", "U4": "a1"}
    rows = [
        (u, "2025-Q4", i, "" if i in gone[u].split() else v)
        for u, v in zip(units["unit_id"], ["60", "70", "80", "90"], strict=True)
        for i in ("a1", "a2", "b1", "b2")
    ]
    rows = [(u, p, i, "1" if i == "a2" and v else v) for u, p, i, v in rows]
    data = ev.load_dataset(write_dataset(folder, units, rows))
    return ev.run(ev.parse_catalogue(raw), data, period="2025-Q4", run_at="t")


def test_the_note_says_a_value_scored_zero_apart_from_an_imputed_one(tmp_path):
    """A value not reported that the catalogue scores 0 is the department's failing,
    not an estimate: the Note column counts it apart (含未报送记零分指标2项) from
    values filled by another rule (含补缺数据2项); a unit can have both. Counts
    by hand from the table in :func:`_zero_scored_and_imputed`."""
    result = _zero_scored_and_imputed(tmp_path)
    zh = media_table(result, lang="zh").set_index("单位")["备注"]
    assert zh.to_dict() == {
        "一局": "含未报送记零分指标2项",
        "二局": "含补缺数据2项",
        "三局": "含未报送记零分指标1项；含补缺数据1项",
        "四局": "含补缺数据1项",
    }
    en = media_table(result, lang="en").set_index("Unit")["Note"]
    assert en.to_dict() == {
        "Bureau One": "2 values not reported, scored zero",
        "Bureau Two": "2 imputed values",
        "Bureau Three": "1 value not reported, scored zero; 1 imputed value",
        "Bureau Four": "1 imputed value",
    }


def test_the_notes_row_counts_zero_scores_and_imputed_values_apart(tmp_path):
    """The note's 备注 row says how many units had values not reported and scored 0
    and how many values, apart from the units and values imputed; counted among
    the file's units (by hand from :func:`_zero_scored_and_imputed`: all four, 3
    zero scores of U1, U3 and 4 imputed values of U2, U3, U4; group g2 alone, 1 of
    U3 and 2 of U3, U4), English singular for one."""
    from evaluation.publish.media import about_table

    result = _zero_scored_and_imputed(tmp_path)

    def notes(**kw) -> tuple[str, str]:
        about = about_table(result, "2025-Q4", **kw)
        zh = about.set_index("项目").at["备注", "说明"]
        return zh, about.set_index("Item").at["Notes", "Description"]

    assert notes() == (
        "2个单位有指标数据未报送，按指标体系规定记零分（共3项），在“备注”列注明；"
        "3个单位的得分含补缺数据（共4项），补缺方法按指标体系规定，在“备注”列注明。",
        "Values not reported, scored zero by the catalogue's rule: 3 values of 2 "
        "units, marked in the Note column; imputed values, filled by the "
        "catalogue's rules: 4 values of 3 units, marked in the Note column.",
    )
    assert notes(peer_group="g2") == (
        "1个单位有指标数据未报送，按指标体系规定记零分（共1项），在“备注”列注明；"
        "2个单位的得分含补缺数据（共2项），补缺方法按指标体系规定，在“备注”列注明。",
        "Values not reported, scored zero by the catalogue's rule: 1 value of 1 "
        "unit, marked in the Note column; imputed values, filled by the "
        "catalogue's rules: 2 values of 2 units, marked in the Note column.",
    )


def test_the_notes_row_counts_only_ranked_units_values(tmp_path):
    """A unit not ranked has the Note 数据不足，未排名 only: the notes row counts it
    there, never among the units whose values the Note column marks as not
    reported or imputed. By hand from :func:`_zero_scored_and_imputed` at a unit
    limit of 0.4: U1, U2 and U3 (2 values of 4 each) not ranked; U4 ranked, its 1
    value imputed; no ranked unit scored a value 0."""
    from evaluation.publish.media import about_table

    result = _zero_scored_and_imputed(tmp_path, unit_limit=0.4)
    notes = media_table(result, lang="zh").set_index("单位")["备注"]
    assert notes.to_dict() == {
        "四局": "含补缺数据1项",
        "一局": "数据不足，未排名",
        "二局": "数据不足，未排名",
        "三局": "数据不足，未排名",
    }
    about = about_table(result, "2025-Q4")
    assert about.set_index("项目").at["备注", "说明"] == (
        "1个单位的得分含补缺数据（共1项），补缺方法按指标体系规定，在“备注”列注明；"
        "3个单位数据不足，未排名。"
    )
    en = about.set_index("Item").at["Notes", "Description"]
    assert en.startswith(
        "Imputed values, filled by the catalogue's rules: 1 value of 1 unit, marked "
        "in the Note column; "
    )
    assert "scored zero" not in en


def test_the_analysts_ranking_heads_its_count_as_imputed_or_zero_scored(tmp_path):
    """The full ranking's count column (``n_imputed``) counts values not reported
    and scored 0 as well as imputed ones: its header and the note's contents say
    both, in both languages. By hand from :func:`_zero_scored_and_imputed`: U1 2
    zero scores, U2 2 imputed, U3 1 + 1, U4 1 imputed."""
    from evaluation.publish.media import about_table, ranking_table

    result = _zero_scored_and_imputed(tmp_path)
    zh = ranking_table(result, lang="zh").set_index("单位代码")
    assert "补缺数据项数" not in zh.columns
    assert zh["补缺或记零分项数"].to_dict() == {
        "U1": "2", "U2": "2", "U3": "2", "U4": "1"
    }  # fmt: skip
    en = ranking_table(result, lang="en").set_index("Unit code")
    assert en["Imputed or zero-scored values"].to_dict() == {
        "U1": "2", "U2": "2", "U3": "2", "U4": "1"
    }  # fmt: skip
    about = about_table(result, "2025-Q4", table="ranking")
    assert about.set_index("项目").at["内容", "说明"] == (
        "各单位排名、得分、覆盖率及补缺或记零分情况（分析用）"
    )
    assert about.set_index("Item").at["Contents", "Description"] == (
        "each unit's ranks, scores, coverage and imputed or zero-scored values "
        "(for analysts)"
    )


def _without_dimension_b(folder, units: str):
    """2025-Q4 of the tiny catalogue, every indicator quarterly, four units of group
    g1 reporting every value but b1 and b2 of ``units`` (left empty; missing:
    exclude):
    their dimension 乙 scores nothing (coverage 0, below 0.5) and their composite
    is 甲's (coverage 0.6): ranked, with a blank dimension."""
    import evaluation as ev

    from ..conftest import tiny_every, write_dataset

    ids = ["U1", "U2", "U3", "U4"]
    frame = pd.DataFrame(
        {
            "unit_id": ids,
            "name_zh": ["一局", "二局", "三局", "四局"],
            "name_en": ["Bureau One", "Bureau Two", "Bureau Three", "Bureau Four"],
            "peer_group": ["g1"] * 4,
            "level": ["department"] * 4,
            "parent_id": [""] * 4,
        }
    )
    rows = [
        (u, "2025-Q4", i, "" if u in units.split() and i[0] == "b" else v)
        for u, v in zip(ids, ["60", "70", "80", "90"], strict=True)
        for i in ("a1", "a2", "b1", "b2")
    ]
    rows = [(u, p, i, "1" if i == "a2" else v) for u, p, i, v in rows]
    data = ev.load_dataset(write_dataset(folder, frame, rows))
    cat = ev.parse_catalogue(tiny_every("quarterly"))
    return ev.run(cat, data, period="2025-Q4", run_at="t")


def test_the_english_notes_count_units_in_the_singular_and_plural(tmp_path):
    """The notes row's units not ranked and units with a blank dimension say
    1 unit / 3 units (vocabulary.say_count), as the zero-scored and imputed
    notes do, not Unit(s) …: N. Counts by hand: at a unit limit of 0.4, U1, U2
    and U3 not ranked (U3 alone in group g2); 乙 blank for U1 (U1 and U2)."""
    from evaluation.publish.media import about_table

    def notes(result, **kw) -> tuple[str, str]:
        about = about_table(result, "2025-Q4", **kw)
        zh = about.set_index("项目").at["备注", "说明"]
        return zh, about.set_index("Item").at["Notes", "Description"]

    result = _zero_scored_and_imputed(tmp_path / "limit", unit_limit=0.4)
    zh, en = notes(result)
    assert zh.endswith("；3个单位数据不足，未排名。")
    assert en.endswith("; not ranked, insufficient data: 3 units.")
    zh, en = notes(result, peer_group="g2")
    assert zh.endswith("；1个单位数据不足，未排名。")
    assert en.endswith("; not ranked, insufficient data: 1 unit.")
    assert "Unit(s)" not in en
    one = _without_dimension_b(tmp_path / "one", "U1")
    assert notes(one) == (
        "1个单位有一级指标因数据不足未计分（在“备注”列注明），其综合得分按其余"
        "一级指标计算，权重重新归一。",
        "A level-1 dimension too short of values to score (marked in the Note "
        "column): 1 unit; its composite is its other dimensions', weights "
        "renormalised.",
    )
    two = _without_dimension_b(tmp_path / "two", "U1 U2")
    assert notes(two) == (
        "2个单位有一级指标因数据不足未计分（在“备注”列注明），其综合得分按其余"
        "一级指标计算，权重重新归一。",
        "A level-1 dimension too short of values to score (marked in the Note "
        "column): 2 units; their composites are their other dimensions', weights "
        "renormalised.",
    )


def test_the_english_notes_of_the_sample_run_on_in_lower_case(catalogue):
    """The sample's 2025-Q4 notes row in English is one sentence: each part after a
    semicolon goes on in lower case ("…; a level-1 dimension …"), not as a new
    sentence ("…; A level-1 dimension …"). Its five units with a blank dimension
    are conftest's BLANK_Q4 (by hand from the sample's files)."""
    import re

    import evaluation as ev
    from evaluation.publish.media import about_table

    from ..conftest import BLANK_Q4, ROOT

    data = ev.load_dataset(ROOT / "data" / "sample")
    result = ev.run(catalogue, data, period="2025-Q4", run_at="t")
    en = about_table(result, "2025-Q4").set_index("Item").at["Notes", "Description"]
    assert en.startswith("Values not reported, scored zero by the catalogue's rule: ")
    assert (
        "; a level-1 dimension too short of values to score (marked in the Note "
        f"column): {len(BLANK_Q4['en'])} units; their composites are their other "
        "dimensions', weights renormalised."
    ) in en
    assert not re.search(r"; [A-Z]", en), en


def test_the_download_zip_holds_the_files_whole_dated_by_the_run_in_beijing():
    """The dashboard's download: each file under its own name and bytes, readable
    once unpacked (rw-r--r--), dated with the run's time read in Beijing (UTC
    2026-01-05 02:30 is 10:30 there), so one run always gives the same zip."""
    import io
    import zipfile

    from evaluation.publish.media import zipped

    files = [("media_2025_zh.csv", "单位,得分\n".encode(), 1), ("说明.txt", b"x", None)]
    data = zipped(files, "2026-01-05T02:30:00+00:00")
    assert data == zipped(files, "2026-01-05T02:30:00+00:00")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        infos = z.infolist()
        assert [i.filename for i in infos] == ["media_2025_zh.csv", "说明.txt"]
        assert [z.read(i) for i in infos] == ["单位,得分\n".encode(), b"x"]
        assert {i.date_time for i in infos} == {(2026, 1, 5, 10, 30, 0)}
        assert {i.external_attr >> 16 for i in infos} == {0o644}
