/* dlxh sandbox: several simulated phones talking to the real bot, and the sandbox clock.
 * Plain JavaScript, no build step. Everything the bot says comes from the server; only the page's own
 * labels live here, in texts.json (Vietnamese first, English second). */
"use strict";

/* The page's own labels, both languages, are in texts.json (loaded before the first render). */
const LANGUAGES = ["vi", "en"];

const POLL_MS = 400; // while idle
const FAST_POLL_MS = 100; // for a moment after an action, while the bot answers
const FAST_FOR_MS = 2500;
const state = {
  texts: null, // texts.json: {vi: {...}, en: {...}}
  lang: localStorage.getItem("dlxh-sandbox-lang") || "vi",
  version: "",
  epoch: "", // changes when the bot restarts or starts afresh: every phone is drawn anew
  data: null,
  selected: null, // the phone shown on a narrow screen
  phones: new Map(), // id -> {el, sig, replyTo, lastNotice}
  pollTimer: null,
  polling: false,
  pollAgain: false,
  fastUntil: 0,
  scrollTo: null, // a phone just added: bring it into view
};

function fill(text, fields) {
  for (const [k, v] of Object.entries(fields || {})) text = text.replaceAll(`{${k}}`, String(v));
  return text;
}

function tr(key, fields) {
  const texts = state.texts || {};
  const table = texts[state.lang] || texts.vi || {};
  let text = table[key] !== undefined ? table[key] : (texts.vi || {})[key];
  if (text === undefined) text = key;
  return typeof text === "string" ? fill(text, fields) : text;
}

/* A refused request's message in the page's language (the server's English one if the code is new). */
function errorText(data, fallback) {
  const known = data && data.code ? tr("errors")[data.code] : undefined;
  if (typeof known === "string") return fill(known, data.fields);
  return (data && data.error) || fallback;
}

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k === "rich") setText(node, v);
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : v);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child);
  }
  return node;
}

/* Telegram draws emoji itself, so a phone shows them whatever fonts the computer has. The page does the
 * same for the emoji the bot uses that plain Linux fonts lack: the character stays in the text (for
 * copying and screen readers) and style.css paints a small picture over it. */
const EMOJI = {
  "\u{1F534}": "red-circle",
  "\u{1F7E0}": "orange-circle",
  "\u{1F7E1}": "yellow-circle",
  "\u{1F7E2}": "green-circle",
  "\u{1F4CD}": "pin",
  "\u{1F525}": "fire",
  "\u{23F0}": "alarm",
  "\u{1F4CA}": "chart",
};
const EMOJI_RE = new RegExp(`(${Object.keys(EMOJI).join("|")})\uFE0F?`, "u");

/* Put text into node, drawing the emoji above as pictures. */
function setText(node, text) {
  node.replaceChildren();
  let rest = text;
  for (let match = EMOJI_RE.exec(rest); match; match = EMOJI_RE.exec(rest)) {
    if (match.index) node.append(rest.slice(0, match.index));
    node.append(
      el("span", { class: `emoji emoji-${EMOJI[match[1]]}` }, el("span", { class: "emoji-char", text: match[0] })),
    );
    rest = rest.slice(match.index + match[0].length);
  }
  if (rest) node.append(rest);
  return node;
}

function status(text, isError) {
  const node = document.getElementById("status");
  node.textContent = text;
  node.classList.toggle("error", Boolean(isError));
}

async function api(method, path, body) {
  const init = { method, headers: {} };
  if (body instanceof FormData) {
    init.body = body;
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = errorText(data, response.statusText);
    status(`${tr("error")}: ${message}`, true);
    throw new Error(message);
  }
  return data;
}

/* ------------------------------------------------------------------ polling */

function schedulePoll(delay) {
  clearTimeout(state.pollTimer);
  state.pollTimer = setTimeout(poll, delay);
}

