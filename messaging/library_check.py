"""The reply library against the policy checker: what `lint_templates` and the admin report."""

from disputes.models import Platform

from . import policy
from .filling import SAMPLE, TemplateError, fill
from .models import ReplyTemplate


def problems_in(template: ReplyTemplate) -> list[str]:
    """Unknown placeholders, and every finding on each platform the template serves."""
    try:
        text = fill(template.body, SAMPLE)
    except TemplateError as error:
        return [str(error)]
    platforms = [template.platform] if template.platform else [p for p in Platform.values if p != "other"]
    found = []
    for platform in platforms:
        for finding in policy.check(text, platform):
            found.append(
                f"[{platform}] {finding.code} ({finding.severity}) at {finding.start}-{finding.end}: "
                f"{finding.excerpt!r}"
            )
    return found


def check_library() -> tuple[list[tuple[ReplyTemplate, str]], int]:
    templates = list(ReplyTemplate.objects.filter(is_active=True).order_by("code"))
    return [(t, problem) for t in templates for problem in problems_in(t)], len(templates)
