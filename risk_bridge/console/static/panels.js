// The side panels: holds (with the release workflow), container search (ISO 6346 checked as
// typed), lanes and zones (close / reopen), alerts (acknowledge) and the KPIs with small charts.
import { get, post, session } from "./api.js";
import { t, label, place, timeEl, currentLang } from "./i18n.js";

const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v; else if (k.startsWith("data-")) e.setAttribute(k, v); else e[k] = v;
  }
  e.append(...kids);
  return e;
};

// ISO 6346: letters A=10, B=12, ... skipping multiples of 11; weights 2^i; sum mod 11 mod 10.
export function checkDigit(first10) {
  let value = 10, sum = 0;
  const letters = {};
  for (const ch of "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
    if (value % 11 === 0) value += 1;
    letters[ch] = value++;
  }
  for (let i = 0; i < 10; i++) {
    const ch = first10[i];
    const n = i < 4 ? letters[ch] : Number(ch);
    sum += n * 2 ** i;
  }
  return (sum % 11) % 10;
}

export function validateIso6346(s) {
  if (!/^[A-Z]{3}[UJZR][0-9]{7}$/.test(s)) return { ok: false, why: t("invalid_number") };
  const d = checkDigit(s.slice(0, 10));
  if (d !== Number(s[10])) return { ok: false, why: t("check_digit", { d }) };
  return { ok: true };
}

export async function refreshHolds() {
  const list = document.getElementById("holds");
  const holds = await get("/v1/holds?active=true");
  document.getElementById("holds-empty").hidden = holds.length > 0;
  // Rows of holds still active stay as they are: a refresh must not wipe a reason being typed
  // or a release waiting for its confirmation.
  // (A row drawn in another language, or before a sign-in change, is drawn again.)
  const key = (id) => `${id}|${currentLang()}|${session ? session.subject : ""}`;
  const ids = holds.map((h) => key(h.hold_id));
  const shown = [...list.children].map((li) => li.dataset.hold);
  if (ids.length === shown.length && ids.every((id, i) => id === shown[i])) return;
  const rows = new Map([...list.children].map((li) => [li.dataset.hold, li]));
  list.replaceChildren(...holds.map((h) => rows.get(key(h.hold_id)) || holdRow(h, key(h.hold_id))));
}

function releaseRefusal(h) {
  if (!session) return t("sign_in_first");
  if (session.role !== "officer" || session.authority !== h.authority) return t("need_officer", { a: place(h.authority) });
  return null;
}

function holdRow(h, rowKey) {
  const where = h.station || (h.position && (h.position.node || h.position.vehicle_id)) || "–";
  const reason = el("input", { className: "release-reason", placeholder: t("reason"), "data-i18n-placeholder": "reason" });
  const btn = el("button", { className: "release" }, label("release"));
  const result = el("span", { className: "result" });
  const refusal = releaseRefusal(h);
  if (refusal) { btn.disabled = true; reason.disabled = true; btn.title = refusal; result.textContent = refusal; }
  btn.addEventListener("click", () => {
    if (!reason.value.trim()) { result.textContent = t("reason_required"); return; }
    const confirm = el("button", { className: "confirm-release" }, label("confirm_release"));
    const cancel = el("button", { className: "cancel" }, label("cancel"));
    result.replaceChildren(confirm, cancel);
    cancel.addEventListener("click", () => result.replaceChildren());
    confirm.addEventListener("click", async () => {
      confirm.disabled = true;
      try {
        const r = await post(`/v1/holds/${encodeURIComponent(h.container_id)}/release`, { reason: reason.value.trim() });
        result.replaceChildren(label("released"), document.createTextNode(` ${r.officer || ""} `), timeEl(r.released_at || r.at));
        btn.disabled = true;
      } catch (e) {
        result.replaceChildren(label("refused"), document.createTextNode(`: ${e.message}`));
      }
    });
  });
  return el("li", { className: "hold", "data-container": h.container_id, "data-authority": h.authority, "data-hold": rowKey },
    el("b", { text: h.container_id }), " ", el("span", { className: "badge", text: place(h.authority) }), " ",
    label("at"), ` ${where} · `, label("held_since"), " ", timeEl(h.placed_at), el("br"),
    label("why"), `: ${h.reason}`, el("br"), reason, btn, result);
}

