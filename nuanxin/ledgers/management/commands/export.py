"""`nuanxin export people [--region CODE] [--user USERNAME] -o FILE.xlsx`."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Prefetch

from nuanxin.ledgers.services import people_export
from nuanxin.regions.models import prefix_q
from nuanxin.registry.models import Enrollment, Person
from nuanxin.registry.selectors import person_list


class Command(BaseCommand):
    help = "Write a ledger (xlsx). KIND: people. Identifiers are in clear only with --reveal."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["people"])
        parser.add_argument("--region", default="", help="region code (everything under it)")
        parser.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
        parser.add_argument("--user", metavar="USERNAME", help="export within this user's scope")
        parser.add_argument("--reveal", metavar="REASON", help="ID numbers and phones in clear")

    def handle(self, *args, **options):
        region = options["region"].strip()
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no such user: {options['user']}")
            people = person_list(user=user, region=_prefix(region))
        else:
            # The system user: the whole city, the same prefetches as the list.
            people = Person.objects.select_related("region").prefetch_related(
                Prefetch(
                    "enrollments",
                    queryset=Enrollment.objects.active_on(),
                    to_attr="active_enrollments",
                )
            )
            if region:
                people = people.filter(prefix_q(_prefix(region)))
        count = people_export(
            user=user,
            people=people,
            target=options["output"],
            filters={"region": region},
            reveal=bool(options["reveal"]),
            reason=options["reveal"] or "",
        )
        self.stdout.write(f"{count} rows written to {options['output']}")


def _prefix(code: str) -> str:
    """510108000000 -> 510108: a padded code stands for everything under it."""
    from nuanxin.regions.models import code_prefix

    if not code:
        return ""
    try:
        return code_prefix(code)
    except ValueError:
        return code
