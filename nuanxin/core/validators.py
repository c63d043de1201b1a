"""Django-facing validation of ID numbers and phones, with translated messages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import idnumber
from .phones import PhoneError, normalize_phone

ID_MESSAGES = {
    "length": _("An ID number has 18 characters. A first-generation one has 15 digits."),
    "characters": _("An ID number is 17 digits followed by a digit or X."),
    "characters_15": _("A first-generation (15-digit) ID number has digits only."),
    "province": _("The first two digits are not a province code."),
    "foreign_province": _(
        "A foreigner's permanent-residence number (first digit 9): digits 2–3 are not"
        " a mainland province code."
    ),
    "birth_date": _("Digits 7–14 are not a possible birth date."),
    "check_digit": _(
        "The last character does not match the check digit: please check for a typing error."
    ),
}


# What a parsed number's warnings say (never a rejection).
ID_WARNINGS = {
    "area_code": _("The ID number's area code is historical or unknown here; kept as given."),
    "upgraded_15": _(
        "A first-generation 15-digit ID number: upgraded to its 18 digits (19 inserted"
        " before the year, check character computed)."
    ),
    "nationality_code": _(
        "A foreigner's permanent-residence number whose nationality code (digits 4–6) we"
        " do not know; kept as given."
    ),
}
ID_KINDS = {
    "resident": _("Resident ID number"),
    "resident_15": _("First-generation resident ID number (15 digits)"),
    "foreign_permanent": _("Foreigner's permanent-residence ID number"),
}


def clean_id_number(value: str, *, known_areas=None) -> idnumber.IDNumber:
    try:
        return idnumber.parse(value, known_areas=known_areas)
    except idnumber.IDNumberError as exc:
        raise ValidationError(ID_MESSAGES[exc.code], code=f"id_{exc.code}") from None


def clean_phone(value: str) -> str:
    try:
        return normalize_phone(value)
    except PhoneError:
        raise ValidationError(
            _("Enter a mainland mobile (11 digits) or landline with area code."), code="phone"
        ) from None
