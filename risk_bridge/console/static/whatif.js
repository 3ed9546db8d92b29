// The what-if panel: ask the bridge to play the next hours ahead (POST /v1/forecasts) with and
// without a change (NII scanners down, AGVs removed or added, a surge, a lane closed) and show
// the summary side by side and the orders waiting over time with their 10-90 % bands.
import { get, post, session } from "./api.js";
import { t, label } from "./i18n.js";

const $ = (id) => document.getElementById(id);
let chart = null;
let last = null; // the last answer, redrawn on a language switch

const num = (id, dflt) => { const v = Number($(id).value); return Number.isFinite(v) ? v : dflt; };

export function request() {
  const down = ["CN", "MN"].filter((s) => $(`wi-down-${s}`).checked);
  const lane = $("wi-lane").value;
  return {
    horizon_h: num("wi-hours", 2), seeds: num("wi-seeds", 4), bin_min: 10,
    what_if: { scanners_down: down, remove_agvs: num("wi-remove", 0), add_agvs: num("wi-add", 0),
      surge: num("wi-surge", 1), close_lanes: lane ? [lane] : [] },
  };
}

const fmt = (b, digits = 0) => (b && b.mean != null ? b.mean.toFixed(digits) : "–");

function summary(doc) {
  const rows = [["delivered", "delivered", 0], ["crossing_p95", "crossing_p95_min", 1],
    ["waiting_end", "waiting_orders_end", 0]];
  const head = document.createElement("tr");
  for (const key of ["", "no_change", "with_what_if"]) head.append(key ? label(key, "th") : document.createElement("th"));
  const body = rows.map(([key, field, digits]) => {
    const tr = document.createElement("tr");
    tr.dataset.kpi = field;
    const a = document.createElement("td"); a.append(label(key));
    const b = document.createElement("td"); b.textContent = fmt(doc.no_change.summary[field], digits);
    const c = document.createElement("td"); c.textContent = doc.with_what_if ? fmt(doc.with_what_if.summary[field], digits) : "–";
    tr.append(a, b, c);
    return tr;
  });
  const table = document.createElement("table");
  table.className = "wi-table";
  table.append(head, ...body);
  return table;
}

function draw(doc) {
  const box = $("wi-chart");
  const x = doc.t_min;
  const pick = (run, k) => run ? run.series.waiting_orders.map((b) => b[k]) : x.map(() => null);
  const data = [x, pick(doc.no_change, "mean"), pick(doc.no_change, "lo"), pick(doc.no_change, "hi"),
    pick(doc.with_what_if, "mean"), pick(doc.with_what_if, "lo"), pick(doc.with_what_if, "hi")];
  if (chart) chart.destroy();
  const faint = (c) => ({ stroke: c, width: 0.5, dash: [3, 3] });
  chart = new window.uPlot({
    title: t("waiting_over_time"), width: Math.max(240, box.clientWidth || 300), height: 150,
    scales: { x: { time: false } },
    series: [{ label: t("minutes_ahead") },
      { label: t("no_change"), stroke: "#1f6fd1" }, { ...faint("#1f6fd1"), label: "10%" }, { ...faint("#1f6fd1"), label: "90%" },
      { label: t("with_what_if"), stroke: "#d62728" }, { ...faint("#d62728"), label: "10%" }, { ...faint("#d62728"), label: "90%" }],
    bands: [{ series: [3, 2], fill: "#1f6fd122" }, { series: [6, 5], fill: "#d6272822" }],
  }, data, box);
}

function show(doc) {
  last = doc;
  const out = $("wi-result");
  const what = doc.what_if.length ? doc.what_if.join("; ") : t("no_what_if");
  const head = document.createElement("p");
  head.append(`${doc.from_clock} + ${doc.horizon_h} h · ${doc.seeds} × · ${what} · ${doc.took_s.toFixed(1)} s`);
  out.replaceChildren(head, summary(doc));
  out.dataset.state = "done";
  draw(doc);
}

export async function wireWhatIf() {
  const pick = $("wi-lane");
  const lanes = (await get("/v1/lanes")).lanes;
  pick.replaceChildren(new Option("–", ""), ...lanes.map((id) => new Option(id, id)));
  $("wi-run").addEventListener("click", async () => {
    const out = $("wi-result");
    out.dataset.state = "running";
    out.replaceChildren(label("forecasting"));
    try {
      show(await post("/v1/forecasts", request()));
    } catch (e) {
      out.dataset.state = "refused";
      out.replaceChildren(document.createTextNode(`${t("refused")}: ${e.message}`));
    }
  });
  refreshRole();
}

export function refreshRole() {
  const ok = session && (session.role === "operator" || session.role === "viewer");
  $("wi-run").disabled = !ok;
  $("wi-run").title = ok ? "" : t("need_control_room");
}

export function redraw() { if (last) show(last); }
export const whatIfChart = () => chart;
