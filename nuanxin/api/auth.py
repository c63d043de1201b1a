from ninja.security import HttpBearer

from nuanxin.accounts.services import api_token_authenticate


class BearerToken(HttpBearer):
    """`Authorization: Bearer nx_…`: the user behind the token becomes request.user."""

    def authenticate(self, request, token):
        user = api_token_authenticate(token)
        if user is None:
            return None
        request.user = user
        return user
