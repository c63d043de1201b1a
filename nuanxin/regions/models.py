"""The administrative tree: city → district/county → street/town → community/village → grid.

A region's primary key is its statistical code, so a person's `region_id` *is*
the code, and "everything under 成华区" is a range scan on one indexed column.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    CITY = 1, _("City")
    DISTRICT = 2, _("District / county")
    STREET = 3, _("Street / town")
    COMMUNITY = 4, _("Community / village")
    GRID = 5, _("Grid")


# How many leading digits of the code identify a region of each level.
PREFIX_LENGTH = {
    Level.CITY: 4,
    Level.DISTRICT: 6,
    Level.STREET: 9,
    Level.COMMUNITY: 12,
    Level.GRID: 15,
}


def code_range(prefix: str) -> tuple[str, str | None]:
    """Half-open range [low, high) of codes that start with `prefix`.

    A range rather than LIKE 'p%' so the plain btree index serves it on SQLite
    and on PostgreSQL whatever the collation.
    """
    if not prefix:
        return "", None
    if len(prefix) >= PREFIX_LENGTH[Level.GRID]:
        # A grid's code is the longest there is: it stands for itself alone. Its
        # "+1" bound would let in a shorter code: grid 510108010001999's would
        # be 510108010002000, and the community 510108010002 sorts below it.
        return prefix, prefix + "0"
    if set(prefix) == {"9"}:
        return prefix, None
    high = str(int(prefix) + 1).zfill(len(prefix))
    return prefix, high


def prefix_q(prefix: str, field: str = "region_id") -> models.Q:
    low, high = code_range(prefix)
    q = models.Q(**{f"{field}__gte": low})
    if high is not None:
        q &= models.Q(**{f"{field}__lt": high})
    return q


def level_of(code: str) -> Level:
    """The level a code stands for, from its zero padding."""
    if len(code) == 15:
        return Level.GRID
    if len(code) != 12 or not code.isdigit():
        raise ValueError(f"{code!r} is not a 12- or 15-digit region code")
    if code[4:] == "00000000":
        return Level.CITY
    if code[6:] == "000000":
        return Level.DISTRICT
    if code[9:] == "000":
        return Level.STREET
    return Level.COMMUNITY


def ancestor_codes(code: str) -> list[str]:
    """The padded codes of a region and every region above it: 510104010001 →
    510100000000, 510104000000, 510104010000, 510104010001."""
    codes = [code[:4].ljust(12, "0"), code[:6].ljust(12, "0"), code[:9].ljust(12, "0")]
    codes.append(code[:12])
    if len(code) == 15:
        codes.append(code)
    return list(dict.fromkeys(codes))


def code_prefix(code: str) -> str:
    """The significant digits of a padded code: 510108000000 → 510108 (all of 成华区).

    Raises ValueError for anything that is not a 12- or 15-digit region code.
    """
    return code[: PREFIX_LENGTH[level_of(code)]]


def significant(code: str) -> str:
    """A region code or a prefix, as the prefix that stands for everything under it.

    "510108000000" (成华区, padded) and "510108" both give "510108"; a grid's
    15 digits stand for themselves. Raises ValueError for anything else, so a
    bad ``?region=`` is a message, never a silent "nothing matches".
    """
    code = (code or "").strip()
    if len(code) in (12, 15):
        return code_prefix(code)
    if code.isdigit() and len(code) in (4, 6, 9):
        return code
    raise ValueError(f"{code!r} is not a region code")


def contains(outer: str, code: str) -> bool:
    """Does the region `outer` (a code or a prefix) hold the region `code`?"""
    return code.startswith(significant(outer))


def district_of(code: str) -> str:
    """The padded code of the district a region lies in (510108010001 → 510108000000)."""
    return code[:6].ljust(12, "0")


class RegionQuerySet(models.QuerySet):
    def current(self):
        """Regions that may take new data: not retired by an administrative change."""
        return self.filter(retired_on__isnull=True)


class Region(models.Model):
    code = models.CharField(_("code"), max_length=15, primary_key=True)
    name = models.CharField(_("name"), max_length=60)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    # Set by an administrative change (merge, split of grids, recode): the region's
    # history stays readable under its code, but nothing new is filed under it.
    retired_on = models.DateField(_("retired on"), null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("succeeded by"),
    )

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")

    def __str__(self):
        return self.name

    @property
    def prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[self.level]]

    def clean(self):
        try:
            expected = level_of(self.code)
        except ValueError as exc:
            raise ValidationError({"code": str(exc)}) from None
        if self.level != expected:
            raise ValidationError({"level": _("The code stands for another level.")})
        if self.parent and not self.code.startswith(self.parent.prefix):
            raise ValidationError({"code": _("The code must lie under its parent's code.")})

    def ancestors(self) -> list["Region"]:
        """From the city down to this region (one query per level, at most five)."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain[::-1]

    def full_name(self) -> str:
        return "".join(r.name for r in self.ancestors() if r.level > Level.CITY)

    def contains(self, code: str) -> bool:
        return code.startswith(self.prefix)

    @property
    def retired(self) -> bool:
        return self.retired_on is not None


