"""The OpenAPI document (``/openapi.json``) as the API really answers (SPEC §5).

FastAPI describes each route's success; this fills in the rest, the same way for every route:

- every error under ``/api/`` is ``application/problem+json`` (RFC 9457, the ``Problem``
  schema), never FastAPI's own ``HTTPValidationError``; elsewhere (Memento, oEmbed) errors are
  plain text;
- a JSON body may be refused as not JSON (400) or too large (413); every route that reads
  the database may answer 503 (the database cannot be reached; ``Retry-After``);
- writes need ``Authorization: Bearer KEY`` (the ``bearer`` security scheme, 401 with
  ``WWW-Authenticate``), and a key over its write budget gets 429 with ``Retry-After``.

The contract test (``tests/test_fuzz.py``) checks real answers against this document.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import FastAPI

from archiver import urls
from archiver.api.schemas.common import Problem

PROBLEM_JSON: Final = "application/problem+json"
_PROBLEM_REF: Final = {"$ref": "#/components/schemas/Problem"}
_FASTAPI_ONLY: Final = ("HTTPValidationError", "ValidationError")
_WRITES: Final = frozenset({"post", "put", "patch", "delete"})
_RETRY_AFTER: Final = {
    "Retry-After": {
        "description": "seconds to wait before trying again",
        "schema": {"type": "integer"},
    }
}
#: Errors any route of a kind may answer, whatever the route says: status → description.
_BODY_ERRORS: Final = {"400": "the body is not JSON", "413": "the body is over its size limit"}
_ANY_ERRORS: Final = {"503": "the database cannot be reached now; nothing was stored"}
_WRITE_ERRORS: Final = {"429": "the API key's write budget is spent for now"}
#: Routes that answer without the database: /healthz reports it (its 503 is the report
#: itself), /metrics leaves the database's figures out.
_NO_UNAVAILABLE: Final = frozenset({"/healthz", "/metrics"})


def _error_response(path: str, description: str) -> dict[str, Any]:
    if path.startswith(urls.API + "/"):
        return {"description": description, "content": {PROBLEM_JSON: {"schema": _PROBLEM_REF}}}
    return {"description": description, "content": {"text/plain": {"schema": {"type": "string"}}}}


def _complete(path: str, method: str, operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    in_api = path.startswith(urls.API + "/")
    extra: dict[str, str] = {}
    if path not in _NO_UNAVAILABLE:
        extra |= _ANY_ERRORS
    if "requestBody" in operation:
        extra |= _BODY_ERRORS
    authenticated = "401" in responses
    if authenticated and method in _WRITES:
        extra |= _WRITE_ERRORS
    for code, description in extra.items():
        responses.setdefault(code, {"description": description})
    for status, response in responses.items():
        if not status.isdigit() or int(status) < 400:
            continue
        if path == "/healthz":  # its 503 is the health report itself
            continue
        content = response.get("content", {})
        if in_api or "application/json" in content or not content:
            described = _error_response(path, response.get("description") or "an error")
            response["content"] = described["content"]
        if status in {"429", "503"}:
            response["headers"] = _RETRY_AFTER
    if authenticated:
        operation["security"] = [{"bearer": []}]
        responses["401"]["headers"] = {
            "WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}
        }


def complete(document: dict[str, Any]) -> dict[str, Any]:
    """Fill in ``document`` (FastAPI's) in place, as the module docstring says; idempotent."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    if "Problem" in schemas:
        return document
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            _complete(path, method, operation)
    for name in _FASTAPI_ONLY:
        schemas.pop(name, None)
    schemas["Problem"] = Problem.model_json_schema()
    components["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "an API key made with `archiver keys create`",
        }
    }
    return document


def install(app: FastAPI) -> None:
    """Serve the completed document at ``/openapi.json`` (FastAPI still builds and caches it)."""

    def openapi() -> dict[str, Any]:
        return complete(FastAPI.openapi(app))

    app.openapi = openapi  # type: ignore[method-assign]
