"""Benchmark: the dashboard at 2,000 units × 24 months with rank intervals, over
HTTP and in the browser, side by side with a floor.

The city (1,950 departments, 50 districts, 24 months from January 2024, scored
monthly up to 2025-M12, an uncertainty run of ``--draws`` stored with it) is
generated once and cached under ``--cache`` (a rerun starts in seconds). The
dashboard is served by waitress in its own process. Then:

* **browser** (headless Debian chromium, selenium): each main interaction from the
  click (or the address typed) to the rendered content: first page load after a
  warm-up, period change, group change, profile load, what-if move, the risk page;
* **HTTP**: the ``/_dash-update-component`` requests the browser sent during that
  session (recorded in the page as Dash sends them, so they are exactly the
  browser's payloads) replayed ``--repeats`` times each: server time (median)
  and the bytes of each response;
* **floor**: the same response bytes served by a static route of the same server
  (over HTTP), and fetched and parsed by the page (in the browser); and full page
  loads of pages of the same app showing static content built in the layout (a line
  of text; the league grid with its first rows; grid and chart), no callback: what
  any page of this shell pays (:func:`_floor_pages`).

Full page loads are timed from the address typed, clicks from the click.

Run: ``python benchmarks/bench_dashboard.py`` (prints a table; ``--markdown`` too).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def city(cache: Path, draws: int, departments: int = 1950, districts: int = 50) -> Path:
    """The published store of the benchmark city (made once, then reused)."""
    size = (
        "" if (departments, districts) == (1950, 50) else f"_{departments}_{districts}"
    )
    store = cache / f"store_{draws}{size}.duckdb"
    if store.is_file():
        return store
    import evaluation as ev
    from evaluation.analysis import uncertainty as U
    from evaluation.generate import generate_city, write_city
    from evaluation.publish.publication import Publication

    cache.mkdir(parents=True, exist_ok=True)
    catalogue = ev.load_catalogue(ROOT / "indicators.yaml")
    tables = generate_city(
        catalogue, departments=departments, districts=districts, months=24,
        start_year=2024, anomalies=False,
    )  # fmt: skip
    write_city(tables, cache / f"city{size}", catalogue)
    result = ev.run(
        catalogue,
        ev.load_dataset(cache / f"city{size}"),
        period="2025-M12",
        run_at="2026-01-15T09:00:00+00:00",
    )
    u = U.run(result, U.Spec(n=draws))
    part = store.with_suffix(".part")
    part.unlink(missing_ok=True)
    with Publication(part) as s:
        run = s.add_run(result, by="analyst", uncertainty=u)
        s.publish(run, by="director")
    part.rename(store)
    return store


def serve(store: str, port: int, threads: int) -> None:
    """The dashboard on waitress, with the floor routes (PUT bytes, GET them back)."""
    import flask
    import waitress

    from dashboards.app import create_app

    app = create_app(store)
    _floor_pages()
    floor: dict[str, bytes] = {}

    @app.server.route("/_floor/<name>", methods=["PUT", "GET"])
    def _floor(name):
        if flask.request.method == "PUT":
            floor[name] = flask.request.get_data()
            return "", 204
        return flask.Response(floor[name], mimetype="application/json")

    waitress.serve(app.server, host="127.0.0.1", port=port, threads=threads)


#: the floor pages of a full page load (:func:`_floor_pages`): address → what to see
FLOOR_PAGES = {
    "floor-text": "#floor-text",
    "floor-grid": '#floor-grid .ag-row[row-index="0"] [col-id="composite_score"]',
    "floor-grid-chart": "#floor-chart .main-svg",
}


def _floor_pages() -> None:
    """The floor of a full page load: pages of the same app (same shell, header,
    bundles and assets) whose content is static, built in the layout with no
    callback: a line of text; the rankings grid with its first block of rows given
    in the layout (client-side rows, the same columns); that grid and the rankings
    chart."""
    import dash
    from dash import dcc, html

    from dashboards import data
    from dashboards.pages import rankings

    def text(**_):
        return html.P("floor", id="floor-text")

    def grid(chart=False):
        run = data.visitor_run() or data.default_run()
        period = data.period_of(run, None)
        scope = rankings.DEFAULT_SCOPE
        columns, figure = rankings.update_rankings(period, scope, "zh", run)
        g = rankings.grid()
        g.id, g.rowModelType, g.columnDefs = "floor-grid", "clientSide", columns
        g.rowData = data.ranking(run, period, scope).response({}, "zh")["rowData"]
        panel = {"height": "calc(100vh - 200px)", "flex": "1 1 1400px"}
        parts = [html.Div(g, style=panel)]
        if chart:
            parts.append(html.Div(dcc.Graph(id="floor-chart", figure=figure),
                                  style={"flex": "1 1 700px"}))  # fmt: skip
        return html.Div(parts, style={"display": "flex", "flexWrap": "wrap"})

    layouts = {
        "floor-text": text,
        "floor-grid": lambda **_: grid(),
        "floor-grid-chart": lambda **_: grid(chart=True),
    }
    for path, layout in layouts.items():
        dash.register_page(path, path=f"/{path}", layout=layout, title=path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _driver():
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--window-size=1920,1080"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _RECORD})
    return driver


def _wait(driver, condition, timeout=60.0) -> float:
    """Poll ``condition(driver)`` every 5 ms; the seconds until it held."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        try:
            if condition(driver):
                return time.perf_counter() - start
        except Exception:  # noqa: BLE001 (elements re-render under us)
            pass
        time.sleep(0.005)
    raise TimeoutError(f"not rendered within {timeout} s")


