"""Outgoing alert channels: webhooks over HTTP (requests) and e-mail over SMTP."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import requests

from logistics.core.alerting import AlertFacts, Target, email_subject, email_text, slack_body, webhook_body

SMTP_SCHEMES = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclass
class WebhookSender:
    """POSTs generic JSON, or a Slack-compatible body, to the target URL; any non-2xx is a failure."""

    http: requests.Session
    timeout_s: float = 10.0

    def __call__(self, target: Target, alert: AlertFacts) -> None:
        body = slack_body(alert) if target.channel == "slack" else webhook_body(alert)
        response = self.http.post(target.address, data=body.encode("utf-8"), timeout=self.timeout_s,
                                  headers={"Content-Type": "application/json; charset=utf-8"})
        response.raise_for_status()


@dataclass
class EmailSender:
    """Sends a plain-text e-mail through the SMTP server named by smtp_url."""

    smtp_url: str
    sender: str
    timeout_s: float = 20.0

    def __call__(self, target: Target, alert: AlertFacts) -> None:
        if not self.smtp_url:
            raise RuntimeError("e-mail is not configured: set smtp_url (LOGISTICS_SMTP_URL)")
        parts = urlsplit(self.smtp_url)
        if parts.scheme not in SMTP_SCHEMES or not parts.hostname:
            raise RuntimeError("smtp_url must be smtp://, smtp+starttls:// or smtps://host:port")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, target.address, email_subject(alert)
        message.set_content(email_text(alert))
        port = parts.port or SMTP_SCHEMES[parts.scheme]
        client_type = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
        with client_type(parts.hostname, port, timeout=self.timeout_s) as client:
            if parts.scheme == "smtp+starttls":
                client.starttls()
            if parts.username:
                client.login(unquote(parts.username), unquote(parts.password or ""))
            client.send_message(message)


def make_senders(http: requests.Session, *, smtp_url: str, sender: str) -> dict[str, object]:
    """The channel → sender table the dispatcher uses; in-app alerts need no sending."""
    webhook = WebhookSender(http)
    return {"webhook": webhook, "slack": webhook, "email": EmailSender(smtp_url, sender)}