export function wireSearch() {
  const q = document.getElementById("container-q");
  const valid = document.getElementById("container-valid");
  const out = document.getElementById("container-result");
  q.addEventListener("input", async () => {
    q.value = q.value.toUpperCase().replace(/[^A-Z0-9]/g, "");
    out.replaceChildren();
    if (q.value.length < 11) { valid.textContent = ""; valid.className = "valid"; return; }
    const v = validateIso6346(q.value);
    valid.textContent = v.ok ? t("valid_number") : v.why;
    valid.className = v.ok ? "valid ok" : "valid bad";
    if (v.ok) await showContainer(q.value, out);
  });
}

export async function showContainer(cid, out) {
  out.replaceChildren();
  let doc, custody;
  try {
    [doc, custody] = await Promise.all([get(`/v1/containers/${cid}`), get(`/v1/containers/${cid}/custody`)]);
  } catch (e) {
    out.append(e.status === 404 ? label("not_found") : document.createTextNode(e.message));
    return;
  }
  const pos = doc.position ? `${doc.position.state || ""} ${doc.position.node || ""} ${doc.position.vehicle_id || ""}` : "–";
  const status = custody.status === "verified" ? "verified" : custody.status === "failed" ? "failed" : "no_ledger";
  const verdicts = el("ul", { className: "risk-history" }, ...doc.verdicts.map((v) =>
    el("li", {}, `${v.level} · ${place(v.authority)} · `, timeEl(v.issued_at))));
  const holds = el("ul", { className: "container-holds" }, ...doc.holds.map((h) =>
    el("li", {}, `${place(h.authority)} · ${h.reason} · ${h.status} · `, timeEl(h.placed_at))));
  const events = el("ol", { className: "custody-events" }, ...custody.events.map((e) =>
    el("li", { className: e.included ? "ok" : "bad" }, `#${e.seq} ${e.kind} · ${e.actor || ""} · ${e.node || ""} · ${e.included ? "✓" : "✗"}`)));
  out.append(
    el("p", {}, label("position"), `: ${pos} · `, label("risk"), `: ${doc.effective_level}`),
    el("h3", {}, label("risk_history")), verdicts, holds,
    el("h3", {}, label("custody"), " ", el("span", { id: "custody-status", className: `custody ${status}`, "data-status": status }, label(status))),
    custody.why ? el("p", { className: "why", text: custody.why }) : "", events);
}

export function wireLanes(map) {
  const pick = document.getElementById("lane-pick");
  const result = document.getElementById("lane-result");
  const act = async (verb) => {
    const opt = pick.selectedOptions[0];
    if (!opt) return;
    const reason = document.getElementById("lane-reason").value.trim();
    try {
      await post(`/v1/lanes/${encodeURIComponent(opt.value)}/${verb}`, { reason, is_zone: opt.dataset.zone === "1" });
      result.replaceChildren(label("done"));
      await refreshLanes(map);
    } catch (e) {
      result.replaceChildren(label("refused"), document.createTextNode(`: ${e.message}`));
    }
  };
  document.getElementById("lane-close").addEventListener("click", () => act("close"));
  document.getElementById("lane-open").addEventListener("click", () => act("open"));
  map.onLaneClick = (lane) => { pick.value = lane.lane_id || lane.id; };
}

