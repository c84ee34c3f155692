"""Alembic migrations of the assessment store, shipped in the package and run by ``open_store``."""
