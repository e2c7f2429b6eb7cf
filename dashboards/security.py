"""Logins, sessions and response headers of the dashboard server.

* **Passwords** are werkzeug hashes (``werkzeug.security``: scrypt by default,
  ``scrypt:32768:8:1$salt$hash``; pbkdf2-sha256 ``pbkdf2:sha256:…`` is accepted too);
  a plain password in the users list is refused at start-up. An unknown user name is
  checked against a dummy hash of the same scheme, so both answers take the same time
  and read the same.
* **Lockout**: 5 failed logins for one user name, or 20 from one client address
  (an office behind one NAT address shares it), within 15 minutes lock that name or
  address for 15 minutes, whether the name exists or not. Counted in memory, per
  server process.
* **Sessions**: the signed cookie carries the user and a random session token; the
  server keeps the live tokens (in memory, per process) and checks them on every
  request, so logging out (or a restart) revokes the cookie even if someone saved it.
* **Cross-site login** is refused: a POST to ``/login`` whose ``Origin`` (or, without
  one, ``Referer``) names another host gets 403.
* **Headers** on every response: a Content-Security-Policy that Dash works with (its
  one inline script allowed by hash, inline styles for plotly), X-Frame-Options DENY,
  X-Content-Type-Options nosniff, Referrer-Policy same-origin; the cookie is
  ``Secure`` and HSTS is sent when served over HTTPS (``https=True`` or a proxy's
  ``X-Forwarded-Proto: https`` with ``proxy=True``).

Make a users-file line: ``python -m dashboards.security wang`` (asks the password).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import flask
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.security import check_password_hash, generate_password_hash

EXTENSION = "evaluation.security"
SCHEMES = ("scrypt", "pbkdf2")  #: werkzeug hash methods accepted in the users list

LOGIN_FORM = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>登录 · Log in</title></head>
<body style="font-family: sans-serif; max-width: 420px; margin: 80px auto">
<h2>登录 · Log in</h2><p>{message}</p>
<form method="post"><p><label>用户名 User <input name="user" autofocus
autocomplete="username"></label></p>
<p><label>密码 Password <input name="password" type="password"
autocomplete="current-password"></label></p>
<p><button type="submit">登录 · Log in</button></p></form>
<p><a href="/">返回 · Back</a></p></body></html>"""
#: ``GET /logout``: a button that logs out by POST (a link or an image elsewhere
#: cannot log a user out: browsers send a cross-site POST with its Origin)
LOGOUT_FORM = """<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">
<title>退出登录 · Log out</title></head>
<body style="font-family: sans-serif; max-width: 420px; margin: 80px auto">
<h2>退出登录 · Log out</h2><p>{message}</p>
<form method="post"><p><button type="submit" autofocus>退出登录 · Log out</button></p>
</form><p><a href="/">返回 · Back</a></p></body></html>"""
WRONG = "用户名或密码错误 · Wrong user or password"
LOCKED = (
    "登录失败次数过多，请 {minutes} 分钟后再试 · "
    "Too many failed logins; try again in {minutes} minutes"
)
CROSS_SITE = "拒绝跨站登录请求 · Cross-site login refused"
CROSS_SITE_LOGOUT = "拒绝跨站退出请求 · Cross-site logout refused"


def check_users(users: Mapping[str, str]) -> dict[str, str]:
    """The users list, refusing an entry that is not a werkzeug hash (a plain
    password put there by mistake would otherwise silently never match)."""
    for name, hashed in users.items():
        if hashed.split(":", 1)[0].split("$", 1)[0] not in SCHEMES or "$" not in hashed:
            raise ValueError(
                f"用户 {name!r} 的密码不是 werkzeug 哈希（scrypt:… 或 pbkdf2:…），"
                "请用 python -m dashboards.security 生成 · "
                f"user {name!r}: the password is not a werkzeug hash (scrypt:… or "
                "pbkdf2:…); make one with python -m dashboards.security"
            )
    return dict(users)


