"""The e-mail channel: one message per alert (plain text and HTML) through an SMTP server (smtplib)."""

from __future__ import annotations

import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Sequence

from ...alerts import Alert
from ...config import ConfigError
from . import render
from .base import Attachment, Channel, ChannelError, TransientError

SECURITY = ("starttls", "ssl", "none")


class EmailChannel(Channel):
    """`type = "email"`: `to` (an address or a list), `from`, `host` (default localhost), `port` (default 587
    with starttls, 465 with ssl, 25 with none), `security` (starttls, ssl or none; default starttls),
    `username`, and the password as `password_env` (the name of an environment variable; or `password`),
    `timeout` (seconds, default 20), `attach_report` (true: the weekly or daily summary comes with the
    Excel report of its days; default false)."""

    kind = "email"
    OPTIONS = {"to": (str, list), "from": str, "host": str, "port": int, "security": str, "username": str,
               "password": str, "password_env": str, "timeout": (int, float), "attach_report": bool}

    def __init__(self, entry: dict[str, Any], where: str = "[[alerts.channels]]"):
        super().__init__(entry, where)
        to = entry.get("to")
        self.to = [to] if isinstance(to, str) else list(to or [])
        if not self.to or not all(isinstance(a, str) and "@" in a and "\n" not in a and "\r" not in a
                                  for a in self.to):
            raise ConfigError(f"{where}: an email channel needs 'to': an address or a list of addresses")
        self.sender = str(entry.get("from") or "reviewlens@localhost")
        if "@" not in self.sender or any(c in self.sender for c in "\r\n"):
            raise ConfigError(f"{where}: 'from' must be an e-mail address, not {self.sender!r}")
        self.security = str(entry.get("security", "starttls")).lower()
        if self.security not in SECURITY:
            raise ConfigError(f"{where}: 'security' must be one of {', '.join(SECURITY)}, not {self.security!r}")
        self.host = str(entry.get("host") or "localhost")
        self.port = int(entry.get("port") or {"starttls": 587, "ssl": 465, "none": 25}[self.security])
        self.username = entry.get("username")
        self.timeout = float(entry.get("timeout", 20))
        self.wants_report = bool(entry.get("attach_report", False))

    def describe(self) -> str:
        return (f"email to {', '.join(self.to)} via {self.host}:{self.port}"
                + (", summaries with their report" if self.wants_report else ""))

    def message(self, alert: Alert, attachments: Sequence[Attachment] = ()) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = render.subject(alert)
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.to)
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain=self.sender.rpartition("@")[2] or None)
        msg.set_content(render.text(alert))
        msg.add_alternative(render.html_page(alert), subtype="html")
        for a in attachments:
            maintype, _, subtype = a.mime.partition("/")
            msg.add_attachment(a.data, maintype=maintype, subtype=subtype, filename=a.filename)
        return msg

    def send(self, alert: Alert, attachments: Sequence[Attachment] = ()) -> None:
        password = self.secret("password")
        msg = self.message(alert, attachments)
        where = f"{self.host}:{self.port}"
        try:
            if self.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                      context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with smtp:
                if self.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if self.username:
                    smtp.login(self.username, password or "")
                smtp.send_message(msg)
        except smtplib.SMTPAuthenticationError as e:
            raise ChannelError(f"the mail server {where} refused the login of {self.username!r}: "
                               f"{e.smtp_code} {_said(e.smtp_error)}") from None
        except smtplib.SMTPRecipientsRefused as e:
            raise ChannelError(f"the mail server {where} refused the recipients: "
                               f"{', '.join(e.recipients)}") from None
        except smtplib.SMTPNotSupportedError as e:
            raise ChannelError(f"the mail server {where} does not support this ({e}); check 'security'") from None
        except smtplib.SMTPResponseException as e:
            err = TransientError if 400 <= e.smtp_code < 500 else ChannelError
            raise err(f"the mail server {where} answered {e.smtp_code} {_said(e.smtp_error)}") from None
        except smtplib.SMTPServerDisconnected as e:
            if "timed out" not in str(e):  # smtplib's words for a reply that did not come in time
                raise TransientError(f"the mail server {where} closed the connection: {e}") from None
            raise TransientError(f"the mail server {where} did not answer within {self.timeout:g} s") from None
        except socket.timeout:  # before a connection (a reply that did not come is SMTPServerDisconnected)
            raise TransientError(f"cannot reach the mail server {where}: no connection within {self.timeout:g} s") from None
        except (smtplib.SMTPConnectError, ConnectionError) as e:
            raise TransientError(f"cannot reach the mail server {where}: {e or type(e).__name__}") from None
        except ssl.SSLError as e:
            raise ChannelError(f"TLS with the mail server {where} failed: {e}") from None
        except OSError as e:  # DNS, no route: may pass
            raise TransientError(f"cannot reach the mail server {where}: {e}") from None
        except smtplib.SMTPException as e:
            raise ChannelError(f"the mail server {where}: {e}") from None


def _said(raw: bytes | str) -> str:
    return (raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)).strip()[:300]
