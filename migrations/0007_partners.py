"""partner directory: contact, services, agreement, notes, active; surveys managed in
the workspace

A partner's contact person, the services it offers, its agreement with the school
(kind, signed and renewal dates), notes, and whether it is active (inactive partners
keep their history and take no new links). A survey published in the workspace is
marked so that syncing the files leaves it alone.

Revision ID: 0007_partners
Revises: 0004
Create Date: 2026-12-01 14:40:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007_partners"
down_revision: str | Sequence[str] | None = "0006_accounts"
branch_labels: str | Sequence[str] | None = ()
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("contact_name", sa.String(length=200), "''"),
    ("contact_email", sa.String(length=254), "''"),
    ("contact_phone", sa.String(length=40), "''"),
    ("services", sa.Text(), "''"),
    ("notes", sa.Text(), "''"),
)


def upgrade() -> None:
    """Upgrade schema."""
    # Plain ADD COLUMN (no batch rebuild): the partner table is referenced by links,
    # responses and users, and SQLite cannot rebuild it under them.
    for name, type_, default in COLUMNS:
        op.add_column(
            "partner", sa.Column(name, type_, server_default=sa.text(default), nullable=False)
        )
    op.add_column(
        "partner",
        sa.Column(
            "agreement_kind",
            sa.Enum(
                "mou",
                "data_sharing",
                "contract",
                "none",
                name="agreementkind",
                native_enum=False,
                length=20,
            ),
            server_default="none",
            nullable=False,
        ),
    )
    op.add_column("partner", sa.Column("agreement_signed_on", sa.Date(), nullable=True))
    op.add_column("partner", sa.Column("agreement_renews_on", sa.Date(), nullable=True))
    op.add_column(
        "partner", sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
    )
    op.add_column(
        "survey",
        sa.Column("managed_in_workspace", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_column("survey", "managed_in_workspace")
    for name in ("active", "agreement_renews_on", "agreement_signed_on", "agreement_kind"):
        op.drop_column("partner", name)
    for name, _type, _default in reversed(COLUMNS):
        op.drop_column("partner", name)
