"""Validation of official council identifiers, and of names kept on one line."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

# A GSS code is a letter for the nation, two digits for the entity type and
# six for the instance (ONS Code History Database), e.g. E07000026 (Allerdale).
GSS_CODE_RE = re.compile(r"^[ENSW]\d{8}$")

# The English entity codes for each kind of council that the portal holds.
GSS_PREFIX_BY_KIND = {
    "county": "E10",
    "district": "E07",
    "unitary": "E06",
    "metropolitan": "E08",
    "london": "E09",
}


def validate_gss_code(value: str) -> None:
    if not GSS_CODE_RE.match(value or ""):
        raise ValidationError(
            "Enter a GSS code as a capital letter (E, N, S or W) followed by 8 digits, "
            "like E07000026",
            code="invalid_gss_code",
        )


def gss_code_matches_kind(code: str, kind: str) -> bool:
    """True unless an English code's entity type contradicts the council's kind."""
    prefix = GSS_PREFIX_BY_KIND.get(kind)
    if prefix is None or not code.startswith("E"):
        return True
    return code.startswith(prefix)


# Everything str.splitlines() breaks a line at: a name with one of these in it
# would start a new line in the email that greets the person (or, in a
# header, a new header).
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def has_line_break(value: str) -> bool:
    return any(char in LINE_BREAKS for char in value or "")


def validate_one_line(value: str) -> None:
    """A name is one line: a line break in it is refused, not passed on."""
    if has_line_break(value):
        raise ValidationError("Enter this on one line, without line breaks", code="line_break")
