"""The REST API: one NinjaAPI, a router per domain app."""

from ninja import NinjaAPI

from . import persons, visits
from .auth import BearerToken

api = NinjaAPI(
    title="Nuanxin API",
    version="1",
    auth=BearerToken(),
    urls_namespace="api",
)
api.add_router("/persons", persons.router)
api.add_router("/", visits.router)
