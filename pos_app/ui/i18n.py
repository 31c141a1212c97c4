"""UI language: Indonesian first, English switchable.

The UI is written in Indonesian; ``tr("Bayar Tunai")`` returns the text in the current language.
Each UI module registers its own English catalogue next to the strings it uses
(``register({"Bayar Tunai": "Pay cash"})``), so a module and its translations change together.
``tests/test_ui_i18n.py`` checks that every ``tr("...")`` literal in ``pos_app/ui`` has an
English entry. Placeholders use ``str.format`` names: ``tr("Kembali {amount}", amount=...)``.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("id", "en")
_catalogue: dict[str, str] = {}
_language = "id"


def register(english: Mapping[str, str]) -> None:
    _catalogue.update(english)


def set_language(lang: str) -> None:
    global _language
    _language = lang if lang in LANGUAGES else "id"


def language() -> str:
    return _language


def tr(text: str, /, **values: object) -> str:
    out = _catalogue.get(text, text) if _language == "en" else text
    return out.format(**values) if values else out


def english_catalogue() -> Mapping[str, str]:
    return dict(_catalogue)
