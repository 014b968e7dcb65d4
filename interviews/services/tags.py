"""The codebook: tags in a hierarchy, renamed, moved, merged and deleted without losing evidence."""

import re
import uuid

from django.core.exceptions import ValidationError
from django.utils import timezone

from empathy_site.model_update import UNCHANGED
from empathy_site.sync.capture import record_changes
from empathy_site.tenancy.audit import AuditAction, audit_record
from empathy_site.tenancy.concurrency import Conflict, org_lock, unique_or_conflict
from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import User

from ..models import Highlight, HighlightTag, Tag
from ..models.evidence import HEX_COLOUR

DEFAULT_COLOURS = ["#6366f1", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#ec4899", "#14b8a6"]

# Every change to the codebook's names or shape runs under this per-org lock and re-reads what it
# checks: of two concurrent moves (X under Y, Y under X) the second sees the first and is refused,
# and names stay unique case-insensitively (the database's constraint is case-sensitive).
TREE_LOCK = "interviews.tag_tree"


def _lock_tree() -> dict[int, int | None]:
    """Take the codebook lock; returns every tag's parent id as committed now."""
    org_lock(TREE_LOCK)
    return dict(Tag.objects.values_list("pk", "parent_id"))


def _lineage(tag_id: int, parents: dict[int, int | None]) -> list[int]:
    """tag_id and its ancestors, nearest first. Bounded by a visited set: a loop (only a bad row
    can make one) is a clear error, never a worker spinning forever."""
    chain, seen, node = [], set(), tag_id
    while node is not None:
        if node in seen:
            loop = chain[chain.index(node):]
            names = ", ".join(Tag.objects.filter(pk__in=loop).order_by("name").values_list("name", flat=True))
            raise ValidationError({"parent": (
                f"The codebook has a loop among the tags {names}: each sits under another. "
                "Move one of them to the top level first."
            )})
        seen.add(node)
        chain.append(node)
        node = parents.get(node)
    return chain


def _check_name(name: str, *, exclude_pk=None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A tag needs a name."})
    if len(name) > 100:
        raise ValidationError({"name": "Keep tag names under 100 characters."})
    if Tag.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise Conflict({"name": _name_taken(name)})
    return name


def _name_taken(name: str) -> str:
    return f"A tag called “{name}” already exists."


def _check_colour(colour: str) -> str:
    if not re.match(HEX_COLOUR, colour or ""):
        raise ValidationError({"colour": "Give the colour as #rrggbb, e.g. #6366f1."})
    return colour.lower()


def _check_parent(tag: Tag | None, parent: Tag | None, parents: dict[int, int | None]) -> None:
    """Precondition: the caller holds the codebook lock and `parents` was read under it."""
    if parent is None:
        return
    if parent.organization_id != require_org_id() or parent.pk not in parents:
        raise ValidationError({"parent": "No such tag."})
    if tag is not None and tag.pk in _lineage(parent.pk, parents):
        raise ValidationError({"parent": "A tag cannot sit under itself or one of its own sub-tags."})


def _check_exists(tag: Tag, parents: dict[int, int | None]) -> None:
    if tag.pk not in parents:
        raise ValidationError(f"The tag “{tag.name}” was merged or deleted meanwhile; reload the codebook.")


@tenant_atomic()
def tag_create(
    *, name: str, description: str = "", colour: str | None = None, parent: Tag | None = None, by: User | None = None,
    public_id: uuid.UUID | None = None,
) -> Tag:
    """`public_id` keeps a code's GUID from an imported REFI-QDA codebook (unused in this organisation), so the
    next export carries the same GUID and a re-import matches it."""
    parents = _lock_tree()
    name = _check_name(name)
    _check_parent(None, parent, parents)
    if colour is None:
        colour = DEFAULT_COLOURS[len(parents) % len(DEFAULT_COLOURS)]
    with unique_or_conflict("tag_org_name_uniq", "name", _name_taken(name)):
        return Tag.objects.create(
            organization_id=require_org_id(), name=name, description=description or "", colour=_check_colour(colour),
            parent=parent, created_by=by, **({"public_id": public_id} if public_id else {}),
        )


@tenant_atomic()
def tag_update(
    *,
    tag: Tag,
    name: str = UNCHANGED,
    description: str = UNCHANGED,
    colour: str = UNCHANGED,
    parent: Tag | None = UNCHANGED,
    by: User | None = None,
) -> Tag:
    """Rename, recolour, describe or move (parent=None moves it to the top); the fields not given keep their value."""
    parents = _lock_tree()
    _check_exists(tag, parents)
    changed = ["updated_at"]
    # Each field is checked its own way (names under the codebook lock), so model_update's generic loop does not fit.
    if name is not UNCHANGED:
        tag.name = _check_name(name, exclude_pk=tag.pk)
        changed.append("name")
    if description is not UNCHANGED:
        tag.description = description
        changed.append("description")
    if colour is not UNCHANGED:
        tag.colour = _check_colour(colour)
        changed.append("colour")
    if parent is not UNCHANGED:
        _check_parent(tag, parent, parents)
        tag.parent = parent
        changed.append("parent")
    else:
        # Writing back a parent read before the lock could undo a concurrent move and close a loop.
        tag.parent_id = parents[tag.pk]
    with unique_or_conflict("tag_org_name_uniq", "name", _name_taken(tag.name)):
        tag.save(update_fields=changed)
    return tag


@tenant_atomic()
def tag_merge(*, source: Tag, target: Tag, by: User | None = None) -> Tag:
    """Every highlight of `source` moves to `target`; sub-tags move too; `source` goes. Audited."""
    if source.pk == target.pk:
        raise ValidationError("Choose two different tags to merge.")
    parents = _lock_tree()
    _check_exists(source, parents)
    _check_exists(target, parents)
    _check_parent(None, target, parents)
    # Merging a tag into its own descendant would orphan the branch: lift the target first.
    if source.pk in _lineage(target.pk, parents)[1:]:
        target.parent_id = parents[source.pk]
        target.save(update_fields=["parent", "updated_at"])
    affected = list(Highlight.objects.filter(tag_links__tag=source).values_list("public_id", flat=True))
    children = list(Tag.objects.filter(parent=source).values_list("public_id", flat=True))
    already = HighlightTag.objects.filter(tag=target).values("highlight_id")
    HighlightTag.objects.filter(tag=source, highlight_id__in=already).delete()
    moved = HighlightTag.objects.filter(tag=source).update(tag=target)
    Tag.objects.filter(parent=source).update(parent=target, updated_at=timezone.now())  # new ETags
    record_changes(Highlight, affected, organization_id=target.organization_id, changed_fields=["tags"])
    record_changes(Tag, children, organization_id=target.organization_id, changed_fields=["parent", "updated_at"])
    record_changes(Tag, [target.public_id], organization_id=target.organization_id, changed_fields=["highlight_count"])
    audit_record(
        action=AuditAction.TAG_MERGED, organization=target.organization, actor=by, target=target,
        details={"from": source.name, "into": target.name, "highlights_moved": moved},
    )
    source.delete()
    return target


@tenant_atomic()
def tag_delete(*, tag: Tag, by: User | None = None) -> int:
    """Removes the tag from its highlights (the highlights stay); sub-tags move up a level."""
    parents = _lock_tree()
    if tag.pk not in parents:
        return 0  # deleted or merged meanwhile: nothing left to do
    touched = HighlightTag.objects.filter(tag=tag).count()
    affected = list(Highlight.objects.filter(tag_links__tag=tag).values_list("public_id", flat=True))
    children = list(Tag.objects.filter(parent=tag).values_list("public_id", flat=True))
    Tag.objects.filter(parent=tag).update(parent_id=parents[tag.pk], updated_at=timezone.now())
    record_changes(Highlight, affected, organization_id=tag.organization_id, changed_fields=["tags"])
    record_changes(Tag, children, organization_id=tag.organization_id, changed_fields=["parent", "updated_at"])
    audit_record(
        action=AuditAction.TAG_DELETED, organization=tag.organization, actor=by, target=tag,
        details={"highlights_untagged": touched},
    )
    tag.delete()
    return touched
