from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from . import selectors, services


@login_required
def person_list(request):
    people = selectors.person_list(user=request.user, q=request.GET.get("q", ""))[:50]
    return render(request, "registry/person_list.html", {"people": people})


@login_required
def person_detail(request, pk):
    person = selectors.person_profile(user=request.user, pk=pk)
    services.person_viewed(user=request.user, person=person, request=request)
    return render(request, "registry/person_detail.html", {"person": person})
