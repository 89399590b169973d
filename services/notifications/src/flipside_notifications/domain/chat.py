"""A rendered message as Slack and Microsoft Teams incoming webhooks expect it."""

from __future__ import annotations

from typing import Any

from .rendering import RenderedMessage


def slack_payload(message: RenderedMessage) -> dict[str, Any]:
    # `text` is what notifications and screen readers show; blocks give the subject its weight.
    return {
        "text": message.subject,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": message.subject[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": message.text[:3000]}},
        ],
    }


def teams_payload(message: RenderedMessage) -> dict[str, Any]:
    card = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": [
            {"type": "TextBlock", "text": message.subject, "weight": "Bolder", "size": "Medium", "wrap": True},
            {"type": "TextBlock", "text": message.text, "wrap": True},
        ],
    }
    return {
        "type": "message",
        "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "content": card}],
    }
