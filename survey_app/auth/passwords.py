"""Password hashing with argon2id at OWASP ASVS 5.0 parameters (m = 19 MiB, t = 2, p = 1)."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

#: shortest password accepted; ASVS favours length over composition rules
MIN_LENGTH = 12
#: longest accepted: long passphrases are welcome, megabytes to hash are not
MAX_LENGTH = 128
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt")
BREACHED_PASSWORDS_FILE = Path(__file__).with_name("breached-passwords.txt")
#: zxcvbn's score (0-4) a password must reach: 3 is "safely unguessable" (about 10^8 guesses
#: and more), beyond an online attack under the login's lock; 4 would refuse good phrases
MIN_STRENGTH = 3
#: zxcvbn's own limit; the rest of a longer phrase only adds strength
STRENGTH_CHECKED = 72
#: words an attacker tries first against this programme's accounts (ASVS V6.2.11): its names, the
#: province, the demo's password; the user's own name is added per user
CONTEXT_WORDS = ("sanqu", "三区", "shegong", "社工", "social", "survey", "hunan", "湖南", "minzheng", "民政",
                 "demo", "password", "passwd", "mima", "密码", "admin", "welcome")
#: after the context words are taken out, at least this many different characters must be left
MIN_DISTINCT = 6


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether a hash was made with other parameters than today's: it is made again at the next
    login, when the password is at hand (crypto agility, ASVS 11.2.2)."""
    try:
        return HASHER.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True


def password_problem(password: str, username: str = "") -> str | None:
    """Why this password may not be chosen, in Chinese and English, or None (ASVS V6.2): at
    least 12 and at most 128 characters, any characters (no composition rules), not the user
    name, not a common or breached password, not easy to guess (zxcvbn score 3 or more, with the
    context words).  The one check for the CLI and the admin forms alike."""
    if len(password) < MIN_LENGTH:
        return f"密码至少需要 {MIN_LENGTH} 个字符。The password must have at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"密码最多 {MAX_LENGTH} 个字符。The password must have at most {MAX_LENGTH} characters."
    folded = password.strip().casefold()
    if username and folded == username.strip().casefold():
        return "密码不能与用户名相同。The password must not be the username."
    if folded in common_passwords():
        return ("这个密码太常见，很容易被猜中，请换一个（可以用一句好记的长句）。"
                "This password is too common: choose another (a long phrase is easy to remember).")
    if folded in breached_passwords():
        return ("这个密码在已泄露的密码里出现过，请换一个。"
                "This password has appeared in a data breach: choose another.")
    if len(set(_without_context(folded, username))) < MIN_DISTINCT or _strength(password, username) < MIN_STRENGTH:
        return ("这个密码太容易猜：去掉用户名、项目名称这类词和重复的字以后，剩下的太少。请换一句好记的长句。"
                "This password is too easy to guess: without the user name, the programme's names and "
                "repeats, too little is left. Choose a longer phrase.")
    return None


def _without_context(folded: str, username: str) -> str:
    """The password with the context words and the user name (and its parts) taken out."""
    words = {*CONTEXT_WORDS, username.strip().casefold()}
    words |= {part for part in re.split(r"[._\-\s]+", username.casefold()) if len(part) >= 3}
    for word in sorted(words, key=len, reverse=True):
        if word:
            folded = folded.replace(word, "")
    return folded


def _strength(password: str, username: str) -> int:
    """zxcvbn's estimate (Dropbox's, offline): dictionaries of leaked passwords, names and words,
    with keyboard walks, repeats, sequences, dates and l33t spellings, and the context words and
    the user's name as the user's own dictionary."""
    from zxcvbn import zxcvbn

    inputs = [*CONTEXT_WORDS, username, *re.split(r"[._\-\s]+", username)]
    return int(zxcvbn(password[:STRENGTH_CHECKED], user_inputs=[w for w in inputs if w])["score"])


@cache
def common_passwords() -> frozenset[str]:
    return _word_list(COMMON_PASSWORDS_FILE)


@cache
def breached_passwords() -> frozenset[str]:
    return _word_list(BREACHED_PASSWORDS_FILE)


def _word_list(path: Path) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


# A hash to verify against when the user does not exist, so that timing does not reveal it.
DUMMY_HASH = HASHER.hash("not a real password, only for timing")
