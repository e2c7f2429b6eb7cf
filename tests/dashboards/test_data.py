"""The dashboard's data layer: the period rule and the ledger order."""

from __future__ import annotations

from dashboards import data
from evaluation.publish.store import save_result


def test_period_rule_and_overdue_first(sample_result, tmp_path):
    data.set_source(save_result(sample_result, tmp_path / "result"))
    assert data.periods(None) == (["2024", "2025"], "2025")
    assert data.periods(None, "2024") == (["2024", "2025"], "2024")
    assert data.period_of(None, "1999") == "2025"  # not in the run: the run's own
    led = data.ledger_overdue_first(None)
    assert len(led) == len(sample_result.ledger)
    rank = (led["status"] == "open").astype(int) * 2 + led["reminder"].astype(int)
    assert list(rank) == sorted(rank, reverse=True)  # open and overdue first
    late = led[(led["status"] == "open") & led["reminder"]]
    assert list(late["first_due"]) == sorted(late["first_due"])
