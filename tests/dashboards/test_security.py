"""Login abuse, session revocation, headers and the draft access log, over HTTP
(Flask's test client: the requests a browser or an attacker sends), and in chromium
that the Content-Security-Policy leaves every page rendering with a clean console.

The store holds the sample's 2025 run published and a draft correction of it; two
users, wang and li. Expected values are hand-set (5 failures lock a name for 15
minutes) or computed independently (the inline script's SHA-256 from the page).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.security import generate_password_hash

from dashboards import security
from dashboards.app import create_app
from evaluation.publish.publication import Publication

USERS = {
    "wang": generate_password_hash("s3cret-pass"),
    "li": generate_password_hash("li-pass-2025"),
}
SAME = "http://localhost"  # the test client's host
SCREENSHOTS = Path(__file__).parents[1] / "browser" / "screenshots"


class Clock:
    """A hand-driven clock for the lockout (no sleeping in tests)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def store(sample_result, tmp_path_factory):
    path = tmp_path_factory.mktemp("security") / "store.duckdb"
    with Publication(path) as s:
        published = s.add_run(sample_result, by="analyst")
        s.publish(published, by="director")
        draft = s.add_run(
            sample_result, by="analyst", supersedes=published, reason="更正"
        )
    return path, published, draft


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def app(store, clock):
    return create_app(store[0], users=USERS, secret_key="test-key", clock=clock)


def login(client, user="wang", password="s3cret-pass", **headers):
    return client.post(
        "/login", data={"user": user, "password": password}, headers=headers
    )


