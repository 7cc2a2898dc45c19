"""The Zalo Bot API over httpx: ``POST {base_url}/bot{token}/{method}`` with JSON, answers ``{ok, result,
error_code, description}`` (see :mod:`bot.zalo` for what was verified), and how a failed send maps onto the
outbox's error classes."""

from __future__ import annotations

import re
from typing import Any

import httpx

from bot.outbox import SendError, SendForbidden, SendPermanent, SendRetryAfter, SendTransient

CHANNEL = "zalo"
DEFAULT_BASE_URL = "https://bot-api.zaloplatforms.com"
DEFAULT_RETRY_AFTER = 5.0
MAX_DOWNLOAD_BYTES = 25 * 1024 * 1024


# Descriptions that mean "this person cannot be reached" (Zalo documents no codes for it; the wording of
# these is a guess, kept broad; HTTP/error_code 403 is the primary signal).
_UNREACHABLE_RE = re.compile(
    r"block|unfollow|not\s+(?:a\s+)?follow|not\s+reachable|unreachable|"
    r"(?:user|chat|recipient)\s+(?:is\s+)?(?:not\s+found|not\s+exist|does\s+not\s+exist|invalid)|"
    r"chặn|không\s+tồn\s+tại",
    re.IGNORECASE,
)


# ---------------------------------------------------------------------------------------------- the API


class ZaloApiError(Exception):
    """A Zalo Bot API call that did not succeed.

    ``status`` is the HTTP status (0 when no answer came: timeout, connection error); ``error_code`` the
    code in the body (or the HTTP status when the body had none); ``network`` is True for timeouts and
    connection errors.
    """

    def __init__(
        self,
        method: str,
        description: str,
        *,
        status: int = 0,
        error_code: int | None = None,
        retry_after: float | None = None,
        network: bool = False,
        timed_out: bool = False,
    ) -> None:
        super().__init__(
            f"{method}: {error_code if error_code is not None else status} {description}".strip()
        )
        self.method = method
        self.description = description
        self.status = status
        self.error_code = error_code
        self.retry_after = retry_after
        self.network = network
        self.timed_out = timed_out

    def has_code(self, code: int) -> bool:
        return self.error_code == code or self.status == code

    @property
    def nothing_arrived(self) -> bool:
        """A long poll that ended without an event (Zalo answers 408)."""
        return self.has_code(408)


class ZaloApi:
    """POSTs JSON to ``{base_url}/bot{token}/{method}`` and returns ``result`` when ``ok`` is true."""

    def __init__(
        self,
        token: str,
        base_url: str = DEFAULT_BASE_URL,
        *,
        send_timeout: float = 10.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.token = token
        self.base_url = base_url.rstrip("/")
        self.send_timeout = send_timeout
        self._own_client = client is None
        self.client = client or _new_client(send_timeout)

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()

    def reopen(self) -> None:
        """A fresh HTTP client after :meth:`aclose` (a channel started again)."""
        if self._own_client and self.client.is_closed:
            self.client = _new_client(self.send_timeout)

    def url(self, method: str) -> str:
        return f"{self.base_url}/bot{self.token}/{method}"

    async def call(
        self, method: str, body: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> Any:
        if self.client.is_closed:
            raise ZaloApiError(method, "the channel is stopped (HTTP client closed)", network=True)
        try:
            response = await self.client.post(
                self.url(method),
                json=body or {},
                timeout=httpx.Timeout(timeout or self.send_timeout, connect=5.0),
            )
        except httpx.TimeoutException as exc:
            raise ZaloApiError(
                method, f"timed out ({type(exc).__name__})", network=True, timed_out=True
            ) from exc
        except httpx.TransportError as exc:
            raise ZaloApiError(method, f"network error ({type(exc).__name__}: {exc})", network=True) from exc
        status = response.status_code
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise ZaloApiError(
                method, _snippet(response.text) or response.reason_phrase, status=status, error_code=status
            )
        code = data.get("error_code")
        if data.get("ok") is True and status < 400:
            return data.get("result")
        raw_params = data.get("parameters")
        params: dict[str, Any] = raw_params if isinstance(raw_params, dict) else {}
        retry = params.get("retry_after", data.get("retry_after"))
        raise ZaloApiError(
            method,
            str(data.get("description") or data.get("message") or response.reason_phrase or ""),
            status=status,
            error_code=int(code)
            if isinstance(code, int | str) and str(code).lstrip("-").isdigit()
            else status,
            retry_after=float(retry) if isinstance(retry, int | float) else None,
        )

    # ------------------------------------------------------------------ methods

    async def get_me(self) -> dict[str, Any]:
        result = await self.call("getMe")
        return result if isinstance(result, dict) else {}

    async def get_updates(self, timeout: int) -> list[dict[str, Any]]:
        """One long poll: the events it brought (Zalo gives at most one); [] when nothing arrived."""
        try:
            result = await self.call("getUpdates", {"timeout": str(timeout)}, timeout=timeout + 10)
        except ZaloApiError as exc:
            if exc.nothing_arrived or exc.timed_out:  # our own read timeout ends an idle poll too
                return []
            raise
        if isinstance(result, list):
            return [e for e in result if isinstance(e, dict)]
        if isinstance(result, dict) and result:
            return [result]
        return []

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        result = await self.call("sendMessage", {"chat_id": chat_id, "text": text})
        return result if isinstance(result, dict) else {}

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> dict[str, Any]:
        body: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            body["caption"] = caption
        result = await self.call("sendPhoto", body)
        return result if isinstance(result, dict) else {}

    async def send_sticker(self, chat_id: str, sticker: str) -> dict[str, Any]:
        result = await self.call("sendSticker", {"chat_id": chat_id, "sticker": sticker})
        return result if isinstance(result, dict) else {}

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})

    async def set_webhook(self, url: str, secret_token: str) -> Any:
        return await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> Any:
        return await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any]:
        result = await self.call("getWebhookInfo")
        return result if isinstance(result, dict) else {}

    async def download(self, url: str, *, limit: int = MAX_DOWNLOAD_BYTES) -> tuple[bytes, str]:
        """GET a media URL Zalo gave us; returns (bytes, content type)."""
        async with self.client.stream("GET", url, timeout=30.0, follow_redirects=True) as response:
            response.raise_for_status()
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > limit:
                    raise ValueError(f"file over {limit} bytes")
                chunks.append(chunk)
            return b"".join(chunks), response.headers.get("content-type", "").split(";")[0].strip()


def _new_client(send_timeout: float) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(send_timeout, connect=5.0),
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
        follow_redirects=False,
    )


def _snippet(text: str, limit: int = 200) -> str:
    return " ".join(text.split())[:limit]


def send_error(exc: ZaloApiError) -> SendError:
    """The outbox's view of a failed send: retry later, give up on this row, or give up on this chat."""
    if exc.network:
        return SendTransient(str(exc))
    if exc.has_code(429):
        return SendRetryAfter(
            exc.retry_after if exc.retry_after is not None else DEFAULT_RETRY_AFTER, str(exc)
        )
    if exc.has_code(408) or exc.status >= 500 or (exc.error_code or 0) >= 500:
        return SendTransient(str(exc))
    if exc.has_code(401):  # the bot's token is wrong or revoked: keep the rows for when it is fixed
        return SendTransient(str(exc))
    if exc.has_code(403) or _UNREACHABLE_RE.search(exc.description):
        return SendForbidden(str(exc))
    return SendPermanent(str(exc))
