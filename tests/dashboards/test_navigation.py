"""The navigation is read from Dash's page registry (``register_page(order=, nav=)``),
not from a list kept beside it."""

from __future__ import annotations

import dash
import pytest
from dash import dcc

from dashboards import app as dashboard
from dashboards import components
from evaluation.publish.store import save_result


@pytest.fixture(scope="module")
def app(sample_result, tmp_path_factory):
    folder = save_result(sample_result, tmp_path_factory.mktemp("nav") / "result")
    return dashboard.create_app(folder)


def test_the_navigation_lists_the_registered_pages_in_their_order(app):
    assert components.nav_pages() == [
        ("/", "nav_rankings"),
        ("/risk", "nav_risk"),
        ("/methodology", "nav_methodology"),
        ("/what-if", "nav_whatif"),
        ("/appraisal", "nav_appraisal"),
    ]


def test_every_page_but_the_unit_profile_is_in_the_navigation(app):
    in_nav = {path for path, _ in components.nav_pages()}
    off = [p for p in dash.page_registry.values() if p["path"] not in in_nav]
    assert [p["path_template"] for p in off] == ["/unit/<unit_id>"]


def test_the_header_links_are_the_navigation_with_words_in_both_languages(app):
    nav = app.layout.children[0].children[1]
    links = [(c.href, c.id) for c in nav.children if isinstance(c, dcc.Link)]
    assert links == [(path, f"nav-{key}") for path, key in components.nav_pages()]
    for _, key in components.nav_pages():
        assert components.text(key, "zh") != components.text(key, "en")
    with app.server.test_request_context("/"):  # the header reads the visitor
        labels = dashboard.update_header("zh", None)[1 : 1 + len(links)]
    assert labels == ("排名", "风险", "方法", "权重模拟", "年度考评")
