"""`nuanxin regions …`: the region tree from the command line.

Each verb's arguments and handler live in their own module, so that this file
only lists them; apps above the region tree register theirs in regions.cli
(merge, rename, split and recode come from nuanxin.mapchange).
"""

from django.core.management.base import BaseCommand

from nuanxin.regions import cli


def verbs() -> dict:
    return dict(cli.VERBS)


class Command(BaseCommand):
    help = (
        "The region tree: `regions merge CODE --into CODE --on DATE`, `regions rename CODE NAME`, "
        "`regions split CODE --new-code CODE --name NAME --grids G1,G2 --on DATE`, "
        "`regions recode OLD NEW` (each with --dry-run)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        for verb, module in verbs().items():
            module.add_arguments(sub.add_parser(verb, help=module.HELP))

    def handle(self, *args, verb, **options):
        verbs()[verb].handle(self, **options)
