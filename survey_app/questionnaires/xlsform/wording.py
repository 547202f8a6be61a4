"""Other programs' English messages said in plain Chinese: pyxform's verdict, our rule checker's
and our file checker's, each with its own table of patterns."""
from __future__ import annotations

import re
from collections.abc import Sequence

#: (pattern, Chinese wording with ``{0}``, ``{1}``... for the pattern's groups)
Wordings = Sequence[tuple[re.Pattern[str], str]]


def reworded(table: Wordings, message: str, otherwise: str) -> str:
    """The first wording whose pattern the message matches, its groups filled in; else ``otherwise``."""
    for pattern, chinese in table:
        found = pattern.search(message)
        if found:
            return chinese.format(*found.groups())
    return otherwise
