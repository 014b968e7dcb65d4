from django.urls import path

from . import views

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
    path("participants/", views.ParticipantListView.as_view(), name="participant_list"),
    path("participants/<uuid:participant_id>/", views.ParticipantDetailView.as_view(), name="participant_detail"),
    path("studies/", views.StudyListView.as_view(), name="study_list"),
    path("studies/<uuid:study_id>/", views.StudyDetailView.as_view(), name="study_detail"),
]
