"""The Settings dialog ("Pengaturan"), one module per concern.

* :mod:`.dialog` - :class:`SettingsDialog`: the tabs, *Simpan* / *Batal*, the error summary
  and the layout workarounds; its ``PAGES`` lists the pages.
* :mod:`.form` - what every page shares: a field per key, the :class:`~.form.Page` base with
  ``load`` / ``validate`` / ``save``.
* :mod:`.store`, :mod:`.tax`, :mod:`.payment`, :mod:`.display`, :mod:`.devices` - the pages.
* :mod:`.provider_panel` - a payment provider's box, built from its description
  (``sync.providers.PROVIDERS``); :mod:`.qris_preview` - the static QRIS preview.

The rules that are not about one key alone (what the chosen provider still needs, a valid
static QRIS, when the unique code applies) are Qt-free, in :mod:`pos_app.settings_rules`.
"""

from pos_app.ui.settings.dialog import SettingsDialog

__all__ = ["SettingsDialog"]
