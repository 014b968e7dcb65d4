"""Admin pages for webhooks and failed tasks."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render

from empathy_site.tenancy.lookups import resolve_one
from empathy_site.tenancy.roles import Perm
from empathy_site.tenancy.web import OrgView, ServiceFormView

from . import selectors, webhooks
from .failures import failed_task_replay
from .models import FailedTask, WebhookDelivery, WebhookEndpoint
from .registry import webhook_event_types


class EndpointForm(forms.Form):
    url = forms.URLField(label="Endpoint URL", max_length=500, assume_scheme="https")
    description = forms.CharField(max_length=200, required=False)
    events = forms.MultipleChoiceField(choices=lambda: [(e, e) for e in webhook_event_types()],
                                       widget=forms.CheckboxSelectMultiple)


class WebhooksView(ServiceFormView):
    read_permission = write_permission = Perm.MANAGE_ORG
    form_class = EndpointForm

    def get(self, request, form=None, created=None, status=200):
        return render(request, "sync/webhooks.html", {
            "endpoints": selectors.webhook_endpoints(), "form": form or EndpointForm(), "created": created,
            "failed_tasks": selectors.failed_tasks_to_replay(),
        }, status=status)

    def perform(self, form):
        data = form.cleaned_data
        return webhooks.endpoint_create(
            url=data["url"], events=data["events"], description=data["description"], by=self.request.user)

    def success_response(self, endpoint):
        # Rendered, not redirected: the secret is shown once and never stored in a session.
        return self.get(self.request, created=endpoint)


class WebhookDetailView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG

    def get(self, request, webhook_id):
        endpoint = resolve_one(WebhookEndpoint, webhook_id)
        deliveries = selectors.endpoint_deliveries(endpoint=endpoint, limit=50)
        return render(request, "sync/webhook_detail.html", {"endpoint": endpoint, "deliveries": deliveries})

    def post(self, request, webhook_id):
        endpoint = resolve_one(WebhookEndpoint, webhook_id)
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
        delivery = resolve_one(WebhookDelivery.objects.select_related("endpoint"), delivery_id)
        webhooks.delivery_replay(delivery=delivery, by=request.user)
        messages.success(request, "Queued to be sent again.")
        return redirect("webhook_detail", org_slug=self.organization.slug, webhook_id=delivery.endpoint.public_id)


class FailedTaskReplayView(OrgView):
    read_permission = write_permission = Perm.MANAGE_ORG
    http_method_names = ["post"]

    def post(self, request, failed_task_id):
        failed = resolve_one(FailedTask, failed_task_id)
        if failed_task_replay(failed_task=failed, by=request.user):
            messages.success(request, f"{failed.task_name} queued again.")
        else:
            messages.error(request, f"{failed.task_name} no longer exists; nothing to run.")
        return redirect("webhooks", org_slug=self.organization.slug)
