"""Archiver's exception tree.

Expected outcomes (a post is gone, the platform rate-limited us) are values, not exceptions;
exceptions are for bad input, misconfiguration and bugs::

    ArchiverError
     ├── ConfigError                 misconfiguration: the CLI prints it as one sentence
     │    └── ChromiumNotFound       no usable Chromium and none could be installed
     ├── EgressError                 an outbound request did not complete; adapters turn it
     │    │                          into a Failed observation (never into "gone")
     │    ├── EgressRefused          scheme, host or address not allowed (private, loopback…)
     │    ├── EgressTimeout          the total deadline passed (connect, send, slow drip…)
     │    ├── EgressTooLarge         the body went over its size cap
     │    ├── EgressRateLimited      we are backing off this host until ``retry_after``
     │    └── EgressNetworkError     DNS, connection, TLS or protocol failure; too many redirects
     └── ApiError                    carries status_code; rendered as problem+json under /api/
          ├── BadRequest             400  malformed request (e.g. body is not JSON)
          ├── Unauthorized           401  missing, wrong or revoked API key
          ├── Forbidden              403  the key's role may not do this
          ├── NotFound               404  no such resource
          ├── PayloadTooLarge        413  request body over the limit
          ├── TooManyRequests        429  the API key's write budget is spent (``Retry-After``)
          ├── UnprocessableContent   422  well-formed but unacceptable input
          │    └── UnsupportedUrl    422  a URL no adapter takes (not a post, nor a public page)
          ├── UpstreamUnavailable    502  an article page could not be fetched
          └── ServiceUnavailable     503  the database cannot be reached (or is locked) now

Pure: no I/O.
"""

from __future__ import annotations

from datetime import datetime


class ArchiverError(Exception):
    """Base of every error Archiver raises on purpose."""


class ConfigError(ArchiverError):
    """The configuration or the machine cannot run Archiver as asked."""


class ChromiumNotFound(ConfigError):
    """No Chromium executable is available and none could be installed."""


class EgressError(ArchiverError):
    """An outbound request did not complete."""


class EgressRefused(EgressError):
    """The outbound gate refused the URL: scheme, host or resolved address not allowed."""


class EgressTimeout(EgressError):
    """The request's total deadline passed."""


class EgressTooLarge(EgressError):
    """The response body went over its size cap."""


class EgressRateLimited(EgressError):
    """The host told us to back off and its time has not come yet."""

    def __init__(self, message: str, retry_after: datetime) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class EgressNetworkError(EgressError):
    """DNS, connection, TLS or HTTP protocol failure, or too many redirects."""


class ApiError(ArchiverError):
    """An error an HTTP client caused; rendered as RFC 9457 problem details."""

    status_code: int = 400
    title: str = "Bad request"
    type_slug: str = "bad-request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    @property
    def headers(self) -> dict[str, str]:
        """Response headers the error calls for (``WWW-Authenticate``, ``Retry-After``)."""
        return {}


class BadRequest(ApiError):
    """The request is malformed."""


class Unauthorized(ApiError):
    """The request needs a valid API key."""

    status_code = 401
    title = "Unauthorized"
    type_slug = "unauthorized"

    @property
    def headers(self) -> dict[str, str]:
        """The scheme to authenticate with."""
        return {"WWW-Authenticate": "Bearer"}


class Forbidden(ApiError):
    """The API key's role does not allow this."""

    status_code = 403
    title = "Forbidden"
    type_slug = "forbidden"


class NotFound(ApiError):
    """No such resource."""

    status_code = 404
    title = "Not found"
    type_slug = "not-found"


class PayloadTooLarge(ApiError):
    """The request body is over the limit."""

    status_code = 413
    title = "Payload too large"
    type_slug = "payload-too-large"


class TooManyRequests(ApiError):
    """The API key has used up its write budget; it may write again in ``retry_after`` seconds."""

    status_code = 429
    title = "Too many requests"
    type_slug = "too-many-requests"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        """When to try again, in whole seconds."""
        return {"Retry-After": str(self.retry_after)}


class UnprocessableContent(ApiError):
    """The input is well-formed but unacceptable."""

    status_code = 422
    title = "Unprocessable content"
    type_slug = "unprocessable-content"


class UnsupportedUrl(UnprocessableContent):
    """A URL that names no post of a platform Archiver reads and no public web page: a local
    or private address, a scheme other than http or https, or a URL that is not well-formed.
    The detail says which."""

    title = "Unsupported URL"
    type_slug = "unsupported-url"


class UpstreamUnavailable(ApiError):
    """Something Archiver had to fetch for the request (an article page) could not be had."""

    status_code = 502
    title = "Upstream unavailable"
    type_slug = "upstream-unavailable"


class ServiceUnavailable(ApiError):
    """Archiver cannot serve the request right now (its database cannot be reached, or stays
    locked): nothing was stored; try again after ``Retry-After`` seconds."""

    status_code = 503
    title = "Service unavailable"
    type_slug = "service-unavailable"

    def __init__(self, detail: str, retry_after: int = 5) -> None:
        super().__init__(detail)
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str]:
        """When to try again, in whole seconds."""
        return {"Retry-After": str(self.retry_after)}
