"""SQL written once for both databases, where their dialects spell it differently."""

from __future__ import annotations

from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import ReturnTypeFromArgs


class greatest(ReturnTypeFromArgs):  # noqa: N801 - used like the SQL function it compiles to
    """The largest of its arguments, e.g. ``greatest(Table.count - 1, 0)`` so a counter never goes
    below zero: GREATEST in PostgreSQL, the many-argument MAX in SQLite (which has no GREATEST)."""

    name = "greatest"
    inherit_cache = True
    _register = False  # leaves sa.func.greatest as it is


@compiles(greatest, "sqlite")
def _greatest_in_sqlite(element: greatest, compiler, **kw) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"
