// The console's entry point: sign-in, the map, the panels, and the two live streams.
import { get, whoAmI, signIn, signOut, session } from "./api.js";
import { applyLabels, currentLang, onLang, setLang, t, label } from "./i18n.js";
import { LiveMap, legend } from "./map.js";
import * as panels from "./panels.js";
import * as whatif from "./whatif.js";

const KEEP = 2000;
window.bfStats = { frames: 0, lag_ms: [], frame_ms: [] };
const push = (arr, x) => { arr.push(x); if (arr.length > KEEP) arr.splice(0, arr.length - KEEP); };

let live = null;
const $ = (id) => document.getElementById(id);

function showWho() {
  $("who").textContent = session ? `${session.subject} · ${session.role}${session.authority ? " · " + session.authority : ""}` : "";
  $("sign-out").hidden = !session;
}

function safe(p) { return p.catch((e) => console.warn(e.message)); }

function refreshPanels() {
  return Promise.all([safe(panels.refreshHolds()), safe(panels.refreshAlerts()), safe(panels.refreshKpis()),
    live ? safe(panels.refreshLanes(live)) : null]);
}

function vehicleInfo(v) {
  const box = $("vehicle-info");
  if (!v) { box.hidden = true; return; }
  box.hidden = false;
  const follow = document.createElement("button");
  follow.className = "follow";
  follow.append(label(live.follow === v.vehicle_id ? "unfollow" : "follow"));
  follow.addEventListener("click", () => { live.follow = live.follow === v.vehicle_id ? null : v.vehicle_id; vehicleInfo(v); });
  const line = (key, val) => { const p = document.createElement("div"); p.append(label(key), `: ${val}`); return p; };
  box.replaceChildren(document.createTextNode(v.vehicle_id), line("state", `${t(v.display)} (${v.state})`),
    line("containers", v.container_ids.join(", ") || "–"), line("risk", v.risk || "–"),
    line("route", v.route.join(" → ") || "–"), line("battery", `${v.battery_kwh} kWh`), follow);
  box.dataset.vehicle = v.vehicle_id;
  box.dataset.display = v.display;
}

function vehicleStream() {
  const es = new EventSource("/v1/vehicles/stream");
  es.addEventListener("open", () => { $("stream-state").replaceChildren(label("live")); });
  es.addEventListener("error", () => { $("stream-state").replaceChildren(label("reconnecting")); });
  es.addEventListener("vehicles", (ev) => {
    const t0 = performance.now();
    const frame = JSON.parse(ev.data);
    if (!frame.vehicles) return;
    live.update(frame.vehicles);
    const count = $("vehicle-count");
    count.dataset.count = String(frame.vehicles.length);
    count.textContent = t("vehicles", { n: frame.vehicles.length });
    const held = frame.vehicles.filter((v) => v.display === "held").map((v) => v.vehicle_id);
    document.body.dataset.held = held.join(" ");
    const t1 = performance.now();
    window.bfStats.frames += 1;
    if (frame.sent_at_ms) push(window.bfStats.lag_ms, Date.now() - frame.sent_at_ms);
    push(window.bfStats.frame_ms, t1 - t0);
  });
  return es;
}

const DOMAIN_KINDS = ["hold.placed", "hold.released", "border.crossed", "delivered", "tamper.alert",
  "verdict.effective", "verdict.received", "lane.closed", "lane.opened", "alert.raised", "alert.acked"];

function eventStream() {
  const es = new EventSource("/v1/events/stream");
  let pending = null;
  const soon = () => { if (!pending) pending = setTimeout(() => { pending = null; refreshPanels(); }, 200); };
  for (const k of DOMAIN_KINDS) es.addEventListener(k, soon);
  es.onmessage = soon;
  return es;
}

function tick() {
  const now = new Date();
  const c = $("clock");
  c.textContent = new Date(now.getTime() + 8 * 3600 * 1000).toISOString().slice(11, 19) + " UTC+8";
  c.title = now.toISOString();
}

async function start() {
  const doc = await get("/v1/console/map");
  $("sign-in").hidden = true;
  if (!live) {
    live = new LiveMap($("map"), doc);
    live.onSelect = vehicleInfo;
    window.bfConsole.map = live;
    panels.wireLanes(live);
    await safe(whatif.wireWhatIf());
    legend($("legend"));
    const first = await get("/v1/vehicles");
    live.update(first.vehicles);
    vehicleStream();
    eventStream();
  }
  showWho();
  whatif.refreshRole();
  await refreshPanels();
  setInterval(() => safe(panels.refreshKpis()), 10000);
}

async function main() {
  window.bfConsole = { ready: false, map: null, refresh: refreshPanels, kpiChart: panels.kpiChart,
    whatIfChart: whatif.whatIfChart };
  $("lang").value = currentLang();
  applyLabels(document);
  $("lang").addEventListener("change", (e) => setLang(e.target.value));
  onLang(() => { panels.resetChart(); refreshPanels(); whatif.redraw(); });
  panels.wireSearch();
  tick();
  setInterval(tick, 1000);
  $("sign-in").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("sign-in-error").textContent = "";
    try {
      await signIn($("username").value, $("password").value);
      $("password").value = "";
      await start();
    } catch (err) {
      $("sign-in-error").textContent = err.message;
    }
  });
  $("sign-out").addEventListener("click", async () => { await signOut(); location.reload(); });
  await whoAmI();
  try {
    await start();
  } catch (err) {
    if (err.status === 401 || err.status === 403) $("sign-in").hidden = false;
    else throw err;
  }
  window.bfConsole.ready = true;
}

main();
