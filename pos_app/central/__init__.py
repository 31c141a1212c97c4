"""Several outlets, one central PostgreSQL (issue 14, docs/central.md).

``connect`` opens a connection (TLS unless loopback, errors without secrets), ``schema`` creates
and upgrades the central schema with its roles and row-level security, ``enroll`` turns a
one-time code into a till's own database role. Errors are in ``errors``.
"""
