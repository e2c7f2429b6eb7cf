"""Synthetic city: units and agency reports that look like the real thing.

``generate_city(catalogue)`` builds a municipality of departments and districts and
every series of the catalogue (indicators and context volumes) reported at its own
frequency; ``write_city(tables, out_dir, catalogue)`` writes them in the layout and
encodings agencies actually send (see ``data/sample/README.md``). The bundled sample
is ``write_city(generate_city(load_catalogue("indicators.yaml"), seed=0),
"data/sample", catalogue)``, i.e. ``evaluation generate data/sample --seed 0``.

Modelling choices (each one exists so that a later stage has something to find):

* **Latent performance.** Each unit draws ``z ~ N(0, 1)`` plus a peer-group effect
  (economic +0.2, general +0.1, social 0, district −0.1, regulatory −0.2). Each
  level-1 dimension gets ``0.8 z + 0.6 N(0, 1)``, and each series adds a unit effect
  ``0.5 N(0, 1)`` and period noise ``0.5 N(0, 1)``. So indicators correlate, most
  within a dimension (on-time approvals with complaint handling, public with
  enterprise satisfaction), and direction is respected: a good unit has *higher*
  values of ``higher`` indicators and *lower* values of ``lower`` ones.
* **Shapes.** Rates near a ceiling shrink their gap to the best bound:
  ``100 − (100 − centre)·exp(−k q)`` (or ``centre·exp(−k q)`` for lower-is-better
  shares, ratios, days); counts (``fault_findings``, ``leader_task_overdue_count``)
  are Poisson draws with ``λ = centre·exp(−k q)``; volumes (``approval_volume``,
  ``service_ratings_count``) are log-normal by unit size (log-size ``N(0, 0.8)`` plus
  a peer-group factor: districts ×3, general departments ×0.4); share-of-reports
  rates (``progress_report_timeliness``, 4 reports due; ``white_paper_disclosure``, 3
  elements) are binomial, so they take values like 75.0 or 66.7.
* **Time.** Monthly series dip around Spring Festival (January −0.15, February −0.4
  in ``q``; volumes −10 % and −36 %) and rise with the December year-end push
  (+0.25; volumes +22 %); every series improves mildly (+0.3 in ``q`` over the whole
  span). Cumulative series with rollup ``last`` (``budget_execution_rate``,
  ``key_target_completion_rate``) rise through each year to the unit's year-end
  value and restart in January.
* **Defects.** About 2 % of cells are missing (the row is kept, the value is empty);
  about 0.1 % are outliers (a shock of −5 in ``q``, or a volume ×8), still clipped to
  the valid range. Every value is clipped to the catalogue's valid range and rounded
  (rates 1 decimal, ratios and yuan 2, counts 0).
* **Planted units** (``PLANTED``; ids for the default 40 departments): ``D07`` and
  ``D22`` are poor departments (every dimension factor −2.2); ``D13`` reports exactly
  100.0 on every higher-is-better percentage rate in every period (虚报: too good to be
  true); ``D28`` repeats its first-period value of every series in all later periods
  (copied reports). Planted units have no missing values or outliers.
* **Events** (``PLANTED_EVENTS``, when the catalogue declares the types): ``D22`` has
  a major work-safety accident in month 20 (a veto event, red) and ``D07`` a mass
  incident in month 11 (orange); written to ``events.csv``.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from evaluation import periods
from evaluation.catalogue import Catalogue, ContextSeries, Indicator
from evaluation.vocabulary import INPUT_COLUMN, is_count

UNIT_COLUMNS = ["unit_id", "name_zh", "name_en", "peer_group", "level", "parent_id"]
OBSERVATION_COLUMNS = ["unit_id", "period", "indicator_id", "value", "reported_at"]

#: Planted units, by 1-based department number (``D07`` with 40 departments).
PLANTED: dict[str, tuple[int, ...]] = {
    "poor": (7, 22),
    "always_100": (13,),
    "frozen": (28,),
}

#: Planted events: (department number, month from the start, event type, text);
#: written only when the catalogue declares the event type.
PLANTED_EVENTS: tuple[tuple[int, int, str, str], ...] = (
    (22, 20, "major_safety_accident", "仓库火灾，造成重大财产损失"),
    (7, 11, "mass_incident", "征收补偿纠纷引发群体上访"),
)
EVENT_COLUMNS = ["unit_id", "period", "event_id", "description", "reference"]

#: file format -> (extension, text encoding or None)
FORMATS: dict[str, tuple[str, str | None]] = {
    "csv-utf8": ("csv", "utf-8"),
    "csv-utf8-bom": ("csv", "utf-8-sig"),
    "csv-gb18030": ("csv", "gb18030"),
    "xlsx": ("xlsx", None),
    "parquet": ("parquet", None),
}

#: agency -> format, as agencies send them; ``"*"`` is every other agency.
DEFAULT_FORMATS: dict[str, str] = {
    "supervision": "csv-gb18030",
    "finance": "xlsx",
    "legal": "csv-utf8",
    "*": "csv-utf8-bom",
}

MISSING_SHARE = 0.02
OUTLIER_SHARE = 0.001

_PEER_EFFECT = {
    "economic": 0.2,
    "general": 0.1,
    "social": 0.0,
    "district": -0.1,
    "regulatory": -0.2,
}
_PEER_SIZE = {
    "economic": 1.5,
    "regulatory": 1.3,
    "social": 1.0,
    "general": 0.4,
    "district": 3.0,
}
_DEPARTMENT_GROUPS = ("economic", "social", "regulatory", "general")
# (name_zh, name_en) per peer group; departments are dealt round-robin over groups.
_DEPARTMENTS = {
    "economic": [
        ("市发展和改革委员会", "Municipal Development and Reform Commission"),
        ("市工业和信息化局", "Municipal Bureau of Industry and Information Technology"),
        ("市科学技术局", "Municipal Science and Technology Bureau"),
        ("市商务局", "Municipal Commerce Bureau"),
        ("市住房和城乡建设局", "Municipal Housing and Urban-Rural Development Bureau"),
        ("市交通运输局", "Municipal Transport Bureau"),
        ("市农业农村局", "Municipal Agriculture and Rural Affairs Bureau"),
        ("市水利局", "Municipal Water Resources Bureau"),
        (
            "市国有资产监督管理委员会",
            "Municipal State-owned Assets Supervision and Administration Commission",
        ),
        ("市地方金融监督管理局", "Municipal Local Financial Supervision Bureau"),
    ],
    "social": [
        ("市教育局", "Municipal Education Bureau"),
        ("市民政局", "Municipal Civil Affairs Bureau"),
        (
            "市人力资源和社会保障局",
            "Municipal Human Resources and Social Security Bureau",
        ),
        ("市卫生健康委员会", "Municipal Health Commission"),
        ("市文化广电旅游局", "Municipal Culture, Radio, Television and Tourism Bureau"),
        ("市体育局", "Municipal Sports Bureau"),
        ("市医疗保障局", "Municipal Healthcare Security Bureau"),
        ("市退役军人事务局", "Municipal Veterans Affairs Bureau"),
        ("市民族宗教事务局", "Municipal Ethnic and Religious Affairs Bureau"),
        ("市住房保障和房产管理局", "Municipal Housing Security and Real Estate Bureau"),
    ],
    "regulatory": [
        ("市市场监督管理局", "Municipal Administration for Market Regulation"),
        ("市生态环境局", "Municipal Ecology and Environment Bureau"),
        ("市应急管理局", "Municipal Emergency Management Bureau"),
        ("市公安局", "Municipal Public Security Bureau"),
        ("市司法局", "Municipal Justice Bureau"),
        (
            "市城市管理综合行政执法局",
            "Municipal Urban Management and Law Enforcement Bureau",
        ),
        ("市自然资源和规划局", "Municipal Natural Resources and Planning Bureau"),
        ("市林业局", "Municipal Forestry Bureau"),
        ("市人民防空办公室", "Municipal Civil Air Defence Office"),
        (
            "市交通运输综合行政执法支队",
            "Municipal Transport Law Enforcement Detachment",
        ),
    ],
    "general": [
        ("市人民政府办公室", "General Office of the Municipal Government"),
        ("市财政局", "Municipal Finance Bureau"),
        ("市审计局", "Municipal Audit Bureau"),
        ("市统计局", "Municipal Statistics Bureau"),
        ("市机关事务管理局", "Municipal Government Offices Administration"),
        ("市信访局", "Municipal Bureau of Letters and Calls"),
        ("市外事办公室", "Municipal Foreign Affairs Office"),
        ("市政务服务和数据管理局", "Municipal Government Services and Data Bureau"),
        ("市档案局", "Municipal Archives Bureau"),
        ("市人民政府研究室", "Research Office of the Municipal Government"),
    ],
}
_DISTRICTS = [
    ("东城区", "Dongcheng District"),
    ("西城区", "Xicheng District"),
    ("南湖区", "Nanhu District"),
    ("北山区", "Beishan District"),
    ("河西区", "Hexi District"),
    ("新港区", "Xingang District"),
    ("青山县", "Qingshan County"),
    ("龙泉县", "Longquan County"),
    ("白水县", "Baishui County"),
    ("临江市", "Linjiang City"),
]
# season in q (performance) and in log volume, by calendar month
_SEASON_Q = {1: -0.15, 2: -0.4, 12: 0.25}
_SEASON_LOG = {1: -0.1, 2: -0.45, 3: 0.1, 12: 0.2}
_TREND = 0.3
_AGENCY_LAG = {
    "supervision": 5,
    "service_centre": 3,
    "finance": 8,
    "audit": 10,
    "legal": 8,
    "personnel": 10,
    "inspection": 7,
    "survey": 10,
}
# xlsx document dates, fixed so that files are reproducible
_FIXED_TIME = b"2000-01-01T00:00:00Z"
_STAMP = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*")


@dataclass(frozen=True)
class _Spec:
    """How one series is drawn from quality ``q`` (higher = better unit)."""

    kind: str  # gap | linear | count | binomial | volume | cumulative
    centre: float  # value of an average unit (a probability for binomial)
    k: float = 0.5  # sensitivity to q
    decimals: int = 1
    trials: int = 4  # binomial
    progress: Callable[[np.ndarray], np.ndarray] | None = None  # cumulative


_SPECS: dict[str, _Spec] = {
    "approval_on_time_rate": _Spec("gap", 96.5, 0.6),
    "approval_time_ratio": _Spec("gap", 0.62, 0.3, decimals=2),
    "commitment_reply_rate": _Spec("gap", 95.0, 0.5),
    "complaint_handling_rate": _Spec("gap", 91.0, 0.45),
    "complaint_handling_days": _Spec("gap", 7.5, 0.3),
    "hotline_response_rate": _Spec("gap", 96.0, 0.5),
    # spending to date against time elapsed: lags early, catches up by December
    "budget_execution_rate": _Spec(
        "cumulative", 96.0, 0.4, progress=lambda t: 1 - 0.25 * (1 - t) ** 1.2
    ),
    "audit_issue_amount_share": _Spec("gap", 2.0, 0.5),
    "cost_per_service_item": _Spec("gap", 180.0, 0.25, decimals=2),
    "admin_cost_share": _Spec("gap", 18.0, 0.25),
    "three_public_growth": _Spec("linear", -3.0, 4.0),
    # targets completed to date: roughly proportional to time elapsed
    "key_target_completion_rate": _Spec(
        "cumulative", 94.0, 0.5, progress=lambda t: t**1.1
    ),
    "key_target_milestone_rate": _Spec("gap", 90.0, 0.45),
    "leader_task_completion_rate": _Spec("gap", 92.0, 0.5),
    "leader_task_overdue_count": _Spec("count", 1.2, 0.7, decimals=0),
    "progress_report_timeliness": _Spec("binomial", 0.95, 0.6, trials=4),
    "white_paper_disclosure": _Spec("binomial", 0.93, 0.6, trials=3),
    "public_satisfaction": _Spec("gap", 85.0, 0.35),
    "enterprise_satisfaction": _Spec("gap", 84.0, 0.35),
    "deputy_satisfaction": _Spec("gap", 88.0, 0.35),
    "service_good_rating_rate": _Spec("gap", 98.6, 0.6),
    "complaints_per_10k_services": _Spec("gap", 4.0, 0.5),
    "decisions_overturned_rate": _Spec("gap", 6.0, 0.45),
    "normative_document_review_rate": _Spec("gap", 98.0, 0.6),
    "enforcement_file_pass_rate": _Spec("gap", 93.0, 0.5),
    "fault_findings": _Spec("count", 0.1, 0.8, decimals=0),
    "rectification_closure_rate": _Spec("gap", 90.0, 0.5),
    "integrity_risk_control_rate": _Spec("gap", 95.0, 0.5),
    "approval_volume": _Spec("volume", 400.0, decimals=0),
    "service_ratings_count": _Spec("volume", 1500.0, decimals=0),
}


# --------------------------------------------------------------------- public
def generate_city(
    catalogue: Catalogue,
    *,
    departments: int = 40,
    districts: int = 10,
    months: int = 24,
    start_year: int = 2024,
    seed: int | np.random.Generator | None = 0,
    anomalies: bool = True,
) -> dict[str, pd.DataFrame]:
    """Generate a synthetic municipality: its units and every reported series.

    Parameters
    ----------
    catalogue : Catalogue
        Which series to report, at which frequency, in which valid range.
    departments, districts : int
        Number of municipal departments (``D01`` …) and district/county
        governments (``X01`` …).
    months : int
        Months covered, from January of ``start_year``; a period is reported when
        its last month falls inside them.
    seed : int, Generator or None
        Passed to ``np.random.default_rng``; same seed, same frames.
    anomalies : bool
        ``False`` leaves out the data-quality defects (the always-100 and frozen
        planted units and the 0.1 % outliers; the random draws are unchanged), a
        clean base for :func:`inject_anomalies`.

    Returns
    -------
    dict
        ``{"units": ..., "observations": ...}``: ``units`` with columns
        ``unit_id, name_zh, name_en, peer_group, level, parent_id``;
        ``observations`` (long, float ``value`` with NaN where missing) with columns
        ``unit_id, period, indicator_id, value, reported_at``.
    """
    if departments < 0 or districts < 0 or departments + districts == 0:
        raise ValueError("need at least one department or district")
    if months < 1:
        raise ValueError(f"months must be at least 1, got {months}")
    known = {g.id for g in catalogue.peer_groups}
    needed = set(_DEPARTMENT_GROUPS if departments else ()) | (
        {"district"} if districts else set()
    )
    if not needed <= known:
        raise ValueError(
            f"catalogue lacks peer groups {sorted(needed - known)}; has {sorted(known)}"
        )
    rng = np.random.default_rng(seed)
    units = _units(departments, districts)
    n = len(units)
    group = units["peer_group"].to_numpy()

    z = rng.standard_normal(n) + pd.Series(group).map(_PEER_EFFECT).to_numpy()
    log_size = 0.8 * rng.standard_normal(n) + np.log(
        pd.Series(group).map(_PEER_SIZE).to_numpy()
    )
    top = _top_dimension(catalogue)
    dims = sorted(set(top.values()))
    factor = {d: 0.8 * z + 0.6 * rng.standard_normal(n) for d in dims}
    planted = {
        k: np.array([i - 1 for i in v if i <= departments], dtype=int)
        for k, v in PLANTED.items()
    }
    for d in dims:
        factor[d][planted["poor"]] = -2.2
    if not anomalies:
        planted["always_100"] = planted["frozen"] = np.array([], dtype=int)
    outlier_share = OUTLIER_SHARE if anomalies else 0.0
    honest = np.ones(n, dtype=bool)
    honest[np.concatenate([planted["always_100"], planted["frozen"]])] = False

    frames = []
    for s in _all_series(catalogue):
        spec = _spec(s)
        ends = _period_ends(s.frequency, months)
        year = start_year + (ends - 1) // 12
        month = (ends - 1) % 12 + 1
        labels = [
            periods.label(int(y), int(m), s.frequency)
            for y, m in zip(year, month, strict=True)
        ]
        shape = (len(ends), n)
        base = factor.get(top.get(s.id), z) + 0.5 * rng.standard_normal(n)
        q = base + 0.5 * rng.standard_normal(shape)
        q += (_TREND * (ends - 1) / max(months - 1, 1))[:, None]
        if s.frequency == "monthly":
            q += np.array([_SEASON_Q.get(m, 0.0) for m in month])[:, None]
        outlier = (rng.random(shape) < outlier_share) & honest
        q[outlier] -= 5.0
        value = _draw(
            spec, s, q, rng, month=month, year=year, log_size=log_size, outlier=outlier
        )
        value = _clip_round(value, s.valid.min, s.valid.max, spec.decimals)
        if isinstance(s, Indicator) and s.direction == "higher" and s.unit_en == "%":
            value[:, planted["always_100"]] = min(100.0, s.valid.max)
        value[:, planted["frozen"]] = value[:1, planted["frozen"]]
        value[(rng.random(shape) < MISSING_SHARE) & honest] = np.nan

        lag = _AGENCY_LAG.get(s.agency, 7) + rng.integers(0, 4, size=len(ends))
        reported = _month_end(year, month) + lag.astype("timedelta64[D]")
        frames.append(
            pd.DataFrame(
                {
                    "unit_id": np.tile(units["unit_id"].to_numpy(), len(ends)),
                    "period": np.repeat(labels, n),
                    "indicator_id": s.id,
                    "value": value.ravel(),
                    "reported_at": np.repeat(
                        np.datetime_as_string(reported, unit="D"), n
                    ),
                }
            )
        )
    observations = pd.concat(frames, ignore_index=True)[OBSERVATION_COLUMNS]
    known = {e.id for e in catalogue.events}
    departments_ids = units.loc[units["level"] == "department", "unit_id"].tolist()
    events = pd.DataFrame(
        [
            (
                departments_ids[d - 1],
                periods.label(start_year + (m - 1) // 12, (m - 1) % 12 + 1, "monthly"),
                kind,
                text,
                f"安委〔{start_year + (m - 1) // 12}〕{d}号",
            )
            for d, m, kind, text in PLANTED_EVENTS
            if kind in known and d <= departments and m <= months
        ],
        columns=EVENT_COLUMNS,
    )
    return {"units": units, "observations": observations, "events": events}


#: anomaly kinds :func:`inject_anomalies` plants, and what each does
ANOMALY_KINDS = {
    "stable": "one (non-count) indicator repeats the unit's first value throughout",
    "perfect": "one higher-is-better % indicator is 100 in every period",
    "jump": "one (non-count) value moved by 5 cross-unit SDs, towards the room",
    "copy_period": "a unit's whole monthly submission repeats the previous month's",
    "copy_unit": "a unit's whole monthly submission copies another unit's",
    "digits": "a unit's counts (volumes) rounded to tens in every period",
}


def inject_anomalies(
    tables: Mapping[str, pd.DataFrame],
    catalogue: Catalogue,
    *,
    per_kind: int = 3,
    kinds: tuple[str, ...] = tuple(ANOMALY_KINDS),
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Plant ``per_kind`` anomalies of each kind in a city's monthly reports.

    Each anomaly hits a different unit. Returns the altered observations and the
    truth: ``kind, unit_id, indicator_id, period, source`` (``indicator_id`` or
    ``period`` empty where the anomaly spans them; ``source``: the unit copied).
    """
    unknown = set(kinds) - set(ANOMALY_KINDS)
    if unknown:
        raise ValueError(f"unknown anomaly kinds {sorted(unknown)}")
    rng = np.random.default_rng(seed)
    obs = tables["observations"].copy()
    units = tables["units"]["unit_id"].to_numpy()
    pick = iter(rng.permutation(units))
    monthly = {s.id: s for s in _all_series(catalogue) if s.frequency == "monthly"}
    rates = [
        i
        for i, s in monthly.items()
        if isinstance(s, Indicator) and s.unit_en == "%" and s.direction == "higher"
    ]
    # counts (0, 1, 2 faults) have no "usual level" to jump from or freeze at: the
    # digit tests watch them
    scored = [
        i
        for i, s in monthly.items()
        if isinstance(s, Indicator) and _spec(s).decimals > 0
    ]
    volumes = [i for i, s in monthly.items() if isinstance(s, ContextSeries)]
    months = sorted(obs.loc[obs["indicator_id"].isin(scored), "period"].unique())
    truth = []

    def rows(unit, ids, period=None):
        m = (obs["unit_id"] == unit) & obs["indicator_id"].isin(ids)
        return m & (obs["period"] == period) if period is not None else m

    for kind in kinds:
        for _ in range(per_kind):
            unit = next(pick)
            if kind in ("stable", "perfect"):
                ind = rng.choice(rates if kind == "perfect" else scored)
                m = rows(unit, [ind])
                first = obs.loc[m, "value"].dropna().iloc[0]
                obs.loc[m, "value"] = 100.0 if kind == "perfect" else first
                truth.append((kind, unit, ind, None, None))
            elif kind == "jump":
                ind = rng.choice(scored)
                period = rng.choice(months[1:])
                spec = monthly[ind]
                same = (obs["indicator_id"] == ind) & (obs["period"] == period)
                sd = obs.loc[same, "value"].std()
                m = rows(unit, [ind], period)
                v = obs.loc[m, "value"].iloc[0]
                v = obs.loc[same, "value"].median() if np.isnan(v) else v
                room_up = spec.valid.max - v
                shift = 5 * sd if room_up >= v - spec.valid.min else -5 * sd
                obs.loc[m, "value"] = np.clip(
                    v + shift, spec.valid.min, spec.valid.max
                ).round(2)
                truth.append((kind, unit, ind, period, None))
            elif kind in ("copy_period", "copy_unit"):
                i = int(rng.integers(1, len(months)))
                period = months[i]
                source = (
                    (unit, months[i - 1])
                    if kind == "copy_period"
                    else (next(pick), period)
                )
                ids = list(monthly)
                src = obs.loc[rows(source[0], ids, source[1])].set_index("indicator_id")
                m = rows(unit, ids, period)
                obs.loc[m, "value"] = (
                    obs.loc[m, "indicator_id"].map(src["value"]).to_numpy()
                )
                truth.append(
                    (kind, unit, None, period, source[0] if source[0] != unit else None)
                )
            else:  # digits
                m = rows(unit, volumes)
                obs.loc[m, "value"] = (obs.loc[m, "value"] / 10).round() * 10
                truth.append((kind, unit, None, None, None))
    return obs, pd.DataFrame(
        truth, columns=["kind", "unit_id", "indicator_id", "period", "source"]
    )


