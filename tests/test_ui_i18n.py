"""Every UI string has an English translation, and switching language switches the text."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import pos_app.ui
from pos_app.ui import i18n

UI_DIR = Path(pos_app.ui.__file__).parent


def _tr_literals() -> set[tuple[str, str]]:
    found = set()
    for path in UI_DIR.rglob("*.py"):  # with the packages (pos_app/ui/settings/)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "tr" and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)):
                found.add((str(path.relative_to(UI_DIR)), node.args[0].value))
    return found


def test_every_tr_string_has_english() -> None:
    for mod in pkgutil.iter_modules([str(UI_DIR)]):
        importlib.import_module(f"pos_app.ui.{mod.name}")
    catalogue = i18n.english_catalogue()
    literals = _tr_literals()
    assert len(literals) > 50, "the scan found the UI strings"
    missing = sorted(f"{f}: {text!r}" for f, text in literals if text not in catalogue)
    assert missing == []


@pytest.fixture
def english():
    i18n.set_language("en")
    yield
    i18n.set_language("id")


def test_language_switch(english) -> None:
    import pos_app.ui.main_window  # noqa: F401  (registers its strings)

    assert i18n.tr("Tunai (F4)") == "Cash (F4)"
    i18n.set_language("id")
    assert i18n.tr("Tunai (F4)") == "Tunai (F4)"
    i18n.set_language("xx")
    assert i18n.language() == "id"
