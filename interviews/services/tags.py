"""The codebook: tags in a hierarchy, renamed, moved, merged and deleted without losing evidence."""

import re

from django.core.exceptions import ValidationError

from empathy_site.sync.capture import record_changes
from empathy_site.tenancy.audit import audit_record
from empathy_site.tenancy.context import require_org_id, tenant_atomic

from ..models import Highlight, HighlightTag, Tag
from ..models.evidence import HEX_COLOUR

DEFAULT_COLOURS = ["#6366f1", "#0ea5e9", "#10b981", "#f59e0b", "#ef4444", "#8b5cf6", "#ec4899", "#14b8a6"]


def _check_name(name: str, *, exclude_pk=None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "A tag needs a name."})
    if len(name) > 100:
        raise ValidationError({"name": "Keep tag names under 100 characters."})
    if Tag.objects.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        raise ValidationError({"name": f"A tag called “{name}” already exists."})
    return name


def _check_colour(colour: str) -> str:
    if not re.match(HEX_COLOUR, colour or ""):
        raise ValidationError({"colour": "Give the colour as #rrggbb, e.g. #6366f1."})
    return colour.lower()


def _check_parent(tag: Tag | None, parent: Tag | None) -> None:
    if parent is None:
        return
    if parent.organization_id != require_org_id():
        raise ValidationError({"parent": "No such tag."})
    node = parent
    while node is not None:
        if tag is not None and node.pk == tag.pk:
            raise ValidationError({"parent": "A tag cannot sit under itself or one of its own sub-tags."})
        node = Tag.objects.filter(pk=node.parent_id).first() if node.parent_id else None


@tenant_atomic()
def tag_create(*, name: str, description: str = "", colour: str | None = None, parent: Tag | None = None, by=None) -> Tag:
    name = _check_name(name)
    _check_parent(None, parent)
    if colour is None:
        colour = DEFAULT_COLOURS[Tag.objects.count() % len(DEFAULT_COLOURS)]
    return Tag.objects.create(
        organization_id=require_org_id(), name=name, description=description or "", colour=_check_colour(colour),
        parent=parent, created_by=by if getattr(by, "email", None) else None,
    )


_UNSET = object()


@tenant_atomic()
def tag_update(*, tag: Tag, name: str | None = None, description: str | None = None, colour: str | None = None,
               parent=_UNSET, by=None) -> Tag:
    """Rename, recolour, describe or move (parent=None moves it to the top)."""
    if name is not None:
        tag.name = _check_name(name, exclude_pk=tag.pk)
    if description is not None:
        tag.description = description
    if colour is not None:
        tag.colour = _check_colour(colour)
    if parent is not _UNSET:
        _check_parent(tag, parent)
        tag.parent = parent
    tag.save()
    return tag


@tenant_atomic()
def tag_merge(*, source: Tag, target: Tag, by=None, request=None) -> Tag:
    """Every highlight of `source` moves to `target`; sub-tags move too; `source` goes. Audited."""
    if source.pk == target.pk:
        raise ValidationError("Choose two different tags to merge.")
    _check_parent(None, target)
    # Merging a tag into its own descendant would orphan the branch: lift the target first.
    node, ancestors = target, set()
    while node is not None and node.parent_id:
        ancestors.add(node.parent_id)
        node = Tag.objects.filter(pk=node.parent_id).first()
    if source.pk in ancestors:
        target.parent_id = source.parent_id
        target.save(update_fields=["parent", "updated_at"])
    affected = list(Highlight.objects.filter(tag_links__tag=source).values_list("public_id", flat=True))
    children = list(Tag.objects.filter(parent=source).values_list("public_id", flat=True))
    already = HighlightTag.objects.filter(tag=target).values("highlight_id")
    HighlightTag.objects.filter(tag=source, highlight_id__in=already).delete()
    moved = HighlightTag.objects.filter(tag=source).update(tag=target)
    Tag.objects.filter(parent=source).update(parent=target)
    record_changes(Highlight, affected, organization_id=target.organization_id)
    record_changes(Tag, children, organization_id=target.organization_id)
    audit_record(
        action="tag_merged", organization=target.organization, actor=by, target=target, request=request,
        details={"from": source.name, "into": target.name, "highlights_moved": moved},
    )
    source.delete()
    return target


@tenant_atomic()
def tag_delete(*, tag: Tag, by=None, request=None) -> int:
    """Removes the tag from its highlights (the highlights stay); sub-tags move up a level."""
    touched = HighlightTag.objects.filter(tag=tag).count()
    affected = list(Highlight.objects.filter(tag_links__tag=tag).values_list("public_id", flat=True))
    children = list(Tag.objects.filter(parent=tag).values_list("public_id", flat=True))
    Tag.objects.filter(parent=tag).update(parent_id=tag.parent_id)
    record_changes(Highlight, affected, organization_id=tag.organization_id)
    record_changes(Tag, children, organization_id=tag.organization_id)
    audit_record(
        action="tag_deleted", organization=tag.organization, actor=by, target=tag, request=request,
        details={"highlights_untagged": touched},
    )
    tag.delete()
    return touched
