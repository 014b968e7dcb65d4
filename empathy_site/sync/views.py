"""Admin pages for webhooks and failed tasks."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView

from . import webhooks
from .models import FailedTask, WebhookDelivery, WebhookEndpoint


class EndpointForm(forms.Form):
    url = forms.URLField(label="Endpoint URL", max_length=500, assume_scheme="https")
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(choices=[(e, e) for e in WebhookEndpoint.EVENTS], widget=forms.CheckboxSelectMultiple)


class WebhooksView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG

    def get(self, request, form=None, created=None, status=200):
        endpoints = WebhookEndpoint.objects.order_by("-created_at")
        return render(request, "sync/webhooks.html", {
            "endpoints": endpoints, "form": form or EndpointForm(), "created": created,
            "failed_tasks": FailedTask.objects.filter(replayed_at__isnull=True)[:20],
        }, status=status)

    def post(self, request):
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint = webhooks.endpoint_create(by=request.user, **form.cleaned_data)
                # Rendered, not redirected: the secret is shown once and never stored in a session.
                return self.get(request, created=endpoint)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
        return self.get(request, form=form, status=400)


class WebhookDetailView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG

    def get(self, request, webhook_id):
        endpoint = get_object_or_404(WebhookEndpoint, public_id=webhook_id)
        deliveries = (WebhookDelivery.objects.filter(endpoint=endpoint).select_related("event")
                      .prefetch_related("attempt_log").order_by("-created_at")[:50])
        return render(request, "sync/webhook_detail.html", {"endpoint": endpoint, "deliveries": deliveries})

    def post(self, request, webhook_id):
        endpoint = get_object_or_404(WebhookEndpoint, public_id=webhook_id)
        if request.POST.get("delete"):
            webhooks.endpoint_delete(endpoint=endpoint, by=request.user)
            messages.success(request, "Endpoint deleted.")
            return redirect("webhooks", org_slug=self.organization.slug)
        webhooks.endpoint_update(endpoint=endpoint, enabled=request.POST.get("enabled") == "1", by=request.user)
        messages.success(request, "Endpoint enabled." if endpoint.enabled else "Endpoint disabled.")
        return redirect("webhook_detail", org_slug=self.organization.slug, webhook_id=webhook_id)


class DeliveryReplayView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG
    http_method_names = ["post"]

    def post(self, request, delivery_id):
        delivery = get_object_or_404(WebhookDelivery.objects.select_related("endpoint"), public_id=delivery_id)
        webhooks.delivery_replay(delivery=delivery, by=request.user)
        messages.success(request, "Queued to be sent again.")
        return redirect("webhook_detail", org_slug=self.organization.slug, webhook_id=delivery.endpoint.public_id)


class FailedTaskReplayView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG
    http_method_names = ["post"]

    def post(self, request, failed_task_id):
        from empathy_site.celery import app

        failed = get_object_or_404(FailedTask, public_id=failed_task_id)
        task = app.tasks.get(failed.task_name)
        if task is None:
            messages.error(request, f"{failed.task_name} no longer exists; nothing to run.")
            return redirect("webhooks", org_slug=self.organization.slug)
        task.apply_async(args=failed.args)
        failed.replayed_at = timezone.now()
        failed.save(update_fields=["replayed_at"])
        messages.success(request, f"{failed.task_name} queued again.")
        return redirect("webhooks", org_slug=self.organization.slug)


