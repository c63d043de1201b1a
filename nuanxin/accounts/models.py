import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nuanxin.core.access import Role


class User(AbstractUser):
    """A person who works in the system. Their reach comes from memberships."""

    full_name = models.CharField(_("full name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    # Set for an account made with a one-time password (a roster import): the next
    # login leads to the password page and nowhere else until a new one is chosen.
    must_change_password = models.BooleanField(_("must change password"), default=False)

    def __str__(self):
        return self.full_name or self.username

    def get_full_name(self):
        # Chinese names are one field (孙婷), not Django's first + last.
        return self.full_name or super().get_full_name()


class Membership(models.Model):
    user = models.ForeignKey(User, models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey("regions.Region", models.PROTECT, verbose_name=_("region"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "region"], name="membership_unique")
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self):
        return f"{self.get_role_display()} · {self.region}"


class ApiTokenQuerySet(models.QuerySet):
    def live(self, now=None):
        """Tokens that still open the API: not revoked, not expired, their user active."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, user__is_active=True)


class ApiToken(models.Model):
    """A bearer token. Only its SHA-256 is stored; the token is shown once.

    Every token ends: at `expires_at` (NUANXIN_TOKEN_DAYS after creation unless
    asked otherwise), or earlier when revoked. Expired and revoked tokens
    answer 401.
    """

    user = models.ForeignKey(User, models.CASCADE, related_name="api_tokens")
    name = models.CharField(
        _("name"), max_length=60, blank=True, help_text=_("what the token is for")
    )
    digest = models.CharField(max_length=64, unique=True)
    hint = models.CharField(max_length=8, help_text="first characters, to tell tokens apart")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.user} · {self.name or self.hint}"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "active"
