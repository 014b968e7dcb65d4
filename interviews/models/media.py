"""Recordings beside transcripts, and the clips and reels cut from them.

Files live in the `media` storage (settings.STORAGES: the local filesystem by default,
an S3-compatible bucket by settings) under names kept in CharFields, so the storage is
looked up when used, never frozen into a field at import time.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from empathy_site.tenancy.models import TenantModel

from .evidence import Highlight
from .transcripts import Interview


class MediaStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


STATUS_VALID = Q(status__in=[choice.value for choice in MediaStatus])


class MediaWork(TenantModel):
    """What media, clips and reels share: a status a worker claims, a file it writes."""

    status = models.CharField(max_length=12, choices=MediaStatus.choices, default=MediaStatus.QUEUED)
    # null until something fails: the API promises `error: null` or a sentence.
    error = models.TextField(null=True, blank=True)  # noqa: DJ001
    duration_ms = models.BigIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    # The playable file's name in the media storage ("" until made).
    file_name = models.CharField(max_length=300, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        abstract = True


class Media(MediaWork):
    """An interview's recording. `original_name` is the upload as received; `file_name` the copy players get
    (the original itself when chromium plays it, else one ffmpeg made)."""

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="media_files")
    original_name = models.CharField(max_length=300)
    original_filename = models.CharField(max_length=255)
    file_size = models.BigIntegerField(default=0)
    has_video = models.BooleanField(default=False)
    codecs = models.JSONField(default=list, blank=True)
    # Set when a redaction touched words said in the recording and the recording was not bleeped.
    needs_review = models.BooleanField(default=False)
    review_reason = models.TextField(blank=True)
    # Silencing the redacted passages runs in a worker (interviews.media_silence): "" when nothing is asked or
    # it is done, else queued, processing or failed (with `silencing_error`); the playable copy stays meanwhile.
    silencing = models.CharField(max_length=12, blank=True, default="")
    silencing_error = models.TextField(blank=True)
    silencing_claimed_at = models.DateTimeField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(MediaWork.Meta):
        verbose_name_plural = "media"
        constraints = [
            *TenantModel.Meta.constraints,
            # One recording per interview: a new upload replaces the old one.
            models.UniqueConstraint(fields=["organization", "interview"], name="media_org_interview_uniq"),
            models.CheckConstraint(condition=STATUS_VALID, name="media_status_valid"),
            models.CheckConstraint(condition=Q(silencing__in=["", "queued", "processing", "failed"]),
                                   name="media_silencing_valid"),
        ]

    def __str__(self):
        return self.original_filename


class Clip(MediaWork):
    """A highlight's span of its interview's recording, cut once and kept (cached) until the span or media
    changes."""

    highlight = models.ForeignKey(Highlight, on_delete=models.CASCADE, related_name="clips")
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="+")
    start_ms = models.BigIntegerField()
    end_ms = models.BigIntegerField()

    class Meta(MediaWork.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            # The same highlight asked again answers the same clip.
            models.UniqueConstraint(fields=["organization", "highlight"], name="clip_org_highlight_uniq"),
            models.CheckConstraint(condition=STATUS_VALID, name="clip_status_valid"),
            models.CheckConstraint(condition=Q(end_ms__gt=models.F("start_ms")), name="clip_span_ordered"),
        ]

    def __str__(self):
        return f"clip of {self.highlight_id}"


class Reel(MediaWork):
    """Several highlights' clips in order, each after a title card, as one file."""

    title = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(MediaWork.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(condition=STATUS_VALID, name="reel_status_valid"),
        ]
        indexes = [models.Index(fields=["organization", "-created_at", "-id"], name="reel_org_newest_idx")]

    def __str__(self):
        return self.title


class ReelItem(TenantModel):
    reel = models.ForeignKey(Reel, on_delete=models.CASCADE, related_name="items")
    highlight = models.ForeignKey(Highlight, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField()

    class Meta(TenantModel.Meta):
        ordering = ["position"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(fields=["organization", "reel", "position"], name="reelitem_org_position_uniq"),
        ]


class MediaUpload(TenantModel):
    """A recording arriving in chunks (resumable): the client declares the size, sends the bytes in order
    (each chunk at `received_bytes`, under this row's lock), then completes, which attaches the file to the
    interview as a one-shot upload would. The bytes wait in a local area (settings.MEDIA_UPLOAD_DIR) until then;
    a session left open is swept (interviews.media_uploads_sweep)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETED = "completed", "Completed"

    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    size = models.BigIntegerField()
    received_bytes = models.BigIntegerField(default=0)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints = [
            *TenantModel.Meta.constraints,
            models.CheckConstraint(condition=Q(size__gt=0), name="mediaupload_size_positive"),
            models.CheckConstraint(condition=Q(received_bytes__gte=0, received_bytes__lte=models.F("size")),
                                   name="mediaupload_received_within_size"),
            models.CheckConstraint(condition=Q(status__in=["open", "completed"]), name="mediaupload_status_valid"),
        ]
        indexes = [models.Index(fields=["organization", "status", "updated_at"], name="mediaupload_org_sweep_idx")]

    def __str__(self):
        return self.filename
