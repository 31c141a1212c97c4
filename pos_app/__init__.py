"""pos-app: an offline-first QRIS cashier for Indonesian shops."""

__version__ = "0.1.0"
