# Reserved for service tasks from visit findings: add operations here when FollowUp changes.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("visits", "0006_visit_tally")]

    operations: list = []
