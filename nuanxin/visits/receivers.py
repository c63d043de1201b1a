"""Keep each person's tier and visit duty current when the registry changes them.

The registry knows nothing of tiers; it saves people, enrollments, disabilities
and contacts, and these receivers recompute the one person concerned (a few
indexed queries). Bulk loads that bypass the ORM run `nuanxin visits_refresh`.
"""

from django.db.models.signals import post_delete, post_save

from nuanxin.registry.models import Contact, Disability, Enrollment, Person

from . import derive


def person_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    origin = kwargs.get("origin")
    if isinstance(origin, Person) or getattr(origin, "model", None) is Person:
        return  # the person itself is being deleted
    person_id = instance.pk if sender is Person else instance.person_id
    derive.schedules_refresh(person_ids=[person_id])


def connect() -> None:
    post_save.connect(person_changed, sender=Person, dispatch_uid="visits_person_saved")
    for model in (Enrollment, Disability, Contact):
        post_save.connect(person_changed, sender=model, dispatch_uid=f"visits_{model.__name__}_s")
        post_delete.connect(person_changed, sender=model, dispatch_uid=f"visits_{model.__name__}_d")
