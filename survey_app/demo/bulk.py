"""Writing many rows at once, below the ORM: PostgreSQL's COPY, SQLite's executemany on the
driver's own cursor.  A million demo responses are twenty million answer rows; through
SQLAlchemy's executemany, compiling parameters cost as much as the inserts themselves.

Values go through each column's own bind processing (the UTC datetimes, the JSON column), so a
row written here reads back exactly as one written through the models.  No Flask."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table


class BulkWriter:
    """Rows for a few tables, in the caller's transaction."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self._processors: dict[tuple[str, tuple[str, ...]], list[Any]] = {}

    def _prepare(self, table: Table, columns: Sequence[str]) -> list[Any]:
        key = (table.name, tuple(columns))
        found = self._processors.get(key)
        if found is None:
            found = [table.c[name].type._cached_bind_processor(self.dialect) for name in columns]
            self._processors[key] = found
        return found

    def write(self, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """Insert ``rows`` (tuples in the order of ``columns``); returns how many."""
        processors = self._prepare(table, columns)
        ready = [tuple(p(v) if p is not None and v is not None else v for p, v in zip(processors, row, strict=True))
                 for row in rows]
        if not ready:
            return 0
        raw = self.connection.connection.driver_connection
        names = ", ".join(columns)
        if self.dialect.name == "postgresql":
            with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:  # type: ignore[union-attr]
                for row in ready:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in columns)
            cursor = raw.cursor()  # type: ignore[union-attr]
            try:
                cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", ready)
            finally:
                cursor.close()
        return len(ready)
