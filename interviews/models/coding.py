"""Independent coding: coders assigned to an interview, and the team's reconciliation of where they differ."""

from django.conf import settings
from django.db import models

from empathy_site.tenancy.models import TenantModel

from .evidence import Highlight, Tag
from .transcripts import Interview, Utterance

# Each coder's colour in the transcript, by their order of assignment on the interview.
CODER_COLOURS = ("#2563eb", "#db2777", "#16a34a", "#ea580c", "#7c3aed", "#0891b2", "#ca8a04", "#4b5563")


class Assignment(TenantModel):
    """A coder assigned to code an interview independently.

    While an interview has assignments it is in blind mode: an assigned coder sees only their own highlights on
    it until they mark their assignment done; people who are not assigned see the coders' highlights only once
    every coder is done (selectors.coding.visible_highlights).
    """

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="assignments")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "interview", "coder"], name="assignment_interview_coder_uniq"),
        ]
        indexes = [
            models.Index(fields=["organization", "coder"], name="assignment_org_coder_idx"),
            models.Index(fields=["organization", "-created_at", "-id"], name="assignment_org_newest_idx"),
        ]


class Reconciliation(TenantModel):
    """The team's decision on one unit of disagreement: an utterance and a tag the coders applied differently.

    ``accept`` copies one coder's highlight, ``merge`` spans all the coders' highlights of that tag on the
    utterance, ``discard`` keeps none. The highlight made (reconciled, visible to everyone) is the shared
    evidence personas cite.
    """

    class Decision(models.TextChoices):
        ACCEPT = "accept", "Accepted one coder's highlight"
        MERGE = "merge", "Merged the coders' highlights"
        DISCARD = "discard", "Discarded"

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="reconciliations")
    utterance = models.ForeignKey(Utterance, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(max_length=8, choices=Decision.choices)
    highlight = models.ForeignKey(Highlight, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "utterance", "tag"], name="reconciliation_unit_uniq"),
        ]
