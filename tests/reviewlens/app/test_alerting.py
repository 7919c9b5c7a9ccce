"""Alerts sent for real: a real SMTP server (aiosmtpd) and a real webhook receiver started here, a channel
that is down, the escaping of hostile review text in each format, the `alerts` commands and the
scheduler's check after a run."""

from __future__ import annotations

import email
import json
import re
import socket
import threading
from datetime import datetime, timezone
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from reviewlens.alerts import Alert
from reviewlens.app.alerting import check_alerts
from reviewlens.app.channels import ChannelError, make_channels, render
from reviewlens.app.cli import main
from reviewlens.config import ConfigError, Settings
from reviewlens.schema import Review
from reviewlens.store import Store

HOSTILE = "Refund please \u202egnp.exe <script>alert(1)</script> & <!channel> *bold*\r\nBcc: evil@example.com"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """A real SMTP server on 127.0.0.1 (aiosmtpd), keeping what it receives; `login` requires AUTH."""

    def __init__(self, port: int | None = None, login: tuple[str, str] | None = None):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages: list[email.message.EmailMessage] = []
        self.envelopes = []
        box = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                box.envelopes.append(envelope)
                box.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
                return "250 OK"

        def auth(server, session, envelope, mechanism, data):
            ok = login is not None and (data.login.decode(), data.password.decode()) == login
            return AuthResult(success=ok, handled=False)

        # AUTH without TLS is fine on 127.0.0.1 in a test (aiosmtpd warns about it: filtered below)
        kw = {"authenticator": auth, "auth_require_tls": False, "auth_required": True} if login else {}
        self.port = port or free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **kw)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


class Receiver:
    """A real HTTP webhook receiver on 127.0.0.1: records each POST, answers with the scripted statuses
    (then 200)."""

    def __init__(self, statuses: list[int] | None = None):
        self.posts: list[dict] = []
        self.statuses = list(statuses or [])
        rec = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                rec.posts.append({"path": self.path, "headers": dict(self.headers), "json": json.loads(body)})
                status = rec.statuses.pop(0) if rec.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"server says no")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T000/SECRET"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mailbox():
    box = Mailbox()
    yield box
    box.stop()


@pytest.fixture
def receiver():
    rec = Receiver()
    yield rec
    rec.stop()


def hostile_store(tmp_path) -> Store:
    """A store with one new one-star review whose text is hostile, and a degraded scrape run."""
    store = Store(tmp_path / "alerts.db")
    store.upsert_reviews([Review(source="shop", text=HOSTILE, product="Kettle <b>X</b>", rating=1,
                                 url="javascript:alert(1)", date=datetime.now(timezone.utc).date())])
    rid = store.start_run("scrape", "shop\r\nSubject: injected", "schedule")
    store.update_run(rid, pages=1, new=1, detail={"message": "rating fell from 100% to 0% of reviews"})
    store.finish_run(rid, "degraded")
    return store


def settings_with(*channels: dict) -> Settings:
    s = Settings()
    s.alerts.channels = list(channels)
    s.alerts.summary = "off"  # the weekly summary has its own tests (tests/reviewlens/test_alerts.py)
    return s


def test_email_and_webhooks_receive_every_alert_escaped(tmp_path, mailbox, receiver):
    store = hostile_store(tmp_path)
    settings = settings_with(
        {"type": "email", "name": "team", "to": ["team@example.com", "boss@example.com"], "from": "rl@example.com",
         "host": "127.0.0.1", "port": mailbox.port, "security": "none"},
        {"type": "webhook", "name": "slack", "url": receiver.url, "format": "slack"},
        {"type": "webhook", "name": "ours", "url": receiver.url, "headers": {"X-Token": "t0k"}})
    res = check_alerts(store, settings)
    assert {a.kind for a in res.new} == {"scrape", "reviews"}
    assert len(res.deliveries) == 6 and not res.failed

    # e-mail: one message per alert, a text and an HTML part; no header injection, no live markup
    assert len(mailbox.messages) == 2
    assert all(sorted(e.rcpt_tos) == ["boss@example.com", "team@example.com"] for e in mailbox.envelopes)
    msgs = {m["Subject"]: m for m in mailbox.messages}
    degraded = next(m for s, m in msgs.items() if "degraded" in s)
    assert degraded["Bcc"] is None and "\n" not in degraded["Subject"]
    assert degraded["Subject"].startswith("[ReviewLens] Scrape of shop Subject: injected degraded")
    digest = next(m for s, m in msgs.items() if "new review" in s)
    plain = digest.get_body(("plain",)).get_content()
    page = digest.get_body(("html",)).get_content()
    assert "<script>alert(1)</script>" in plain  # the customer's words, as text
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "\u202e" not in plain + page and "⟨U+202E⟩" in plain  # the reordering is shown, not done
    assert "javascript:" not in page and "<b>X</b>" not in page  # no link from a javascript: URL, no markup
    assert "Bcc: evil@example.com" in plain  # the text is all there, on its own line, in the body

    # Slack: everything escaped so nothing becomes a link, a mention or a ping
    slack = [p for p in receiver.posts if "text" in p["json"] and "kind" not in p["json"]]
    ours = [p for p in receiver.posts if "kind" in p["json"]]
    assert len(slack) == 2 and len(ours) == 2
    text = next(p["json"]["text"] for p in slack if "new review" in p["json"]["text"])
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text and "<script>" not in text
    assert "&amp;" in text and "javascript" not in text and slack[0]["json"]["unfurl_links"] is False
    # our own receiver: the data as it is (verbatim), the header sent
    data = next(p for p in ours if p["json"]["kind"] == "reviews")
    assert data["json"]["quotes"][0]["text"] == HOSTILE.strip() and data["headers"]["X-Token"] == "t0k"
    assert all(r["deliveries"] and {d["status"] for d in r["deliveries"]} == {"sent"} for r in store.list_alerts())

    # nothing is sent twice
    again = check_alerts(store, settings)
    assert again.new == [] and again.deliveries == [] and len(mailbox.messages) == 2


