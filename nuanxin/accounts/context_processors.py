from nuanxin.core import access, menu


def memberships(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = access.roles_of(user)
    match = getattr(request, "resolver_match", None)
    shown = menu.menu_for(user, match.view_name if match else "")
    return {
        "menu": shown,
        "menu_more": menu.more(shown),
        "user_roles": roles,
        "can_audit": access.can(user, access.Action.AUDIT),
        "can_export": access.can(user, access.Action.EXPORT),
        "can_change": access.can(user, access.Action.CHANGE),
        "can_view": access.can(user, access.Action.VIEW),
    }
