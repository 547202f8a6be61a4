"""Follow-up marks (回访名单): why a baseline respondent will not be interviewed again."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .types import UTCDateTime, utcnow

#: moved away (搬走), died (去世), not found after visits (找不到)
MARK_STATUSES = ("moved", "deceased", "not_found")


class FollowupMark(Model):
    """A social worker's note that a baseline respondent cannot be followed up, and why.

    One current mark per respondent (questionnaire, county, code: the respondent as pairing
    defines it); clearing a mark deletes the row, and the audit trail (``followup.mark``,
    ``followup.clear``) keeps the history.  A mark never hides a follow-up: a respondent who has
    one counts as followed whatever is marked (followups/worklist.py)."""

    __tablename__ = "followup_marks"
    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[str] = mapped_column(ForeignKey("questionnaires.id"))
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"))
    #: trimmed and upper-cased, as responses store it, so that it matches theirs
    respondent_code: Mapped[str] = mapped_column(String(64))
    #: one of MARK_STATUSES
    status: Mapped[str] = mapped_column(String(16))
    #: what the social worker found (e.g. 外出务工，已搬到长沙); never empty
    reason: Mapped[str] = mapped_column(Text)
    marked_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    marked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # Also the index the worklist's join reads the mark of each respondent by.
        UniqueConstraint("questionnaire_id", "county_id", "respondent_code"),
        CheckConstraint("status IN ('moved', 'deceased', 'not_found')", name="status_known"),
        CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
    )
