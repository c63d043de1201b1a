# Reserved for providers: add operations here when its models change.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations: list = []
