"""Period labels: parse, order and roll up the five reporting frequencies.

Labels are text that Excel does not turn into dates:

============  ===========  ======================
frequency     label        months covered
============  ===========  ======================
annual        ``2025``     1–12
half_year     ``2025-H1``  1–6, 7–12
quarterly     ``2025-Q3``  7–9
bimonthly     ``2025-B2``  3–4
monthly       ``2025-M03`` 3
============  ===========  ======================

An observation belongs to the evaluation period that contains its **last** month
(so bimonthly ``2025-B2``, March–April, counts in ``2025-Q2``). An indicator is scored
only in evaluation periods at least as long as its own reporting period.
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

#: frequency -> (label letter, months per period)
FREQUENCIES: dict[str, tuple[str, int]] = {
    "monthly": ("M", 1),
    "bimonthly": ("B", 2),
    "quarterly": ("Q", 3),
    "half_year": ("H", 6),
    "annual": ("", 12),
}

PATTERNS: dict[str, str] = {
    "monthly": r"\d{4}-M(0[1-9]|1[0-2])",
    "bimonthly": r"\d{4}-B[1-6]",
    "quarterly": r"\d{4}-Q[1-4]",
    "half_year": r"\d{4}-H[12]",
    "annual": r"\d{4}",
}
_LETTER_TO_FREQ = {letter: f for f, (letter, _) in FREQUENCIES.items()}
_LABEL = re.compile(r"^(\d{4})(?:-([MBQH])(\d{1,2}))?$")


def frequency_of(label: str) -> str:
    """The frequency a period label is written in; ``ValueError`` if it is none."""
    for freq, pattern in PATTERNS.items():
        if re.fullmatch(pattern, label):
            return freq
    raise ValueError(
        f"{label!r} is not a period label (e.g. 2025, 2025-H1, 2025-Q3, 2025-B2, "
        "2025-M03)"
    )


def months_per(frequency: str) -> int:
    return FREQUENCIES[frequency][1]


def parse(labels: pd.Series | np.ndarray | list) -> pd.DataFrame:
    """Frequency, year and last month of each label (NaN/None where not a label).

    Works on the unique labels and maps back, so millions of rows cost little.
    """
    labels = pd.Series(labels, dtype="str")
    codes, uniques = pd.factorize(labels)
    parts = pd.Series(uniques, dtype="str").str.extract(_LABEL.pattern)
    year = pd.to_numeric(parts[0], errors="coerce")
    letter = parts[1].fillna("")
    number = pd.to_numeric(parts[2], errors="coerce").fillna(1)
    freq = letter.map(_LETTER_TO_FREQ).where(year.notna())
    valid = pd.Series(
        [
            isinstance(f, str) and re.fullmatch(PATTERNS[f], u) is not None
            for f, u in zip(freq, uniques, strict=True)
        ],
        dtype=bool,
    )
    size = freq.map(lambda f: FREQUENCIES[f][1] if isinstance(f, str) else np.nan)
    end_month = (number * size).where(valid)
    table = pd.DataFrame(
        {
            "frequency": freq.where(valid),
            "year": year.where(valid),
            "end_month": end_month,
        }
    )
    out = table.iloc[np.where(codes >= 0, codes, 0)].reset_index(drop=True)
    out.loc[codes < 0] = np.nan
    out.index = labels.index
    return out


def label(year: int, end_month: int, frequency: str) -> str:
    """The label of the period of ``frequency`` that contains month ``end_month``."""
    letter, size = FREQUENCIES[frequency]
    if frequency == "annual":
        return f"{year:04d}"
    number = (end_month - 1) // size + 1
    width = 2 if frequency == "monthly" else 1
    return f"{year:04d}-{letter}{number:0{width}d}"


def containing(labels: pd.Series, frequency: str) -> pd.Series:
    """Label of the ``frequency`` period containing each label's last month (None
    where not a label); each distinct label worked out once."""
    labels = pd.Series(labels, dtype="str")
    codes, uniques = pd.factorize(labels)
    mapped = [containing_label(u, frequency) for u in uniques]
    out = np.array([*mapped, None], dtype=object)[codes]  # code -1 (missing): None
    return pd.Series(out, index=labels.index, dtype="str")


def containing_label(period, frequency: str) -> str | None:
    """:func:`containing` of one label: ``2025-M03`` in ``quarterly`` is ``2025-Q1``
    (None where ``period`` is not a label)."""
    try:
        _, year, end_month = year_end(period)
    except (TypeError, ValueError):
        return None
    return label(year, end_month, frequency)


@lru_cache(maxsize=4096)
def year_end(label: str) -> tuple[str, int, int]:
    """Frequency, year and last month of one label (a few dozen labels a run, each
    parsed once)."""
    freq = frequency_of(label)
    letter, size = FREQUENCIES[freq]
    number = int(label[6:]) if letter else 1
    return freq, int(label[:4]), number * size


def previous(period: str) -> str:
    """The period just before ``period`` at the same frequency."""
    freq, year, end_month = year_end(period)
    year, month = year, end_month - months_per(freq)
    if month < 1:
        year, month = year - 1, month + 12
    return label(year, month, freq)


def month_index(labels, *, start: bool = False) -> np.ndarray:
    """Months since year 0 of each label's last month (first month with ``start``):
    a chronological key that compares labels of any frequency. Each distinct label
    is read once (:func:`year_end`); where one is not a label (or missing), the
    labels are parsed as a table (:func:`parse`, NaN there)."""
    codes, distinct = pd.factorize(pd.Series(labels, dtype="str"))
    try:
        ends = [year_end(x) for x in distinct.tolist()]
    except (TypeError, ValueError):
        ends = None
    if ends is not None and (codes >= 0).all():
        months = [
            year * 12 + end - (months_per(freq) - 1 if start else 0)
            for freq, year, end in ends
        ]
        return np.array(months, dtype=np.int64)[codes]
    parsed = parse(pd.Series(labels))
    end = (parsed["year"] * 12 + parsed["end_month"]).to_numpy()
    if start:
        size = parsed["frequency"].map(lambda f: FREQUENCIES[f][1]).to_numpy(float)
        end = end - size + 1
    return end.astype(np.int64)


def sort_key(period: str) -> tuple[int, int]:
    """Chronological order of labels of one frequency: (year, last month)."""
    _, year, end_month = year_end(period)
    return year, end_month


def expected_counts(
    indicator_frequency: str, periods: list[str] | pd.Series
) -> pd.Series:
    """Reports of an indicator whose last month falls in each evaluation period
    (:func:`expected_count` of each label)."""
    labels = [str(p) for p in periods]
    bad = [p for p in labels if not any(re.fullmatch(r, p) for r in PATTERNS.values())]
    if bad:
        raise ValueError(f"not period labels: {bad}")
    counts = [expected_count(indicator_frequency, p) for p in labels]
    return pd.Series(counts, index=labels, dtype=int)


@lru_cache(maxsize=4096)
def expected_count(indicator_frequency: str, period: str) -> int:
    """Reports of an indicator whose last month falls in the evaluation period
    ``period``: month ``m`` ends a report iff ``m % size == 0``; none if the period
    is shorter than the indicator's (cached: a run asks of a few labels)."""
    freq, _, last = year_end(period)
    eval_size, size = months_per(freq), months_per(indicator_frequency)
    if eval_size < size:
        return 0
    return last // size - (last - eval_size) // size