async function poll() {
  if (state.polling) {
    state.pollAgain = true;
    return;
  }
  state.polling = true;
  try {
    const response = await fetch(`/api/state?since=${encodeURIComponent(state.version)}`);
    if (!response.ok) throw new Error(response.statusText);
    const data = await response.json();
    if (!data.unchanged) {
      if (data.epoch !== state.epoch) forgetPhones(data.epoch);
      state.version = data.version;
      state.data = data;
      render();
    }
  } catch (err) {
    // the sandbox was stopped or restarted: keep trying
  } finally {
    state.polling = false;
  }
  if (state.pollAgain) {
    state.pollAgain = false;
    schedulePoll(0);
  } else {
    schedulePoll(Date.now() < state.fastUntil ? FAST_POLL_MS : POLL_MS);
  }
}

/* The bot restarted or started afresh: its chats are new, so every phone is drawn from scratch. */
function forgetPhones(epoch) {
  state.epoch = epoch;
  for (const entry of state.phones.values()) {
    entry.observer.disconnect();
    entry.el.remove();
  }
  state.phones.clear();
}

function refreshSoon() {
  state.fastUntil = Date.now() + FAST_FOR_MS;
  schedulePoll(0);
}

/* ------------------------------------------------------------------ rendering */

function applyLabels(root) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = tr(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-title]")) node.title = tr(node.dataset.i18nTitle);
  for (const node of root.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = tr(node.dataset.i18nPlaceholder);
  }
}

function render() {
  const data = state.data;
  if (!data) return;
  renderClock(data);
  renderForm(data);
  renderPicker(data);
  const main = document.getElementById("phones");
  const seen = new Set();
  for (const phone of data.phones) {
    seen.add(phone.id);
    let entry = state.phones.get(phone.id);
    if (!entry) {
      entry = createPhone(phone);
      state.phones.set(phone.id, entry);
      main.append(entry.el);
    }
    updatePhone(entry, phone);
    if (state.scrollTo === phone.id) {
      state.scrollTo = null;
      entry.el.scrollIntoView({ inline: "nearest", block: "nearest" });
    }
  }
  for (const [id, entry] of state.phones) {
    if (!seen.has(id)) {
      entry.el.remove();
      state.phones.delete(id);
    }
  }
  showSelected();
}

function renderClock(data) {
  document.getElementById("clock-time").textContent = data.clock.local;
  document.getElementById("clock-time").setAttribute("datetime", data.clock.at);
  document.getElementById("clock-zone").textContent = `(${data.clock.timezone})`;
  document.getElementById("clock-quiet").hidden = !data.clock.quiet;
  const box = document.getElementById("jumps");
  const sig = JSON.stringify([data.jumps, state.lang]);
  if (box.dataset.sig === sig) return; // keep the buttons (and a click on one) while nothing changed
  box.dataset.sig = sig;
  box.replaceChildren(el("span", { class: "jumps-label", text: tr("jumpTo") }));
  for (const jump of data.jumps) {
    const [label, title] = jumpLabel(jump);
    box.append(
      el("button", {
        type: "button",
        class: `jump jump-${jump.kind}`,
        "data-jump": jump.key,
        title,
        text: label,
        onclick: () => jumpTo(jump.key),
      }),
    );
  }
}

/* A jump button's label and tooltip, in the page's language. */
function jumpLabel(jump) {
  if (jump.kind === "hour") return [tr("jumpHour"), jump.local];
  if (jump.kind === "day") return [tr("jumpDay"), jump.local];
  if (jump.kind === "morning") return [tr("jumpMorning"), jump.local];
  if (jump.kind === "job") {
    const name = tr("jobs")[jump.job] || jump.job;
    return [`${name} · ${shortTime(jump.local)}`, tr("jumpJobTitle", { job: name, time: jump.local })];
  }
  if (jump.kind === "deadline") {
    const which = tr(jump.which === "ack" ? "deadlineAck" : "deadlineHandle");
    return [
      `${tr("jumpDeadline", { issue: jump.issue })} · ${shortTime(jump.due)}`,
      tr("jumpDeadlineTitle", { which, due: jump.due, time: jump.local }),
    ];
  }
  return [jump.key, jump.local];
}

function shortTime(local) {
  // "02/12/2026 07:00" -> "07:00 02/12"
  const [day, time] = local.split(" ");
  return `${time} ${day.slice(0, 5)}`;
}

