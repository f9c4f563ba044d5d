"""Extension singletons, bound to an application in the factory with ``init_app``."""

from __future__ import annotations

from flask_alembic import Alembic
from flask_sqlalchemy_lite import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from app.models import Base

db = SQLAlchemy()
alembic = Alembic(metadatas=Base.metadata)
csrf = CSRFProtect()
