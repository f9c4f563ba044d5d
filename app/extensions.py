"""Extension singletons, bound to an application in the factory with ``init_app``."""

from __future__ import annotations

from flask_alembic import Alembic
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy_lite import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from app.models import Base

db = SQLAlchemy()
alembic = Alembic(metadatas=Base.metadata)
csrf = CSRFProtect()
# Interface translations (app/translations); the locale comes from app.i18n.select_locale.
babel = Babel()
# Sign-in sessions for the coordinator workspace; configured in app.auth.init_app.
login_manager = LoginManager()
