"""The shared vocabulary: settings, clock, working calendar, text catalogs, messages, enums.

Everything may import ``bot.core``; ``bot.core`` imports nothing of ours above it (see pyproject's
import-linter contracts).
"""
