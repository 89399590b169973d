"""`python -m flipside_notifications.preview TEMPLATE [--locale de] [--portal-url URL]`: render a template with
sample data."""

from __future__ import annotations

import argparse

from .domain.preferences import KIND_OF_TEMPLATE
from .domain.rendering import available_locales, render, with_footer
from .domain.samples import sample_context


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("template", choices=sorted(KIND_OF_TEMPLATE))
    parser.add_argument("--locale", default="en", choices=sorted(available_locales()))
    parser.add_argument("--portal-url", default=None, help="link to this portal, as FLIPSIDE_NOTIFICATIONS_PORTAL_URL")
    arguments = parser.parse_args()
    portal_url = arguments.portal_url
    message = render(arguments.template, arguments.locale, sample_context(arguments.template), portal_url=portal_url)
    message = with_footer(
        message,
        arguments.locale,
        "https://flipside.example.com/unsubscribe/sample",
        KIND_OF_TEMPLATE[arguments.template],
        portal_url=portal_url,
    )
    print(f"Subject: {message.subject}\n\n{message.text}\n\n--- html ---\n{message.html}")


if __name__ == "__main__":
    main()
