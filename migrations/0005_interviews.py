"""theme coding of interview notes

Coded notes (an interview answer read by a coordinator, with the quote chosen for the
packet) and the codebook themes each is tagged with.

Revision ID: 0005_interviews
Revises: 0004
Create Date: 2026-12-01 15:10:00

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0005_interviews"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = ()
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "coded_note",
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("quote", sa.String(length=300), nullable=True),
        sa.Column("coded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("coded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["answer.id"],
            name=op.f("fk_coded_note_answer_id_answer"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["coded_by_id"],
            ["user_account.id"],
            name=op.f("fk_coded_note_coded_by_id_user_account"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["wave_id"], ["wave.id"], name=op.f("fk_coded_note_wave_id_wave"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("answer_id", name=op.f("pk_coded_note")),
    )
    op.create_index(op.f("ix_coded_note_wave_id"), "coded_note", ["wave_id"], unique=False)
    op.create_table(
        "theme_tag",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["coded_note.answer_id"],
            name=op.f("fk_theme_tag_answer_id_coded_note"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_theme_tag")),
        sa.UniqueConstraint("answer_id", "theme", name=op.f("uq_theme_tag_answer_id_theme")),
    )
    op.create_index(op.f("ix_theme_tag_answer_id"), "theme_tag", ["answer_id"], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_theme_tag_answer_id"), table_name="theme_tag")
    op.drop_table("theme_tag")
    op.drop_index(op.f("ix_coded_note_wave_id"), table_name="coded_note")
    op.drop_table("coded_note")
