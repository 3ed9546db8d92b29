"""Serve the console's page and assets, and the API docs, from local files only.

This module owns the console's routes: the page at ``/``, the static files under ``/console/``,
Swagger UI at ``/docs`` and ReDoc at ``/redoc`` (from the vendor assets that
``make console`` fetches at build time), and the security headers on all of them: a strict
Content-Security-Policy (no inline script; Leaflet sets inline styles, hence
``style-src 'unsafe-inline'``), nosniff, no framing, no referrer.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

__all__ = ["CSP", "STATIC_DIR", "VENDOR_DIR", "mount_console"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
VENDOR_DIR = STATIC_DIR / "vendor"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; worker-src 'self' blob:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
_PAGES = ("/", "/docs", "/redoc", "/console/")
_MISSING = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>borderflow: console assets missing</title></head><body>
<h1>The console's front-end assets are missing</h1>
<p>{what} needs the vendor libraries in <code>risk_bridge/console/static/vendor/</code>,
fetched from npm at build time: run <code>make console</code>, then reload.</p></body></html>"""


class _SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        path = request.url.path
        if path in _PAGES or path.startswith("/console/"):
            for k, v in _HEADERS.items():
                response.headers.setdefault(k, v)
        return response


def mount_console(app: FastAPI) -> None:
    """Add the console's routes to ``app`` (the page at ``/``, assets, ``/docs``, ``/redoc``).

    The vendor directory is read from :data:`VENDOR_DIR` now, when the app is made, so an app
    made with another one (the tests' "assets missing" page) keeps it while others keep theirs.
    """
    vendor = VENDOR_DIR

    def _have(*parts: str) -> bool:
        return vendor.joinpath(*parts).is_file()

    mimetypes.add_type("text/javascript", ".mjs")
    mimetypes.add_type("text/javascript", ".js")
    app.add_middleware(_SecurityHeaders)

    @app.get("/", include_in_schema=False, response_model=None)
    async def console_page() -> Response:
        if not (_have("leaflet", "leaflet.js") and _have("uplot", "uPlot.iife.min.js")):
            return HTMLResponse(_MISSING.format(what="The console"), status_code=503)
        return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/docs", include_in_schema=False)
    async def swagger() -> HTMLResponse:
        if not _have("swagger-ui", "swagger-ui-bundle.js"):
            return HTMLResponse(_MISSING.format(what="/docs (Swagger UI)"), status_code=503)
        page = get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title}: API",
            swagger_js_url="/console/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/console/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/console/vendor/swagger-ui/favicon-32x32.png",
        )
        return _no_inline(page, "/console/swagger-init.js")

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        if not _have("redoc", "redoc.standalone.js"):
            return HTMLResponse(_MISSING.format(what="/redoc (ReDoc)"), status_code=503)
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title}: API",
            redoc_js_url="/console/vendor/redoc/redoc.standalone.js",
            redoc_favicon_url="/console/vendor/swagger-ui/favicon-32x32.png",
            with_google_fonts=False,
        )

    app.mount("/console", StaticFiles(directory=STATIC_DIR, check_dir=False), name="console")


def _no_inline(page: HTMLResponse, init_src: str) -> HTMLResponse:
    """FastAPI's Swagger page starts the UI from an inline script, which the CSP refuses: the
    same start-up lives in a static file (``static/swagger-init.js``) instead."""
    html = bytes(page.body).decode()
    start = html.rfind("<script>")
    end = html.find("</script>", start)
    if start >= 0 and end > start:
        html = html[:start] + f'<script src="{init_src}"></script>' + html[end + 9 :]
    return HTMLResponse(html)
