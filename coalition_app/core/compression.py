"""Responses compressed (brotli, zstd or gzip, as the browser accepts) by Flask-Compress.

What is compressed: text the app makes or serves (HTML, JSON, CSS, JavaScript, SVG, CSV,
iCalendar), at least ``COMPRESS_MIN_SIZE`` bytes. What is not: downloads (any answer with a
``Content-Disposition: attachment``: a person's files are sent as they were stored, and an
export is a file to keep), formats that are compressed already (PDF, images, archives: not in
``COMPRESS_MIMETYPES``), 304s and errors with no body worth it.

ETags: Flask-Compress suffixes a strong ETag with the encoding (``"abc:br"``) and answers the
conditional request after compressing, so a 304 still works for a compressed answer; the
public site's ETags are weak (same meaning in every encoding), which it leaves as they are.
BREACH (pages carry CSRF tokens): see SECURITY.md.
"""

from __future__ import annotations

from flask import Flask, Response, request
from flask_compress import Compress

COMPRESSED_TYPES = [
    "text/html",
    "text/css",
    "text/plain",
    "text/csv",
    "text/calendar",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/problem+json",
    "application/xml",
    "image/svg+xml",
]


def init_app(app: Flask) -> None:
    """Register the compression hook; call it before any other ``after_request`` so that it
    runs last and compresses the final body, headers and all."""
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    # brotli first (every current browser), then zstd and gzip; quality 4 and level 6 cost
    # about a millisecond on a 60 KiB page.
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "zstd", "gzip"])
    # Streamed answers are left alone: compressing them chunk by chunk (Flask-Compress 1.25)
    # drops the file's close, leaving a static file open until garbage collection.
    app.config.setdefault("COMPRESS_STREAMS", False)
    app.config["COMPRESS_REGISTER"] = False
    # A page served from the page cache is compressed once per encoding, not on every view.
    from . import page_cache

    app.config.setdefault("COMPRESS_CACHE_BACKEND", page_cache.CompressedCopies)
    app.config.setdefault("COMPRESS_CACHE_KEY", page_cache.served_page_key)
    compress = Compress()
    compress.init_app(app)

    @app.after_request
    def _compress(response: Response) -> Response:
        if "attachment" in response.headers.get("Content-Disposition", ""):
            return response
        if (
            request.endpoint == "static"
            and response.status_code == 200
            and response.mimetype in compress.compress_mimetypes_set
        ):
            # A static file comes as an open file: read it whole (it is closed with the
            # answer) so that it is compressed like any page. The proxy should serve them.
            response.direct_passthrough = False
            response.make_sequence()
        return compress.after_request(response)