def _text(driver, css: str) -> str:
    return driver.find_element("css selector", css).text


def _mark(driver, css: str) -> str:
    """Mark the element (rows re-rendered after a change are new elements); its
    text."""
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]); e.dataset.bench = 'old';"
        " return e.textContent;",
        css,
    )


def _fresh(driver, css: str, before: str) -> bool:
    """The element was rendered anew (or its text changed) and has text."""
    return driver.execute_script(
        "const e = document.querySelector(arguments[0]);"
        " return !!e && e.textContent !== '' &&"
        " (e.dataset.bench !== 'old' || e.textContent !== arguments[1]);",
        css,
        before,
    )


def _choose(driver, dropdown: str, label: str) -> None:
    driver.find_element("css selector", dropdown).click()
    for _ in range(400):
        for o in driver.find_elements("css selector", ".dash-dropdown-option"):
            if o.text == label:  # a long list scrolls: bring the option to view
                driver.execute_script(
                    "arguments[0].scrollIntoView({block: 'center'});", o
                )
                o.click()
                return
        time.sleep(0.005)
    raise TimeoutError(f"no option {label!r} in {dropdown}")


#: recorded in each page: the bodies of the callback requests Dash sends
_RECORD = """window.__bodies = []; const _fetch = window.fetch;
window.fetch = function (url, opts) {
  if (String(url).includes("_dash-update-component") && opts && opts.body) {
    window.__bodies.push(opts.body);
  }
  return _fetch.apply(this, arguments);
};"""


def _captured(driver) -> list[dict]:
    """The callback requests this page sent since the last call."""
    sent = driver.execute_script(
        "const b = window.__bodies || []; window.__bodies = []; return b;"
    )
    return [json.loads(b) for b in sent]


FIRST_ROW = '.ag-row[row-index="0"] [col-id="composite_score"]'
NAME = '#rankings-grid .ag-row[row-index="0"] [col-id="name_zh"] a'


def risk_drawn(driver) -> bool:
    """The risk board on screen: its heatmap and the first warning."""
    return bool(
        driver.find_elements("css selector", "#risk-heatmap .main-svg")
        and _text(driver, '#risk-warnings .ag-row[row-index="0"]')
    )


def overview_drawn(driver) -> bool:
    """The overview on screen: its warning counts and its trend chart."""
    return bool(
        driver.find_elements("css selector", "#overview-badges-all")
        and driver.find_elements("css selector", "#overview-trend .main-svg")
    )


def profile_drawn(name: str):
    """The profile on screen: its heading names the unit and every chart of the
    page is drawn (none still waiting for plotly.js)."""

    def drawn(driver) -> bool:
        return name in _text(driver, "#profile-heading") and driver.execute_script(
            "const g = document.querySelectorAll('#profile-page .dash-graph');"
            " return g.length > 0 && [...g].every(e =>"
            " e.querySelector('.main-svg') &&"
            " !e.classList.contains('dash-graph--pending'));"
        )

    return drawn


#: the interactions that are full page loads (an address typed; timed from then)
TYPED = {
    *(f"floor: full page load of /{page}" for page in FLOOR_PAGES),
    "first page load (overview)",
    "first page load (rankings)",
    "profile load (full page load of /unit/<id>)",
    "risk page (full page load)",
}


