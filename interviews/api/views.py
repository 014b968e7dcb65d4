"""API views for participants (with CRM upserts), studies and interviews (upload, reprocess, utterances, speakers)."""

from django.db.models import Count, Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from empathy_site.api.base import TenantModelViewSet
from empathy_site.api.errors import error_response
from empathy_site.api.pagination import CursorPagination
from empathy_site.api.schema import ErrorSerializer, results_of
from empathy_site.ids import parse_uuid
from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.models import User
from empathy_site.tenancy.roles import Perm

from .. import parsers, selectors, services
from ..models import Interview, InterviewParticipant, Participant, SpeakerMapping, Study, Utterance
from .media_serializers import ChunkedUploadSerializer, ChunkedUploadStartSerializer, MediaUploadSerializer
from .serializers import (
    InterviewSerializer,
    InterviewUpdateSerializer,
    InterviewUploadSerializer,
    ParticipantSerializer,
    ParticipantUpsertResultSerializer,
    ParticipantUpsertSerializer,
    SpeakerMapSerializer,
    SpeakerSerializer,
    StudySerializer,
    UtteranceSerializer,
)


# Validated data as the services take it: only the fields they know, only those the caller sent (partial updates).
def _participant_fields(data) -> dict:
    return {name: data[name] for name in services.PARTICIPANT_FIELDS if name in data}


def _study_fields(data) -> dict:
    return {name: data[name] for name in services.STUDY_FIELDS if name in data}


@extend_schema_view(
    list=extend_schema(parameters=[
        OpenApiParameter(
            "external_id", str, description="system:id, e.g. hubspot:123 — the participant with that CRM id."),
        OpenApiParameter(
            "q", str, description="Part of a pseudonym; also of a name or email for callers who may see them."),
    ]),
)
class ParticipantViewSet(TenantModelViewSet):
    model = Participant
    serializer_class = ParticipantSerializer
    filterset_fields = ["pseudonym"]
    query_parameters = {"list": ("external_id", "q")}  # read in scope_queryset
    # Data-subject requests: admins, or keys with the `erase` scope.
    action_permissions = {"erase": Perm.SUBJECT_REQUESTS, "export": Perm.SUBJECT_REQUESTS}

    def scope_queryset(self, queryset):
        params = self.request.query_params if self.request else {}
        wanted = params.get("external_id")
        if wanted:
            system, _, external_id = wanted.partition(":")
            if not system or not external_id:
                raise exceptions.ValidationError({"external_id": "Write it as system:id, e.g. hubspot:123."})
            queryset = queryset.filter(crm_ids__system=system, crm_ids__external_id=external_id)
        query = params.get("q", "").strip()
        if query:
            queryset = queryset.filter(
                selectors.participant_search(query=query[:200], personal_data=self.can(Perm.PERSONAL_DATA))
            )
        return queryset

    @extend_schema(
        request=ParticipantUpsertSerializer,
        responses={200: results_of(ParticipantUpsertResultSerializer, "ParticipantUpsertList")},
    )
    @action(detail=False, methods=["post"])
    def upsert(self, request, *args, **kwargs):
        """Create or update a batch of participants by CRM id, all or nothing."""
        serializer = ParticipantUpsertSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rows = []
        for index, row in enumerate(serializer.validated_data["participants"]):
            checked = ParticipantSerializer(data=row, partial=True)
            if not checked.is_valid():
                raise exceptions.ValidationError({f"participants[{index}]": checked.errors})
            rows.append({**_participant_fields(checked.validated_data), "external_id": row.get("external_id")})
        results = services.participants_upsert(system=serializer.validated_data["system"], rows=rows, by=self.actor)
        data = ParticipantSerializer([p for p, _ in results], many=True, context=self.get_serializer_context()).data
        for item, (_, created) in zip(data, results, strict=True):
            item["created"] = created
        return Response({"results": data, "next": None})

    def service_create(self, data):
        return services.participant_create(by=self.actor, **_participant_fields(data))

    def service_update(self, instance, data):
        return services.participant_update(participant=instance, by=self.actor, **_participant_fields(data))

    def service_delete(self, instance):
        services.participant_delete(participant=instance, by=self.actor)

    @extend_schema(request=None, responses=inline_serializer("ParticipantErasure", {
        "utterances": serializers.IntegerField(help_text="Utterances whose text was replaced."),
        "highlights": serializers.IntegerField(help_text="Highlights deleted (their citations with them)."),
        "original_files": serializers.IntegerField(help_text="Interviews whose original file was deleted."),
    }))
    @action(detail=True, methods=["post"])
    def erase(self, request, *args, **kwargs):
        """Erase the person everywhere, as the UI does: words, highlights, personal fields, original files and
        every copy (webhook payloads, replayable responses). Answers what was erased, in counts."""
        return Response(services.participant_erase(participant=self.get_object(), by=self.actor))

    @extend_schema(responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="Everything held about the person.")})
    @action(detail=True, methods=["get"])
    def export(self, request, *args, **kwargs):
        """The subject-access export: everything held about the person, as the UI's download. Audited."""
        return Response(services.participant_export(participant=self.get_object(), by=self.actor))


