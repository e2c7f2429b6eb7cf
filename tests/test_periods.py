"""Period labels: parsing, the period that contains a report, order, previous
period, expected report counts and Chinese names, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation import periods as P


@pytest.mark.parametrize(
    "label, frequency, end_month",
    [
        ("2025", "annual", 12),
        ("2025-H1", "half_year", 6),
        ("2025-H2", "half_year", 12),
        ("2025-Q3", "quarterly", 9),
        ("2025-B2", "bimonthly", 4),
        ("2025-M03", "monthly", 3),
        ("2025-M12", "monthly", 12),
    ],
)
def test_a_label_gives_its_frequency_year_and_last_month(label, frequency, end_month):
    assert P.frequency_of(label) == frequency
    row = P.parse([label]).iloc[0]
    assert (row["frequency"], row["year"], row["end_month"]) == (
        frequency,
        2025,
        end_month,
    )


@pytest.mark.parametrize(
    "text", ["2025-M13", "2025-M3", "2025-Q5", "2025-H3", "2025-B7", "25", "2025Q1", ""]
)
def test_what_is_not_a_label_is_refused_or_parsed_as_nothing(text):
    with pytest.raises(ValueError, match="not a period label"):
        P.frequency_of(text)
    assert P.parse([text]).iloc[0].isna().all()


def test_parse_keeps_the_rows_and_their_index():
    labels = pd.Series(["2025-Q1", None, "2025-Q1", "x"], index=[10, 11, 12, 13])
    parsed = P.parse(labels)
    assert parsed.index.tolist() == [10, 11, 12, 13]
    assert parsed["end_month"].tolist()[::2] == [3.0, 3.0]
    assert parsed.loc[[11, 13]].isna().all().all()


def test_a_report_belongs_to_the_period_that_contains_its_last_month():
    labels = pd.Series(
        ["2025-M03", "2025-M04", "2025-B2", "2025-Q2", "2025-H1", "2025"]
    )
    # B2 is March–April: its last month, April, lies in Q2
    assert P.containing(labels, "quarterly").tolist()[:5] == [
        "2025-Q1",
        "2025-Q2",
        "2025-Q2",
        "2025-Q2",
        "2025-Q2",
    ]
    assert P.containing(labels, "annual").tolist() == ["2025"] * 6
    assert P.containing(labels, "half_year").tolist()[:5] == ["2025-H1"] * 5


@pytest.mark.parametrize(
    "period, before",
    [
        ("2025-M01", "2024-M12"),
        ("2025-M03", "2025-M02"),
        ("2025-Q1", "2024-Q4"),
        ("2025-B1", "2024-B6"),
        ("2025-H2", "2025-H1"),
        ("2025", "2024"),
    ],
)
def test_the_previous_period_has_the_same_frequency(period, before):
    assert P.previous(period) == before


def test_labels_of_any_frequency_order_by_their_months():
    labels = ["2025-Q1", "2024-M12", "2025", "2025-M01"]
    assert P.month_index(labels).tolist() == [
        2025 * 12 + 3,
        2024 * 12 + 12,
        2025 * 12 + 12,
        2025 * 12 + 1,
    ]
    assert P.month_index(["2025-Q1"], start=True).tolist() == [2025 * 12 + 1]
    assert sorted(["2025-M10", "2024-M11", "2025-M02"], key=P.sort_key) == [
        "2024-M11",
        "2025-M02",
        "2025-M10",
    ]


@pytest.mark.parametrize(
    "indicator, period, count",
    [
        ("monthly", "2025", 12),
        ("monthly", "2025-Q2", 3),
        ("bimonthly", "2025", 6),
        ("bimonthly", "2025-Q1", 1),  # B1 ends in February; B2 ends in April
        ("bimonthly", "2025-Q2", 2),  # B2 (April) and B3 (June)
        ("quarterly", "2025-H2", 2),
        ("half_year", "2025", 2),
        ("annual", "2025-Q4", 0),  # a year is longer than the period
    ],
)
def test_expected_reports_are_those_whose_last_month_falls_in_the_period(
    indicator, period, count
):
    assert P.expected_counts(indicator, [period]).tolist() == [count]
    assert P.expected_count(indicator, period) == count  # one label, as prepare asks


def test_expected_counts_refuse_what_is_not_a_label():
    with pytest.raises(ValueError, match="not period labels"):
        P.expected_counts("monthly", ["2025", "2025-X1"])
    with pytest.raises(ValueError, match="not a period label"):
        P.expected_count("monthly", "2025-X1")


@pytest.mark.parametrize(
    "label, name",
    [
        ("2025", "2025年度"),
        ("2025-M03", "2025年3月"),
        ("2025-Q1", "2025年第一季度"),
        ("2025-H2", "2025年下半年"),
        ("2025-B2", "2025年3—4月"),
        ("2024-B4", "2024年7—8月"),  # the examples, as an office writes them
        ("2025-M12", "2025年12月"),
        ("2024-H2", "2024年下半年"),
        (None, ""),
    ],
)
def test_chinese_names_of_periods(label, name):
    assert P.name_zh(label) == name


def test_label_of_a_month_at_each_frequency():
    got = [P.label(2025, 8, f) for f in ["monthly", "bimonthly", "quarterly",
                                          "half_year", "annual"]]  # fmt: skip
    assert got == ["2025-M08", "2025-B4", "2025-Q3", "2025-H2", "2025"]
    assert np.all(P.parse(got)["year"] == 2025)


def test_the_period_containing_a_label_by_hand():
    labels = pd.Series(["2025-M03", "2025-M07", "2025-Q4", None, "2025-M13", "2025"])
    assert P.containing(labels, "half_year").tolist()[:3] == [
        "2025-H1", "2025-H2", "2025-H2",
    ]  # fmt: skip
    # a missing or malformed label (month 13) is contained in nothing
    assert P.containing(labels, "quarterly").isna().tolist() == [
        False, False, False, True, True, False,
    ]  # fmt: skip
    assert P.containing_label("2025-M07", "bimonthly") == "2025-B4"  # Jul–Aug
    assert P.containing_label("2025-H1", "annual") == "2025"
    assert P.containing_label("not a period", "annual") is None


def test_months_of_period_labels_by_hand():
    """Months since year 0 of each label's last month: 2025 × 12 = 24,300, plus 3
    for March, 4 for B2 (March–April), 9 for Q3, 6 for H1, 12 for the year; the
    first months with ``start``; labels repeated, and no label at all."""
    labels = ["2025-M03", "2025-B2", "2025-Q3", "2025-H1", "2025"]
    assert P.month_index(labels).tolist() == [24303, 24304, 24309, 24306, 24312]
    assert P.month_index(labels, start=True).tolist() == [
        24303, 24303, 24307, 24301, 24301
    ]  # fmt: skip
    assert P.month_index(["2025-Q3", "2024", "2025-Q3"]).tolist() == [
        24309, 24300, 24309
    ]  # fmt: skip
    assert P.month_index([]).tolist() == []


def test_english_period_names_do_not_follow_the_locale(monkeypatch):
    """English names as written by hand, whatever the machine's locale: a Chinese
    desktop's LC_TIME gives calendar's month names in Chinese (一月), which must not
    reach an English table."""
    import calendar

    monkeypatch.setattr(calendar, "month_name", ["", *(f"{m}月" for m in range(1, 13))])
    monkeypatch.setattr(calendar, "month_abbr", ["", *(f"{m}月" for m in range(1, 13))])
    names = {
        "2025": "2025", "2025-M01": "January 2025", "2025-M09": "September 2025",
        "2025-M12": "December 2025", "2025-Q4": "Q4 2025", "2025-H1": "H1 2025",
        "2025-B1": "Jan–Feb 2025", "2025-B6": "Nov–Dec 2025", "next year": "next year",
    }  # fmt: skip
    assert {label: P.name_en(label) for label in names} == names
    assert P.name_en(None) == ""
