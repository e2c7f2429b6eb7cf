"""Normalisation options of the uncertainty engine as a command line writes them:
lists and quoted text inside an option, unit ids that look like numbers, and errors
that name the option, the key, the value and the rule."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from typer.testing import CliRunner

import evaluation as ev
from evaluation.analysis import uncertainty as U
from evaluation.cli import app
from evaluation.errors import EvaluationError

from ..conftest import TINY, TINY_ROWS, TINY_UNITS, write_dataset


# ------------------------------------------------------------------ parsing
@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (
            "zscore:mean=50:sd=10:clip=[0,100]",
            {"method": "zscore", "mean": 50, "sd": 10, "clip": [0, 100]},
        ),
        ("zscore:clip=[0, 100]", {"method": "zscore", "clip": [0, 100]}),
        ("reference:unit=101", {"method": "reference", "unit": "101"}),
        ("reference:unit=0101", {"method": "reference", "unit": "0101"}),
        ("reference:unit=1e3", {"method": "reference", "unit": "1e3"}),
        ('reference:unit="101"', {"method": "reference", "unit": "101"}),
        ("reference:unit=true:cap=false",
         {"method": "reference", "unit": "true", "cap": False}),
        ('reference:unit="a:b,c"', {"method": "reference", "unit": "a:b,c"}),
        ("reference:unit=D01", {"method": "reference", "unit": "D01"}),
        ("reference:unit=市教育局", {"method": "reference", "unit": "市教育局"}),
        ("goalposts:worst=0:best=10:per=monthly",
         {"method": "goalposts", "worst": 0, "best": 10, "per": "monthly"}),
        ("goalposts:worst=0:best=10:per=null",
         {"method": "goalposts", "worst": 0, "best": 10, "per": None}),
        ("minmax:low=1.5:high=100",
         {"method": "minmax", "low": 1.5, "high": 100}),
        ("target:cap=false:scale=1", {"method": "target", "cap": False, "scale": 1}),
    ],
)  # fmt: skip
def test_every_parameter_can_be_written_as_text(option, expected):
    assert U.normalisation_option(option) == expected


def test_a_mapping_round_trips_through_its_label():
    for mapping, label in (
        ({"method": "reference", "unit": "101"}, 'reference:unit="101"'),
        ({"method": "reference", "unit": "a:b"}, 'reference:unit="a:b"'),
        ({"method": "zscore", "clip": [0, 100]}, "zscore:clip=[0, 100]"),
    ):
        (stored,) = U.Spec(normalisations=[mapping]).normalisations
        assert stored == label
        assert U.normalisation_option(stored) == mapping


def test_a_list_of_options_splits_only_at_commas_outside_brackets_and_quotes():
    text = 'catalogue, zscore:mean=50:sd=10:clip=[0,100],reference:unit="x,y"'
    assert U.split_options(text) == (
        "catalogue",
        "zscore:mean=50:sd=10:clip=[0,100]",
        'reference:unit="x,y"',
    )
    assert U.split_options("minmax") == ("minmax",)
    with pytest.raises(EvaluationError, match=r"--normalisations.*\[0,100.*pair up"):
        U.split_options("zscore:clip=[0,100", name="--normalisations")


@pytest.mark.parametrize(
    ("option", "says"),
    [
        ("minmax:low=x", ["'minmax:low=x'", "low='x'", "valid number"]),
        ("minmax:low=5:high=1", ["high='1'", "greater than low"]),
        ("zscore:clip=[100,0]", ["clip='[100,0]'", "low < high"]),
        ("zscore:sd=-1", ["sd='-1'", "greater than 0"]),
        ("reference:unit=", ["unit=''", "at least 1 character"]),
        ("minmax:lo=1", ["lo='1'", "not a parameter of minmax", "low, high"]),
        ("goalposts:best=1", ["worst: required"]),
        ("goalposts:worst=0:best=1:per=fortnight", ["per='fortnight'", "monthly"]),
        ("nosuch", ["method='nosuch'", "minmax", "zscore"]),
        ("minmax:low=1:low=2", ["'low' is given twice"]),
        ("minmax:1,100", ["'1,100' is not key=value"]),
        ("zscore:clip=[0,100", ["'zscore:clip=[0,100'", "pair up"]),
        ('reference:unit="x', ["quote is not closed"]),
    ],
)
def test_errors_name_the_option_the_key_the_value_and_the_rule(option, says):
    with pytest.raises(EvaluationError) as caught:
        U.normalisation_option(option)
    text = caught.value.words.en  # the message: its Chinese, then this
    assert text.startswith(f"normalisation option {option!r}: ")
    assert str(caught.value).endswith(f"\n{text}")
    for part in says:
        assert part in text


# ---------------------------------------------------------------------- CLI
def test_the_cli_takes_a_clip_list_and_a_numeric_reference_unit(tmp_path):
    """The tiny catalogue with unit ids 101, 102, 103 and weights fixed: every draw
    is one of the two options, each computed by hand.

    Values (2025): a1 (mean) 80, 60, 100; a2 (sum, lower; 102 pro rata 2 · 4/3)
    4, 8/3, 12; b1 (last) 90, 75, 50; b2 70, 80, 90. Weights a 0.6 (a1 1, a2 1),
    b 0.4 (b1 3, b2 1).

    ``reference:unit=101`` (100 · x / x_101, lower: 100 · x_101 / x, capped at 100):
    101 scores 100 everywhere; 102: a1 75, a2 100, b1 250/3, b2 100 → a 87.5,
    b 87.5 → 87.5; 103: a1 100, a2 100/3, b1 500/9, b2 100 → a 200/3, b 200/3.

    ``zscore:mean=50:sd=10:clip=[49,51]``: a score is 51 above the period's mean
    (|z| ≥ 0.1 here), 49 below, 50 at it: a1 50, 49, 51; a2 (lower) 51, 51, 49;
    b1 51, 51, 49; b2 49, 50, 51 → 101: a 50.5, b 50.5 → 50.5; 102: a 50,
    b 50.75 → 50.3; 103: a 50, b 49.5 → 49.8.
    """
    from evaluation.publish.store import save_result

    ids = {"U1": "101", "U2": "102", "U3": "103"}
    units = TINY_UNITS.assign(unit_id=TINY_UNITS["unit_id"].map(ids))
    rows = [(ids[u], p, i, v) for u, p, i, v in TINY_ROWS]
    data = ev.load_dataset(write_dataset(tmp_path / "data", units, rows))
    result = ev.run(
        ev.parse_catalogue(copy.deepcopy(TINY)), data, period="2025", run_at="t"
    )
    folder = save_result(result, tmp_path / "result")
    out, draws = tmp_path / "ranks.csv", tmp_path / "draws.csv"
    options = ["reference:unit=101", "zscore:mean=50:sd=10:clip=[49,51]"]
    runner = CliRunner()
    done = runner.invoke(
        app,
        [str(a) for a in (
            "uncertainty", folder, "--out", out, "--draws", "40", "--noise", "0",
            "--normalisations", ",".join(options), "--save-draws", draws,
            "--lang", "en",
        )],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    drawn = pd.read_csv(draws, encoding="utf-8-sig")["normalisation"]
    assert set(drawn) == set(options)  # each option as written
    assert drawn.value_counts().min() >= 3  # so q05 / q95 are the two values
    summary = pd.read_csv(out, encoding="utf-8-sig", dtype={"unit_id": str})
    summary = summary.set_index("unit_id")
    reference = {"101": 100.0, "102": 87.5, "103": 200 / 3}
    clipped = {"101": 50.5, "102": 50.3, "103": 49.8}
    for unit in ids.values():
        low, high = sorted((reference[unit], clipped[unit]))
        assert summary.at[unit, "score_q05"] == pytest.approx(low, abs=1e-9)
        assert summary.at[unit, "score_q95"] == pytest.approx(high, abs=1e-9)
    again = tmp_path / "again.csv"
    replay = ("uncertainty", folder, "--out", again, "--replay", draws, "--lang", "en")
    done = runner.invoke(app, [str(a) for a in replay])
    assert done.exit_code == 0, done.output
    assert again.read_bytes() == out.read_bytes()  # the labels replay


@pytest.mark.parametrize(
    ("normalisations", "says"),
    [
        ("catalogue,zscore:clip=[0,100", ["--normalisations", "pair up"]),
        ("catalogue,minmax:low=x", ["'minmax:low=x'", "low='x'", "valid number"]),
        ("catalogue,reference:unit=", ["unit=''", "at least 1 character"]),
    ],
)
def test_the_cli_names_a_bad_normalisation_option(
    tmp_path, tiny_result, normalisations, says
):
    from evaluation.publish.store import save_result

    folder = save_result(tiny_result, tmp_path / "result")
    out = tmp_path / "ranks.csv"
    done = CliRunner().invoke(
        app,
        [str(a) for a in (
            "uncertainty", folder, "--out", out, "--draws", "5",
            "--normalisations", normalisations,
        )],
    )  # fmt: skip
    assert done.exit_code != 0
    text = " ".join(done.output.split())  # unwrapped
    for part in says:
        assert part in text
    assert not out.exists()
