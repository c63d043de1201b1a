"""Pages of administrative changes: the list, a form per kind with a preview, the detail."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from nuanxin.core.forms import errors_to_form
from nuanxin.regions.models import ChangeKind, Region

from . import selectors, services
from .followers import counted
from .forms import FORMS

APPLY = {
    "rename": services.change_rename,
    "merge": services.change_merge,
    "split": services.change_split,
    "recode": services.change_recode,
}


@login_required
def change_list(request):
    changes = selectors.change_list(user=request.user)
    page = Paginator(changes, 50).get_page(request.GET.get("page"))
    return render(
        request, "mapchange/change_list.html", {"page": page, "kinds": ChangeKind.choices}
    )


@login_required
def change_new(request, kind: str):
    if kind not in FORMS:
        raise Http404
    selectors.change_list(user=request.user)  # 404 for anyone but the city administrator
    form = FORMS[kind](request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        arguments = form.arguments() if hasattr(form, "arguments") else dict(form.cleaned_data)
        dry_run = "apply" not in request.POST
        try:
            outcome = APPLY[kind](user=request.user, request=request, dry_run=dry_run, **arguments)
        except ValidationError as exc:
            errors_to_form(form, exc)
        else:
            if not dry_run:
                messages.success(request, _("The change is applied."))
                return redirect("mapchange:change_detail", outcome.change.pk)
            preview = outcome
    return render(
        request,
        "mapchange/change_form.html",
        {
            "form": form,
            "kind": kind,
            "kind_label": ChangeKind(kind).label,
            "preview": preview,
            "names": _names(preview.change) if preview else {},
            "counts": counted(preview.counts) if preview else [],
        },
    )


def _names(change) -> dict:
    codes = [change.from_code, change.to_code]
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


@login_required
def change_detail(request, pk: int):
    change = selectors.change_get(user=request.user, pk=pk)
    return render(
        request,
        "mapchange/change_detail.html",
        {"change": change, "names": _names(change), "counts": counted(change.counts)},
    )
