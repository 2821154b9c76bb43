// The local chat page: talks to Rasa's socket.io channel, so messages pushed later (an agent's
// replies after a handoff) arrive too. Everything from the server is inserted as text, never HTML.
(async () => {
  "use strict";
  const texts = await (await fetch("texts.json")).json();
  const { rasaUrl } = await (await fetch("config.json")).json();
  const $ = (id) => document.getElementById(id);
  const log = $("log"), input = $("input"), langSelect = $("lang"), status = $("status");
  const MAX_KEPT = 300; // transcript entries kept per conversation

  let lang = localStorage.getItem("faqbot-lang") || (navigator.language || "fi").slice(0, 2);
  if (!texts[lang]) lang = "fi";
  let sessionId = localStorage.getItem("faqbot-session") || newSession();
  let transcript = load(sessionId); // [{from: "user"|"bot", text}] or [{buttons: [{title, payload}]}]
  let ready = false; // connected and the session confirmed: messages can go out
  const outbox = []; // written while not ready, sent after the next session_confirm

  function newSession() {
    const bytes = crypto.getRandomValues(new Uint8Array(16)); // also outside secure contexts
    const id = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    localStorage.setItem("faqbot-session", id);
    return id;
  }
  function load(id) {
    try { return JSON.parse(localStorage.getItem("faqbot-chat:" + id)) || []; } catch { return []; }
  }
  function save() {
    transcript = transcript.slice(-MAX_KEPT);
    try { localStorage.setItem("faqbot-chat:" + sessionId, JSON.stringify(transcript)); } catch { /* full */ }
  }

  // rendering ----------------------------------------------------------------------------------
  function applyTexts() {
    const t = texts[lang];
    document.documentElement.lang = lang; langSelect.value = lang;
    $("title").textContent = t.title;
    input.placeholder = t.placeholder; input.setAttribute("aria-label", t.placeholder);
    $("send").textContent = t.send;
    $("new").textContent = t.new;
    status.textContent = t[status.dataset.state];
    render();
  }
  function setState(state) {
    status.dataset.state = state; status.textContent = texts[lang][state];
  }
  function bubble(entry) {
    const div = document.createElement("div");
    div.className = "msg " + entry.from;
    const who = document.createElement("span");
    who.className = "sr-only"; who.textContent = texts[lang][entry.from === "user" ? "you" : "bot"] + ": ";
    div.append(who, entry.text); // a string argument becomes a text node
    return div;
  }
  function chips(entry) {
    const box = document.createElement("div"); box.className = "buttons";
    for (const b of entry.buttons) {
      const btn = document.createElement("button"); btn.type = "button"; btn.textContent = b.title;
      btn.onclick = () => { send(b.payload, b.title); input.focus(); };
      box.appendChild(btn);
    }
    return box;
  }
  function element(entry) { return entry.buttons ? chips(entry) : bubble(entry); }
  function render() {
    log.textContent = "";
    if (!transcript.length) {
      const hint = document.createElement("p"); hint.className = "welcome"; hint.textContent = texts[lang].welcome;
      log.appendChild(hint);
    }
    for (const entry of transcript) log.appendChild(element(entry));
    log.scrollTop = log.scrollHeight;
  }
  function add(entry) {
    if (!transcript.length) log.textContent = ""; // the welcome hint
    transcript.push(entry); save();
    const el = element(entry);
    log.appendChild(el); log.scrollTop = log.scrollHeight;
    return el;
  }

  // socket.io ----------------------------------------------------------------------------------
  const base = new URL(rasaUrl, location.href);
  const socket = io(base.origin, {
    path: base.pathname.replace(/\/$/, "") + "/socket.io",
    transports: ["websocket", "polling"],
    tryAllTransports: true,
  });
  socket.on("connect", () => { ready = false; socket.emit("session_request", { session_id: sessionId }); });
  socket.on("session_confirm", () => {
    ready = true; setState("connected");
    while (outbox.length) {
      const { message, el } = outbox.shift();
      socket.emit("user_uttered", { message, session_id: sessionId });
      el.classList.remove("pending");
    }
  });
  socket.on("disconnect", () => { ready = false; setState("reconnecting"); });
  socket.on("connect_error", () => { ready = false; setState(socket.active ? "reconnecting" : "connecting"); });
  socket.on("bot_uttered", (m) => {
    if (!m || typeof m !== "object") return;
    if (m.text) add({ from: "bot", text: String(m.text) });
    const buttons = (m.quick_replies || m.buttons || [])
      .filter((b) => b && b.title && b.payload)
      .map((b) => ({ title: String(b.title), payload: String(b.payload) }));
    if (buttons.length) add({ buttons }); // attachments and custom payloads are not shown
  });

  function send(message, shown) {
    // quick replies answer the latest question only: they go once the shopper writes
    transcript = transcript.filter((e) => !e.buttons);
    for (const box of log.querySelectorAll(".buttons")) box.remove();
    const el = add({ from: "user", text: shown || message });
    if (ready) socket.emit("user_uttered", { message, session_id: sessionId });
    else { el.classList.add("pending"); outbox.push({ message, el }); }
  }

  // controls -----------------------------------------------------------------------------------
  langSelect.onchange = () => { lang = langSelect.value; localStorage.setItem("faqbot-lang", lang); applyTexts(); };
  $("new").onclick = () => {
    localStorage.removeItem("faqbot-chat:" + sessionId);
    sessionId = newSession(); transcript = []; outbox.length = 0; render();
    socket.disconnect(); // a new socket leaves the old conversation's room
    setState("connecting"); socket.connect();
    input.focus();
  };
  $("form").onsubmit = (e) => {
    e.preventDefault(); const text = input.value.trim(); if (!text) return; input.value = ""; send(text);
  };
  applyTexts();
})();
