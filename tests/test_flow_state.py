"""The flow engine's own fields, typed: a draft stored before they were typed loads unchanged, and a stored
draft with a missing or mistyped field still resumes (the field takes its default)."""

from __future__ import annotations

import json

from handlers.flow import EngineState, draft

# a report draft as the conversations table held it before issue 16 (engine keys beside the flow's keys)
OLD_DRAFT = json.loads(
    """{"category": "dien", "unit_id": 3, "attachments": [], "practice": false,
    "_history": ["category", "unit"], "_options": [["Bỏ qua", "_skip"]], "_free": true,
    "_prompt": "Bước 3/7. Sự việc cụ thể?", "_columns": 1, "_nav": [["« Quay lại", "_back"], ["✖ Hủy", "_cancel"]],
    "_extra": [[["Xong", "_done"]]], "_prefix": "", "_keyboard": false,
    "_restart": "report", "_restart_step": "category", "_restart_data": {"attachments": []}}"""
)


def test_an_old_draft_loads_and_stores_back_unchanged() -> None:
    state = EngineState.load(OLD_DRAFT)
    assert state.history == ["category", "unit"]
    assert state.options == [("Bỏ qua", "_skip")] and state.free and state.columns == 1
    assert state.nav == [("« Quay lại", "_back"), ("✖ Hủy", "_cancel")] and state.extra == [
        [("Xong", "_done")]
    ]
    assert (state.restart, state.restart_step, state.restart_data) == (
        "report",
        "category",
        {"attachments": []},
    )
    again = dict(OLD_DRAFT)
    state.store(again)
    assert again == OLD_DRAFT
    assert draft(OLD_DRAFT) == {"category": "dien", "unit_id": 3, "attachments": [], "practice": False}


def test_missing_or_mistyped_fields_take_their_defaults() -> None:
    state = EngineState.load({"category": "dien", "_columns": "2", "_options": None, "_history": "unit",
                              "_nav": [["only one"]], "_extra": [None], "_restart_data": "x"})  # fmt: skip
    assert state == EngineState()
    assert EngineState.load({}) == EngineState()
