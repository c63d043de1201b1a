# Reserved for help requests and SLA rules: add operations here when its models change.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("casework", "0002_initial")]

    operations: list = []