class StudyViewSet(TenantModelViewSet):
    model = Study
    serializer_class = StudySerializer

    def service_create(self, data):
        return services.study_create(by=self.actor, **_study_fields(data))

    def service_update(self, instance, data):
        return services.study_update(study=instance, by=self.actor, **_study_fields(data))

    def service_delete(self, instance):
        services.study_delete(study=instance, by=self.actor)


class UtterancePagination(CursorPagination):
    ordering = ("position",)
    page_size = 200


@extend_schema_view(
    list=extend_schema(parameters=[
        OpenApiParameter("study", OpenApiTypes.UUID, description="Only the interviews of this study."),
    ]),
    create=extend_schema(request={"multipart/form-data": InterviewUploadSerializer}, responses={202: InterviewSerializer}),
    partial_update=extend_schema(request=InterviewUpdateSerializer, responses=InterviewSerializer),
    update=extend_schema(request=InterviewUpdateSerializer, responses=InterviewSerializer),
)
class InterviewViewSet(TenantModelViewSet):
    model = Interview
    serializer_class = InterviewSerializer
    filterset_fields = ["status"]
    query_parameters = {"list": ("study",)}  # read in scope_queryset

    def initialize_request(self, request, *args, **kwargs):
        request = super().initialize_request(request, *args, **kwargs)
        # DRF picks the parsers before ViewSetMixin sets self.action: pick again, now that it is known.
        request.parsers = self.get_parsers()
        return request

    def get_parsers(self):
        # The upload takes multipart only; every other write JSON, as the rest of the API (one content type
        # per operation, so a generated client sends each body one way).
        if getattr(self, "action", None) in ("create", "media"):
            return [MultiPartParser()]
        return super().get_parsers()

    def scope_queryset(self, queryset):
        attendances = InterviewParticipant.objects.select_related("participant")
        queryset = queryset.select_related("study").prefetch_related(
            Prefetch("attendances", queryset=attendances), "media_files")
        study = self.request.query_params.get("study")
        if study:
            queryset = queryset.filter(study__public_id=study) if parse_uuid(study) else queryset.none()
        return queryset

    def create(self, request, *args, **kwargs):
        serializer = InterviewUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            interview = services.interview_upload(
                upload=services.upload_from_file(data["file"]),
                title=data.get("title", ""),
                study=resolve_one(Study, data.get("study"), field="study"),
                participant=resolve_one(Participant, data.get("participant"), field="participant"),
                conducted_at=data.get("conducted_at"),
                language=data.get("language") or "en",
                recording=data.get("recording"),
                by=self.actor,
            )
        except services.MediaRefused as refused:
            return error_response(refused.code, refused.message, {"recording": [refused.message]})
        except services.UploadTooLarge as error:  # an UnsupportedFile too: the size has its own code and status
            return error_response("too_large", error.message, {"file": [error.message]})
        except parsers.UnsupportedFile as error:
            return error_response("unsupported_file", error.message, {"file": [error.message]})
        except services.DuplicateInterview as error:
            return error_response("duplicate", error.messages[0], {"existing": [str(error.existing.public_id)]})
        return Response(InterviewSerializer(interview, context=self.get_serializer_context()).data, status=status.HTTP_202_ACCEPTED)

    def update(self, request, *args, partial=False, **kwargs):
        interview = self.get_object()
        serializer = InterviewUpdateSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = {name: serializer.validated_data[name] for name in services.INTERVIEW_FIELDS if name in serializer.validated_data}
        if "study" in data:
            data["study"] = resolve_one(Study, data["study"], field="study")
        interview = services.interview_update(interview=interview, by=self.actor, **data)
        return Response(InterviewSerializer(self.get_queryset().get(pk=interview.pk), context=self.get_serializer_context()).data)

    def service_delete(self, instance):
        services.interview_delete(interview=instance, by=self.actor)

    @extend_schema(request=None, responses={
        202: InterviewSerializer, 400: OpenApiResponse(ErrorSerializer, description="Already processing"),
    })
    @action(detail=True, methods=["post"])
    def reprocess(self, request, *args, **kwargs):
        interview = services.interview_reprocess(interview=self.get_object(), by=self.actor)
        return Response(InterviewSerializer(interview, context=self.get_serializer_context()).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request={"multipart/form-data": MediaUploadSerializer},
        responses={202: InterviewSerializer, 413: OpenApiResponse(ErrorSerializer, description="too_large"),
                   415: OpenApiResponse(ErrorSerializer, description="unsupported_file")},
    )
    @action(detail=True, methods=["post"])
    def media(self, request, *args, **kwargs):
        """Attach a recording (replacing any earlier one and its clips). It is probed in the background:
        the interview's `media.status` goes queued, processing, then ready (with `url`) or failed (with `error`)."""
        interview = self.get_object()
        serializer = MediaUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            services.media_attach(interview=interview, uploaded_file=serializer.validated_data["file"], by=self.actor)
        except services.MediaRefused as refused:
            return error_response(refused.code, refused.message, {"file": [refused.message]})
        interview = self.get_queryset().get(pk=interview.pk)
        return Response(InterviewSerializer(interview, context=self.get_serializer_context()).data,
                        status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=ChunkedUploadStartSerializer,
        responses={201: ChunkedUploadSerializer, 413: OpenApiResponse(ErrorSerializer, description="too_large"),
                   415: OpenApiResponse(ErrorSerializer, description="unsupported_file")},
    )
    @action(detail=True, methods=["post"], url_path="media/uploads")
    def media_uploads(self, request, *args, **kwargs):
        """Start a chunked, resumable upload of a recording (for large files): answers the session, whose `offset`
        says where the next chunk starts. Send the chunks with PUT /media-uploads/{id}/, then POST
        /media-uploads/{id}/complete/. The size limit is checked now, before any byte is sent."""
        interview = self.get_object()
        serializer = ChunkedUploadStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            upload = services.media_upload_start(interview=interview, by=self.actor, **serializer.validated_data)
        except services.MediaRefused as refused:
            field = "size" if refused.code == "too_large" else "filename"
            return error_response(refused.code, refused.message, {field: [refused.message]})
        return Response(ChunkedUploadSerializer(upload, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(responses=UtteranceSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=UtterancePagination, filter_backends=[])
    def utterances(self, request, *args, **kwargs):
        interview = self.get_object()
        queryset = Utterance.objects.filter(interview=interview).select_related("speaker__participant",
                                                                                "speaker__team_member")
        page = self.paginate_queryset(queryset)
        selectors.label_speakers([u.speaker for u in page], personal_data=self.can(Perm.PERSONAL_DATA))
        return self.get_paginated_response(UtteranceSerializer(page, many=True, context=self.get_serializer_context()).data)

    @extend_schema(responses=results_of(SpeakerSerializer, "SpeakerList"))
    @action(detail=True, methods=["get"], pagination_class=None)
    def speakers(self, request, *args, **kwargs):
        interview = self.get_object()
        speakers = list(
            SpeakerMapping.objects.filter(interview=interview)
            .select_related("participant", "team_member")
            .annotate(utterance_count=Count("utterances"))
            .order_by("label")
        )
        selectors.label_speakers(speakers, personal_data=self.can(Perm.PERSONAL_DATA))
        data = SpeakerSerializer(speakers, many=True, context=self.get_serializer_context()).data
        return Response({"results": data, "next": None})

    @extend_schema(
        request=SpeakerMapSerializer, responses=SpeakerSerializer,
        parameters=[OpenApiParameter("speaker_id", str, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"], url_path=r"speakers/(?P<speaker_id>[0-9a-f-]{36})")
    def map_speaker(self, request, *args, speaker_id=None, **kwargs):
        interview = self.get_object()
        speaker = resolve_one(SpeakerMapping.objects.filter(interview=interview), speaker_id)
        serializer = SpeakerMapSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        participant = resolve_one(Participant, serializer.validated_data.get("participant"), field="participant")
        team_member = resolve_one(User, serializer.validated_data.get("team_member") or None, field="team_member")
        speaker = services.speaker_map(speaker=speaker, participant=participant, team_member=team_member, by=self.actor)
        speaker.utterance_count = speaker.utterances.count()
        selectors.label_speakers([speaker], personal_data=self.can(Perm.PERSONAL_DATA))
        return Response(SpeakerSerializer(speaker, context=self.get_serializer_context()).data)
