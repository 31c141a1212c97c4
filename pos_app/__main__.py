"""``python -m pos_app`` is the same as ``pos-app``."""

from pos_app.cli import main

raise SystemExit(main())
