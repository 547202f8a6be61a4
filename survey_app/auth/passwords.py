"""Password hashing with argon2id at OWASP ASVS 5.0 parameters (m = 19 MiB, t = 2, p = 1)."""
from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

#: shortest password accepted; ASVS favours length over composition rules
MIN_LENGTH = 12


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    if len(password) < MIN_LENGTH:
        return f"password must have at least {MIN_LENGTH} characters"
    if len(password) > 128:
        return "password must have at most 128 characters"
    return None


# A hash to verify against when the user does not exist, so that timing does not reveal it.
DUMMY_HASH = HASHER.hash("not a real password, only for timing")
