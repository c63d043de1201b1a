"""The shipped tier rules, visit policies and checklist v1 (editable data afterwards)."""

from django.db import migrations

from nuanxin.visits import defaults


def load(apps, schema_editor):
    TierRule = apps.get_model("visits", "TierRule")
    VisitPolicy = apps.get_model("visits", "VisitPolicy")
    ChecklistVersion = apps.get_model("visits", "ChecklistVersion")
    if not TierRule.objects.exists():
        for position, (name, tier, conditions) in enumerate(defaults.TIER_RULES):
            TierRule.objects.create(
                name=name, tier=tier, conditions=conditions, position=position * 10
            )
    for tier, (gap, methods) in defaults.POLICIES.items():
        VisitPolicy.objects.get_or_create(
            tier=tier,
            valid_from=defaults.POLICY_EPOCH,
            defaults={"max_gap_days": gap, "methods": methods, "major_change_hours": 24},
        )
    ChecklistVersion.objects.get_or_create(
        version=1, defaults={"valid_from": defaults.POLICY_EPOCH, "items": defaults.CHECKLIST_V1}
    )


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
