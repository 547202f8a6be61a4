"""What a report covers: the whole programme, a county or a team, and optionally one round,
checked against the reader's scope (a county user gets their county's report only)."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..auth.places import OutsidePlace, Place, place_for
from ..auth.scope import Scope
from ..database import DBSession

_SCOPE = re.compile(r"^(programme|county:[0-9]{6}|team:[A-Za-z0-9_-]{1,32})$")


@dataclass(frozen=True)
class ReportRequest:
    kind: str  # programme | county | team
    code: str | None
    round_year: int | None = None

    @classmethod
    def parse(cls, text: str, round_year: int | None = None) -> ReportRequest:
        """``programme``, ``county:CODE`` or ``team:CODE`` (the CLI's and the page's spelling)."""
        text = (text or "").strip()
        if not _SCOPE.match(text):
            raise ValueError("scope must be programme, county:CODE (6 digits) or team:CODE")
        kind, _, code = text.partition(":")
        return cls(kind, code or None, round_year)

    @property
    def text(self) -> str:
        return self.kind if self.code is None else f"{self.kind}:{self.code}"

    def place(self, session: DBSession, scope: Scope) -> Place:
        """The responses this report covers; ``OutsidePlace`` outside the reader's scope,
        ``UnknownPlace`` for an unknown code or round."""
        county = self.code if self.kind == "county" else None
        team = self.code if self.kind == "team" else None
        place = place_for(session, scope, county, team, round_year=self.round_year)
        if self.kind == "programme" and not scope.sees_programme:
            raise OutsidePlace("scope", "only the programme office reads the programme report")
        return place
