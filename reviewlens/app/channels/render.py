"""An alert written out for where it goes: plain text, HTML (e-mail), Slack's mrkdwn, a Microsoft Teams
Adaptive Card, JSON.

Everything in an alert may come from a review or a page (theme names, product and source names,
quotes), so each format escapes all of it: control and bidi characters are neutralised
(reviewlens.display_text), HTML is escaped, the Slack format is made inert for every app that takes it
(Slack's mrkdwn, and the Markdown of Mattermost, Rocket.Chat and Discord: see `chat_escape`), Teams gets
every text as a TextRun (which Adaptive Cards never read as Markdown, and where an @name is no mention
without the card's own mention entities, which we never send) with its {{DATE(...)}} functions disarmed,
and only http(s) links are made links. The JSON format is data: its texts are exact, and a receiver that
shows them must escape them itself. Quotes stay the reviews' own words, in quotation marks, with where
they come from.
"""

from __future__ import annotations

import html
import re
from typing import Any

from ...alerts import Alert, quote_meta, translation_of
from ...display_text import neutralize
from ...urls import http_url

PRODUCT = "ReviewLens"


def one_line(text: str, limit: int = 200) -> str:
    """For headers and titles: neutralised, on one line, at most `limit` characters."""
    flat = " ".join(neutralize(str(text)).split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def safe_link(url: Any) -> str | None:
    """`url` when it is an http(s) link (reviewlens.urls), else None (javascript:, data:, file: are never links)."""
    return http_url(url)


def subject(alert: Alert) -> str:
    return f"[{PRODUCT}] {one_line(alert.title, 150)}"


def text(alert: Alert) -> str:
    """Plain text: the title, the facts, the quotes with their review id and link."""
    out = [one_line(alert.title, 300), ""] + [neutralize(line) for line in alert.lines]
    for q in alert.quotes:
        out += ["", f"“{neutralize(q['text'])}”"]
        note = translation_of(q)
        if note:
            out.append(f"  ({neutralize(note)})")
        out.append(f"  — {neutralize(quote_meta(q))}")
        link = safe_link(q.get("url"))
        if link:
            out.append(f"  {link}")
    if safe_link(alert.link):
        out += ["", f"In the dashboard: {safe_link(alert.link)}"]
    return "\n".join(out).rstrip() + "\n"


def html_page(alert: Alert) -> str:
    """A small HTML e-mail body; every text escaped."""
    esc = lambda s: html.escape(neutralize(str(s)), quote=True)  # noqa: E731
    parts = [f"<h2>{esc(alert.title)}</h2>"]
    parts += [f"<p>{esc(line)}</p>" for line in alert.lines]
    for q in alert.quotes:
        link = safe_link(q.get("url"))
        meta = esc(quote_meta(q))
        if link:
            meta = f"<a href=\"{html.escape(link, quote=True)}\">{meta}</a>"
        body = esc(q["text"]).replace("\n", "<br>")
        note = translation_of(q)
        note = f"<br><small style=\"color:#666\"><i>{esc(note)}</i></small>" if note else ""
        parts.append("<blockquote style=\"border-left:3px solid #ccc;margin:8px 0;padding:4px 12px\">"
                     f"“{body}”{note}<br><small>— {meta}</small></blockquote>")
    if safe_link(alert.link):
        parts.append(f"<p><a href=\"{html.escape(safe_link(alert.link), quote=True)}\">Open in the dashboard</a></p>")
    parts.append(f"<p style=\"color:#888;font-size:small\">Sent by {PRODUCT}. Quotes are customers' words, "
                 "verbatim.</p>")
    return ("<!doctype html><html><body style=\"font-family:Helvetica,Arial,sans-serif;max-width:720px\">"
            + "\n".join(parts) + "</body></html>")


ZWSP = "\u200b"  # zero-width space: invisible, and no app's parser takes it for a space or a letter
#: Characters that make emphasis, strike-through, code, spoilers or tables in Slack's mrkdwn or in the
#: Markdown of Mattermost and Discord, as characters that look the same and mean nothing to any of them.
#: Slack has no escape for them (a backslash is shown as it is), Markdown's backslash would be shown in
#: Slack, and a zero-width space beside them does not stop CommonMark's emphasis: so a look-alike.
LOOKALIKES = str.maketrans({"*": "\u2217",   # ∗ asterisk operator
                            "_": "\u02cd",   # ˍ modifier letter low macron
                            "~": "\u223c",   # ∼ tilde operator (also Mattermost's ~channel link)
                            "`": "\u02cb",   # ˋ modifier letter grave accent
                            "|": "\u2223"})  # ∣ divides (Discord's ||spoiler||, Markdown tables)


def chat_escape(s: str) -> str:
    """Text for a chat message in the Slack format, inert in each app that takes it: neutralised; Slack's
    control characters &, < and > as entities (no <!channel>, <@U123>, <url|label>); a zero-width space
    after every @ (no @channel, @here, @all or @everyone ping in Mattermost or Discord, no @name mention)
    and after every ] (no Markdown [text](url) link, ![image](url) or [ref]: url definition); emphasis,
    code, strike-through and spoiler characters as look-alikes (LOOKALIKES); a line starting with # kept
    from being a Markdown heading. The words read the same."""
    out = neutralize(str(s)).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    out = out.translate(LOOKALIKES).replace("@", "@" + ZWSP).replace("]", "]" + ZWSP)
    return re.sub(r"(?m)^(\s*)#", "\\1" + ZWSP + "#", out)


slack_escape = chat_escape  # the name it had


def _slack_url(link: str) -> str:
    """A URL inside Slack's <url|label>: its own &, <, > and | escaped as Slack asks."""
    return link.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def slack(alert: Alert) -> dict[str, Any]:
    """A Slack (and Mattermost, Rocket.Chat, Discord's /slack) incoming-webhook message."""
    lines = [f"*{slack_escape(one_line(alert.title, 300))}*"] + [slack_escape(line) for line in alert.lines]
    for q in alert.quotes:
        quoted = "\n".join("> " + part for part in slack_escape(q["text"]).split("\n"))
        meta = slack_escape(quote_meta(q))
        link = safe_link(q.get("url"))
        if link:
            meta = f"<{_slack_url(link)}|{meta}>"
        note = translation_of(q)
        note = f"\n_{slack_escape(note)}_" if note else ""
        lines.append(f"{quoted}{note}\n— {meta}")
    if safe_link(alert.link):
        lines.append(f"<{_slack_url(safe_link(alert.link))}|Open in the dashboard>")
    return {"text": "\n".join(lines), "unfurl_links": False, "unfurl_media": False}


def teams_text(s: str) -> str:
    """Text for an Adaptive Card TextRun: neutralised, and "{{" broken with a zero-width space so that
    no "{{DATE(...)}}" or "{{TIME(...)}}" in a review is replaced by a date (the words shown stay the same)."""
    return neutralize(str(s)).replace("{{", "{\u200b{").replace("}}", "}\u200b}")


def _runs(*runs: dict[str, Any]) -> dict[str, Any]:
    return {"type": "RichTextBlock", "inlines": [dict(r, type="TextRun") for r in runs]}


def teams(alert: Alert) -> dict[str, Any]:
    """A Microsoft Teams message for a Workflows webhook ("Post to a channel when a webhook request is
    received"): one Adaptive Card. Texts are TextRuns inside RichTextBlocks, never TextBlocks, because a
    TextBlock reads Markdown ("[click](https://evil.example)" would become a link); a quote's review link
    is an Open URL button, http(s) only."""
    body: list[dict[str, Any]] = [_runs({"text": teams_text(one_line(alert.title, 300)), "weight": "Bolder",
                                         "size": "Medium"})]
    body += [_runs({"text": teams_text(line)}) for line in alert.lines]
    for q in alert.quotes:
        items = [_runs({"text": f"“{teams_text(q['text'])}”", "italic": True})]
        note = translation_of(q)
        if note:
            items.append(_runs({"text": teams_text(note), "isSubtle": True, "size": "Small"}))
        items.append(_runs({"text": f"— {teams_text(quote_meta(q))}", "isSubtle": True, "size": "Small"}))
        link = safe_link(q.get("url"))
        if link:
            items.append({"type": "ActionSet", "actions": [{"type": "Action.OpenUrl", "title": "Open the review",
                                                             "url": link}]})
        body.append({"type": "Container", "style": "emphasis", "items": items, "spacing": "Medium"})
    if safe_link(alert.link):
        body.append({"type": "ActionSet", "actions": [{"type": "Action.OpenUrl", "title": "Open in the dashboard",
                                                        "url": safe_link(alert.link)}]})
    body.append(_runs({"text": f"Sent by {PRODUCT}. Quotes are customers' words, verbatim.", "isSubtle": True,
                       "size": "Small"}))
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
            "version": "1.4", "body": body, "msteams": {"width": "Full"}}
    return {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                                 "contentUrl": None, "content": card}]}


def as_json(alert: Alert) -> dict[str, Any]:
    """The alert as data (for your own receiver): the texts as they are, and `text`, the plain version."""
    return {"product": PRODUCT, "id": alert.id, "key": alert.key, "kind": alert.kind, "title": alert.title,
            "lines": alert.lines, "quotes": alert.quotes, "link": safe_link(alert.link),
            "created_at": alert.created_at.isoformat() if alert.created_at else None, "text": text(alert)}