def first_day(label: str) -> pd.Timestamp:
    """The first day of a period: ``2025-M03`` → 2025-03-01, ``2025-Q2`` →
    2025-04-01, ``2025`` → 2025-01-01 (``ValueError`` if not a label)."""
    freq, year, end = year_end(label)
    return pd.Timestamp(year, end - months_per(freq) + 1, 1)


#: the time zone of the offices and agencies: their "today"
BEIJING = ZoneInfo("Asia/Shanghai")


def today() -> pd.Timestamp:
    """The current day in Beijing time (at 7 a.m. on 6 December in Beijing it is
    still 5 December in UTC: a report dated the 6th is not in the future)."""
    return pd.Timestamp(datetime.now(BEIJING).date())


def date_zh(value) -> str:
    """A date as officials write it: ``2026年1月20日``."""
    d = pd.Timestamp(value)
    return f"{d.year}年{d.month}月{d.day}日"


def date_text(value, lang: str) -> str:
    """A date in ``lang``: ``2026年1月20日`` / ``2026-01-20``."""
    return date_zh(value) if lang == "zh" else f"{pd.Timestamp(value):%Y-%m-%d}"


def name_zh(label) -> str:
    """``2025`` → 2025年度, ``2025-M03`` → 2025年3月, ``2025-Q1`` → 2025年第一季度,
    ``2025-H2`` → 2025年下半年, ``2025-B2`` → 2025年3—4月."""
    if label is None or pd.isna(label) or not str(label).strip():
        return ""
    try:
        freq, year, end = year_end(str(label))
    except ValueError:  # not a period label: shown as it is
        return str(label)
    if freq == "annual":
        return f"{year}年度"
    if freq == "monthly":
        return f"{year}年{end}月"
    if freq == "quarterly":
        return f"{year}年第{'一二三四'[end // 3 - 1]}季度"
    if freq == "half_year":
        return f"{year}年{'上下'[end // 6 - 1]}半年"
    return f"{year}年{end - 1}—{end}月"


#: English month names, fixed (``calendar.month_name`` follows the locale and
#: formats a date on every look-up, ten times the cost of the Chinese name)
MONTHS_EN = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip


def name_en(label) -> str:
    """A period's English name: ``2025``, ``December 2025``, ``Q1 2025``, ``H2
    2025``, ``Mar–Apr 2025``; a text that is no period label as it is."""
    if label is None or pd.isna(label) or not str(label).strip():
        return ""
    try:
        freq, year, end = year_end(str(label))
    except ValueError:
        return str(label)
    if freq == "annual":
        return f"{year}"
    if freq == "monthly":
        return f"{MONTHS_EN[end - 1]} {year}"
    if freq == "quarterly":
        return f"Q{end // 3} {year}"
    if freq == "half_year":
        return f"H{end // 6} {year}"
    return f"{MONTHS_EN[end - 2][:3]}–{MONTHS_EN[end - 1][:3]} {year}"
