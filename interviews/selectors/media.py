"""Reads about recordings: signed file URLs, the transcript-length warning, what a player needs."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db.models import Max, Prefetch
from django.urls import reverse

from ..models import Clip, Highlight, Media, MediaStatus, Reel, ReelItem, Utterance
from .search import search_highlights


@dataclass(frozen=True)
class SignedFile:
    name: str  # in the kind's storage
    content_type: str
    download_name: str | None = None  # served as an attachment under this name; None: inline


@dataclass(frozen=True)
class SignedKind:
    """A model whose objects' files are served through signed links: the storage (a key of settings.STORAGES)
    and the file of an object, or None while it has none to serve."""

    model: type
    storage: str
    file: Callable[[object], SignedFile | None]


def _media_file(instance) -> SignedFile | None:
    if instance.status != MediaStatus.READY or not instance.file_name:
        return None
    return SignedFile(instance.file_name, instance.content_type or "application/octet-stream")


# Which model a signed file token names; higher layers add theirs (register_signed_kind, in AppConfig.ready()).
SIGNED_KINDS = {name: SignedKind(model, "media", _media_file) for name, model in (("media", Media), ("clip", Clip),
                                                                                   ("reel", Reel))}


def register_signed_kind(name: str, kind: SignedKind) -> None:
    SIGNED_KINDS[name] = kind


_SALT = "interviews.media-file"
# A transcript running this much (and this share) past the recording's end does not belong to it.
LENGTH_SLACK_MS = 5000
LENGTH_SLACK_SHARE = 0.05


def media_of(interview) -> Media | None:
    """The interview's recording; uses a prefetched `media_files` when there is one."""
    cache = getattr(interview, "_prefetched_objects_cache", {})
    if "media_files" in cache:
        return next(iter(cache["media_files"]), None)
    return Media.objects.filter(interview=interview).first()


def signed_file_path(instance) -> str | None:
    """A path that serves the object's file to whoever holds it, until MEDIA_URL_MAX_AGE_SECONDS pass.
    The token names the organisation, the kind and the object: it opens nothing else."""
    if instance is None:
        return None
    kind = next(name for name, entry in SIGNED_KINDS.items() if isinstance(instance, entry.model))
    if SIGNED_KINDS[kind].file(instance) is None:
        return None
    token = signing.dumps([instance.organization_id, kind, instance.public_id.hex], salt=_SALT)
    return reverse("media_file", kwargs={"token": token})


class SignedFileRefused(Exception):
    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.message, self.expired = message, expired


def signed_file_read(token: str) -> tuple[int, str, str]:
    """(organisation id, kind, public id hex) from a token this site signed and that has not expired."""
    try:
        org_id, kind, public_id = signing.loads(token, salt=_SALT, max_age=settings.MEDIA_URL_MAX_AGE_SECONDS)
    except signing.SignatureExpired:
        raise SignedFileRefused("This link has expired; open the page again for a fresh one.", expired=True) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise SignedFileRefused("This link is not valid.") from None
    if kind not in SIGNED_KINDS or not isinstance(org_id, int):
        raise SignedFileRefused("This link is not valid.")
    return org_id, kind, public_id


def transcript_length_warning(media: Media | None) -> str | None:
    """A sentence when the transcript's last timestamp is far past the recording's end (wrong file?)."""
    if media is None or media.duration_ms is None:
        return None
    last = Utterance.objects.filter(interview_id=media.interview_id).aggregate(end=Max("end_ms"))["end"]
    slack = max(LENGTH_SLACK_MS, media.duration_ms * LENGTH_SLACK_SHARE)
    if last is None or last <= media.duration_ms + slack:
        return None
    return (f"The transcript runs to {_clock(last)} but the recording is only {_clock(media.duration_ms)} long: "
            "this may be the wrong recording, or a part of it. Utterances past the end cannot be played.")


def _clock(ms: int) -> str:
    seconds = ms // 1000
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else f"{seconds // 60}:{seconds % 60:02d}"


def reel_candidates(*, tag=None, query: str = "", highlight_ids=None, limit: int = 100):
    """Highlights a reel can be built from (their interview's recording is ready and they have timestamps),
    chosen by tag, by search words, or by id (a persona claim's cited highlights), in the order given or newest
    first."""
    queryset = Highlight.objects.filter(
        interview__media_files__status=MediaStatus.READY, start_utterance__start_ms__isnull=False,
        end_utterance__end_ms__isnull=False,
    ).select_related("interview", "participant", "start_utterance", "end_utterance")
    if highlight_ids is not None:
        rows = {h.public_id: h for h in queryset.filter(public_id__in=list(highlight_ids))}
        return [rows[public_id] for public_id in highlight_ids if public_id in rows]
    if tag is not None:
        queryset = queryset.filter(tag_links__tag=tag)
    if query:
        found = [h.pk for h in search_highlights(query=query, limit=limit)]
        queryset = queryset.filter(pk__in=found)
    elif tag is None:
        return []
    return list(queryset.order_by("-created_at", "-pk")[:limit])


def reels_recent(*, limit: int = 50):
    items = ReelItem.objects.select_related("highlight").order_by("position")
    return list(Reel.objects.prefetch_related(Prefetch("items", queryset=items)).order_by("-created_at", "-pk")[:limit])
