"""The store's schema migrations; kept here for older imports.

They live in :mod:`annotator.store.migrations`, beside the PostgreSQL ones.
"""

from __future__ import annotations

from .store.migrations import APPLICATION_ID, MIGRATIONS, POSTGRES_MIGRATIONS, SCHEMA_VERSION

__all__ = ["APPLICATION_ID", "MIGRATIONS", "POSTGRES_MIGRATIONS", "SCHEMA_VERSION"]