class Throttle:
    """Failed logins per key (a user name, a client address) in a sliding window;
    ``limit`` failures within ``window`` seconds lock the key for ``lock`` seconds.
    Thread-safe; in memory, so per process."""

    def __init__(
        self,
        limit: int,
        *,
        window: float = 900.0,
        lock: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ):
        self.limit, self.window, self.lock, self.clock = limit, window, lock, clock
        self.max_keys = max_keys
        self._failures: dict[str, list[float]] = {}
        self._locked: dict[str, float] = {}
        self._pending: dict[str, int] = {}  #: tries under way (begin … end)
        self._mutex = threading.Lock()

    def locked(self, key: str) -> bool:
        with self._mutex:
            return self._is_locked(key)

    def begin(self, key: str) -> bool:
        """Whether ``key`` may try now; a try under way counts against the limit
        until :meth:`end`, so that tries sent together cannot slip past it."""
        with self._mutex:
            now = self.clock()
            recent = [t for t in self._failures.get(key, ()) if t > now - self.window]
            if self._is_locked(key) or len(recent) + self._pending.get(key, 0) >= (
                self.limit
            ):
                return False
            self._pending[key] = self._pending.get(key, 0) + 1
            return True

    def end(self, key: str, *, failed: bool) -> None:
        """The try :meth:`begin` allowed is over; a failure counts (:meth:`fail`)."""
        with self._mutex:
            left = self._pending.get(key, 1) - 1
            if left > 0:
                self._pending[key] = left
            else:
                self._pending.pop(key, None)
        if failed:
            self.fail(key)

    def fail(self, key: str) -> None:
        with self._mutex:
            now = self.clock()
            recent = [t for t in self._failures.get(key, ()) if t > now - self.window]
            recent.append(now)
            if len(recent) >= self.limit:
                self._locked[key] = now + self.lock
                self._failures.pop(key, None)
            else:
                self._failures[key] = recent
            if len(self._failures) > self.max_keys:  # bound the memory an attack uses
                self._prune(now)

    def _is_locked(self, key: str) -> bool:
        until = self._locked.get(key)
        if until is not None and until <= self.clock():
            del self._locked[key]
            until = None
        return until is not None

    def clear(self, key: str) -> None:
        with self._mutex:
            self._failures.pop(key, None)

    def _prune(self, now: float) -> None:
        for key in [k for k, v in self._failures.items() if v[-1] <= now - self.window]:
            del self._failures[key]
        if len(self._failures) > self.max_keys:
            oldest = sorted(self._failures, key=lambda k: self._failures[k][-1])
            for key in oldest[: len(oldest) - self.max_keys]:
                del self._failures[key]


@dataclass
class _Session:
    user: str
    started: float
    page_loads: int = 0
    view: tuple = ()
    recorded: set = field(default_factory=set)


class Sessions:
    """Live session tokens (in memory, per process): a cookie whose token is not
    here (logged out, expired, another process) is anonymous. Also remembers which
    draft views of the current page were recorded, for one access-log row per page
    view."""

    def __init__(self, lifetime: float = 12 * 3600.0, clock=time.monotonic):
        self.lifetime, self.clock = lifetime, clock
        self._live: dict[str, _Session] = {}
        self._mutex = threading.Lock()

    def start(self, user: str) -> str:
        token = secrets.token_urlsafe(32)
        with self._mutex:
            now = self.clock()
            for t in [
                t for t, s in self._live.items() if s.started + self.lifetime <= now
            ]:
                del self._live[t]
            self._live[token] = _Session(user, now)
        return token

    def end(self, token: str | None) -> None:
        with self._mutex:
            self._live.pop(token, None)

    def user(self, token: str | None, user: str | None) -> str | None:
        """The user if the token is live and was issued to them, else None."""
        with self._mutex:
            s = self._live.get(token) if token else None
            if s is None or s.user != user:
                return None
            if s.started + self.lifetime <= self.clock():
                del self._live[token]
                return None
            return s.user

    def page_loaded(self, token: str | None) -> None:
        with self._mutex:
            if token in self._live:
                self._live[token].page_loads += 1

    def first_view(self, token: str | None, page: str, item: tuple) -> bool:
        """True the first time ``item`` (run, what) is seen on this page view: a
        page view is one load of the app (its layout request) at one path."""
        with self._mutex:
            s = self._live.get(token) if token else None
            if s is None:
                return True
            view = (s.page_loads, page)
            if s.view != view:
                s.view, s.recorded = view, set()
            if item in s.recorded:
                return False
            s.recorded.add(item)
            return True


class _SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, ``Secure`` when the request came over HTTPS (directly
    or, behind a trusted proxy, by ``X-Forwarded-Proto``) or when configured so."""

    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or flask.request.is_secure


def dummy_hash(users: Mapping[str, str]) -> str:
    """A hash of a random password with the users' most common scheme and
    parameters, so checking an unknown name costs what checking a known one does."""
    methods = Counter(h.split("$", 1)[0] for h in users.values())
    method = methods.most_common(1)[0][0] if methods else "scrypt"
    return generate_password_hash(secrets.token_hex(16), method=method)


def same_origin(request: flask.Request) -> bool:
    """False when the request's Origin (or, without one, its Referer) names another
    host than the one it was sent to; browsers send Origin on every POST."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if source is None:
        return True  # not a browser: no victim's cookies to abuse
    return urlsplit(source).netloc == request.host


