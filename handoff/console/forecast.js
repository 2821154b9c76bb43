// The staffing forecast page: GET /api/forecast (the same JSON as `faqbot forecast --json`),
// drawn as an SVG chart per hour and two tables. `?at=ISO` forecasts as of that moment.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child != null) node.append(child);
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, String(value));
    return node;
  }

  function hourText(hour) {
    return `${String(hour).padStart(2, "0")}:00`;
  }

  function percent(value) {
    return value == null ? "–" : `${(value * 100).toFixed(1)} %`;
  }

  async function getJson(path) {
    const response = await fetch(path, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
    let data = null;
    try {
      data = await response.json();
    } catch (_error) {
      data = null;
    }
    if (!response.ok) {
      const error = new Error((data && typeof data.detail === "string" && data.detail) || response.statusText);
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function renderFacts(data) {
    const handling = data.handling.measured
      ? `${data.handling.mean_minutes} min (median ${data.handling.median_minutes}, ${data.handling.tickets} chats)`
      : `${data.handling.mean_minutes} min (default: no chat claimed and closed yet)`;
    const facts = [
      ["Target", `${Math.round(data.service_level * 100)} % claimed within ${data.answer_seconds} s`],
      ["Team", `${data.team_size} agents, from ${data.team_size_source}`],
      ["Handling time (claim → close)", handling],
      ["Learnt from", `${data.history.tickets} chats, ${data.history.start.replace("T", " ")} – ${data.history.end.replace("T", " ")}`],
      ["Method", data.method],
      ["Overflow partner", data.overflow_partner || "none configured"],
    ];
    $("fc-facts").replaceChildren(...facts.map(([term, value]) => el("div", {}, el("dt", { text: term }), el("dd", { text: value }))));
    $("fc-note").textContent = `${data.note} Times are ${data.timezone}.`;
  }

  function renderChart(data) {
    const hours = data.hours;
    const width = 1120;
    const height = 260;
    const left = 34;
    const top = 10;
    const bottom = 36;
    const plotW = width - left - 8;
    const plotH = height - top - bottom;
    const maxValue = Math.max(1, data.team_size, ...hours.map((h) => Math.max(h.escalations, h.agents_needed)));
    const step = plotW / hours.length;
    const y = (value) => top + plotH - (value / maxValue) * plotH;
    const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-labelledby": "fc-chart-desc" });
    const desc = svg("title", { id: "fc-chart-desc" });
    const overflowCount = hours.filter((h) => h.overflow).length;
    desc.textContent = `Escalations and agents needed for ${hours.length} hours; ${overflowCount} hours need the overflow partner.`;
    chart.append(desc);
    const ticks = 4;
    for (let i = 0; i <= ticks; i += 1) {
      const value = (maxValue / ticks) * i;
      chart.append(svg("line", { class: "grid", x1: left, x2: width - 8, y1: y(value), y2: y(value) }));
      const label = svg("text", { class: "axis", x: left - 4, y: y(value) + 4, "text-anchor": "end" });
      label.textContent = value.toFixed(value < 10 ? 1 : 0);
      chart.append(label);
    }
    hours.forEach((hour, index) => {
      const x = left + index * step;
      if (!hour.open) chart.append(svg("rect", { class: "closed", x, y: top, width: step, height: plotH }));
      const bar = svg("rect", {
        class: hour.overflow ? "bar overflow" : "bar",
        x: x + 0.5,
        y: y(hour.escalations),
        width: Math.max(step - 1, 1),
        height: top + plotH - y(hour.escalations),
        "data-start": hour.start,
      });
      const tip = svg("title", {});
      tip.textContent = `${hour.start.replace("T", " ")}: ${hour.escalations} escalations, ${hour.agents_needed} agents${hour.overflow ? ", book the overflow partner" : ""}`;
      bar.append(tip);
      chart.append(bar);
      if (hour.hour === 0) {
        const day = svg("text", { class: "axis", x: x + 2, y: height - bottom + 16 });
        day.textContent = `${hour.weekday} ${hour.start.slice(8, 10)}.${hour.start.slice(5, 7)}.`;
        chart.append(day);
        chart.append(svg("line", { class: "grid", x1: x, x2: x, y1: top, y2: top + plotH }));
      }
    });
    const points = hours.map((hour, index) => `${left + (index + 0.5) * step},${y(hour.agents_needed)}`).join(" ");
    chart.append(svg("polyline", { class: "agents", points }));
    chart.append(svg("line", { class: "team", x1: left, x2: width - 8, y1: y(data.team_size), y2: y(data.team_size) }));
    $("fc-chart").replaceChildren(chart);
  }

  function renderDays(data) {
    const rows = data.days.map((day) => {
      const mark = day.holiday
        ? "holiday (closed)"
        : day.overflow_hours.map(hourText).join(", ") || "–";
      return el(
        "tr",
        { class: day.overflow_hours.length ? "is-overflow" : "", "data-date": day.date },
        el("td", { text: day.date }),
        el("td", { text: day.weekday }),
        el("td", { class: "num", text: day.escalations.toFixed(1) }),
        el("td", { class: "num", text: String(day.peak_agents) }),
        el("td", { class: day.overflow_hours.length ? "fc-mark" : "", text: mark }),
      );
    });
    $("fc-days").tBodies[0].replaceChildren(...rows);
  }

  function renderHours(data, date) {
    const rows = data.hours
      .filter((hour) => hour.start.startsWith(date))
      .map((hour) => {
        const mark = !hour.open ? (hour.holiday ? "holiday (closed)" : "closed") : hour.overflow ? "book the overflow partner" : "";
        const rowClass = hour.overflow ? "is-overflow" : hour.open ? "" : "is-closed";
        return el(
          "tr",
          { class: rowClass, "data-start": hour.start },
          el("td", { text: hourText(hour.hour) }),
          el("td", { class: "num", text: hour.escalations.toFixed(2) }),
          el("td", { class: "num", text: String(hour.agents_needed) }),
          el("td", { class: "num", text: percent(hour.team_service_level) }),
          el("td", { class: hour.overflow ? "fc-mark" : "", text: mark }),
        );
      });
    $("fc-hours").tBodies[0].replaceChildren(...rows);
  }

  async function boot() {
    try {
      const session = await getJson("/api/session");
      $("fc-me-name").textContent = session.agent;
      $("fc-me").hidden = false;
    } catch (error) {
      $("fc-status").hidden = true;
      if (error.status === 401) $("fc-login").hidden = false;
      else $("fc-error").textContent = `The forecast could not be loaded: ${error.message}`;
      return;
    }
    const at = new URLSearchParams(window.location.search).get("at");
    let data;
    try {
      data = await getJson(at ? `/api/forecast?at=${encodeURIComponent(at)}` : "/api/forecast");
    } catch (error) {
      $("fc-status").hidden = true;
      $("fc-error").textContent = `The forecast could not be loaded: ${error.message}`;
      return;
    }
    renderFacts(data);
    renderChart(data);
    renderDays(data);
    const pick = $("fc-day-pick");
    pick.replaceChildren(...data.days.map((day) => el("option", { value: day.date, text: `${day.weekday} ${day.date}` })));
    const firstOverflow = data.days.find((day) => day.overflow_hours.length);
    pick.value = (firstOverflow || data.days[0]).date;
    pick.addEventListener("change", () => renderHours(data, pick.value));
    renderHours(data, pick.value);
    $("fc-status").textContent = `Forecast made at ${data.made_at.replace("T", " ")} (${data.timezone}).`;
    $("fc-body").hidden = false;
  }

  document.addEventListener("DOMContentLoaded", boot);
})();
