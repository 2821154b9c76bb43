// faqbot agent console: help for agents (README "Help for agents"), on top of console.js
// (window.faqbotConsole). The bot's FAQ guesses insert their answer in the shopper's language,
// "/" in the reply box lists saved replies, a verified order is shown on the ticket, a video
// call link is one click, and the agent is told when the shopper writes a language they did
// not list. Same rules as console.js: server text goes in as text, never as HTML.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const LANG_NAMES = { fi: "Finnish", sv: "Swedish", en: "English" };
  const ORDER_STATUS = {
    received: "Received",
    processing: "Being packed",
    shipped: "Shipped",
    ready_for_pickup: "Ready for pickup",
    delivered: "Delivered",
    cancelled: "Cancelled",
  };

  const help = {
    me: null, // {name, role, languages}
    replies: [], // every saved reply (all languages)
    ticketId: null,
    ticketHelp: null,
    slash: { open: false, start: 0, items: [], active: 0 },
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  const hooks = () => window.faqbotConsole;
  const api = (method, path, body) => hooks().api(method, path, body);

  // ---------------------------------------------------------------------------------------
  // the agent and the saved replies

  async function onSession() {
    try {
      help.me = await api("GET", "/api/me");
      hooks().languages = help.me.languages;
      hooks().redrawQueue();
    } catch (_error) {
      help.me = null;
    }
    await loadReplies();
  }

  async function loadReplies() {
    try {
      help.replies = await api("GET", "/api/replies");
    } catch (_error) {
      help.replies = [];
    }
    renderRepliesDialog();
    if (help.slash.open) onComposerInput(); // the list the agent is looking at, up to date
  }

  // ---------------------------------------------------------------------------------------
  // the open ticket

  function onTicket(event) {
    const { ticket, firstLoad } = event.detail;
    addInsertButtons(ticket);
    if (firstLoad || ticket.id !== help.ticketId) {
      help.ticketId = ticket.id;
      help.ticketHelp = null;
      closeSlash();
      show($("order-panel"), false);
      loadTicketHelp(ticket.id);
      loadOrder(ticket.id);
    }
    renderTicketHelp();
  }

  async function loadTicketHelp(id) {
    try {
      const found = await api("GET", `/api/conversations/${id}/help`);
      if (id !== help.ticketId) return;
      help.ticketHelp = found;
      renderTicketHelp();
    } catch (_error) {
      /* the console's own poll reports a lost connection */
    }
  }

  function mine(ticket) {
    return !!ticket && ticket.status === "active" && ticket.agent === hooks().agent;
  }

  function renderTicketHelp() {
    const ticket = hooks().ticket;
    const found = help.ticketHelp;
    const note = $("language-note");
    const waiting = ticket && (ticket.status === "queued" || mine(ticket));
    if (found && found.language_note && waiting) {
      const others = found.speakers_online.length ? ` Online and speaking it: ${found.speakers_online.join(", ")}.` : "";
      note.textContent = found.language_note + others;
      show(note, true);
    } else {
      show(note, false);
    }
    show($("video-call"), !!(found && found.video_call && hooks().canReply()));
  }

  async function loadOrder(id) {
    let found;
    try {
      found = await api("GET", `/api/conversations/${id}/order`);
    } catch (_error) {
      return;
    }
    if (id !== help.ticketId) return;
    const list = $("order-details");
    list.replaceChildren();
    $("order-error").textContent = found.error ? `Could not read the order: ${found.error}` : "";
    const order = found.order;
    if (order) {
      const tracking = order.tracking_url
        ? el("a", { href: order.tracking_url, target: "_blank", rel: "noopener noreferrer", text: order.tracking_code || order.tracking_url })
        : document.createTextNode(order.tracking_code || "–");
      const rows = [
        ["Order", `#${order.number}`],
        ["Status", ORDER_STATUS[order.status] || order.status],
        ["Items", order.items.length ? order.items.join(", ") : "–"],
        ["Carrier", order.carrier || "–"],
        ["Tracking", tracking],
        ["Expected", order.expected_delivery || "–"],
      ];
      if (order.pickup_point) rows.splice(2, 0, ["Pickup point", order.pickup_point]);
      // the customer's other orders (same email), newest first; the API lists them only
      // once the shopper verified an order in this chat
      const others = order.other_orders || [];
      if (others.length) {
        const items = others.map((other) =>
          el("li", { text: `#${other.number} · ${other.placed_on} · ${ORDER_STATUS[other.status] || other.status}` }));
        rows.push(["Other orders", el("ul", { id: "order-others", class: "other-orders" }, ...items)]);
      }
      for (const [term, value] of rows) {
        list.append(el("div", { class: "details-row", dataset: { field: term.toLowerCase().replace(" ", "-") } }, el("dt", { text: term }), el("dd", {}, value)));
      }
    }
    show($("order-panel"), !!order || !!found.error);
  }

  // ---------------------------------------------------------------------------------------
  // the bot's FAQ guesses: insert the answer

  function addInsertButtons(ticket) {
    const candidates = Array.isArray(ticket.faq_candidates) ? ticket.faq_candidates : [];
    const items = $("candidates").querySelectorAll("li.candidate");
    items.forEach((item, index) => {
      const candidate = candidates[index];
      if (!candidate || item.querySelector(".candidate-insert")) return;
      const button = el("button", {
        type: "button",
        class: "btn btn-ghost btn-small candidate-insert",
        dataset: { entry: String(candidate.id) },
        text: "Insert answer",
        "aria-label": `Insert answer: ${candidate.id}`,
      });
      button.disabled = !hooks().canReply();
      item.append(button);
    });
  }

  async function onCandidatesClick(event) {
    const button = event.target.closest(".candidate-insert");
    if (!button) return;
    const ticket = hooks().ticket;
    if (!ticket) return;
    $("send-error").textContent = "";
    try {
      const path = `/api/faq/${encodeURIComponent(button.dataset.entry)}?language=${encodeURIComponent(ticket.language)}`;
      const found = await api("GET", path);
      insert(found.answer);
      if (found.language !== ticket.language) {
        $("send-error").textContent = `This answer has no ${LANG_NAMES[ticket.language] || ticket.language} version; the ${LANG_NAMES[found.language] || found.language} one was inserted.`;
      }
      hooks().announce("Answer inserted into the reply. Edit it, then send.");
    } catch (error) {
      $("send-error").textContent = error.status === 404 ? "This FAQ entry no longer exists." : hooks().friendly("reply", error);
    }
  }

  /** Put ``text`` into the reply box at the caret (replacing ``from``..caret), for editing. */
  function insert(text, from) {
    if (hooks().mode !== "reply") hooks().setMode("reply");
    const box = $("composer-text");
    if (box.disabled) return;
    const end = box.selectionEnd ?? box.value.length;
    const start = from ?? box.selectionStart ?? end;
    box.focus();
    box.setRangeText(text, start, end, "end");
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // ---------------------------------------------------------------------------------------
  // "/" in the reply box: saved replies in the shopper's language

  function slashQuery() {
    const box = $("composer-text");
    const caret = box.selectionStart;
    const before = box.value.slice(0, caret);
    const match = /(^|\s)\/([^\s/]*)$/.exec(before);
    if (!match) return null;
    return { start: caret - match[2].length - 1, query: match[2].toLowerCase() };
  }

  function onComposerInput() {
    const ticket = hooks().ticket;
    const found = hooks().mode === "reply" && ticket ? slashQuery() : null;
    if (!found) {
      closeSlash();
      return;
    }
    const language = String(ticket.language).toLowerCase();
    const items = help.replies.filter(
      (reply) =>
        reply.language === language && (reply.title.toLowerCase().includes(found.query) || reply.text.toLowerCase().includes(found.query)),
    );
    help.slash = { open: true, start: found.start, items, active: 0 };
    renderSlash();
  }

  function renderSlash() {
    const list = $("saved-replies");
    const box = $("composer-text");
    const { items, active } = help.slash;
    list.replaceChildren();
    if (!items.length) {
      const ticket = hooks().ticket;
      const name = LANG_NAMES[ticket && ticket.language] || "this language";
      list.append(el("li", { class: "saved-reply-none", role: "option", "aria-disabled": "true", text: `No saved reply in ${name} matches.` }));
    }
    items.forEach((reply, index) => {
      list.append(
        el(
          "li",
          { id: `saved-reply-${reply.id}`, class: "saved-reply", role: "option", "aria-selected": String(index === active), dataset: { index: String(index) } },
          el("span", { class: "saved-reply-title", text: reply.title }),
          el("span", { class: "saved-reply-text", text: reply.text }),
        ),
      );
    });
    show(list, true);
    box.setAttribute("aria-controls", "saved-replies");
    if (items.length) box.setAttribute("aria-activedescendant", `saved-reply-${items[active].id}`);
    else box.removeAttribute("aria-activedescendant");
  }

  function closeSlash() {
    help.slash.open = false;
    show($("saved-replies"), false);
    const box = $("composer-text");
    box.removeAttribute("aria-activedescendant");
    box.removeAttribute("aria-controls");
  }

  function choose(index) {
    const reply = help.slash.items[index];
    if (!reply) return;
    const start = help.slash.start;
    closeSlash();
    insert(reply.text, start);
    hooks().announce(`Saved reply "${reply.title}" inserted.`);
  }

  // capture phase on the form: runs before console.js's Enter-sends on the box
  function onComposerKeyCapture(event) {
    if (!help.slash.open || event.target !== $("composer-text")) return;
    const count = help.slash.items.length;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!count) return;
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      help.slash.active = (help.slash.active + step + count) % count;
      renderSlash();
    } else if (event.key === "Enter" || event.key === "Tab") {
      if (!count || event.shiftKey) return;
      event.preventDefault();
      event.stopPropagation();
      choose(help.slash.active);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      closeSlash();
    }
  }

  function onSlashClick(event) {
    const item = event.target.closest(".saved-reply");
    if (item) choose(Number(item.dataset.index));
  }

  // ---------------------------------------------------------------------------------------
  // video call

  async function onVideoCall() {
    const ticket = hooks().ticket;
    if (!ticket) return;
    const button = $("video-call");
    $("send-error").textContent = "";
    button.disabled = true;
    try {
      const message = await api("POST", `/api/conversations/${ticket.id}/video`, {});
      hooks().sent([message]);
      hooks().announce("Video call link sent to the shopper.");
    } catch (error) {
      $("send-error").textContent = hooks().friendly("reply", error);
    } finally {
      button.disabled = false;
    }
  }

  // ---------------------------------------------------------------------------------------
  // the saved replies dialog (leads edit, everyone reads)

  function isLead() {
    return !!help.me && help.me.role === "lead";
  }

  function renderRepliesDialog() {
    const container = $("replies-list");
    container.replaceChildren();
    for (const code of ["fi", "sv", "en"]) {
      const mineOnes = help.replies.filter((reply) => reply.language === code);
      const list = el("ul", { class: "replies-group" });
      if (!mineOnes.length) list.append(el("li", { class: "muted", text: "None yet." }));
      for (const reply of mineOnes) {
        list.append(
          el(
            "li",
            { class: "replies-item" },
            el("span", { class: "saved-reply-title", text: reply.title }),
            el("span", { class: "saved-reply-text", text: reply.text }),
            isLead()
              ? el(
                  "span",
                  { class: "replies-actions" },
                  el("button", { type: "button", class: "btn btn-ghost btn-small", dataset: { edit: String(reply.id) }, text: "Edit", "aria-label": `Edit ${reply.title}` }),
                  el("button", { type: "button", class: "btn btn-ghost btn-small", dataset: { remove: String(reply.id) }, text: "Delete", "aria-label": `Delete ${reply.title}` }),
                )
              : null,
          ),
        );
      }
      container.append(el("h3", { class: "replies-language", text: `${LANG_NAMES[code]} (${code.toUpperCase()})` }), list);
    }
    show($("reply-form"), isLead());
  }

  let editing = null;

  function startEdit(reply) {
    editing = reply ? reply.id : null;
    $("reply-form-title").textContent = reply ? "Edit saved reply" : "New saved reply";
    $("reply-language").value = reply ? reply.language : "fi";
    $("reply-title").value = reply ? reply.title : "";
    $("reply-text").value = reply ? reply.text : "";
    $("reply-error").textContent = "";
    $("reply-title").focus();
  }

  async function onRepliesClick(event) {
    const edit = event.target.closest("[data-edit]");
    const remove = event.target.closest("[data-remove]");
    if (edit) startEdit(help.replies.find((reply) => String(reply.id) === edit.dataset.edit));
    if (remove) {
      try {
        await api("DELETE", `/api/replies/${remove.dataset.remove}`);
        await loadReplies();
      } catch (error) {
        $("reply-error").textContent = error.detail || "Could not delete it.";
      }
    }
  }

  async function onReplySave(event) {
    event.preventDefault();
    const body = {
      language: $("reply-language").value,
      title: $("reply-title").value.trim(),
      text: $("reply-text").value.trim(),
    };
    if (!body.title || !body.text) {
      $("reply-error").textContent = "Give the reply a title and a text.";
      return;
    }
    try {
      if (editing === null) await api("POST", "/api/replies", body);
      else await api("PUT", `/api/replies/${editing}`, body);
      startEdit(null);
      await loadReplies();
    } catch (error) {
      $("reply-error").textContent = error.detail || "Could not save it.";
    }
  }

  function boot() {
    document.addEventListener("faqbot:session", onSession);
    document.addEventListener("faqbot:ticket", onTicket);
    $("candidates").addEventListener("click", onCandidatesClick);
    $("composer-text").addEventListener("input", onComposerInput);
    $("composer-text").addEventListener("blur", () => setTimeout(() => {
      if (!$("saved-replies").matches(":hover")) closeSlash();
    }, 150));
    $("composer-form").addEventListener("keydown", onComposerKeyCapture, true);
    $("composer-form").addEventListener("submit", closeSlash);
    $("saved-replies").addEventListener("mousedown", (event) => event.preventDefault()); // keep the caret
    $("saved-replies").addEventListener("click", onSlashClick);
    $("video-call").addEventListener("click", onVideoCall);
    $("replies-open").addEventListener("click", () => {
      loadReplies();
      $("replies-dialog").showModal();
    });
    $("replies-close").addEventListener("click", () => $("replies-dialog").close());
    $("replies-list").addEventListener("click", onRepliesClick);
    $("reply-form").addEventListener("submit", onReplySave);
    $("reply-new").addEventListener("click", () => startEdit(null));
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
