"""What kind of failure an exception is, as ``failed_pages`` records it.

The failed-pages extension (:mod:`civicnews.extensions.failures`) and the files pipeline
(attachments that could not be fetched) both name a failure by its ``kind``: ``http`` (with
the status), ``timeout``, ``truncated``, ``too-large``, ``cancelled``, ``dns``,
``connection``, ``too-many-redirects``, ``robots``, ``ignored`` or ``error``; the extension
adds ``offsite-redirect``, ``redirect-loop`` and ``parse-error``.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.response import response_status_message
from twisted.internet import error as twisted_error

_CONNECTION_ERRORS = (
    DownloadConnectionRefusedError,
    DownloadFailedError,  # also a connection closed before any answer
    twisted_error.ConnectionLost,
    twisted_error.ConnectionDone,
    twisted_error.ConnectError,
)
_TIMEOUTS = (DownloadTimeoutError, twisted_error.TimeoutError, TimeoutError)

#: Kinds that say nothing about the portal being up: a policy, or a page that was answered.
NOT_REQUEST_FAILURES = ("robots", "parse-error")


def classify(exc: BaseException) -> tuple[str, int | None, str]:
    """``(kind, status, error)`` for the exception a request finally failed with."""
    if isinstance(exc, HttpError):
        status = exc.response.status
        return "http", status, response_status_message(status)
    error = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
    if isinstance(exc, _TIMEOUTS):
        return "timeout", None, error
    if isinstance(exc, ResponseDataLossError):
        return "truncated", None, error
    if isinstance(exc, DownloadCancelledError):
        too_large = "max size" in str(exc) or "maxsize" in str(exc)
        return ("too-large" if too_large else "cancelled"), None, error
    if isinstance(exc, MemoryError):
        return "too-large", None, error
    if isinstance(exc, CannotResolveHostError | twisted_error.DNSLookupError):
        return "dns", None, error
    if isinstance(exc, _CONNECTION_ERRORS):
        return "connection", None, error
    if isinstance(exc, IgnoreRequest):
        message = str(exc)
        if "max redirections" in message:
            return "too-many-redirects", None, error
        if "robots.txt" in message:
            return "robots", None, error
        if "DOWNLOAD_MAXSIZE" in message:  # a compressed body over the limit once inflated
            return "too-large", None, error
        return "ignored", None, error
    return "error", None, error


def attempts(request: Request) -> int:
    """Requests made for a page: the first, its retries, and its redirects."""
    meta = request.meta
    return 1 + int(meta.get("retry_times", 0)) + len(meta.get("redirect_urls", ()))
