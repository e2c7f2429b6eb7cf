"""The leadership dashboard: rankings, department profiles, risk, methodology,
what-if and the annual appraisal, in Chinese or English, over a publication store or
a result folder.

Serve a store (published runs for everyone; drafts after login) or one result::

    from dashboards.app import create_app
    create_app("data/store.duckdb").run(port=8050)

Logins come from the environment, never from the code or the repository:
``EVALUATION_DASHBOARD_USERS`` (``name:hash,name:hash``) or a file named by
``EVALUATION_DASHBOARD_USERS_FILE`` (one ``name:hash`` a line), hashes made with
``werkzeug.security.generate_password_hash``; the session key is
``EVALUATION_DASHBOARD_SECRET`` (random per process if unset).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path

import dash
import flask
from dash import Dash, Input, Output, html
from werkzeug.security import check_password_hash

from . import components, data

PAGES_FOLDER = Path(__file__).resolve().parent / "pages"
#: Dash's page template with Chinese as the page language (browsers then pick
#: simplified-Chinese glyphs) and no body margin around the title bar.
INDEX_STRING = """<!DOCTYPE html>
<html lang="zh-CN">
<head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}
<style>body { margin: 0; }</style></head>
<body>{%app_entry%}<footer>{%config%}{%scripts%}{%renderer%}</footer></body>
</html>"""
LOGIN_FORM = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>登录 · Log in</title></head>
<body style="font-family: sans-serif; max-width: 420px; margin: 80px auto">
<h2>登录 · Log in</h2><p>{message}</p>
<form method="post"><p><label>用户名 User <input name="user" autofocus></label></p>
<p><label>密码 Password <input name="password" type="password"></label></p>
<p><button type="submit">登录 · Log in</button></p></form>
<p><a href="/">返回 · Back</a></p></body></html>"""


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
) -> Dash:
    """A Dash app over a store file or a result folder.

    Raises ``FileNotFoundError`` if ``source`` is neither; the run in force is loaded
    here, so a broken source fails at start-up rather than on the first visit.
    """
    data.set_source(source)
    catalogue = data.result().catalogue
    app = Dash(
        "dashboards",  # the package: pages import as dashboards.pages.<name>
        use_pages=True,
        pages_folder=str(PAGES_FOLDER),
        title=f"{catalogue.name_zh} · {catalogue.name_en}",
        index_string=INDEX_STRING,
        suppress_callback_exceptions=True,
    )
    server = app.server
    server.secret_key = (
        secret_key
        or os.environ.get("EVALUATION_DASHBOARD_SECRET")
        or secrets.token_hex(32)
    )
    server.config["SESSION_COOKIE_HTTPONLY"] = True
    server.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    accounts = dict(users) if users is not None else load_users()

    @server.route("/login", methods=["GET", "POST"])
    def login():
        if flask.request.method == "GET":
            return LOGIN_FORM.format(message="")
        name = flask.request.form.get("user", "")
        password = flask.request.form.get("password", "")
        hashed = accounts.get(name)
        if hashed is None or not check_password_hash(hashed, password):
            message = "用户名或密码错误 · Wrong user or password"
            return LOGIN_FORM.format(message=message), 401
        flask.session.clear()
        flask.session["user"] = name
        return flask.redirect("/")

    @server.route("/logout")
    def logout():
        flask.session.clear()
        return flask.redirect("/")

    app.layout = html.Div(
        [
            components.header(catalogue),
            html.Main(dash.page_container, style={"padding": "16px 28px"}),
        ],
        style={**components.BASE_STYLE, "minHeight": "100vh", "background": "#f7f9fb"},
    )
    app.callback(
        Output("app-title", "children"),
        *[Output(f"nav-{key}", "children") for _, key in components.nav_pages()],
        Output("app-login", "children"),
        Output("app-login", "href"),
        Output("app-run", "options"),
        Output("app-run", "value"),
        Input("app-lang", "value"),
        Input("app-run", "value"),
    )(update_header)
    return app


def update_header(lang: str, run: str | None):
    """Header texts in the chosen language, the runs this visitor may see."""
    who = data.user()
    options = data.run_options(lang)
    visible = {o["value"] for o in options}
    run = run if run in visible else data.default_run()
    login = (
        (f"{who} · {components.text('logout', lang)}", "/logout")
        if who
        else (components.text("login", lang), "/login")
    )
    return (
        components.title(data.result(run).catalogue, lang),
        *[components.text(key, lang) for _, key in components.nav_pages()],
        *login,
        options,
        run,
    )
