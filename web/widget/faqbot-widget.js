/*
 * faqbot web chat widget. One tag adds a chat launcher to any page, no build step:
 *
 *   <script src="https://bot.example/widget/faqbot-widget.js" data-server="https://bot.example:5005"
 *           data-shop-name="Kaira Outdoor" defer></script>
 *
 * or set window.faqbotConfig = {serverUrl, language, shopName, colors: {primary, onPrimary, agent},
 * storageKey, fullPage} before it. With fullPage (data-full-page) the chat is the page itself: open
 * from the start, filling the window, no launcher and no close button (the local chat page,
 * web/index.html). It talks to Rasa's socket.io channel (channels/socketio.py) with session
 * persistence: the conversation survives reloads and new tabs (localStorage), and missed messages
 * are fetched after a reconnect. Everything from the server is inserted as text (links and **bold**
 * are built as elements), never as HTML. Its own texts (fi/sv/en) are in faqbot-widget-texts.js,
 * its styles in faqbot-widget.css; both and the socket.io client load from the widget's own base
 * URL.
 */
(() => {
  "use strict";
  if (window.faqbotWidget) return; // embedded twice
  const script = document.currentScript;
  const BASE = new URL(".", script && script.src ? script.src : location.href);
  const given = window.faqbotConfig || {};
  const data = (script && script.dataset) || {};
  const config = {
    serverUrl: given.serverUrl || data.server || "",
    language: given.language || data.language || "",
    shopName: given.shopName || data.shopName || "",
    colors: { ...(given.colors || {}), ...(data.primaryColor ? { primary: data.primaryColor } : {}) },
    storageKey: given.storageKey || data.storageKey || "faqbot-widget",
    // the chat is the whole page: always open, no launcher; data-full-page (any value but "false")
    fullPage: given.fullPage === true || (data.fullPage !== undefined && data.fullPage !== "false"),
  };
  const LANGS = ["fi", "sv", "en"];
  const LOCALES = { fi: "fi-FI", sv: "sv-FI", en: "en-GB" };
  const WAITING = new Set(["queued", "overflow", "active"]); // the bot is paused meanwhile
  const TYPING_TIMEOUT_MS = 20000;
  const MAX_KEPT = 300; // transcript entries kept per conversation
  const KEY = config.storageKey;
  const api = { open: () => {}, close: () => {}, setLanguage: () => {} };
  window.faqbotWidget = api;

  // storage (localStorage may be unavailable: private mode, blocked cookies) -------------------------
  const store = {
    get(area, key) { try { return window[area].getItem(key); } catch { return null; } },
    set(area, key, value) { try { window[area].setItem(key, value); } catch { /* full or blocked */ } },
    remove(area, key) { try { window[area].removeItem(key); } catch { /* blocked */ } },
  };
  const chatKey = (id) => `${KEY}:chat:${id}`;
  function newSessionId() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  // a conversation: {entries, handoff, agent, lastBotTs, notice}; entries are
  // {kind: "user"|"bot"|"agent", text, at (ms), ts (server seconds), agent, pending, payload}
  // or {kind: "choices", buttons: [{title, payload}], ts} or {kind: "link", url, title, ts} (a link
  // button, e.g. an agent's video call: custom payload {link: {url, title}})
  function loadChat(id) {
    let chat = null;
    try { chat = JSON.parse(store.get("localStorage", chatKey(id))); } catch { chat = null; }
    if (!chat || !Array.isArray(chat.entries)) chat = { entries: [] };
    return { entries: chat.entries, handoff: chat.handoff || "none", agent: chat.agent || "",
      lastBotTs: Number(chat.lastBotTs) || 0, notice: chat.notice || "" };
  }

  // helpers ------------------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (name === "className") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }
  function svg(path, label) {
    const ns = "http://www.w3.org/2000/svg";
    const icon = document.createElementNS(ns, "svg");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    icon.setAttribute("focusable", "false");
    if (label) icon.setAttribute("class", label);
    const shape = document.createElementNS(ns, "path");
    shape.setAttribute("d", path);
    icon.appendChild(shape);
    return icon;
  }
  const ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0-.01zm5 0a1.5 1.5 0 1 0 0-.01zm5 0a1.5 1.5 0 1 0 0-.01z",
    close: "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z",
    send: "M3 20.5 21.5 12 3 3.5v6.6l12 1.9-12 1.9z",
    bot: "M12 3a1.5 1.5 0 0 1 1 2.6V7h4a3 3 0 0 1 3 3v7a3 3 0 0 1-3 3H7a3 3 0 0 1-3-3v-7a3 3 0 0 1 3-3h4V5.6A1.5 1.5 0 0 1 12 3zM9 11.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm6 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3z",
  };
  const fill = (text, values) => String(text).replace(/\{(\w+)\}/g, (m, k) => (k in values ? values[k] : m));
  const safeColor = (value) => typeof value === "string" && /^[#a-zA-Z0-9(),.%\s-]{1,40}$/.test(value);

  // links (http/https and email addresses) and **bold**; all else stays text
  const TOKENS = /(https?:\/\/[^\s<>"']+)|\*\*([^*\n]+?)\*\*|([\w.+-]+@[\w-]+(?:\.[\w-]+)+)/g;
  function richText(parent, text) {
    let last = 0;
    for (const m of text.matchAll(TOKENS)) {
      if (m.index > last) parent.append(text.slice(last, m.index));
      if (m[1]) {
        const trailing = (m[1].match(/[.,;:!?)\]]+$/) || [""])[0];
        const url = m[1].slice(0, m[1].length - trailing.length);
        const link = el("a", { href: url, target: "_blank", rel: "noopener noreferrer nofollow" });
        link.textContent = url;
        parent.append(link, trailing);
      } else if (m[2]) {
        const strong = el("strong");
        strong.textContent = m[2];
        parent.append(strong);
      } else {
        const mail = el("a", { href: "mailto:" + m[3] });
        mail.textContent = m[3];
        parent.append(mail);
      }
      last = m.index + m[0].length;
    }
    parent.append(text.slice(last));
  }

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const tag = document.createElement("script");
      tag.src = src;
      tag.async = true;
      tag.onload = resolve;
      tag.onerror = () => reject(new Error("faqbot widget: could not load " + src));
      document.head.appendChild(tag);
    });
  }
  async function serverUrl() {
    if (config.serverUrl) return config.serverUrl;
    // the demo server (scripts/stack.py) says where Rasa runs
    const response = await fetch(new URL("../config.json", BASE));
    if (!response.ok) throw new Error("faqbot widget: no data-server and no config.json");
    return (await response.json()).rasaUrl;
  }
  function pickLanguage() {
    const chosen = store.get("localStorage", `${KEY}:lang`);
    if (LANGS.includes(chosen)) return chosen;
    const candidates = [document.documentElement.lang, ...(navigator.languages || [navigator.language])];
    for (const tag of candidates) {
      const code = String(tag || "").slice(0, 2).toLowerCase();
      if (LANGS.includes(code)) return code;
    }
    return LANGS.includes(config.language) ? config.language : "fi";
  }

  // the widget ---------------------------------------------------------------------------------
  async function start() {
    const host = el("div", { id: "faqbot-widget" });
    const root = host.attachShadow({ mode: "open" });
    const sheet = el("link", { rel: "stylesheet", href: new URL("faqbot-widget.css", BASE).href });
    host.style.display = "none"; // until the styles are in
    sheet.addEventListener("load", () => { host.style.display = ""; });
    root.appendChild(sheet);
    for (const [name, value] of Object.entries(config.colors)) {
      if (safeColor(value)) host.style.setProperty(`--fqb-${name.replace(/[A-Z]/g, (c) => "-" + c.toLowerCase())}`, value);
    }
    document.body.appendChild(host);

    const [texts, rasaUrl] = await Promise.all([
      window.faqbotWidgetTexts ? window.faqbotWidgetTexts
        : loadScript(new URL("faqbot-widget-texts.js", BASE)).then(() => window.faqbotWidgetTexts),
      serverUrl().catch((error) => { console.error(error); return ""; }),
      window.io ? null : loadScript(new URL("../vendor/socket.io.min.js", BASE)),
    ]);

    let lang = pickLanguage();
    let t = texts[lang];
    let sessionId = store.get("localStorage", `${KEY}:session`) || "";
    let chat = sessionId ? loadChat(sessionId) : loadChat("");
    let socket = null;
    let ready = false; // connected and the session confirmed
    let connection = "connecting";
    let unread = 0;
    let typingTimer = 0;
    const shopName = () => config.shopName || t.defaultShopName;

    // layout
    const badge = el("span", { className: "fqb-badge", hidden: true });
    const launcherText = el("span", { className: "fqb-launcher-text" });
    const launcher = el("button", { type: "button", className: "fqb-launcher", "aria-expanded": "false",
      "aria-controls": "fqb-panel" }, svg(ICONS.chat, "fqb-icon-open"), svg(ICONS.close, "fqb-icon-close"), launcherText, badge);
    const avatar = el("div", { className: "fqb-avatar fqb-avatar-bot", "aria-hidden": "true" }, svg(ICONS.bot));
    const title = el("h2", { id: "fqb-title", className: "fqb-title" });
    const status = el("p", { className: "fqb-status", role: "status", "data-state": "connecting" });
    const langGroup = el("div", { className: "fqb-langs", role: "group" });
    const langButtons = LANGS.map((code) => {
      const button = el("button", { type: "button", lang: code, "data-lang": code, "aria-label": code.toUpperCase() + " – " + texts[code].languageName }, code.toUpperCase());
      button.addEventListener("click", () => chooseLanguage(code));
      langGroup.appendChild(button);
      return button;
    });
    const closeButton = el("button", { type: "button", className: "fqb-close" }, svg(ICONS.close));
    const header = el("header", { className: "fqb-header" }, avatar,
      el("div", { className: "fqb-heading" }, title, status), langGroup, closeButton);
    const bannerText = el("p", { className: "fqb-banner-text" });
    const bannerClose = el("button", { type: "button", className: "fqb-banner-close" }, svg(ICONS.close));
    const banner = el("div", { className: "fqb-banner", role: "status", hidden: true }, el("span", { className: "fqb-banner-dot", "aria-hidden": "true" }), bannerText, bannerClose);
    const log = el("div", { className: "fqb-log", role: "log", "aria-live": "polite", tabindex: "0" });
    const typing = el("div", { className: "fqb-row fqb-from-bot fqb-typing", hidden: true },
      el("div", { className: "fqb-bubble" }, el("span", { className: "fqb-dots", "aria-hidden": "true" }, el("i"), el("i"), el("i")),
        el("span", { className: "fqb-sr" })));
    const input = el("textarea", { id: "fqb-input", className: "fqb-input", rows: "1", maxlength: "2000", autocomplete: "off" });
    const inputLabel = el("label", { for: "fqb-input", className: "fqb-sr" });
    const sendButton = el("button", { type: "submit", className: "fqb-send" }, svg(ICONS.send));
    const form = el("form", { className: "fqb-form" }, inputLabel, input, sendButton);
    const footer = el("p", { className: "fqb-footer" });
    const panel = el("section", { id: "fqb-panel", className: "fqb-panel", hidden: true,
      role: config.fullPage ? "main" : "dialog", "aria-modal": config.fullPage ? null : "false" },
      header, banner, log, form, footer);
    const frame = el("div", { className: "fqb", "data-open": "false",
      "data-layout": config.fullPage ? "page" : null }, panel, launcher);
    if (config.fullPage) { launcher.hidden = true; closeButton.hidden = true; } // nothing to close
    root.appendChild(frame);

    // texts ----------------------------------------------------------------------------------
    function applyTexts() {
      t = texts[lang];
      frame.setAttribute("lang", lang);
      if (config.fullPage) document.documentElement.lang = lang; // the chat is the page
      title.textContent = shopName();
      panel.setAttribute("aria-label", fill(t.dialogLabel, { shop: shopName() }));
      launcherText.textContent = t.launcherText;
      launcher.setAttribute("aria-label", isOpen() ? t.closeChat : t.openChat);
      closeButton.setAttribute("aria-label", t.closeChat);
      closeButton.title = t.closeChat;
      langGroup.setAttribute("aria-label", t.languageGroup);
      for (const button of langButtons) button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
      log.setAttribute("aria-label", t.logLabel);
      typing.querySelector(".fqb-sr").textContent = t.typing;
      inputLabel.textContent = t.inputLabel;
      input.placeholder = t.placeholder;
      sendButton.setAttribute("aria-label", t.send);
      sendButton.title = t.send;
      footer.textContent = t.footer;
      bannerClose.setAttribute("aria-label", t.dismiss);
      showConnection(connection);
      showBanner();
      showBadge();
      render();
    }
    function showConnection(state) {
      connection = state;
      status.dataset.state = state;
      status.textContent = t[state];
    }

    // rendering ------------------------------------------------------------------------------
    const timeFormat = () => new Intl.DateTimeFormat(LOCALES[lang], { hour: "2-digit", minute: "2-digit" });
    const dayFormat = () => new Intl.DateTimeFormat(LOCALES[lang], { day: "numeric", month: "numeric" });
    function stamp(at) {
      const when = new Date(at);
      const today = new Date().toDateString() === when.toDateString();
      const shown = (today ? "" : dayFormat().format(when) + " ") + timeFormat().format(when);
      return el("time", { className: "fqb-time", datetime: when.toISOString() }, shown);
    }
    function initial(name) { return (String(name).trim()[0] || "?").toUpperCase(); }
    function message(entry, previous) {
      const kind = entry.kind;
      const continued = previous && previous.kind === kind && (kind !== "agent" || previous.agent === entry.agent);
      const row = el("div", { className: `fqb-row fqb-from-${kind}` + (continued ? " fqb-continued" : "") + (entry.pending ? " fqb-pending" : "") });
      if (kind !== "user") {
        const face = kind === "agent"
          ? el("div", { className: "fqb-avatar fqb-avatar-agent", "aria-hidden": "true" }, initial(entry.agent))
          : el("div", { className: "fqb-avatar fqb-avatar-bot", "aria-hidden": "true" }, svg(ICONS.bot));
        row.appendChild(face);
      }
      const body = el("div", { className: "fqb-body" });
      if (kind === "agent" && !continued) {
        body.appendChild(el("div", { className: "fqb-name", "aria-hidden": "true" }, `${entry.agent} · ${t.agentRole}`));
      }
      const who = kind === "user" ? t.srYou : kind === "agent" ? fill(t.srAgent, { agent: entry.agent }) : t.srBot;
      const bubble = el("div", { className: "fqb-bubble" }, el("span", { className: "fqb-sr" }, who + ": "));
      richText(bubble, entry.text);
      body.appendChild(bubble);
      const meta = el("div", { className: "fqb-meta" }, stamp(entry.at));
      if (entry.pending) meta.append(" · ", t.pending);
      body.appendChild(meta);
      row.appendChild(body);
      return row;
    }
    function choices(buttons, label, className) {
      const box = el("div", { className: "fqb-choices " + (className || ""), role: "group", "aria-label": label });
      for (const choice of buttons) {
        const rating = /^\/rate\b/.test(choice.payload);
        const button = el("button", { type: "button", className: "fqb-choice" + (rating ? " fqb-rating" : "") }, choice.title);
        button.addEventListener("click", () => { send(choice.payload, choice.title); input.focus(); });
        box.appendChild(button);
      }
      return box;
    }
    function welcome() {
      const row = message({ kind: "bot", text: t.welcome, at: Date.now() }, null);
      row.querySelector(".fqb-meta").remove();
      row.classList.add("fqb-welcome");
      const ideas = choices(t.suggestions.map((s) => ({ title: s, payload: s })), t.suggestionsLabel, "fqb-suggestions fqb-welcome");
      return [row, ideas];
    }
    function linkButton(entry) {
      const box = el("div", { className: "fqb-linkbox" });
      const link = el("a", { className: "fqb-link-button", href: entry.url, target: "_blank", rel: "noopener noreferrer" }, entry.title);
      box.appendChild(link);
      return box;
    }
    function nodesFor(entry, index, entries) {
      if (entry.kind === "link") return [linkButton(entry)];
      if (entry.kind !== "choices") return [message(entry, entries[index - 1])];
      // quick replies answer the latest message only
      return index === entries.length - 1 ? [choices(entry.buttons, t.choicesLabel)] : [];
    }
    function render() {
      log.setAttribute("aria-live", "off"); // a redraw is not news
      log.textContent = "";
      const entries = chat.entries;
      if (!entries.length) log.append(...welcome());
      entries.forEach((entry, i) => log.append(...nodesFor(entry, i, entries)));
      log.appendChild(typing);
      scrollDown();
      setTimeout(() => log.setAttribute("aria-live", "polite"), 0);
    }
    function append(entry) {
      // new entries are appended (announced by the live region); old quick replies go
      for (const node of log.querySelectorAll(".fqb-choices, .fqb-welcome")) node.remove();
      if (typing.parentNode !== log) log.appendChild(typing);
      const entries = chat.entries;
      for (const node of nodesFor(entry, entries.length - 1, entries)) log.insertBefore(node, typing);
      scrollDown();
    }
    function scrollDown() { log.scrollTop = log.scrollHeight; }
    // the newest message stays in view when the panel changes size (phone keyboard, rotation)
    let atBottom = true;
    log.addEventListener("scroll", () => { atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40; });
    if (window.ResizeObserver) new ResizeObserver(() => { if (atBottom) scrollDown(); }).observe(log);

    function showTyping() {
      if (WAITING.has(chat.handoff)) return; // a person answers, or nobody yet
      typing.hidden = false;
      log.appendChild(typing);
      scrollDown();
      clearTimeout(typingTimer);
      typingTimer = setTimeout(hideTyping, TYPING_TIMEOUT_MS);
    }
    function hideTyping() { clearTimeout(typingTimer); typing.hidden = true; }

    function showBanner() {
      const state = chat.notice || chat.handoff;
      const text = state === "active" && !chat.agent ? t.handoff.activeNoName : t.handoff[state];
      banner.hidden = !text;
      banner.dataset.state = state;
      bannerText.textContent = text ? fill(text, { agent: chat.agent }) : "";
      bannerClose.hidden = !["back", "message_left"].includes(state);
      if (state === "active" && chat.agent) {
        avatar.className = "fqb-avatar fqb-avatar-agent";
        avatar.textContent = initial(chat.agent);
      } else {
        avatar.className = "fqb-avatar fqb-avatar-bot";
        avatar.replaceChildren(svg(ICONS.bot));
      }
    }
    function showBadge() {
      badge.hidden = !unread;
      badge.textContent = unread > 9 ? "9+" : String(unread);
      badge.setAttribute("aria-label", fill(t.unread, { n: unread }));
    }

    // state ----------------------------------------------------------------------------------
    function save() {
      if (!sessionId) return;
      chat.entries = chat.entries.slice(-MAX_KEPT);
      store.set("localStorage", chatKey(sessionId), JSON.stringify(chat));
    }
    function ensureSession() {
      if (!sessionId) {
        sessionId = newSessionId();
        store.set("localStorage", `${KEY}:session`, sessionId);
      }
    }
    // handoff states: none, queued, overflow, active, offline (leave a message), message_left
    function setHandoff(state, agent) {
      if (!state) return;
      const before = chat.handoff;
      chat.handoff = state;
      if (state === "none") {
        if (WAITING.has(before)) chat.notice = "back";
        chat.agent = "";
      } else {
        chat.notice = "";
        chat.agent = agent ? String(agent) : state === "active" ? chat.agent : "";
      }
      if (WAITING.has(state)) hideTyping();
      showBanner();
    }
    function setLanguage(code, remember) {
      if (!LANGS.includes(code) || code === lang) return;
      lang = code;
      if (remember) store.set("localStorage", `${KEY}:lang`, code);
      applyTexts();
    }
    function chooseLanguage(code) {
      if (code === lang) return;
      setLanguage(code, true);
      // the bot follows too; a conversation not started yet just starts in this language
      if (chat.entries.some((e) => e.kind === "user")) send(texts[code].switchMessage);
    }

    function received(m) {
      if (!m || typeof m !== "object") return;
      const meta = m.metadata && typeof m.metadata === "object" ? m.metadata : {};
      const ts = typeof m.timestamp === "number" ? m.timestamp : 0;
      if (sessionId) chat = loadChat(sessionId); // another tab may have stored it already
      const known = ts && chat.entries.some((e) => e.ts === ts);
      const fromAgent = meta.from === "agent" && meta.agent ? String(meta.agent) : "";
      if (!known) {
        hideTyping();
        chat.lastBotTs = Math.max(chat.lastBotTs, ts);
        const at = ts ? ts * 1000 : Date.now();
        const added = [];
        if (m.text) added.push({ kind: fromAgent ? "agent" : "bot", text: String(m.text), at, ts, agent: fromAgent || undefined });
        const raw = Array.isArray(m.quick_replies) ? m.quick_replies : Array.isArray(m.buttons) ? m.buttons : [];
        const buttons = raw.filter((b) => b && b.title && b.payload).map((b) => ({ title: String(b.title), payload: String(b.payload) }));
        if (buttons.length) added.push({ kind: "choices", buttons, ts });
        const link = m.custom && typeof m.custom === "object" ? m.custom.link : null;
        if (link && /^https:\/\//.test(String(link.url)) && link.title) added.push({ kind: "link", url: String(link.url), title: String(link.title), ts });
        if (fromAgent) setHandoff("active", fromAgent);
        else if (meta.handoff) setHandoff(String(meta.handoff), meta.agent);
        for (const entry of added) { chat.entries.push(entry); save(); append(entry); }
        if (added.length && !isOpen()) { unread += 1; showBadge(); }
      } else {
        showBanner();
        render();
      }
      if (LANGS.includes(meta.language) && meta.language !== lang) setLanguage(meta.language, true);
    }

    function emit(text) {
      socket.emit("user_uttered", { message: text, session_id: sessionId, metadata: { language: lang } });
    }
    function send(text, shown) {
      ensureSession();
      chat = loadChat(sessionId);
      chat.entries = chat.entries.filter((e) => e.kind !== "choices");
      if (chat.notice) { chat.notice = ""; showBanner(); }
      const entry = { kind: "user", text: shown || text, at: Date.now(), payload: text, pending: !ready };
      chat.entries.push(entry);
      save();
      append(entry);
      if (ready) { emit(text); showTyping(); } else connect();
    }
    function flush() {
      const waiting = chat.entries.filter((e) => e.kind === "user" && e.pending);
      if (!waiting.length) return;
      for (const entry of waiting) { emit(entry.payload || entry.text); entry.pending = false; }
      save();
      render();
      showTyping();
    }

    // socket.io ------------------------------------------------------------------------------
    function connect() {
      if (socket || !rasaUrl || !window.io) return;
      const base = new URL(rasaUrl, location.href);
      socket = window.io(base.origin, {
        path: base.pathname.replace(/\/$/, "") + "/socket.io",
        transports: ["websocket", "polling"],
        tryAllTransports: true,
      });
      socket.on("connect", () => {
        ready = false;
        ensureSession();
        socket.emit("session_request", { session_id: sessionId });
      });
      socket.on("session_confirm", () => {
        ready = true;
        showConnection("connected");
        chat = loadChat(sessionId);
        socket.emit("history_request", { session_id: sessionId, since: chat.lastBotTs });
        flush();
      });
      socket.on("history", (h) => {
        if (!h || h.session_id !== sessionId) return;
        for (const m of Array.isArray(h.messages) ? h.messages : []) received(m);
        const state = String(h.handoff || "none");
        const keep = state === "offline" && chat.handoff === "message_left";
        if (state !== chat.handoff && !keep) { setHandoff(state); save(); }
      });
      socket.on("bot_uttered", received);
      socket.on("disconnect", () => { ready = false; showConnection("reconnecting"); hideTyping(); });
      socket.on("connect_error", () => { ready = false; showConnection(socket.active ? "reconnecting" : "connecting"); });
    }

    // opening and closing --------------------------------------------------------------------
    function isOpen() { return frame.dataset.open === "true"; }
    function open() {
      frame.dataset.open = "true";
      panel.hidden = false;
      launcher.setAttribute("aria-expanded", "true");
      launcher.setAttribute("aria-label", t.closeChat);
      if (!config.fullPage) store.set("sessionStorage", `${KEY}:open`, "1");
      unread = 0;
      showBadge();
      connect();
      render();
      input.focus();
    }
    function close() {
      if (config.fullPage) return; // the chat is the page: nothing to go back to
      frame.dataset.open = "false";
      panel.hidden = true;
      launcher.setAttribute("aria-expanded", "false");
      launcher.setAttribute("aria-label", t.openChat);
      store.remove("sessionStorage", `${KEY}:open`);
      launcher.focus();
    }
    launcher.addEventListener("click", () => (isOpen() ? close() : open()));
    closeButton.addEventListener("click", close);
    panel.addEventListener("keydown", (event) => { if (event.key === "Escape" && !config.fullPage) { event.stopPropagation(); close(); } });
    bannerClose.addEventListener("click", () => { chat.notice = ""; chat.handoff = chat.handoff === "message_left" ? "none" : chat.handoff; save(); showBanner(); input.focus(); });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = "";
      grow();
      send(text);
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); form.requestSubmit(); }
    });
    function grow() { input.style.height = "auto"; input.style.height = Math.min(input.scrollHeight, 120) + "px"; }
    input.addEventListener("input", grow);

    // other tabs of the same conversation write the same storage
    window.addEventListener("storage", (event) => {
      if (event.key === `${KEY}:session` && event.newValue && event.newValue !== sessionId) {
        sessionId = event.newValue; chat = loadChat(sessionId); showBanner(); render();
        if (socket) { socket.disconnect(); socket = null; connect(); }
      } else if (sessionId && event.key === chatKey(sessionId)) {
        chat = loadChat(sessionId); showBanner(); render();
      } else if (event.key === `${KEY}:lang` && LANGS.includes(event.newValue)) {
        setLanguage(event.newValue, false);
      }
    });

    api.open = open;
    api.close = close;
    api.setLanguage = (code) => chooseLanguage(code);
    applyTexts();
    if (!rasaUrl || !window.io) {
      showConnection("unavailable");
      input.disabled = true;
      sendButton.disabled = true;
    }
    if (sessionId && chat.entries.length) connect(); // an ongoing conversation: agent replies may come
    if (config.fullPage || store.get("sessionStorage", `${KEY}:open`) === "1") open();
  }

  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
