/* Agent SPA: a thin client over the agent API (/v1/tickets…). No build step, no framework. */
(function () {
  "use strict";
  const API = (window.AFTERSALES_API_BASE || "").replace(/\/$/, "");
  const STATUSES = ["new", "triaged", "assigned", "in_progress", "waiting_customer", "resolved", "closed"];
  let lang = localStorage.getItem("aftersales.lang") || "zh-CN";
  let current = null;
  let cursor = null;

  const $ = (sel) => document.querySelector(sel);
  const t = (key) => (I18N[lang][key] !== undefined ? I18N[lang][key] : key);
  const cat = (code) => I18N[lang].categories[code] || code;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([k, v]) => {
      if (k === "class") node.className = v; else node.setAttribute(k, v);
    });
    children.flat().forEach((c) => node.append(c instanceof Node ? c : document.createTextNode(String(c ?? ""))));
    return node;
  }

  function toast(text) {
    const box = $("#toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { box.hidden = true; }, 3000);
  }

  async function api(path, options) {
    const headers = { "Content-Type": "application/json" };
    const token = localStorage.getItem("aftersales.token");
    if (token) headers.Authorization = "Bearer " + token;
    const response = await fetch(API + path, { ...(options || {}), headers });
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      const message = body.message || (body.detail && JSON.stringify(body.detail)) || response.statusText;
      throw new Error(`${response.status} ${message}`);
    }
    return body;
  }

  function applyLanguage() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach((n) => { n.textContent = t(n.dataset.i18n); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach((n) => { n.placeholder = t(n.dataset.i18nPlaceholder); });
    $("#lang").textContent = t("lang_switch");
    const select = $("#category");
    select.replaceChildren(...Object.keys(I18N[lang].categories).map((c) => el("option", { value: c }, cat(c))));
    $("#status").replaceChildren(...STATUSES.map((s) => el("option", { value: s }, s)));
    document.title = t("title");
  }

  function row(ticket) {
    const tr = el("tr", { "data-id": ticket.id },
      el("td", {}, ticket.id),
      el("td", {}, ticket.channel),
      el("td", {}, el("span", { class: ticket.needs_review ? "badge review" : "badge" }, cat(ticket.category))),
      el("td", {}, ticket.priority),
      el("td", {}, ticket.status),
      el("td", {}, new Date(ticket.created_at).toLocaleString(lang)));
    tr.addEventListener("click", () => openTicket(ticket.id));
    return tr;
  }

  async function loadList(append) {
    const params = new URLSearchParams({ limit: "50" });
    const status = $("#filter-status").value;
    if (status) params.set("status", status);
    if (append && cursor) params.set("cursor", cursor);
    try {
      const page = await api("/v1/tickets?" + params.toString());
      const body = $("#tickets tbody");
      if (!append) body.replaceChildren();
      page.items.forEach((ticket) => body.append(row(ticket)));
      cursor = page.next_cursor;
      $("#more").hidden = !cursor;
      $("#empty").hidden = body.children.length > 0;
    } catch (err) {
      toast(t("error") + ": " + err.message);
    }
  }

  function field(name, value) {
    return [el("dt", {}, t(name)), el("dd", {}, value ?? "—")];
  }

  function renderTicket(ticket) {
    current = ticket;
    $("#detail-pane").hidden = false;
    document.querySelectorAll("#tickets tbody tr").forEach((tr) => tr.classList.toggle("selected", tr.dataset.id === ticket.id));
    $("#d-title").textContent = `${ticket.id} · ${cat(ticket.category)}`;
    const flags = [ticket.needs_review ? t("needs_review") : "", ticket.incomplete ? t("incomplete") : ""].filter(Boolean);
    $("#d-fields").replaceChildren(
      ...field("customer", `${ticket.customer.name || ""} (${ticket.customer.id})`),
      ...field("channel", ticket.channel),
      ...field("order", ticket.order_id),
      ...field("status", ticket.status + (flags.length ? " · " + flags.join(" · ") : "")),
      ...field("aftersale", ticket.aftersale_status),
      ...field("priority", ticket.priority),
      ...field("team", ticket.team),
      ...field("assignee", ticket.assignee),
      ...field("version", ticket.version));
    const messages = ticket.messages.length ? ticket.messages : [{ at: ticket.created_at, direction: "inbound", channel: ticket.channel, text: ticket.text }];
    $("#d-messages").replaceChildren(...messages.map((m) => el("li", { class: m.direction },
      el("time", {}, new Date(m.at).toLocaleString(lang)), " [", m.channel, "] ", m.text,
      m.merged_from ? el("span", { class: "merged" }, ` (${t("merged_from")} ${m.merged_from})`) : "")));
    $("#d-history").replaceChildren(...ticket.history.map((h) => el("li", {},
      el("time", {}, new Date(h.at).toLocaleString(lang)), ` ${h.actor}: ${h.action} `, JSON.stringify(h.detail))));
    $("#category").value = ticket.category;
    $("#status").value = ticket.status;
  }

  async function openTicket(id) {
    try {
      renderTicket(await api("/v1/tickets/" + encodeURIComponent(id)));
    } catch (err) {
      toast(t("error") + ": " + err.message);
    }
  }

  async function post(path, body) {
    if (!current) return;
    try {
      renderTicket(await api(`/v1/tickets/${encodeURIComponent(current.id)}/${path}`, { method: "POST", body: JSON.stringify(body) }));
      toast(t("saved"));
      loadList(false);
    } catch (err) {
      toast(t("error") + ": " + err.message);
    }
  }

  function onSubmit(selector, handler) {
    $(selector).addEventListener("submit", (event) => { event.preventDefault(); handler(); });
  }

  onSubmit("#f-category", () => post("category", { category: $("#category").value, expected_version: current.version }));
  onSubmit("#f-status", () => post("status", { status: $("#status").value, expected_version: current.version }));
  onSubmit("#f-reply", () => post("actions", { action: "reply", text: $("#reply-text").value }));
  onSubmit("#f-return", () => post("actions", { action: "agree_return", return_address: $("#return-address").value }));
  onSubmit("#f-refuse", () => post("actions", { action: "refuse", reason: $("#refuse-reason").value }));
  $("#agree-refund").addEventListener("click", () => post("actions", { action: "agree_refund" }));
  $("#refresh").addEventListener("click", () => loadList(false));
  $("#more").addEventListener("click", () => loadList(true));
  $("#filter-status").addEventListener("change", () => loadList(false));
  $("#lang").addEventListener("click", () => {
    lang = lang === "zh-CN" ? "en" : "zh-CN";
    localStorage.setItem("aftersales.lang", lang);
    applyLanguage();
    if (current) renderTicket(current);
    loadList(false);
  });

  applyLanguage();
  loadList(false);
})();
