"""The data-quality screen in two threads: the same flags as in one, and a table
two checks ask for at once computed once."""

from __future__ import annotations

import threading

import pandas as pd

import evaluation as ev
from evaluation.risk import quality as Q
from evaluation.risk.quality.reports import once

from ..conftest import ROOT


def test_the_sample_screened_in_two_threads_gives_the_flags_of_one(
    catalogue, monkeypatch
):
    """The shipped sample screened up to 2025 on one core (the checks in turn) and
    on two (two at a time): every flag the same, value for value, in one order."""
    data = ev.load_dataset(ROOT / "data" / "sample")

    def screen(cores):
        monkeypatch.setattr(Q.os, "cpu_count", lambda: cores)
        return Q.flags(data.observations, catalogue, period="2025", units=data.units)

    one, two = screen(1), screen(2)
    assert len(one) > 20  # the sample's planted anomalies are flagged
    assert set(one["check"]) >= {"stable", "perfect", "jump", "growth", "missing"}
    pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_a_table_asked_for_by_two_threads_at_once_is_computed_once():
    """The second thread waits for the first one's table instead of computing it
    again, and both get the same object."""
    owner = type("Owner", (), {})()
    inside, release = threading.Event(), threading.Event()
    calls, got = [], []

    def compute():
        calls.append(threading.current_thread().name)
        inside.set()
        release.wait(timeout=60)
        return object()

    first = threading.Thread(target=lambda: got.append(once(owner, "t", compute)))
    first.start()
    assert inside.wait(timeout=60)  # the first thread is computing the table
    second = threading.Thread(target=lambda: got.append(once(owner, "t", compute)))
    second.start()
    # the second thread is at the table's lock (not past it: nothing stored yet)
    second.join(timeout=0.5)
    assert second.is_alive() and "t" not in owner.__dict__
    release.set()
    first.join(timeout=60)
    second.join(timeout=60)
    assert len(calls) == 1
    assert len(got) == 2 and got[0] is got[1]
    assert once(owner, "t", compute) is got[0]  # kept
    assert len(calls) == 1


def test_two_tables_of_one_cube_are_computed_side_by_side():
    """A lock per table, not per cube: a second table is computed while the first
    one is still being computed."""
    owner = type("Owner", (), {})()
    inside, release = threading.Event(), threading.Event()

    def slow():
        inside.set()
        release.wait(timeout=60)
        return "slow"

    first = threading.Thread(target=lambda: once(owner, "slow", slow))
    first.start()
    assert inside.wait(timeout=60)
    quick = []
    other = threading.Thread(target=lambda: quick.append(once(owner, "quick", str)))
    other.start()
    other.join(timeout=10)  # a lock per cube would hold it until release
    assert quick == [""] and not other.is_alive()
    release.set()
    first.join(timeout=60)
    assert once(owner, "slow", slow) == "slow"


def test_no_check_sets_a_warning_filter(catalogue, monkeypatch):
    """Warning filters are process-wide (before Python 3.14): a check that set them
    in one thread could leave its filter in place, or drop another's, for the whole
    process, so no check of this package sets one (each runs beside the others;
    pandas' own, around its dtype look-ups, are pandas')."""
    import sys
    import warnings

    data = ev.load_dataset(ROOT / "data" / "sample")
    reports = Q.arrange(data.observations, catalogue, period="2025")
    set_by = []
    for name in ("filterwarnings", "simplefilter"):
        real = getattr(warnings, name)

        def record(*args, _real=real, **kwargs):
            caller = sys._getframe(1).f_globals.get("__name__", "")
            if caller.split(".")[0] == "evaluation":
                set_by.append((caller, args))
            return _real(*args, **kwargs)

        monkeypatch.setattr(warnings, name, record)
    for name, check in Q.CHECKS.items():
        check(reports)
        assert not set_by, f"{name} set a warning filter: {set_by}"


def test_the_zero_checks_mean_is_numpys_without_its_warning():
    """The zero check's period means are ``np.nanmean``'s bits, NaN for a period no
    unit reported, and warn of nothing."""
    import warnings

    import numpy as np

    from evaluation.risk.quality.zeros import _nanmean

    rng = np.random.default_rng(5)
    x = rng.lognormal(3, 1, (24, 317))
    x[rng.random(x.shape) < 0.3] = np.nan
    x[[4, 11]] = np.nan  # two periods nobody reported
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want_rows, want_all = np.nanmean(x, axis=1), np.nanmean(x[:, 7])
        want_t = np.nanmean(x[:, ::3].T, axis=1)  # a view, not contiguous
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got_rows, got_all = _nanmean(x, axis=1), _nanmean(x[:, 7])
        got_t = _nanmean(x[:, ::3].T, axis=1)
        assert np.isnan(_nanmean(np.full(5, np.nan)))
    assert np.isnan(got_rows[[4, 11]]).all()
    np.testing.assert_array_equal(got_rows, want_rows, strict=True)
    np.testing.assert_array_equal(got_t, want_t, strict=True)
    assert got_all == want_all and type(got_all) is type(want_all)
