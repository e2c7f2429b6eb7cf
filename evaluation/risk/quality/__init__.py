"""Data-quality flags (数据质量核查): screening reported data for 瞒报、虚报、不报.

Flags are separate from performance warnings and never change a score. Each check
looks at the raw reports (every series at its own frequency, up to the run's period)
at the grain where misreporting happens — one agency's submission for a unit and
period, one series, a run of periods — and says why it fired, with the numbers and
since when, in Chinese and English:

``stable`` / ``perfect``
    a series reported with the same value ``min_periods`` times in a row (at most a
    year's worth) while that value is rare among the other units' reports of those
    periods; ``perfect`` when it is the best end of the valid range (100 % every
    month). Found in whatever window it happens, with the window's first period.
``jump``
    a value far from the unit's own typical level, after removing what all units did
    that period: robust z above ``jump_z`` against both the peers' and the unit's own
    spread (percentages on a logit scale, amounts that cannot go below 0 on a log
    scale); for a series with too short a history, its change against everyone's.
``growth``
    虚报 in a total to date (累计数, restarting each year): growth within the year far
    from the unit's and the peers' usual growth, or a total that falls within the
    year (the period before it may be inflated).
``zero``
    瞒报为零: a count or amount reported as 0 (or a run of 0s) where the unit's own
    reports make it unlikely: a Poisson (negative binomial) chance of 0 at the unit's
    own mean, Student's t on the square-root scale for amounts with decimals.
``shift``
    from some period to the latest, a level kept well above or below the unit's own
    before it (means and medians both more than ``shift_z`` standard errors apart).
``scale``
    量纲/单位错误: an agency's submission of a series for a period whose median over
    the units differs from the series' level before (the median of at least 3
    earlier periods' medians) by about a power of ten typical of a unit slip: 100
    for a percentage (a fraction sent), 1,000 or 10,000 for an amount in 元 (千元,
    万元), within a factor of 2; ``jump`` removes what all units did, and misses it.
    Each unit whose own report moved alike is flagged.
``linear`` / ``rounded``
    编造 and 估报: a run of reports on an exact straight line, or all multiples of a
    coarser amount than the series is reported in (its step: the one most periods
    are reported in, so that a slipped submission's fractions do not make every
    correct report look rounded).
``identical_period`` / ``identical_unit``
    one agency's whole submission for a unit and period (every series it reports
    for the unit at that frequency) equal to the unit's previous one, or to another
    unit's of the same period, where such a coincidence is unlikely (below).
``copied``
    one series of a unit equal, period by period over a run of periods, to another
    unit's (``lag`` 0), to another unit's a period or two earlier, or to its own a
    year earlier; near copies (a few values edited by less than ``copy_near`` robust
    SDs) count.
``missing`` / ``late``
    不报: an agency's whole submission left empty, or a series left empty
    ``missing_run`` periods in a row while most units reported it; 迟报: a
    submission sent after its due day (``due_days`` after the period's end).
``digits``
    last digits of a unit's counts (integers ≥ 10) far from uniform (χ² test).
``benford``
    first digits of a unit's counts far from Benford's law (χ² test), only where it
    applies: enough values spanning at least two orders of magnitude.
``outlier``
    a unit-period whose combination of period-on-period changes is isolated
    (scikit-learn's IsolationForest over robust-scaled changes, anomaly score above
    ``outlier_score``); off unless the catalogue sets ``quality: {outlier: true}``
    (on the corpus it finds no case the other checks miss).

**Chance.** Equal values are evidence only when they are unlikely: a report's
chance of matching by coincidence is the largest of the share of other units
reporting the same value that period, the chance two units of the period agree on
any value, one reporting step over 2.5 robust SDs of the period's reports, and one
step over 2.5 robust SDs of the difference of the two series compared. A match of
several reports has the product of their chances; it is flagged when that product
times the number of matches the check tried is below ``chance`` (so about
``chance`` coincidences per check and screen). ``missing`` and ``late`` are facts and
need no chance.

:func:`submissions` lists who sent what and when (the submission tracker's table).

Each check is a function of the reports arranged once (:func:`arrange`: one array
series × periods × units per frequency, ids as integer codes), registered by name in
:data:`CHECKS`; a new check is one function and one entry there.

Analysts accept or dismiss flags with a comment (:func:`decide`); decisions are kept
in a file, never overwritten, and the latest one per flag is its status.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from evaluation.catalogue import Catalogue
from evaluation.errors import EvaluationError
from evaluation.risk.quality.copies import copied, identical_period, identical_unit
from evaluation.risk.quality.decisions import (
    DECISION_COLUMNS,
    decide,
    decide_all,
    read_decisions,
    with_decisions,
)
from evaluation.risk.quality.digits import benford, digits
from evaluation.risk.quality.levels import isolated, isolation_outliers, jumps, shift
from evaluation.risk.quality.reports import Cube, Reports, arrange, nanmedian, window
from evaluation.risk.quality.runs import linear, missing, perfect, rounded, stable
from evaluation.risk.quality.scales import scale
from evaluation.risk.quality.submissions import SUBMISSION_COLUMNS, late, submissions
from evaluation.risk.quality.zeros import growth, zero

__all__ = [
    "CHECKS", "COLUMNS", "DECISION_COLUMNS", "SERIES_WIDE", "SUBMISSION_COLUMNS",
    "Cube", "Reports", "arrange", "decide", "decide_all", "flags", "isolation_outliers",
    "nanmedian", "read_decisions", "submissions", "window", "with_decisions",
]  # fmt: skip


COLUMNS = [
    "flag_id",
    "check",
    "unit_id",
    "period",
    "since",
    "indicator_id",
    "agency",
    "value",
    "statistic",
    "reason_zh",
    "reason_en",
]


#: checks over a unit's whole history (their ``period`` is the latest one)
SERIES_WIDE = ("digits", "benford")


def flags(
    observations: pd.DataFrame,
    catalogue: Catalogue,
    *,
    period: str | None = None,
    units: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every data-quality flag on reports up to ``period`` (default: all): each
    check of :data:`CHECKS` on the reports arranged once. ``units`` (the units
    table) names another unit in a reason by its name (a copy's source), else by
    its id.

    ``since`` is the first period of a flag's evidence (its ``period`` the last);
    ``agency`` names the reporting agency of a submission-level flag."""
    reports = arrange(observations, catalogue, period=period, unit_names=units)
    parts = [p for p in run_checks(reports) if p is not None and len(p)]
    if not parts:
        return pd.DataFrame(
            {
                c: pd.Series(dtype=float if c in ("value", "statistic") else object)
                for c in COLUMNS
            }
        )
    out = pd.concat(parts, ignore_index=True)
    for c in ("since", "agency", "indicator_id", "key"):
        if c not in out:
            out[c] = None
    out["since"] = out["since"].where(out["since"].notna(), out["period"])
    # ids stay the same in later runs (a decision sticks): a run of periods is named
    # by its first period, a check over the whole history or a shift (whose start
    # is estimated again each period) by none; a copy names its source and lag
    wide_check = out["check"].isin([*SERIES_WIDE, "shift"])
    windowed = out["since"] != out["period"]
    what = out["key"].fillna(out["indicator_id"]).fillna(out["agency"]).fillna("-")
    out["flag_id"] = (
        out["check"]
        + "/"
        + out["unit_id"]
        + "/"
        + what
        + np.where(
            wide_check, "", "/" + np.where(windowed, out["since"], out["period"])
        )
    )
    if out["flag_id"].duplicated().any():  # a decision must name one flag
        raise EvaluationError(
            "data-quality screen: two flags with one id "
            f"{out.loc[out['flag_id'].duplicated(), 'flag_id'].iloc[0]}"
        )
    return (
        out[COLUMNS]
        .sort_values(["period", "unit_id", "check", "flag_id"], kind="stable")
        .reset_index(drop=True)
    )


