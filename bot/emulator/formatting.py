"""How the Bot API turns a ``parse_mode`` text into plain text plus entities.

Telegram rejects badly formed markup with ``400 Bad Request: can't parse entities: ...``, the
classic production bug being user-supplied text (``a < b``, ``file_name.pdf``) pasted unescaped
into an HTML or MarkdownV2 message. The emulator applies the same rules so such bugs show up in
tests. Error texts follow Telegram's (tdlib's) wording closely but not byte for byte.

Entity offsets and lengths are in UTF-16 code units, as in the real API.
"""

from __future__ import annotations

import html
import re
from typing import Any

__all__ = ["EntityParseError", "parse_text", "utf16_len"]


class EntityParseError(ValueError):
    """The text does not parse under its parse_mode; ``str(err)`` is Telegram's detail text."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (what Telegram's offsets count)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(src: str, index: int) -> int:
    return len(src[:index].encode("utf-8"))


class _Builder:
    """Accumulates the plain text and the entities found in it."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0  # UTF-16 offset of the end of the text so far
        self.entities: list[dict[str, Any]] = []

    def add(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.pos += utf16_len(text)

    def entity(self, kind: str, start: int, **extra: Any) -> None:
        length = self.pos - start
        if length > 0:
            self.entities.append({"type": kind, "offset": start, "length": length, **extra})

    def result(self) -> tuple[str, list[dict[str, Any]]]:
        ents = sorted(self.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), ents


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Apply ``parse_mode`` (None, "HTML", "MarkdownV2" or "Markdown") as Telegram does.

    Returns ``(plain_text, entities)``; raises :class:`EntityParseError` on malformed markup and
    ``ValueError("unsupported parse_mode")`` on an unknown mode.
    """
    mode = (parse_mode or "").strip().lower()
    if not mode:
        return text, []
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return _parse_markdown(text)
    raise ValueError("unsupported parse_mode")


# --------------------------------------------------------------------------------------- HTML

_HTML_TAGS: dict[str, str] = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")
_START_TAG_RE = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)")
_ATTR_RE = re.compile(r"\s*([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>\"']+))?")


def _parse_html(src: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    stack: list[tuple[str, int, dict[str, str]]] = []
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch == "&":
            m = _ENTITY_RE.match(src, i)
            if m:
                out.add(html.unescape(m.group(0)))
                i = m.end()
            else:
                out.add("&")
                i += 1
            continue
        if ch != "<":
            j = i
            while j < n and src[j] not in "<&":
                j += 1
            out.add(src[i:j])
            i = j
            continue
        offset = _byte_offset(src, i)
        if src.startswith("</", i):
            end = src.find(">", i)
            if end < 0:
                raise EntityParseError(f"Unclosed end tag at byte offset {offset}")
            name = src[i + 2 : end].strip().lower()
            if not stack:
                raise EntityParseError(f'Unexpected end tag "{name}" at byte offset {offset}')
            tag, start, closed_attrs = stack.pop()
            if name and name != tag:
                raise EntityParseError(
                    f'Unmatched end tag at byte offset {offset}, expected "</{tag}>", found "</{name}>"'
                )
            _close_html(out, stack, tag, start, closed_attrs)
            i = end + 1
            continue
        m = _START_TAG_RE.match(src, i)
        name = m.group(1).lower() if m else ""
        if not m or name not in _HTML_TAGS:
            raise EntityParseError(f'Unsupported start tag "{name}" at byte offset {offset}')
        j = m.end()
        attrs: dict[str, str] = {}
        while True:
            while j < n and src[j].isspace():
                j += 1
            if j < n and src[j] == ">":
                j += 1
                break
            if src.startswith("/>", j):
                j += 2
                break
            am = _ATTR_RE.match(src, j)
            if j >= n or not am or am.end() == j:
                raise EntityParseError(f'Can\'t find end of tag "{name}" at byte offset {offset}')
            value = am.group(2) or ""
            if value[:1] in "\"'":
                value = value[1:-1]
            attrs[am.group(1).lower()] = html.unescape(value)
            j = am.end()
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise EntityParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
        stack.append((name, out.pos, attrs))
        i = j
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _close_html(
    out: _Builder, stack: list[tuple[str, int, dict[str, str]]], tag: str, start: int, attrs: dict[str, str]
) -> None:
    kind = _HTML_TAGS[tag]
    if tag == "a":
        href = attrs.get("href", "")
        if href:
            out.entity("text_link", start, url=href)
        return
    if tag == "code" and stack and stack[-1][0] == "pre":
        lang = attrs.get("class", "")
        if lang.startswith("language-"):
            stack[-1][2]["language"] = lang.removeprefix("language-")
            return
    if tag == "pre" and attrs.get("language"):
        out.entity("pre", start, language=attrs["language"])
        return
    if tag == "blockquote" and "expandable" in attrs:
        out.entity("expandable_blockquote", start)
        return
    if tag == "tg-emoji":
        out.entity("custom_emoji", start, custom_emoji_id=attrs.get("emoji-id", ""))
        return
    out.entity(kind, start)


# --------------------------------------------------------------------------------- MarkdownV2

_MD2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
_MD2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}
_MD2_MARKERS = (
    ("__", "underline"),
    ("||", "spoiler"),
    ("*", "bold"),
    ("_", "italic"),
    ("~", "strikethrough"),
)


def _find_unescaped(src: str, token: str, start: int) -> int:
    i = start
    while i < len(src):
        if src[i] == "\\":
            i += 2
            continue
        if src.startswith(token, i):
            return i
        i += 1
    return -1


def _unescape_md2(body: str) -> str:
    return re.sub(r"\\([\x01-\x7e])", r"\1", body)


def _parse_markdown_v2(src: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    stack: list[tuple[str, int, int]] = []  # kind, utf16 start, byte offset of the marker
    quote_start: int | None = None
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch == ">" and (i == 0 or src[i - 1] == "\n"):
            if quote_start is None:
                quote_start = out.pos
            i += 1
            continue
        if ch == "\n" and quote_start is not None and not src.startswith(">", i + 1):
            out.entity("blockquote", quote_start)
            quote_start = None
        if ch == "\\" and i + 1 < n and 0 < ord(src[i + 1]) <= 126:
            out.add(src[i + 1])
            i += 2
            continue
        if ch == "`":
            fence = "```" if src.startswith("```", i) else "`"
            end = _find_unescaped(src, fence, i + len(fence))
            if end < 0:
                what = "Pre" if fence == "```" else "Code"
                raise EntityParseError(
                    f"Can't find end of {what} entity at byte offset {_byte_offset(src, i)}"
                )
            body = src[i + len(fence) : end]
            start = out.pos
            if fence == "```":
                language = ""
                first, sep, rest = body.partition("\n")
                if sep and first and not any(c.isspace() for c in first):
                    language, body = first, rest
                out.add(_unescape_md2(body))
                if language:
                    out.entity("pre", start, language=language)
                else:
                    out.entity("pre", start)
            else:
                out.add(_unescape_md2(body))
                out.entity("code", start)
            i = end + len(fence)
            continue
        if ch == "[" or (ch == "!" and src.startswith("![", i)):
            kind = "custom_emoji" if ch == "!" else "text_link"
            stack.append((kind, out.pos, _byte_offset(src, i)))
            i += 2 if ch == "!" else 1
            continue
        if ch == "]" and stack and stack[-1][0] in ("text_link", "custom_emoji"):
            kind, start, _ = stack.pop()
            url = ""
            i += 1
            if i < n and src[i] == "(":
                end = _find_unescaped(src, ")", i + 1)
                if end < 0:
                    raise EntityParseError(f"Can't find end of a URL at byte offset {_byte_offset(src, i)}")
                url = _unescape_md2(src[i + 1 : end])
                i = end + 1
            if url and kind == "text_link":
                out.entity("text_link", start, url=url)
            elif url:
                out.entity("custom_emoji", start, custom_emoji_id=url.rpartition("id=")[2])
            continue
        marker = next(((tok, kind) for tok, kind in _MD2_MARKERS if src.startswith(tok, i)), None)
        if marker is not None:
            tok, kind = marker
            if stack and stack[-1][0] == kind:
                _, start, _ = stack.pop()
                out.entity(kind, start)
            elif any(k == kind for k, _, _ in stack):
                open_at = next(b for k, _, b in reversed(stack) if k == kind)
                raise EntityParseError(
                    f"Can't find end of {_MD2_NAMES[kind]} entity at byte offset {open_at}"
                )
            else:
                stack.append((kind, out.pos, _byte_offset(src, i)))
            i += len(tok)
            continue
        if ch in _MD2_RESERVED:
            raise EntityParseError(
                f"Character '{ch}' is reserved and must be escaped with the preceding '\\'"
            )
        out.add(ch)
        i += 1
    if stack:
        kind, _, at = stack[-1]
        raise EntityParseError(f"Can't find end of {_MD2_NAMES[kind]} entity at byte offset {at}")
    if quote_start is not None:
        out.entity("blockquote", quote_start)
    return out.result()


# ------------------------------------------------------------------------ Markdown (legacy)

_MD1_MARKERS = {"*": "bold", "_": "italic"}


def _parse_markdown(src: str) -> tuple[str, list[dict[str, Any]]]:
    out = _Builder()
    i, n = 0, len(src)
    while i < n:
        ch = src[i]
        if ch == "\\" and i + 1 < n and src[i + 1] in "_*`[":
            out.add(src[i + 1])
            i += 2
            continue
        if ch in "*_`[":
            offset = _byte_offset(src, i)
            fail = EntityParseError(f"Can't find end of the entity starting at byte offset {offset}")
            if ch == "[":
                close = src.find("]", i + 1)
                if close < 0:
                    raise fail
                label = src[i + 1 : close]
                start = out.pos
                out.add(label)
                if src.startswith("(", close + 1):
                    end = src.find(")", close + 2)
                    if end < 0:
                        raise fail
                    out.entity("text_link", start, url=src[close + 2 : end])
                    i = end + 1
                else:
                    i = close + 1
                continue
            fence = "```" if src.startswith("```", i) else ch
            end = src.find(fence, i + len(fence))
            if end < 0:
                raise fail
            start = out.pos
            out.add(src[i + len(fence) : end])
            kind = {"```": "pre", "`": "code"}.get(fence) or _MD1_MARKERS[ch]
            out.entity(kind, start)
            i = end + len(fence)
            continue
        out.add(ch)
        i += 1
    return out.result()