def _round(d, url: str, i: int, res, unit, group, record, floors=False) -> None:
    """One round of every interaction in the browser ``d`` on the dashboard at
    ``url`` (round ``i`` picks the period); ``floors``: the floor pages' loads
    first (:func:`_floor_pages`)."""
    from selenium.webdriver.common.keys import Keys

    from evaluation.periods import name_zh

    if floors:  # the same shell with static content, no callback (the floor)
        for page, css in FLOOR_PAGES.items():
            record(f"floor: full page load of /{page}", lambda p=page: d.get(url + p),
                   lambda d, c=css: d.find_elements("css selector", c))  # fmt: skip
    record("first page load (overview)", lambda: d.get(url), overview_drawn)
    record("first page load (rankings)", lambda: d.get(f"{url}rankings"),
           lambda d: _text(d, FIRST_ROW))  # fmt: skip
    before = _mark(d, FIRST_ROW)
    other = name_zh(res.periods[-2 - (i % 6)])  # the dropdown shows names
    record(
        "period change",
        lambda o=other: _choose(d, "#rankings-period", o),
        lambda d, b=before: _fresh(d, FIRST_ROW, b),
    )
    record(
        "group change",
        lambda: _choose(d, "#rankings-peer-group", group),
        lambda d: _text(d, '.ag-row[row-index="0"] [col-id="peer_group"]') == group,
    )
    # a leader opens a profile from the league table (inside the app)
    name = _text(d, NAME)
    record(
        "profile load (a name clicked in the league table)",
        lambda: d.find_element("css selector", NAME).click(),
        profile_drawn(name),
    )
    record("risk page (from the navigation)",
           lambda: d.find_element("css selector", "#nav-nav_risk").click(),
           risk_drawn)  # fmt: skip
    record(
        "profile load (full page load of /unit/<id>)",
        lambda: d.get(f"{url}unit/{unit['unit_id']}"),
        profile_drawn(unit["name_zh"]),
    )
    record("risk page (full page load)", lambda: d.get(f"{url}risk"),
           risk_drawn)  # fmt: skip
    d.get(f"{url}what-if")
    _wait(d, lambda d: d.find_elements("css selector", "#whatif-table .ag-row"))
    time.sleep(1)
    thumb = d.find_element(
        "css selector", '[id*="whatif-weight"][id*="efficiency"] [role="slider"]'
    )

    def moved(d):
        cells = d.find_elements(
            "css selector", '#whatif-table .ag-center-cols-container [col-id="move"]'
        )
        return cells and {c.text for c in cells} != {"–"}

    record("what-if move", lambda t=thumb: t.send_keys(Keys.END), moved)


def browser(
    urls: str | list[str], store: Path, repeats: int, settle: float = 20
) -> tuple[pd.DataFrame, dict]:
    """Click-to-rendered medians of each interaction, and the payloads sent (of
    the first dashboard). Several ``urls`` (the same store served by different
    versions of the dashboard) are measured side by side, one browser each, a
    round on each in turn: a column of medians per url."""
    from dashboards import data

    urls = [urls] if isinstance(urls, str) else list(urls)
    data.set_source(store)
    res = data._load(data.default_run())
    unit = res.league_table(res.period).iloc[0]
    group = res.catalogue.name("social", "zh")
    drivers = [_driver() for _ in urls]
    times: dict[str, dict[str, list[float]]] = {u: {} for u in urls}
    payloads: dict[str, list[dict]] = {}

    def recorder(d, url):
        def record(name, fn, condition):
            _captured(d)
            start = time.perf_counter()
            fn()
            # a full page load is timed from the address typed (the driver's get()
            # returns only once the page's scripts have run, at its load event); a
            # click or a choice from the moment it is made
            begun = start if name in TYPED else time.perf_counter()
            _wait(d, condition)
            times[url].setdefault(name, []).append(time.perf_counter() - begun)
            time.sleep(0.3)  # let trailing requests land
            if url == urls[0]:
                payloads.setdefault(name, _captured(d))

        return record

    floors = {u: _serves_floors(u) for u in urls}
    try:
        for d, url in zip(drivers, urls, strict=True):
            d.get(f"{url}rankings")  # warm-up: the server loads and caches the run
            _wait(d, lambda d: _text(d, FIRST_ROW), 600)
            d.get(url)
            _wait(d, overview_drawn, 600)
        time.sleep(settle)  # the server warms every period's rankings in the back
        for i in range(repeats):
            for d, url in zip(drivers, urls, strict=True):
                _round(d, url, i, res, unit, group, recorder(d, url), floors[url])
    finally:
        for d in drivers:
            d.quit()
    names = list(dict.fromkeys(n for u in urls for n in times[u]))
    table = pd.DataFrame({"interaction": names})
    for k, url in enumerate(urls):
        column = "browser_ms" if len(urls) == 1 else f"ms_{k}"
        table[column] = [
            1000 * statistics.median(times[url][n]) if n in times[url] else None
            for n in names
        ]
    return table, payloads


def _serves_floors(url: str) -> bool:
    """Whether the dashboard at ``url`` has the floor pages (served by this
    script's ``--serve``; an older checkout's may not)."""
    import requests

    page = next(iter(FLOOR_PAGES))
    r = requests.get(url + "_dash-layout", headers={"Referer": url + page}, timeout=60)
    return r.ok and '"floor-text"' in r.text


