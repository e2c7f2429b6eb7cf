"""Assets are cached by the browser as Dash's own bundles are: the page names each
with its file's time (``?m=``), the vendored plotly.js with its version, so a
changed file has a new address; anything else is asked again each time."""

from __future__ import annotations

import re

import pytest

from dashboards.app import ASSET_MAX_AGE, create_app
from evaluation.publish.store import save_result


@pytest.fixture(scope="module")
def client(sample_result, tmp_path_factory):
    folder = tmp_path_factory.mktemp("assets") / "res"
    save_result(sample_result, folder)
    return create_app(folder).server.test_client()


def _max_age(client, url: str) -> int | None:
    """The ``Cache-Control: max-age`` of ``url`` (the file's answer closed)."""
    with client.get(url) as answer:
        assert answer.status_code == 200, url
        return answer.cache_control.max_age


def test_the_pages_assets_are_cached_for_a_year(client):
    page = client.get("/rankings").get_data(as_text=True)
    named = re.findall(r'"(/assets/[^"]+\?m=[^"]+)"', page)
    assert any("chunks_early.js" in u for u in named)
    assert any("style.css" in u for u in named)
    for url in named:
        assert _max_age(client, url) == ASSET_MAX_AGE == 365 * 24 * 3600
    vendored = "/assets/vendor/plotly-cartesian-4.1.1.min.js"
    assert _max_age(client, vendored) == ASSET_MAX_AGE


def test_an_asset_without_its_version_and_the_page_are_asked_again(client):
    assert _max_age(client, "/assets/style.css") is None
    assert _max_age(client, "/rankings") is None
    assert _max_age(client, "/_dash-layout") is None
