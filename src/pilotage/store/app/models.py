"""App state: sites, goals, funnels and currency rates (SQLAlchemy models)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Site(Base):
    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Paris")
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    created_at: Mapped[datetime] = mapped_column(default=_now)
    public: Mapped[bool] = mapped_column(default=False)
    goals: Mapped[list[Goal]] = relationship(
        back_populates="site", cascade="all, delete-orphan", order_by="Goal.id"
    )
    funnels: Mapped[list[Funnel]] = relationship(
        back_populates="site", cascade="all, delete-orphan", order_by="Funnel.id"
    )
    rates: Mapped[list[Rate]] = relationship(
        back_populates="site", cascade="all, delete-orphan", order_by="Rate.id"
    )


class Goal(Base):
    __tablename__ = "goals"
    __table_args__ = (UniqueConstraint("site_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))  # "page" or "event"
    page_pattern: Mapped[str] = mapped_column(String(2000), default="")
    event_name: Mapped[str] = mapped_column(String(120), default="")
    props: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    site: Mapped[Site] = relationship(back_populates="goals")


class Funnel(Base):
    __tablename__ = "funnels"
    __table_args__ = (UniqueConstraint("site_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    steps: Mapped[list[str]] = mapped_column(JSON)  # goal names, in order
    window_seconds: Mapped[int] = mapped_column(default=24 * 3600)
    site: Mapped[Site] = relationship(back_populates="funnels")


class Rate(Base):
    """How many units of the site currency one unit of ``currency`` is worth."""

    __tablename__ = "rates"
    __table_args__ = (UniqueConstraint("site_id", "currency"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(Numeric(18, 8))
    site: Mapped[Site] = relationship(back_populates="rates")
