"""The update-path anchor: a bare python-telegram-bot echo bot, as PTB's own examples write it.

    .venv/bin/python -m benchmarks.echo_bot TOKEN BASE_URL BASE_FILE_URL

An ``Application`` with one ``MessageHandler`` that answers every text with ``reply_text``, polling with
its own ``updater.start_polling`` (through ``run_polling``); all PTB defaults otherwise. Run by
``benchmarks.update_path`` against the same emulator as the real bot. Stops on SIGTERM.
"""

from __future__ import annotations

import logging
import sys

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


def main() -> None:
    token, base_url, base_file_url = sys.argv[1:4]
    logging.basicConfig(level=logging.WARNING)
    app = Application.builder().token(token).base_url(base_url).base_file_url(base_file_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(poll_interval=0.0, timeout=10, drop_pending_updates=True)


if __name__ == "__main__":
    main()