def _timed(s, url: str, send, answer, repeats: int, name: str) -> dict:
    """Median seconds of ``send()`` and of fetching its ``answer``'s bytes from the
    static route (the floor), alternately; the answer's size."""
    s.put(url + "_floor/x", data=answer.content)
    server, floor = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        send()
        server.append(time.perf_counter() - t)
        t = time.perf_counter()
        s.get(url + "_floor/x")
        floor.append(time.perf_counter() - t)
    return {
        "request": name,
        "http_ms": 1000 * statistics.median(server),
        "floor_ms": 1000 * statistics.median(floor),
        "kb": len(answer.content) / 1000,
    }


def unit_id(store: Path) -> str:
    """The first unit of the run in force (its profile is timed)."""
    from dashboards import data

    data.set_source(store)
    res = data._load(data.default_run())
    return str(res.league_table(res.period).iloc[0]["unit_id"])


def browser_floor(url: str) -> float:
    """Seconds for the page to fetch and parse the rankings block's bytes from the
    static route (median of 9): the browser's floor."""
    d = _driver()
    try:
        d.get(url + "_floor/rows")
        d.set_script_timeout(60)
        ms = d.execute_async_script(
            """const done = arguments[arguments.length - 1];
            const t = []; (async () => { for (let i = 0; i < 9; i++) {
              const s = performance.now();
              const r = await fetch('/_floor/rows'); JSON.parse(await r.text());
              t.push(performance.now() - s); }
              t.sort((a, b) => a - b); done(t[4]); })();"""
        )
    finally:
        d.quit()
    return ms / 1000


def http(url: str, payloads: dict, repeats: int, unit: str) -> pd.DataFrame:
    """Each page's layout (a full page load serves the page in it) and a replay
    of each captured callback request: median server time and response bytes,
    and the floor (the same bytes from a static route)."""
    import requests

    s = requests.Session()
    rows = []
    # a full page load's layout, the page built in it (asked with its address)
    for page in ("", "rankings", "risk", "what-if", f"unit/{unit}"):
        seen = {"Referer": url + page}
        r = s.get(url + "_dash-layout", headers=seen)
        send = lambda seen=seen: s.get(url + "_dash-layout", headers=seen)  # noqa: E731
        name = f"page load /{page}: the layout with the page in it"
        rows.append(_timed(s, url, send, r, repeats, name))
    for name, bodies in payloads.items():
        for body in bodies:
            r = s.post(url + "_dash-update-component", json=body)
            if r.status_code != 200:
                continue
            out = body["output"]
            if '"getRowsResponse"' in r.text and "rankings-grid" in out:
                s.put(url + "_floor/rows", data=r.content)
            send = lambda body=body: s.post(  # noqa: E731
                url + "_dash-update-component", json=body
            )
            rows.append(_timed(s, url, send, r, repeats, f"{name}: {out[:60]}"))
    return pd.DataFrame(rows).drop_duplicates("request")


def main(argv: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cache", type=Path, default=Path("/tmp/evaluation_bench_city")
    )
    parser.add_argument("--draws", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5, help="browser rounds")
    parser.add_argument("--http-repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--departments", type=int, default=1950)
    parser.add_argument("--districts", type=int, default=50)
    parser.add_argument(
        "--settle", type=float, default=20, help="s for the server's warm-up thread"
    )
    parser.add_argument("--serve", nargs=2, metavar=("STORE", "PORT"))
    parser.add_argument(
        "--url",
        nargs="+",
        help="only the browser, on dashboards already serving the city (e.g. two"
        " checkouts, each with --serve on its own port): side by side, alternately",
    )
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve[0], int(args.serve[1]), args.threads)
        return None
    store = city(args.cache, args.draws, args.departments, args.districts)
    if args.url:
        urls = [u.rstrip("/") + "/" for u in args.url]
        shown, _ = browser(urls, store, args.repeats, args.settle)
        print(f"load average {os.getloadavg()[0]:.1f}; " + ", ".join(
            f"ms_{k}: {u}" for k, u in enumerate(urls)))  # fmt: skip
        print(shown.to_string(index=False, float_format=lambda v: f"{v:.0f}"))
        return shown, None
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(store), str(port)], env=env
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        import requests

        for _ in range(600):
            try:
                if requests.get(url, timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        shown, payloads = browser(url, store, args.repeats, args.settle)
        timed = http(url, payloads, args.http_repeats, unit_id(store))
        floor = browser_floor(url)
        shown.loc[len(shown)] = ["floor: the rows block fetched, parsed", 1000 * floor]
    finally:
        server.terminate()
        server.wait(10)
    load = os.getloadavg()
    units = args.departments + args.districts
    print(f"{units:,} units × 24 months, rank intervals; load average {load[0]:.1f}")
    print(shown.to_string(index=False, float_format=lambda v: f"{v:.0f}"))
    print(timed.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    return shown, timed


if __name__ == "__main__":
    main()
