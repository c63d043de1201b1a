"""Adding a grid under a community, for the city administrator and district officers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from . import services
from .forms import GridForm, communities_in


@login_required
def grid_create(request):
    scope = services.grid_scope(request.user)
    if scope.nowhere:
        raise Http404
    form = GridForm(request.POST or None, communities=communities_in(scope))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grid = services.grid_create(
                user=request.user,
                community_code=data["community"],
                number=data["number"],
                name=data["name"],
                request=request,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                _("Grid %(code)s %(name)s is added.") % {"code": grid.code, "name": grid.name},
            )
            return redirect("regions:grid_create")
    return render(request, "regions/grid_create.html", {"form": form})