export async function refreshLanes(map) {
  const doc = await get("/v1/lanes");
  const pick = document.getElementById("lane-pick");
  const keep = pick.value;
  const opts = [...doc.lanes.map((id) => el("option", { value: id, text: `${t("lane")} ${id}` })),
    ...doc.zones.map((id) => el("option", { value: id, text: `${t("zone")} ${id}`, "data-zone": "1" }))];
  pick.replaceChildren(...opts);
  if (keep) pick.value = keep;
  const closed = [];
  const rows = [];
  for (const [id, by] of Object.entries(doc.closed || {})) {
    closed.push(id);
    rows.push(el("li", { "data-lane": id }, `${id} · ${t("closed_by", { who: by.join(", ") })}`));
  }
  document.getElementById("lanes-closed").replaceChildren(...rows);
  map.setClosed(closed);
  const op = session && session.role === "operator";
  for (const id of ["lane-close", "lane-open"]) {
    const b = document.getElementById(id);
    b.disabled = !op;
    b.title = op ? "" : t("need_operator");
  }
}

// Operators and officers acknowledge; viewers look only (the server refuses them anyway).
function ackRefusal() {
  if (!session) return t("sign_in_first");
  return session.role === "operator" || session.role === "officer" ? null : t("need_acker");
}

export async function refreshAlerts() {
  const alerts = await get("/v1/alerts");
  document.getElementById("alerts-empty").hidden = alerts.length > 0;
  document.getElementById("alerts").replaceChildren(...alerts.map((a) => {
    const li = el("li", { className: `alert ${a.severity}`, "data-alert": a.alert_id },
      el("b", { text: a.kind }), ` ${a.subject} · ${a.message} · `, timeEl(a.raised_at), " ");
    if (a.acked_at) {
      // The time goes where the language puts {when} ("by op at 12:00" / "op 于 12:00 确认").
      const [before, after] = t("acked", { who: a.acked_by }).split("{when}");
      const acked = el("span", { className: "acked", text: before });
      acked.append(timeEl(a.acked_at), after ?? "");
      li.append(acked);
    } else {
      const b = el("button", { className: "ack" }, label("acknowledge"));
      const refusal = ackRefusal();
      if (refusal) { b.disabled = true; b.title = refusal; }
      b.addEventListener("click", async () => {
        try { await post(`/v1/alerts/${encodeURIComponent(a.alert_id)}/ack`, {}); await refreshAlerts(); }
        catch (e) { li.append(document.createTextNode(` ${t("refused")}: ${e.message}`)); }
      });
      li.append(b);
    }
    return li;
  }));
}

let chart = null;
export async function refreshKpis() {
  const k = await get("/v1/kpis");
  const pct = (x) => (x == null ? "–" : `${Math.round(x * 100)}%`);
  const s = (x) => (x == null ? "–" : `${Math.round(x)} s`);
  const rows = [["crossing_p50", s(k.crossing_time_s?.p50)], ["crossing_p95", s(k.crossing_time_s?.p95)],
    ["holds_active", k.holds_active], ["utilisation", pct(k.utilisation)], ["delivered", k.delivered]];
  document.getElementById("kpis").replaceChildren(...rows.flatMap(([key, v]) =>
    [el("dt", {}, label(key)), el("dd", { text: String(v ?? "–") })]));
  const tp = k.throughput_per_h || [];
  const data = [tp.map((r) => r.hour), tp.map((r) => r.northbound), tp.map((r) => r.southbound)];
  const box = document.getElementById("kpi-chart");
  if (!chart) {
    chart = new window.uPlot({ title: t("throughput"), width: Math.max(240, box.clientWidth || 300), height: 140,
      scales: { x: { time: false } },
      series: [{}, { label: t("northbound"), stroke: "#1f6fd1" }, { label: t("southbound"), stroke: "#d62728" }] },
    data, box);
  } else {
    chart.setData(data);
  }
}

// The throughput chart (a uPlot instance, or null before the first KPIs): for tests.
export const kpiChart = () => chart;

export function resetChart() { if (chart) { chart.destroy(); chart = null; } }
