# Service tasks from visit findings: which job, and who does it.
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("visits", "0006_visit_tally"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="followup",
            name="assignee",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="assign to",
            ),
        ),
        migrations.AddField(
            model_name="followup",
            name="task_kind",
            field=models.CharField(blank=True, max_length=20, verbose_name="task"),
        ),
    ]
