"""Aggregates kept as responses arrive, read by the pages instead of the responses themselves
(issue 17: at a million responses the item charts' GROUP BY over twenty million answer rows took
12 s on SQLite).  Kept by ``submissions/counts.py``; equal to their recomputation by test."""
from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model

#: what a place column holds where the response has none (a primary key column cannot be NULL,
#: and NULLs would never meet in ON CONFLICT on either engine)
NONE_ID, NONE_WAVE = 0, ""


class AnswerCount(Model):
    """How many answer rows of counted (not excluded) responses hold each numeric value, by
    questionnaire, place, round and wave, question and value: the item distributions.  A few
    thousand rows where the answers are tens of millions."""

    __tablename__ = "answer_counts"
    questionnaire_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    county_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave: Mapped[str] = mapped_column(String(4), primary_key=True)
    question_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    value_num: Mapped[float] = mapped_column(Float, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)

    # SQLite: the counters live in the primary key's own b-tree, so a submission's upsert is one
    # search a counter instead of the key's index and then the table.
    __table_args__ = ({"sqlite_with_rowid": False},)


class ScoreSum(Model):
    """The index scores of counted (not excluded) responses, their number and sum, by
    questionnaire, place, round and wave, and index; under the index ``""`` (no index has that
    id) the responses themselves are counted, scored or not.  What the summaries of every page
    read: responses by wave, each index's n and mean."""

    __tablename__ = "score_sums"
    questionnaire_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    county_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    wave: Mapped[str] = mapped_column(String(4), primary_key=True)
    index_id: Mapped[str] = mapped_column(String(63), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)
    total: Mapped[float] = mapped_column(Float)

    __table_args__ = ({"sqlite_with_rowid": False},)


#: ``ScoreSum.index_id`` of the row that counts the responses themselves
RESPONSES = ""
