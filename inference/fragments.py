"""HTML fragments sent over the websocket; htmx's ws extension swaps them in by id (OOB)."""

from __future__ import annotations

import json

from django.template.loader import render_to_string
from django.utils.html import escape


def delta(gen_id: int, sid: str, part: str, text: str) -> str:
    return (
        f'<span id="gen-{gen_id}-{part}-raw" hx-swap-oob="beforeend">'
        f'<span data-sid="{sid}">{escape(text)}</span></span>' + last_id(gen_id, sid)
    )


def replace(gen_id: int, sid: str, part: str, text: str) -> str:
    return (
        f'<span id="gen-{gen_id}-{part}-raw" hx-swap-oob="innerHTML">'
        f'<span data-sid="{sid}">{escape(text)}</span></span>' + last_id(gen_id, sid)
    )


def status(gen_id: int, text: str, sid: str | None = None, state: str = "") -> str:
    html = (
        f'<p id="gen-{gen_id}-status" class="gen-status" data-state="{escape(state)}" '
        f'hx-swap-oob="outerHTML" role="status">{escape(text)}</p>'
    )
    return html + (last_id(gen_id, sid) if sid else "")


def last_id(gen_id: int, sid: str) -> str:
    return f'<span id="gen-{gen_id}-last" data-sid="{sid}" hidden hx-swap-oob="outerHTML"></span>'


def end(gen_id: int, sid: str, fields: dict[str, str], retry: dict | None = None) -> str:
    """The end of a generation; `retry` ({problem_id, purpose, attempt}) adds a Retry button;
    `fields["steps"]` (JSON of a WorkReport: "Explain this step") lists the explanation's own
    lines with the step checker's marks."""
    try:
        steps = json.loads(fields["steps"]) if fields.get("steps") else None
    except (TypeError, ValueError):
        steps = None
    context = {"gen_id": gen_id, "sid": sid, "fields": fields, "retry": retry, "steps": steps}
    return render_to_string("inference/_end.html", context) + last_id(gen_id, sid)
