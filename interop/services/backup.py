"""The whole-organisation backup: a zip of project.qdpx (what REFI-QDA carries) and bundle.json (what it cannot:
studies' fields, participants' personal fields and consent, team speakers, the evidence policy, personas with
claims and citations (stance), messages with revisions and assumption checks). Restored into a new organisation
through the same services a person would use, with new ids (tags keep their GUIDs, as any REFI-QDA import does).
"""

from __future__ import annotations

import io
import json
import zipfile

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from collaboration import services as collaboration_services
from collaboration.models import COMMENT_TARGETS, Comment
from empathy_site.tenancy.context import require_org_id, tenant_atomic, tenant_scope
from empathy_site.tenancy.models import Membership, Organization, User
from empathy_site.tenancy.services import membership_set, organization_create
from interviews import services as interview_services
from interviews.models import Participant, SpeakerMapping, Study
from personas import services as persona_services
from personas.models import AssumptionCheck, Message, Persona
from personas.selectors import evidence_policy

from .. import refi, selectors
from .apply import apply_project
from .imports import zip_limits

BUNDLE_VERSION = 1


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def org_backup(*, target) -> None:
    """Write the active organisation's backup zip into `target` (a binary file object)."""
    project = selectors.project_snapshot(personal_data=True, name=Organization.objects.get(
        pk=require_org_id()).name)
    qdpx = refi.project_qdpx(project, created=timezone.now().replace(microsecond=0).isoformat())
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qdpx", qdpx.getvalue())
        archive.writestr("bundle.json", json.dumps(_bundle(), ensure_ascii=False, indent=1))


def _email(user) -> str | None:
    return user.email if user is not None else None


def _bundle() -> dict:
    org = Organization.objects.get(pk=require_org_id())
    policy = evidence_policy()
    return {
        "version": BUNDLE_VERSION,
        "organization": {"name": org.name, "slug": org.slug},
        "members": [{"email": m.user.email, "role": m.role} for m in Membership.objects.filter(organization=org).select_related("user")],
        "studies": [{"guid": str(s.public_id), "name": s.name, "goal": s.goal, "research_questions": s.research_questions,
                     "starts_on": _iso(s.starts_on), "ends_on": _iso(s.ends_on)} for s in Study.objects.all()],
        "participants": [{
            "guid": str(p.public_id), "pseudonym": p.pseudonym, "name": p.name, "email": p.email,
            "attributes": p.attributes, "external_ids": p.external_ids, "consent_given_at": _iso(p.consent_given_at),
            "consent_scope": p.consent_scope, "consent_expires_at": _iso(p.consent_expires_at),
            "consent_withdrawn_at": _iso(p.consent_withdrawn_at),
        } for p in Participant.objects.filter(erased_at__isnull=True)],
        "team_speakers": [{"source": str(s.interview.public_id), "label": selectors.line_label(s.label), "member": s.team_member.email}
                          for s in SpeakerMapping.objects.filter(team_member__isnull=False).select_related("interview", "team_member")],
        "evidence_policy": {"min_citations": policy.min_citations, "min_participants": policy.min_participants,
                            "max_evidence_age_months": policy.max_evidence_age_months,
                            "segment_attribute": policy.segment_attribute},
        "personas": [{
            "guid": str(p.public_id), "name": p.name, "summary": p.summary, "segment": p.segment, "status": p.status,
            "avatar_colour": p.avatar_colour, "owner": _email(p.owner),
            "claims": [{"guid": str(c.public_id), "kind": c.kind, "statement": c.statement, "order": c.order,
                        "citations": [{"highlight": str(x.highlight.public_id), "stance": x.stance, "note": x.note}
                                      for x in c.citations.select_related("highlight").order_by("pk")]}
                       for c in p.claims.order_by("order", "pk")],
        } for p in Persona.objects.select_related("owner").order_by("pk")],
        "messages": [{
            "guid": str(m.public_id), "title": m.title, "channel": m.channel, "status": m.status, "author": _email(m.author),
            "revisions": [_revision(r) for r in m.revisions.order_by("number")],
        } for m in Message.objects.select_related("author").order_by("pk")],
        # Threads first, then replies, each in the order written. (Memos travel in project.qdpx as notes.)
        "comments": [{
            "guid": str(c.public_id), "target_type": c.target_type, "target": str(c.target.public_id),
            "parent": str(c.parent.public_id) if c.parent_id else None, "author": _email(c.author), "body": c.body,
            "created_at": _iso(c.created_at), "resolved_at": _iso(c.resolved_at), "resolved_by": _email(c.resolved_by),
        } for c in sorted(Comment.objects.select_related(*COMMENT_TARGETS, "parent", "author", "resolved_by"),
                          key=lambda c: (c.parent_id is not None, c.created_at, c.pk))],
    }


