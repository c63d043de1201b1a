"""Access cases for the ledgers app (format: tests/url_cases.py).

An import run belongs to the user who uploaded it: officers above that user
reach the *people* it created, not the run itself, so they get 404 like anyone.
"""

from tests.url_cases import builder, page

RUN_OWNER_ONLY = {"district_officer": 404, "city_admin": 404, "dual": 404}


@builder("import_run")
def _import_run(s):
    from tests.test_ledgers import run_import, write_csv

    path = write_csv(
        [
            ["姓名", "身份证号", "所属社区"],
            ["错号", "510108195003040011", "和美社区"],
        ]
    )
    return run_import(s.worker, path).pk


CASES = [
    page("ledgers:import_start", scope="create", action="change", ok=200),
    page("ledgers:import_template", scope="create", action="change", ok=200),
    page("ledgers:run_detail", kwargs={"pk": "import_run"}, action="change", denied=404,
         expect=RUN_OWNER_ONLY),
    page("ledgers:run_progress", kwargs={"pk": "import_run"}, action="change", denied=404,
         expect=RUN_OWNER_ONLY),
    page("ledgers:run_preview", kwargs={"pk": "import_run"}, action="change", ok={200, 302},
         denied=404, expect=RUN_OWNER_ONLY),
    page("ledgers:run_errors", kwargs={"pk": "import_run"}, action="change", denied=404,
         expect=RUN_OWNER_ONLY),
    page("ledgers:people_export", scope="list", action="export", denied=404),
]  # fmt: skip
