"""Hostile webhook bodies over real HTTP, and the nesting check they meet before any parser runs.

Hypothesis builds bodies nested to any depth (at the top, or inside a field of a real update), update_ids
that are booleans, floats, strings or out of range, any JSON, and floods of brackets no encoder would
write; each is posted to the running webhook server with the right secret and must be answered 400 or
taken (200) exactly as the rules say, with nothing logged as an error and the server still answering.
CI runs the derandomised examples; ``DLXH_FULL=1`` runs more with a random seed.
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.emulator import TelegramEmulator
from bot.emulator.zalo import ZaloEmulator
from bot.webhook import MAX_DEPTH, TELEGRAM_SECRET_HEADER, nesting_ok
from tests.test_hostile_input import EXAMPLES, FULL, NOW, STRANGERS, ErrorLog, user_json
from tests.test_webhook import SECRET, webhook_app

json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(st.sampled_from('[]{}"\\ a²١'), max_size=8),  # brackets and quotes inside strings do not nest
)
json_value = st.recursive(
    json_leaf,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=30,
)
wrappers = st.lists(st.sampled_from(["[", "{"]), max_size=MAX_DEPTH + 40)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


def wrapped(value: Any, around: list[str]) -> Any:
    for w in reversed(around):
        value = [value] if w == "[" else {"k": value}
    return value


@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not FULL)
@given(json_value, wrappers)
def test_nesting_is_measured_on_the_bytes_as_the_parser_would(value: Any, around: list[str]) -> None:
    body = wrapped(value, around)
    assert nesting_ok(json.dumps(body).encode()) == (depth(body) <= MAX_DEPTH)


@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=not FULL)
@given(
    st.one_of(
        st.binary(max_size=2000), st.text(st.sampled_from('[]{}"\\,:1 '), max_size=3000).map(str.encode)
    )
)
def test_any_bytes_are_measured_without_error(raw: bytes) -> None:
    nesting_ok(raw)


def hostile_body(kind: str, value: Any, around: list[str], n: int) -> tuple[bytes, bool]:
    """A webhook body and whether it should be taken (200) rather than refused (400)."""
    update = {
        "update_id": n,
        "message": {
            "message_id": n,
            "date": int(NOW.timestamp()),
            "chat": {"id": STRANGERS[0], "type": "private", "first_name": "X"},
            "from": user_json(STRANGERS[0], "vi"),
            "text": "Xin chào",
        },
    }
    if kind == "nested_field":  # an update carrying a field nested at random depth
        body: Any = {**update, "x": wrapped(value, around)}
        return json.dumps(body).encode(), depth(body) <= MAX_DEPTH
    if kind == "nested":
        body = wrapped(value, around)
        return json.dumps(body).encode(), False  # never a dict with an update_id
    if kind == "update_id":
        body = {**update, "update_id": value}
        taken = type(value) is int and 0 <= value <= 2**53
        return json.dumps(body).encode(), taken
    if kind == "json":
        return json.dumps(value).encode(), False
    return b"[" * value + b"]" * value, False  # a flood of brackets no encoder would write


body_case = st.one_of(
    st.tuples(st.just("nested_field"), json_value, wrappers),
    st.tuples(st.just("nested"), json_value, wrappers),
    st.tuples(
        st.just("update_id"),
        st.one_of(json_leaf, st.sampled_from([True, False, 2**64, -1, 1.0, "7"])),
        st.just([]),
    ),
    st.tuples(st.just("json"), json_value, st.just([])),
    st.tuples(st.just("brackets"), st.integers(0, 20_000), st.just([])),
)


def test_hostile_webhook_bodies_get_400_and_the_server_stays_up(tmp_path: Path) -> None:
    """Bodies over real HTTP to the webhook server: nested to any depth, at the top or inside an update's
    field; update_id as a boolean, a float, a string, out of range; any JSON; bracket floods. Each is
    answered 400 or taken (200) exactly as the rules say, nothing is logged as an error, and the server
    keeps answering."""
    loop = asyncio.new_event_loop()
    errors = ErrorLog()
    root = logging.getLogger()
    emu, zemu = TelegramEmulator(), ZaloEmulator()
    loop.run_until_complete(emu.start())
    loop.run_until_complete(zemu.start())
    running = webhook_app(tmp_path, emu, zemu)  # the webhook tests' own app and server, started
    app, server = loop.run_until_complete(running.__aenter__())
    loop.run_until_complete(app.start())
    http = httpx.AsyncClient(timeout=30)
    counter = iter(range(1, 10**9))
    root.addHandler(errors)
    try:

        @settings(
            max_examples=max(50, EXAMPLES // 5),
            deadline=None,
            database=None,
            derandomize=not FULL,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(body_case)
        @example(("brackets", 10_000, []))
        @example(("update_id", True, []))
        def check(case: tuple[str, Any, list[str]]) -> None:
            raw, taken = hostile_body(case[0], case[1], case[2], next(counter))

            async def post() -> int:
                headers = {TELEGRAM_SECRET_HEADER: SECRET}
                answer = await http.post(server.url("/telegram"), content=raw, headers=headers)
                return answer.status_code

            status = loop.run_until_complete(post())
            assert status == (200 if taken else 400), (case[0], raw[:120])
            assert not errors.records, errors.records[0].getMessage()

        check()
        alive = loop.run_until_complete(
            http.post(
                server.url("/telegram"),
                content=hostile_body("nested_field", 1, [], 10**8)[0],
                headers={TELEGRAM_SECRET_HEADER: SECRET},
            )
        )
        assert alive.status_code == 200
    finally:
        root.removeHandler(errors)
        loop.run_until_complete(http.aclose())
        loop.run_until_complete(running.__aexit__(None, None, None))
        loop.run_until_complete(zemu.stop())
        loop.run_until_complete(emu.stop())
        loop.close()
