"""The development OpenID issuer's pages: the login page (one labelled button per person of the people file, and
a form to sign in as someone new) and its plain messages, under a strict content security policy."""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Mapping, Sequence

from starlette.responses import HTMLResponse

from .people import Person

# The parameters of a sign-in request, carried through the login page's forms unchanged.
REQUEST_PARAMETERS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
)

_STYLE = """
body { font: 1rem/1.5 system-ui, sans-serif; margin: 0; color: #1a1a1a; background: #f6f6f4; }
main { max-width: 40rem; margin: 0 auto; padding: 1.5rem 1rem; }
ul { list-style: none; padding: 0; }
li { margin: 0 0 .75rem; }
button { width: 100%; text-align: left; padding: .75rem 1rem; font: inherit; border: 2px solid #1d4f91;
  border-radius: .5rem; background: #fff; color: #1a1a1a; cursor: pointer; }
button:hover, button:focus-visible { background: #e8f0fb; outline: 3px solid #1d4f91; outline-offset: 2px; }
.name { display: block; font-weight: 700; }
.role, .about { display: block; color: #3d3d3d; }
label { display: block; font-weight: 700; margin-top: .75rem; }
input { width: 100%; box-sizing: border-box; padding: .5rem; font: inherit; border: 2px solid #555; border-radius: .25rem; }
[role=alert] { color: #8a1111; font-weight: 700; }
.note { color: #3d3d3d; }
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
_CSP = f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; frame-ancestors 'none'; base-uri 'none'"


def page(title: str, body: str, status_code: int = 200) -> HTMLResponse:
    document = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · Flipside development issuer</title><style>{_STYLE}</style></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
    return HTMLResponse(
        document,
        status_code=status_code,
        headers={"Content-Security-Policy": _CSP, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def login_form(parameters: Mapping[str, str], people: Sequence[Person]) -> str:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{html.escape(parameters.get(name, ""))}">'
        for name in REQUEST_PARAMETERS
    )
    buttons = "".join(
        f'<li><button type="submit" name="person" value="{html.escape(person.sub)}">'
        f'<span class="name">{html.escape(person.name)}</span>'
        f'<span class="role">{html.escape(_role_label(person))}</span>'
        f'<span class="about">{html.escape(person.description)}</span></button></li>'
        for person in people
    )
    return (
        '<p class="note">A development issuer: choose who you are. No password, and never for real people.</p>'
        + (
            '<section aria-labelledby="people"><h2 id="people">People</h2>'
            f'<form method="post" action="/authorize">{hidden}<ul>{buttons}</ul></form></section>'
            if buttons
            else ""
        )
        + '<section aria-labelledby="new"><h2 id="new">Someone new</h2>'
        "<p>Sign in as a participant who has not enrolled yet: the same e-mail address is the same person every time.</p>"
        f'<form method="post" action="/authorize">{hidden}'
        '<label for="name">Name</label>'
        f'<input id="name" name="name" autocomplete="name" required value="{html.escape(parameters.get("name", ""))}">'
        '<label for="email">E-mail</label><input id="email" name="email" type="email" autocomplete="email" required'
        f' value="{html.escape(parameters.get("email", ""))}">'
        '<p><button type="submit">Sign in as someone new</button></p></form></section>'
    )


def _role_label(person: Person) -> str:
    labels = {"participant": "Participant", "admin": "Admin"}
    return ", ".join(
        f"Program lead of {', '.join(person.programs)}" if role == "program_lead" else labels.get(role, role)
        for role in person.roles
    )
