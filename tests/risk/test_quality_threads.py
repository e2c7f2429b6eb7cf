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
