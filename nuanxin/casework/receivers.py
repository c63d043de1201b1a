"""What casework does when other apps tell it something.

A visit's follow-ups (`nuanxin.visits.signals.follow_up_created`) become casework
inside the visit's transaction: a help-request follow-up a help request, a
service-task or rectification follow-up a task. A refusal here (an assignee
who does not work in the area) undoes the visit, and the visitor sees why.
"""

from __future__ import annotations

from nuanxin.accounts.selectors import usual_worker
from nuanxin.core.access import Role
from nuanxin.visits import signals as visit_signals
from nuanxin.visits.models import FollowUpKind
from nuanxin.visits.signals import follow_up_created

from .forms.service_tasks import assignee_choices
from .models import TaskKind
from .services.requests import request_from_follow_up
from .services.service_tasks import task_from_follow_up

# Who a visit's task may go to: the people who work the area on the ground.
FIELD_ROLES = (Role.COMMUNITY_WORKER, Role.GRID_WORKER, Role.SOCIAL_WORKER, Role.VOLUNTEER)


def follow_up_to_casework(sender, follow_up, **kwargs) -> None:
    if follow_up.picked_up_at:
        return
    if follow_up.kind == FollowUpKind.HELP_REQUEST:
        request_from_follow_up(follow_up)
    elif follow_up.kind in (FollowUpKind.SERVICE_TASK, FollowUpKind.RECTIFICATION):
        task_from_follow_up(follow_up)


class TaskOptions(visit_signals.TaskOptions):
    """The task kinds and assignees a visit's follow-up may name."""

    def kinds(self):
        return TaskKind.choices

    def assignees(self, region_id: str):
        # Those who could do the work on the ground: never an administrator or officer.
        return assignee_choices(region_id, roles=FIELD_ROLES)

    def usual_assignee(self, region_id: str) -> str:
        user = usual_worker(region_id)
        return str(user.pk) if user else ""


def connect() -> None:
    follow_up_created.connect(follow_up_to_casework, dispatch_uid="casework.follow_up")
    visit_signals.provide_task_options(TaskOptions())
