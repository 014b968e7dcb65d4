"""Sending email: the one way the product sends mail.

`send_after_commit` queues the mail once the surrounding transaction commits, so a rolled-back
change never mails anybody. The task retries on SMTP failures, and with late acks the broker
hands it to another worker if one dies meanwhile (a mail may then go twice, never zero times).
"""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

from empathy_site.celery import app


def send_now(*, to: str, subject: str, body: str) -> None:
    EmailMessage(subject=subject[:200], body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]).send()


@app.task(name="tenancy.send_email", autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=30,
          retry_backoff_max=3600, max_retries=8)
def send_email_task(to: str, subject: str, body: str) -> None:
    send_now(to=to, subject=subject, body=body)


def send_after_commit(*, to: str, subject: str, body: str) -> None:
    transaction.on_commit(lambda: send_email_task.delay(to, subject, body))
