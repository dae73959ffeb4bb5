from django import template
from django.template.defaultfilters import pluralize
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


# EASE's 1–5 grade (5 best) and the WMH paper's four levels in its Methods numbering (4 best).
EASE_GRADES = {5: "Perfect", 4: "Good", 3: "Fair", 2: "Poor", 1: "Terrible"}
FOUR_LEVELS = {
    4: "perfectly acceptable",
    3: "minor revision",
    2: "major revision",
    1: "not acceptable",
}


@register.filter
def assessment_label(assessment) -> str:
    """'acceptable · 4 Good', or on the four-level scale 'acceptable · 3 minor revision'."""
    verdict = "acceptable" if assessment.acceptable else "not acceptable"
    if assessment.grade is not None:
        return f"{verdict} · {assessment.grade} {EASE_GRADES[assessment.grade]}"
    return f"{verdict} · {assessment.four_level} {FOUR_LEVELS[assessment.four_level]}"


@register.simple_tag
def lesion_review(review) -> str:
    """'3 of 5 lesions judged (2 accepted, 1 rejected) · 1 added · 12 below 0.1 mL'."""
    listed = review.listed
    if listed:
        judged = review.accepted + review.rejected
        parts = [
            f"{judged} of {listed} lesion{pluralize(listed)} judged "
            f"({review.accepted} accepted, {review.rejected} rejected)"
        ]
    else:
        parts = ["no lesions"]
    if review.added:
        parts.append(f"{review.added} added")
    if review.below_minimum:
        minimum = review.segmentation.minimum_lesion_ml
        below = f"below {minimum:g} mL" if minimum else "below the minimum"
        parts.append(f"{review.below_minimum} {below}")
    return " · ".join(parts)


@register.filter
def get(mapping: dict, key):
    return mapping.get(key)


@register.filter
def signed_percent(value: float) -> str:
    return f"{value:+.0f} %"
