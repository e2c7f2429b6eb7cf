"""Scale: an agency's submission of a series sent in the wrong unit (量纲/单位错误) —
fractions for percentages, 元 for 万元 — which ``jump`` cannot see: it removes what
all units did that period, and here all units moved alike."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evaluation import periods as P
from evaluation.risk.quality.reports import Cube, Reports, nanmedian
from evaluation.vocabulary import word

#: the powers of ten unit slips are typical of, by kind of series: 100 for a
#: fraction sent for a percentage, 1,000 and 10,000 for 元, 千元 and 万元
SCALE_POWERS = {"percent": (2,), "money": (3, 4)}

#: "close to" a power of ten: within a factor of 2 of it (|log10 ratio − k| at most
#: log10 2); a common change as large as half or double is no unit slip
SCALE_TOLERANCE = float(np.log10(2))

#: periods with reports before the one judged (their medians' median is the level)
SCALE_HISTORY = 3

#: units reporting a series in a period for its median to count
SCALE_MIN_UNITS = 3


def scale(reports: Reports) -> pd.DataFrame | None:
    """An agency's submission of one series for one period whose median over the
    units differs from the series' own level before (the median of the medians of
    at least ``SCALE_HISTORY`` earlier periods) by a factor close to a power of ten
    typical of unit slips (:data:`SCALE_POWERS`): percentages by 100, amounts in
    元 by 1,000 or 10,000. Only series that cannot go below 0, and not totals to
    date (they climb through the year). Each unit of the submission whose own
    report moved by the same power (against its own earlier median, or the
    series' level where it has fewer than 3 reports or a median of 0) is flagged."""
    catalogue = reports.catalogue
    items = (*catalogue.indicators, *catalogue.context)
    words = {i.id: (i.unit_zh, i.unit_en) for i in items}
    rows = []
    for cube in reports.cubes:
        kinds = {
            k: kind
            for k, sid in enumerate(cube.ids)
            if (kind := slip_kind(*words.get(sid, ("", ""))))
            and (cube.positive[k] or cube.rates[k])
            and not cube.to_date[k]
        }
        n_t = len(cube.periods)
        if not kinds or n_t <= SCALE_HISTORY:
            continue
        ks = np.array(list(kinds))
        m = np.where(cube.reporting[ks] >= SCALE_MIN_UNITS, cube.middle[ks], np.nan)
        for t in range(SCALE_HISTORY, n_t):
            before = m[:, :t]
            enough = np.count_nonzero(~np.isnan(before), axis=1) >= SCALE_HISTORY
            level = nanmedian(before, axis=1)
            with np.errstate(all="ignore"):
                ratio = np.log10(m[:, t] / level)
            power = np.rint(np.nan_to_num(ratio, nan=0.0, posinf=0.0, neginf=0.0))
            near = np.abs(ratio - power) <= SCALE_TOLERANCE
            for i in np.flatnonzero(enough & near & (level > 0) & (m[:, t] > 0)):
                k, p = int(ks[i]), int(power[i])
                if abs(p) in SCALE_POWERS[kinds[k]]:
                    rows += _unit_rows(
                        catalogue, cube, k, t, kinds[k], p, ratio[i], m[i, t], level[i]
                    )
    return pd.DataFrame(rows)


def slip_kind(unit_zh: str, unit_en: str) -> str | None:
    """The kind of unit slip a series' catalogue unit allows: ``percent`` (``%``,
    ``percent``), ``money`` (``元``, ``万元/件``, ``yuan``), or None."""
    zh, en = str(unit_zh).strip(), str(unit_en).strip().lower()
    if zh.startswith("%") or en.startswith(("%", "percent", "per cent")):
        return "percent"
    if "元" in zh or "yuan" in en:
        return "money"
    return None


def slip(kind: str, power: int) -> str:
    """The slip a submission's power of ten suggests (a ``unit_slip`` word): for a
    percentage a hundredth of before is fractions sent, a hundred times fractions
    sent before; an amount, 千元 or 万元 for 元 or the other way."""
    if kind == "percent":
        return "fraction" if power < 0 else "percent"
    return "thousand" if abs(power) == 3 else "ten_thousand"


def _unit_rows(catalogue, cube: Cube, k, t, kind, power, ratio, now, level) -> list:
    """The flags of one submission: its units whose own report moved by the same
    power of ten."""
    v = cube.values[k, t]
    history = cube.values[k, :t]
    own = nanmedian(history, axis=0)
    own = np.where(
        (np.count_nonzero(~np.isnan(history), axis=0) >= 3) & (own > 0), own, level
    )
    with np.errstate(all="ignore"):
        moved = np.abs(np.log10(v / own) - power) < 0.5  # (NaN, 0: False)
    sid, agency = cube.ids[k], cube.agencies[k]
    a_zh, a_en = catalogue.name(agency, "zh"), catalogue.name(agency, "en")
    s_zh, s_en = catalogue.name(sid, "zh"), catalogue.name(sid, "en")
    cause_zh, cause_en = (word("unit_slip", slip(kind, power), g) for g in ("zh", "en"))
    times = 10 ** abs(power)
    times_zh = "1万" if times == 10_000 else str(times)
    way = "lower" if power < 0 else "higher"
    period = cube.periods[t]
    return [
        {
            "check": "scale",
            "unit_id": cube.units[u],
            "period": period,
            "indicator_id": sid,
            "agency": agency,
            "value": float(v[u]),
            "statistic": float(ratio),
            "reason_zh": f"{a_zh}报送的{P.name_zh(period)}{s_zh}：本期各单位中位数"
            f"{figure(now)}，此前为{figure(level)}，相差约{times_zh}倍，"
            f"{cause_zh}（本单位{figure(v[u])}）",
            "reason_en": f"{a_en}: {s_en} sent for {P.name_en(period)}, median over "
            f"the units {figure(now)} against {figure(level)} before, about "
            f"{times:,} times {way} (log10 ratio {ratio:+.2f}): {cause_en} (this unit "
            f"{figure(v[u])})",
        }
        for u in np.flatnonzero(moved)
    ]


def figure(x: float) -> str:
    """A number to three significant digits (whole numbers in full), thousands
    separated, trailing zeros dropped (``95.2``, ``0.953``, ``12,345``): the two
    levels compared differ a hundredfold or more, so no one series' decimals suit
    both."""
    if x == 0 or not np.isfinite(x):
        return f"{x:g}"
    decimals = max(0, 2 - int(np.floor(np.log10(abs(x)))))
    text = f"{x:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