#: rater groups of the sample survey: (id, raters, share of units each rates)
SURVEY_GROUPS = (
    ("leaders", 6, 1.0),
    ("deputies", 30, 0.6),
    ("cppcc", 20, 0.6),
    ("users", 80, 0.12),
)
_ANSWERS = ("满意", "基本满意", "不满意", "不了解")


def generate_appraisal(
    tables: Mapping[str, pd.DataFrame], *, year: int = 2025, seed: int = 0
) -> dict[str, pd.DataFrame]:
    """Year-end appraisal inputs consistent with a city's reports.

    ``raters`` and ``ballots`` (leaders, deputies, CPPCC members, service users who
    rate a random share of units, and one rater per department for peer review, who
    never rates their own unit; answers lean to 满意 for units with better monthly
    reports, some 不了解); ``key_targets`` (three per unit, one in six adjusted
    mid-year); ``faults`` (one row per ``fault_findings`` reported in the year, mostly
    general, each naming the official responsible and whether directly);
    ``vetoes`` (an approval record for each veto-type event of the year); ``bonuses``
    (six units with an approved award or pilot).
    """
    rng = np.random.default_rng(seed)
    units = tables["units"]
    obs = tables["observations"]
    ids = units["unit_id"].to_numpy()
    in_year = obs["period"].str.startswith(f"{year}")
    rates = obs[in_year & obs["indicator_id"].str.endswith("_rate")]
    quality = rates.groupby("unit_id")["value"].mean().reindex(ids)
    z = ((quality - quality.mean()) / quality.std()).fillna(0).to_numpy()

    raters = [
        (f"{gid[:2].upper()}{k + 1:03d}", gid, "")
        for gid, n, _ in SURVEY_GROUPS
        for k in range(n)
    ]
    departments = [u for u in ids if u.startswith("D")]
    raters += [(f"PE{u}", "peers", u) for u in departments]
    shares = {g: s for g, _, s in SURVEY_GROUPS}
    ballots = []
    for rater_id, gid, own in raters:  # raters, then units: a few thousand ballots
        share = shares.get(gid, 1.0)
        for j, unit in enumerate(ids):
            if unit == own or rng.random() >= share:
                continue
            p_good = 1 / (1 + np.exp(-(0.6 + 1.2 * z[j])))
            u = rng.random()
            answer = (
                _ANSWERS[3]
                if u < 0.06
                else _ANSWERS[0]
                if u < 0.06 + 0.94 * p_good
                else _ANSWERS[1]
                if rng.random() < 0.75
                else _ANSWERS[2]
            )
            ballots.append((rater_id, gid, unit, answer))
    ballots = pd.DataFrame(
        ballots, columns=["rater_id", "rater_group", "unit_id", "answer"]
    )
    ballots.insert(0, "ballot_id", [f"B{i + 1:05d}" for i in range(len(ballots))])
    raters = pd.DataFrame(raters, columns=["rater_id", "rater_group", "rater_unit"])

    targets = []
    for j, unit in enumerate(ids):
        for t in range(1, 4):
            target = float(rng.choice([10, 20, 50, 100]))
            adjusted = round(target * 0.8, 1) if rng.random() < 1 / 6 else None
            achieved = round(
                (adjusted or target)
                * float(
                    np.clip(0.95 + 0.05 * z[j] + 0.05 * rng.standard_normal(), 0.5, 1.2)
                ),
                1,
            )
            targets.append(
                (
                    unit,
                    f"T{t}",
                    target,
                    achieved,
                    adjusted,
                    f"{year}-07-15" if adjusted else "",
                    "年中经市政府批准调整" if adjusted else "",
                )
            )
    key_targets = pd.DataFrame(
        targets,
        columns=[
            "unit_id",
            "target_id",
            "target",
            "achieved",
            "adjusted_target",
            "adjusted_on",
            "reason",
        ],
    )

    found = obs[in_year & (obs["indicator_id"] == "fault_findings")].dropna(
        subset=["value"]
    )
    faults = []
    for r in found.itertuples():
        for k in range(int(r.value)):
            month = int(r.period[-2:])
            severity = rng.choice(["general", "serious", "major"], p=[0.8, 0.15, 0.05])
            faults.append(
                (
                    r.unit_id,
                    f"{year}-{month:02d}-{int(rng.integers(1, 28)):02d}",
                    severity,
                    f"责追〔{year}〕{r.unit_id}-{month:02d}{k + 1}号",
                )
            )
    faults = pd.DataFrame(faults, columns=["unit_id", "date", "severity", "reference"])
    # each finding names the official responsible, one of five per unit, with
    # direct responsibility mostly (drawn after the findings: the rest is unchanged)
    staff = rng.integers(1, 6, size=len(faults))
    faults.insert(
        3,
        "person_id",
        [f"{u}-P{k}" for u, k in zip(faults["unit_id"], staff, strict=True)],
    )
    faults.insert(
        4,
        "responsibility",
        np.where(rng.random(len(faults)) < 0.7, "direct", "leadership"),
    )
    events = tables.get("events", pd.DataFrame(columns=EVENT_COLUMNS))
    veto = events[
        events["period"].str.startswith(f"{year}")
        & events["event_id"].isin(["major_safety_accident", "corruption_case"])
    ]
    vetoes = pd.DataFrame(
        {
            "unit_id": veto["unit_id"],
            "event_id": veto["event_id"],
            "approved_by": "市绩效考评委员会",
            "approved_on": f"{year + 1}-01-20",
            "reference": f"考评委〔{year + 1}〕1号",
        }
    )
    # bonus points (加分): a few units with an approved award or pilot
    categories = ["national_award", "provincial_award", "pilot"]
    reasons = {
        "national_award": "获评全国优化营商环境先进单位",
        "provincial_award": "获省政府通报表扬",
        "pilot": "承担省级“一网通办”改革试点",
    }
    chosen = rng.choice(ids, size=min(6, len(ids)), replace=False)
    picks = rng.choice(categories, size=len(chosen), p=[0.2, 0.5, 0.3])
    bonuses = pd.DataFrame(
        {
            "unit_id": chosen,
            "category": picks,
            "date": [
                f"{year}-{int(m):02d}-15" for m in rng.integers(3, 12, len(chosen))
            ],
            "reason": [reasons[c] for c in picks],
            "approved_by": "市绩效考评委员会",
            "approved_on": f"{year + 1}-01-20",
            "reference": f"考评委〔{year + 1}〕2号",
        }
    ).sort_values("unit_id", kind="stable")
    return {
        "raters": raters,
        "ballots": ballots,
        "key_targets": key_targets,
        "faults": faults,
        "vetoes": vetoes,
        "bonuses": bonuses,
    }


