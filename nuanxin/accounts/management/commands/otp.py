import time

from django.core.management.base import BaseCommand, CommandError

from nuanxin.accounts import otp
from nuanxin.accounts.models import User
from nuanxin.accounts.services import otp_reset


class Command(BaseCommand):
    help = (
        "The second factor: `otp reset USERNAME` removes a user's authenticator and "
        "recovery codes (they enrol again at their next login); `otp code USERNAME` prints "
        "the current code of a demo login (never of a real enrolment)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb", required=True)
        reset = sub.add_parser("reset", help="remove a user's second-factor devices")
        reset.add_argument("username")
        reset.add_argument("--reason", default="", help="kept in the audit log")
        code = sub.add_parser("code", help="the current code of a demo login")
        code.add_argument("username")

    def handle(self, *args, verb, username, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        if verb == "reset":
            removed = otp_reset(user=user, reason=options["reason"])
            then = (
                "must enrol again at their next login"
                if otp.required_for(user)
                else "may enrol again"
            )
            self.stdout.write(
                f"removed {removed} second-factor device(s) of {username}; they {then}."
            )
            return
        self._code(user)

    def _code(self, user):
        # Only a demo secret, whatever NUANXIN_DEBUG says: a demo secret follows from
        # the user name and is as public as the demo password; a real enrolment's
        # codes come from its owner's phone and from nowhere else.
        device = otp.totp_device(user)
        if device is None:
            raise CommandError(f"{user.username} has no second factor")
        if not otp.is_demo_device(device):
            raise CommandError(
                f"{user.username}'s second factor is a real enrolment, not a demo one: "
                "its codes come from their authenticator app only"
            )
        now = time.time()
        self.stderr.write(
            f"current code for {user.username} (valid {otp.seconds_left(device, now)} s more, once):"
        )
        self.stdout.write(otp.code_at(device, now))
