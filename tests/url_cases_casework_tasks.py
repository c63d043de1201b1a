"""Access cases for service tasks and care plans, pages and /api/v1 (format: tests/url_cases.py)."""

from django.utils import timezone

from nuanxin.casework.services import care_plans, service_tasks
from tests.url_cases import api, builder, page

PERSON = {"person_id": "person"}


@builder("service_task")
def _service_task(s):
    # Daily for three days from today, nobody assigned: the personas' own reach decides.
    task = service_tasks.service_task_create(
        user=s.worker,
        person_id=s.person.pk,
        kind="water",
        starts_on=timezone.localdate(),
        recurrence="daily",
        occurrences=3,
    )
    return task.pk


@builder("task_occurrence")
def _task_occurrence(s):
    from nuanxin.casework.models import TaskOccurrence

    return TaskOccurrence.objects.filter(task_id=s.pk("service_task")).order_by("due_on")[0].pk


@builder("care_plan")
def _care_plan(s):
    plan = care_plans.care_plan_create(
        user=s.worker,
        person_id=s.person.pk,
        kind="psychological",
        goals="缓解孤独感",
        responsible=[s.worker],
        starts_on=timezone.localdate(),
        sessions=12,
    )
    return plan.pk


@builder("care_session")
def _care_session(s):
    from nuanxin.casework.models import CareSession

    return CareSession.objects.get(plan_id=s.pk("care_plan"), number=1).pk


def _with_task(s):
    # A GET has no body: building here makes the list hold 蔡阿姨's task.
    s.pk("service_task")
    return {}


def _task_form(s):
    return {
        "kind": "water",
        "recurrence": "daily",
        "starts_on": timezone.localdate().isoformat(),
        "occurrences": 2,
    }


def _task_in(s):
    return {**_task_form(s), "person_id": s.person.pk}


def _plan_form(s):
    return {
        "kind": "home_service",
        "goals": "生活照料",
        "responsible": [s.worker.pk],
        "starts_on": timezone.localdate().isoformat(),
        "recurrence": "weekly",
        "sessions": 4,
    }


def _plan_in(s):
    return {**_plan_form(s), "person_id": s.person.pk}


def _session_form(s):
    return {"held_on": timezone.localdate().isoformat(), "mode": "phone", "notes": "电话回访"}


CASES = [
    # A volunteer's /tasks/ is her own days (empty here); staff see their area's tasks.
    page("casework:task_list", scope="list", data=_with_task, shows=True),
    page("casework:task_new", kwargs=PERSON, action="change", link=403),
    page(
        "casework:task_new",
        kwargs=PERSON,
        action="change",
        method="POST",
        data=_task_form,
        ok=302,
        link=403,
    ),
    page("casework:task_detail", kwargs={"pk": "service_task"}, shows=True),
    page(
        "casework:task_detail",
        kwargs={"pk": "service_task"},
        action="change",
        method="POST",
        data={"action": "cancel", "reason": "家人回来了"},
        ok=302,
        # Inspectors may see the task, so they are told "not allowed" rather than "not found".
        expect={"inspector": 403},
    ),
    page(
        "casework:occurrence_done",
        kwargs={"pk": "task_occurrence"},
        action="change",
        method="POST",
        ok=302,
    ),
    page("casework:plan_new", kwargs=PERSON, action="change", link=403),
    page(
        "casework:plan_new",
        kwargs=PERSON,
        action="change",
        method="POST",
        data=_plan_form,
        ok=302,
        link=403,
    ),
    page("casework:plan_detail", kwargs={"pk": "care_plan"}, shows=True),
    page(
        "casework:plan_detail",
        kwargs={"pk": "care_plan"},
        action="change",
        method="POST",
        data={"action": "close", "outcome": "目标达成", "closed_on": str(timezone.localdate())},
        ok=302,
    ),
    page("casework:session_record", kwargs={"pk": "care_session"}, shows=True),
    page(
        "casework:session_record",
        kwargs={"pk": "care_session"},
        action="change",
        method="POST",
        data=_session_form,
        ok=302,
    ),
    api("api:task_list", scope="list", data=_with_task, shows=True),
    api("api:task_create", method="POST", data=_task_in, action="change", ok=201, link=403),
    api("api:task_detail", kwargs={"task_id": "service_task"}, shows=True),
    api(
        "api:occurrence_done",
        kwargs={"occurrence_id": "task_occurrence"},
        method="POST",
        data={"client_id": "url-case"},
        action="change",
        ok=201,
    ),
    api("api:plan_create", method="POST", data=_plan_in, action="change", ok=201, link=403),
    api("api:plan_detail", kwargs={"plan_id": "care_plan"}, shows=True),
    api(
        "api:session_record",
        kwargs={"session_id": "care_session"},
        method="POST",
        data=_session_form,
        action="change",
    ),
]