function renderForm(data) {
  const form = document.getElementById("add-person");
  const unit = form.elements.unit;
  const role = form.elements.role;
  const unitSig = JSON.stringify(data.units);
  if (unit.dataset.sig !== unitSig) {
    const keep = unit.value;
    unit.replaceChildren(
      ...data.units.map((u) =>
        el("option", { value: u.code, text: `${"\u2003".repeat(u.depth)}${u.name} (${u.code})` }),
      ),
    );
    if (keep) unit.value = keep;
    unit.dataset.sig = unitSig;
  }
  const roleSig = JSON.stringify(data.roles);
  if (role.dataset.sig !== roleSig) {
    role.replaceChildren(...data.roles.map((r) => el("option", { value: r.code, text: r.label })));
    role.dataset.sig = roleSig;
  }
}

function renderPicker(data) {
  const select = document.getElementById("phone-select");
  const sig = JSON.stringify(data.phones.map((p) => [p.id, p.name]));
  if (select.dataset.sig !== sig) {
    select.replaceChildren(
      ...data.phones.map((p) => el("option", { value: String(p.id), text: `${p.name} — ${p.role_label}` })),
    );
    select.dataset.sig = sig;
  }
  if (state.selected === null && data.phones.length) state.selected = data.phones[0].id;
  select.value = String(state.selected);
}

function showSelected() {
  for (const [id, entry] of state.phones) entry.el.classList.toggle("selected", id === state.selected);
}

function createPhone(phone) {
  const node = document.getElementById("phone-template").content.firstElementChild.cloneNode(true);
  node.dataset.phone = String(phone.id);
  applyLabels(node);
  const entry = {
    id: phone.id,
    el: node,
    sig: "",
    replyTo: null,
    lastNotice: null,
    phone,
    chat: node.querySelector(".chat"),
    body: node.querySelector(".chat-body"),
    pill: node.querySelector(".new-messages"),
    stick: true, // follow the newest message; false once the person scrolls up to read
    observer: null,
  };
  followNewest(entry);
  const form = node.querySelector(".composer");
  if (phone.group) {
    // the leaders' group: the composer says who speaks; no photos, locations or command menu here
    node.classList.add("group-phone");
    entry.speaker = el("select", { class: "speaker", "aria-label": tr("speakingAs") });
    form.prepend(entry.speaker);
  }
  const textarea = form.querySelector("textarea");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendText(entry, textarea.value);
  });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendText(entry, textarea.value);
    }
  });
  node.querySelector(".cancel-reply").addEventListener("click", () => setReply(entry, null));
  const file = node.querySelector(".file");
  node.querySelector(".attach").addEventListener("click", () => file.click());
  file.addEventListener("change", () => {
    if (file.files.length) sendPhoto(entry, file.files[0]);
    file.value = "";
  });
  node.querySelector(".share-location").addEventListener("click", () =>
    act(entry, "location", {}),
  );
  node.querySelector(".commands-toggle").addEventListener("click", () => {
    const box = node.querySelector(".commands");
    box.hidden = !box.hidden;
  });
  return entry;
}

/* Like a phone: a chat stays with its newest message, also when pictures load, the keyboard changes or
 * the window is resized, unless the person scrolled up to read; then new messages show a pill. */
function followNewest(entry) {
  let lastTop = 0;
  let byPerson = false;
  const person = (event) => {
    if (event.type !== "pointerdown" || event.target === entry.chat) byPerson = true; // the scrollbar
  };
  for (const kind of ["wheel", "touchmove", "keydown", "pointerdown"]) {
    entry.chat.addEventListener(kind, person, { passive: true });
  }
  entry.chat.addEventListener("scroll", () => {
    // only a move up that the person made is reading back: the layout settling (a picture loading, text
    // rewrapping, the chat's height changing for a moment as the page redraws) moves the chat too
    const chat = entry.chat;
    const top = chat.scrollTop;
    const gap = chat.scrollHeight - top - chat.clientHeight;
    if (byPerson && top < lastTop - 1 && gap > 1) entry.stick = false;
    else if (gap < 40) entry.stick = true;
    lastTop = top;
    byPerson = false;
    if (entry.stick) {
      entry.pill.hidden = true;
      chat.scrollTop = chat.scrollHeight;
    }
  });
  entry.pill.addEventListener("click", () => toNewest(entry));
  entry.observer = new ResizeObserver(() => {
    if (entry.stick) entry.chat.scrollTop = entry.chat.scrollHeight;
  });
  entry.observer.observe(entry.chat);
  entry.observer.observe(entry.body);
}

