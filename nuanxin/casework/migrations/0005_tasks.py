# Reserved for service tasks and care plans: add operations here when its models change.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("casework", "0004_referrals")]

    operations: list = []
