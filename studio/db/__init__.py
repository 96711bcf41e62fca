"""The data layer: tables, the engine and sessions, migrations and seeding."""
