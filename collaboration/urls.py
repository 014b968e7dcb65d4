"""Web routes for comments and memos."""

from django.urls import path

from . import views

urlpatterns = [
    path("comments/", views.CommentCreateView.as_view(), name="comment_create"),
    path("comments/<uuid:comment_id>/resolve/", views.CommentResolveView.as_view(), name="comment_resolve"),
    path("comments/<uuid:comment_id>/delete/", views.CommentDeleteView.as_view(), name="comment_delete"),
    path("memos/", views.MemoCreateView.as_view(), name="memo_create"),
    path("memos/<uuid:memo_id>/delete/", views.MemoDeleteView.as_view(), name="memo_delete"),
    path("highlights/<uuid:highlight_id>/discussion/", views.HighlightDiscussionView.as_view(), name="highlight_discussion"),
    path("claims/<uuid:claim_id>/discussion/", views.ClaimDiscussionView.as_view(), name="claim_discussion"),
]
