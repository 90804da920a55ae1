"""The JSON shapes of the API (SPEC §5), one module per subject. Timestamps are RFC 3339 in UTC
with a ``Z`` (``common.Timestamp``)."""
