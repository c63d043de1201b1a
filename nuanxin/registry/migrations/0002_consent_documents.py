# Consents get an attached document (the signed form or a photo of it).
from django.db import migrations, models

import nuanxin.registry.models


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="consent",
            name="document_file",
            field=models.FileField(
                blank=True,
                max_length=200,
                upload_to=nuanxin.registry.models.consent_document_path,
                verbose_name="document",
            ),
        ),
    ]
