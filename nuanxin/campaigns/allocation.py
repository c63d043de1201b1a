"""Allocation itself: one ``INSERT … SELECT`` of the distinct eligible people a batch.

Batches follow the child regions of the campaign's areas (the streets of a
district …), each its own transaction, with the count saved on the campaign
after each so the page can show progress. ``ON CONFLICT DO NOTHING`` and the
unique constraints on (campaign, person) and (campaign, household) make a
rerun, or two runs at once, add nobody twice.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection, models, transaction
from django.db.models import Case, Exists, F, OuterRef, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from nuanxin.regions.models import Region, significant

from . import selectors
from .models import Allocation, AllocationState, Campaign, Method, Status, Unit

logger = logging.getLogger(__name__)


def _insert_select(campaign: Campaign, prefix: str | None, now: dt.datetime) -> int:
    """One INSERT … SELECT of the eligible people under `prefix` not yet allocated."""
    people = selectors.eligible_people(campaign)
    if prefix:
        people = people.within(prefix)
    people = people.exclude(
        Exists(Allocation.objects.filter(campaign_id=campaign.pk, person_id=OuterRef("pk")))
    )
    household = campaign.unit == Unit.HOUSEHOLD
    if household:
        people = people.exclude(
            Exists(
                Allocation.objects.filter(
                    campaign_id=campaign.pk, household_id=OuterRef("household_id")
                )
            )
        )
    default = selectors.default_method(campaign)
    method = (
        Value(default)
        if default == Method.INSTALLATION
        else Case(
            When(selectors.homebound_q(), then=Value(Method.DELIVERY)),
            default=Value(Method.PICKUP),
            output_field=models.CharField(),
        )
    )
    columns = {
        "campaign_id": Value(campaign.pk, output_field=models.IntegerField()),
        "person_id": F("pk"),
        "household_id": F("household_id")
        if household
        # Typed, so PostgreSQL does not read a bare NULL in the SELECT list as text.
        else Cast(Value(None), output_field=models.BigIntegerField()),
        "region_id": F("region_id"),
        "district": F("district"),
        "method": method,
        "status": Value(Status.ALLOCATED),
        "call_outcome": Value(""),
        "signer": Value(""),
        "signer_name": Value(""),
        "refused_reason": Value(""),
        "note": Value(""),
        "created_at": Value(now, output_field=models.DateTimeField()),
        "updated_at": Value(now, output_field=models.DateTimeField()),
    }
    aliases = {f"c_{name}": expr for name, expr in columns.items()}
    select = people.order_by().annotate(**aliases).values_list(*aliases)
    sql, params = select.query.sql_with_params()
    table = connection.ops.quote_name(Allocation._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {sql} ON CONFLICT DO NOTHING", params)
        return max(cursor.rowcount, 0)


def _batches(campaign: Campaign) -> list[str]:
    """Child regions of each area (streets of a district …), for progress between batches."""
    prefixes = selectors.area_prefixes(campaign)
    out: list[str] = []
    for prefix in prefixes:
        code = prefix.ljust(12, "0") if len(prefix) < 12 else prefix
        children = Region.objects.filter(parent_id=code).values_list("code", flat=True)
        out.extend(significant(c) for c in children)
    return out


def allocate_run(*, campaign_id: int) -> int:
    """The allocation itself (the task worker's, or inline): batch by child region, each
    batch its own transaction, progress saved after each. Returns how many were added."""
    campaign = Campaign.objects.get(pk=campaign_id)
    Campaign.objects.filter(pk=campaign_id).update(allocation_state=AllocationState.RUNNING)
    now = timezone.now()
    added = 0
    try:
        for prefix in [*_batches(campaign), None]:  # None: anyone left at the areas' own level
            with transaction.atomic():
                added += _insert_select(campaign, prefix, now)
            done = Allocation.objects.filter(campaign_id=campaign_id).count()
            Campaign.objects.filter(pk=campaign_id).update(allocation_done=done)
    except Exception:
        Campaign.objects.filter(pk=campaign_id).update(allocation_state=AllocationState.FAILED)
        logger.exception("allocating campaign #%s failed", campaign_id)
        raise
    Campaign.objects.filter(pk=campaign_id).update(allocation_state=AllocationState.DONE)
    return added