def test_a_mail_server_that_is_down_loses_nothing(tmp_path):
    store = hostile_store(tmp_path)
    port = free_port()  # nothing listens yet
    settings = settings_with({"type": "email", "to": "team@example.com", "host": "127.0.0.1", "port": port,
                              "security": "none", "retries": 2, "retry_wait": 0})
    res = check_alerts(store, settings)
    assert len(res.new) == 2 and len(res.failed) == 2
    assert "cannot reach the mail server 127.0.0.1:" in res.failed[0].error
    # a server that is down is not tried again for each alert of the same check (8 alerts took 4 minutes of
    # retries and timeouts): the others wait for the next check, their attempts not counted
    assert res.failed[1].error.startswith("not tried: cannot reach the mail server") and "(earlier in this check)" in res.failed[1].error
    listed = store.list_alerts()
    assert sorted((d["status"], d["attempts"]) for r in listed for d in r["deliveries"]) == [("failed", 1), ("pending", 0)]
    box = Mailbox(port=port)  # the server is back
    try:
        res = check_alerts(store, settings)
        assert res.new == [] and len(res.deliveries) == 2 and not res.failed
        assert len(box.messages) == 2
        assert sorted((d["status"], d["attempts"]) for r in store.list_alerts() for d in r["deliveries"]) == [
            ("sent", 1), ("sent", 2)]
    finally:
        box.stop()


def test_the_weekly_summary_mail_carries_the_weeks_excel_report(tmp_path, mailbox, receiver, monkeypatch):
    """`attach_report = true`: the summary's e-mail has the Excel report of its week attached (the week's
    reviews only, read back with openpyxl); other alerts, the webhook and a channel without the option
    get none; a report that cannot be built leaves the summary to go without it."""
    import io
    from datetime import timedelta

    from openpyxl import load_workbook

    from reviewlens.alerts import summary_period

    now = datetime.now(timezone.utc)
    since, until, _ = summary_period(now, "weekly")
    store = Store(tmp_path / "week.db")
    store.upsert_reviews([Review(source="shop", text=f"Week review {i}", rating=2 + i % 3, product="Kettle",
                                 date=since + timedelta(days=i)) for i in range(7)]
                         + [Review(source="shop", text="Older review", rating=5, product="Kettle",
                                   date=since - timedelta(days=3)),
                            Review(source="shop", text="This week, after the summary's week", rating=1,
                                   product="Kettle", date=until + timedelta(days=1))])
    mail = {"type": "email", "to": "team@example.com", "host": "127.0.0.1", "port": mailbox.port, "security": "none"}
    settings = settings_with({**mail, "name": "with", "attach_report": True}, {**mail, "name": "without"},
                             {"type": "webhook", "url": receiver.url})
    settings.alerts.summary = "weekly"
    res = check_alerts(store, settings, now=now)
    assert not res.failed and "summary" in {a.kind for a in res.new}
    summaries = [m for m in mailbox.messages if "weekly summary" in m["Subject"]]
    assert len(summaries) == 2
    files = [[p for p in m.iter_attachments()] for m in summaries]
    [[report], []] = sorted(files, key=len, reverse=True)
    assert report.get_filename() == f"reviewlens-{since}-to-{until}.xlsx"
    wb = load_workbook(io.BytesIO(report.get_content()))
    header = [c.value for c in next(wb["Reviews"].iter_rows(max_row=1))]
    texts = sorted(r[header.index("Text")] for r in wb["Reviews"].iter_rows(min_row=2, values_only=True))
    assert texts == [f"Week review {i}" for i in range(7)]
    others = [m for m in mailbox.messages if "weekly summary" not in m["Subject"]]
    assert all(not list(m.iter_attachments()) for m in others)
    assert "summaries with their report" in make_channels([{**mail, "attach_report": True}])[0].describe()

    def broken(*a, **kw):
        raise RuntimeError("disk full")

    monkeypatch.setattr("dashboard.report.report_bytes", broken)  # the next week, and the report fails
    res = check_alerts(store, settings, now=now + timedelta(days=7))
    later = [m for m in mailbox.messages if "weekly summary" in m["Subject"]][2:]
    assert not res.failed and len(later) == 2 and all(not list(m.iter_attachments()) for m in later)


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtp_login_and_a_refused_login(tmp_path, monkeypatch):
    box = Mailbox(login=("reviewlens", "s3cret"))
    try:
        entry = {"type": "email", "to": "a@example.com", "host": "127.0.0.1", "port": box.port, "security": "none",
                 "username": "reviewlens", "password_env": "RL_TEST_SMTP_PASSWORD", "retries": 1}
        [ch] = make_channels([entry])
        alert = Alert(key="k", kind="test", title="hello", lines=["x"])
        with pytest.raises(ChannelError, match="RL_TEST_SMTP_PASSWORD"):
            ch.deliver(alert)  # the variable is not set: said, not sent without a password
        monkeypatch.setenv("RL_TEST_SMTP_PASSWORD", "wrong")
        with pytest.raises(ChannelError, match="refused the login of 'reviewlens'"):
            ch.deliver(alert)
        monkeypatch.setenv("RL_TEST_SMTP_PASSWORD", "s3cret")
        ch.deliver(alert)
        assert [m["Subject"] for m in box.messages] == ["[ReviewLens] hello"]
    finally:
        box.stop()


