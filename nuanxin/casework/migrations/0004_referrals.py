# Reserved for assessments, referrals and applications: add operations here when its models change.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("casework", "0003_requests")]

    operations: list = []
