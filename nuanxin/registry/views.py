"""Registry pages: thin views over `selectors` (reads) and `services` (writes).

Out-of-scope people answer 404 exactly like missing ones; a user without the
action a page needs (change, reveal) gets the same 404.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from nuanxin.core import access, fieldviews, params, timeline
from nuanxin.core.forms import errors_to_form

from . import forms, selectors, services
from .models import Consent, Device, Enrollment

PAGE_SIZE = 50


@login_required
def person_list(request):
    # One form parses the query string (400 if unreadable) and draws the filters: its
    # list of areas (a district's hundreds of grids) is read once.
    form = forms.PersonFilterForm(request.GET, user=request.user)
    query = params.cleaned(form)
    filters = forms.PersonFilterForm.selector_kwargs(query)
    people = selectors.person_list(user=request.user, **filters)
    page = Paginator(people, PAGE_SIZE).get_page(query["page"])
    if filters.get("q"):
        services.person_searched(user=request.user, text=filters["q"], request=request)
    views = fieldviews.people_views(request.user, page.object_list)
    rows = [(person, views[person.pk]) for person in page.object_list]
    context = {"form": form, "page": page, "rows": rows}
    # Live search swaps only the results; a plain request gets the whole page.
    if request.htmx and request.htmx.target == "person-results":
        return render(request, "registry/_person_results.html", context)
    return render(request, "registry/person_list.html", context)


# --- the profile ------------------------------------------------------------

# The small forms on a profile, by the name the template and the URLs use.
SUBFORMS = {
    "enrollment": forms.EnrollmentForm,
    "contact": forms.ContactForm,
    "disability": forms.DisabilityForm,
    "consent": forms.ConsentForm,
    "device": forms.DeviceForm,
}


SUBFORM_URLS = {
    "enrollment": "registry:enrollment_add",
    "contact": "registry:contact_add",
    "disability": "registry:disability_set",
    "consent": "registry:consent_record",
    "device": "registry:device_record",
}


SUBFORM_SAVED = {
    "enrollment": gettext_lazy("Category added."),
    "contact": gettext_lazy("Contact added."),
    "disability": gettext_lazy("Disability recorded."),
    "consent": gettext_lazy("Consent recorded."),
    "device": gettext_lazy("Device recorded."),
}


def _subform(name, person, data=None, files=None):
    cls = SUBFORMS[name]
    kwargs = {"person": person} if cls is forms.ConsentForm else {}
    return cls(data, files, prefix=name, **kwargs)


# "New …" buttons on the profile: (URL name, takes the person id as an argument, label, icon).
CASEWORK_NEW = [
    ("casework:request_new", False, gettext_lazy("New help request"), "telephone-inbound"),
    ("casework:assessment_new", True, gettext_lazy("New assessment"), "clipboard2-pulse"),
    ("casework:referral_new", True, gettext_lazy("New referral"), "box-arrow-up-right"),
    ("casework:task_new", True, gettext_lazy("New service task"), "basket"),
    ("casework:plan_new", True, gettext_lazy("New care plan"), "heart-pulse"),
    ("casework:application_new", True, gettext_lazy("New application"), "file-earmark-text"),
]


def _casework_buttons(person) -> list[dict]:
    """The casework pages that exist (yet), each opened for this person."""
    buttons = []
    for name, with_arg, label, icon in CASEWORK_NEW:
        url = timeline.link(name, person.pk) if with_arg else timeline.link(name)
        if url:
            if not with_arg:
                url = f"{url}?person={person.pk}"
            buttons.append({"url": url, "label": label, "icon": icon})
    return buttons


def _render_profile(request, person, *, bound=None, status=200):
    """The profile page; `bound` is a sub-form that failed, shown open with its errors."""
    user = request.user
    view = fieldviews.person_view(user, person)
    if view.task:
        return render(
            request, "registry/person_detail_restricted.html", {"person": person, "view": view}
        )
    can_change = access.allows(user, access.Action.CHANGE, person)
    # Reached through the registration only (人户分离): no visits, duties or timeline.
    by_residence = access.by_residence(user, access.Action.VIEW, person)
    subforms = {}
    if can_change:
        for name, url_name in SUBFORM_URLS.items():
            is_bound = bound is not None and bound.prefix == name
            subforms[name] = {
                "form": bound if is_bound else _subform(name, person),
                "open": is_bound,
                "action": reverse(url_name, args=[person.pk]),
            }
    context = {
        "person": person,
        "view": view,
        "region_path": person.region.ancestors()[1:],
        "registered_path": (
            person.registered_region.ancestors()[1:] if person.lives_elsewhere else []
        ),
        "by_residence": by_residence,
        "moves": selectors.person_moves(user=user, person=person) if by_residence else [],
        "members": selectors.household_members(user=user, person=person),
        "can_change": can_change,
        "can_reveal": access.allows(user, access.Action.REVEAL, person),
        "can_audit": access.can(user, access.Action.AUDIT),
        "subforms": subforms,
        "withdraw_form": forms.ConsentWithdrawForm(),
        "end_form": forms.EnrollmentEndForm(),
        "casework_buttons": _casework_buttons(person) if can_change else [],
        "timeline_url": reverse("registry:person_timeline", args=[person.pk]),
    }
    return render(request, "registry/person_detail.html", context, status=status)


@login_required
def person_detail(request, pk):
    person = selectors.person_profile(user=request.user, pk=pk)
    services.person_viewed(user=request.user, person=person, request=request)
    return _render_profile(request, person)


@login_required
@require_http_methods(["GET", "POST"])
def person_reveal(request, pk):
    """Show one masked field in clear, given a reason; audited by the service."""
    person = selectors.person_get(user=request.user, pk=pk, action=access.Action.REVEAL)
    form = forms.RevealForm(request.POST or None, initial={"field": request.GET.get("field")})
    value = None
    if request.method == "POST" and form.is_valid():
        try:
            value = services.person_reveal(
                user=request.user,
                person=person,
                field=form.cleaned_data["field"],
                reason=form.cleaned_data["reason"],
                request=request,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
    field = form["field"].value() or "id_number"
    if field not in services.REVEALABLE:
        raise Http404
    context = {"person": person, "form": form, "field": field, "value": value}
    template = "registry/_reveal.html" if request.htmx else "registry/person_reveal.html"
    return render(request, template, context)


# --- create and edit --------------------------------------------------------


def _show_warnings(request, warnings):
    for warning in warnings:
        messages.warning(request, warning)


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request):
    access.require_somewhere(request.user, access.Action.CHANGE)
    form = forms.PersonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            person, warnings = services.person_create(
                user=request.user, request=request, **form.service_fields()
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        except PermissionDenied as exc:
            form.add_error("region", str(exc))
        else:
            _show_warnings(request, warnings)
            messages.success(request, _("%(name)s was added.") % {"name": person.name})
            return redirect(person)
    return render(request, "registry/person_form.html", {"form": form, "person": None})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    person = selectors.person_get(user=request.user, pk=pk, action=access.Action.CHANGE)
    form = forms.PersonForm(request.POST or None, user=request.user, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            person, warnings = services.person_update(
                user=request.user, person=person, request=request, **form.service_fields()
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
            # The service may have changed the instance before failing: reload it.
            person.refresh_from_db()
        except PermissionDenied as exc:
            form.add_error("region", str(exc))
            person.refresh_from_db()
        else:
            _show_warnings(request, warnings)
            messages.success(request, _("Changes saved."))
            return redirect(person)
    return render(request, "registry/person_form.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def person_move(request, pk):
    """A person moves house: the form, a preview of what follows them, then the move."""
    person = selectors.person_get(user=request.user, pk=pk, action=access.Action.CHANGE)
    form = forms.MoveForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        apply = "apply" in request.POST
        try:
            outcome = services.person_move(
                user=request.user,
                person=person,
                to_region=data["region"],
                on=data["on"],
                reason=data["reason"],
                address=data["address"],
                request=request,
                dry_run=not apply,
            )
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if apply:
                messages.success(request, _("The move is recorded."))
                return redirect("registry:person_detail", pk=person.pk)
            preview = outcome
        person.refresh_from_db()
    status = 422 if form.errors else 200
    context = {"person": person, "form": form, "preview": preview}
    return render(request, "registry/person_move.html", context, status=status)


# --- the small forms on the profile -----------------------------------------


def _profile_for_change(request, pk):
    """The profile of a person the user may change (404 out of sight, 403 read-only)."""
    return selectors.person_profile(user=request.user, pk=pk, action=access.Action.CHANGE)


def _save_subform(request, pk, name, save):
    """Validate sub-form `name`, call `save(person, cleaned_data)`, back to the profile."""
    person = _profile_for_change(request, pk)
    form = _subform(name, person, request.POST, request.FILES)
    if form.is_valid():
        try:
            save(person, form.cleaned_data)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, SUBFORM_SAVED[name])
            return redirect(f"{person.get_absolute_url()}#section-{name}")
    return _render_profile(request, person, bound=form, status=422)


@login_required
@require_POST
def enrollment_add(request, pk):
    return _save_subform(
        request,
        pk,
        "enrollment",
        lambda person, data: services.enrollment_add(
            user=request.user, person=person, request=request, **data
        ),
    )


@login_required
@require_POST
def enrollment_end(request, pk, enrollment_pk):
    person = _profile_for_change(request, pk)
    enrollment = get_object_or_404(
        Enrollment, pk=enrollment_pk, person=person, end_date__isnull=True
    )
    form = forms.EnrollmentEndForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        services.enrollment_end(
            user=request.user, enrollment=enrollment, request=request, **form.cleaned_data
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Enrollment ended."))
    return redirect(f"{person.get_absolute_url()}#section-enrollment")


@login_required
@require_POST
def contact_add(request, pk):
    return _save_subform(
        request,
        pk,
        "contact",
        lambda person, data: services.contact_add(
            user=request.user, person=person, request=request, **data
        ),
    )


@login_required
@require_POST
def disability_set(request, pk):
    return _save_subform(
        request,
        pk,
        "disability",
        lambda person, data: services.disability_set(
            user=request.user, person=person, request=request, **data
        ),
    )


@login_required
@require_POST
def consent_record(request, pk):
    return _save_subform(
        request,
        pk,
        "consent",
        lambda person, data: services.consent_record(
            user=request.user, person=person, request=request, **data
        ),
    )


@login_required
@require_POST
def consent_withdraw(request, pk, consent_pk):
    person = _profile_for_change(request, pk)
    consent = get_object_or_404(Consent, pk=consent_pk, person=person, withdrawn_on__isnull=True)
    form = forms.ConsentWithdrawForm(request.POST)
    if form.is_valid():
        try:
            services.consent_withdraw(
                user=request.user, consent=consent, request=request, **form.cleaned_data
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, _("Consent withdrawn. Devices that relied on it are marked for removal.")
            )
    else:
        messages.error(request, _("Give the date the consent was withdrawn."))
    return redirect(f"{person.get_absolute_url()}#section-consent")


@login_required
def consent_document(request, pk, consent_pk):
    """The attached consent document, to whoever may view the person; each read is audited.

    Never a public media URL: the file lives under MEDIA_ROOT, which no URL serves.
    """
    person = selectors.person_for_timeline(user=request.user, pk=pk)
    consent = get_object_or_404(Consent, pk=consent_pk, person=person)
    handle, mime = services.consent_document_open(
        user=request.user, consent=consent, request=request
    )
    ext = consent.document_file.name.rsplit(".", 1)[-1].lower()
    response = FileResponse(
        handle,
        content_type=mime,
        as_attachment=request.GET.get("inline") != "1",
        filename=f"consent-{consent.pk}.{ext}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def device_remove(request, pk, device_pk):
    person = _profile_for_change(request, pk)
    device = get_object_or_404(Device, pk=device_pk, person=person, removed_on__isnull=True)
    form = forms.DeviceRemoveForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        services.device_remove(
            user=request.user, device=device, request=request, **form.cleaned_data
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Device removal recorded."))
    return redirect(f"{person.get_absolute_url()}#section-device")


# --- the timeline -----------------------------------------------------------

TIMELINE_PAGE = 20


class TimelineParams(params.Params):
    kind = django_forms.MultipleChoiceField(required=False, choices=())
    # A page beyond a person's history is empty; beyond this, the offset is absurd.
    page = params.PageField(max_value=10_000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(timeline.kinds().items())


@login_required
def person_timeline(request, pk):
    """The person's history, newest first, filtered by kind, a page at a time.

    htmx asks for the section (from the profile) or the next page (the "more"
    button); a plain request gets the same as a whole page.
    """
    person = selectors.person_for_timeline(user=request.user, pk=pk)
    all_kinds = timeline.kinds()
    query = params.parse(request, TimelineParams)
    chosen = query["kind"]
    page = query["page"]
    found = timeline.timeline(
        user=request.user,
        person=person,
        kinds=chosen or None,
        limit=TIMELINE_PAGE + 1,
        offset=(page - 1) * TIMELINE_PAGE,
    )
    more = len(found) > TIMELINE_PAGE
    query = [("kind", k) for k in chosen]
    context = {
        "person": person,
        "entries": found[:TIMELINE_PAGE],
        "kinds": [(code, label, code in chosen) for code, label in all_kinds.items()],
        "chosen": chosen,
        "page": page,
        "more_query": urlencode([*query, ("page", page + 1)]) if more else "",
        "filter_query": urlencode(query),
        "timeline_url": reverse("registry:person_timeline", args=[person.pk]),
    }
    if request.htmx:
        if page > 1:
            return render(request, "registry/_timeline_entries.html", context)
        return render(request, "registry/_timeline.html", context)
    services.person_viewed(user=request.user, person=person, request=request)
    return render(request, "registry/_timeline_page.html", context)


@login_required
@require_POST
def device_record(request, pk):
    return _save_subform(
        request,
        pk,
        "device",
        lambda person, data: services.device_record(
            user=request.user, person=person, request=request, **data
        ),
    )