def test_webhook_retries_a_5xx_and_gives_up_on_a_4xx(tmp_path):
    rec = Receiver(statuses=[500, 503, 200, 404])
    try:
        [ch] = make_channels([{"type": "webhook", "url": rec.url, "retries": 3, "retry_wait": 0}])
        alert = Alert(key="k", kind="test", title="hello")
        ch.deliver(alert)  # 500, 503, then 200
        assert len(rec.posts) == 3
        with pytest.raises(ChannelError, match=r"HTTP 404: server says no") as e:
            ch.deliver(alert)  # a 404 is not retried
        assert len(rec.posts) == 4
        assert "SECRET" not in str(e.value) and "http://127.0.0.1:" in str(e.value)  # the URL's path is a secret
    finally:
        rec.stop()


@pytest.fixture
def silent_port():
    """A port where something listens and never answers: the connection is made (the kernel's backlog),
    nothing is ever read or written back (a hung webhook receiver or mail server)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield s.getsockname()[1]


def test_a_channel_that_never_answers_is_said_so_and_its_retries_name_it(silent_port, caplog):
    """A webhook or mail server that takes the connection and never answers was reached: "did not answer
    within 0.3 s", not "cannot reach" (which stays for a refused connection); the retry log names the
    channel and where it sends, not "Retrying <unknown>"."""
    alert = Alert(key="k", kind="test", title="hello")
    hook, mail, down = make_channels([
        {"type": "webhook", "name": "hung-hook", "url": f"http://127.0.0.1:{silent_port}/hooks/SECRET",
         "timeout": 0.3, "retries": 2, "retry_wait": 0},
        {"type": "email", "name": "hung-mail", "to": "a@example.com", "host": "127.0.0.1", "port": silent_port,
         "security": "none", "timeout": 0.3, "retries": 1},
        {"type": "webhook", "name": "down", "url": f"http://127.0.0.1:{free_port()}/x", "retries": 1}])
    caplog.set_level("INFO", logger="reviewlens.app.channels.base")
    with pytest.raises(ChannelError) as e:
        hook.deliver(alert)
    assert str(e.value) == f"the webhook http://127.0.0.1:{silent_port}/… did not answer within 0.3 s"
    with pytest.raises(ChannelError) as e:
        mail.deliver(alert)
    assert str(e.value) == f"the mail server 127.0.0.1:{silent_port} did not answer within 0.3 s"
    with pytest.raises(ChannelError, match="cannot reach the webhook http://127.0.0.1:"):
        down.deliver(alert)
    [retry] = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert retry == (f"channel hung-hook (webhook (json) to http://127.0.0.1:{silent_port}/…): attempt 1 of 2 "
                     f"failed (the webhook http://127.0.0.1:{silent_port}/… did not answer within 0.3 s); "
                     "retrying in 0 s")
    assert "<unknown>" not in caplog.text and "SECRET" not in caplog.text


def test_alerts_test_tries_every_channel_at_once_and_says_how_long_each_took(tmp_path, silent_port, receiver,
                                                                             capsys):
    """`alerts test` with a hung webhook, one that answers 500 and a good one: each is tried once (a test
    says how the channel answers now), all at the same time, so the test takes about the longest timeout
    rather than every channel's timeouts and retries one after another; each line says how long it took."""
    import time

    failing = Receiver(statuses=[500] * 5)
    try:
        cfg = _config(tmp_path, "".join(
            f'[[alerts.channels]]\ntype = "webhook"\nname = "{name}"\nurl = "{url}"\ntimeout = 1\nretries = 3\n'
            f"retry_wait = 1\n\n" for name, url in (("hung", f"http://127.0.0.1:{silent_port}/x"),
                                                     ("err500", failing.url), ("good", receiver.url))))
        start = time.monotonic()
        assert main(["alerts", "test", "--db", str(tmp_path / "t.db"), "--config", cfg]) == 1
        took = time.monotonic() - start
        out = capsys.readouterr().out
        assert len(failing.posts) == 1 and len(receiver.posts) == 1  # once each
        assert "sending a test alert to 3 channels at once" in out
        lines = {line.split(":")[0]: line for line in out.splitlines() if line.startswith(("hung", "err500", "good"))}
        assert re.match(r"hung: FAILED after \d+\.\d s \(webhook \(json\) to http://127\.0\.0\.1:\d+/…\): the webhook "
                        r"http://127\.0\.0\.1:\d+/… did not answer within 1 s$", lines["hung"])
        assert re.match(r"err500: FAILED after \d+\.\d s .*answered HTTP 500: server says no$", lines["err500"])
        assert re.match(r"good: sent in \d+\.\d s \(webhook \(json\) to http://127\.0\.0\.1:\d+/…\)$", lines["good"])
        assert took < 6  # one after another, with their retries: 1 + 1 + 2 (hung) + 1 + 2 (err500) = 7 s and more
    finally:
        failing.stop()


