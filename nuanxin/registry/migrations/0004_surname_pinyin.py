"""Re-spell the pinyin of people whose surname has a reading of its own (曾 zeng, 单 shan …),
so initials search finds them by the reading people use."""

from django.db import migrations
from django.db.models import Q


def respell(apps, schema_editor):
    from nuanxin.core.pinyin import SURNAMES, name_initials, name_pinyin

    Person = apps.get_model("registry", "Person")
    leading = Q()
    for surname in SURNAMES:
        leading |= Q(name__startswith=surname)
    batch = []
    for person in Person.objects.filter(leading).only("id", "name").iterator(2000):
        person.name_pinyin, person.name_initials = name_pinyin(person.name), name_initials(person.name)
        batch.append(person)
        if len(batch) >= 2000:
            Person.objects.bulk_update(batch, ["name_pinyin", "name_initials"])
            batch = []
    Person.objects.bulk_update(batch, ["name_pinyin", "name_initials"])


class Migration(migrations.Migration):
    dependencies = [("registry", "0003_person_index_diet")]

    operations = [migrations.RunPython(respell, migrations.RunPython.noop, elidable=True)]
