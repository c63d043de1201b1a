# Reserved for consents and devices: add operations here when its models change.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]

    operations: list = []