function nearBottom(chat) {
  return chat.scrollHeight - chat.scrollTop - chat.clientHeight < 40;
}

function toNewest(entry) {
  entry.stick = true;
  entry.pill.hidden = true;
  entry.chat.scrollTop = entry.chat.scrollHeight;
}

function updateSpeakers(entry, phone) {
  if (!entry.speaker) return;
  const chosen = entry.speaker.value;
  const options = (phone.speakers || []).map((p) => el("option", { value: String(p.id), text: p.name }));
  entry.speaker.replaceChildren(...options);
  if ((phone.speakers || []).some((p) => String(p.id) === chosen)) entry.speaker.value = chosen;
}

function updatePhone(entry, phone) {
  entry.phone = phone;
  updateSpeakers(entry, phone);
  const node = entry.el;
  node.querySelector(".avatar").textContent = (phone.name.trim().split(/\s+/).pop() || "?").charAt(0);
  node.querySelector(".phone-name").textContent = phone.name;
  const sub = phone.group
    ? tr(phone.active ? "groupLinked" : "groupNotLinked")
    : [phone.role_label, phone.unit].filter(Boolean).join(" · ");
  node.querySelector(".phone-sub").textContent = phone.active || phone.group ? sub : `${sub} (${tr("inactive")})`;
  const sig = JSON.stringify([phone.messages, phone.keyboard, phone.commands, state.lang]);
  if (sig !== entry.sig) {
    entry.sig = sig;
    const chat = entry.chat;
    const scrollTop = chat.scrollTop;
    const before = entry.count === undefined ? phone.messages.length : entry.count;
    renderMessages(entry, phone);
    renderKeyboard(entry, phone);
    renderCommands(entry, phone);
    entry.count = phone.messages.length;
    const last = phone.messages[phone.messages.length - 1];
    const grew = entry.count > before;
    if (grew && last && last.from === "me") toNewest(entry); // what the person sends themselves
    else if (entry.stick) chat.scrollTop = chat.scrollHeight;
    else {
      chat.scrollTop = scrollTop; // reading further up: stay there
      if (grew) entry.pill.hidden = false;
    }
    if (entry.replyTo !== null && !phone.messages.some((m) => m.id === entry.replyTo)) setReply(entry, null);
  }
  showNotice(entry, phone.notices);
}

function describe(message) {
  if (message.text) return message.text;
  if (message.photo || message.kind === "photo") return tr("photo");
  if (message.location || message.kind === "location") return tr("location");
  return tr("file");
}

function firstLine(text) {
  return text.split("\n").find((line) => line.trim()) || text;
}

