from nuanxin.core import access


def memberships(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = access.roles_of(user)
    return {
        "user_roles": roles,
        "can_audit": access.can(user, access.Action.AUDIT),
        "can_export": access.can(user, access.Action.EXPORT),
        "can_change": access.can(user, access.Action.CHANGE),
        "can_view": access.can(user, access.Action.VIEW),
    }
