from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from nuanxin.core import access

from .models import AuditEvent


@login_required
def event_list(request):
    if not access.can(request.user, access.Action.AUDIT):
        raise Http404
    return render(request, "audit/event_list.html", {"events": AuditEvent.objects.all()[:50]})
