"""The fold every typed answer is compared in: Vietnamese letters to their ASCII base, case and spaces evened."""

from __future__ import annotations

from handlers.choose import fold, match_option

# each base letter with the five tone marks (sắc, huyền, hỏi, ngã, nặng), and the letters with their own mark
TONED = {
    "a": "áàảãạ", "ă": "ắằẳẵặ", "â": "ấầẩẫậ", "e": "éèẻẽẹ", "ê": "ếềểễệ", "i": "íìỉĩị",
    "o": "óòỏõọ", "ô": "ốồổỗộ", "ơ": "ớờởỡợ", "u": "úùủũụ", "ư": "ứừửữự", "y": "ýỳỷỹỵ",
}  # fmt: skip
BASE = {"a": "a", "ă": "a", "â": "a", "e": "e", "ê": "e", "i": "i", "o": "o", "ô": "o", "ơ": "o", "u": "u", "ư": "u", "y": "y"}  # fmt: skip


def _letters() -> dict[str, str]:
    lower = {"đ": "d"}
    for vowel, toned in TONED.items():
        lower[vowel] = BASE[vowel]
        for letter in toned:
            lower[letter] = BASE[vowel]
    del (
        lower["a"],
        lower["e"],
        lower["i"],
        lower["o"],
        lower["u"],
        lower["y"],
    )  # plain ASCII: not Vietnamese-only
    both = dict(lower)
    both.update({k.upper(): v for k, v in lower.items()})
    return both


def test_every_vietnamese_letter_folds_to_its_ascii_base() -> None:
    letters = _letters()
    assert len(letters) == 134
    for letter, ascii_base in letters.items():
        assert fold(letter) == ascii_base, letter


def test_fold_evens_case_spaces_and_composed_or_decomposed_input() -> None:
    assert fold("  Điện   sinh hoạt ") == "dien sinh hoat"
    assert fold("Trật tự") == fold("Tra\u0323\u0302t tu\u031b\u0323") == "trat tu"
    assert match_option("dien", ["An ninh", "Điện sinh hoạt"]).value == "1"  # the index of the option
