import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """A person moving house is recorded in ChangeMove too, without a change of the map."""

    dependencies = [("regions", "0003_administrative_changes")]

    operations = [
        migrations.AlterField(
            model_name="changemove",
            name="change",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="moves",
                to="regions.administrativechange",
            ),
        ),
    ]
