from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from nuanxin.accounts.models import ApiToken, User
from nuanxin.accounts.selectors import api_tokens_of
from nuanxin.accounts.services import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = (
        "API tokens: `token create USERNAME [--name N] [--days D]` prints a new token alone "
        "on the last line; `token list USERNAME`; `token revoke USERNAME ID… | --all`."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        create = sub.add_parser("create", help="create a bearer token for a user")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")
        create.add_argument(
            "--days",
            type=int,
            default=None,
            help=(
                f"days until it expires (default {settings.API_TOKEN_DAYS}, "
                f"at most {settings.API_TOKEN_MAX_DAYS})"
            ),
        )
        listing = sub.add_parser("list", help="a user's tokens, newest first")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="end tokens now")
        revoke.add_argument("username")
        revoke.add_argument("ids", nargs="*", type=int, help="token ids (from `token list`)")
        revoke.add_argument("--all", action="store_true", help="every live token of the user")

    def handle(self, *args, verb, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        getattr(self, f"_{verb}")(user, **options)

    def _create(self, user, *, name, days, **options):
        if not user.is_active:
            raise CommandError(f"{user.username!r} is not active")
        try:
            token = api_token_create(user=user, name=name, days=days)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        row = ApiToken.objects.get(digest=ApiToken.digest_of(token))
        self.stderr.write(
            f"token {row.pk} for {user.username}, expires {row.expires_at:%Y-%m-%d} "
            "(shown once; keep it secret):"
        )
        self.stdout.write(token)

    def _list(self, user, **options):
        rows = list(api_tokens_of(user))
        if not rows:
            self.stdout.write(f"{user.username} has no tokens.")
            return
        self.stdout.write(
            f"{'id':>6}  {'status':<8} {'hint':<9} {'expires':<10} {'last used':<16} name"
        )
        for row in rows:
            used = (
                timezone.localtime(row.last_used_at).strftime("%Y-%m-%d %H:%M")
                if row.last_used_at
                else "never"
            )
            expires = timezone.localtime(row.expires_at).strftime("%Y-%m-%d")
            self.stdout.write(
                f"{row.pk:>6}  {row.status:<8} {row.hint:<9} {expires:<10} {used:<16} {row.name}"
            )

    def _revoke(self, user, *, ids, all, **options):
        if bool(ids) == bool(all):
            raise CommandError("name token ids, or --all (not both)")
        tokens = ApiToken.objects.live().filter(user=user) if all else api_tokens_of(user)
        if ids:
            tokens = tokens.filter(pk__in=ids)
            missing = sorted(set(ids) - set(tokens.values_list("pk", flat=True)))
            if missing:
                raise CommandError(f"{user.username} has no token {', '.join(map(str, missing))}")
        count = 0
        for token in tokens:
            if token.revoked_at is None:
                api_token_revoke(token=token)
                count += 1
        self.stdout.write(f"revoked {count} token(s) of {user.username}")
