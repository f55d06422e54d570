"""Flask extensions, created unbound and attached in the app factory."""

from __future__ import annotations

from typing import Any

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

#: Named constraints, so that Alembic migrations can refer to them on every database.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()


def upsert(model: type[Base], values: dict[str, Any], unique: tuple[str, ...]) -> Any:
    """An INSERT that updates the row instead when ``unique`` columns already match.

    SQLAlchemy's core has no portable upsert; PostgreSQL and SQLite (the two databases the
    tool supports) both speak ``INSERT … ON CONFLICT DO UPDATE``, through their dialects.
    """
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        raise RuntimeError(f"The tool supports PostgreSQL and SQLite, not {dialect}.")

    statement = insert(model).values(**values)
    changes = {name: statement.excluded[name] for name in values if name not in unique}
    return statement.on_conflict_do_update(index_elements=list(unique), set_=changes)
