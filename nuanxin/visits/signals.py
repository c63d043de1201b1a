"""Signals the visits app sends: what other apps may act on, without visits knowing them.

``follow_up_created(follow_up=…)`` is sent inside the visit's transaction for
each follow-up a visit records (a finding that needs a help request or a
service task, a failed safety item to rectify). Casework subscribes in its
`receivers.py`; a receiver that raises undoes the whole visit, and the visitor
sees why on the form.
"""

from django.dispatch import Signal

follow_up_created = Signal()


# --- what another app offers the visit form --------------------------------------------
#
# A follow-up that becomes a service task names the task and who does it; the
# kinds of task and the people who may be given one are casework's to say.
# Casework provides them at start-up (`provide_task_options`), so the visit
# form offers exactly what casework accepts without visits importing casework.


class TaskOptions:
    """The default until an app provides better: no task kinds, nobody to assign."""

    def kinds(self) -> list[tuple[str, str]]:
        return []

    def assignees(self, region_id: str) -> list[tuple[str, str]]:
        return []

    def usual_assignee(self, region_id: str) -> str:
        """The value of the assignee most tasks here go to ("" for none)."""
        return ""


task_options: TaskOptions = TaskOptions()


def provide_task_options(options: TaskOptions) -> None:
    global task_options  # noqa: PLW0603 — one provider, set once at start-up
    task_options = options
