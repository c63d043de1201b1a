"""`nuanxin export people [--region CODE] [--user USERNAME] [--reveal REASON] -o FILE.xlsx`."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from nuanxin.ledgers.services import people_export
from nuanxin.regions.models import significant


class Command(BaseCommand):
    help = (
        "Write a ledger (xlsx). KIND: people. Runs as the system (the whole city) unless "
        "--user; identifiers are in clear only with --reveal."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["people"])
        parser.add_argument("--region", default="", help="region code (everything under it)")
        parser.add_argument("-o", "--output", required=True, metavar="FILE.xlsx")
        parser.add_argument("--user", metavar="USERNAME", help="export within this user's scope")
        parser.add_argument("--reveal", metavar="REASON", help="ID numbers and phones in clear")

    def handle(self, *args, **options):
        region = options["region"].strip()
        if region:
            try:
                significant(region)
            except ValueError:
                raise CommandError(f"not a region code: {region}") from None
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"no such user: {options['user']}")
        try:
            count = people_export(
                user=user,
                target=options["output"],
                filters={"region": region},
                reveal=bool(options["reveal"]),
                reason=options["reveal"] or "",
            )
        except PermissionDenied as exc:
            # The same answer as the pages and the API: the gate said no.
            raise CommandError(str(exc) or "not allowed") from None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"{count} rows written to {options['output']}")
