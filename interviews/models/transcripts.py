"""Participants, studies, interviews and their utterances."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from empathy_site.tenancy.models import TenantModel

from ..parsers.base import UNKNOWN_SPEAKER


class Participant(TenantModel):
    """A person interviewed. Name and email are personal data; the pseudonym is shown by default."""

    pseudonym = models.CharField(max_length=100)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    # Segmentation: {"role": "procurement", "company_size": "50-200", ...}
    attributes = models.JSONField(default=dict, blank=True)
    # CRM ids: {"hubspot": "123", "salesforce": "003..."}
    external_ids = models.JSONField(default=dict, blank=True)
    consent_given_at = models.DateTimeField(null=True, blank=True)
    consent_scope = models.CharField(max_length=200, blank=True)
    consent_expires_at = models.DateTimeField(null=True, blank=True)
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # consent_scope values; anything else means internal research only.
    MARKETING_SCOPE = "marketing"
    CONSENT_SCOPES = [("internal", "Internal research only"), (MARKETING_SCOPE, "Quotes may appear in marketing")]

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "pseudonym"], name="participant_org_pseudonym_uniq"),
        ]
        indexes = [
            models.Index(fields=["organization", "updated_at"], name="participant_org_updated_idx"),
            # The API lists' default order (CursorPagination: newest first): page 1 is read from the index, not sorted.
            models.Index(fields=["organization", "-created_at", "-id"], name="participant_org_newest_idx"),
        ]

    def __str__(self):
        return self.pseudonym

    def consent_state(self, now=None) -> str:
        """withdrawn / expired / missing / internal / marketing: what a viewer of their words must know."""
        now = now or timezone.now()
        if self.consent_withdrawn_at:
            return "withdrawn"
        if self.consent_expires_at and self.consent_expires_at <= now:
            return "expired"
        if not self.consent_given_at:
            return "missing"
        return "marketing" if self.consent_scope == self.MARKETING_SCOPE else "internal"

    @property
    def quotable_in_marketing(self) -> bool:
        return self.consent_state() == "marketing"


class ParticipantExternalId(TenantModel):
    """A CRM id of a participant, unique per organisation and system: makes CRM upserts safe."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="crm_ids")
    system = models.CharField(max_length=40)
    external_id = models.CharField(max_length=200)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "system", "external_id"], name="participant_external_id_uniq"),
        ]

    def __str__(self):
        return f"{self.system}:{self.external_id}"


class Study(TenantModel):
    name = models.CharField(max_length=200)
    goal = models.TextField(blank=True)
    research_questions = models.JSONField(default=list, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name_plural = "studies"
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "name"], name="study_org_name_uniq"),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(starts_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="study_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "updated_at"], name="study_org_updated_idx"),
            # The API lists' default order (CursorPagination: newest first): page 1 is read from the index, not sorted.
            models.Index(fields=["organization", "-created_at", "-id"], name="study_org_newest_idx"),
        ]

    def __str__(self):
        return self.name


class Interview(TenantModel):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    class Format(models.TextChoices):
        VTT = "vtt", "WebVTT"
        SRT = "srt", "SubRip"
        TXT = "txt", "Plain text"
        DOCX = "docx", "Word"
        JSON = "json", "JSON"
        PDF = "pdf", "PDF"
        HTML = "html", "HTML"
        MARKDOWN = "md", "Markdown"
        ODT = "odt", "OpenDocument text"

    title = models.CharField(max_length=300)
    study = models.ForeignKey(Study, null=True, blank=True, on_delete=models.SET_NULL, related_name="interviews")
    conducted_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=16, default="en")
    duration_ms = models.BigIntegerField(null=True, blank=True)
    # The upload exactly as received; never modified, so a failed parse can be retried.
    original_file = models.FileField(upload_to="transcripts/%Y/%m/", max_length=300)
    original_filename = models.CharField(max_length=255)
    file_size = models.BigIntegerField(default=0)
    content_hash = models.CharField(max_length=64)
    detected_format = models.CharField(max_length=8, choices=Format.choices, blank=True)
    format_variant = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    # null until something fails: the API promises `error: null` or a sentence.
    error = models.TextField(null=True, blank=True)  # noqa: DJ001
    progress = models.PositiveSmallIntegerField(default=0)
    # When a worker claimed it. A live worker also holds a lock on the row while it works, so a claim
    # older than INTERVIEW_CLAIM_TIMEOUT_SECONDS whose row is not locked belongs to a dead worker.
    claimed_at = models.DateTimeField(null=True, blank=True)
    # How often the stale-claim sweep re-queued it since the last upload or reprocess; bounded.
    stale_requeues = models.PositiveSmallIntegerField(default=0)
    # Repairs the parsers made to the content (clamped times, shortened labels...), as sentences.
    parse_warnings = models.JSONField(default=list, blank=True)
    utterance_count = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Set when the original was deleted (after redaction, erasure or retention): no reprocess.
    original_deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            # The same file twice in one org is recognised, not duplicated.
            models.UniqueConstraint(fields=["organization", "content_hash"], name="interview_org_hash_uniq"),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="interview_progress_range"),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "processing", "ready", "failed"]),
                name="interview_status_valid",
            ),
        ]
        indexes = [
            # The API lists' default order (CursorPagination: newest first): page 1 is read from the index, not sorted.
            models.Index(fields=["organization", "-created_at", "-id"], name="interview_org_newest_idx"),
            models.Index(fields=["organization", "study"], name="interview_org_study_idx"),
            models.Index(fields=["organization", "updated_at"], name="interview_org_updated_idx"),
        ]

    def __str__(self):
        return self.title


