"""The district column every table of a person's data carries (docs/scaling.md, "Past
one city").

Sharded by district (Citus), a district's people and everything about them live on
one node: each such table needs the district in a column of its own, and in each of
its unique keys. `district` is the first six digits of the row's region code (510108
for 成华区). A row with a region code of its own keeps the two equal under a CHECK
constraint (`district_check`), so a writer that moves a row and forgets the district
fails loudly; a row that hangs on a parent with no region of its own (a person's
enrollment, a visit's finding) copies the parent's district.

The field fills itself on every insert through the ORM (save and bulk_create call
`pre_save`); hand-written SQL names it, and queryset updates that move a region code
go through `moved` below.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import migrations, models
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _

LENGTH = 6


def district_of_code(code: str | None) -> str | None:
    """The district part of a region code (510108010001 → 510108)."""
    return code[:LENGTH] if code else code


class DistrictField(models.CharField):
    """The row's district, from `source`: its own region code column (``region_id``)
    or the foreign key to the parent it hangs on (``person``)."""

    def __init__(self, *args, source: str = "region_id", **kwargs):
        self.source = source
        kwargs.setdefault("max_length", LENGTH)
        kwargs.setdefault("editable", False)
        kwargs.setdefault("verbose_name", _("district"))
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"] = self.source
        for key, value in (("max_length", LENGTH), ("editable", False)):
            if kwargs.get(key) == value:
                del kwargs[key]
        kwargs.pop("verbose_name", None)
        return name, path, args, kwargs

    @property
    def follows_parent(self) -> bool:
        return not self.source.endswith("_id")

    def clean(self, value, model_instance):
        # full_clean runs before save: the CHECK and the unique keys it validates need it.
        return self._district(model_instance, model_instance._state.adding)

    def pre_save(self, instance, add):
        value = self._district(instance, add)
        setattr(instance, self.attname, value)
        return value

    def _district(self, instance, add):
        if not self.follows_parent:
            return district_of_code(getattr(instance, self.source))
        key = instance._meta.get_field(self.source)
        if key.is_cached(instance):
            parent = getattr(instance, self.source)
            return parent.district if parent is not None else None
        current = getattr(instance, self.attname)
        if current and not add:
            return current  # an update of other fields: the parent's move re-homes it
        parent_id = getattr(instance, key.attname)
        manager = key.related_model._base_manager
        return manager.filter(pk=parent_id).values_list("district", flat=True).first()


def district_field(model) -> DistrictField | None:
    for field in model._meta.concrete_fields:
        if isinstance(field, DistrictField):
            return field
    return None


class DistrictOf(Substr):
    """The district of a region code column, in SQL: its first six characters."""

    # Django's SQLite introspection splits a table's SQL at ", ", so a CHECK in the
    # table's definition must not contain one (it would break get_constraints).
    arg_joiner = ","

    def __init__(self, expression, **extra):
        super().__init__(expression, 1, LENGTH, **extra)


class DistrictCheck(models.CheckConstraint):
    """The CHECK that keeps a row's district equal to its region code's first six digits.

    It guards hand-written SQL; full_clean checks it in Python, without the query
    Django's CheckConstraint spends on each validation (a visit's write is hot)."""

    def validate(self, model, instance, exclude=None, using=None):
        field = district_field(model)
        names = {field.name, field.source, field.source.removesuffix("_id")}
        if exclude and names & set(exclude):
            return
        if getattr(instance, field.attname) != district_of_code(getattr(instance, field.source)):
            raise ValidationError(
                self.get_violation_error_message(), code=self.violation_error_code
            )


def district_check(model_name: str, source: str = "region_id") -> models.CheckConstraint:
    return DistrictCheck(
        condition=models.Q(district=DistrictOf(source)),
        name=f"{model_name}_district_of_region",
    )


def moved(model, column: str, value) -> dict:
    """The keyword arguments of a queryset update that sets `column` to `value` and,
    when the model's district follows that column, the district with it."""
    changes = {column: value}
    field = district_field(model)
    if field is not None and column in (field.source, field.source.removesuffix("_id")):
        if isinstance(value, str):
            changes[field.attname] = district_of_code(value)
        else:
            changes[field.attname] = Substr(value, 1, LENGTH)
    return changes


def parents_followed(person_ids=None) -> int:
    """Rows that copy a parent's district take it again (after people moved, or after a
    map change when `person_ids` is None: then only rows that differ are written)."""
    from django.apps import apps

    written = 0
    for model in apps.get_models():
        field = district_field(model)
        if field is None or not field.follows_parent:
            continue
        key = model._meta.get_field(field.source)
        parent = key.related_model
        parents = parent._base_manager.filter(pk=models.OuterRef(key.attname))
        rows = model._base_manager.all()
        if person_ids is not None:
            via = "person_id" if field.source == "person" else f"{field.source}__person_id"
            rows = rows.filter(**{f"{via}__in": list(person_ids)})
        rows = rows.exclude(**{field.attname: models.F(f"{field.source}__district")})
        written += rows.update(**{field.attname: models.Subquery(parents.values("district")[:1])})
    return written


def fill_districts(*labels: str):
    """A migration step: rows written before the column existed take their district
    (own region codes first, then the rows that copy a parent's, in `labels` order)."""

    def forward(apps, schema_editor):
        quote = schema_editor.connection.ops.quote_name
        with schema_editor.connection.cursor() as cursor:
            for label in labels:
                model = apps.get_model(label)
                field = model._meta.get_field("district")
                table = quote(model._meta.db_table)
                source = model._meta.get_field(field.source)
                if not field.follows_parent:
                    cursor.execute(
                        f"UPDATE {table} SET district = substr({quote(source.column)}, 1, {LENGTH})"
                    )
                    continue
                parent = quote(source.related_model._meta.db_table)
                cursor.execute(
                    f"UPDATE {table} SET district = (SELECT p.district FROM {parent} p"
                    f" WHERE p.id = {table}.{quote(source.column)})"
                )

    return migrations.RunPython(forward, migrations.RunPython.noop, elidable=False)
