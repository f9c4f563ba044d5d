"""answers carry their response's facts (survey, wave, audience, partner)

Reports filter and group answers by survey, wave, audience and partner. Copying those
immutable facts from the response onto each answer lets every report aggregate read
one covering index of the answer table instead of joining each answer to its response.

- answer gains survey_id, wave_id, audience (NOT NULL) and partner_id, backfilled from
  the response in SQL;
- the answer's foreign key to its response now includes survey, wave and audience, so
  they cannot disagree (response gets the unique index it refers to: an index, not a
  constraint, so SQLite needs no rebuild of the response table, whose rebuild would
  cascade-delete the answers). The partner stays out of it: a NULL in a composite
  foreign key switches the whole check off;
- ix_answer_report (survey_id, wave_id, item_id, choice, audience, partner_id) serves
  every aggregate and replaces ix_answer_item_choice, which no query uses any more;
- a partial index finds soft-deleted responses, whose answers reports subtract;
- ix_response_report also covers link, version and deletion, so response counts per
  group read the index alone.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 02:30:00.000000

"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AUDIENCE = sa.Enum(
    "student", "family", "staff", "partner", name="audience", native_enum=False, length=20
)
FACTS = ("survey_id", "wave_id", "audience", "partner_id")
DELETED = sa.text("deleted_at IS NOT NULL")
REPORT_COLUMNS = ["survey_id", "wave_id", "audience", "partner_id"]
COVERING = ["link_id", "survey_version_id", "deleted_at"]


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column("answer", sa.Column("survey_id", sa.Integer(), nullable=True))
    op.add_column("answer", sa.Column("wave_id", sa.Integer(), nullable=True))
    op.add_column("answer", sa.Column("audience", AUDIENCE, nullable=True))
    op.add_column("answer", sa.Column("partner_id", sa.Integer(), nullable=True))
    # UPDATE ... FROM: PostgreSQL and SQLite >= 3.33 (the app needs 3.35 for RETURNING).
    assignments = ", ".join(f"{c} = response.{c}" for c in FACTS)
    op.execute(
        f"UPDATE answer SET {assignments} FROM response WHERE response.id = answer.response_id"
    )

    # Response counts per group, link and version read from the index alone.
    op.drop_index("ix_response_report", table_name="response")
    op.create_index("ix_response_report", "response", REPORT_COLUMNS + COVERING)
    op.create_index(
        "uq_response_facts", "response", ["id", "survey_id", "wave_id", "audience"], unique=True
    )
    op.create_index(
        "ix_response_deleted",
        "response",
        ["deleted_at"],
        sqlite_where=DELETED,
        postgresql_where=DELETED,
    )

    # SQLite rebuilds the answer table here (nothing refers to it, so that is safe).
    with op.batch_alter_table("answer") as batch:
        batch.alter_column("survey_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("wave_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("audience", existing_type=AUDIENCE, nullable=False)
        batch.drop_constraint("fk_answer_response_id_response", type_="foreignkey")
        batch.create_foreign_key(
            "fk_answer_response_facts",
            "response",
            ["response_id", "survey_id", "wave_id", "audience"],
            ["id", "survey_id", "wave_id", "audience"],
            ondelete="CASCADE",
        )
        batch.drop_index("ix_answer_item_choice")
    op.create_index(
        "ix_answer_report",
        "answer",
        ["survey_id", "wave_id", "item_id", "choice", "audience", "partner_id"],
    )


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index("ix_answer_report", table_name="answer")
    with op.batch_alter_table("answer") as batch:
        batch.drop_constraint("fk_answer_response_facts", type_="foreignkey")
        batch.create_foreign_key(
            "fk_answer_response_id_response",
            "response",
            ["response_id"],
            ["id"],
            ondelete="CASCADE",
        )
        for column in reversed(FACTS):
            batch.drop_column(column)
        batch.create_index("ix_answer_item_choice", ["item_id", "choice", "response_id"])
    op.drop_index(
        "ix_response_deleted",
        table_name="response",
        sqlite_where=DELETED,
        postgresql_where=DELETED,
    )
    op.drop_index("uq_response_facts", table_name="response")
    op.drop_index("ix_response_report", table_name="response")
    op.create_index("ix_response_report", "response", REPORT_COLUMNS)
