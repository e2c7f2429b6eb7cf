"""The rankings page in headless chromium: filter, language switch (the dropdowns'
own words with it), clean console."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from selenium.webdriver.support.ui import WebDriverWait

from dashboards.app import create_app
from evaluation.publish.media import export
from evaluation.publish.store import save_result

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).parent / "screenshots"
GROUP = "economic"  # its best department ranks 6th overall, so the top row changes


def _first_name(dash_duo, lang: str) -> str:
    return dash_duo.find_element(f'.ag-row[row-index="0"] [col-id="name_{lang}"]').text


def _row_count(dash_duo) -> int:
    return len(dash_duo.find_elements(".ag-pinned-left-cols-container .ag-row"))


def _shoot(dash_duo, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def test_rankings_filter_by_peer_group_and_switch_language(
    dash_duo, sample_result, tmp_path
):
    folder = save_result(sample_result, tmp_path / "result")
    overall = sample_result.league_table("2025")
    group = sample_result.league_table("2025", peer_group=GROUP)
    catalogue = sample_result.catalogue
    assert overall.loc[0, "unit_id"] != group.loc[0, "unit_id"]

    dash_duo.driver.set_window_size(1920, 1080)
    dash_duo.start_server(create_app(folder))
    dash_duo.driver.get(dash_duo.server_url + "/rankings")
    dash_duo.wait_for_text_to_equal(
        '.ag-row[row-index="0"] [col-id="name_zh"]', overall.loc[0, "name_zh"]
    )
    assert _row_count(dash_duo) > len(group)
    _shoot(dash_duo, "rankings_zh_all")
    chart = dash_duo.find_element("#rankings-bar")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView();", chart)
    _shoot(dash_duo, "rankings_zh_chart")
    dash_duo.driver.execute_script("window.scrollTo(0, 0);")

    dash_duo.find_element("#rankings-peer-group").click()
    wanted = catalogue.name(GROUP, "zh")
    option = WebDriverWait(dash_duo.driver, 10).until(
        lambda d: next(
            (
                o
                for o in d.find_elements("css selector", ".dash-dropdown-option")
                if o.text == wanted
            ),
            None,
        )
    )
    option.click()
    dash_duo.wait_for_text_to_equal(
        '.ag-row[row-index="0"] [col-id="name_zh"]', group.loc[0, "name_zh"]
    )
    assert _row_count(dash_duo) == len(group)
    _shoot(dash_duo, "rankings_zh_group")

    dash_duo.find_element("#app-lang input[value='en']").click()
    dash_duo.wait_for_text_to_equal("#app-title", catalogue.name_en)
    dash_duo.wait_for_text_to_equal(
        '.ag-header-cell[col-id="name_en"] .ag-header-cell-text', "Unit"
    )
    assert _first_name(dash_duo, "en") == group.loc[0, "name_en"]
    # the dropdowns' own words follow the switch: the period's search box reads
    # Search, no longer 搜索 (the words the page was loaded in)
    dash_duo.find_element("#rankings-period").click()
    WebDriverWait(dash_duo.driver, 10).until(
        lambda d: (
            [
                e.get_attribute("placeholder")
                for e in d.find_elements("css selector", ".dash-dropdown-search")
            ]
            == ["Search"]
        )
    )
    _shoot(dash_duo, "rankings_en_period_search")
    dash_duo.find_element("#rankings-period").click()  # closed again
    _shoot(dash_duo, "rankings_en_group")

    # the download: what `evaluation export --peer-group economic --lang en` writes
    # (the table and its note), in one zip named as its files are
    dash_duo.find_element("#rankings-download-button").click()
    saved = Path(dash_duo.download_path) / "media_2025_economic_en.zip"
    WebDriverWait(dash_duo.driver, 10).until(lambda _: saved.is_file())
    written = export(
        sample_result, tmp_path / "export" / "media_2025_economic_en.csv",
        lang="en", peer_group=GROUP, source=folder,
    )  # fmt: skip
    expected = {p.name: p.read_bytes() for p, _ in written}
    assert list(expected) == [
        "media_2025_economic_en.csv",
        "media_2025_economic_en.about.txt",
    ]

    def unzipped(_) -> dict | None:
        try:
            with zipfile.ZipFile(saved) as z:
                return {n: z.read(n) for n in z.namelist()}
        except (OSError, zipfile.BadZipFile):  # still being written
            return None

    WebDriverWait(dash_duo.driver, 5).until(lambda _: unzipped(_) == expected)

    assert dash_duo.get_logs() == []
