"""The shipped defaults: tier rules, visit policies, the first checklist.

Plain data (no model imports) so the data migration and the tests share it.
Labels stay in English here, marked for makemessages; pages translate them.
"""

import datetime as dt

from django.utils.translation import gettext_noop as N_

POLICY_EPOCH = dt.date(2000, 1, 1)

TIER_RULES = [
    # red
    (
        N_("Living alone or empty-nest, aged 80+"),
        "red",
        {"living": ["alone", "empty_nest"], "min_age": 80},
    ),
    (N_("Self-care fully lost"), "red", {"self_care": ["fully"]}),
    (
        N_("Severe disability, living alone"),
        "red",
        {"severe_disability": True, "living": ["alone"]},
    ),
    (
        N_("Dispersed extreme poverty without a reliable caregiver"),
        "red",
        {"categories": ["tekun_dispersed"], "has_carer": False},
    ),
    (
        N_("Child without a guardian at home"),
        "red",
        {"max_age": 17, "has_guardian": False, "any_enrollment": True},
    ),
    # yellow
    (
        N_("Elderly living alone or empty-nest"),
        "yellow",
        {"living": ["alone", "empty_nest"], "min_age": 60},
    ),
    (N_("Self-care partly lost"), "yellow", {"self_care": ["partly"]}),
    (N_("Severe disability"), "yellow", {"severe_disability": True}),
    (N_("Orphan"), "yellow", {"categories": ["orphan_scattered", "orphan_central"]}),
    (N_("Left-behind child"), "yellow", {"categories": ["left_behind_child"]}),
    (N_("Dispersed extreme poverty"), "yellow", {"categories": ["tekun_dispersed"]}),
    # blue
    (N_("Other enrollees"), "blue", {"any_enrollment": True}),
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
        "label": N_("Gas hose within its service life (not aged, cracked or hardened)"),
        "rectify": True,
    },
    {
        "code": "gas_hose_length",
        "section": "gas",
        "label": N_("Gas hose no longer than 2 m, not through walls or doors"),
        "rectify": True,
    },
    {
        "code": "gas_clamps",
        "section": "gas",
        "label": N_("Hose clamps fitted at both ends"),
        "rectify": True,
    },
    {"code": "gas_smell", "section": "gas", "label": N_("No smell of gas"), "rectify": True},
    {
        "code": "gas_alarm",
        "section": "gas",
        "label": N_("Gas alarm present and working"),
        "rectify": True,
    },
    {
        "code": "gas_flame_failure",
        "section": "gas",
        "label": N_("Cooker has flame-failure protection"),
        "rectify": True,
    },
    {
        "code": "gas_ventilation",
        "section": "gas",
        "label": N_("Kitchen ventilated"),
        "rectify": True,
    },
    {
        "code": "gas_water_heater",
        "section": "gas",
        "label": N_("Gas water heater not in the bathroom or a closed room"),
        "rectify": True,
    },
    {
        "code": "heating_co",
        "section": "heating",
        "label": N_("No charcoal or coal burner used indoors without ventilation (CO risk)"),
        "rectify": True,
    },
    {
        "code": "food_water",
        "section": "living",
        "label": N_("Enough food and safe drinking water"),
        "rectify": False,
    },
    {
        "code": "medicine",
        "section": "health",
        "label": N_("Medicine supply sufficient"),
        "rectify": False,
    },
    {
        "code": "health_mobility",
        "section": "health",
        "label": N_("Health and mobility as before"),
        "rectify": False,
    },
    {"code": "mood", "section": "health", "label": N_("Mood good, not lonely"), "rectify": False},
    {
        "code": "hygiene",
        "section": "living",
        "label": N_("Personal and home hygiene"),
        "rectify": False,
    },
    {
        "code": "warm_clothes",
        "section": "living",
        "label": N_("Warm clothes and bedding"),
        "rectify": False,
    },
    {
        "code": "family_support",
        "section": "family",
        "label": N_("Family support in place"),
        "rectify": False,
    },
    {
        "code": "emergency_contact",
        "section": "family",
        "label": N_("Emergency contact reachable"),
        "rectify": False,
    },
]