@pytest.mark.parametrize("entry, message", [
    ({"type": "pager"}, "'type' must be one of email, webhook"),
    ({"type": "email"}, "needs 'to'"),
    ({"type": "email", "to": "a@x.org", "security": "tls"}, "'security' must be one of"),
    ({"type": "email", "to": "a@x.org", "port": "25"}, "'port' must be a whole number"),
    ({"type": "email", "to": "a@x.org", "smtp": "x"}, "unknown option 'smtp'"),
    ({"type": "email", "to": "a@x.org", "attach_report": "yes"}, "'attach_report' must be true or false"),
    ({"type": "webhook"}, "needs 'url' or 'url_env'"),
    ({"type": "webhook", "url": "ftp://x/y"}, "must be an http"),
    ({"type": "webhook", "url": "http://x/y", "format": "xml"}, "'format' must be one of json, slack, teams"),
    ({"type": "webhook", "url": "http://x/y", "name": "n" * 101}, "'name' must be 1 to 100 characters"),
    ({"type": "webhook", "url": "http://x/y", "retries": 0}, "'retries' must be at least 1"),
    ({"type": "webhook", "url": "http://x/y", "kinds": ["rating", "ratings"]}, "'kinds' takes alert kinds of"),
    ({"type": "webhook", "url": "http://x/y", "kinds": "rating"}, "'kinds' must be a list"),
    ({"type": "webhook", "url": "http://x/y", "products": ["Kettle", 3]}, "'products' must be a list of product"),
])
def test_bad_channels_are_clear_config_errors(entry, message):
    with pytest.raises(ConfigError, match=message):
        make_channels([entry])


def test_two_channels_of_one_name_are_an_error():
    with pytest.raises(ConfigError, match="two channels are named 'webhook'"):
        make_channels([{"type": "webhook", "url": "http://a/b"}, {"type": "webhook", "url": "http://c/d"}])


def test_render_drops_unsafe_links_and_keeps_quotes_verbatim():
    a = Alert(key="k", kind="reviews", title="T", lines=["l"],
              quotes=[{"review_id": "r1", "text": "it <i>broke</i>", "rating": 1, "url": "https://shop.example/r/1?a=1&b=2"},
                      {"review_id": "r2", "text": "bad", "url": "data:text/html,<script>"}])
    page = render.html_page(a)
    assert '<a href="https://shop.example/r/1?a=1&amp;b=2">' in page and "data:text" not in page
    assert "“it &lt;i&gt;broke&lt;/i&gt;”" in page
    assert "<https://shop.example/r/1?a=1&amp;b=2|★1 · review r1>" in render.slack(a)["text"]
    assert render.as_json(a)["quotes"][0]["text"] == "it <i>broke</i>"


