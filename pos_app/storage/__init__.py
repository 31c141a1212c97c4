"""SQLite storage: one file, WAL, versioned migrations, and the repositories over it."""

from pos_app.storage.database import (
    Database,
    DatabaseDamaged,
    EmptyDatabase,
    MigrationError,
    StorageError,
    open_database,
)

__all__ = ["Database", "DatabaseDamaged", "EmptyDatabase", "MigrationError", "StorageError",
           "open_database"]
