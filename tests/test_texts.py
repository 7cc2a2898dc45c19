"""The catalogs: same keys and fields in both languages; no user text inline in handlers."""

from __future__ import annotations

import re
import string
from pathlib import Path

from bot.core.texts import EN, VI

ROOT = Path(__file__).resolve().parent.parent
VIETNAMESE_LETTERS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_catalogs_have_the_same_keys_and_fields() -> None:
    assert set(VI) == set(EN)
    for key in VI:
        assert fields(VI[key]) == fields(EN[key]), key


def test_vietnamese_texts_use_the_formal_register() -> None:
    informal = [k for k, v in VI.items() if re.search(r"\b(bạn|mày|cậu)\b", v)]
    assert informal == []
    addressed = [k for k, v in VI.items() if "đồng chí" in v]
    assert len(addressed) > 10


def test_no_vietnamese_string_literals_in_handlers_or_scheduler() -> None:
    offenders = []
    for folder in ("handlers", "scheduler"):
        for path in (ROOT / folder).rglob("*.py"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                for literal in re.findall(r"\"[^\"]*\"|'[^']*'", code):
                    if VIETNAMESE_LETTERS.search(literal):
                        offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert offenders == []


def test_channel_variants_keep_their_fields_and_name_no_telegram_gesture() -> None:
    import string

    from bot.core.texts import EN, VI, for_channel

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    variants = [k for k in VI if "@" in k]
    assert variants, "the Zalo wording is missing"
    for key in variants:
        base, _, channel = key.partition("@")
        assert channel == "zalo" and base in VI and for_channel(base, "zalo") == key
        assert fields(VI[key]) == fields(VI[base]) and fields(EN[key]) == fields(EN[base]), key
        for word in ("bấm", "(reply)", "/start", "tap ", "reply to"):
            assert word not in VI[key] and word not in EN[key], (key, word)
    assert for_channel("report.noted", "telegram") == "report.noted"
    assert for_channel("report.ask_severity", "zalo") == "report.ask_severity"  # no variant: the same text
