"""A local Telegram Bot API emulator for tests and the sandbox (see :mod:`bot.emulator.telegram`)."""

from bot.emulator.chats import DEFAULT_LOCATION, BotMessage, SimGroup, SimUser
from bot.emulator.telegram import SENDING_METHODS, Faults, TelegramEmulator, commands_key

__all__ = [
    "DEFAULT_LOCATION",
    "SENDING_METHODS",
    "BotMessage",
    "Faults",
    "SimGroup",
    "SimUser",
    "TelegramEmulator",
    "commands_key",
]
