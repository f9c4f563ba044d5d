"""The workspace's small partnership (see tests/admin/conftest.py) for attack tests."""

from tests.admin.conftest import (  # noqa: F401  (fixtures used by this folder's tests)
    make_app,
    password_hash,
    survey_definitions,
    world,
)
