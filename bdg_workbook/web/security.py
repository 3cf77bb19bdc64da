"""Who may use the local web app: the start-up token (then an HttpOnly cookie), the Host check, the CSRF token,
upload limits and the security headers. Nothing here knows about the season."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask import Flask, Response, abort, g, redirect, request

COOKIE_NAME = "bdg_phien"
TOKEN_PARAM = "token"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass(frozen=True)
class Limits:
    """Upload limits: bytes per request, bytes per file, files per request."""

    request_bytes: int = 64 * 1024 * 1024
    file_bytes: int = 20 * 1024 * 1024
    files: int = 40


@dataclass(frozen=True)
class Guard:
    """The secrets of one server run: the start-up token, the cookie value and the CSRF secret."""

    port: int
    token: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    cookie: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    csrf_secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))

    @property
    def allowed_hosts(self) -> tuple[str, ...]:
        """The Host headers accepted (anything else may be a DNS-rebinding page)."""
        return (f"127.0.0.1:{self.port}", f"localhost:{self.port}")

    def start_url(self) -> str:
        """The URL printed and opened at start-up: it carries the token once."""
        return f"http://127.0.0.1:{self.port}/?{TOKEN_PARAM}={self.token}"

    def csrf_token(self) -> str:
        """The CSRF token of the session (bound to the cookie, so a page of another site cannot know it)."""
        return hmac.new(self.csrf_secret, self.cookie.encode(), hashlib.sha256).hexdigest()


def install(app: Flask, guard: Guard, limits: Limits) -> None:
    """Refuse every request that is not from the officer's own browser tab; add security headers."""
    app.config["MAX_CONTENT_LENGTH"] = limits.request_bytes
    app.extensions["bdg_guard"] = guard
    app.extensions["bdg_limits"] = limits

    @app.before_request
    def _check() -> Response | None:
        if request.host not in guard.allowed_hosts:
            abort(403, description="host")
        token = request.args.get(TOKEN_PARAM)
        if token is not None and request.method == "GET":
            if not hmac.compare_digest(token.encode(), guard.token.encode()):
                abort(403, description="token")
            response = redirect(request.path, code=303)
            response.set_cookie(COOKIE_NAME, guard.cookie, httponly=True, samesite="Strict", path="/")
            return response
        cookie = request.cookies.get(COOKIE_NAME, "")
        if not hmac.compare_digest(cookie.encode(), guard.cookie.encode()):
            abort(403, description="cookie")
        if request.method not in SAFE_METHODS:
            _check_post(guard)
        g.csrf_token = guard.csrf_token()
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"   # "no-referrer" makes Chromium send Origin: null
        response.headers["Cache-Control"] = "no-store"
        response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
        return response


def _check_post(guard: Guard) -> None:
    """A state-changing request must come from one of our pages: same origin (when the browser says) and
    the CSRF token in the form or header."""
    origin = request.headers.get("Origin")
    if origin is not None and urlsplit(origin).netloc not in guard.allowed_hosts:
        abort(403, description="origin")
    sent = request.headers.get(CSRF_HEADER) or request.form.get(CSRF_FIELD) or ""
    if not hmac.compare_digest(sent.encode(), guard.csrf_token().encode()):
        abort(403, description="csrf")


def guard_of(app: Flask) -> Guard:
    """The Guard installed on ``app``."""
    return app.extensions["bdg_guard"]


def limits_of(app: Flask) -> Limits:
    """The upload limits installed on ``app``."""
    return app.extensions["bdg_limits"]