def run_checks(reports: Reports) -> list[pd.DataFrame | None]:
    """Each check of :data:`CHECKS` on ``reports``, in that order: in two threads
    where the machine has two cores (numpy's sorts and whole-array passes let go of
    the interpreter's lock; the checks only read the cubes, set no warning filter
    (process-wide before Python 3.14), and a table they share is computed once, by
    whichever asks first), the longest first (:data:`LONGEST_FIRST`)."""
    if (os.cpu_count() or 1) < 2:
        return [check(reports) for check in CHECKS.values()]
    names = [n for n in LONGEST_FIRST if n in CHECKS]
    names += [n for n in CHECKS if n not in names]
    with ThreadPoolExecutor(2, thread_name_prefix="quality") as pool:
        running = {name: pool.submit(CHECKS[name], reports) for name in names}
        try:
            done = {name: future.result() for name, future in running.items()}
        except BaseException:  # a check failed: the others not started are dropped
            pool.shutdown(cancel_futures=True)
            raise
    return [done[name] for name in CHECKS]


#: the checks by their time at 10,000 units with the tables they are first to ask
#: for (``benchmarks/bench_screen.py --stages``): the two threads end together
LONGEST_FIRST = (
    "copied", "jump", "shift", "stable", "identical_period", "rounded", "missing",
    "linear", "identical_unit", "late", "perfect", "digits", "zero", "growth",
    "benford", "outlier", "scale",
)  # fmt: skip

#: every check by name (the ``check`` column), in the order readers list them
CHECKS: dict[str, Callable[[Reports], pd.DataFrame | None]] = {
    "missing": missing,
    "late": late,
    "stable": stable,
    "perfect": perfect,
    "jump": jumps,
    "growth": growth,
    "zero": zero,
    "shift": shift,
    "scale": scale,
    "identical_period": identical_period,
    "identical_unit": identical_unit,
    "copied": copied,
    "linear": linear,
    "rounded": rounded,
    "digits": digits,
    "benford": benford,
    "outlier": isolated,
}