def content_security_policy(script_hashes: list[str]) -> str:
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' " + " ".join(script_hashes),
            "style-src 'self' 'unsafe-inline'",  # plotly and Dash set inline styles
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def install(
    app,
    users: Mapping[str, str],
    *,
    https: bool = False,
    proxy: bool = False,
    user_limit: int = 5,
    address_limit: int = 20,
    lock_minutes: int = 15,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Add ``/login``, ``/logout``, session checks and security headers to a Dash app.

    ``https``: the cookie is always ``Secure`` (set when the site is reached only by
    HTTPS); ``proxy``: trust one reverse proxy's ``X-Forwarded-For/Proto/Host``
    (client address for the lockout, HTTPS for the cookie).
    """
    server = app.server
    accounts = check_users(users)
    dummy = dummy_hash(accounts)
    lock = lock_minutes * 60.0
    by_user = Throttle(user_limit, window=lock, lock=lock, clock=clock)
    by_address = Throttle(address_limit, window=lock, lock=lock, clock=clock)
    sessions = Sessions(clock=clock)
    server.extensions[EXTENSION] = sessions
    server.session_interface = _SessionInterface()
    server.config["SESSION_COOKIE_HTTPONLY"] = True
    server.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    server.config["SESSION_COOKIE_SECURE"] = https
    if proxy:
        server.wsgi_app = ProxyFix(server.wsgi_app, x_for=1, x_proto=1, x_host=1)
    policy: list[str] = []  # computed at the first response: all callbacks known

    def form(message: str, status: int = 200):
        return flask.Response(
            LOGIN_FORM.format(message=message), status, mimetype="text/html"
        )

    def locked():
        response = form(LOCKED.format(minutes=lock_minutes), 429)
        response.headers["Retry-After"] = str(int(lock))
        return response

    @server.route("/login", methods=["GET", "POST"])
    def login():
        if flask.request.method == "GET":
            return form("")
        if not same_origin(flask.request):
            return form(CROSS_SITE, 403)
        name = flask.request.form.get("user", "")
        password = flask.request.form.get("password", "")
        keys = (f"user:{name}", f"address:{flask.request.remote_addr}")
        if not by_address.begin(keys[1]):
            return locked()
        if not by_user.begin(keys[0]):
            by_address.end(keys[1], failed=False)
            return locked()
        hashed = accounts.get(name)
        # always one hash check: an unknown name takes as long as a wrong password
        good = check_password_hash(hashed or dummy, password) and hashed is not None
        by_user.end(keys[0], failed=not good)
        by_address.end(keys[1], failed=not good)
        if not good:
            return form(WRONG, 401)
        by_user.clear(keys[0])
        sessions.end(flask.session.get("sid"))
        flask.session.clear()  # a fresh session: no fixation
        flask.session["user"] = name
        flask.session["sid"] = sessions.start(name)
        return flask.redirect("/")

    @server.route("/logout", methods=["GET", "POST"])
    def logout():
        if flask.request.method == "GET":  # asks; only a POST from here logs out
            return flask.Response(LOGOUT_FORM.format(message=""), mimetype="text/html")
        if not same_origin(flask.request):
            message = LOGOUT_FORM.format(message=CROSS_SITE_LOGOUT)
            return flask.Response(message, 403, mimetype="text/html")
        sessions.end(flask.session.get("sid"))
        flask.session.clear()
        return flask.redirect("/")

    @server.before_request
    def check_session():
        session = flask.session
        if ("user" in session or "sid" in session) and sessions.user(
            session.get("sid"), session.get("user")
        ) is None:
            session.clear()  # revoked or expired: anonymous, and the cookie is reset
        elif flask.request.path == "/_dash-layout" and "sid" in session:
            sessions.page_loaded(session["sid"])  # one load of the app in a browser

    @server.after_request
    def headers(response):
        if not policy:
            policy.append(content_security_policy(app.csp_hashes()))
        h = response.headers
        h.setdefault("Content-Security-Policy", policy[0])
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("Referrer-Policy", "same-origin")
        if flask.request.is_secure or https:
            h.setdefault("Strict-Transport-Security", "max-age=31536000")
        if flask.request.path in ("/login", "/logout"):
            h.setdefault("Cache-Control", "no-store")
        return response


def current_user() -> str | None:
    """The logged-in user of this request: the cookie's user if its session token is
    live (apps without :func:`install`: the cookie's user as is)."""
    try:
        session = flask.session
        sessions = flask.current_app.extensions.get(EXTENSION)
    except RuntimeError:  # outside a request (tests calling layouts directly)
        return None
    if sessions is None:
        return session.get("user")
    return sessions.user(session.get("sid"), session.get("user"))


def first_view(run_id: str, what: str) -> bool:
    """Whether this request's view of ``run_id`` as ``what`` is the first of its
    page view (the page is the Referer's path: the browser's address at the time)."""
    sessions = flask.current_app.extensions.get(EXTENSION)
    if sessions is None:
        return True
    page = urlsplit(flask.request.referrer or "").path
    return sessions.first_view(flask.session.get("sid"), page, (run_id, what))


def main(argv: list[str] | None = None) -> None:
    """Print a users-file line ``name:hash`` (the password is asked, not echoed)."""
    import getpass
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.exit("usage: python -m dashboards.security <user name>")
    password = getpass.getpass("密码 Password: ")
    if getpass.getpass("再输一次 Again: ") != password:
        sys.exit("两次输入不一致 · The two passwords differ")
    print(f"{args[0]}:{generate_password_hash(password)}")


if __name__ == "__main__":
    main()
