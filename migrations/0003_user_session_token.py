"""user session token

Signed-in sessions carry a per-user token instead of the primary key, so that signing
out (or deactivating the user) invalidates every copy of the session cookie.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 01:06:34.791974

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = ()
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    # Batch mode: SQLite cannot add a unique constraint with ALTER TABLE.
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))
        batch.create_unique_constraint(op.f("uq_user_account_session_token"), ["session_token"])


def downgrade() -> None:
    """Downgrade schema."""
    with op.batch_alter_table("user_account") as batch:
        batch.drop_constraint(op.f("uq_user_account_session_token"), type_="unique")
        batch.drop_column("session_token")
