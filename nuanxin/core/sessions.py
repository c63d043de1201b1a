"""Sessions in the database, written back when they change, or when their idle expiry
would move by more than a minute: not on every page.

A session still ends after `SESSION_COOKIE_AGE` without a request (docs/security.md,
"Sessions"): each request moves its expiry on, as `SESSION_SAVE_EVERY_REQUEST` did,
but an unchanged session is only written when the stored expiry is more than
`TOUCH_SECONDS` (or a tenth of the limit, if less) behind the one a write would
give it. An officer opening page after page costs one UPDATE a minute instead of
one a page; the idle limit is kept to within that minute.

`SESSION_ENGINE` names this module (its `SessionStore`), and `SessionMiddleware`
takes the place of Django's in `MIDDLEWARE`.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.backends import db
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware

TOUCH_SECONDS = 60


class SessionStore(db.SessionStore):
    """Django's database store that remembers the expiry it read."""

    stored_expiry: dt.datetime | None = None

    def _get_session_from_db(self):
        found = super()._get_session_from_db()
        self.stored_expiry = found.expire_date if found else None
        return found

    def stale(self) -> bool:
        """Would a write move the stored expiry on by more than `TOUCH_SECONDS`?"""
        if not self.session_key:
            return False
        self._get_session()  # read once: a request that never looked at it still counts
        if self.stored_expiry is None:
            return False
        # A minute, or a tenth of the idle limit when that is shorter (a test's few seconds).
        slack = min(TOUCH_SECONDS, self.get_expiry_age() / 10)
        return self.get_expiry_date() - self.stored_expiry > dt.timedelta(seconds=slack)


class SessionMiddleware(DjangoSessionMiddleware):
    """Marks an unchanged session modified when its expiry is due to move on; Django's
    middleware then saves it and sets the cookie exactly as for a changed one."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if isinstance(session, SessionStore) and not session.modified and session.stale():
            session.modified = True
        return super().process_response(request, response)