def write_appraisal(
    tables: Mapping[str, pd.DataFrame], out_dir: str | Path
) -> list[Path]:
    """Write appraisal inputs as UTF-8-BOM CSV files in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [
        _write_csv(frame, out / f"{name}.csv", "utf-8-sig")
        for name, frame in tables.items()
    ]


def write_city(
    tables: Mapping[str, pd.DataFrame],
    out_dir: str | Path,
    catalogue: Catalogue,
    *,
    formats: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write ``units.csv`` and one ``observations/<agency>.<ext>`` per agency.

    Parameters
    ----------
    tables : mapping
        The output of :func:`generate_city`.
    out_dir : str or Path
        Created if absent. Each file is written to a temporary name in its folder
        and then renamed, so a reader never sees half a file.
    catalogue : Catalogue
        Maps each series to its reporting agency and its number of decimals.
    formats : mapping, optional
        Agency id (or ``"*"`` for all others) -> one of ``csv-utf8``,
        ``csv-utf8-bom``, ``csv-gb18030``, ``xlsx``, ``parquet``. Merged over
        :data:`DEFAULT_FORMATS` (GB18030 supervision, Excel finance, UTF-8 legal,
        UTF-8 with BOM otherwise); a ``"*"`` key replaces the defaults entirely, so
        ``{"*": "csv-utf8"}`` writes every file as plain UTF-8 CSV.

    Returns
    -------
    list of Path
        The files written: ``units.csv`` first, ``events.csv`` if there are events,
        then agencies in catalogue order.
    """
    formats = dict(formats or {})
    if "*" not in formats:
        formats = {**DEFAULT_FORMATS, **formats}
    bad = {k: v for k, v in formats.items() if v not in FORMATS}
    if bad:
        raise ValueError(f"unknown formats {bad}; known: {sorted(FORMATS)}")
    units, obs = tables["units"], tables["observations"]
    out = Path(out_dir)
    (out / "observations").mkdir(parents=True, exist_ok=True)

    written = [
        _write_csv(units[UNIT_COLUMNS].fillna(""), out / "units.csv", "utf-8-sig")
    ]
    events = tables.get("events")
    if events is not None and len(events):
        written.append(_write_csv(events, out / "events.csv", "utf-8-sig"))
    series = _all_series(catalogue)
    agency_of = pd.Series({s.id: s.agency for s in series})
    decimals = pd.Series({s.id: _spec(s).decimals for s in series})
    codes, ids = pd.factorize(obs["indicator_id"])  # map on uniques: fast at scale
    obs_agency = agency_of.reindex(ids).to_numpy()[codes]
    obs_decimals = decimals.reindex(ids).to_numpy()[codes]
    for agency in dict.fromkeys(s.agency for s in series):
        rows = obs_agency == agency
        frame = obs.loc[rows, OBSERVATION_COLUMNS]
        fmt = formats.get(agency, formats.get("*", "csv-utf8-bom"))
        ext, encoding = FORMATS[fmt]
        path = out / "observations" / f"{agency}.{ext}"
        if ext == "csv":
            text = frame.assign(
                value=_format_values(frame["value"].to_numpy(), obs_decimals[rows])
            )
            if encoding == "gb18030":  # as exported by Chinese office software
                text = text.rename(columns={c: w.zh for c, w in INPUT_COLUMN.items()})
            written.append(_write_csv(text, path, encoding))
        elif ext == "xlsx":
            written.append(_write_xlsx(frame, path))
        else:
            written.append(
                _atomic(path, lambda p, f=frame: f.to_parquet(p, index=False))
            )
    return written


