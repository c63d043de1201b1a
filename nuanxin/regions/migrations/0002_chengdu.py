"""Chengdu's 20 district/county units and their retired ID-number area codes.

Real data every installation needs, so it lives in a migration rather than the demo.
"""

from django.db import migrations

from nuanxin.regions import chengdu


def load(apps, schema_editor):
    Region = apps.get_model("regions", "Region")
    AreaCodeAlias = apps.get_model("regions", "AreaCodeAlias")
    city, _ = Region.objects.get_or_create(
        code=chengdu.CITY[0], defaults={"name": chengdu.CITY[1], "level": 1}
    )
    for code, name in chengdu.DISTRICTS:
        Region.objects.get_or_create(
            code=code + "000000", defaults={"name": name, "level": 2, "parent": city}
        )
    for old, name, current in chengdu.HISTORICAL:
        AreaCodeAlias.objects.get_or_create(
            code=old, defaults={"name": name, "region_id": current + "000000"}
        )


class Migration(migrations.Migration):
    dependencies = [("regions", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