function renderMessages(entry, phone) {
  const nodes = [];
  let lastDate = null;
  for (const m of phone.messages) {
    if (m.date !== lastDate) {
      nodes.push(el("div", { class: "day", text: m.date }));
      lastDate = m.date;
    }
    const bubble = el("div", { class: "bubble", title: tr("clickToReply") });
    if (m.topic) bubble.append(el("div", { class: "topic", text: `# ${m.topic}` }));
    if (m.who) bubble.append(el("div", { class: "sender", text: m.who }));
    if (m.reply_to) {
      bubble.append(
        el(
          "div",
          { class: "quote" },
          el("span", { class: "quote-who", text: m.reply_to.from === "bot" ? tr("bot") : tr("me") }),
          el("span", { class: "quote-text", rich: firstLine(describe(m.reply_to)) }),
        ),
      );
    }
    if (m.photo) {
      bubble.append(el("img", { class: "photo", src: `/api/files/${encodeURIComponent(m.photo)}`, alt: tr("photo") }));
    }
    if (m.location) {
      const { latitude, longitude } = m.location;
      bubble.append(
        el(
          "div",
          { class: "location" },
          el("span", { class: "pin", "aria-hidden": "true" }),
          el("span", { text: `${tr("location")}: ${latitude.toFixed(5)}, ${longitude.toFixed(5)}` }),
        ),
      );
    }
    if (m.file) {
      bubble.append(
        el("a", {
          class: "file-link",
          href: `/api/files/${encodeURIComponent(m.file.id)}`,
          target: "_blank",
          rel: "noopener",
          text: `${tr("file")}: ${m.file.name || m.file.kind}`,
        }),
      );
    }
    if (m.text) bubble.append(el("div", { class: "text", rich: m.text }));
    bubble.append(el("div", { class: "meta", text: m.edited ? `${tr("edited")} ${m.time}` : m.time }));
    bubble.addEventListener("click", (event) => {
      if (event.target.closest("a")) return;
      setReply(entry, m.id);
    });
    const row = el("div", { class: `msg ${m.from}`, "data-id": String(m.id) }, bubble);
    if (m.buttons.length) {
      const box = el("div", { class: "inline-buttons" });
      m.buttons.forEach((buttons, r) => {
        const line = el("div", { class: "inline-row" });
        buttons.forEach((label, c) => {
          line.append(
            el("button", {
              type: "button",
              class: "inline",
              rich: label,
              onclick: () => act(entry, "tap", { message_id: m.id, row: r, col: c }),
            }),
          );
        });
        box.append(line);
      });
      row.append(box);
    }
    if (entry.replyTo === m.id) row.classList.add("replying-to");
    nodes.push(row);
  }
  entry.body.replaceChildren(...nodes);
}

function renderKeyboard(entry, phone) {
  const box = entry.el.querySelector(".keyboard");
  box.replaceChildren(
    ...phone.keyboard.map((row) =>
      el(
        "div",
        { class: "key-row" },
        ...row.map((key) =>
          el("button", {
            type: "button",
            class: key.location ? "key key-location" : "key",
            rich: key.text,
            onclick: () => act(entry, "press", { text: key.text }),
          }),
        ),
      ),
    ),
  );
}

function renderCommands(entry, phone) {
  const box = entry.el.querySelector(".commands");
  if (!phone.commands.length) {
    box.replaceChildren(el("div", { class: "command-empty", text: tr("noCommands") }));
    return;
  }
  box.replaceChildren(
    ...phone.commands.map(([command, description]) =>
      el(
        "button",
        {
          type: "button",
          class: "command",
          onclick: () => {
            box.hidden = true;
            act(entry, "text", { text: `/${command}` });
          },
        },
        el("span", { class: "command-name", text: `/${command}` }),
        el("span", { class: "command-desc", rich: description }),
      ),
    ),
  );
}

function showNotice(entry, notices) {
  const last = notices.length ? notices[notices.length - 1] : null;
  const lastId = last ? last.id : 0;
  if (entry.lastNotice === null) {
    entry.lastNotice = lastId; // what was there before the page opened is old news
    return;
  }
  if (!last || lastId <= entry.lastNotice) return;
  entry.lastNotice = lastId;
  const box = entry.el.querySelector(".notice");
  setText(box, last.text);
  box.classList.toggle("alert", last.alert);
  box.hidden = false;
  clearTimeout(entry.noticeTimer);
  entry.noticeTimer = setTimeout(() => (box.hidden = true), last.alert ? 8000 : 3500);
  box.onclick = () => (box.hidden = true);
}

function setReply(entry, messageId) {
  entry.replyTo = messageId;
  const bar = entry.el.querySelector(".replying");
  for (const row of entry.chat.querySelectorAll(".msg.replying-to")) row.classList.remove("replying-to");
  if (messageId === null) {
    bar.hidden = true;
    return;
  }
  const message = entry.phone.messages.find((m) => m.id === messageId);
  setText(bar.querySelector(".replying-excerpt"), message ? firstLine(describe(message)) : `#${messageId}`);
  bar.hidden = false;
  const row = entry.chat.querySelector(`.msg[data-id="${messageId}"]`);
  if (row) row.classList.add("replying-to");
  entry.el.querySelector(".composer textarea").focus();
}

