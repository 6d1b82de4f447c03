"""App state for competitive watch: monitors, their snapshots and the changes found,
and the competitor benchmark (competitors x weighted criteria, scores with evidence).

The rules live in :mod:`pilotage.watch`; page content kept here came from other
people's servers and is escaped wherever it is shown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from pilotage.store.app.models import Base, Site, _now


class Monitor(Base):
    __tablename__ = "monitors"
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2048))
    kind: Mapped[str] = mapped_column(String(12))  # text, price, availability, feed
    css: Mapped[str | None] = mapped_column(String(500), nullable=True)
    xpath: Mapped[str | None] = mapped_column(String(500), nullable=True)
    jsonpath: Mapped[str | None] = mapped_column(String(500), nullable=True)
    every_seconds: Mapped[int] = mapped_column(default=6 * 3600)
    competitor: Mapped[str] = mapped_column(String(200), default="")
    # {"include": [...], "exclude": [...]} for feeds; {"drop_pct", "rise_pct", "below",
    # "above", "min_significance"} as thresholds; {"emails", "webhook", "apprise"} to notify.
    keywords: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    thresholds: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notify: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=_now)
    last_checked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    next_check_at: Mapped[datetime] = mapped_column(default=_now)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    site: Mapped[Site] = relationship()


class Snapshot(Base):
    __tablename__ = "snapshots"
    __table_args__ = (Index("snapshots_monitor_time", "monitor_id", "taken_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    taken_at: Mapped[datetime] = mapped_column(default=_now)
    status: Mapped[int] = mapped_column(default=0)
    fingerprint: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[str | None] = mapped_column(String(40), nullable=True)  # Decimal as text
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    availability: Mapped[str | None] = mapped_column(String(20), nullable=True)
    items: Mapped[list[Any]] = mapped_column(JSON, default=list)  # feed entries seen


class Change(Base):
    __tablename__ = "changes"
    __table_args__ = (Index("changes_monitor_time", "monitor_id", "detected_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    monitor_id: Mapped[int] = mapped_column(ForeignKey("monitors.id", ondelete="CASCADE"))
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("snapshots.id", ondelete="CASCADE"))
    previous_id: Mapped[int | None] = mapped_column(
        ForeignKey("snapshots.id", ondelete="SET NULL"), nullable=True
    )
    detected_at: Mapped[datetime] = mapped_column(default=_now)
    summary: Mapped[str] = mapped_column(Text)
    added: Mapped[list[str]] = mapped_column(JSON, default=list)
    removed: Mapped[list[str]] = mapped_column(JSON, default=list)
    words_added: Mapped[int] = mapped_column(default=0)
    words_removed: Mapped[int] = mapped_column(default=0)
    price_old: Mapped[str | None] = mapped_column(String(40), nullable=True)
    price_new: Mapped[str | None] = mapped_column(String(40), nullable=True)
    currency_old: Mapped[str | None] = mapped_column(String(3), nullable=True)
    currency_new: Mapped[str | None] = mapped_column(String(3), nullable=True)
    availability_old: Mapped[str | None] = mapped_column(String(20), nullable=True)
    availability_new: Mapped[str | None] = mapped_column(String(20), nullable=True)
    significance: Mapped[float] = mapped_column(default=0.0)
    alerted: Mapped[bool] = mapped_column(default=False)  # passed the thresholds
    notify_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    monitor: Mapped[Monitor] = relationship()


class Competitor(Base):
    __tablename__ = "competitors"
    __table_args__ = (UniqueConstraint("site_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2048), default="")
    is_self: Mapped[bool] = mapped_column(default=False)  # our own product, for comparison


class Criterion(Base):
    __tablename__ = "benchmark_criteria"
    __table_args__ = (UniqueConstraint("site_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[float] = mapped_column(default=1.0)
    axis: Mapped[str | None] = mapped_column(String(1), nullable=True)  # "x"/"y" of the map


class Score(Base):
    __tablename__ = "benchmark_scores"
    __table_args__ = (UniqueConstraint("competitor_id", "criterion_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    competitor_id: Mapped[int] = mapped_column(ForeignKey("competitors.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(
        ForeignKey("benchmark_criteria.id", ondelete="CASCADE")
    )
    score: Mapped[float] = mapped_column()  # 0..5
    note: Mapped[str] = mapped_column(Text, default="")
    snapshot_id: Mapped[int | None] = mapped_column(
        ForeignKey("snapshots.id", ondelete="SET NULL"), nullable=True
    )
