"""Verbs of `nuanxin regions …` declared by apps above the region tree.

An app registers modules from its AppConfig.ready (mapchange: merge, rename,
split, recode); each module has HELP, add_arguments(parser) and
handle(command, **options). The regions app cannot import them itself.
"""

VERBS: dict[str, object] = {}


def register(verbs: dict[str, object]) -> None:
    VERBS.update(verbs)
