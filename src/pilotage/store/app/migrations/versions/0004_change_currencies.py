"""Changes keep the currencies of their old and new price, so that their summary can be
written in the reader's language (``pilotage.watch.summary``); filled in from the
snapshots for the changes found before.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("changes", sa.Column("currency_old", sa.String(3), nullable=True))
    op.add_column("changes", sa.Column("currency_new", sa.String(3), nullable=True))
    op.execute(
        "UPDATE changes SET "
        "currency_old = (SELECT currency FROM snapshots WHERE snapshots.id = changes.previous_id), "
        "currency_new = (SELECT currency FROM snapshots WHERE snapshots.id = changes.snapshot_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("changes") as batch:
        batch.drop_column("currency_new")
        batch.drop_column("currency_old")
