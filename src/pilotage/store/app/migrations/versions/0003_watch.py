"""Competitive watch: monitors, snapshots, changes; the competitor benchmark.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _fk(name: str, target: str, nullable: bool = False, ondelete: str = "CASCADE") -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.Integer, sa.ForeignKey(target, ondelete=ondelete), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "monitors",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("site_id", "sites.id"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("css", sa.String(500), nullable=True),
        sa.Column("xpath", sa.String(500), nullable=True),
        sa.Column("jsonpath", sa.String(500), nullable=True),
        sa.Column("every_seconds", sa.Integer, nullable=False),
        sa.Column("competitor", sa.String(200), nullable=False),
        sa.Column("keywords", sa.JSON, nullable=False),
        sa.Column("thresholds", sa.JSON, nullable=False),
        sa.Column("notify", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("last_checked_at", sa.DateTime, nullable=True),
        sa.Column("next_check_at", sa.DateTime, nullable=False),
        sa.Column("last_error", sa.Text, nullable=True),
    )
    op.create_table(
        "snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("monitor_id", "monitors.id"),
        sa.Column("taken_at", sa.DateTime, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("price", sa.String(40), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("availability", sa.String(20), nullable=True),
        sa.Column("items", sa.JSON, nullable=False),
    )
    op.create_index("snapshots_monitor_time", "snapshots", ["monitor_id", "taken_at"])
    op.create_table(
        "changes",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("monitor_id", "monitors.id"),
        _fk("snapshot_id", "snapshots.id"),
        _fk("previous_id", "snapshots.id", nullable=True, ondelete="SET NULL"),
        sa.Column("detected_at", sa.DateTime, nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("added", sa.JSON, nullable=False),
        sa.Column("removed", sa.JSON, nullable=False),
        sa.Column("words_added", sa.Integer, nullable=False),
        sa.Column("words_removed", sa.Integer, nullable=False),
        sa.Column("price_old", sa.String(40), nullable=True),
        sa.Column("price_new", sa.String(40), nullable=True),
        sa.Column("availability_old", sa.String(20), nullable=True),
        sa.Column("availability_new", sa.String(20), nullable=True),
        sa.Column("significance", sa.Float, nullable=False),
        sa.Column("alerted", sa.Boolean, nullable=False),
        sa.Column("notify_error", sa.Text, nullable=True),
    )
    op.create_index("changes_monitor_time", "changes", ["monitor_id", "detected_at"])
    op.create_table(
        "competitors",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("site_id", "sites.id"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("is_self", sa.Boolean, nullable=False),
        sa.UniqueConstraint("site_id", "name"),
    )
    op.create_table(
        "benchmark_criteria",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("site_id", "sites.id"),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("weight", sa.Float, nullable=False),
        sa.Column("axis", sa.String(1), nullable=True),
        sa.UniqueConstraint("site_id", "name"),
    )
    op.create_table(
        "benchmark_scores",
        sa.Column("id", sa.Integer, primary_key=True),
        _fk("competitor_id", "competitors.id"),
        _fk("criterion_id", "benchmark_criteria.id"),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        _fk("snapshot_id", "snapshots.id", nullable=True, ondelete="SET NULL"),
        sa.UniqueConstraint("competitor_id", "criterion_id"),
    )


def downgrade() -> None:
    for table in (
        "benchmark_scores",
        "benchmark_criteria",
        "competitors",
        "changes",
        "snapshots",
        "monitors",
    ):
        op.drop_table(table)
