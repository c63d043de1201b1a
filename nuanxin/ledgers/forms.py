from django import forms
from django.utils.translation import gettext_lazy as _


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".xlsx,.xls,.ods,.csv"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)]


class UploadForm(forms.Form):
    files = MultipleFileField(
        label=_("Ledger files"),
        help_text=_("Excel (.xlsx, .xls), OpenDocument (.ods) or CSV (UTF-8 or GBK/GB18030)."),
    )


class RevealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need the ID numbers and phones in clear?"),
        min_length=2,
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