def _revision(revision) -> dict:
    check = AssumptionCheck.objects.filter(revision=revision).order_by("pk").first()
    return {
        "body": revision.body, "author": _email(revision.author),
        "targets": [str(p.public_id) for p in revision.target_personas.order_by("pk")],
        "check": None if check is None else {
            "basis": check.basis, "own_taste": check.own_taste, "predicted_reaction": check.predicted_reaction,
            "predicted_customer_words": check.predicted_customer_words, "rationale": check.rationale,
            "claims": [str(c.public_id) for c in check.claims.order_by("pk")],
            "highlights": [str(h.public_id) for h in check.highlights.order_by("pk")],
        },
    }


def org_restore(*, data: bytes, slug: str, name: str | None = None) -> tuple[Organization, dict]:
    """A new organisation `slug` holding the backup: all or nothing. Returns it and the import's report."""
    files = refi.safety.open_zip(data, zip_limits(), "backup")
    if "bundle.json" not in files or "project.qdpx" not in files:
        raise refi.ImportRefused("This is not a Groundwork backup: it needs project.qdpx and bundle.json.")
    try:
        bundle = json.loads(files["bundle.json"])
    except ValueError:
        raise refi.ImportRefused("The backup's bundle.json is not valid JSON.") from None
    if bundle.get("version") != BUNDLE_VERSION:
        raise refi.ImportRefused(f"This backup has version {bundle.get('version')}; this Groundwork reads version {BUNDLE_VERSION}.")
    project = refi.read_project(files["project.qdpx"], zip_limits())
    users = {u.email: u for u in User.objects.filter(email__in=[m["email"] for m in bundle["members"]])}
    org = organization_create(slug=slug, name=name or f"{bundle['organization']['name']} (restored)")
    for member in bundle["members"]:
        if member["email"] in users:
            membership_set(organization=org, user=users[member["email"]], role=member["role"])
    with tenant_scope(org), tenant_atomic():
        created: dict = {}
        report = apply_project(project, split_names=False, by=None, created=created)
        _restore_bundle(bundle, created, users)
    return org, report


def _dt(value):
    return parse_datetime(value) if value else None