class AreaCodeAlias(models.Model):
    """A 6-digit ID-number area code that is retired or renamed (e.g. 510122 双流县).

    ID numbers carrying it are valid; the holder lives wherever the registry says.
    """

    code = models.CharField(_("area code"), max_length=6, primary_key=True)
    name = models.CharField(_("historical name"), max_length=60)
    region = models.ForeignKey(Region, models.PROTECT, verbose_name=_("current region"))

    class Meta:
        verbose_name = _("historical area code")
        verbose_name_plural = _("historical area codes")

    def __str__(self):
        return f"{self.code} {self.name}"


class ChangeKind(models.TextChoices):
    RENAME = "rename", _("rename")
    MERGE = "merge", _("merge")
    SPLIT = "split", _("split")
    RECODE = "recode", _("recode")


class AdministrativeChange(models.Model):
    """One change of the map (区划调整), applied at once and never edited or undone:
    another change corrects it.

    A merge or split moves people from one code to another from `cut_month` on:
    coverage of an earlier month reads each moved person under `ChangeMove.old_region_id`
    (the map as it was), of that month and later under their region now.
    """

    kind = models.CharField(_("kind"), max_length=8, choices=ChangeKind.choices)
    # rename: the region; merge: the community retired (B); split: the community split;
    # recode: the old code.
    from_code = models.CharField(_("from"), max_length=15)
    # merge: the community kept (A); split: the new community; recode: the new code.
    to_code = models.CharField(_("to"), max_length=15, blank=True)
    name = models.CharField(_("new name"), max_length=60, blank=True)
    old_name = models.CharField(_("old name"), max_length=60, blank=True)
    effective_on = models.DateField(_("effective from"))
    # The first month counted under the new map: the month the change takes effect in.
    cut_month = models.DateField()
    # split: the grids that go to the new community; merge: old grid -> new grid code.
    grids = models.JSONField(_("grids"), default=list, blank=True)
    # What moved, per kind of record ("people": 2000, "visits": 0 …).
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("applied by"),
    )
    applied_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    class Meta:
        ordering = ["-applied_at", "-id"]
        verbose_name = _("administrative change")
        verbose_name_plural = _("administrative changes")

    def __str__(self):
        return f"{self.get_kind_display()} {self.from_code} → {self.to_code or self.name}"


class ChangeMove(models.Model):
    """A person moved by a merge or split, or moving house (`change` None: the registry's
    PersonMove): where coverage counts them before `cut_month`.

    `person_id` is a plain copy (the region tree sits below the registry).
    """

    change = models.ForeignKey(
        AdministrativeChange, models.CASCADE, related_name="moves", null=True, blank=True
    )
    person_id = models.BigIntegerField()
    old_region_id = models.CharField(max_length=15)
    new_region_id = models.CharField(max_length=15)
    cut_month = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["cut_month", "person_id"], name="changemove_cut_idx"),
            models.Index(fields=["person_id", "cut_month"], name="changemove_person_idx"),
        ]

    def __str__(self):
        return f"{self.person_id}: {self.old_region_id} → {self.new_region_id}"
