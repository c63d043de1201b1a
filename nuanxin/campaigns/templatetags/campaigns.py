from django import template

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Integer fen as yuan to the fen: 123456 → 1,234.56 (no float on the way)."""
    try:
        value = int(fen or 0)
    except (TypeError, ValueError):
        return ""
    sign = "-" if value < 0 else ""
    value = abs(value)
    return f"{sign}{value // 100:,}.{value % 100:02d}"
