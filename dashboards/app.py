"""The leadership dashboard (its pages: docs/dashboard.md), in Chinese or English,
over a publication store or a result folder.

Serve a store (published runs for everyone; drafts after login) or one result::

    from dashboards.app import create_app
    create_app("data/store.duckdb").run(port=8050)

Logins come from the environment, never from the code or the repository:
``EVALUATION_DASHBOARD_USERS`` (``name:hash,name:hash``) or a file named by
``EVALUATION_DASHBOARD_USERS_FILE`` (one ``name:hash`` a line), hashes made with
``werkzeug.security.generate_password_hash`` (or ``python -m dashboards.security
NAME``); the session key is ``EVALUATION_DASHBOARD_SECRET`` (random per process if
unset). Lockout, session revocation and headers: :mod:`dashboards.security`; serving
in production (waitress, a reverse proxy, HTTPS): docs/deployment.md.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import dash
import flask
from dash import Dash, Input, Output, dcc, html

from evaluation.errors import EvaluationError
from evaluation.vocabulary import say

from . import components, data, security

PAGES_FOLDER = Path(__file__).resolve().parent / "pages"
#: Dash's page template with Chinese as the page language (browsers then pick
#: simplified-Chinese glyphs) and no body margin around the title bar.
INDEX_STRING = """<!DOCTYPE html>
<html lang="zh-CN">
<head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}
<style>body { margin: 0; }</style></head>
<body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body>
</html>"""


def load_users(env: Mapping[str, str] = os.environ) -> dict[str, str]:
    """``name → password hash`` from the environment (see the module docstring)."""
    entries = [e for e in env.get("EVALUATION_DASHBOARD_USERS", "").split(",") if e]
    path = env.get("EVALUATION_DASHBOARD_USERS_FILE")
    if path:
        entries += Path(path).read_text(encoding="utf-8").split()
    users = {}
    for entry in entries:
        name, _, hashed = entry.strip().partition(":")
        if name and hashed:
            users[name] = hashed
    return users


def create_app(
    source: str | Path,
    *,
    users: Mapping[str, str] | None = None,
    secret_key: str | None = None,
    https: bool = False,
    proxy: bool = False,
    clock: Callable[[], float] = time.monotonic,
) -> Dash:
    """A Dash app over a store file or a result folder.

    Raises ``FileNotFoundError`` if ``source`` is neither, ``EvaluationError`` if it
    has no period run in force (drafts alone); the run in force is loaded here, so a
    broken source fails at start-up rather than on the first visit.
    ``https``: the session cookie is always ``Secure``; ``proxy``: trust one reverse
    proxy's ``X-Forwarded-*`` headers; ``clock``: the lockout's clock (tests).
    """
    data.set_source(source)
    if data.default_run() is None:  # drafts alone: nothing a visitor may see
        said = say("library_error", "no_run_in_force", source=str(source))
        raise EvaluationError(words=said)
    catalogue = data.result().catalogue
    app = Dash(
        "dashboards",  # the package: pages import as dashboards.pages.<name>
        use_pages=True,
        pages_folder=str(PAGES_FOLDER),
        title=f"{catalogue.name_zh} · {catalogue.name_en}",
        index_string=INDEX_STRING,
        suppress_callback_exceptions=True,
        # plotly.js's cartesian bundle, started by assets/plotly_early.js (not a
        # page script of its own)
        assets_path_ignore=["vendor"],
    )
    server = app.server
    server.secret_key = (
        secret_key
        or os.environ.get("EVALUATION_DASHBOARD_SECRET")
        or secrets.token_hex(32)
    )
    accounts = dict(users) if users is not None else load_users()
    security.install(app, accounts, https=https, proxy=proxy, clock=clock)
    server.after_request(_cache_assets)

    app.layout = layout
    app.callback(
        Output("app-title", "children"),
        *[Output(f"nav-{key}", "children") for _, key in components.nav_pages()],
        Output("app-login", "children"),
        Output("app-login", "href"),
        Output("app-run", "options"),
        Output("app-run", "value"),
        Output("app-banner", "children"),
        Output("app-watermark", "children"),
        Output("app-root", "lang"),
        Input("app-lang", "value"),
        Input("app-run", "value"),
        prevent_initial_call=True,  # the layout is served filled in (see layout)
    )(update_header)
    return app


#: a year: the assets' addresses change with their files (see :func:`_cache_assets`)
ASSET_MAX_AGE = 31536000


def _cache_assets(response: flask.Response) -> flask.Response:
    """Assets cached by the browser, as Dash caches its own bundles: the page names
    each asset with its file's time (``style.css?m=…``) and the vendored plotly.js
    with its version, so a changed file has a new address. Without this, every page
    load asks again for each asset (a 304 each), and the page's scripts wait for
    the answers before Dash starts."""
    request = flask.request
    if request.path.startswith("/assets/") and (
        "m" in request.args or request.path.startswith("/assets/vendor/")
    ):
        response.headers["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE}"
    return response


def layout() -> html.Div:
    """The page shell, served filled in for this visitor: the run and language they
    chose last (kept in their session, so a reload, a link or a new tab shows the
    same draft, and the run selector is never blank), the draft banner and
    watermark, then the page asked for (:func:`page_container`)."""
    lang = data.visitor_lang()
    run = data.visitor_run()
    title, *rest = _header(lang, run)
    n = len(components.nav_pages())
    nav, (login, href, options, run, banner, mark, html_lang) = rest[:n], rest[n:]
    return html.Div(
        [
            html.Div(banner, id="app-banner", className="app-banner"),
            components.header(title, nav, (login, href), options, run, lang),
            html.Main(page_container(), className="app-main"),
            html.Div(mark, id="app-watermark", className="app-watermark"),
        ],
        id="app-root",
        lang=html_lang,
        className="app-root",
        style=components.BASE_STYLE,
        # the words assets/print.js writes under a grid printed in part, both
        # languages (the language can change without a new layout)
        **{
            f"data-print-rows-{k}": components.text("print_rows", k)
            for k in components.LANGS
        },
    )


def page_container() -> html.Div:
    """Dash's page container with the page asked for already in it.

    Dash fills its container by a callback once the browser reports its address: a
    round trip, then the page's own callbacks, on every full page load. The layout
    is fetched by the page itself, so its ``Referer`` (sent same-origin, see
    :mod:`dashboards.security`) is the address: the page is built here and the
    location is given exactly as the browser has it, so Dash's router does not run
    again. Without a ``Referer``, or if the page cannot be built, Dash's own
    container (the router fills it).
    """
    address = (
        urlsplit(flask.request.referrer or "") if flask.has_request_context() else None
    )
    if not address or not address.path:
        return dash.page_container
    app = dash.get_app()
    page, variables = _page_for(app.strip_relative_path(address.path) or "")
    if page is None:
        return dash.page_container
    query = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(address.query).items()}
    try:
        content = (
            page["layout"](**{**variables, **query})  # as Dash's router merges them
            if callable(page["layout"])
            else page["layout"]
        )
    except Exception:  # noqa: BLE001 (the router builds it again and reports)
        logging.getLogger(__name__).exception("page %s not built", address.path)
        return dash.page_container
    title = page["title"](**variables) if callable(page["title"]) else page["title"]
    search = f"?{address.query}" if address.query else ""
    return html.Div(
        [
            dcc.Location(
                id="_pages_location",
                refresh="callback-nav",
                pathname=address.path,
                search=search,
                hash="",
                href=f"{address.scheme}://{address.netloc}{address.path}{search}",
            ),
            html.Div(content, id="_pages_content", disable_n_clicks=True),
            dcc.Store(id="_pages_store", data={"title": title}),
            html.Div(id="_pages_dummy", disable_n_clicks=True),
        ]
    )


def _page_for(path: str) -> tuple[dict | None, dict]:
    """The registered page serving ``path`` (without its leading ``/``) and the
    variables of its path template, as Dash's router matches them."""
    path = path.strip("/")
    for page in dash.page_registry.values():
        template = page.get("path_template")
        if template:
            pattern = re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", template.strip("/"))
            if m := re.fullmatch(pattern, path):
                return page, m.groupdict()
        elif page["path"].strip("/") == path:
            return page, {}
    return None, {}


def update_header(lang: str, run: str | None):
    """Header texts in the chosen language, the runs this visitor may see, the run
    shown (a run they may not see falls back to the one in force) and whether it is
    a draft; the choice is remembered in the session for the next page load."""
    out = _header(lang, run)
    try:
        for key, value in (("lang", lang), ("run", out[-4])):
            if flask.session.get(key) != value:
                flask.session[key] = value
    except RuntimeError:  # outside a request (tests calling it directly)
        pass
    return out


def _header(lang: str, run: str | None) -> tuple:
    who = data.user()
    options = data.run_options(lang)
    run = data.chosen_run(run)
    login = (
        (f"{who} · {components.text('logout', lang)}", "/logout")
        if who
        else (components.text("login", lang), "/login")
    )
    stage = data.run_info(run)["stage"] if run else None
    name = data.run_label(run, lang, tagged=False)
    return (
        components.title(data.result(run).catalogue, lang),
        *[components.text(key, lang) for _, key in components.nav_pages()],
        *login,
        options,
        run,
        components.run_banner(stage, name, lang),
        components.watermark(stage, lang),
        "zh-CN" if lang == "zh" else "en",
    )
