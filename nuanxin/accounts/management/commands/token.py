from django.core.management.base import BaseCommand, CommandError

from nuanxin.accounts.models import User
from nuanxin.accounts.services import api_token_create


class Command(BaseCommand):
    help = "API tokens: `token create USERNAME` prints a new token alone on the last line."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="create a bearer token for a user")
        create.add_argument("username")

    def handle(self, *args, verb, username, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user {username!r}")
        token = api_token_create(user=user)
        self.stderr.write(f"token for {username} (shown once; keep it secret):")
        self.stdout.write(token)