def callback(app, client, output_has: str, values: dict, referer: str = "/"):
    """POST the callback whose outputs include ``output_has`` as the browser does,
    every input and state set from ``values`` (by component id; else None)."""
    output, spec = next((k, v) for k, v in app.callback_map.items() if output_has in k)

    def items(kind):
        return [
            {"id": i["id"], "property": i["property"], "value": values.get(i["id"])}
            for i in spec.get(kind, [])
        ]

    outputs = [
        {"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]}
        for o in output.strip(".").split("...")
    ]
    body = {
        "output": output,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": items("inputs"),
        "state": items("state"),
        "changedPropIds": [],
    }
    return client.post(
        "/_dash-update-component", json=body, headers={"Referer": SAME + referer}
    )


def grid(app, client, run, period="2025", referer="/rankings"):
    values = {
        "app-run": run,
        "app-lang": "zh",
        "rankings-period": period,
        "rankings-peer-group": "_all",
    }
    return callback(app, client, "rankings-grid.columnDefs", values, referer)


def run_options(app, client, run, referer="/") -> str:
    values = {"app-run": run, "app-lang": "zh"}
    response = callback(app, client, "app-run.options", values, referer)
    assert response.status_code == 200
    return json.dumps(json.loads(response.get_data(as_text=True))["response"])


def access_log(store) -> list:
    with Publication(store[0]) as s:
        return s.access_log()[["run_id", "viewer"]].values.tolist()


# --- lockout ---------------------------------------------------------------------


def test_five_failures_lock_that_name_for_15_minutes_and_no_other(app, clock):
    client = app.server.test_client()
    for _ in range(4):
        assert login(client, password="guess").status_code == 401
        clock.now += 60
    assert login(client, password="guess").status_code == 401  # the 5th failure
    locked = login(client)  # now even the right password is refused
    assert locked.status_code == 429
    assert "15 分钟" in locked.get_data(as_text=True)
    assert "session" not in locked.headers.get("Set-Cookie", "")
    assert login(client, "li", "li-pass-2025").status_code == 302  # li is not locked
    clock.now += 14 * 60
    assert login(client).status_code == 429  # still locked after 14 minutes
    clock.now += 61
    assert login(client).status_code == 302  # 15 minutes on: open again


def test_failures_spread_beyond_the_window_do_not_lock(app, clock):
    client = app.server.test_client()
    for _ in range(8):  # one failure every 4 minutes: at most 4 within 15 minutes
        assert login(client, password="guess").status_code == 401
        clock.now += 4 * 60
    assert login(client).status_code == 302


def test_one_address_trying_many_names_is_locked(app):
    """Password spraying: 20 failures from one address over different names lock
    the address, for a name that was never tried too."""
    client = app.server.test_client()
    for i in range(20):
        assert login(client, f"user{i}", "123456").status_code == 401
    assert login(client, "li", "li-pass-2025").status_code == 429
    other = app.server.test_client()  # another address is not locked
    addr = {"REMOTE_ADDR": "10.0.0.7"}
    ok = other.post(
        "/login",
        data={"user": "li", "password": "li-pass-2025"},
        environ_base=addr,
    )
    assert ok.status_code == 302


# --- user names are not revealed ---------------------------------------------------


def test_unknown_name_and_wrong_password_answer_alike(app, clock, monkeypatch):
    checked = []
    real = security.check_password_hash

    def spy(hashed, password):
        checked.append(hashed.split("$", 1)[0])  # the scheme and its cost
        return real(hashed, password)

    monkeypatch.setattr(security, "check_password_hash", spy)
    client = app.server.test_client()
    wrong = login(client, "wang", "guess")
    unknown = login(client, "zhao", "guess")
    assert (wrong.status_code, wrong.get_data()) == (
        unknown.status_code,
        unknown.get_data(),
    )
    assert wrong.status_code == 401
    assert sorted(wrong.headers.keys()) == sorted(unknown.headers.keys())
    # each costs one hash check of the same scheme and cost: the same time
    assert checked == [USERS["wang"].split("$", 1)[0]] * 2
    for _ in range(4):  # locked alike too
        login(client, "wang", "guess"), login(client, "zhao", "guess")
    a, b = login(client, "wang", "guess"), login(client, "zhao", "guess")
    assert (
        (a.status_code, a.get_data())
        == (b.status_code, b.get_data())
        == (
            429,
            a.get_data(),
        )
    )


def test_a_plain_password_in_the_users_list_is_refused(store):
    with pytest.raises(ValueError, match="werkzeug"):
        create_app(store[0], users={"wang": "s3cret-pass"}, secret_key="k")


# --- sessions end at logout -------------------------------------------------------


def test_logout_is_a_post_from_this_site(app, store):
    """A link or an image on another site (a GET) cannot log a leader out, nor a
    form there (a cross-site POST); the logout page's own button does."""
    _, _, draft = store
    client = app.server.test_client()
    login(client)
    page = client.get("/logout")
    assert page.status_code == 200 and "退出登录 · Log out" in page.get_data(
        as_text=True
    )
    assert draft in run_options(app, client, draft)  # still logged in
    other = client.post("/logout", headers={"Origin": "https://evil.example"})
    assert other.status_code == 403
    assert "拒绝跨站退出请求" in other.get_data(as_text=True)
    assert draft in run_options(app, client, draft)
    ours = client.post("/logout", headers={"Origin": "http://localhost"})
    assert ours.status_code == 302
    assert draft not in run_options(app, client, draft)


def test_a_cookie_saved_before_logout_sees_no_drafts(app, store):
    _, published, draft = store
    client = app.server.test_client()
    assert login(client).status_code == 302
    saved = client.get_cookie("session").value
    assert draft in run_options(app, client, draft)
    assert grid(app, client, draft).status_code == 200
    assert client.post("/logout").status_code == 302

    thief = app.server.test_client()
    thief.set_cookie("session", saved)
    assert draft not in run_options(app, thief, draft)
    assert published in run_options(app, thief, draft)
    assert grid(app, thief, draft).status_code == 204  # no data
    assert grid(app, thief, published).status_code == 200


def test_logging_in_again_gives_a_new_session(app):
    client = app.server.test_client()
    login(client)
    first = client.get_cookie("session").value
    login(client)
    thief = app.server.test_client()
    thief.set_cookie("session", first)  # the earlier session was ended
    assert "wang" not in run_options(app, thief, None)


# --- cross-site login -------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Referer": "http://evil.example/page"},
        {"Origin": "http://localhost.evil.example"},
    ],
)
def test_a_cross_site_login_post_is_refused(app, headers):
    client = app.server.test_client()
    refused = login(client, **headers)
    assert refused.status_code == 403
    assert "跨站" in refused.get_data(as_text=True)
    assert client.get_cookie("session") is None


def test_a_same_site_login_post_is_accepted(app):
    client = app.server.test_client()
    assert login(client, Origin=SAME).status_code == 302
    assert login(client, Referer=SAME + "/login").status_code == 302


# --- headers and cookies ----------------------------------------------------------


