from django import template
from django.template.defaultfilters import pluralize
from django.utils.html import format_html

from reviewer.grading.scales import SCALES
from reviewer.grading.states import ReviewState

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


@register.filter
def assessment_label(assessment) -> str:
    """'acceptable · 4 Good', or on the four-level scale 'acceptable · 3 Acceptable with minor
    revision'."""
    verdict = "acceptable" if assessment.acceptable else "not acceptable"
    scale = SCALES[assessment.scale]
    value = getattr(assessment, scale.field)
    label = next(level.label for level in scale.levels if level.value == value)
    return f"{verdict} · {value} {label}"


@register.simple_tag
def lesion_review(review) -> str:
    """'3 of 5 lesions judged (2 accepted, 1 rejected) · 1 added · 12 below 0.1 mL', or '5
    lesions, none judged'."""
    listed, judged = review.listed, review.accepted + review.rejected
    if not listed:
        parts = ["no lesions"]
    elif not judged:
        parts = [f"{listed} lesion{pluralize(listed)}, none judged"]
    else:
        parts = [
            f"{judged} of {listed} lesion{pluralize(listed)} judged "
            f"({review.accepted} accepted, {review.rejected} rejected)"
        ]
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


REVIEW_TONES = {
    ReviewState.NOT_REVIEWED: "badge-muted",
    ReviewState.IN_REVIEW: "badge-info",
    ReviewState.GRADED: "badge-info",
    ReviewState.WAITING_FOR_SECOND_READER: "badge-warn",
    ReviewState.DONE: "badge-ok",
}


@register.simple_tag
def review_badge(state: str) -> str:
    state = ReviewState(state)
    return format_html(
        '<span class="badge {}" data-review-state="{}">{}</span>',
        REVIEW_TONES[state],
        state.value,
        state.label,
    )
