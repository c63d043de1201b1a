"""Query parameters are parsed, never trusted (DESIGN §3.8).

Every page reads its query string through a form (`parse(request, Params)`):
region codes, dates, months, ids, page numbers and sizes are checked the same
way everywhere, by the fields below. A bad value raises `BadParameters`, which
`ParametersMiddleware` answers with the site's 400 page listing what could not
be read (the API has its own types in `nuanxin.api.schemas` and answers 400
with the same messages).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import BadRequest
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

# The largest id a row can have (a signed 64-bit primary key).
MAX_ID = 2**63 - 1
MAX_PAGE = 1_000_000
# Dates a worker may ask about: far enough back for history, never absurd.
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)


class IdField(forms.IntegerField):
    """A row's id: a whole number from 1 to 2⁶³−1 (a larger one could not be a key)."""

    default_error_messages = {"invalid": _("Enter a record number.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class PageField(forms.IntegerField):
    default_error_messages = {"invalid": _("Enter a page number.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_PAGE)
        super().__init__(**kwargs)

    def clean(self, value):
        return super().clean(value) or 1


class RegionCodeField(forms.CharField):
    """A 12- or 15-digit region code (510108000000 stands for all of 成华区); "" for none."""

    default_error_messages = {"invalid": _("Enter a 12- or 15-digit region code.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 15)
        super().__init__(**kwargs)

    def to_python(self, value):
        from nuanxin.regions.models import level_of

        value = (super().to_python(value) or "").strip()
        if not value:
            return ""
        try:
            level_of(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        return value


class DayField(forms.DateField):
    """A date as YYYY-MM-DD, between 2000 and 2099."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not FIRST_DAY <= value <= LAST_DAY:
            raise forms.ValidationError(_("Enter a date between 2000 and 2099."), code="range")


class MonthField(forms.CharField):
    """A month as YYYY-MM, returned as its first day."""

    default_error_messages = {"invalid": _("Enter a month as YYYY-MM.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        value = (super().to_python(value) or "").strip()
        if not value:
            return None
        if len(value) != 7:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            month = dt.date.fromisoformat(f"{value}-01")
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if not FIRST_DAY <= month <= LAST_DAY:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return month


class Params(forms.Form):
    """The base of a page's query parameters: every list takes `page`."""

    page = PageField()


class BadParameters(BadRequest):
    """The query string holds a value that cannot be read; carries the form's errors."""

    def __init__(self, form: forms.Form):
        super().__init__("bad query parameters")
        self.form = form

    @property
    def errors(self) -> list[tuple[str, list[str]]]:
        return [
            (str(self.form.fields[name].label or name) if name in self.form.fields else name, m)
            for name, m in self.form.errors.items()
        ]


def parse(request, form_class: type[forms.Form], data=None, **kwargs) -> dict:
    """The page's query parameters, cleaned; BadParameters when one cannot be read."""
    return cleaned(form_class(request.GET if data is None else data, **kwargs))


def cleaned(form: forms.Form) -> dict:
    """A bound parameters form's cleaned data; BadParameters when one cannot be read.

    For a page that also shows the form it parsed (its choices are built once)."""
    if not form.is_valid():
        raise BadParameters(form)
    return form.cleaned_data


class ParametersMiddleware:
    """Answers BadParameters with the site's 400 page, naming each parameter at fault."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, BadParameters):
            return None
        return render(
            request,
            "400.html",
            {"errors": exception.errors, "back": request.path},
            status=400,
        )
