"""The four forms of an administrative change (each previewed before it applies)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core.params import DayField


class DateInput(forms.DateInput):
    input_type = "date"


def _code(label, help_text=""):
    return forms.CharField(label=label, max_length=15, help_text=help_text)


def _day():
    return DayField(
        label=_("Effective from"),
        required=True,
        widget=DateInput,
        initial=timezone.localdate,
        help_text=_(
            "The month it falls in is counted under the new map; earlier months read as they did."
        ),
    )


class RenameForm(forms.Form):
    code = _code(_("Region code"))
    name = forms.CharField(label=_("New name"), max_length=60)


class MergeForm(forms.Form):
    code = _code(_("Community merged away"), _("Its code; it is retired, its history kept."))
    into = _code(_("Into community"), _("The community that takes in its people and grids."))
    effective_on = _day()


class SplitForm(forms.Form):
    code = _code(_("Community to split"))
    new_code = _code(_("New community's code"), _("12 digits, under the same street or another."))
    name = forms.CharField(label=_("New community's name"), max_length=60)
    grids = forms.CharField(
        label=_("Grids that move"),
        required=False,
        help_text=_("Grid codes, separated by commas or spaces."),
    )
    people = forms.CharField(
        label=_("People who move"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Person numbers or ID numbers, one a line (people outside the grids above)."),
    )
    effective_on = _day()

    def arguments(self) -> dict:
        data = dict(self.cleaned_data)
        data["grids"] = data["grids"].replace(",", " ").split()
        data["people"] = data["people"].split()
        return data


class RecodeForm(forms.Form):
    old = _code(_("Old code"))
    new = _code(
        _("New code"), _("The same place's new official code; everything under it follows.")
    )


FORMS = {"rename": RenameForm, "merge": MergeForm, "split": SplitForm, "recode": RecodeForm}
