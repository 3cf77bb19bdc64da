"""The correction request's letter sent through SMTP (issue 16, ``request-fix --send``) and the officer's decisions
(allowed transitions, reasons required, an officer's "ask for more" becomes an item of the letter)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import socket
from email import policy
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller

from bdg_workbook.corrections import decisions, request
from bdg_workbook.corrections.journal import Journal
from bdg_workbook.corrections.states import (
    A_APPROVE,
    A_ASK_FIX,
    A_COMMENT,
    A_RECEIVED,
    A_REJECT,
    NEEDS_FIX,
    RECEIVED,
    Event,
)
from bdg_workbook.documents.settings import LoopSettings, document_settings
from bdg_workbook.domain.model import SmtpConfig
from bdg_workbook.mail import letters
from bdg_workbook.mail.drafts import ALREADY_SENT, SENT

UNIT = "TYT"


class _Keep:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


def _received(journal: Journal, setup) -> None:
    journal.append([Event("2024-09-18T08:00:00+07:00", 2024, UNIT, A_RECEIVED, RECEIVED, "bdg-workbook", "Nhận tệp",
                          "TDCD_2024_TYT.xlsx", "ab" * 32)])


def test_decisions_need_a_return_a_reason_and_an_allowed_state(setup, tmp_path):
    journal = Journal(tmp_path, 2024)
    with pytest.raises(decisions.DecisionError, match="chưa nộp"):
        decisions.decide(setup, journal, UNIT, A_APPROVE, "", "Cán bộ A")
    with pytest.raises(decisions.DecisionError, match="không có trong departments.yaml"):
        decisions.decide(setup, journal, "XYZ", A_COMMENT, "ghi chú", "Cán bộ A")
    decisions.decide(setup, journal, UNIT, A_COMMENT, "Đã gọi điện nhắc", "Cán bộ A")    # a comment: any state
    _received(journal, setup)
    with pytest.raises(decisions.DecisionError, match="lý do"):
        decisions.decide(setup, journal, UNIT, A_REJECT, "  ", "Cán bộ A")
    event, _notes = decisions.decide(setup, journal, UNIT.lower(), A_ASK_FIX, "Bổ sung biên bản II.8", "Cán bộ A")
    assert event.state == NEEDS_FIX and event.round == 1 and event.by == "Cán bộ A"
    loops = Journal(tmp_path, 2024).loops([d.code for d in setup.departments])
    assert loops[UNIT].state == NEEDS_FIX and loops[UNIT].rounds == 1
    assert [e.action for e in loops[UNIT].history] == [A_COMMENT, A_RECEIVED, A_ASK_FIX]


def test_officer_request_becomes_the_letter_and_is_sent_once(setup, tmp_path):
    journal = Journal(tmp_path, 2024)
    _received(journal, setup)
    decisions.decide(setup, journal, UNIT, A_ASK_FIX, "Bổ sung biên bản kiểm tra II.8", "Cán bộ A")
    loop = journal.loops([d.code for d in setup.departments])[UNIT]
    dept = next(d for d in setup.departments if d.code == UNIT)
    settings = LoopSettings("Cán bộ A", 5, dt.date(2099, 1, 1), "all")
    outcome = request.write_request(setup, journal, dept, loop, settings,
                                    document_settings(setup.config, setup.table), today=dt.date(2024, 9, 18))
    assert outcome.needed and outcome.deadline == dt.date(2024, 9, 23) and outcome.marked is None
    body = BytesParser(policy=policy.default).parsebytes(outcome.draft.read_bytes()).get_body(
        preferencelist=("plain",)).get_content()
    assert "Bổ sung biên bản kiểm tra II.8" in body and "23/09/2024" in body
    closed = LoopSettings("Cán bộ A", 5, dt.date(2024, 9, 1), "all")
    with pytest.raises(request.RequestError, match="khóa sổ"):
        request.write_request(setup, journal, dept, loop, closed, document_settings(setup.config, setup.table),
                              today=dt.date(2024, 9, 18))

    keep = _Keep()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(keep, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp = SmtpConfig(host="127.0.0.1", port=port, security="none", sender="ubnd@example.org",
                          sender_name="UBND phường", retries=0, retry_delay=0.0, timeout=5.0)
        mailed = dataclasses.replace(setup, config=dataclasses.replace(setup.config, smtp=smtp), departments=tuple(
            dataclasses.replace(d, email="tyt@example.org") if d.code == UNIT else d for d in setup.departments))
        dept = next(d for d in mailed.departments if d.code == UNIT)
        msg = letters.build_letter(mailed, dept, "Đề nghị bổ sung", "Nội dung thư", [outcome.letter])
        first = letters.send_letter(mailed, tmp_path / "mail", msg, dept, outcome.log_key, outcome.letter, env={})
        again = letters.send_letter(mailed, tmp_path / "mail", msg, dept, outcome.log_key, outcome.letter, env={})
    finally:
        controller.stop()
    assert first.status == SENT and again.status == ALREADY_SENT and len(keep.messages) == 1
    received = BytesParser(policy=policy.default).parsebytes(keep.messages[0])
    assert str(received["Subject"]) == "Đề nghị bổ sung"
    assert [p.get_filename() for p in received.iter_attachments()] == [outcome.letter.name]
