"""Printing every page as a leader does (Ctrl+P: Chromium's own print, here through
``Page.printToPDF``, which fires ``beforeprint`` and ``afterprint`` as a print dialog
does) on A4 landscape.

A grid printed as itself lost its right-hand columns (its columns add up to more
than a sheet is wide) and, in AG Grid's print layout, printed empty: the grid lays
out after ``beforeprint`` has returned. Each page's printout here carries the run
shown, every column header of every grid on screen and every row the screen holds
(a paged grid's page, and a line saying which rows of how many), each cell in the
colours the grid paints it (a warning level's badge), and nothing runs past the
sheet's right edge. Images of the first sheets go to
tests/browser/screenshots/print_*.png.
"""

from __future__ import annotations

import base64

import pypdfium2 as pdfium
import pytest

from dashboards.app import create_app

from .test_tour import SCREENSHOTS, USERS, _language, _pages, _wait, make_run_store

pytestmark = pytest.mark.browser
#: A4 landscape, in the PDF's points (1/72 in)
SHEET = (842, 595)


@pytest.fixture
def store(sample_result, tmp_path):
    """The store ``make run`` leaves (with the year-end appraisal), as toured."""
    return make_run_store(tmp_path / "store.duckdb", sample_result)[0]


def _print(driver) -> pdfium.PdfDocument:
    pdf = driver.execute_cdp_cmd(
        "Page.printToPDF", {"preferCSSPageSize": True, "printBackground": True}
    )
    return pdfium.PdfDocument(base64.b64decode(pdf["data"]))


def _text(doc: pdfium.PdfDocument) -> str:
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def _past_the_edge(doc: pdfium.PdfDocument) -> list[str]:
    """Characters drawn right of the sheet's edge (cut off on paper)."""
    out = []
    for i in range(len(doc)):
        page, text = doc[i], doc[i].get_textpage()
        width = page.get_width()
        for k in range(text.count_chars()):
            left, _, right, _ = text.get_charbox(k)
            if right > width + 0.5:
                char = text.get_text_range(k, 1)
                out.append(f"sheet {i + 1}: {char!r} at {left:.0f} pt")
    return out[:10]


def _on_screen(driver) -> dict:
    """Each grid on screen (by its id): the column headers it shows, its rows and
    its page size (None when not paged)."""
    return driver.execute_script(
        """
        const out = {};
        document.querySelectorAll('.ag-root-wrapper').forEach(g => {
          const id = g.closest('[id]').id, api = window.dash_ag_grid.getApi(id);
          out[id] = {
            headers: api.getAllDisplayedColumns()
              .map(c => api.getDisplayNameForColumn(c, 'header')).filter(Boolean),
            rows: api.getDisplayedRowCount(),
            page: api.getGridOption('pagination') ? api.paginationGetPageSize() : null,
          };
        });
        return out;
        """
    )


def test_every_page_prints_whole_on_a4_landscape(dash_duo, store, sample_result):
    path = store
    unit = sample_result.league_table("2025").iloc[0]["unit_id"]
    dash_duo.start_server(create_app(path, users=USERS, secret_key="test-key"))
    driver = dash_duo.driver
    driver.set_window_size(1920, 1080)
    problems = []
    for name, page in _pages(unit):
        driver.get(dash_duo.server_url + page)
        _wait(driver)
        grids = _on_screen(driver)
        doc = _print(driver)
        text = _text(doc).replace("\r", "")
        flat = "".join(text.split())  # a header may fold onto two lines
        for i in range(min(2, len(doc))):
            image = doc[i].render(scale=1).to_pil()
            image.save(SCREENSHOTS / f"print_{name}_{i + 1}.png")
        assert (round(doc[0].get_width()), round(doc[0].get_height())) == SHEET
        if "2025年度 第1版（现行）" not in text:
            problems.append(f"{name}: the run shown is not printed")
        for grid, seen in grids.items():
            lost = [h for h in seen["headers"] if "".join(h.split()) not in flat]
            if lost:
                problems.append(f"{name}: grid {grid} prints without {lost}")
            page, rows = seen["page"], seen["rows"]
            if page and rows > page:  # the first page printed, and said so
                said = f"本表打印第1–{page}行，共{rows}行；全部请下载CSV。"
                if said not in flat:
                    problems.append(f"{name}: grid {grid} does not say {said}")
        problems += [f"{name}: {p}" for p in _past_the_edge(doc)]
        # back as it was: the grids shown, the printed tables gone
        assert not driver.find_elements("css selector", ".print-only")
    assert problems == [], "\n".join(problems)


def test_the_rankings_print_every_unit_by_name_in_either_language(
    dash_duo, store, sample_result
):
    """The sample's 50 units all fit the grid's first block: every one is printed,
    by the name the page's language uses, and no "rows a–b of n" line."""
    path = store
    league = sample_result.league_table("2025")
    dash_duo.start_server(create_app(path, users=USERS, secret_key="test-key"))
    driver = dash_duo.driver
    driver.set_window_size(1366, 768)
    for lang in ("zh", "en"):
        driver.get(dash_duo.server_url + "/")
        _wait(driver)
        _language(dash_duo, lang)
        driver.get(dash_duo.server_url + "/rankings")
        _wait(driver)
        # pdfium reads a hyphen it may break a line at (State-owned in a narrow
        # cell) as U+FFFE; the chart no longer prints that name whole (it cuts a
        # long English name after two lines: "…"), so the table's must be read
        text = _text(_print(driver)).replace("\ufffe", "-")
        flat = "".join(text.split())
        missing = [n for n in league[f"name_{lang}"] if "".join(n.split()) not in flat]
        assert missing == [], missing
        assert "本表打印" not in text and "printed; download" not in text
        assert _past_the_edge(_print(driver)) == []


def test_the_risk_board_prints_its_levels_in_their_colours(dash_duo, store):
    """A printed warning level is its badge: the word on the level's colour (Chromium
    prints no background unless told; a grey sheet of 红色 read as nothing)."""
    dash_duo.start_server(create_app(store, users=USERS, secret_key="test-key"))
    driver = dash_duo.driver
    driver.set_window_size(1920, 1080)
    driver.get(dash_duo.server_url + "/risk")
    _wait(driver)
    doc = _print(driver)
    red = (0xD5, 0x5E, 0x00)  # Okabe–Ito vermilion, the red level's colour
    on_red = 0
    for i in range(len(doc)):
        page, text = doc[i], doc[i].get_textpage()
        image = page.render(scale=2).to_pil().convert("RGB")
        height = page.get_height()
        found = text.search("红色")
        while (hit := found.get_next()) is not None:
            left, bottom, _, top = text.get_charbox(hit[0])
            # just left of the word, inside its cell's padding
            x, y = int((left - 1.5) * 2), int((height - (top + bottom) / 2) * 2)
            pixel = image.getpixel((x, y))
            on_red += all(abs(a - b) <= 12 for a, b in zip(pixel, red, strict=True))
    assert on_red >= 15, f"only {on_red} 红色 printed on the red badge's colour"
