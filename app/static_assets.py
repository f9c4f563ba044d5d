"""Light pages on slow phones: content-versioned static URLs cached for a year, and gzip.

gunicorn does not compress, and `make run` serves with no proxy in front (a proxy that
compresses, as docs/deploy.md sets one up, leaves these responses as they are: they
already carry Content-Encoding), so the app gzips text responses itself when the
browser accepts gzip. Static files are compressed once
per process and kept in memory (they are a few kilobytes). ``url_for('static', ...)``
adds ``?v=<content hash>``, so a changed file gets a new URL and the old one may be
cached as immutable.
"""

from __future__ import annotations

import gzip
import hashlib
import os

from flask import Flask, Response, request

COMPRESSIBLE = {
    "text/html",
    "text/css",
    "text/plain",
    "text/csv",
    "text/javascript",
    "application/javascript",
    "application/json",
    "image/svg+xml",
}
MIN_SIZE = 512
YEAR = 365 * 24 * 3600

_versions: dict[tuple[str, float], str] = {}
_compressed: dict[tuple[str, str | None, int | None], bytes] = {}


def init_app(app: Flask) -> None:
    @app.url_defaults
    def _version_static_urls(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = static_version(app, values["filename"])
            if version:
                values["v"] = version

    @app.after_request
    def _cache_and_compress(response: Response) -> Response:
        if request.endpoint == "static" and response.status_code == 200:
            wanted = request.args.get("v")
            if wanted and wanted == static_version(
                app, (request.view_args or {}).get("filename", "")
            ):
                response.cache_control.public = True
                response.cache_control.max_age = YEAR
                response.cache_control.immutable = True
        return compress(response)


def static_version(app: Flask, filename: str) -> str | None:
    """A short hash of a static file's content (None if there is no such file)."""
    path = os.path.join(app.static_folder or "", filename)
    try:
        mtime = os.stat(path).st_mtime
    except OSError:
        return None
    key = (path, mtime)
    if key not in _versions:
        with open(path, "rb") as handle:
            _versions[key] = hashlib.sha256(handle.read()).hexdigest()[:12]
    return _versions[key]


def compress(response: Response) -> Response:
    """Gzip a text response when the client accepts it."""
    if (
        response.status_code != 200
        or response.mimetype not in COMPRESSIBLE
        or "Content-Encoding" in response.headers
        or "gzip" not in request.headers.get("Accept-Encoding", "")
        or (response.is_streamed and not response.direct_passthrough)
        or (response.content_length is not None and response.content_length < MIN_SIZE)
    ):
        return response
    response.vary.add("Accept-Encoding")
    if response.direct_passthrough:
        # A static file: compress once per content (ETag and size identify it).
        key = (request.path, response.headers.get("ETag"), response.content_length)
        body = _compressed.get(key)
        if body is None:
            response.direct_passthrough = False
            body = _compressed[key] = gzip.compress(response.get_data(), 9, mtime=0)
        response.close()
        response.direct_passthrough = False
        # The gzip body is a different representation: revalidate on Last-Modified only.
        response.headers.pop("ETag", None)
    else:
        raw = response.get_data()
        if len(raw) < MIN_SIZE:
            return response
        body = gzip.compress(raw, 6, mtime=0)
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    return response
