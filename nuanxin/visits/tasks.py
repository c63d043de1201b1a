"""Background work: batch schedule refreshes after a policy or cold-snap change, the daily tick."""

from django_tasks import task


@task()
def schedules_refresh_task(prefix: str) -> int:
    from .services import schedules_refresh_prefix

    return schedules_refresh_prefix(prefix=prefix)


@task()
def cold_snaps_tick_task() -> int:
    from .services import cold_snaps_tick

    return cold_snaps_tick()
