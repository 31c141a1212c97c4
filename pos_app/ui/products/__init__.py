"""The owner's products screen ("Produk"), one module per concern.

* :mod:`.screen` - :class:`ProductsDialog`: the list (search, category filter, archived),
  archive / restore, import and export, the demo-products question; the main window opens it
  and refreshes the till from its ``catalogChanged``.
* :mod:`.model` - the list's table model (a model, so 20,000 products cost nothing to show).
* :mod:`.editor` - the add / edit form, with each refused field's message under the field.
* :mod:`.categories` - add, rename and order the categories (the till's tabs follow).
* :mod:`.import_preview` - what an import will add, change and refuse, before it is written.
* :mod:`.questions` - Ya/Tidak questions that don't block the event loop.

The catalogue itself (the rules, storage, file formats) is Qt-free: :mod:`pos_app.products`,
:mod:`pos_app.storage.catalog`, :mod:`pos_app.product_io`.
"""

from pos_app.ui.products.screen import ProductsDialog

__all__ = ["ProductsDialog"]
