"""Writes for comments and memos. A mention (`@` + a member's email) notifies that member."""

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from empathy_site.sync.capture import one_change
from empathy_site.tenancy.audit import AuditAction, audit_record
from empathy_site.tenancy.context import require_org_id, tenant_atomic
from empathy_site.tenancy.models import NotificationKind, Organization, User
from empathy_site.tenancy.notifications import notify
from empathy_site.text import quoted

from .models import Comment, Memo
from .selectors import members_by_email

MAX_BODY = 10_000
# `@` then an email address; the address ends before trailing punctuation ("@ana@example.com, can you…").
MENTION = re.compile(r"(?<![\w.+-])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)")


def mentioned_emails(body: str) -> list[str]:
    return list(dict.fromkeys(match.group(1).lower().rstrip(".") for match in MENTION.finditer(body or "")))


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": "Write something."})
    if len(body) > MAX_BODY:
        raise ValidationError({"body": f"Keep it under {MAX_BODY} characters."})
    return body


def target_url(obj) -> str:
    """The page where a comment's or memo's target (and so the thread) is shown."""
    slug = _org_slug(obj)
    kind = obj.target_type
    target = obj.target
    if kind in ("highlight", "claim"):
        return reverse(f"{kind}_discussion", args=[slug, target.public_id])
    names = {"persona": "persona_detail", "message": "message_detail", "interview": "interview_detail",
             "tag": "tag_detail", "study": "study_detail"}
    return reverse(names[kind], args=[slug, target.public_id])


def _org_slug(obj) -> str:
    return Organization.objects.filter(pk=obj.organization_id).values_list("slug", flat=True).first()


def target_page_of_highlight(highlight) -> str:
    return reverse("interview_detail", args=[_org_slug(highlight), highlight.interview.public_id]) + f"#highlight-{highlight.public_id}"


def target_page_of_claim(claim) -> str:
    return reverse("persona_detail", args=[_org_slug(claim), claim.persona.public_id]) + f"#claim-{claim.public_id}"


def _notify_mentions(comment: Comment, mentioned: list[User], by: User | None) -> None:
    who = by.display_name if by is not None else "Someone"
    link = target_url(comment) + f"#comment-{comment.public_id}"
    for user in mentioned:
        if by is not None and user.pk == by.pk:
            continue
        notify(user=user, kind=NotificationKind.MENTION, message=f"{who} mentioned you: {quoted(comment.body, 120)}",
               link=link)


def _mentions(body: str) -> list[User]:
    """The members an `@email` names; an address that is no member's is left as text (no error, no leak)."""
    return members_by_email(emails=mentioned_emails(body))


@tenant_atomic()
def comment_create(*, target_type: str, target, body: str, parent: Comment | None = None, by: User | None = None,
                   created_at=None, notify_mentioned: bool = True) -> Comment:
    """`created_at` and `notify_mentioned=False`: a comment restored from a backup keeps its time, and the members
    it mentions were told when it was first written."""
    body = _clean_body(body)
    if target.organization_id != require_org_id():
        raise ValidationError({"target": "No such object."})
    if parent is not None:
        parent = Comment.objects.select_for_update().get(pk=parent.pk)
        if parent.parent_id is not None:
            parent = parent.parent  # a reply to a reply joins the same thread
        if parent.target_type != target_type or parent.target.pk != target.pk:
            raise ValidationError({"parent": "A reply must be on the same object as its thread."})
    mentioned = _mentions(body)
    comment = Comment(organization_id=require_org_id(), author=by, body=body, parent=parent,
                      mentions=[str(user.public_id) for user in mentioned], **{target_type: target})
    with one_change(comment):  # recorded once, with the time it keeps
        comment.save()
        if created_at is not None and created_at <= comment.created_at:
            Comment.objects.filter(pk=comment.pk).update(created_at=created_at)
            comment.created_at = created_at
    if parent is not None and parent.resolved_at is not None:
        # A new reply reopens a resolved thread.
        parent.resolved_at, parent.resolved_by = None, None
        parent.save(update_fields=["resolved_at", "resolved_by", "updated_at"])
    if notify_mentioned:
        _notify_mentions(comment, mentioned, by)
    return comment


