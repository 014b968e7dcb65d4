"""Web UI for comments and memos: the thread and memo forms sit on their targets' pages (templatetags)."""

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView
from interviews.models import Highlight
from personas.models import Claim

from . import services
from .models import COMMENT_TARGETS, MEMO_TARGETS, Comment, Memo
from .targets import target_model


def _back(request, obj=None, fallback="dashboard", **kwargs):
    """To the page the form was on (`next`, same host only), else to the object's target page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    if obj is not None:
        return redirect(services.target_url(obj))
    return redirect(fallback, org_slug=request.organization.slug)


def _target_from(request, allowed):
    kind = request.POST.get("target_type", "")
    if kind not in allowed:
        raise ValidationError("Choose what the note is about.")
    return kind, resolve_one(target_model(kind), request.POST.get("target"), field="target")


class CommentCreateView(OrgView):
    read_permission = write_permission = Perm.MESSAGES
    http_method_names = ["post"]

    def post(self, request):
        try:
            kind, target = _target_from(request, COMMENT_TARGETS)
            parent = resolve_one(Comment, request.POST.get("parent") or None, field="parent")
            comment = services.comment_create(target_type=kind, target=target, body=request.POST.get("body", ""),
                                              parent=parent, by=request.user)
        except ValidationError as error:
            flash.error(request, " ".join(error.messages))
            return _back(request)
        return _back(request, comment)


class CommentResolveView(OrgView):
    read_permission = write_permission = Perm.MESSAGES
    http_method_names = ["post"]

    def post(self, request, comment_id):
        comment = resolve_one(Comment, comment_id)
        resolved = request.POST.get("resolved", "1") != "0"
        services.comment_resolve(comment=comment, resolved=resolved, by=request.user)
        flash.success(request, "Thread resolved." if resolved else "Thread reopened.")
        return _back(request, comment)


class CommentDeleteView(OrgView):
    read_permission = write_permission = Perm.MESSAGES
    http_method_names = ["post"]

    def post(self, request, comment_id):
        comment = resolve_one(Comment, comment_id)
        target_page = services.target_url(comment)
        try:
            services.comment_delete(comment=comment, by=request.user, is_admin=self.can(Perm.MANAGE_ORG))
            flash.success(request, "Comment deleted.")
        except PermissionDenied as error:
            flash.error(request, str(error))
        return _back(request) if request.POST.get("next") else redirect(target_page)


class MemoCreateView(OrgView):
    read_permission = write_permission = Perm.RESEARCH
    http_method_names = ["post"]

    def post(self, request):
        try:
            kind, target = _target_from(request, MEMO_TARGETS)
            memo = services.memo_create(target_type=kind, target=target, body=request.POST.get("body", ""),
                                        title=request.POST.get("title", ""), by=request.user)
        except ValidationError as error:
            flash.error(request, " ".join(error.messages))
            return _back(request)
        flash.success(request, "Memo saved.")
        return _back(request, memo)


class MemoDeleteView(OrgView):
    read_permission = write_permission = Perm.RESEARCH
    http_method_names = ["post"]

    def post(self, request, memo_id):
        memo = resolve_one(Memo, memo_id)
        target_page = services.target_url(memo)
        services.memo_delete(memo=memo, by=request.user)
        flash.success(request, "Memo deleted.")
        return _back(request) if request.POST.get("next") else redirect(target_page)


class HighlightDiscussionView(OrgView):
    """A highlight's quote with its comment threads."""

    def get(self, request, highlight_id):
        highlight = resolve_one(Highlight.objects.select_related("interview", "participant"), highlight_id)
        return render(request, "collaboration/discussion.html", {
            "target": highlight, "target_type": "highlight", "quote": highlight.quote,
            "heading": f"Highlight in {highlight.interview.title}",
            "back_url": services.target_page_of_highlight(highlight), "back_label": highlight.interview.title,
        })


class ClaimDiscussionView(OrgView):
    """A claim with its comment threads."""

    def get(self, request, claim_id):
        claim = resolve_one(Claim.objects.select_related("persona"), claim_id)
        return render(request, "collaboration/discussion.html", {
            "target": claim, "target_type": "claim", "quote": claim.statement,
            "heading": f"Claim of {claim.persona.name}",
            "back_url": services.target_page_of_claim(claim), "back_label": claim.persona.name,
        })
