"""The synthetic city: a reproducible Chengdu of people in hardship.

`city_seed(persons=N, seed=S)` builds, below the 20 real districts:

- the region tree (`tree.tree_build`): real street and town names, invented
  communities, villages and grids, the story places at their fixed codes;
- the story people (`story.story_people_create`), whose facts the stories and
  their tests rely on;
- generated households up to N people in all, in realistic proportions:
  mostly elderly people (独居, 空巢, 高龄, 低保, 特困 …), some adults with severe
  disabilities, poor families with children, and children in hardship (orphans,
  left-behind, de-facto unsupported, in distress) with their guardians;
- whatever the other apps add to `steps.SEED_STEPS` (visit history …).

Same seed and same `today` → same people and the same ID numbers. Rows go in
with bulk_create, in batches: `person_create` validates and audits one row at a
time, far too slow for a city, but every row here is built to pass it. One
audit event records the seed itself.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from faker import Faker

from nuanxin.audit.models import AuditAction
from nuanxin.audit.services import audit_record
from nuanxin.regions import chengdu
from nuanxin.registry.models import (
    Category,
    Contact,
    Disability,
    DisabilityCategory,
    Enrollment,
    Household,
    Living,
    Person,
    Status,
)

from .people import (
    IDNumbers,
    PersonPlan,
    birth_for_age,
    birthday_anniversary,
    landline,
    mobile,
    person_row,
)
from .tree import Place, tree_build

DEFAULT_SEED = 2026
BATCH = 2000
SOURCE = "区民政局台账（演示数据）"  # where an enrollment came from, as a clerk writes it

# Districts whose ID numbers were issued under an older code (DESIGN §1): people
# born before the change often still carry it.
HISTORICAL_AREA = {current: (old, 2016) for old, _name, current in chengdu.HISTORICAL}
HISTORICAL_AREA["510118"] = ("510132", 2020)  # 新津县 became 新津区 in 2020
DISTRICT_CODES = [code for code, _name in chengdu.DISTRICTS]

# Household kinds and how often each is drawn (elderly households are the bulk).
HOUSEHOLD_KINDS = {"elderly": 0.66, "disabled_adult": 0.11, "poor_family": 0.06, "child": 0.09}

DISABILITY_WEIGHTS = {
    DisabilityCategory.PHYSICAL: 35,
    DisabilityCategory.VISUAL: 15,
    DisabilityCategory.HEARING: 18,
    DisabilityCategory.SPEECH: 3,
    DisabilityCategory.INTELLECTUAL: 8,
    DisabilityCategory.MENTAL: 8,
    DisabilityCategory.MULTIPLE: 13,
}
# Milder grades are the more common (grade 1 is the most severe).
GRADE_WEIGHTS = {1: 12, 2: 20, 3: 33, 4: 35}
CHILD_RELATIONS = ["儿子", "女儿", "儿子", "女儿", "儿媳", "女婿", "侄子", "孙子", "孙女"]


@dataclass
class SeedResult:
    seed: int
    today: dt.date
    counts: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def summary(self) -> str:
        c = self.counts
        return (
            f"{c['persons']:,} people in {c['households']:,} households, "
            f"{c['enrollments']:,} enrollments, {c['disabilities']:,} disabilities, "
            f"{c['contacts']:,} contacts, {c['regions']:,} new regions "
            f"in {self.seconds:.1f} s (seed {self.seed})"
        )


class Writer:
    """Collects households and their people; inserts them in batches."""

    def __init__(self, *, total: int = 0, stdout=None):
        self.total = total
        self.stdout = stdout
        self.households: list[Household] = []
        self.plans: list[PersonPlan] = []
        self.counts: Counter = Counter()

    def add(self, household: Household, plans: list[PersonPlan]) -> None:
        self.households.append(household)
        for plan in plans:
            plan.person.household = household
        self.plans.extend(plans)
        if len(self.plans) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if not self.plans:
            return
        Household.objects.bulk_create(self.households, batch_size=500)
        Person.objects.bulk_create([p.person for p in self.plans], batch_size=500)
        enrollments = [
            Enrollment(person=p.person, category=c, start_date=s, end_date=e, source=SOURCE)
            for p in self.plans
            for c, s, e in p.categories
        ]
        disabilities = [
            Disability(person=p.person, category=c, grade=g)
            for p in self.plans
            for c, g in p.disabilities
        ]
        contacts = [
            Contact(
                person=p.person,
                name=name,
                relation=relation,
                phone=phone,
                is_guardian=guardian,
                is_emergency=emergency,
                note=note,
            )
            for p in self.plans
            for name, relation, phone, guardian, emergency, note in p.contacts
        ]
        Enrollment.objects.bulk_create(enrollments, batch_size=1000)
        Disability.objects.bulk_create(disabilities, batch_size=1000)
        Contact.objects.bulk_create(contacts, batch_size=1000)
        self.counts.update(
            households=len(self.households),
            persons=len(self.plans),
            enrollments=len(enrollments),
            disabilities=len(disabilities),
            contacts=len(contacts),
        )
        self.households, self.plans = [], []
        if self.stdout is not None and self.total:
            self.stdout.write(f"  people: {self.counts['persons']:,} / {self.total:,}")


class CityGenerator:
    """Draws households from one seeded random stream (and one seeded Faker)."""

    def __init__(
        self,
        *,
        seed: int,
        today: dt.date,
        places: list[Place],
        ids: IDNumbers,
        household_numbers: Counter | None = None,
    ):
        self.rng = ids.rng  # one stream for everything, so one seed fixes everything
        self.ids = ids
        # Faker draws slowly; names come from pools it fills once, with its own
        # frequencies (common surnames stay common).
        fake = Faker("zh_CN")
        fake.seed_instance(seed)
        self.surnames = [fake.last_name() for _ in range(2000)]
        self.given = {
            "M": [fake.first_name_male() for _ in range(1000)],
            "F": [fake.first_name_female() for _ in range(1000)],
        }
        self.today = today
        self.places = places
        self.cum_weights = list(accumulate(p.weight for p in places))
        # Households per community so far (a second seed numbers on from the first).
        self.household_numbers = household_numbers or Counter()

    # --- the stream of households ---------------------------------------------------
    def households(self, persons: int):
        """Yield (household, [PersonPlan]) until `persons` people have been drawn."""
        kinds, weights = list(HOUSEHOLD_KINDS), list(HOUSEHOLD_KINDS.values())
        made = 0
        while made < persons:
            place = self.rng.choices(self.places, cum_weights=self.cum_weights)[0]
            kind = self.rng.choices(kinds, weights)[0]
            household = self._household(place)
            plans = getattr(self, f"_{kind}")(place, household)[: persons - made]
            made += len(plans)
            yield household, plans

    def _household(self, place: Place) -> Household:
        community = place.code[:12]
        self.household_numbers[community] += 1
        return Household(
            number=f"{community}-{self.household_numbers[community]:04d}",
            address=self._address(place),
            region_id=place.code,
        )

    # --- small draws ----------------------------------------------------------------
    def _chance(self, p: float) -> bool:
        return self.rng.random() < p

    def _name(self, sex: str, surname: str | None = None) -> str:
        return (surname or self._surname()) + self.rng.choice(self.given[sex])

    def _surname(self) -> str:
        return self.rng.choice(self.surnames)

    def _sex(self) -> str:
        return self.rng.choice("MF")

    def _birth(self, age: int) -> dt.date:
        return birth_for_age(self.today, age, self.rng.randrange(365))

    def _id_number(self, district: str, birth: dt.date, sex: str) -> str:
        area = district
        if self._chance(0.08):  # born elsewhere in the city
            area = self.rng.choice(DISTRICT_CODES)
        old = HISTORICAL_AREA.get(area)
        if old and birth.year < old[1] and self._chance(0.6):
            area = old[0]
        return self.ids.make(area, birth, sex)

    def _address(self, place: Place) -> str:
        r = self.rng.randint
        if place.rural:
            return f"{place.community_name}{r(1, 12)}组{r(1, 90)}号"
        return f"{place.community_name}{r(1, 30)}栋{r(1, 4)}单元{r(1, 18)}{r(1, 6):02d}号"

    def _phone(self, landline_share: float = 0.0, none_share: float = 0.0) -> str:
        roll = self.rng.random()
        if roll < none_share:
            return ""
        if roll < none_share + landline_share:
            return landline(self.rng)
        return mobile(self.rng)

    def _elderly_age(self) -> int:
        return min(100, 60 + int(self.rng.gammavariate(2.0, 7.0)))

    def _adl_lost(self, age: int) -> int:
        """How many ADL items are lost: most keep all six, more so when younger."""
        keep = 0.88 if age < 75 else 0.72 if age < 85 else 0.5
        if self._chance(keep):
            return 0
        return self.rng.randint(1, 3) if self._chance(0.7) else self.rng.randint(4, 6)

    def _disability(self, *, severe: bool | None = None) -> tuple[int, int]:
        category = self.rng.choices(list(DISABILITY_WEIGHTS), list(DISABILITY_WEIGHTS.values()))[0]
        grades = {1: 12, 2: 20} if severe else {3: 33, 4: 35} if severe is False else GRADE_WEIGHTS
        grade = self.rng.choices(list(grades), list(grades.values()))[0]
        return int(category), grade

    def _status(self, age: int) -> str:
        roll = self.rng.random()
        if roll < (0.035 if age >= 60 else 0.01):
            return Status.IN_HOSPITAL
        if roll < 0.055:
            return Status.MOVED
        if roll < 0.075 and age >= 60:
            return Status.DECEASED
        return Status.ACTIVE

    def _start(self, earliest: dt.date) -> dt.date:
        """When an enrollment began: in the last ten years, not before it could."""
        latest = self.today - dt.timedelta(days=30)
        low = max(earliest, self.today - dt.timedelta(days=3650))
        if low >= latest:
            return low
        return low + dt.timedelta(days=self.rng.randrange((latest - low).days))

    def _plan(
        self,
        *,
        place: Place,
        household: Household,
        sex: str,
        age: int,
        living: str,
        categories: set[str],
        relation: str,
        adl_lost: int = 0,
        phone: str = "",
        surname: str | None = None,
        disabilities=(),
        contacts=(),
    ) -> PersonPlan:
        birth = self._birth(age)
        status = self._status(age)
        person = person_row(
            name=self._name(sex, surname),
            id_number=self._id_number(place.code[:6], birth, sex),
            region_id=place.code,
            living=living,
            adl_lost=adl_lost,
            phone=phone,
            address=household.address,
            relation_to_head=relation,
            status=status,
        )
        ended = None
        if status in (Status.MOVED, Status.DECEASED):
            ended = self.today - dt.timedelta(days=self.rng.randint(1, 120))
        plan = PersonPlan(person=person, disabilities=list(disabilities), contacts=list(contacts))
        for category in sorted(categories):
            start = self._start(self._earliest(category, birth))
            if ended and start > ended:
                start = ended
            plan.categories.append((category, start, ended))
        return plan

    @staticmethod
    def _earliest(category: str, birth: dt.date) -> dt.date:
        if category == Category.ELDERLY_ADVANCED:
            return birthday_anniversary(birth, -80)  # the 80th birthday
        if category in (Category.ELDERLY_ALONE, Category.ELDERLY_EMPTY_NEST):
            return birthday_anniversary(birth, -60)  # the 60th birthday
        return birth + dt.timedelta(days=1)

    def _family_contact(self, surname: str, *, guardian: bool = False, note: str = ""):
        relation = self.rng.choice(CHILD_RELATIONS)
        male = relation in ("儿子", "女婿", "侄子", "孙子")
        name = self._name("M" if male else "F", surname if relation in ("儿子", "孙子") else None)
        return (name, relation, mobile(self.rng), guardian, True, note)

    # --- household kinds ------------------------------------------------------------
    def _elderly(self, place: Place, household: Household) -> list[PersonPlan]:
        age = self._elderly_age()
        adl = self._adl_lost(age)
        arrangements = {"alone": 0.32, "couple": 0.28, "family": 0.33, "institution": 0.07}
        if adl >= 4:  # someone who cannot care for themselves rarely lives alone
            arrangements["alone"] = 0.04
        arrangement = self.rng.choices(list(arrangements), list(arrangements.values()))[0]
        # Assistance is decided per household: a couple is on 低保 together.
        roll = self.rng.random()
        economic = set()
        if arrangement == "institution":
            economic = {Category.TEKUN_CENTRAL}
        elif arrangement == "alone" and roll < 0.15:
            economic = {Category.TEKUN_DISPERSED}
        elif roll < 0.45:
            economic = {Category.DIBAO}
        elif roll < 0.58:
            economic = {Category.DIBAO_EDGE}
        if arrangement != "institution" and self._chance(0.04):
            economic.add(Category.FAMILY_PLANNING)
        if arrangement == "institution":
            household.address = f"{place.community_name.removesuffix('社区')}敬老院"
        sexes = [self._sex()]
        ages = [age]
        if arrangement == "couple":
            sexes.append("F" if sexes[0] == "M" else "M")
            ages.append(max(60, min(100, age + self.rng.randint(-5, 5))))
        living = {
            "alone": Living.ALONE,
            "couple": Living.EMPTY_NEST,
            "family": Living.WITH_FAMILY,
            "institution": Living.INSTITUTION,
        }[arrangement]
        contact_share = {"alone": 0.75, "couple": 0.85, "family": 0.95, "institution": 0.5}
        has_contact = self._chance(contact_share[arrangement])
        surname = self._surname()
        plans = []
        for i, (sex, person_age) in enumerate(zip(sexes, ages, strict=True)):
            categories = set(economic)
            categories |= {
                Living.ALONE: {Category.ELDERLY_ALONE},
                Living.EMPTY_NEST: {Category.ELDERLY_EMPTY_NEST},
            }.get(living, set())
            if person_age >= 80:
                categories.add(Category.ELDERLY_ADVANCED)
            if self._chance(0.03):
                categories.add(Category.TEMPORARY_ASSISTANCE)
            disabilities = []
            if self._chance(0.18):
                disabilities.append(self._disability())
                if disabilities[0][1] <= 2 and self._chance(0.8):
                    categories.add(Category.SEVERE_DISABILITY)
            if not categories:
                categories.add(Category.DIBAO)
            person_surname = surname if sex == "M" else None
            plans.append(
                self._plan(
                    place=place,
                    household=household,
                    sex=sex,
                    age=person_age,
                    living=living,
                    categories=categories,
                    relation="户主" if i == 0 else "配偶",
                    adl_lost=adl if i == 0 else self._adl_lost(person_age),
                    phone=self._phone(landline_share=0.12, none_share=0.08),
                    surname=person_surname,
                    disabilities=disabilities,
                    contacts=[self._family_contact(surname)] if has_contact else [],
                )
            )
        return plans

    def _disabled_adult(self, place: Place, household: Household) -> list[PersonPlan]:
        age = self.rng.randint(18, 59)
        sex = self._sex()
        severe = self._chance(0.6)
        disability = self._disability(severe=severe)
        categories = set()
        if severe and self._chance(0.9):
            categories.add(Category.SEVERE_DISABILITY)
        if self._chance(0.5) or not categories:
            categories.add(Category.DIBAO)
        adl = 0
        if severe and self._chance(0.6):
            adl = self.rng.randint(1, 6)
        living = Living.ALONE if adl < 4 and self._chance(0.15) else Living.WITH_FAMILY
        surname = self._surname()
        # An adult without mental capacity has a legal guardian (a parent or sibling).
        needs_guardian = severe and disability[0] in (
            DisabilityCategory.INTELLECTUAL,
            DisabilityCategory.MENTAL,
        )
        contacts = []
        if needs_guardian or self._chance(0.7):
            relation = self.rng.choice(["父亲", "母亲", "哥哥", "姐姐", "配偶"])
            male = relation in ("父亲", "哥哥")
            name = self._name(
                "M" if male else "F", surname if relation in ("父亲", "哥哥") else None
            )
            contacts.append((name, relation, mobile(self.rng), needs_guardian, True, ""))
        return [
            self._plan(
                place=place,
                household=household,
                sex=sex,
                age=age,
                living=living,
                categories=categories,
                relation="户主" if living == Living.ALONE else "子女",
                adl_lost=adl,
                phone=self._phone(none_share=0.1),
                surname=surname,
                disabilities=[disability],
                contacts=contacts,
            )
        ]

    def _poor_family(self, place: Place, household: Household) -> list[PersonPlan]:
        """A 低保 (or 低保边缘) household: a parent, children, sometimes a grandparent."""
        economic = Category.DIBAO if self._chance(0.8) else Category.DIBAO_EDGE
        surname = self._surname()
        parent_sex = self._sex()
        parent = self._plan(
            place=place,
            household=household,
            sex=parent_sex,
            age=self.rng.randint(26, 55),
            living=Living.WITH_FAMILY,
            categories={economic},
            relation="户主",
            phone=mobile(self.rng),
            surname=surname if parent_sex == "M" else None,
        )
        plans = [parent]
        guardian = (
            parent.person.name,
            "父亲" if parent_sex == "M" else "母亲",
            parent.person.phone,
            True,
            True,
            "",
        )
        for _ in range(self.rng.randint(1, 2)):
            categories = {economic}
            disabilities = []
            if self._chance(0.25):
                categories.add(Category.DISTRESSED_CHILD)
                if self._chance(0.3):
                    disabilities.append(self._disability())
            plans.append(
                self._plan(
                    place=place,
                    household=household,
                    sex=self._sex(),
                    age=self.rng.randint(1, 17),
                    living=Living.WITH_FAMILY,
                    categories=categories,
                    relation="子女",
                    surname=surname,
                    disabilities=disabilities,
                    contacts=[guardian],
                )
            )
        if self._chance(0.3):
            age = self.rng.randint(60, 88)
            categories = {economic} | ({Category.ELDERLY_ADVANCED} if age >= 80 else set())
            plans.append(
                self._plan(
                    place=place,
                    household=household,
                    sex=self._sex(),
                    age=age,
                    living=Living.WITH_FAMILY,
                    categories=categories,
                    relation="父母",
                    adl_lost=self._adl_lost(age),
                    phone=self._phone(none_share=0.3),
                )
            )
        return plans

    def _child(self, place: Place, household: Household) -> list[PersonPlan]:
        kinds = {
            Category.ORPHAN_SCATTERED: 0.2,
            Category.ORPHAN_CENTRAL: 0.06,
            Category.UNSUPPORTED_CHILD: 0.2,
            Category.LEFT_BEHIND_CHILD: 0.34 if place.rural else 0.0,
            Category.DISTRESSED_CHILD: 0.2,
        }
        kind = self.rng.choices(list(kinds), list(kinds.values()))[0]
        surname = self._surname()
        living, contacts = Living.WITH_FAMILY, []
        grandfather = (self._name("M", surname), "祖父", mobile(self.rng))
        grandmother = (self._name("F"), "祖母", self._phone(none_share=0.2))
        if kind == Category.ORPHAN_CENTRAL:
            living = Living.INSTITUTION
            household.address = "成都市儿童福利院"
            contacts = [("成都市儿童福利院", "机构监护", landline(self.rng), True, True, "")]
        elif kind in (Category.ORPHAN_SCATTERED, Category.UNSUPPORTED_CHILD):
            contacts = [(*grandfather, True, True, ""), (*grandmother, True, False, "")]
            if self._chance(0.3):
                contacts = [contacts[self.rng.randrange(2)]]
        elif kind == Category.LEFT_BEHIND_CHILD:
            living = Living.LEFT_BEHIND
            parent = (self._name("M", surname), "父亲", mobile(self.rng))
            work = self.rng.choice(["广东", "浙江", "江苏", "福建", "新疆", "上海"])
            carer = (*grandmother, False, True, "受委托照护人")
            # A few have no reachable guardian on record: the screening must find them.
            contacts = (
                [carer]
                if self._chance(0.05)
                else [(*parent, True, False, f"外出务工（{work}）"), carer]
            )
        else:  # a child in distress, living with a parent who cannot provide
            parent = (self._name("F"), "母亲", mobile(self.rng))
            contacts = [(*parent, True, True, "")]
        siblings = 2 if kind != Category.ORPHAN_CENTRAL and self._chance(0.2) else 1
        plans = []
        for _ in range(siblings):
            categories = {kind}
            disabilities = []
            if kind == Category.DISTRESSED_CHILD and self._chance(0.3):
                disabilities.append(self._disability())
            if kind != Category.ORPHAN_CENTRAL and self._chance(0.25):
                categories.add(Category.DIBAO)
            age = self.rng.randint(1, 17)
            plans.append(
                self._plan(
                    place=place,
                    household=household,
                    sex=self._sex(),
                    age=age,
                    living=living,
                    categories=categories,
                    relation="孙子女" if kind != Category.DISTRESSED_CHILD else "子女",
                    phone=mobile(self.rng) if age >= 12 and self._chance(0.3) else "",
                    surname=surname,
                    disabilities=disabilities,
                    contacts=contacts,
                )
            )
        return plans


def city_seed(
    *,
    persons: int,
    seed: int = DEFAULT_SEED,
    today: dt.date | None = None,
    stdout=None,
    run_steps: bool = True,
) -> SeedResult:
    """Build the synthetic city with `persons` people in all (story people included)."""
    from .steps import seed_steps_run
    from .story import story_people_create

    started = time.perf_counter()
    today = today or timezone.localdate()
    result = SeedResult(seed=seed, today=today)
    with transaction.atomic():
        regions_before = _region_count()
        places = tree_build()
        result.counts["regions"] = _region_count() - regions_before
        taken = set(Person.objects.exclude(id_number=None).values_list("id_number", flat=True))
        ids = IDNumbers(random.Random(seed), used=taken)
        writer = Writer(total=persons, stdout=stdout)
        story_people_create(today=today, ids=ids, writer=writer)
        generator = CityGenerator(
            seed=seed,
            today=today,
            places=places,
            ids=ids,
            household_numbers=_household_counts(),
        )
        remaining = max(0, persons - writer.counts["persons"] - len(writer.plans))
        for household, plans in generator.households(remaining):
            writer.add(household, plans)
        writer.flush()
        result.counts.update(writer.counts)
    if run_steps:
        seed_steps_run(rng=random.Random(f"{seed}-steps"), today=today, stdout=stdout)
    result.seconds = time.perf_counter() - started
    audit_record(
        user=None,
        action=AuditAction.CREATE,
        object_type="demo.seed",
        object_id=str(seed),
        object_repr=f"synthetic city: {result.counts['persons']:,} people"[:200],
        changes={"seed": seed, "today": today.isoformat(), **dict(result.counts)},
    )
    return result


def _household_counts() -> Counter:
    """Households per community already there, so a second seed numbers on from them."""
    counts: Counter = Counter()
    rows = Household.objects.values_list("region_id").annotate(n=Count("id")).order_by()
    for region_id, n in rows:
        counts[region_id[:12]] += n
    return counts


def _region_count() -> int:
    from nuanxin.regions.models import Region

    return Region.objects.count()
