"""Web UI routes under /o/<org-slug>/: interviews, participants, studies, evidence, patterns and privacy."""

from django.urls import path

from .views import coding, evidence, media, participants, patterns, privacy, search, studies, transcripts

urlpatterns = [
    path("interviews/", transcripts.InterviewListView.as_view(), name="interview_list"),
    path("interviews/<uuid:interview_id>/", transcripts.InterviewDetailView.as_view(), name="interview_detail"),
    path("interviews/<uuid:interview_id>/edit/", transcripts.InterviewEditView.as_view(), name="interview_edit"),
    path("interviews/<uuid:interview_id>/row/", transcripts.InterviewRowView.as_view(), name="interview_row"),
    path("interviews/<uuid:interview_id>/reprocess/", transcripts.InterviewReprocessView.as_view(), name="interview_reprocess"),
    path("interviews/<uuid:interview_id>/delete/", transcripts.InterviewDeleteView.as_view(), name="interview_delete"),
    path(
        "interviews/<uuid:interview_id>/speakers/<uuid:speaker_id>/",
        transcripts.SpeakerMapView.as_view(),
        name="speaker_map",
    ),
    path("interviews/<uuid:interview_id>/coding/", coding.InterviewCodingView.as_view(), name="interview_coding"),
    path("interviews/<uuid:interview_id>/coding/agreement.csv", coding.AgreementCsvView.as_view(),
         name="interview_agreement_csv"),
    path("interviews/<uuid:interview_id>/coding/disagreements.csv", coding.DisagreementsCsvView.as_view(),
         name="interview_disagreements_csv"),
    path("interviews/<uuid:interview_id>/media/", media.MediaUploadView.as_view(), name="interview_media_upload"),
    path("interviews/<uuid:interview_id>/media/silence/", media.MediaSilenceView.as_view(), name="interview_media_silence"),
    path("interviews/<uuid:interview_id>/highlights/", evidence.HighlightCreateView.as_view(), name="highlight_create"),
    path("highlights/<uuid:highlight_id>/", evidence.HighlightEditView.as_view(), name="highlight_edit"),
    path("reels/", media.ReelsView.as_view(), name="reel_list"),
    path("tags/", evidence.CodebookView.as_view(), name="codebook"),
    path("tags.css", evidence.TagStylesView.as_view(), name="tag_styles"),
    path("tags/<uuid:tag_id>/", evidence.TagDetailView.as_view(), name="tag_detail"),
    path("tags/<uuid:tag_id>/merge/", evidence.TagMergeView.as_view(), name="tag_merge"),
    path("tags/<uuid:tag_id>/delete/", evidence.TagDeleteView.as_view(), name="tag_delete"),
    path("search/", search.SearchView.as_view(), name="evidence_search"),
    path("patterns/", patterns.PatternsView.as_view(), name="patterns"),
    path("patterns/tags-by-segment.csv", patterns.MatrixCsvView.as_view(), name="patterns_matrix_csv"),
    path("patterns/co-occurrence.csv", patterns.CooccurrenceCsvView.as_view(), name="patterns_cooccurrence_csv"),
    path("interviews/<uuid:interview_id>/redaction/", privacy.InterviewScanView.as_view(), name="interview_scan"),
    path("redaction-findings/<uuid:finding_id>/", privacy.FindingDecideView.as_view(), name="finding_decide"),
    path("settings/privacy/", privacy.PrivacySettingsView.as_view(), name="privacy_settings"),
    path("settings/privacy/retention/", privacy.RetentionRunView.as_view(), name="retention_run"),
    path("participants/<uuid:participant_id>/erase/", privacy.ParticipantEraseView.as_view(), name="participant_erase"),
    path("participants/<uuid:participant_id>/export.json", privacy.ParticipantExportView.as_view(),
         name="participant_export"),
    path("participants/", participants.ParticipantListView.as_view(), name="participant_list"),
    path("participants/<uuid:participant_id>/", participants.ParticipantDetailView.as_view(), name="participant_detail"),
    path("studies/", studies.StudyListView.as_view(), name="study_list"),
    path("studies/<uuid:study_id>/", studies.StudyDetailView.as_view(), name="study_detail"),
]