def write_national(
    tables: Mapping[str, pd.DataFrame], out_dir: str | Path, *, files: int = 4
) -> list[Path]:
    """Write a generated city as a national office sends it (docs/data-format.md,
    "National reports in Parquet"): ``units.parquet`` and the reports partitioned
    into ``files`` Parquet files ``reports/part=K/0.parquet``, each unit's reports in
    one file (units dealt in blocks, in the units table's order), ids stored as
    Parquet dictionaries, columns ``unit_id, period, indicator_id, value``.

    Score them with :func:`evaluation.scale.national.score_parquet` (or
    ``evaluation national OUT/reports --units OUT/units.parquet``). Returns the files
    written, ``units.parquet`` first; each is written to a temporary name and
    renamed, so a reader never sees half a file. Report files an earlier call left
    (``reports/part=K/0.parquet`` with ``K ≥ files``) are removed: the folder holds
    this city's reports only, each unit in one file.
    """
    if files < 1:
        raise ValueError(f"files must be at least 1, got {files}")
    units, obs = tables["units"], tables["observations"]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    table = units[UNIT_COLUMNS].replace({"parent_id": {"": None}})
    written = [
        _atomic(out / "units.parquet", lambda p: table.to_parquet(p, index=False))
    ]
    ids = units["unit_id"].to_numpy()
    block = pd.Series(np.arange(len(ids)) * files // max(len(ids), 1), index=ids)
    part = obs["unit_id"].map(block).to_numpy()
    reports = obs[["unit_id", "period", "indicator_id", "value"]].astype(
        {"unit_id": "category", "period": "category", "indicator_id": "category"}
    )
    for k in range(files):  # a few files; each is one vectorised write
        folder = out / "reports" / f"part={k}"
        folder.mkdir(parents=True, exist_ok=True)
        frame = reports[part == k]
        # the file's own units only in its dictionary
        frame = frame.assign(unit_id=frame["unit_id"].cat.remove_unused_categories())
        written.append(
            _atomic(
                folder / "0.parquet", lambda p, f=frame: f.to_parquet(p, index=False)
            )
        )
    for stale in set((out / "reports").glob("part=*/0.parquet")) - set(written):
        stale.unlink()  # an earlier call's extra file: its units are in ours now
    return written


# -------------------------------------------------------------------- kernels
def _units(departments: int, districts: int) -> pd.DataFrame:
    """Unit table: departments dealt round-robin over the four peer groups."""
    i = np.arange(departments)
    group = np.array(_DEPARTMENT_GROUPS)[i % 4]
    pos = i // 4
    width = max(2, len(str(departments)))
    num = np.char.zfill((i + 1).astype(str), width)
    zh = np.char.add("部门", num).astype(object)
    en = np.char.add("Department ", num).astype(object)
    for g, names in _DEPARTMENTS.items():  # loop over peer groups, not units
        take = (group == g) & (pos < len(names))
        zh[take] = [names[p][0] for p in pos[take]]
        en[take] = [names[p][1] for p in pos[take]]
    j = np.arange(districts)
    dwidth = max(2, len(str(districts)))
    dnum = np.char.zfill((j + 1).astype(str), dwidth)
    dzh = np.char.add("区县", dnum).astype(object)
    den = np.char.add("District ", dnum).astype(object)
    k = min(districts, len(_DISTRICTS))
    dzh[:k] = [d[0] for d in _DISTRICTS[:k]]
    den[:k] = [d[1] for d in _DISTRICTS[:k]]
    return pd.DataFrame(
        {
            "unit_id": np.concatenate([np.char.add("D", num), np.char.add("X", dnum)]),
            "name_zh": np.concatenate([zh, dzh]),
            "name_en": np.concatenate([en, den]),
            "peer_group": np.concatenate([group, np.full(districts, "district")]),
            "level": ["department"] * departments + ["district"] * districts,
            "parent_id": "",
        },
        dtype="str",
    )


def _draw(spec, s, q, rng, *, month, year, log_size, outlier) -> np.ndarray:
    """Values of one series, ``(periods, units)``, before clipping and rounding."""
    higher = getattr(s, "direction", "higher") == "higher"
    if spec.kind == "volume":
        season = np.array([_SEASON_LOG.get(m, 0.0) for m in month])[:, None]
        noise = 0.15 * rng.standard_normal(q.shape)
        value = spec.centre * np.exp(log_size + season + noise)
        return np.where(outlier, 8 * value, value)
    if spec.kind == "count":
        return rng.poisson(spec.centre * np.exp(-spec.k * q)).astype(float)
    if spec.kind == "binomial":
        p = 1 - (1 - spec.centre) * np.exp(-spec.k * q)
        return 100 * rng.binomial(spec.trials, np.clip(p, 0, 1)) / spec.trials
    if spec.kind == "linear":
        return spec.centre + (1 if higher else -1) * spec.k * q
    if s.id == "cost_per_service_item":
        q = q + 0.3 * log_size  # economies of scale: big units cost less per item
    if spec.kind == "cumulative":
        # one year-end value per unit and year, reached step by step
        final = np.empty_like(q)
        for y in np.unique(year):  # loop over years, not units
            final[year == y] = q[year == y].mean(axis=0)
        share = _progress(spec, month, year, rng, q.shape[1])
        return _gap(spec, s, final, higher) * share
    return _gap(spec, s, q, higher)


def _gap(spec: _Spec, s, q: np.ndarray, higher: bool) -> np.ndarray:
    """Distance to the best bound shrinks as quality rises (stays inside it)."""
    best = min(100.0, s.valid.max) if higher else max(0.0, s.valid.min)
    return best + (spec.centre - best) * np.exp(-spec.k * q)


def _progress(spec, month, year, rng, n) -> np.ndarray:
    """Share of the year-end value reached by each period: rising, 1 in December."""
    t = month / 12
    base = spec.progress(t)[:, None]
    share = np.clip(base + 0.15 * (1 - base) * rng.standard_normal((len(t), n)), 0, 1)
    for y in np.unique(year):  # loop over years: running max keeps it cumulative
        rows = year == y
        share[rows] = np.maximum.accumulate(share[rows], axis=0)
    return share


def _clip_round(value, low, high, decimals) -> np.ndarray:
    return np.clip(np.round(np.clip(value, low, high), decimals), low, high)


def _format_values(value: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    """Plain text numbers: ``12``, ``96.3``, ``0.62``; empty where missing."""
    out = np.full(len(value), "", dtype=object)
    for d in np.unique(decimals):  # loop over decimal counts (0, 1, 2)
        take = (decimals == d) & ~np.isnan(value)
        scaled = np.round(value[take] * 10**d).astype(np.int64)
        if d == 0:
            out[take] = scaled.astype(str)
            continue
        whole = np.char.add(
            np.where(scaled < 0, "-", ""), (np.abs(scaled) // 10**d).astype(str)
        )
        frac = np.char.zfill((np.abs(scaled) % 10**d).astype(str), int(d))
        out[take] = np.char.add(np.char.add(whole, "."), frac)
    return out


# ------------------------------------------------------------------- helpers
def _all_series(catalogue: Catalogue) -> list[Indicator | ContextSeries]:
    return [*catalogue.indicators, *catalogue.context]


def _spec(s: Indicator | ContextSeries) -> _Spec:
    """Known series from :data:`_SPECS`; anything else from its catalogue entry."""
    if s.id in _SPECS:
        return _SPECS[s.id]
    lo, hi = s.valid.min, s.valid.max
    counted = is_count((s.unit_zh, s.unit_en))  # whole numbers
    decimals = 0 if counted else (2 if hi - lo <= 10 else 1)
    if isinstance(s, ContextSeries):
        return _Spec("volume", max(1.0, min(hi, 100.0)), decimals=decimals)
    target = s.target if s.target is not None else lo + 0.5 * (hi - lo)
    # an average unit falls short of the target by 5 % of the range
    miss = (-0.05 if s.direction == "higher" else 0.05) * (hi - lo)
    return _Spec(
        "linear",
        float(np.clip(target + miss, lo, hi)),
        0.05 * (hi - lo),
        decimals=decimals,
    )


def _top_dimension(catalogue: Catalogue) -> dict[str, str]:
    """Indicator id -> its level-1 dimension id."""
    parent = {d.id: d.parent for d in catalogue.dimensions}
    out = {}
    for ind in catalogue.indicators:
        node = ind.parent
        while parent.get(node):
            node = parent[node]
        out[ind.id] = node
    return out


def _period_ends(frequency: str, months: int) -> np.ndarray:
    """1-based month index (from the start) of the last month of each period."""
    size = periods.months_per(frequency)
    return np.arange(size, months + 1, size)


def _month_end(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    first = (year - 1970) * 12 + (month - 1)
    return (first + 1).astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(
        1, "D"
    )


def _atomic(path: Path, write: Callable[[Path], object]) -> Path:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def _write_csv(frame: pd.DataFrame, path: Path, encoding: str) -> Path:
    return _atomic(
        path,
        lambda p: frame.to_csv(p, index=False, encoding=encoding, lineterminator="\n"),
    )


def _write_xlsx(frame: pd.DataFrame, path: Path) -> Path:
    """One sheet, header row 1, text period and date cells, reproducible bytes."""

    def write(p: Path) -> None:
        buffer = io.BytesIO()
        frame.to_excel(
            buffer, index=False, sheet_name="observations", engine="openpyxl"
        )
        # rewrite the zip with fixed entry times and document dates (openpyxl stamps
        # the time of saving) so the same data gives the same bytes
        with (
            zipfile.ZipFile(buffer) as src,
            zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as dst,
        ):
            for info in src.infolist():
                data = src.read(info.filename)
                if info.filename == "docProps/core.xml":
                    data = _STAMP.sub(rb"\g<1>" + _FIXED_TIME, data)
                entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
                entry.compress_type = zipfile.ZIP_DEFLATED
                dst.writestr(entry, data)

    return _atomic(path, write)
