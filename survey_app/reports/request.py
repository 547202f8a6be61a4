"""What a report covers: the whole programme, a county or a team, and optionally one round,
checked against the reader's scope (a county user gets their county's report only); and the
file it is made as.  ``all-counties`` is every county's report at once, in a ZIP: the office's."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..auth.places import OutsidePlace, Place, place_for
from ..auth.scope import Scope
from ..database import DBSession
from . import formats

_SCOPE = re.compile(r"^(programme|all-counties|county:[0-9]{6}|team:[A-Za-z0-9_-]{1,32})$")
ALL_COUNTIES = "all-counties"


@dataclass(frozen=True)
class ReportRequest:
    kind: str  # programme | county | team | all-counties
    code: str | None
    round_year: int | None = None
    #: ``pdf`` or ``docx``; for ``all-counties`` what the ZIP holds (``both``, ``pdf``, ``docx``)
    format: str = formats.SINGLE[0]

    @classmethod
    def parse(cls, text: str, round_year: int | None = None, fmt: str | None = None) -> ReportRequest:
        """``programme``, ``county:CODE``, ``team:CODE`` or ``all-counties`` (the CLI's and the
        page's spelling), in ``fmt`` (default: PDF, and both for all counties); ValueError with
        the reason otherwise."""
        text = (text or "").strip()
        if not _SCOPE.match(text):
            raise ValueError("scope must be programme, county:CODE (6 digits), team:CODE or all-counties")
        kind, _, code = text.partition(":")
        allowed = formats.BATCH if kind == ALL_COUNTIES else formats.SINGLE
        fmt = allowed[0] if fmt is None else fmt.strip().lower()
        if fmt not in allowed:
            what = "all-counties makes" if kind == ALL_COUNTIES else "a single report is made as"
            raise ValueError(f"format {fmt!r}: {what} {' or '.join(allowed)}")
        return cls(kind, code or None, round_year, fmt)

    @property
    def text(self) -> str:
        return self.kind if self.code is None else f"{self.kind}:{self.code}"

    @property
    def file_type(self) -> formats.FileType:
        return formats.file_type(self.kind, self.format)

    def of_county(self, code: str, fmt: str) -> ReportRequest:
        """One county's report in one format, for the same round (an all-counties ZIP's part)."""
        return ReportRequest("county", code, self.round_year, fmt)

    def place(self, session: DBSession, scope: Scope) -> Place:
        """The responses this report covers; ``OutsidePlace`` outside the reader's scope,
        ``UnknownPlace`` for an unknown code or round."""
        county = self.code if self.kind == "county" else None
        team = self.code if self.kind == "team" else None
        place = place_for(session, scope, county, team, round_year=self.round_year)
        if self.kind == "programme" and not scope.sees_programme:
            raise OutsidePlace("scope", "only the programme office reads the programme report")
        if self.kind == ALL_COUNTIES and not scope.sees_programme:
            raise OutsidePlace("scope", "only the programme office makes every county's reports at once")
        return place
