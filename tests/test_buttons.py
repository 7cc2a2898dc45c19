"""The button codec: every kind round-trips, the formats of buttons already sent still decode, anything
else (forged, cut, too long) decodes to None, and nothing over Telegram's 64 bytes is ever encoded."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.buttons import (
    ButtonTooLong,
    CheckAnswer,
    CheckButton,
    FlowOption,
    IssueAction,
    IssueButton,
    LeaveAnswer,
    LeaveButton,
    ListKind,
    ListPage,
    MyIssue,
    MyPage,
    RoundAnswer,
    RoundButton,
    UnreadableIssue,
    decode,
    encode,
)

# the wire formats of buttons in messages sent before the codec existed
OLD = {
    "a:iss:ack:12": IssueButton(IssueAction.ACK, 12),
    "a:iss:more:12:3": IssueButton(IssueAction.MORE, 12, 3),
    "a:lst:overdue:2": ListPage(ListKind.OVERDUE, 2),
    "a:my:7": MyIssue(7),
    "a:myp:0": MyPage(0),
    "a:rnd:none:4": RoundButton(RoundAnswer.NONE, 4),
    "a:chk:9:not_yet": CheckButton(9, CheckAnswer.NOT_YET),
    "a:lv:yes:3": LeaveButton(LeaveAnswer.YES, 3),
    "c123:u:45": FlowOption(123, "u:45"),
    "c5:_back": FlowOption(5, "_back"),
}


def test_the_stored_formats_decode_and_encode_back() -> None:
    for data, button in OLD.items():
        assert decode(data) == button, data
        assert encode(button) == data


@pytest.mark.parametrize(
    "data",
    ["", "a:", "a:iss", "a:iss:explode:1", "a:iss:ack:1:2:3", "a:lst:all:1", "a:chk:1:maybe", "a:rnd:later:1",
     "b:iss:ack:1", "c:1", "cx:1", "c1", "c²:1", "a:myp:²", "a:lst:open:²", "a:rnd:start:²"],
)  # fmt: skip
def test_forged_or_cut_data_decodes_to_none(data: str) -> None:
    assert decode(data) is None


@pytest.mark.parametrize(
    "data", ["a:iss:ack:x", "a:my:-1", "a:my:١٢", "a:my:" + "9" * 12, "a:chk:²:resolved"]
)
def test_a_button_about_an_unreadable_issue_number_decodes_as_such(data: str) -> None:
    assert decode(data) == UnreadableIssue()


def test_nothing_over_64_bytes_is_encoded_or_decoded() -> None:
    value = "đ" * 31  # 62 bytes of UTF-8
    with pytest.raises(ButtonTooLong):
        encode(FlowOption(1, value))
    assert decode("c1:" + value) is None
    assert decode(encode(FlowOption(1, "đ" * 29))) == FlowOption(1, "đ" * 29)


@given(st.sampled_from(IssueAction), st.integers(0, 10**8), st.one_of(st.none(), st.integers(0, 999)))
def test_issue_buttons_round_trip(action: IssueAction, issue_id: int, page: int | None) -> None:
    button = IssueButton(action, issue_id, page)
    assert decode(encode(button)) == button