def test_every_format_carries_the_dashboard_link():
    link = "http://reviews.acme.example:8501/?page=Reviews&theme=Lid+%26+%3Cb%3E"
    a = Alert(key="k", kind="complaint", title="T", lines=["l"], link=link)
    assert render.text(a).endswith(f"In the dashboard: {link}\n")
    assert f'<a href="{link.replace("&", "&amp;")}">Open in the dashboard</a>' in render.html_page(a)
    assert render.slack(a)["text"].endswith(f"<{link.replace('&', '&amp;')}|Open in the dashboard>")
    card = render.teams(a)["attachments"][0]["content"]
    assert {"type": "Action.OpenUrl", "title": "Open in the dashboard", "url": link} in \
        [x for n in _walk(card) for x in n.get("actions", [])]
    assert render.as_json(a)["link"] == link
    bad = Alert(key="k", kind="complaint", title="T", lines=["l"], link="javascript:alert(1)")  # a tampered store
    for out in (render.text(bad), render.html_page(bad), json.dumps(render.slack(bad)), json.dumps(render.teams(bad))):
        assert "javascript" not in out and "Open in the dashboard" not in out


def _walk(node):
    """Every dict inside a JSON value."""
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v)


def test_teams_gets_an_adaptive_card_whose_texts_are_never_markdown(tmp_path, receiver):
    store = hostile_store(tmp_path)
    store.upsert_reviews([Review(source="shop", text="[Claim your refund](https://evil.example) {{DATE(2017-02-14T06:00:00Z)}}",
                                 product="Kettle", rating=1, url="https://shop.example/r/9",
                                 date=datetime.now(timezone.utc).date())])
    res = check_alerts(store, settings_with({"type": "webhook", "name": "teams", "url": receiver.url,
                                             "format": "teams"}))
    assert not res.failed and len(receiver.posts) == 2
    for post in receiver.posts:
        msg = post["json"]
        assert msg["type"] == "message" and len(msg["attachments"]) == 1
        att = msg["attachments"][0]
        assert att["contentType"] == "application/vnd.microsoft.card.adaptive"
        card = att["content"]
        assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
        nodes = list(_walk(card))
        assert not [n for n in nodes if n.get("type") == "TextBlock"]  # a TextBlock would read Markdown
        urls = [n["url"] for n in nodes if n.get("type") == "Action.OpenUrl"]
        assert all(u.startswith("https://shop.example/") for u in urls)  # no javascript: button
    digest = next(p["json"] for p in receiver.posts if "new review" in json.dumps(p["json"]))
    runs = [n["text"] for n in _walk(digest) if n.get("type") == "TextRun"]
    hostile = next(t for t in runs if "Refund please" in t)
    assert "<script>alert(1)</script> & <!channel> *bold*" in hostile and "\u202e" not in hostile
    claim = next(t for t in runs if "Claim your refund" in t)
    assert "[Claim your refund](https://evil.example)" in claim  # shown as the customer wrote it, not a link
    assert "{{" not in claim and claim.replace("\u200b", "").count("{{DATE(2017-02-14T06:00:00Z)}}") == 1
    assert [n["url"] for n in _walk(digest) if n.get("type") == "Action.OpenUrl"] == ["https://shop.example/r/9"]


def _config(tmp_path, body: str):
    cfg = tmp_path / "reviewlens.toml"
    cfg.write_text(body)
    return str(cfg)


