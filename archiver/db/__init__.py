"""The database adapter: models, engine and sessions, migrations, and every query (repository)."""
