"""Forms of the registry pages. They only shape input: every rule lives in services."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from nuanxin.core import access, idnumber
from nuanxin.core.params import Params
from nuanxin.core.validators import clean_id_number, clean_phone
from nuanxin.regions.models import Level, code_prefix
from nuanxin.regions.selectors import region_by_code, regions_within

from .models import (
    ADL_FIELDS,
    DISABILITY_GRADES,
    Category,
    ConsentPurpose,
    DeviceKind,
    DisabilityCategory,
    Living,
    Person,
    Status,
    Tier,
)
from .services import REVEALABLE

# U+3000 (ideographic space) indents an <option>: browsers strip leading ASCII spaces.
_INDENT = "\u3000"


def region_choices(user, action: str) -> list[tuple[str, str]]:
    """Regions under the user's scope, in tree order, indented by level (one query)."""
    regions = list(
        regions_within(access.scope(user, action))
        .filter(level__gt=Level.CITY)
        .order_by("code")
        .values_list("code", "name", "level")
    )
    top = min((level for _code, _name, level in regions), default=Level.DISTRICT)
    return [(code, _INDENT * (level - top) + name) for code, name, level in regions]


class DateInput(forms.DateInput):
    input_type = "date"


class PersonFilterForm(Params):
    """The people list's filters and page: its query string, parsed (`core.params`)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=60,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Name, pinyin, initials, ID or phone tail"),
                "autocomplete": "off",
            }
        ),
    )
    region = forms.ChoiceField(label=_("Area"), required=False)
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *Category.choices],
    )
    tier = forms.ChoiceField(
        label=_("Tier"), required=False, choices=[("", _("All tiers")), *Tier.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Status.choices]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if access.scope(user, access.Action.VIEW).nowhere:
            # Someone who reaches people only through a task filters by nothing a task
            # does not show them: no area, category or tier.
            for name in ("region", "category", "tier", "status"):
                del self.fields[name]
            return
        self.fields["region"].choices = [
            ("", _("All my area")),
            *region_choices(user, access.Action.VIEW),
        ]

    @staticmethod
    def selector_kwargs(data: dict) -> dict:
        """Arguments for `selectors.person_list`, from cleaned parameters (`params.parse`)."""
        kwargs = {key: data.get(key) or "" for key in ("q", "category", "tier", "status")}
        code = data.get("region") or ""
        # The selector takes a code prefix: 510108010000 (a street) → 510108010.
        kwargs["region"] = code_prefix(code) if code else ""
        return kwargs

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(self.data.get(k) for k in self.fields)


class PersonForm(forms.Form):
    """Create or edit a person. Sex and birth date come from the ID number."""

    name = forms.CharField(label=_("Name"), max_length=60)
    id_number = forms.CharField(
        label=_("ID number"),
        max_length=30,
        required=False,
        help_text=_(
            "18 characters (or a first-generation 15-digit number); sex and birth date are"
            " read from it."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    phone2 = forms.CharField(
        label=_("Other phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    region = forms.ChoiceField(
        label=_("Place of residence"),
        error_messages={
            "invalid_choice": _("That region is outside your scope; choose one from the list.")
        },
        help_text=_("The grid, or the community when the grid is not known."),
    )
    # 户籍地: any current region of the city (it need not be the user's own area).
    registered_region = forms.CharField(
        label=_("Place of registration"),
        max_length=15,
        required=False,
        help_text=_(
            "Region code of the registered place (户籍地) when it differs from the residence;"
            " blank: the same as the residence."
        ),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    relation_to_head = forms.CharField(
        label=_("Relation to head of household"), max_length=20, required=False
    )
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices, initial=Status.ACTIVE)
    living = forms.ChoiceField(
        label=_("Living arrangement"), choices=Living.choices, initial=Living.WITH_FAMILY
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    # Identifiers are masked everywhere, the edit form included: a blank field
    # keeps the stored value, so the clear number never travels to the page.
    KEEP_IF_BLANK = ("id_number", "phone", "phone2")

    def __init__(self, *args, user, person: Person | None = None, **kwargs):
        self.person = person
        if person is not None:
            kwargs.setdefault("initial", self._initial_from(person))
        super().__init__(*args, **kwargs)
        for field in ADL_FIELDS:
            self.fields[field] = forms.BooleanField(
                label=Person._meta.get_field(field).verbose_name, required=False
            )
        choices = region_choices(user, access.Action.CHANGE)
        self.fields["region"].choices = [("", "---------"), *choices]
        if len(choices) == 1:  # a grid worker has one place to choose from
            self.fields["region"].initial = choices[0][0]
        if person is not None:
            # A correction here moves no history; a move house has its own page.
            self.fields["region"].help_text = _(
                "Change it here only to correct a mistake. When the person has moved house,"
                " use Move on their page: their history and this month's visits go with them."
            )
            for field in self.KEEP_IF_BLANK:
                current = getattr(person, field)
                if current:
                    masked = REVEALABLE[field](current)
                    self.fields[field].widget.attrs["placeholder"] = masked
                    self.fields[field].help_text = _(
                        "Now %(masked)s. Leave blank to keep it; type a new one to replace it."
                    ) % {"masked": masked}

    # Checked here as well as in the service so that every bad field is named
    # at once, not only after the required fields are fixed.
    def clean_id_number(self):
        value = self.cleaned_data["id_number"].strip()
        if not value:
            return ""
        parsed = clean_id_number(value)
        # A 15-digit number goes to the service as given, which upgrades it to
        # its 18 digits and says so in a warning the page shows.
        return idnumber.normalize(value) if parsed.kind == "resident_15" else parsed.number

    def _clean_a_phone(self, field):
        value = self.cleaned_data[field].strip()
        return clean_phone(value) if value else ""

    def clean_phone(self):
        return self._clean_a_phone("phone")

    def clean_registered_region(self):
        code = self.cleaned_data["registered_region"].strip()
        if not code:
            return ""
        region = region_by_code(code)
        if region is None:
            raise forms.ValidationError(_("No current region has this code."))
        return region.code

    def clean_phone2(self):
        return self._clean_a_phone("phone2")

    @staticmethod
    def _initial_from(person: Person) -> dict:
        initial = {
            f: getattr(person, f)
            for f in (
                "name",
                "address",
                "relation_to_head",
                "status",
                "living",
                "note",
                *ADL_FIELDS,
            )
        }
        initial["region"] = person.region_id
        if person.registered_region_id != person.region_id:
            initial["registered_region"] = person.registered_region_id
        return initial

    def adl_fields(self):
        return [self[f] for f in ADL_FIELDS]

    def service_fields(self) -> dict:
        """cleaned_data in the shape `person_create` / `person_update` take."""
        data = dict(self.cleaned_data)
        data["region_id"] = data.pop("region")
        # Blank: registered where they live.
        data["registered_region_id"] = data.pop("registered_region") or data["region_id"]
        if self.person is not None:
            for field in self.KEEP_IF_BLANK:
                if not data[field]:
                    del data[field]
        return data


class EnrollmentForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    start_date = forms.DateField(label=_("From"), required=False, widget=DateInput)
    source = forms.CharField(
        label=_("Source"),
        max_length=100,
        required=False,
        help_text=_("The ledger, decision or document it comes from."),
    )


class EnrollmentEndForm(forms.Form):
    end_date = forms.DateField(label=_("Until"), initial=dt.date.today, widget=DateInput)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    relation = forms.CharField(label=_("Relation"), max_length=30)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel"}),
    )
    is_guardian = forms.BooleanField(label=_("Guardian"), required=False)
    is_emergency = forms.BooleanField(label=_("Emergency contact"), required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class DisabilityForm(forms.Form):
    category = forms.TypedChoiceField(
        label=_("Disability category"), choices=DisabilityCategory.choices, coerce=int
    )
    grade = forms.TypedChoiceField(
        label=_("Grade"),
        choices=DISABILITY_GRADES,
        coerce=int,
        help_text=_("Grade 1 is the most severe."),
    )
    certificate_number = forms.CharField(
        label=_("Certificate number"), max_length=30, required=False
    )


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=ConsentPurpose.choices)
    method = forms.ChoiceField(
        label=_("How recorded"), choices=[("written", _("written")), ("oral", _("oral, witnessed"))]
    )
    given_on = forms.DateField(label=_("Given on"), initial=dt.date.today, widget=DateInput)
    given_by_guardian = forms.ModelChoiceField(
        label=_("Given by guardian"),
        queryset=None,
        required=False,
        empty_label=_("The person themselves"),
    )
    document = forms.CharField(label=_("Document reference"), max_length=200, required=False)
    document_file = forms.FileField(
        label=_("Signed document"),
        required=False,
        help_text=_(
            "PDF, JPG or PNG, at most 10 MB. Only people who may see this record can open it."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args, person: Person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["given_by_guardian"].queryset = person.contacts.filter(is_guardian=True)


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("Withdrawn on"), initial=dt.date.today, widget=DateInput)


class DeviceRemoveForm(forms.Form):
    removed_on = forms.DateField(label=_("Removed on"), initial=dt.date.today, widget=DateInput)


class DeviceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DeviceKind.choices)
    installed_on = forms.DateField(label=_("Installed on"), initial=dt.date.today, widget=DateInput)
    campaign = forms.CharField(label=_("Campaign"), max_length=100, required=False)
    serial = forms.CharField(label=_("Serial number"), max_length=60, required=False)


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        choices=[
            ("id_number", _("ID number")),
            ("phone", _("Phone")),
            ("phone2", _("Other phone")),
        ],
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Why you need the full value. It is recorded in the audit log."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class MoveForm(forms.Form):
    """A person moves house: to another community or grid of the city, or away."""

    to_region = forms.CharField(
        label=_("New place of residence"),
        max_length=15,
        required=False,
        help_text=_("Region code of the community or grid they now live in."),
    )
    leaves_city = forms.BooleanField(label=_("They left the city"), required=False)
    on = forms.DateField(label=_("Moved on"), widget=DateInput)
    address = forms.CharField(label=_("New address"), max_length=200, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        code = (data.get("to_region") or "").strip()
        if data.get("leaves_city"):
            if code:
                self.add_error("to_region", _("Leave this empty when they left the city."))
            data["region"] = None
            return data
        if not code:
            self.add_error("to_region", _("Give the new region, or tick that they left the city."))
            return data
        region = region_by_code(code)
        if region is None:
            self.add_error("to_region", _("No current region has this code."))
        data["region"] = region
        return data
