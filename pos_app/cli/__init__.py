"""The ``pos-app`` command line (SPEC.md section 3 — a stable contract)."""

from pos_app.cli.main import main

__all__ = ["main"]