def test_every_response_carries_the_security_headers(app):
    client = app.server.test_client()
    page = client.get("/")
    html = page.get_data(as_text=True)
    asset = re.search(r'<script src="(/_dash-component-suites/[^"]+)"', html)[1]
    responses = {
        "/": page,
        "/rankings": client.get("/rankings"),
        "/login": client.get("/login"),
        "layout": client.get("/_dash-layout"),
        "asset": client.get(asset),
        "callback": run_options_response(app, client),
    }
    for where, r in responses.items():
        assert r.status_code == 200, where
        h = r.headers
        assert h["X-Frame-Options"] == "DENY", where
        assert h["X-Content-Type-Options"] == "nosniff", where
        assert h["Referrer-Policy"] == "same-origin", where
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"], where
    # the one inline script Dash needs is allowed by its hash, no other inline script
    csp = dict(
        part.strip().split(" ", 1)
        for part in page.headers["Content-Security-Policy"].split(";")
    )
    assert "unsafe-inline" not in csp["script-src"]
    assert "unsafe-eval" not in csp["script-src"]
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", html, re.S)
    code = [body for attrs, body in inline if "application/json" not in attrs]
    assert code  # Dash's renderer
    for body in code:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp["script-src"]


def run_options_response(app, client):
    return callback(app, client, "app-run.options", {"app-lang": "zh"})


def _cookie_flags(response) -> str:
    return response.headers.get("Set-Cookie", "")


def test_the_cookie_is_secure_over_https_only(store):
    path = store[0]
    plain = create_app(path, users=USERS, secret_key="k").server.test_client()
    assert "Secure" not in _cookie_flags(login(plain))
    assert "HttpOnly" in _cookie_flags(login(plain))
    assert "SameSite=Lax" in _cookie_flags(login(plain))

    forced = create_app(path, users=USERS, secret_key="k", https=True)
    response = login(forced.server.test_client())
    assert "Secure" in _cookie_flags(response)
    assert "max-age" in response.headers["Strict-Transport-Security"]

    proxied = create_app(path, users=USERS, secret_key="k", proxy=True)
    behind = login(proxied.server.test_client(), **{"X-Forwarded-Proto": "https"})
    assert "Secure" in _cookie_flags(behind)
    # without --proxy the header is not trusted (anyone could send it)
    ignored = login(plain, **{"X-Forwarded-Proto": "https"})
    assert "Secure" not in _cookie_flags(ignored)


def test_behind_the_proxy_the_lockout_counts_the_client_address(store):
    """Every request comes from the proxy's address; the lockout must count the
    client's (X-Forwarded-For), else one attacker locks out the whole office."""
    app = create_app(store[0], users=USERS, secret_key="k", proxy=True)
    client = app.server.test_client()
    for i in range(20):
        response = login(
            client, f"user{i}", "123456", **{"X-Forwarded-For": "203.0.113.9"}
        )
        assert response.status_code == 401
    attacker = login(client, "li", "li-pass-2025", **{"X-Forwarded-For": "203.0.113.9"})
    colleague = login(client, "li", "li-pass-2025", **{"X-Forwarded-For": "10.1.2.3"})
    assert (attacker.status_code, colleague.status_code) == (429, 302)


# --- the access log ---------------------------------------------------------------


def test_one_access_log_row_per_page_view_of_a_draft(app, store):
    """What an auditor expects: opening the rankings page on the draft is one view,
    however many callbacks the page makes; changing the period on the page is the
    same view; reloading, or going to another page, is a new one."""
    _, published, draft = store
    before = len(access_log(store))
    client = app.server.test_client()
    login(client, "li", "li-pass-2025")

    def load(path):
        client.get(path)
        # the browser's first request of every load, from the page it loads
        client.get("/_dash-layout", headers={"Referer": SAME + path})

    load("/rankings")
    run_options(app, client, draft, "/rankings")  # the header reads the draft too
    assert grid(app, client, draft).status_code == 200
    assert grid(app, client, draft, period="2025").status_code == 200
    assert grid(app, client, published).status_code == 200  # released: no row
    assert access_log(store)[before:] == [[draft, "li"]]

    load("/rankings")  # reload
    grid(app, client, draft)
    grid(app, client, draft)
    assert access_log(store)[before:] == [[draft, "li"]] * 2

    grid(app, client, draft, referer="/risk")  # another page, in the app
    assert access_log(store)[before:] == [[draft, "li"]] * 3


# --- the command ---------------------------------------------------------------


