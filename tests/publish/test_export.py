"""Rounding for print, formula neutralising, media table layout."""

import pandas as pd
import pytest

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


def test_media_table_columns_and_rounding(tiny_result):
    table = media_table(tiny_result, "2025", lang="en", decimals=1)
    assert list(table.columns) == [
        "Rank",
        "Department",
        "Peer group",
        "Composite score",
        "A",
        "B",
        "Rank change",
        "Note",
    ]
    assert table["Composite score"].tolist() == ["61.0", "42.0", "36.0"]
    assert table["A"].tolist() == ["55.0", "36.7", "50.0"]
    assert table["Rank change"].tolist() == ["", "", ""]  # no 2024 data: no change


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