def test_alerts_commands(tmp_path, receiver, capsys):
    db = str(tmp_path / "alerts.db")
    hostile_store(tmp_path).close()
    cfg = _config(tmp_path, f'[alerts]\nkeywords = ["refund"]\nsummary = "off"\n\n[[alerts.channels]]\ntype = "webhook"\n'
                            f'name = "hook"\nurl = "{receiver.url}"\n')
    assert main(["alerts", "test", "--db", db, "--config", cfg]) == 0
    assert receiver.posts[-1]["json"]["title"] == "Test alert from ReviewLens"
    assert main(["alerts", "check", "--dry-run", "--db", db, "--config", cfg]) == 0
    assert "2 findings (dry run" in capsys.readouterr().out and len(receiver.posts) == 1
    assert main(["alerts", "check", "--db", db, "--config", cfg]) == 0
    out = capsys.readouterr().out
    assert "2 new alerts; 2 sent" in out and "1 new review: 1 mentioning “refund” (1); 1 rated 2★ or lower" in out
    assert "\u202e" not in out and "⟨U+202E⟩gnp.exe" in out  # the review's text, neutralised for a terminal
    assert main(["--db", db, "alerts", "list", "--full", "--config", cfg]) == 0
    out = capsys.readouterr().out
    assert "[hook: sent]" in out and "\u202e" not in out and "⟨U+202E⟩" in out
    assert main(["alerts", "test", "--channel", "nope", "--db", db, "--config", cfg]) == 2
    bad = _config(tmp_path, '[[alerts.channels]]\ntype = "webhook"\nurl = "http://127.0.0.1:9/down"\nretries = 1\n')
    assert main(["alerts", "test", "--db", db, "--config", bad]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_the_scheduler_checks_alerts_after_a_run(tmp_path, receiver):
    from reviewlens.app.scheduler import Scheduler
    from reviewlens.schedule import load_schedule

    sched_file = tmp_path / "schedule.toml"
    sched_file.write_text('[schedule]\nanalyze = false\nreport = false\n\n[[sources]]\nname = "shop"\n'
                          'url = "http://127.0.0.1:9/p/1"\nevery = "1h"\n')
    store = Store(tmp_path / "s.db")
    settings = settings_with({"type": "webhook", "url": receiver.url, "format": "slack"})
    settings.data_dir = str(tmp_path)

    def degraded_run(src):  # what a run against a site that changed its layout leaves in the store
        rid = store.start_run("scrape", src.name, "schedule")
        store.update_run(rid, pages=1, new=3, detail={"message": "author fell from 100% to 0% of reviews"})
        store.finish_run(rid, "degraded")
        return {"error": "scrape degraded: author fell"}

    res = Scheduler(load_schedule(sched_file), store, settings, runner=degraded_run).run_once()
    assert res["shop"]["error"].startswith("scrape degraded")
    [post] = receiver.posts
    assert "Scrape of shop degraded" in post["json"]["text"] and "author fell from 100% to 0%" in post["json"]["text"]


def test_a_bad_channel_stops_the_scheduler_at_start(tmp_path):
    from reviewlens.app.scheduler import Scheduler
    from reviewlens.schedule import load_schedule

    sched_file = tmp_path / "schedule.toml"
    sched_file.write_text('[[sources]]\nname = "shop"\nurl = "http://127.0.0.1:9/p/1"\nevery = "1h"\n')
    with pytest.raises(ConfigError, match="needs 'to'"):
        Scheduler(load_schedule(sched_file), Store(tmp_path / "s.db"), settings_with({"type": "email"}))


def test_checks_at_the_same_time_send_each_alert_once(tmp_path):
    """Two sources finishing together (the scheduler's threads, or two machines on one PostgreSQL store): each
    delivery is claimed by one check, so a slow channel does not get the alert twice."""
    import time

    rec = Receiver()
    slow = rec.server.RequestHandlerClass.do_POST

    def do_post(handler):
        time.sleep(0.3)
        slow(handler)

    rec.server.RequestHandlerClass.do_POST = do_post
    try:
        store = hostile_store(tmp_path)
        settings = settings_with({"type": "webhook", "url": rec.url})
        check_alerts(store, settings, send=False)  # stored, not sent
        results = []
        threads = [threading.Thread(target=lambda: results.append(check_alerts(Store(tmp_path / "alerts.db"), settings)))
                   for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(rec.posts) == 2 and sum(len(r.deliveries) for r in results) == 2
        assert {d["status"] for r in store.list_alerts() for d in r["deliveries"]} == {"sent"}
    finally:
        rec.stop()


def test_a_claim_left_by_a_check_that_died_is_taken_again(tmp_path):
    from datetime import timedelta

    store = hostile_store(tmp_path)
    check_alerts(store, settings_with({"type": "webhook", "url": "http://127.0.0.1:9/x"}), send=False)
    [row, *_] = store.list_alerts()
    assert store.claim_delivery(row["id"], "webhook")  # a check claims it, then dies
    assert not store.claim_delivery(row["id"], "webhook")  # a fresh claim is respected
    assert store.claim_delivery(row["id"], "webhook", stale_after=timedelta(seconds=-1))  # a stale one is not


def test_schedule_list_says_where_alerts_go(tmp_path, capsys):
    sched_file = tmp_path / "schedule.toml"
    sched_file.write_text('[[sources]]\nname = "shop"\nurl = "http://127.0.0.1:9/p/1"\nevery = "1h"\n')
    db = str(tmp_path / "s.db")
    cfg = _config(tmp_path, '[[alerts.channels]]\ntype = "webhook"\nname = "slack"\nurl = "https://hooks.example/T/SECRET"\n'
                            'format = "slack"\n')
    assert main(["schedule", str(sched_file), "--list", "--db", db, "--config", cfg]) == 0
    out = capsys.readouterr().out
    assert out.startswith("shop: ") and "never run" in out
    assert "alerts after each run go to: slack (webhook (slack) to https://hooks.example/…)" in out
    assert "SECRET" not in out
    assert main(["schedule", str(sched_file), "--list", "--db", db]) == 0
    assert "alerts after each run are stored, not sent" in capsys.readouterr().out


def test_starttls_against_a_server_without_it_says_to_check_security(mailbox):
    [ch] = make_channels([{"type": "email", "to": "a@example.com", "host": "127.0.0.1", "port": mailbox.port,
                           "retries": 1}])  # security defaults to starttls
    with pytest.raises(ChannelError, match=r"does not support this \(STARTTLS.*check 'security'"):
        ch.deliver(Alert(key="k", kind="test", title="t"))
    assert mailbox.messages == []  # nothing went out in the clear


def test_webhook_url_and_header_from_the_environment(receiver, monkeypatch):
    [ch] = make_channels([{"type": "webhook", "url_env": "RL_TEST_HOOK", "headers": {"Authorization": "env:RL_TOKEN"},
                           "retries": 1}])
    alert = Alert(key="k", kind="test", title="hello")
    with pytest.raises(ChannelError, match=r"RL_TEST_HOOK \('url_env'\) is not set"):
        ch.deliver(alert)
    monkeypatch.setenv("RL_TEST_HOOK", receiver.url)
    with pytest.raises(ChannelError, match=r"RL_TOKEN \(header Authorization\) is not set"):
        ch.deliver(alert)
    assert receiver.posts == []  # nothing sent without its secret
    monkeypatch.setenv("RL_TOKEN", "Bearer t0k")
    ch.deliver(alert)
    assert receiver.posts[0]["headers"]["Authorization"] == "Bearer t0k"
    assert ch.describe() == "webhook (json) to $RL_TEST_HOOK"  # the secret URL is never shown


def test_channels_route_alerts_by_kind_and_product(tmp_path, receiver):
    """The engineers' channel takes broken sites only; the Kettle team's, what is about the Kettle and what is
    about no product in particular; the Toaster team's gets nothing about the Kettle. Then a real check: a webhook receiver started by
    the test gets each alert once, from the channel that takes it."""
    from reviewlens.alerts import Alert
    from reviewlens.app.channels import make_channels

    eng, kettle, toaster, everything = make_channels([
        {"type": "webhook", "name": "eng", "url": receiver.url, "kinds": ["scrape"]},
        {"type": "webhook", "name": "kettle", "url": receiver.url, "products": ["Kettle"]},
        {"type": "webhook", "name": "toaster", "url": receiver.url, "products": ["Toaster"], "kinds": ["rating"]},
        {"type": "webhook", "name": "all", "url": receiver.url}])
    site = Alert(key="s", kind="scrape", title="Scrape of shop failed")
    drop = Alert(key="r", kind="rating", title="Average rating down 0.5★: Kettle", products=["Kettle"])
    digest = Alert(key="d", kind="reviews", title="3 new reviews to read", products=["Kettle", "Mug"])
    summary = Alert(key="w", kind="summary", title="Weekly summary")
    takes = {c.name: [a.key for a in (site, drop, digest, summary) if c.wants(a)] for c in (eng, kettle, toaster, everything)}
    assert takes == {"eng": ["s"], "kettle": ["s", "r", "d", "w"], "toaster": [], "all": ["s", "r", "d", "w"]}
    assert all(c.wants(Alert(key="t", kind="test", title="Test")) for c in (eng, kettle, toaster))

    store = hostile_store(tmp_path)  # a degraded scrape and a digest of new reviews
    settings = settings_with({"type": "webhook", "name": "eng", "url": receiver.url, "kinds": ["scrape"]},
                             {"type": "webhook", "name": "product", "url": receiver.url, "kinds": ["reviews"]})
    res = check_alerts(store, settings)
    sent = {(r["kind"], d["channel"]) for r in store.list_alerts() for d in r["deliveries"]}
    assert sent == {("scrape", "eng"), ("reviews", "product")} and len(res.deliveries) == 2
    assert sorted(p["json"]["kind"] for p in receiver.posts) == ["reviews", "scrape"]  # what arrived


CHAT_HOSTILE = ("<!channel> <!here> @everyone @channel @here @all *URGENT* <http://evil.example/login|Open> "
                "[reset password](http://evil.example) ![img](http://evil.example/i.png) _it_ ~gone~ ~town-square "
                "`code` ||spoiler||\n[ref]: http://evil.example/ref\n# BIG HEADING\nThe shower was broken.")


def _as_read(text: str) -> str:
    """What a reader sees of the Slack format's text: the zero-width spaces invisible, the look-alikes as
    the characters they look like, Slack's entities decoded."""
    back = str.maketrans({v: chr(k) for k, v in render.LOOKALIKES.items()})
    return (text.replace("\u200b", "").translate(back)
            .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))


def test_the_slack_format_is_inert_in_slack_mattermost_and_discord(tmp_path, receiver):
    """Review text in the Slack format (which Mattermost, Rocket.Chat and Discord's /slack endpoint take,
    each reading Markdown and @-mentions its own way) through a real webhook receiver: no mention or
    channel ping in any of them, no Markdown link, image or link definition, no emphasis, code,
    strike-through, spoiler, heading or ~channel link; the words read the same. Teams gets them
    unchanged as TextRuns (never Markdown, no mention entities), the JSON format exactly."""
    store = Store(tmp_path / "chat.db")
    store.upsert_reviews([Review(source="shop", text=CHAT_HOSTILE, product="Kettle @here *X*", rating=1,
                                 date=datetime.now(timezone.utc).date())])
    settings = settings_with({"type": "webhook", "name": "slack", "url": receiver.url, "format": "slack"},
                             {"type": "webhook", "name": "teams", "url": receiver.url, "format": "teams"},
                             {"type": "webhook", "name": "json", "url": receiver.url, "format": "json"})
    res = check_alerts(store, settings)
    assert [a.kind for a in res.new] == ["reviews"] and not res.failed and len(receiver.posts) == 3
    [slack] = [p["json"] for p in receiver.posts if "unfurl_links" in p["json"]]
    [teams] = [p["json"] for p in receiver.posts if p["json"].get("type") == "message"]
    [data] = [p["json"] for p in receiver.posts if "kind" in p["json"]]
    text = slack["text"]
    assert not re.search(r"@\w", text)  # @everyone, @channel, @here, @all: no ping; @name: no mention
    assert "<!" not in text and "<http" not in text  # Slack's own mentions and links
    assert "](" not in text and "]:" not in text  # Markdown links, images, reference definitions
    assert not set("*_~`|") & set(text.split("\n", 1)[1])  # no emphasis, strike, code, spoiler, table (after the title)
    assert not re.search(r"(?m)^(> )?#", text)  # no heading
    quote = "\n".join(line[2:] for line in text.splitlines() if line.startswith("> "))
    assert _as_read(quote) == CHAT_HOSTILE  # the same words for the reader
    assert "— ★1 · Kettle @\u200bhere ∗X∗ · review" in text  # the product name too
    runs = [n for n in _walk(teams) if n.get("type") == "TextRun"]
    assert any(CHAT_HOSTILE in n["text"] for n in runs) and not [n for n in _walk(teams) if "entities" in n]
    assert data["quotes"][0]["text"] == CHAT_HOSTILE  # data: exactly as written


def test_a_change_that_worked_reaches_a_slack_webhook_escaped(tmp_path, receiver):
    """The change rule's alert through a real webhook receiver: the user's description and the quote are
    escaped for Slack (no mention, no link), and it is sent once."""
    from datetime import date

    from reviewlens.changes import Effect, ThemeShift

    store = Store(tmp_path / "c.db")
    shift = ThemeShift("Leaking lid", 12, 2, 30.0, 5.0, 0.003, "It leaks <!channel> everywhere.", "r1")
    cid = store.add_change(date(2026, 10, 21), "New seal <https://evil.example|click>", None, "Leaking lid")
    store.save_change_effect(cid, Effect("2026-10-01", "2026-10-20", "2026-10-21", "2026-11-09", 40, 40,
                                         theme="Leaking lid", named=shift, themes=[shift]).as_dict())
    settings = settings_with({"type": "webhook", "name": "slack", "url": receiver.url, "format": "slack"})
    res = check_alerts(store, settings)
    assert [a.kind for a in res.new] == ["change"] and not res.failed
    text = receiver.posts[0]["json"]["text"]
    assert "It worked: New seal" in text and "Fewer reviews raise 'Leaking lid'" in text
    assert "<!channel>" not in text and "<https://evil.example|click>" not in text and "&lt;!channel&gt;" in text
    assert check_alerts(store, settings).new == []


def test_review_bombing_reaches_a_slack_webhook_once_and_an_old_burst_never(tmp_path, receiver):
    """The burst rule: a wave of one-star reviews dated two days ago is raised through a real webhook
    receiver, its quotes escaped for Slack, once; a burst of five-star reviews 60 days ago is not (older
    than the rule looks back); `review_bursts = false` turns the rule off."""
    from datetime import timedelta

    from tests.reviewlens.test_integrity import reviews_of, row, steady, varied

    today = datetime.now(timezone.utc).date()
    start = today - timedelta(days=90)
    rows = steady(start, 91)
    rows += [row(700 + i, varied(700 + i) + (" " + HOSTILE if i == 0 else ""), rating=1,
                 day=today - timedelta(days=2)) for i in range(7)]
    rows += [row(800 + i, varied(800 + i), rating=5, day=today - timedelta(days=60)) for i in range(8)]
    store = Store(tmp_path / "b.db")
    store.upsert_reviews(reviews_of(rows))
    settings = settings_with({"type": "webhook", "name": "slack", "url": receiver.url, "format": "slack"})
    settings.alerts.low_rating = settings.alerts.rating_drop = 0  # the digest and the rating rule: their own tests
    settings.alerts.review_bursts = False
    assert [a.kind for a in check_alerts(store, settings).new] == []
    settings.alerts.review_bursts = True
    res = check_alerts(store, settings)
    assert [a.kind for a in res.new] == ["burst"] and not res.failed
    text = receiver.posts[0]["json"]["text"]
    assert f"Review bombing: 7 one-star reviews of Blender on {today - timedelta(days=2)}" in text
    assert "7 one-star reviews, none in the 60 days before: far more than chance" in text and "not proof" in text
    assert "<!channel>" not in text and "<script>" not in text and "&lt;!channel&gt;" in text
    assert check_alerts(store, settings).new == [] and len(receiver.posts) == 1
