"""人户分离: a person's place of registration (户籍地) beside their residence (`region`).

Added nullable, filled from the residence in one UPDATE, then made required.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("regions", "0004_changemove_person_moves"),
        ("registry", "0005_device_campaign_link"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="registered_region",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="registered_people",
                to="regions.region",
                verbose_name="registered place",
            ),
        ),
        migrations.RunSQL(
            "UPDATE registry_person SET registered_region_id = region_id",
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name="person",
            name="registered_region",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="registered_people",
                to="regions.region",
                verbose_name="registered place",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["registered_region"], name="person_registered_idx"),
        ),
    ]
