"""Masking of sensitive identifiers (DESIGN §3.2): shown masked unless revealed."""


def mask_id_number(value: str | None) -> str:
    """510104********1234: area code and the last four stay visible."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """138****5678 for mobiles; landlines keep the area code and last four."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * (len(value) - 4) + value[-4:] if len(value) > 4 else "****"
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
