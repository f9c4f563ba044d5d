"""Declarative base with a naming convention so migrations name constraints stably."""

from __future__ import annotations

import datetime as dt
import typing as t

import sqlalchemy as sa
from sqlalchemy import orm

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Timezone-aware now, stored as UTC."""
    return dt.datetime.now(dt.UTC)


class Base(orm.DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: sa.DateTime(timezone=True),
        dict[str, t.Any]: sa.JSON,
    }


def table_of(model: type[Base]) -> sa.Table:
    """A model's table, typed as the ``Table`` it is (``__table__`` is typed as any
    ``FromClause``, which core inserts do not take)."""
    table = model.__table__
    if not isinstance(table, sa.Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


def enum_type(enum_cls: type, length: int) -> sa.Enum:
    """Store an enum's values (lowercase codes), not its member names, as plain text."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=length,
        validate_strings=True,
        values_callable=lambda e: [m.value for m in e],
    )
