"""The leaders' side: issue cards, lists and search, every action on an issue (by button, command or reply),
and the notices those actions send. One module per job:

* ``common`` — sizes, icons, display helpers (``fmt_time``, ``short``), issue numbers, ``load_for``;
* ``card`` — the card, its "more" pages, /issue N;
* ``lists`` — /open, /overdue; ``find`` — /find with its filters;
* ``notices`` — notices to members, cards to leaders, alerts on filing;
* ``actions`` — acknowledge, assign, resolve, comment, … (rights re-checked, conditional updates);
* ``replies`` — the "act" conversation and replies to messages about an issue;
* ``extension`` — deadline extensions (gia hạn): asked, approved or refused;
* ``evidence`` — the members' photos, voice, files and locations sent to leaders (the alert's album and
  pin, the card's attachments button), each file by the card's rule;
* ``refresh`` — the card after an action: the tapped message edited into the current card;
* ``commands`` — the commands and the stateless ``a:iss:…`` / ``a:lst:…`` / ``a:ext:…`` buttons.

The names below are the package's public face (the router, checks and the scheduler use them).
"""

from __future__ import annotations

from handlers.leaders.actions import (
    acknowledge,
    assign,
    close_without_action,
    comment,
    confirm_proposal,
    mark_duplicate,
    move,
    progress,
    propose,
    reopen,
    resolve,
    send_back,
)
from handlers.leaders.card import card_for, cmd_issue, show_card, show_more
from handlers.leaders.commands import (
    cmd_assign,
    cmd_comment,
    cmd_dup,
    cmd_reopen,
    cmd_resolve,
    on_action,
)
from handlers.leaders.common import ICONS, fmt_time, load_for, short
from handlers.leaders.extension import cmd_extend
from handlers.leaders.find import cmd_find
from handlers.leaders.lists import cmd_open, cmd_overdue, show_list
from handlers.leaders.notices import alert_on_filing, notify, reporters_of, send_cards
from handlers.leaders.replies import on_reply

# the former private names, until the scheduler uses fmt_time and short (issue 16 rewires its imports)
_fmt = fmt_time
_short = short

__all__ = [
    "ICONS",
    "acknowledge",
    "alert_on_filing",
    "assign",
    "card_for",
    "close_without_action",
    "cmd_assign",
    "cmd_comment",
    "cmd_dup",
    "cmd_extend",
    "cmd_find",
    "cmd_issue",
    "cmd_open",
    "cmd_overdue",
    "cmd_reopen",
    "cmd_resolve",
    "comment",
    "confirm_proposal",
    "fmt_time",
    "load_for",
    "mark_duplicate",
    "move",
    "notify",
    "on_action",
    "on_reply",
    "progress",
    "propose",
    "reopen",
    "reporters_of",
    "resolve",
    "send_back",
    "send_cards",
    "short",
    "show_card",
    "show_list",
    "show_more",
]
