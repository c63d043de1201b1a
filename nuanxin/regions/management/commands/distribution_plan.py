"""Print the SQL that distributes the schema with Citus by district (PostgreSQL only).

nuanxin distribution_plan > distribute.sql   # read it, then run it on the coordinator
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from nuanxin.regions import distribution


class Command(BaseCommand):
    help = "Print the SQL that distributes the schema with Citus by district."

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            raise CommandError("The distribution plan is for PostgreSQL (Citus).")
        keys, distribution_sql = distribution.plan()
        self.stdout.write("-- 1. Keys that hold the district (plain PostgreSQL, no data change)")
        self.stdout.write("BEGIN;")
        for statement in keys:
            self.stdout.write(statement)
        self.stdout.write("COMMIT;\n")
        self.stdout.write("-- 2. The distribution (needs the citus extension)")
        for statement in distribution_sql:
            self.stdout.write(statement)
