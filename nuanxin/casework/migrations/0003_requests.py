# Help requests and SLA rules: the default response times (data, editable by the city admin).
from django.db import migrations

# urgency -> (first contact within hours, resolved within hours)
SLA_DEFAULTS = {
    "urgent": (2, 24),
    "normal": (24, 72),
    "low": (72, 168),
}


def sla_rules_load(apps, schema_editor):
    """Idempotent: tests re-run it after a flush (tests/conftest.py)."""
    SlaRule = apps.get_model("casework", "SlaRule")
    for urgency, (first_contact, resolve) in SLA_DEFAULTS.items():
        SlaRule.objects.update_or_create(
            urgency=urgency,
            defaults={"first_contact_hours": first_contact, "resolve_hours": resolve},
        )


class Migration(migrations.Migration):
    dependencies = [("casework", "0002_initial")]

    operations = [migrations.RunPython(sla_rules_load, migrations.RunPython.noop)]
