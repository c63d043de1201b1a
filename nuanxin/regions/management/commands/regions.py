"""`nuanxin regions …`: the region tree from the command line.

Each verb's arguments and handler live in their own module (imports_cli.py for
`import`), so that this file only lists them.
"""

from django.core.management.base import BaseCommand

from nuanxin.regions import imports_cli

VERBS = {"import": imports_cli}


class Command(BaseCommand):
    help = "The region tree: `regions import FILE [--dry-run]` loads the official division codes."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        for verb, module in VERBS.items():
            module.add_arguments(sub.add_parser(verb, help=module.HELP))

    def handle(self, *args, verb, **options):
        VERBS[verb].handle(self, **options)
