from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str) -> str:
    """A column header that sorts by `key`, toggling direction, keeping the current filters."""
    next_ordering, active, descending = context["sort_links"][key]
    state = (" is-desc" if descending else " is-asc") if active else ""
    return format_html(
        '<a class="sort{}" href="?{}&amp;ordering={}">{}</a>',
        state,
        context["query"],
        next_ordering,
        label,
    )
