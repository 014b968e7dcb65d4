from django.urls import path

from . import evidence_views, privacy_views, views

urlpatterns = [
    path("interviews/", views.InterviewListView.as_view(), name="interview_list"),
    path("interviews/<uuid:interview_id>/", views.InterviewDetailView.as_view(), name="interview_detail"),
    path("interviews/<uuid:interview_id>/row/", views.InterviewRowView.as_view(), name="interview_row"),
    path("interviews/<uuid:interview_id>/reprocess/", views.InterviewReprocessView.as_view(), name="interview_reprocess"),
    path("interviews/<uuid:interview_id>/delete/", views.InterviewDeleteView.as_view(), name="interview_delete"),
    path(
        "interviews/<uuid:interview_id>/speakers/<uuid:speaker_id>/",
        views.SpeakerMapView.as_view(),
        name="speaker_map",
    ),
    path("interviews/<uuid:interview_id>/highlights/", evidence_views.HighlightCreateView.as_view(), name="highlight_create"),
    path("highlights/<uuid:highlight_id>/", evidence_views.HighlightEditView.as_view(), name="highlight_edit"),
    path("tags/", evidence_views.CodebookView.as_view(), name="codebook"),
    path("tags.css", evidence_views.TagStylesView.as_view(), name="tag_styles"),
    path("tags/<uuid:tag_id>/", evidence_views.TagDetailView.as_view(), name="tag_detail"),
    path("tags/<uuid:tag_id>/merge/", evidence_views.TagMergeView.as_view(), name="tag_merge"),
    path("tags/<uuid:tag_id>/delete/", evidence_views.TagDeleteView.as_view(), name="tag_delete"),
    path("search/", evidence_views.SearchView.as_view(), name="evidence_search"),
    path("patterns/", evidence_views.PatternsView.as_view(), name="patterns"),
    path("patterns/tags-by-segment.csv", evidence_views.MatrixCsvView.as_view(), name="patterns_matrix_csv"),
    path("patterns/co-occurrence.csv", evidence_views.CooccurrenceCsvView.as_view(), name="patterns_cooccurrence_csv"),
    path("interviews/<uuid:interview_id>/redaction/", privacy_views.InterviewScanView.as_view(), name="interview_scan"),
    path("redaction-findings/<uuid:finding_id>/", privacy_views.FindingDecideView.as_view(), name="finding_decide"),
    path("settings/privacy/", privacy_views.PrivacySettingsView.as_view(), name="privacy_settings"),
    path("settings/privacy/retention/", privacy_views.RetentionRunView.as_view(), name="retention_run"),
    path("participants/<uuid:participant_id>/erase/", privacy_views.ParticipantEraseView.as_view(), name="participant_erase"),
    path("participants/<uuid:participant_id>/export.json", privacy_views.ParticipantExportView.as_view(),
         name="participant_export"),
    path("participants/", views.ParticipantListView.as_view(), name="participant_list"),
    path("participants/<uuid:participant_id>/", views.ParticipantDetailView.as_view(), name="participant_detail"),
    path("studies/", views.StudyListView.as_view(), name="study_list"),
    path("studies/<uuid:study_id>/", views.StudyDetailView.as_view(), name="study_detail"),
]