/* ------------------------------------------------------------------ actions */

async function act(entry, action, body) {
  if (entry.speaker) body.as = Number(entry.speaker.value);
  try {
    await api("POST", `/api/phones/${entry.id}/${action}`, body);
    status("");
  } catch (err) {
    // shown in the status line
  }
  refreshSoon();
}

async function sendText(entry, raw) {
  const text = raw.trim();
  if (!text) return;
  const textarea = entry.el.querySelector(".composer textarea");
  textarea.value = "";
  const body = { text };
  if (entry.replyTo !== null) body.reply_to = entry.replyTo;
  setReply(entry, null);
  await act(entry, "text", body);
}

async function sendPhoto(entry, file) {
  const form = new FormData();
  form.append("file", file, file.name || "photo.jpg");
  const textarea = entry.el.querySelector(".composer textarea");
  if (textarea.value.trim()) form.append("caption", textarea.value.trim());
  textarea.value = "";
  if (entry.replyTo !== null) form.append("reply_to", String(entry.replyTo));
  setReply(entry, null);
  await act(entry, "photo", form);
}

async function jumpTo(key) {
  for (const button of document.querySelectorAll("#jumps button")) button.disabled = true;
  try {
    const result = await api("POST", "/api/clock", { jump: key });
    status(tr("jumped", { time: result.local, count: Object.keys(result.jobs).length }));
  } catch (err) {
    // shown in the status line
  } finally {
    for (const button of document.querySelectorAll("#jumps button")) button.disabled = false;
  }
  refreshSoon();
}

async function addPerson(event) {
  event.preventDefault();
  const form = event.target;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const body = { name: form.elements.name.value, unit: form.elements.unit.value, role: form.elements.role.value };
    const result = await api("POST", "/api/people", body);
    status(tr("joined", { name: body.name.trim() }));
    form.elements.name.value = "";
    state.selected = result.id;
    state.scrollTo = result.id;
  } catch (err) {
    // shown in the status line
  } finally {
    button.disabled = false;
  }
  refreshSoon();
}

async function startAfresh() {
  if (!window.confirm(tr("confirmAfresh"))) return;
  const button = document.getElementById("fresh");
  button.disabled = true;
  status(tr("startingAfresh"));
  try {
    const result = await api("POST", "/api/fresh", {});
    status(tr("startedAfresh", { time: result.local }));
  } catch (err) {
    // shown in the status line
  } finally {
    button.disabled = false;
  }
  refreshSoon();
}

/* ------------------------------------------------------------------ start */

async function loadTexts() {
  for (;;) {
    try {
      const response = await fetch("/static/texts.json");
      if (response.ok) return await response.json();
    } catch (err) {
      // the sandbox is (re)starting: try again
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function setLanguage(lang) {
  state.lang = LANGUAGES.includes(lang) ? lang : "vi";
  localStorage.setItem("dlxh-sandbox-lang", state.lang);
  document.documentElement.lang = state.lang;
  document.getElementById("lang").value = state.lang;
  applyLabels(document);
  for (const entry of state.phones.values()) {
    applyLabels(entry.el);
    entry.sig = "";
  }
  render();
}

document.addEventListener("DOMContentLoaded", async () => {
  state.texts = await loadTexts();
  document.getElementById("lang").addEventListener("change", (e) => setLanguage(e.target.value));
  document.getElementById("phone-select").addEventListener("change", (e) => {
    state.selected = Number(e.target.value);
    showSelected();
  });
  const toggle = document.getElementById("add-person-toggle");
  const form = document.getElementById("add-person");
  toggle.addEventListener("click", () => {
    form.hidden = !form.hidden;
    toggle.setAttribute("aria-expanded", String(!form.hidden));
    if (!form.hidden) form.elements.name.focus();
  });
  form.addEventListener("submit", addPerson);
  document.getElementById("fresh").addEventListener("click", startAfresh);
  setLanguage(state.lang);
  poll();
});
