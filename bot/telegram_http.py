"""The HTTP client under python-telegram-bot: aiohttp instead of PTB's default httpx stack.

PTB accepts any :class:`telegram.request.BaseRequest`; this one sends each Bot API call with an
``aiohttp.ClientSession`` (a keep-alive connection pool of ``connection_pool_size``), which costs a fraction of
httpx/httpcore/anyio/h11's CPU per request — the largest share of the bot's CPU in the update path and the
broadcast profiles (``benchmarks/RESULTS.md``). Errors map as PTB's own client maps them: a timeout is
:class:`telegram.error.TimedOut`, any other transport fault :class:`telegram.error.NetworkError`; the status
and the body are handed back to PTB, which raises ``RetryAfter``, ``Forbidden``, ``BadRequest`` … from them.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """A PTB request backend on aiohttp (one session, ``connection_pool_size`` connections at most; the
    ``HTTPS_PROXY``/``HTTP_PROXY`` environment is honoured, as httpx does)."""

    def __init__(
        self,
        connection_pool_size: int = 8,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._write_timeout = write_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, force_close=False)
            self._session = aiohttp.ClientSession(
                connector=connector, headers={"User-Agent": self.USER_AGENT}, trust_env=True
            )

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        default = BaseRequest.DEFAULT_NONE  # "not given": this client's own timeouts apply
        read = self._read_timeout if read_timeout is default else read_timeout
        connect = self._connect_timeout if connect_timeout is default else connect_timeout
        pool = self._pool_timeout if pool_timeout is default else pool_timeout
        if write_timeout is default:
            write = self._write_timeout if not files else self._media_write_timeout
        else:
            write = write_timeout
        # aiohttp has no separate write timeout: the whole call may take connect + write + read at most
        parts = [t for t in (connect, write, read) if t is not None]
        total = sum(parts) if len(parts) == 3 else None
        # aiohttp's ``connect`` covers waiting for a free connection and making one
        waiting = None if pool is None or connect is None else pool + connect
        timeout = aiohttp.ClientTimeout(total=total, connect=waiting, sock_connect=connect, sock_read=read)
        data: aiohttp.FormData | dict[str, str] | None = None
        if files:
            form = aiohttp.FormData()
            for name, value in (request_data.json_parameters if request_data else {}).items():
                form.add_field(name, value)
            for name, upload in files.items():
                if isinstance(upload, tuple):
                    filename, content, *rest = upload
                    form.add_field(name, content, filename=filename, content_type=rest[0] if rest else None)
                else:
                    form.add_field(name, upload)
            data = form
        elif request_data is not None:
            data = request_data.json_parameters
        try:
            async with self._session.request(method, url, data=data, timeout=timeout) as res:
                return res.status, await res.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {err}") from err
        except asyncio.CancelledError:
            raise