@tenant_atomic()
def comment_update(*, comment: Comment, body: str, by: User | None = None) -> Comment:
    """Only the author edits the words; members newly mentioned are notified."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if by is None or comment.author_id != by.pk:
        raise PermissionDenied("Only the author can edit a comment.")
    body = _clean_body(body)
    before = set(comment.mentions)
    mentioned = _mentions(body)
    comment.body = body
    comment.mentions = [str(user.public_id) for user in mentioned]
    comment.save()
    _notify_mentions(comment, [user for user in mentioned if str(user.public_id) not in before], by)
    return comment


@tenant_atomic()
def comment_resolve(*, comment: Comment, resolved: bool = True, by: User | None = None) -> Comment:
    """Resolves (or reopens) the comment's whole thread. Idempotent."""
    root = Comment.objects.select_for_update().get(pk=comment.parent_id or comment.pk)
    if resolved and root.resolved_at is None:
        root.resolved_at, root.resolved_by = timezone.now(), by
        root.save(update_fields=["resolved_at", "resolved_by", "updated_at"])
    elif not resolved and root.resolved_at is not None:
        root.resolved_at, root.resolved_by = None, None
        root.save(update_fields=["resolved_at", "resolved_by", "updated_at"])
    return root


@tenant_atomic()
def comment_delete(*, comment: Comment, by: User | None = None, is_admin: bool = False) -> None:
    """The author or an admin deletes a comment (a thread's first comment takes its replies); audited."""
    comment = Comment.objects.select_for_update().filter(pk=comment.pk).first()
    if comment is None:
        return
    if not is_admin and (by is None or comment.author_id != by.pk):
        raise PermissionDenied("Only the author or an admin can delete a comment.")
    audit_record(action=AuditAction.COMMENT_DELETED, organization=comment.organization, actor=by, target=comment,
                 target_label=f"comment on {comment.target_type}",
                 details={"target_type": comment.target_type, "target": str(comment.target.public_id),
                          "replies": comment.replies.count()})
    comment.delete()


@tenant_atomic()
def memo_create(*, target_type: str, target, body: str, title: str = "", by: User | None = None,
                created_at=None) -> Memo:
    """`created_at`: when the memo was written, if not now (one brought in from another tool keeps its time)."""
    body = _clean_body(body)
    if target.organization_id != require_org_id():
        raise ValidationError({"target": "No such object."})
    memo = Memo(organization_id=require_org_id(), author=by, title=(title or "").strip()[:200], body=body,
                **{target_type: target})
    with one_change(memo):  # recorded once, with the time it keeps
        memo.save()
        if created_at is not None and created_at <= memo.created_at:
            Memo.objects.filter(pk=memo.pk).update(created_at=created_at)
            memo.created_at = created_at
    return memo


@tenant_atomic()
def memo_update(*, memo: Memo, body: str | None = None, title: str | None = None, by: User | None = None) -> Memo:
    memo = Memo.objects.select_for_update().get(pk=memo.pk)
    if body is not None:
        memo.body = _clean_body(body)
    if title is not None:
        memo.title = title.strip()[:200]
    memo.save()
    return memo


@tenant_atomic()
def memo_delete(*, memo: Memo, by: User | None = None) -> None:
    memo = Memo.objects.select_for_update().filter(pk=memo.pk).first()
    if memo is None:
        return
    audit_record(action=AuditAction.MEMO_DELETED, organization=memo.organization, actor=by, target=memo,
                 target_label=f"memo on {memo.target_type}",
                 details={"target_type": memo.target_type, "target": str(memo.target.public_id)})
    memo.delete()


def erased_words_scrub(*, scrub) -> int:
    """An erased participant's words quoted in comments or memos are replaced (the erasure's `scrub`). Returns how
    many rows changed. Runs in the erasure's transaction."""
    changed = 0
    for model in (Comment, Memo):
        for row in model.objects.only("pk", "body", *(("title",) if model is Memo else ())):
            fields = {"body": scrub(row.body)}
            if model is Memo:
                fields["title"] = scrub(row.title)
            if any(getattr(row, name) != value for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(row, name, value)
                row.save(update_fields=[*fields, "updated_at"])
                changed += 1
    return changed
