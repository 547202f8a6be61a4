"""The programme's places and people: rounds, counties, sites, teams."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model

SERVICE_DOMAINS = ("disaster", "community", "rural", "elderly", "veterans", "outreach")


class Round(Model):
    """An evaluation round (one year of service, from its baseline to its follow-up), e.g.
    第一期（2025年度）.  Which responses belong to it: ``survey_app/rounds.py``."""

    __tablename__ = "rounds"
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    name: Mapped[str] = mapped_column(String(100))
    #: the cycle's first and last day (inclusive, China time); rounds may overlap
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]

    __table_args__ = (CheckConstraint("starts_on <= ends_on", name="dates_ordered"),)


class County(Model):
    __tablename__ = "counties"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: six-digit GB/T 2260 administrative division code, e.g. 430626 for 平江县
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    #: the prefecture (市/州) it belongs to
    prefecture: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(default=True)

    sites: Mapped[list[Site]] = relationship(back_populates="county", order_by="Site.code")
    teams: Mapped[list[Team]] = relationship(back_populates="county", order_by="Team.code")

    __table_args__ = (CheckConstraint("length(code) = 6", name="code_six_digits"),)


SITE_LABEL_JOIN = " · "


class Site(Model):
    """A village or community where a team works, within a township."""

    __tablename__ = "sites"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), index=True)
    township: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default="village")
    active: Mapped[bool] = mapped_column(default=True)

    county: Mapped[County] = relationship(back_populates="sites")

    __table_args__ = (CheckConstraint("kind IN ('village', 'community')", name="kind_known"),)

    @hybrid_property
    def label(self) -> str:
        """How a village is shown everywhere: "township · village", since village names repeat
        across townships (in SQL as in Python)."""
        return self.township + SITE_LABEL_JOIN + self.name


class Team(Model):
    """A service team (工作队) sent by a host organisation to one county."""

    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    host_organisation: Mapped[str] = mapped_column(String(200))
    host_type: Mapped[str] = mapped_column(String(16), default="agency")
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), index=True)
    #: service domains, a subset of SERVICE_DOMAINS
    domains: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)

    county: Mapped[County] = relationship(back_populates="teams")

    __table_args__ = (CheckConstraint("host_type IN ('university', 'agency')", name="host_type_known"),)
