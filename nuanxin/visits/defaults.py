"""The shipped defaults: tier rules, visit policies, the first checklist.

Plain data (no model imports) so the data migration and the tests share it.
Labels stay in English here, marked for makemessages; pages translate them.
"""

import datetime as dt

from django.utils.translation import gettext_noop

POLICY_EPOCH = dt.date(2000, 1, 1)

TIER_RULES = [
    # red
    (
        gettext_noop("Living alone or empty-nest, aged 80+"),
        "red",
        {"living": ["alone", "empty_nest"], "min_age": 80},
    ),
    (gettext_noop("Self-care fully lost"), "red", {"self_care": ["fully"]}),
    (
        gettext_noop("Severe disability, living alone"),
        "red",
        {"severe_disability": True, "living": ["alone"]},
    ),
    (
        gettext_noop("Dispersed extreme poverty without a reliable caregiver"),
        "red",
        {"categories": ["tekun_dispersed"], "has_carer": False},
    ),
    (
        gettext_noop("Child without a guardian at home"),
        "red",
        {"max_age": 17, "has_guardian": False, "any_enrollment": True},
    ),
    # yellow
    (
        gettext_noop("Elderly living alone or empty-nest"),
        "yellow",
        {"living": ["alone", "empty_nest"], "min_age": 60},
    ),
    (gettext_noop("Self-care partly lost"), "yellow", {"self_care": ["partly"]}),
    (gettext_noop("Severe disability"), "yellow", {"severe_disability": True}),
    (gettext_noop("Orphan"), "yellow", {"categories": ["orphan_scattered", "orphan_central"]}),
    (gettext_noop("Left-behind child"), "yellow", {"categories": ["left_behind_child"]}),
    (gettext_noop("Dispersed extreme poverty"), "yellow", {"categories": ["tekun_dispersed"]}),
    # blue
    (gettext_noop("Other enrollees"), "blue", {"any_enrollment": True}),
]

# tier: (max gap in days, methods that count)
POLICIES = {
    "red": (7, ["home"]),
    "yellow": (14, ["home"]),
    "blue": (30, ["home", "phone"]),
}

# Cold-snap defaults (寒潮预警): daily contact for red, phone allowed; every 3 days for yellow.
COLD_SNAP = {"red": (1, ["home", "phone"]), "yellow": (3, ["home", "phone"])}

# Checklist v1. Gas items follow the gas safety inspection standard; a failed item
# with "rectify" creates a rectification follow-up.
CHECKLIST_V1 = [
    {
        "code": "gas_hose_age",
        "section": "gas",
        "label": gettext_noop("Gas hose within its service life (not aged, cracked or hardened)"),
        "rectify": True,
    },
    {
        "code": "gas_hose_length",
        "section": "gas",
        "label": gettext_noop("Gas hose no longer than 2 m, not through walls or doors"),
        "rectify": True,
    },
    {
        "code": "gas_clamps",
        "section": "gas",
        "label": gettext_noop("Hose clamps fitted at both ends"),
        "rectify": True,
    },
    {
        "code": "gas_smell",
        "section": "gas",
        "label": gettext_noop("No smell of gas"),
        "rectify": True,
    },
    {
        "code": "gas_alarm",
        "section": "gas",
        "label": gettext_noop("Gas alarm present and working"),
        "rectify": True,
    },
    {
        "code": "gas_flame_failure",
        "section": "gas",
        "label": gettext_noop("Cooker has flame-failure protection"),
        "rectify": True,
    },
    {
        "code": "gas_ventilation",
        "section": "gas",
        "label": gettext_noop("Kitchen ventilated"),
        "rectify": True,
    },
    {
        "code": "gas_water_heater",
        "section": "gas",
        "label": gettext_noop("Gas water heater not in the bathroom or a closed room"),
        "rectify": True,
    },
    {
        "code": "heating_co",
        "section": "heating",
        "label": gettext_noop(
            "No charcoal or coal burner used indoors without ventilation (CO risk)"
        ),
        "rectify": True,
    },
    {
        "code": "food_water",
        "section": "living",
        "label": gettext_noop("Enough food and safe drinking water"),
        "rectify": False,
    },
    {
        "code": "medicine",
        "section": "health",
        "label": gettext_noop("Medicine supply sufficient"),
        "rectify": False,
    },
    {
        "code": "health_mobility",
        "section": "health",
        "label": gettext_noop("Health and mobility as before"),
        "rectify": False,
    },
    {
        "code": "mood",
        "section": "health",
        "label": gettext_noop("Mood good, not lonely"),
        "rectify": False,
    },
    {
        "code": "hygiene",
        "section": "living",
        "label": gettext_noop("Personal and home hygiene"),
        "rectify": False,
    },
    {
        "code": "warm_clothes",
        "section": "living",
        "label": gettext_noop("Warm clothes and bedding"),
        "rectify": False,
    },
    {
        "code": "family_support",
        "section": "family",
        "label": gettext_noop("Family support in place"),
        "rectify": False,
    },
    {
        "code": "emergency_contact",
        "section": "family",
        "label": gettext_noop("Emergency contact reachable"),
        "rectify": False,
    },
]
