"""Phone numbers: mainland mobiles and landlines, stored in a plain national form."""

from __future__ import annotations

import phonenumbers

_FULLWIDTH = str.maketrans("０１２３４５６７８９－（）＋", "0123456789-()+")


class PhoneError(ValueError):
    pass


def normalize_phone(raw: str) -> str:
    """Return the number as dialled inside China (13812345678, 02885551234).

    Raises PhoneError for anything that is not a valid Chinese number.
    """
    text = "".join(str(raw).split()).translate(_FULLWIDTH)
    if not text:
        raise PhoneError("empty")
    try:
        parsed = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(str(exc)) from None
    if not phonenumbers.is_valid_number(parsed):
        raise PhoneError("not a valid number")
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(ch for ch in national if ch.isdigit())
