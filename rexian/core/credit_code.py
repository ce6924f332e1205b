"""The unified social credit code (统一社会信用代码, GB 32100-2015) that identifies an enterprise.

18 characters from the 31-character set below (digits and capitals without I, O, S, V, Z): the registering
authority, the kind of entity, the area code, the organisation code, and a check character computed from the
first 17. A typing mistake changes the check character, so a code that fails it was mistyped.
"""

from __future__ import annotations

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


def normalize(code: str) -> str:
    """The code as stored: stripped and upper-case."""
    return (code or "").strip().upper()


def check_character(body: str) -> str:
    """The 18th character for the first 17."""
    total = sum(CHARSET.index(c) * w for c, w in zip(body, WEIGHTS))
    return CHARSET[(31 - total % 31) % 31]


def is_valid(code: str) -> bool:
    """Whether `code` (normalised) is 18 characters of the set whose last one is the check character."""
    code = normalize(code)
    if len(code) != LENGTH or any(c not in CHARSET for c in code):
        return False
    return code[-1] == check_character(code[:-1])
