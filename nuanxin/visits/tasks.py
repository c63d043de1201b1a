"""Background work: batch schedule refreshes after a policy or cold-snap change, the daily tick."""

from django_tasks import task

from . import derive, rebuild


@task()
def schedules_refresh_task(prefix: str) -> int:
    return rebuild.schedules_rebuild(prefix=prefix)


@task()
def cold_snaps_tick_task() -> int:
    return derive.cold_snaps_tick(refresh=rebuild.schedules_rebuild)