def test_the_command_serves_with_waitress_and_flask_only_with_debug(store, monkeypatch):
    import waitress
    from dash import Dash
    from typer.testing import CliRunner

    from evaluation.cli import app as cli

    served = {}
    monkeypatch.setattr(waitress, "serve", lambda app, **kw: served.update(kw))
    monkeypatch.setattr(Dash, "run", lambda self, **kw: served.update(flask=kw))
    monkeypatch.setenv("EVALUATION_DASHBOARD_USERS", "wang:" + USERS["wang"])
    run = CliRunner().invoke(cli, ["dashboard", str(store[0]), "--threads", "12"])
    assert run.exit_code == 0, run.output
    assert (served["host"], served["port"], served["threads"]) == (
        "127.0.0.1",
        8050,
        12,
    )
    assert "waitress" in run.output and "flask" not in served
    # where it serves, said to a Chinese office first, then in English
    lines = run.output.splitlines()
    assert lines[:2] == [
        "仪表板：http://127.0.0.1:8050/（waitress，12个线程；按 Ctrl+C 停止）",
        "dashboard: http://127.0.0.1:8050/ (waitress, 12 threads; Ctrl+C to stop)",
    ], lines
    served.clear()
    run = CliRunner().invoke(cli, ["dashboard", str(store[0]), "--debug"])
    assert run.exit_code == 0 and served["flask"]["debug"] is True
    # a plain password in the users list stops it, naming the user
    monkeypatch.setenv("EVALUATION_DASHBOARD_USERS", "wang:s3cret-pass")
    refused = CliRunner().invoke(cli, ["dashboard", str(store[0])])
    assert refused.exit_code == 1 and "wang" in refused.output


# --- in the browser ---------------------------------------------------------------


@pytest.mark.browser
def test_every_page_renders_under_the_policy_with_a_clean_console(dash_duo, store):
    """Every page (no CSP violation in the console, content rendered), then a draft
    chosen in the browser: one access-log row for that page view."""
    import dash

    path, _, draft = store
    dash_duo.driver.set_window_size(1366, 900)
    dash_duo.start_server(create_app(path, users=USERS, secret_key="test-key"))
    idle = "return !document.title.startsWith('Updating')"
    pages = [p["path"] for p in dash.page_registry.values() if not p["path_template"]]
    for page in pages:
        dash_duo.driver.get(dash_duo.server_url + page)
        dash_duo.wait_for_element("#app-title", timeout=30)
        WebDriverWait(dash_duo.driver, 30).until(lambda d: d.execute_script(idle))
        WebDriverWait(dash_duo.driver, 30).until(
            lambda d: len(d.find_element("css selector", "main").text.strip()) > 20,
            message=page,
        )
        assert dash_duo.get_logs() == [], page  # no CSP violation, no error
    SCREENSHOTS.mkdir(exist_ok=True)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "security_csp_last_page.png"))

    before = len(access_log(store))
    dash_duo.driver.get(dash_duo.server_url + "/login")
    dash_duo.driver.find_element("name", "user").send_keys("wang")
    dash_duo.driver.find_element("name", "password").send_keys("s3cret-pass")
    dash_duo.driver.find_element("css selector", "button").click()
    dash_duo.wait_for_contains_text("#app-login", "wang", timeout=30)
    rankings = dash.page_registry["dashboards.pages.rankings"]["path"]
    dash_duo.driver.get(dash_duo.server_url + rankings)
    dash_duo.wait_for_element('.ag-row[row-index="0"]', timeout=30)
    dash_duo.find_element("#app-run").click()
    option = WebDriverWait(dash_duo.driver, 30).until(
        lambda d: next(
            (
                e
                for e in d.find_elements("css selector", ".dash-dropdown-option")
                if "草稿" in e.text
            ),
            None,
        )
    )
    option.click()
    dash_duo.wait_for_contains_text("#app-run", "草稿", timeout=30)
    WebDriverWait(dash_duo.driver, 30).until(lambda d: d.execute_script(idle))
    dash_duo.wait_for_element('.ag-row[row-index="0"]', timeout=30)
    dash_duo.driver.save_screenshot(str(SCREENSHOTS / "security_draft_view.png"))
    assert dash_duo.get_logs() == []
    dash_duo.driver.get("about:blank")
    WebDriverWait(dash_duo.driver, 5).until(lambda d: d.current_url == "about:blank")
    assert access_log(store)[before:] == [[draft, "wang"]]


def test_guesses_sent_together_cannot_slip_past_the_limit():
    """Five tries under way at once (waitress threads) use up a limit of five: the
    sixth is refused before any of them has been checked; once they fail, the key
    is locked; a success frees its place."""
    from dashboards.security import Throttle

    now = [0.0]
    t = Throttle(5, window=900, lock=900, clock=lambda: now[0])
    assert all(t.begin("user:wang") for _ in range(5))
    assert not t.begin("user:wang")  # five in flight: no sixth
    for _ in range(5):
        t.end("user:wang", failed=True)
    assert t.locked("user:wang") and not t.begin("user:wang")
    now[0] += 901  # the lock expires
    assert t.begin("user:wang")
    assert t.begin("user:li")
    t.end("user:li", failed=False)  # a success leaves no trace
    assert all(t.begin("user:li") for _ in range(5))
