from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Level, Region


class GridForm(forms.Form):
    community = forms.ChoiceField(label=_("Community / village"))
    number = forms.CharField(
        label=_("Grid number"),
        min_length=3,
        max_length=3,
        help_text=_(
            "3 digits, 001 to 999: the grid's code is the community's 12 digits and these."
        ),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]{3}"}),
    )
    name = forms.CharField(label=_("Name"), max_length=60)

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.code, f"{c.code} {c.name}") for c in communities]


def communities_in(scope):
    """The communities a grid may go under, for the form (the user's area)."""
    return Region.objects.filter(scope.q("code"), level=Level.COMMUNITY).order_by("code")
