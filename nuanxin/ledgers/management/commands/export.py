"""`nuanxin export KIND [--region CODE] [--user USERNAME] [--reveal REASON] -o FILE.xlsx`.

KIND is any ledger an app registered (`nuanxin.ledgers.exports`): `people`, and
those of the other domains.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from nuanxin.ledgers import exports
from nuanxin.regions.models import significant


class Command(BaseCommand):
    help = (
        "Write a ledger (xlsx). Runs as the system (the whole city) unless --user; "
        "identifiers are in clear only with --reveal."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=exports.kinds())
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
            count = exports.ledger(options["kind"]).write(
                user=user,
                target=options["output"],
                region=region,
                reveal=bool(options["reveal"]),
                reason=options["reveal"] or "",
            )
        except (PermissionDenied, Http404) as exc:
            # The same answer as the pages and the API: the gate said no.
            raise CommandError(str(exc) or "not found") from None
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(f"{count} rows written to {options['output']}")
