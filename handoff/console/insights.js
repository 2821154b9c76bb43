// faqbot insights page (leads): figures, charts and unanswered-question clusters from
// /api/insights*. Everything from the server is put into the page as text, never as HTML.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const CHARTS = [
    ["volume-day", "Conversations per day"],
    ["volume-hour", "Conversations by hour of day (shop time)"],
    ["self-service", "Self-service rate per day"],
    ["thumbs", "Effort question: thumbs up and down per day"],
    ["thumbs-rate", "Thumbs-up share per day"],
  ];
  const KPIS = [
    ["conversations", "Conversations", "int"],
    ["messages", "Shopper messages", "int"],
    ["self_service_rate", "Self-service rate", "pct"],
    ["tickets", "Escalations", "int"],
    ["time_to_claim_median_s", "Time to claim, median", "sec"],
    ["time_to_claim_p90_s", "Time to claim, p90", "sec"],
    ["offline_tickets", "Offline tickets", "int"],
    ["overflow_tickets", "Overflow tickets", "int"],
    ["thumbs_up_rate", "Thumbs-up share (effort question)", "pct"],
    ["fallback_rate", "Conversations with a fallback", "pct"],
    ["none_of_these_rate", "… with “none of these”", "pct"],
    ["not_really_rate", "… with “not really”", "pct"],
  ];
  let csrf = "";
  // ?until=ISO pins the end of every period (reproducible views and screenshots)
  const until = new URLSearchParams(window.location.search).get("until");
  const pinned = until ? `&until=${encodeURIComponent(until)}` : "";

  function format(value, kind) {
    if (value === null || value === undefined) return "–";
    if (kind === "pct") return `${(value * 100).toFixed(1)} %`;
    if (kind === "sec") return value >= 120 ? `${(value / 60).toFixed(1)} min` : `${Math.round(value)} s`;
    return String(value);
  }

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  async function get(path) {
    const response = await fetch(path, { credentials: "same-origin" });
    if (!response.ok) {
      const error = new Error(`HTTP ${response.status}`);
      error.status = response.status;
      throw error;
    }
    return response.json();
  }

  function denied(status) {
    $("status").hidden = true;
    $("content").hidden = true;
    $("denied").hidden = false;
    if (status === 401) $("denied-text").textContent = "You are not logged in. Log in on the console first, with an agent that has the lead role.";
  }

  function table(id, head, rows) {
    const node = $(id);
    const caption = node.querySelector("caption");
    node.replaceChildren(...(caption ? [caption] : []));
    const thead = el("thead");
    const tr = el("tr");
    head.forEach((h) => { const th = el("th", h); th.scope = "col"; tr.append(th); });
    thead.append(tr);
    const tbody = el("tbody");
    rows.forEach((row) => {
      const line = el("tr");
      row.forEach((cell, i) => {
        const td = el(i === 0 ? "th" : "td", cell);
        if (i === 0) td.scope = "row";
        line.append(td);
      });
      tbody.append(line);
    });
    node.append(thead, tbody);
  }

  function showFigures(figures, since) {
    const all = figures.all;
    $("period-text").textContent = `From ${figures.period.since.slice(0, 16).replace("T", " ")} to ${figures.period.until.slice(0, 16).replace("T", " ")} UTC; days and hours in ${figures.period.timezone}.`;
    const kpis = $("kpis");
    kpis.replaceChildren();
    KPIS.forEach(([key, label, kind]) => {
      const box = el("div", undefined, "kpi");
      box.dataset.figure = key;
      box.append(el("dt", label), el("dd", format(all[key], kind)));
      kpis.append(box);
    });
    const charts = $("charts");
    charts.replaceChildren();
    CHARTS.forEach(([name, label]) => {
      const figure = el("figure", undefined, "chart");
      const img = el("img");
      img.src = `/api/insights/charts/${name}.svg?since=${encodeURIComponent(since)}${pinned}`;
      img.alt = label;
      img.width = 720;
      img.height = 220;
      figure.append(img, el("figcaption", label));
      charts.append(figure);
    });
    const cols = ["conversations", "messages", "self_service_rate", "tickets", "time_to_claim_median_s", "time_to_claim_p90_s", "offline_tickets", "overflow_tickets", "thumbs_up_rate", "fallback_rate", "none_of_these_rate", "not_really_rate"];
    const kinds = Object.fromEntries(KPIS.map(([k, , kind]) => [k, kind]));
    const rows = [["All", all]];
    Object.entries(figures.by_language).forEach(([k, v]) => rows.push([`Language ${k}`, v]));
    Object.entries(figures.by_channel).forEach(([k, v]) => rows.push([`Channel ${k}`, v]));
    table("slices", ["", "Conversations", "Messages", "Self-service", "Escalations", "Claim median", "Claim p90", "Offline", "Overflow", "Thumbs up", "Fallback", "None of these", "Not really"],
      rows.map(([name, g]) => [name, ...cols.map((c) => format(g[c], kinds[c]))]));
    table("reasons", ["Reason", "Escalations"], Object.entries(all.escalations_by_reason).map(([k, v]) => [k.replace(/_/g, " "), String(v)]));
    table("top-faq", ["Entry", "Answers"], figures.top_faq.map((e) => [e.id, String(e.answers)]));
  }

  function showClusters(clusters) {
    const list = $("clusters");
    list.replaceChildren();
    $("clusters-status").textContent = clusters.length ? `${clusters.length} groups` : "No unanswered questions in this period.";
    clusters.forEach((c, i) => {
      const item = el("li", undefined, `cluster${c.done ? " is-done" : ""}`);
      item.dataset.cluster = c.id;
      const title = el("h3", `${c.count} × “${c.examples[0]}”`);
      title.id = `cluster-${i}`;
      item.setAttribute("aria-labelledby", title.id);
      const langs = Object.entries(c.languages).map(([k, v]) => `${k} ${v}`).join(", ");
      const kinds = Object.entries(c.kinds).map(([k, v]) => `${k.replace(/_/g, " ")} ${v}`).join(", ");
      const near = c.nearest_entry ? `nearest entry ${c.nearest_entry} (score ${c.nearest_score.toFixed(3)})` : "no entry near";
      const refused = Object.entries(c.rejected || {}).map(([k, v]) => `${k} ${v}×`).join(", ");
      item.append(title, el("p", `Languages: ${langs} · ${kinds} · ${near}`, "cluster-meta"));
      if (refused) item.append(el("p", `“Not really” to the answer of: ${refused}`, "cluster-meta"));
      const examples = el("ul");
      c.examples.forEach((e) => examples.append(el("li", e)));
      item.append(examples);
      item.append(el("p", c.suggestion === "phrasings" ? `Suggestion: add these as phrasings of ${c.nearest_entry}` : "Suggestion: a new entry (write the answers)", "cluster-meta"));
      const pre = el("pre");
      pre.className = "snippet";
      pre.tabIndex = 0;
      pre.setAttribute("aria-label", "YAML snippet");
      pre.append(el("code", c.snippet));
      item.append(pre);
      const actions = el("div", undefined, "cluster-actions");
      if (c.done) {
        actions.append(el("span", "Done", "done-badge"));
      } else {
        const button = el("button", "Mark done", "btn btn-ghost");
        button.type = "button";
        button.setAttribute("aria-describedby", title.id);
        button.addEventListener("click", () => markDone(c.id, button));
        actions.append(button);
      }
      item.append(actions);
      list.append(item);
    });
  }

  async function markDone(id, button) {
    button.disabled = true;
    try {
      const response = await fetch("/api/insights/unanswered/done", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify(until ? { cluster: id, since: "28d", until } : { cluster: id, since: "28d" }),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      await loadClusters();
    } catch (error) {
      button.disabled = false;
      $("clusters-status").textContent = `Could not mark it done (${error.message}); try again.`;
    }
  }

  async function loadPicks() {
    $("picks-status").textContent = "Reading the picks…";
    let found;
    try {
      found = await get(`/api/insights/picks?since=28d${pinned}`);
    } catch (error) {
      $("picks-status").textContent = `Could not read the picks (${error.message}); reload the page to try again.`;
      return;
    }
    const rows = found.picks.map((p) => [p.entry, p.language, p.text, String(p.times)]);
    $("picks-status").textContent = rows.length ? `${rows.length} questions` : "No new questions picked from the buttons in this period.";
    $("picks").hidden = !rows.length;
    $("picks-snippet").hidden = !rows.length;
    table("picks", ["Entry", "Language", "Question", "Picked"], rows);
    $("picks-snippet").querySelector("code").textContent = found.snippet;
  }

  async function loadClusters() {
    $("clusters-status").textContent = "Grouping the questions…";
    const found = await get(`/api/insights/unanswered?since=28d${pinned}`);
    showClusters(found.clusters);
  }

  async function load() {
    const since = $("period").value;
    $("status").hidden = false;
    $("status").textContent = "Loading the figures…";
    try {
      const session = await get("/api/session");
      csrf = session.csrf_token;
      const figures = await get(`/api/insights?since=${encodeURIComponent(since)}${pinned}`);
      showFigures(figures, since);
      $("content").hidden = false;
      $("status").textContent = "";
      $("status").hidden = true;
      await Promise.all([loadClusters(), loadPicks()]);
    } catch (error) {
      if (error.status === 401 || error.status === 403) denied(error.status);
      else $("status").textContent = `Could not load the figures (${error.message}); reload the page to try again.`;
    }
  }

  $("period").addEventListener("change", load);
  load();
})();