class InterviewParticipant(TenantModel):
    """Who took part in an interview, and as what."""

    class Kind(models.TextChoices):
        INTERVIEWEE = "interviewee", "Interviewee"
        TEAM = "team", "Team member"

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="attendances")
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.CASCADE, related_name="attendances"
    )
    team_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.INTERVIEWEE)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["organization", "interview", "participant"], name="attendance_org_interview_participant_uniq"
            ),
            models.CheckConstraint(
                condition=(models.Q(participant__isnull=False, team_member__isnull=True, kind="interviewee"))
                | (models.Q(participant__isnull=True, team_member__isnull=False, kind="team")),
                name="attendance_one_person",
            ),
        ]


class SpeakerMapping(TenantModel):
    """A speaker label as written in the file, mapped to a participant or a team member.

    `guessed_role` is only a suggestion made after parsing (interviewer or customer), shown while the speaker is
    unmapped; it never maps anyone. Unmapped speakers not guessed to be interviewers count as customer voices,
    except those whose participant was deleted (a deletion must not leave the person counted).
    """

    class GuessedRole(models.TextChoices):
        NONE = "", "No guess"
        INTERVIEWER = "interviewer", "Interviewer"
        CUSTOMER = "customer", "Customer"
        # Its participant was deleted: the words stay, but they are no voice until mapped again.
        REMOVED = "removed", "Participant deleted"

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="speakers")
    label = models.CharField(max_length=200)
    guessed_role = models.CharField(max_length=12, choices=GuessedRole.choices, blank=True, default="")
    participant = models.ForeignKey(
        Participant, null=True, blank=True, on_delete=models.SET_NULL, related_name="speaker_labels"
    )
    team_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # 1, 2, ... in the order the interview's speakers first spoke (kept gapless when a reprocess drops one): the
    # "Speaker N" readers see when they may not see the label and nobody is mapped (selectors.label_speakers).
    number = models.PositiveIntegerField()

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "interview", "label"], name="speaker_org_interview_label_uniq"),
            models.CheckConstraint(
                condition=models.Q(participant__isnull=True) | models.Q(team_member__isnull=True),
                name="speaker_maps_to_one",
            ),
        ]

    @property
    def kind(self) -> str:
        if self.participant_id:
            return "participant"
        if self.team_member_id:
            return "team"
        return "unmapped"

    @property
    def is_unattributed(self) -> bool:
        """The placeholder the parsers file passages under when the document names no speaker, still unmapped.

        The API shows its speaker as null."""
        return self.label == UNKNOWN_SPEAKER and self.kind == "unmapped"


class Utterance(TenantModel):
    """One speaker turn. On PostgreSQL a generated tsvector column (added by
    migration, not declared here) carries the full-text index."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="utterances")
    position = models.PositiveIntegerField()
    speaker = models.ForeignKey(SpeakerMapping, on_delete=models.CASCADE, related_name="utterances")
    start_ms = models.BigIntegerField(null=True, blank=True)
    end_ms = models.BigIntegerField(null=True, blank=True)
    text = models.TextField()

    class Meta(TenantModel.Meta):
        ordering = ["position"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "interview", "position"], name="utterance_org_interview_pos_uniq"),
            models.CheckConstraint(
                condition=models.Q(start_ms__isnull=True) | models.Q(start_ms__gte=0), name="utterance_start_nonneg"
            ),
            models.CheckConstraint(
                condition=models.Q(end_ms__isnull=True) | models.Q(start_ms__isnull=True)
                | models.Q(end_ms__gte=models.F("start_ms")),
                name="utterance_end_after_start",
            ),
        ]
