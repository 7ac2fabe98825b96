"""Storage: column types, tables, engine and migrations."""
