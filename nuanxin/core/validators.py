"""Django-facing validation of ID numbers and phones, with translated messages."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import idnumber
from .phones import PhoneError, normalize_phone

ID_MESSAGES = {
    "length": _("An ID number has 18 characters."),
    "characters": _("An ID number is 17 digits followed by a digit or X."),
    "province": _("The first two digits are not a province code."),
    "birth_date": _("Digits 7–14 are not a possible birth date."),
    "check_digit": _(
        "The last character does not match the check digit: please check for a typing error."
    ),
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
