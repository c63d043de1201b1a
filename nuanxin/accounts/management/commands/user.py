import sys

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from nuanxin.accounts.models import User
from nuanxin.accounts.services import user_create
from nuanxin.core.access import Role
from nuanxin.regions.models import Region


class Command(BaseCommand):
    help = "Manage users: `user add USERNAME --role ROLE --region CODE [--password-stdin]`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        add = sub.add_parser("add", help="create a user with one membership")
        add.add_argument("username")
        add.add_argument("--role", required=True, choices=Role.values)
        add.add_argument("--region", required=True, help="12- or 15-digit region code")
        add.add_argument("--full-name", default="")
        add.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )

    def handle(self, *args, verb, **options):
        username = options["username"]
        if User.objects.filter(username=username).exists():
            raise CommandError(f"user {username!r} already exists")
        if not Region.objects.filter(code=options["region"]).exists():
            raise CommandError(f"no region with code {options['region']}")
        password = None
        if options["password_stdin"]:
            password = sys.stdin.readline().rstrip("\n")
            try:
                validate_password(password, User(username=username))
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None
        user = user_create(
            username=username,
            role=options["role"],
            region_code=options["region"],
            password=password,
            full_name=options["full_name"],
        )
        self.stdout.write(f"created {user.username} ({options['role']} @ {options['region']})")