def _restore_bundle(bundle: dict, created: dict, users: dict) -> None:
    studies = {}
    for item in bundle["studies"]:
        study = Study.objects.filter(name=item["name"]).first() or interview_services.study_create(name=item["name"])
        studies[item["guid"]] = interview_services.study_update(
            study=study, goal=item["goal"], research_questions=item["research_questions"],
            starts_on=parse_date(item["starts_on"]) if item["starts_on"] else None,
            ends_on=parse_date(item["ends_on"]) if item["ends_on"] else None)
    for item in bundle["participants"]:
        participant = created["cases"].get(item["guid"]) or Participant.objects.filter(pseudonym=item["pseudonym"]).first()
        fields = {"name": item["name"], "email": item["email"], "attributes": item["attributes"],
                  "consent_given_at": _dt(item["consent_given_at"]), "consent_scope": item["consent_scope"],
                  "consent_expires_at": _dt(item["consent_expires_at"]),
                  "consent_withdrawn_at": _dt(item["consent_withdrawn_at"]), "external_ids": item["external_ids"]}
        if participant is None:
            interview_services.participant_create(pseudonym=item["pseudonym"], **fields)
        else:
            interview_services.participant_update(participant=participant, **fields)
    for item in bundle["team_speakers"]:
        interview, member = created["sources"].get(item["source"]), users.get(item["member"])
        if interview is None or member is None:
            continue
        for speaker in SpeakerMapping.objects.filter(interview=interview, label=item["label"], participant__isnull=True):
            interview_services.speaker_map(speaker=speaker, team_member=member)
    policy = bundle["evidence_policy"]
    persona_services.evidence_policy_update(**policy)
    highlights = created["selections"]
    personas, claims = {}, {}
    for item in bundle["personas"]:
        persona = persona_services.persona_create(name=item["name"], summary=item["summary"], segment=item["segment"],
                                                  owner=users.get(item["owner"]), avatar_colour=item["avatar_colour"])
        personas[item["guid"]] = persona
        for claim_item in item["claims"]:
            claim = persona_services.claim_create(persona=persona, kind=claim_item["kind"], statement=claim_item["statement"],
                                                  order=claim_item["order"])
            claims[claim_item["guid"]] = claim
            for citation in claim_item["citations"]:
                if citation["highlight"] in highlights:
                    persona_services.citation_create(claim=claim, highlight=highlights[citation["highlight"]],
                                                     stance=citation["stance"], note=citation["note"])
        _restore_status(persona, item["status"])
    messages = {}
    for item in bundle["messages"]:
        message = None
        for revision in item["revisions"]:
            check = revision["check"] or {"basis": "hypothesis", "own_taste": 3, "predicted_reaction": 3}
            answers = persona_services.CheckAnswers(
                basis=check["basis"], own_taste=check["own_taste"], predicted_reaction=check["predicted_reaction"],
                predicted_customer_words=check.get("predicted_customer_words", ""), rationale=check.get("rationale", ""),
                claims=[claims[g] for g in check.get("claims", []) if g in claims],
                highlights=[highlights[g] for g in check.get("highlights", []) if g in highlights],
            )
            targets = [personas[g] for g in revision["targets"] if g in personas]
            author = users.get(revision["author"])
            if message is None:
                message = persona_services.message_create(title=item["title"], channel=item["channel"],
                                                          body=revision["body"], target_personas=targets, check=answers, by=author)
            else:
                persona_services.message_revise(message=message, body=revision["body"], target_personas=targets,
                                                check=answers, by=author)
        if message is not None and item.get("guid"):
            messages[item["guid"]] = message
    _restore_comments(bundle.get("comments", []), {
        "highlight": highlights, "claim": claims, "persona": personas, "message": messages,
        "interview": created["sources"]}, users)


def _restore_comments(items: list[dict], targets: dict[str, dict], users: dict) -> None:
    """Threads and replies on what was restored, authors and times kept; nobody is notified again."""
    comments, resolved = {}, []
    for item in items:
        target = targets.get(item["target_type"], {}).get(item["target"])
        parent = comments.get(item["parent"]) if item["parent"] else None
        if target is None or (item["parent"] and parent is None):
            continue
        comment = collaboration_services.comment_create(
            target_type=item["target_type"], target=target, body=item["body"], parent=parent,
            by=users.get(item["author"]), created_at=_dt(item["created_at"]), notify_mentioned=False)
        comments[item["guid"]] = comment
        if item["resolved_at"] and parent is None:
            resolved.append((comment, users.get(item["resolved_by"])))
    for comment, by in resolved:  # once the replies are in: a reply reopens a thread
        collaboration_services.comment_resolve(comment=comment, by=by)


def _restore_status(persona: Persona, status: str) -> None:
    try:
        if status == Persona.Status.PUBLISHED:
            persona_services.persona_publish(persona=persona)
        elif status == Persona.Status.ARCHIVED:
            persona_services.persona_archive(persona=persona)
    except ValidationError:
        pass  # the restored evidence no longer meets the policy: the persona stays a draft, as it would by hand


def org_backup_bytes() -> bytes:
    buffer = io.BytesIO()
    org_backup(target=buffer)
    return buffer.getvalue()
