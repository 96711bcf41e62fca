"""Alembic environment: migrations run on a connection handed in by studio.db.migrate.

Run by hand (``alembic -c alembic.ini revision --autogenerate -m ...``) it connects to the
URL from the studio's settings.
"""

from alembic import context
from sqlmodel import SQLModel

import studio.db.tables  # noqa: F401  (registers every table on the metadata)
from studio.db.types import JSONType, UTCDateTime

target_metadata = SQLModel.metadata


def _render_item(type_, obj, autogen_context):
    # Write our own column types by their import path so the migration file imports cleanly.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        autogen_context.imports.add("import studio.db.types")
        return "studio.db.types.UTCDateTime()"
    if type_ == "type" and obj is JSONType:
        autogen_context.imports.add("import studio.db.types")
        return "studio.db.types.JSONType"
    return False


def _configure(connection):
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table
        compare_type=True,
        render_item=_render_item,
    )


connection = context.config.attributes.get("connection")
if connection is not None:
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()
else:
    from studio.db.engine import Database
    from studio.settings import get_settings

    db = Database(get_settings().sqlalchemy_url)
    with db.engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
