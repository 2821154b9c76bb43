// faqbot agent console: queue, conversation view and actions over the handoff JSON API.
//
// Security rules of this file: every text that comes from the server (shoppers' messages,
// emails, agent names, ids) is put into the page with textContent / text nodes, never as
// HTML. The CSP forbids inline scripts and styles, so the page only toggles classes and the
// `hidden` attribute. The CSRF token lives in memory only.
"use strict";

(() => {
  const POLL_MS = 1000;
  const POLL_HIDDEN_MS = 5000; // a background tab still counts as online, but polls less
  const NEAR_BOTTOM_PX = 48;

  const LANGUAGES = {
    fi: { name: "Finnish", code: "FI" },
    sv: { name: "Swedish", code: "SV" },
    en: { name: "English", code: "EN" },
  };
  const REASONS = {
    explicit_request: "Asked for a person",
    not_helped: "Bot could not help",
    handoff_entry: "Complaint / sensitive topic",
    missing_translation: "No answer in their language",
    order_verification: "Order could not be verified",
    late_order: "Late order",
    shop_down: "Shop system not answering",
  };
  const CHANNELS = { socketio: "Web chat", rest: "REST", facebook: "Messenger", telegram: "Telegram" };
  const MAIL_SUBJECT = {
    fi: "Vastaus kysymykseesi",
    sv: "Svar på din fråga",
    en: "Answer to your question",
  };
  const SECTIONS = [
    { key: "mine", title: "My chats", empty: "You have no open chats." },
    { key: "waiting", title: "Waiting", empty: "Nobody is waiting. Nice work!" },
    { key: "offline", title: "Offline — answer by email", empty: "No email requests." },
    { key: "others", title: "Other agents' chats", empty: "No other agent has a chat." },
    { key: "overflow", title: "Overflow — at the partner", empty: "Nothing at the partner." },
  ];

  const $ = (id) => document.getElementById(id);

  const state = {
    agent: null,
    csrf: null,
    loggedIn: false,
    loopGen: 0,
    tickets: [],
    queueSig: "",
    knownIds: null, // ids seen in the previous queue poll (null before the first one)
    previews: new Map(), // ticket id -> first shopper line ("" when there is none)
    previewLoading: new Set(),
    seen: {}, // ticket id -> last message id the agent has seen
    collapsed: new Set(),
    openId: null,
    open: null, // the open ticket (without messages)
    openSig: "",
    convToken: 0,
    convInFlight: null,
    lastId: 0,
    rendered: new Map(), // message id -> <li>
    mode: "reply",
    drafts: new Map(), // ticket id -> {reply, note}
  };

  // ---------------------------------------------------------------------------------------
  // small helpers

  /** Create an element; strings among the children become text nodes (never HTML). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  function language(code) {
    const key = String(code || "").toLowerCase();
    return LANGUAGES[key] || { name: key ? key.toUpperCase() : "unknown language", code: key.toUpperCase() || "??" };
  }

  function langBadge(code, extraClass) {
    const lang = language(code);
    const known = Object.prototype.hasOwnProperty.call(LANGUAGES, String(code || "").toLowerCase());
    return el(
      "span",
      {
        class: `lang-badge lang-${known ? String(code).toLowerCase() : "other"}${extraClass ? " " + extraClass : ""}`,
        title: `Shopper writes ${lang.name}`,
      },
      el("span", { "aria-hidden": "true", text: lang.code }),
      el("span", { class: "sr-only", text: lang.name }),
    );
  }

  function reasonText(reason) {
    if (REASONS[reason]) return REASONS[reason];
    const words = String(reason || "unknown").replace(/_/g, " ");
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function channelText(channel) {
    return CHANNELS[channel] || String(channel || "unknown channel");
  }

  function parseTime(iso) {
    const moment = new Date(iso);
    return Number.isNaN(moment.getTime()) ? null : moment;
  }

  const pad = (n) => String(n).padStart(2, "0");

  /** Local HH:MM, with the day in front when it is not today. */
  function clock(iso) {
    const moment = parseTime(iso);
    if (!moment) return "";
    const hm = `${pad(moment.getHours())}:${pad(moment.getMinutes())}`;
    const now = new Date();
    if (moment.toDateString() === now.toDateString()) return hm;
    return `${moment.getDate()}.${moment.getMonth() + 1}. ${hm}`;
  }

  /** "just now", "3 min", "1 h 5 min", "2 d". */
  function since(iso) {
    const moment = parseTime(iso);
    if (!moment) return "";
    const minutes = Math.max(0, Math.floor((Date.now() - moment.getTime()) / 60000));
    if (minutes < 1) return "just now";
    if (minutes < 60) return `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
    return `${Math.floor(hours / 24)} d`;
  }

  function timeEl(iso) {
    const moment = parseTime(iso);
    return el("time", { datetime: iso, title: moment ? moment.toLocaleString() : null, text: clock(iso) });
  }

  function announce(text) {
    const region = $("announcer");
    region.append(el("p", { text }));
    while (region.childNodes.length > 5) region.firstChild.remove();
  }

  function isExternal(ticket) {
    return ticket.backend !== "console" || ticket.status === "overflow";
  }

  function sectionOf(ticket) {
    if (isExternal(ticket)) return "overflow";
    if (ticket.status === "active") return ticket.agent === state.agent ? "mine" : "others";
    if (ticket.status === "offline") return "offline";
    if (ticket.status === "queued") return "waiting";
    return null;
  }

  function canReply(ticket) {
    return (
      !!ticket && ticket.status === "active" && ticket.agent === state.agent && ticket.paused === true && !isExternal(ticket)
    );
  }

  function mailtoHref(ticket) {
    // the address keeps its @; everything else is percent-encoded
    const address = encodeURIComponent(ticket.email || "").replace(/%40/g, "@");
    const lang = String(ticket.language || "en").toLowerCase();
    const subject = MAIL_SUBJECT[lang] || MAIL_SUBJECT.en;
    const quoted = ticket.question ? `\n\n> ${ticket.question.replace(/\n/g, "\n> ")}` : "";
    return `mailto:${address}?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(quoted)}`;
  }

  // ---------------------------------------------------------------------------------------
  // API

  class ApiError extends Error {
    constructor(status, detail) {
      super(detail || `HTTP ${status}`);
      this.status = status;
      this.detail = detail || "";
    }
  }

  function detailOf(data) {
    if (!data) return "";
    const { detail } = data;
    if (typeof detail === "string") return detail;
    if (Array.isArray(detail)) return detail.map((item) => item && item.msg).filter(Boolean).join("; ");
    return "";
  }

  async function api(method, path, body, retried) {
    const headers = { Accept: "application/json" };
    const init = { method, headers, credentials: "same-origin", cache: "no-store" };
    if (method !== "GET") {
      headers["Content-Type"] = "application/json";
      if (state.csrf) headers["X-CSRF-Token"] = state.csrf;
      init.body = JSON.stringify(body || {});
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (_error) {
      throw new ApiError(0, "No connection to the server.");
    }
    let data = null;
    const text = await response.text();
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (_error) {
        data = null;
      }
    }
    if (response.ok) return data;
    const error = new ApiError(response.status, detailOf(data) || response.statusText);
    const authCall = path === "/api/login" || path === "/api/session";
    if (response.status === 401 && !authCall) sessionExpired();
    if (response.status === 403 && method !== "GET" && !retried && !authCall) {
      // the CSRF token changed (e.g. a login in another tab): fetch the current one, retry once
      try {
        const session = await api("GET", "/api/session");
        state.csrf = session.csrf_token;
        return await api(method, path, body, true);
      } catch (_error) {
        throw error;
      }
    }
    throw error;
  }

  /** What to tell the agent when an action failed. */
  function friendly(action, error) {
    const detail = error.detail || "";
    if (error.status === 0) return "No connection to the server. Check the network and try again.";
    if (error.status === 401) return "Your session expired. Log in again — your text is kept.";
    if (error.status === 404) return "This conversation no longer exists.";
    if (error.status === 503) {
      if (action === "claim") return "The chat server is not reachable, so the shopper could not be told. The chat is still waiting — try again in a moment.";
      if (action === "close") return "The chat server is not reachable, so the chat could not be handed back. Try again in a moment.";
      return "The chat server is not reachable — nothing was sent. Try again in a moment.";
    }
    if (error.status === 409) {
      const holder = /is active by (.+)$/.exec(detail) || /handled by (.+)$/.exec(detail);
      if (action === "claim") {
        return holder ? `Someone else took this chat (${holder[1]}).` : `This chat cannot be claimed: ${detail}`;
      }
      if (holder) return `${holder[1]} is handling this chat now.`;
      if (/answer by email/.test(detail)) {
        const at = / at (\S+)$/.exec(detail);
        return at ? `The shopper is not in the chat any more — answer by email to ${at[1]}.` : "The shopper is not in the chat any more — answer by email.";
      }
      return detail || "The chat changed meanwhile.";
    }
    if (error.status === 422) return /4000/.test(detail) ? "The message is too long (4000 characters at most)." : `Not accepted: ${detail}`;
    if (error.status === 429) return "Too many attempts. Wait a few minutes and try again.";
    return `Something went wrong (HTTP ${error.status})${detail ? ": " + detail : ""}.`;
  }

  function setBusy(button, busyText) {
    if (!button.dataset.label) button.dataset.label = button.textContent;
    button.textContent = busyText;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }

  function setIdle(button) {
    if (button.dataset.label) button.textContent = button.dataset.label;
    delete button.dataset.label;
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }

  function setConnection(ok) {
    show($("connection"), !ok);
  }

  // ---------------------------------------------------------------------------------------
  // per-agent memory in localStorage (never the CSRF token): what was seen, collapsed sections

  function storageKey(what) {
    return `faqbot.console.${what}.${state.agent}`;
  }

  function loadMemory() {
    try {
      state.seen = JSON.parse(localStorage.getItem(storageKey("seen")) || "{}") || {};
      state.collapsed = new Set(JSON.parse(localStorage.getItem(storageKey("collapsed")) || "[]"));
    } catch (_error) {
      state.seen = {};
      state.collapsed = new Set();
    }
  }

  function saveMemory() {
    try {
      localStorage.setItem(storageKey("seen"), JSON.stringify(state.seen));
      localStorage.setItem(storageKey("collapsed"), JSON.stringify([...state.collapsed]));
    } catch (_error) {
      /* private mode: memory only */
    }
  }

  // ---------------------------------------------------------------------------------------
  // login and session

  function showLogin(expired) {
    show($("booting"), false);
    const view = $("login-view");
    show($("login-expired"), !!expired);
    view.classList.toggle("login-overlay", !!expired);
    if (expired) {
      show($("app"), true);
      $("app").inert = true;
      if (state.agent) $("login-name").value = state.agent;
    } else {
      show($("app"), false);
    }
    show(view, true);
    $("login-password").value = "";
    ($("login-name").value ? $("login-password") : $("login-name")).focus();
  }

  function sessionExpired() {
    if (!state.loggedIn) return;
    state.loggedIn = false;
    stopLoop();
    showLogin(true);
  }

  function startSession(session) {
    const sameAgent = state.agent === session.agent;
    if (!sameAgent) resetWorkspace();
    state.agent = session.agent;
    state.csrf = session.csrf_token;
    state.loggedIn = true;
    if (!sameAgent) loadMemory();
    $("me-name").textContent = session.agent;
    show($("booting"), false);
    show($("login-view"), false);
    $("login-view").classList.remove("login-overlay");
    $("login-error").textContent = "";
    for (const id of ["action-error", "send-error"]) {
      if ($(id).textContent.startsWith("Your session expired")) $(id).textContent = "";
    }
    show($("app"), true);
    $("app").inert = false;
    state.queueSig = "";
    startLoop();
    routeFromHash();
    document.dispatchEvent(new CustomEvent("faqbot:session", { detail: { agent: state.agent } }));
  }

  function resetWorkspace() {
    state.tickets = [];
    state.queueSig = "";
    state.knownIds = null;
    state.previews.clear();
    state.drafts.clear();
    state.seen = {};
    closeConversation();
    $("composer-text").value = "";
  }

  async function onLogin(event) {
    event.preventDefault();
    const name = $("login-name").value.trim();
    const password = $("login-password").value;
    const error = $("login-error");
    error.textContent = "";
    if (!name || !password) {
      error.textContent = !name ? "Enter your name." : "Enter your password.";
      (!name ? $("login-name") : $("login-password")).focus();
      return;
    }
    const button = $("login-submit");
    setBusy(button, "Logging in…");
    try {
      const session = await api("POST", "/api/login", { name, password });
      startSession(session);
    } catch (err) {
      if (err.status === 401) error.textContent = "Wrong name or password.";
      else if (err.status === 429) error.textContent = "Too many failed attempts. Wait five minutes, then try again.";
      else if (err.status === 0) error.textContent = "Cannot reach the server. Check the network and try again.";
      else error.textContent = friendly("login", err);
      $("login-password").select();
      $("login-password").focus();
    } finally {
      setIdle(button);
    }
  }

  async function onLogout() {
    const button = $("logout");
    setBusy(button, "Logging out…");
    try {
      await api("POST", "/api/logout", {});
    } catch (_error) {
      /* the session is gone either way */
    } finally {
      setIdle(button);
    }
    stopLoop();
    state.loggedIn = false;
    state.csrf = null;
    resetWorkspace();
    state.agent = null;
    $("login-name").value = "";
    if (location.hash) history.replaceState(null, "", location.pathname);
    document.title = "Agent console";
    showLogin(false);
  }

  // ---------------------------------------------------------------------------------------
  // polling loop: the queue and the open conversation, one after the other

  function startLoop() {
    const generation = ++state.loopGen;
    const run = async () => {
      if (generation !== state.loopGen || !state.loggedIn) return;
      await pollQueue();
      if (generation === state.loopGen && state.loggedIn) await pollConversation();
      if (generation === state.loopGen && state.loggedIn) loadPreviews();
      if (generation === state.loopGen && state.loggedIn) {
        setTimeout(run, document.hidden ? POLL_HIDDEN_MS : POLL_MS);
      }
    };
    run();
  }

  function stopLoop() {
    state.loopGen += 1;
  }

  async function pollQueue() {
    let queue;
    try {
      queue = await api("GET", "/api/conversations");
    } catch (error) {
      if (error.status !== 401) setConnection(false);
      return;
    }
    setConnection(true);
    const online = Number(queue.agents_online) || 0;
    $("online-count").textContent = String(online);
    $("online-label").textContent = online === 1 ? "agent online" : "agents online";
    state.tickets = Array.isArray(queue.tickets) ? queue.tickets : [];
    noticeNewTickets();
    renderQueue(false);
  }

  function noticeNewTickets() {
    const ids = new Set(state.tickets.map((t) => t.id));
    for (const ticket of state.tickets) {
      // a ticket never seen in this browser starts "read": only later lines count as new
      if (!(ticket.id in state.seen)) state.seen[ticket.id] = ticket.last_message_id || 0;
      if (state.knownIds && !state.knownIds.has(ticket.id) && sectionOf(ticket) === "waiting") {
        announce(`New chat waiting, shopper writes ${language(ticket.language).name}.`);
      }
    }
    for (const id of Object.keys(state.seen)) {
      if (!ids.has(Number(id)) && Number(id) !== state.openId) delete state.seen[id];
    }
    state.knownIds = ids;
    saveMemory();
  }

  /** Fetch the first shopper line of a few tickets that have no question (once per ticket). */
  async function loadPreviews() {
    const missing = state.tickets.filter(
      (t) => !t.question && !state.previews.has(t.id) && !state.previewLoading.has(t.id),
    );
    for (const ticket of missing.slice(0, 3)) {
      state.previewLoading.add(ticket.id);
      try {
        const detail = await api("GET", `/api/conversations/${ticket.id}`);
        const first = (detail.messages || []).find((m) => m.sender === "shopper");
        state.previews.set(ticket.id, first ? first.text : "");
        state.queueSig = "";
      } catch (error) {
        if (error.status === 404) state.previews.set(ticket.id, "");
      } finally {
        state.previewLoading.delete(ticket.id);
      }
    }
    if (!state.queueSig) renderQueue(false);
  }

  // ---------------------------------------------------------------------------------------
  // queue

  function isUnread(ticket) {
    if (ticket.id === state.openId) return false;
    const key = sectionOf(ticket);
    if (key !== "mine" && key !== "waiting" && key !== "offline") return false;
    return (ticket.last_message_id || 0) > (state.seen[ticket.id] || 0);
  }

  function renderQueue(force) {
    const minute = Math.floor(Date.now() / 60000);
    const sig = JSON.stringify([
      minute,
      state.agent,
      state.openId,
      [...state.collapsed],
      hooks.languages,
      state.tickets.map((t) => [t.id, t.status, t.agent, t.paused, t.email, t.question, isUnread(t), state.previews.get(t.id)]),
    ]);
    if (!force && sig === state.queueSig) return;
    state.queueSig = sig;

    const groups = Object.fromEntries(SECTIONS.map((s) => [s.key, []]));
    for (const ticket of state.tickets) {
      const key = sectionOf(ticket);
      if (key) groups[key].push(ticket);
    }
    // chats in the agent's languages first (the others stay for colleagues who speak them)
    const speaks = (ticket) => (hooks.languages.includes(String(ticket.language).toLowerCase()) ? 0 : 1);
    if (hooks.languages.length) groups.waiting.sort((a, b) => speaks(a) - speaks(b));

    const container = $("queue-sections");
    const focused = document.activeElement && document.activeElement.closest ? document.activeElement.closest("[data-focus-key]") : null;
    const focusKey = focused && container.contains(focused) ? focused.dataset.focusKey : null;

    const fragment = document.createDocumentFragment();
    for (const section of SECTIONS) {
      const items = groups[section.key];
      const collapsed = state.collapsed.has(section.key);
      const listId = `queue-list-${section.key}`;
      const toggle = el(
        "button",
        {
          type: "button",
          class: "section-toggle",
          "aria-expanded": String(!collapsed),
          "aria-controls": listId,
          dataset: { section: section.key, focusKey: `section-${section.key}` },
        },
        el("span", { class: "chevron", "aria-hidden": "true", text: collapsed ? "▸" : "▾" }),
        el("span", { class: "section-title", text: section.title }),
        el("span", { class: `count${items.length && section.key === "waiting" ? " count-hot" : ""}`, text: String(items.length) }),
      );
      const list = el("ul", { id: listId, class: "ticket-list", hidden: collapsed });
      if (!items.length) list.append(el("li", { class: "ticket-empty", text: section.empty }));
      for (const ticket of items) list.append(el("li", {}, ticketItem(ticket, section.key)));
      fragment.append(
        el("section", { class: `queue-section section-${section.key}`, dataset: { section: section.key } }, el("h2", { class: "section-head" }, toggle), list),
      );
    }
    container.replaceChildren(fragment);
    if (focusKey) {
      const again = container.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
      if (again) again.focus();
    }

    const waiting = groups.waiting.length + groups.offline.length;
    document.title = waiting ? `(${waiting}) Agent console` : "Agent console";
    renderEmptySummary(groups);
  }

  function ticketItem(ticket, sectionKey) {
    const preview = ticket.question || state.previews.get(ticket.id) || "";
    const unread = isUnread(ticket);
    const sub = [channelText(ticket.channel), `#${ticket.id}`];
    if (sectionKey === "others") sub.unshift(`with ${ticket.agent}`);
    if (sectionKey === "overflow") sub.unshift(`at ${ticket.backend}`);
    const waitLabel = sectionKey === "mine" || sectionKey === "others" ? `since ${clock(ticket.created_at)}` : since(ticket.created_at);

    return el(
      "a",
      {
        href: `#t=${ticket.id}`,
        class: `ticket ticket-${sectionKey}${unread ? " is-unread" : ""}`,
        "aria-current": ticket.id === state.openId ? "true" : null,
        dataset: { ticketId: String(ticket.id), focusKey: `ticket-${ticket.id}` },
      },
      langBadge(ticket.language),
      el(
        "span",
        { class: "ticket-main" },
        el(
          "span",
          { class: "ticket-top" },
          el("span", { class: "ticket-reason", text: reasonText(ticket.reason) }),
          unread ? el("span", { class: "unread-badge", title: "New messages since you last looked" }, "New", el("span", { class: "sr-only", text: " messages" })) : null,
          el("span", { class: "ticket-wait", title: `Created ${clock(ticket.created_at)}`, text: waitLabel }),
        ),
        preview
          ? el("span", { class: "ticket-preview", text: preview })
          : el("span", { class: "ticket-preview is-missing", text: "No message yet" }),
        ticket.email ? el("span", { class: "ticket-email" }, el("span", { "aria-hidden": "true", text: "✉ " }), ticket.email) : null,
        el("span", { class: "ticket-sub", text: sub.join(" · ") }),
      ),
    );
  }

  function renderEmptySummary(groups) {
    const waiting = groups.waiting;
    let text = "Pick a chat from the queue on the left.";
    if (waiting.length) {
      const oldest = since(waiting[0].created_at);
      text = `${waiting.length} waiting${oldest && oldest !== "just now" ? ` — the longest for ${oldest}` : ""}. Pick one from the queue.`;
    } else if (groups.offline.length) {
      text = `Nobody is waiting in the chat; ${groups.offline.length} shopper${groups.offline.length === 1 ? "" : "s"} left an email address.`;
    } else if (groups.mine.length) {
      text = "Nobody is waiting. Your open chats are at the top of the queue.";
    } else {
      text = "Nobody is waiting. New chats appear here automatically.";
    }
    $("empty-summary").textContent = text;
  }

  function onQueueClick(event) {
    const toggle = event.target.closest(".section-toggle");
    if (!toggle) return;
    const key = toggle.dataset.section;
    if (state.collapsed.has(key)) state.collapsed.delete(key);
    else state.collapsed.add(key);
    saveMemory();
    renderQueue(true);
  }

  // ---------------------------------------------------------------------------------------
  // conversation

  function routeFromHash() {
    const match = /^#t=(\d+)$/.exec(location.hash);
    const id = match ? Number(match[1]) : null;
    if (id === state.openId) return;
    if (id === null) closeConversation();
    else openConversation(id);
  }

  function saveDraft() {
    if (state.openId === null) return;
    const draft = state.drafts.get(state.openId) || { reply: "", note: "" };
    draft[state.mode] = $("composer-text").value;
    state.drafts.set(state.openId, draft);
  }

  function closeConversation() {
    saveDraft();
    state.openId = null;
    state.open = null;
    state.openSig = "";
    state.convToken += 1;
    state.rendered = new Map();
    state.lastId = 0;
    $("transcript").replaceChildren();
    show($("conv"), false);
    show($("empty"), true);
    state.queueSig = "";
  }

  function openConversation(id) {
    saveDraft();
    state.openId = id;
    state.open = null;
    state.openSig = "";
    state.convToken += 1;
    state.rendered = new Map();
    state.lastId = 0;
    state.mode = "reply";
    $("transcript").replaceChildren(el("li", { class: "transcript-loading", text: "Loading the conversation…" }));
    $("action-error").textContent = "";
    $("send-error").textContent = "";
    $("composer-text").value = "";
    show($("jump"), false);
    show($("empty"), false);
    show($("conv"), true);
    state.queueSig = "";
    renderQueue(false);
    pollConversation();
  }

  async function pollConversation() {
    const id = state.openId;
    const token = state.convToken;
    if (id === null || state.convInFlight === token) return;
    state.convInFlight = token;
    try {
      const detail = await api("GET", `/api/conversations/${id}?after=${state.lastId}`);
      if (token !== state.convToken) return;
      const first = state.open === null;
      const { messages, ...ticket } = detail;
      applyTicket(ticket);
      addMessages(messages || [], { initial: first });
      state.lastId = Math.max(state.lastId, Number(detail.last_message_id) || 0);
      if (first) {
        $("transcript").querySelector(".transcript-loading")?.remove();
        if (!state.rendered.size) $("transcript").append(el("li", { class: "msg msg-system", text: "No messages yet." }));
      }
      markSeen();
    } catch (error) {
      if (token !== state.convToken) return;
      if (error.status === 404) {
        $("transcript").replaceChildren(el("li", { class: "transcript-loading", text: "This conversation does not exist (any more)." }));
        show($("composer"), false);
      } else if (error.status !== 401) {
        setConnection(false);
      }
    } finally {
      if (state.convInFlight === token) state.convInFlight = null;
    }
  }

  function markSeen() {
    if (state.openId === null) return;
    const last = Math.max(state.lastId, ...[...state.rendered.keys()]);
    if ((state.seen[state.openId] || 0) < last) {
      state.seen[state.openId] = last;
      saveMemory();
    }
  }

  function applyTicket(ticket) {
    const sig = JSON.stringify([ticket, state.agent]);
    const firstLoad = state.open === null;
    state.open = ticket;
    if (sig === state.openSig) return;
    state.openSig = sig;
    renderHeader(ticket);
    renderDetails(ticket);
    renderComposer(ticket, firstLoad);
    document.dispatchEvent(new CustomEvent("faqbot:ticket", { detail: { ticket, firstLoad } }));
  }

  function statusText(ticket) {
    if (ticket.status === "closed") return "Closed — back with the bot";
    if (isExternal(ticket)) return `At the partner (${ticket.backend}) — read-only`;
    if (ticket.status === "queued") return "Waiting for an agent";
    if (ticket.status === "offline") return "Offline — left an email";
    if (ticket.status === "active") return ticket.agent === state.agent ? "Active — your chat" : `Active — ${ticket.agent}`;
    return ticket.status;
  }

  function renderHeader(ticket) {
    const lang = language(ticket.language);
    $("conv-lang-badge").replaceWith(Object.assign(langBadge(ticket.language, "lang-badge-xl"), { id: "conv-lang-badge" }));
    $("conv-lang-text").textContent = ticket.paused || ticket.status === "queued" || ticket.status === "active"
      ? `Shopper writes ${lang.name} — reply in ${lang.name}`
      : `Shopper writes ${lang.name} — answer in ${lang.name}`;
    $("conv-language").className = `conv-language lang-band-${Object.prototype.hasOwnProperty.call(LANGUAGES, String(ticket.language).toLowerCase()) ? String(ticket.language).toLowerCase() : "other"}`;
    const meta = [`#${ticket.id}`, channelText(ticket.channel), reasonText(ticket.reason)];
    if (ticket.status === "queued" || ticket.status === "offline") meta.push(`waiting ${since(ticket.created_at)}`);
    else meta.push(`since ${clock(ticket.created_at)}`);
    $("conv-meta").textContent = meta.join(" · ");

    const pill = $("conv-status");
    pill.textContent = statusText(ticket);
    pill.className = `status-pill status-${ticket.status}${ticket.status === "active" && ticket.agent === state.agent ? " status-mine" : ""}`;

    const claimable = !isExternal(ticket) && (ticket.status === "queued" || ticket.status === "offline");
    show($("claim"), claimable);
    $("claim").textContent = ticket.status === "offline" ? "Claim (I'll email)" : "Claim";
    const mine = ticket.status === "active" && ticket.agent === state.agent && !isExternal(ticket);
    show($("close"), mine);
    $("close").textContent = ticket.paused ? "Close & hand back to bot" : "Mark as done";
  }

  function renderDetails(ticket) {
    const list = $("candidates");
    const candidates = Array.isArray(ticket.faq_candidates) ? ticket.faq_candidates : [];
    list.replaceChildren();
    if (!candidates.length) list.append(el("li", { class: "candidate-none", text: "The bot found no close FAQ answer." }));
    for (const candidate of candidates) {
      const score = Number(candidate.score);
      const valid = Number.isFinite(score);
      list.append(
        el(
          "li",
          { class: "candidate" },
          el("span", { class: "candidate-id", text: String(candidate.id ?? "?") }),
          el("span", { class: "candidate-score", text: valid ? score.toFixed(2) : "–" }),
          valid
            ? el("meter", { class: "candidate-meter", min: "0", max: "1", low: "0.5", high: "0.75", optimum: "1", value: String(Math.max(0, Math.min(1, score))), "aria-label": `score ${score.toFixed(2)}` })
            : null,
        ),
      );
    }

    const rows = [
      ["Status", statusText(ticket)],
      ["Language", `${language(ticket.language).name} (${language(ticket.language).code})`],
      ["Channel", channelText(ticket.channel)],
      ["Reason", reasonText(ticket.reason)],
      ["Created", `${clock(ticket.created_at)} (${since(ticket.created_at)} ago)`.replace("(just now ago)", "(just now)")],
    ];
    if (ticket.agent) rows.push(["Agent", ticket.claimed_at ? `${ticket.agent}, since ${clock(ticket.claimed_at)}` : ticket.agent]);
    if (ticket.email) rows.push(["Email", ticket.email]);
    if (ticket.question) rows.push(["Question", ticket.question]);
    if (ticket.backend !== "console") rows.push(["Handled at", ticket.backend]);
    rows.push(["Conversation", ticket.conversation_id]);
    const dl = $("details-list");
    dl.replaceChildren();
    for (const [term, value] of rows) {
      dl.append(el("div", { class: "details-row" }, el("dt", { text: term }), el("dd", { text: String(value ?? "") })));
    }
  }

  function renderComposer(ticket, firstLoad) {
    const composer = $("composer");
    const readOnly = ticket.status === "closed" || isExternal(ticket);
    show(composer, !readOnly);
    if (readOnly) {
      saveDraft();
      return;
    }
    if (firstLoad) {
      state.mode = canReply(ticket) || ticket.status === "queued" || ticket.status === "offline" ? "reply" : "note";
      const draft = state.drafts.get(ticket.id);
      $("composer-text").value = draft ? draft[state.mode] : "";
    }
    renderMode();
  }

  /** Reply vs. note mode and whether the reply box may be used. */
  function renderMode() {
    const ticket = state.open;
    if (!ticket) return;
    const lang = language(ticket.language);
    const reply = state.mode === "reply";
    $("mode-reply").setAttribute("aria-pressed", String(reply));
    $("mode-note").setAttribute("aria-pressed", String(!reply));
    $("composer").classList.toggle("is-note", !reply);

    const emailOnly = ticket.status === "offline" || (ticket.status === "active" && !ticket.paused);
    const hint = $("composer-hint");
    let hintText = "";
    let allowed = true;
    if (reply) {
      if (ticket.status === "queued") {
        hintText = "Claim this chat to reply. You can already add an internal note.";
        allowed = false;
      } else if (ticket.status === "active" && ticket.agent !== state.agent) {
        hintText = `${ticket.agent} is handling this chat. You can add an internal note.`;
        allowed = false;
      } else if (emailOnly) {
        allowed = false;
      } else if (!canReply(ticket)) {
        hintText = "You cannot reply to this chat.";
        allowed = false;
      }
    }
    hint.textContent = hintText;
    show(hint, !!hintText);

    const showEmail = reply && emailOnly && !!ticket.email;
    show($("email-answer"), showEmail);
    if (showEmail) {
      $("mailto").setAttribute("href", mailtoHref(ticket));
      $("mailto").textContent = `Answer by email to ${ticket.email}`;
      $("email-answer-text").textContent =
        ticket.status === "offline"
          ? "This shopper left an email address instead of waiting. Claim the ticket so others know you are on it."
          : "The shopper is not in the chat; answer by email, then mark the ticket as done.";
    } else if (reply && emailOnly) {
      hint.textContent = "The shopper is not in the chat and left no email address.";
      show(hint, true);
    }

    const form = $("composer-form");
    show(form, !(reply && emailOnly));
    const text = $("composer-text");
    text.disabled = !allowed;
    $("send").disabled = !allowed;
    $("send").textContent = reply ? "Send" : "Add note";
    $("composer-label").textContent = reply ? `Reply to the shopper — in ${lang.name}` : "Internal note — only agents see this, never the shopper";
    text.placeholder = reply ? (allowed ? `Write in ${lang.name}…` : "") : "Note for your colleagues…";
  }

  function setMode(mode) {
    if (mode === state.mode || !state.open) return;
    saveDraft();
    state.mode = mode;
    const draft = state.drafts.get(state.openId);
    $("composer-text").value = draft ? draft[mode] : "";
    $("send-error").textContent = "";
    renderMode();
    if (!$("composer-text").disabled && !$("composer-form").hidden) $("composer-text").focus();
  }

  // transcript --------------------------------------------------------------------------------

  const SENDER_LABEL = { shopper: "Shopper", bot: "Bot", system: "System" };

  function messageItem(message) {
    const sender = ["shopper", "bot", "agent", "note", "system"].includes(message.sender) ? message.sender : "system";
    const item = el("li", { class: `msg msg-${sender}`, dataset: { id: String(message.id) } });
    if (sender === "system") {
      item.append(el("span", { class: "msg-system-text", text: message.text }), " ", timeEl(message.at));
      return item;
    }
    const meta = el("div", { class: "msg-meta" });
    if (sender === "agent") {
      const author = message.author || "Agent";
      meta.append(
        el("span", { class: "avatar", "aria-hidden": "true", text: author.charAt(0).toUpperCase() }),
        el("span", { class: "msg-who", text: author }),
        el("span", { class: "msg-role", text: "agent" }),
      );
    } else if (sender === "note") {
      meta.append(
        el("span", { class: "msg-who", text: "Internal note — not shown to the shopper" }),
        message.author ? el("span", { class: "msg-role", text: `by ${message.author}` }) : null,
      );
    } else {
      meta.append(el("span", { class: "msg-who", text: SENDER_LABEL[sender] }));
    }
    meta.append(timeEl(message.at));
    item.append(meta, el("div", { class: "msg-bubble", text: message.text }));
    return item;
  }

  function addMessages(messages, { initial = false, own = false } = {}) {
    const list = $("transcript");
    const pane = list.parentElement;
    const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < NEAR_BOTTOM_PX;
    let added = 0;
    for (const message of messages) {
      const id = Number(message.id);
      if (state.rendered.has(id)) continue;
      list.querySelector(".msg-system:not([data-id])")?.remove(); // "No messages yet."
      const item = messageItem(message);
      // keep id order even when our own reply arrived before a shopper line was polled
      let before = null;
      for (const [otherId, node] of state.rendered) {
        if (otherId > id && (!before || otherId < Number(before.dataset.id))) before = node;
      }
      list.insertBefore(item, before);
      state.rendered.set(id, item);
      added += 1;
      if (!initial && !own && message.sender === "shopper") announce(`Shopper: ${message.text}`);
    }
    if (!added) return;
    if (initial || own || atBottom) {
      pane.scrollTop = pane.scrollHeight;
      stickToBottom = true;
      show($("jump"), false);
    } else {
      show($("jump"), true);
    }
  }

  let stickToBottom = true;

  function onTranscriptScroll() {
    const pane = $("transcript").parentElement;
    stickToBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < NEAR_BOTTOM_PX;
    if (stickToBottom) show($("jump"), false);
  }

  /** Keep the newest line in view when the pane changes size (window, composer, details). */
  function onTranscriptResize() {
    const pane = $("transcript").parentElement;
    if (stickToBottom) pane.scrollTop = pane.scrollHeight;
  }

  // actions ---------------------------------------------------------------------------------

  async function onClaim() {
    const id = state.openId;
    const button = $("claim");
    $("action-error").textContent = "";
    setBusy(button, "Claiming…");
    try {
      const ticket = await api("POST", `/api/conversations/${id}/claim`, {});
      if (id !== state.openId) return;
      state.openSig = "";
      applyTicket(ticket);
      state.mode = "reply";
      renderMode();
      announce("You claimed the chat.");
      const text = $("composer-text");
      if (!text.disabled && !$("composer-form").hidden) text.focus();
      pollConversation();
    } catch (error) {
      if (id === state.openId) $("action-error").textContent = friendly("claim", error);
    } finally {
      setIdle(button);
      if (state.open) renderHeader(state.open);
    }
  }

  function onCloseClick() {
    const ticket = state.open;
    if (!ticket) return;
    $("close-dialog-title").textContent = ticket.paused ? "Close this chat and hand it back to the bot?" : "Mark this ticket as done?";
    $("close-dialog-text").textContent = ticket.paused
      ? "The shopper is told that you left, and the bot answers again. You cannot write to this chat afterwards."
      : "The ticket leaves the queue. Make sure you have answered the shopper by email.";
    $("close-confirm").textContent = ticket.paused ? "Close & hand back" : "Mark as done";
    $("close-dialog").returnValue = "";
    $("close-dialog").showModal();
    $("close-cancel").focus();
  }

  async function onCloseDialog() {
    if ($("close-dialog").returnValue !== "confirm") {
      $("close").focus();
      return;
    }
    const id = state.openId;
    const button = $("close");
    $("action-error").textContent = "";
    setBusy(button, "Closing…");
    try {
      const ticket = await api("POST", `/api/conversations/${id}/close`, {});
      if (id !== state.openId) return;
      state.drafts.delete(id);
      $("composer-text").value = "";
      state.openSig = "";
      applyTicket(ticket);
      announce("Chat closed and handed back to the bot.");
      pollConversation();
      state.tickets = state.tickets.filter((t) => t.id !== id);
      renderQueue(true);
    } catch (error) {
      if (id === state.openId) $("action-error").textContent = friendly("close", error);
    } finally {
      setIdle(button);
      if (state.open) renderHeader(state.open);
      $("conversation").focus();
    }
  }

  async function onSend(event) {
    event.preventDefault();
    const id = state.openId;
    const mode = state.mode;
    const text = $("composer-text");
    const body = text.value.trim();
    const errorLine = $("send-error");
    errorLine.textContent = "";
    if (id === null || !body) return;
    if (mode === "reply" && !canReply(state.open)) return;
    const button = $("send");
    setBusy(button, mode === "reply" ? "Sending…" : "Saving…");
    text.readOnly = true;
    try {
      const message = await api("POST", `/api/conversations/${id}/${mode === "reply" ? "reply" : "note"}`, { text: body });
      const draft = state.drafts.get(id);
      if (draft) draft[mode] = "";
      if (id === state.openId && state.mode === mode) {
        text.value = "";
        addMessages([message], { own: true });
        markSeen();
      }
    } catch (error) {
      if (id === state.openId) errorLine.textContent = friendly(mode, error);
      if (error.status === 409) state.openSig = ""; // the ticket changed: refresh header and box
    } finally {
      text.readOnly = false;
      setIdle(button);
      if (state.open) renderMode();
      if (document.activeElement === document.body && !text.disabled) text.focus();
    }
  }

  function onComposerKey(event) {
    if (event.key !== "Enter" || event.shiftKey || event.isComposing || event.keyCode === 229) return;
    event.preventDefault();
    if (!$("send").disabled) $("composer-form").requestSubmit();
  }

  // ---------------------------------------------------------------------------------------
  // what extensions of the console (help.js) use; they listen to "faqbot:session" and
  // "faqbot:ticket" (after the open ticket was drawn) on document

  const hooks = {
    api: (method, path, body) => api(method, path, body),
    get agent() {
      return state.agent;
    },
    get ticket() {
      return state.open;
    },
    get mode() {
      return state.mode;
    },
    canReply: () => canReply(state.open),
    setMode: (mode) => setMode(mode),
    friendly: (action, error) => friendly(action, error),
    announce: (text) => announce(text),
    /** Show messages the extension sent (e.g. a video call link) in the transcript. */
    sent: (messages) => {
      addMessages(messages, { own: true });
      markSeen();
    },
    languages: [], // the agent's languages: waiting chats in them come first in the queue
    redrawQueue: () => renderQueue(true),
  };
  window.faqbotConsole = hooks;

  // ---------------------------------------------------------------------------------------
  // start

  async function boot() {
    $("login-form").addEventListener("submit", onLogin);
    $("logout").addEventListener("click", onLogout);
    $("queue-sections").addEventListener("click", onQueueClick);
    $("claim").addEventListener("click", onClaim);
    $("close").addEventListener("click", onCloseClick);
    $("close-dialog").addEventListener("close", onCloseDialog);
    $("composer-form").addEventListener("submit", onSend);
    $("composer-text").addEventListener("keydown", onComposerKey);
    $("mode-reply").addEventListener("click", () => setMode("reply"));
    $("mode-note").addEventListener("click", () => setMode("note"));
    $("transcript").parentElement.addEventListener("scroll", onTranscriptScroll, { passive: true });
    if (window.ResizeObserver) new ResizeObserver(onTranscriptResize).observe($("transcript").parentElement);
    $("jump").addEventListener("click", () => {
      const pane = $("transcript").parentElement;
      pane.scrollTop = pane.scrollHeight;
      show($("jump"), false);
    });
    window.addEventListener("hashchange", () => {
      if (state.loggedIn) routeFromHash();
    });
    // waiting times tick even when nothing else changes
    setInterval(() => {
      if (!state.loggedIn) return;
      renderQueue(false);
      if (state.open) renderHeader(state.open);
    }, 30000);

    try {
      const session = await api("GET", "/api/session");
      startSession(session);
    } catch (error) {
      showLogin(false);
      if (error.status === 0) $("login-error").textContent = "Cannot reach the server. Reload the page to try again.";
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
