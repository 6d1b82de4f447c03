"""Sites, goals, funnels, currency rates.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("domain", sa.String(253), nullable=False, unique=True),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "goals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE")),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("page_pattern", sa.String(2000), nullable=False),
        sa.Column("event_name", sa.String(120), nullable=False),
        sa.Column("props", sa.JSON, nullable=False),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.UniqueConstraint("site_id", "name"),
    )
    op.create_table(
        "funnels",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE")),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("steps", sa.JSON, nullable=False),
        sa.Column("window_seconds", sa.Integer, nullable=False),
        sa.UniqueConstraint("site_id", "name"),
    )
    op.create_table(
        "rates",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.Integer, sa.ForeignKey("sites.id", ondelete="CASCADE")),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("rate", sa.Numeric(18, 8), nullable=False),
        sa.UniqueConstraint("site_id", "currency"),
    )


def downgrade() -> None:
    for table in ("rates", "funnels", "goals", "sites"):
        op.drop_table(table)
