"""The codebook (tags) and highlights: spans of a transcript that are evidence."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from empathy_site.tenancy.models import TenantModel

from .transcripts import Interview, Participant, Utterance

HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"


class Tag(TenantModel):
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    colour = models.CharField(max_length=7, default="#6366f1")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "name"], name="tag_org_name_uniq"),
            models.CheckConstraint(condition=Q(colour__regex=HEX_COLOUR), name="tag_colour_hex"),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="tag_not_own_parent"),
        ]
        indexes = [
            models.Index(fields=["organization", "updated_at"], name="tag_org_updated_idx"),
            # The API lists' default order (CursorPagination: newest first): page 1 is read from the index, not sorted.
            models.Index(fields=["organization", "-created_at", "-id"], name="tag_org_newest_idx"),
        ]

    def __str__(self):
        return self.name


class Highlight(TenantModel):
    """From (start utterance, offset) to (end utterance, offset), end exclusive.

    Positions are copied from the utterances so the database itself can refuse
    a span that ends before it starts. `quote` is the spanned text, rebuilt by
    the service on every edit; `participant` is who speaks in it (the first
    participant speaker), kept for counting voices without joins.
    """

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="highlights")
    # RESTRICT: an utterance can't vanish under a highlight, except when its interview goes too.
    start_utterance = models.ForeignKey(Utterance, on_delete=models.RESTRICT, related_name="+")
    end_utterance = models.ForeignKey(Utterance, on_delete=models.RESTRICT, related_name="+")
    start_position = models.PositiveIntegerField()
    end_position = models.PositiveIntegerField()
    start_offset = models.PositiveIntegerField()
    end_offset = models.PositiveIntegerField()
    quote = models.TextField()
    note = models.TextField(blank=True)
    participant = models.ForeignKey(Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="highlights")
    tags = models.ManyToManyField(Tag, through="HighlightTag", related_name="highlights")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Made by the team's reconciliation of coders' disagreements: shared evidence, never one coder's coding.
    reconciled = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(start_position__lt=F("end_position"))
                | Q(start_position=F("end_position"), end_offset__gt=F("start_offset")),
                name="highlight_span_forward",
            ),
            models.CheckConstraint(condition=~Q(quote=""), name="highlight_quote_not_empty"),
        ]
        indexes = [
            models.Index(fields=["organization", "interview", "start_position"], name="highlight_org_interview_idx"),
            models.Index(fields=["organization", "participant"], name="highlight_org_participant_idx"),
            models.Index(fields=["organization", "updated_at"], name="highlight_org_updated_idx"),
            # The API lists' default order (CursorPagination: newest first): page 1 is read from the index, not sorted.
            models.Index(fields=["organization", "-created_at", "-id"], name="highlight_org_newest_idx"),
        ]


class HighlightTag(TenantModel):
    highlight = models.ForeignKey(Highlight, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="highlight_links")

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "highlight", "tag"], name="highlight_tag_uniq"),
        ]
        indexes = [models.Index(fields=["organization", "tag"], name="highlight_tag_org_tag_idx")]
