// Labels in English and Simplified Chinese (the choice is remembered in localStorage), places and
// sides also in Mongolian, and times in the crossing's local time (UTC+8) with ISO 8601 on hover.

const EN = {
  title: "Border crossing control room", sign_in: "Sign in", sign_out: "Sign out",
  username: "Username", password: "Password", holds: "Holds", no_holds: "No containers held",
  container_search: "Container search", lanes: "Lanes and zones", close: "Close", reopen: "Reopen",
  reason: "Reason", alerts: "Alerts", no_alerts: "No alerts", kpis: "Key figures",
  release: "Release", confirm_release: "Confirm release", cancel: "Cancel",
  released: "Released", reason_required: "A reason is required",
  need_officer: "Only an officer of {a} can release this hold",
  sign_in_first: "Sign in to act", need_operator: "Only operators close or reopen lanes",
  need_acker: "Only operators and officers acknowledge alerts",
  acknowledge: "Acknowledge", acked: "Acknowledged by {who} at {when}",
  vehicles: "{n} vehicles", live: "live", reconnecting: "reconnecting",
  held_since: "since", at: "at", authority: "Authority", why: "Why",
  invalid_number: "Not an ISO 6346 number", check_digit: "Check digit should be {d}",
  valid_number: "Valid", not_found: "Unknown container", position: "Position",
  risk_history: "Risk history", custody: "Custody", verified: "verified", failed: "failed",
  no_ledger: "no ledger", closed_lanes: "Closed", closed_by: "closed by {who}",
  throughput: "Throughput per hour", northbound: "Northbound", southbound: "Southbound",
  crossing_p50: "Crossing time p50", crossing_p95: "Crossing time p95",
  holds_active: "Holds active", utilisation: "Utilisation", delivered: "Delivered",
  follow: "Follow", unfollow: "Stop following", route: "Route", containers: "Containers",
  risk: "Risk", state: "State", battery: "Battery", speed: "Speed", lane: "Lane", zone: "Zone",
  loaded: "loaded", empty: "empty", held: "held", scanning: "scanning", charging: "charging",
  faulted: "faulted / silent", idle: "idle", done: "Done", refused: "Refused",
  legend: "Legend", border: "Border", gate: "Gate", scanner: "Scanner", hold_bay: "Hold bay",
  what_if: "What if? (the next hours)", hours_ahead: "Hours ahead", seeds: "Seeds",
  scanners_down: "Scanners down", remove_agvs: "Remove AGVs", add_agvs: "Add AGVs",
  surge: "Arrivals ×", close_lane: "Close lane", forecast: "Forecast", forecasting: "Forecasting…",
  no_change: "No change", with_what_if: "With the what-if", no_what_if: "no what-if",
  waiting_end: "Orders waiting at the end", waiting_over_time: "Orders waiting for an AGV",
  minutes_ahead: "Minutes ahead", need_control_room: "Operators and viewers forecast",
};
const ZH = {
  title: "口岸通关控制室", sign_in: "登录", sign_out: "退出登录",
  username: "用户名", password: "密码", holds: "扣留", no_holds: "没有扣留的集装箱",
  container_search: "集装箱查询", lanes: "车道与区域", close: "关闭", reopen: "重新开放",
  reason: "原因", alerts: "告警", no_alerts: "没有告警", kpis: "关键指标",
  release: "放行", confirm_release: "确认放行", cancel: "取消",
  released: "已放行", reason_required: "必须填写原因",
  need_officer: "只有{a}的关员可以放行此扣留",
  sign_in_first: "请先登录", need_operator: "只有调度员可以关闭或重新开放车道",
  need_acker: "只有调度员和关员可以确认告警",
  acknowledge: "确认", acked: "{who} 于 {when} 确认",
  vehicles: "{n} 辆车", live: "实时", reconnecting: "重新连接中",
  held_since: "起始", at: "位置", authority: "主管机关", why: "原因",
  invalid_number: "不是有效的 ISO 6346 箱号", check_digit: "校验位应为 {d}",
  valid_number: "有效", not_found: "未知集装箱", position: "位置",
  risk_history: "风险记录", custody: "监管链", verified: "已验证", failed: "验证失败",
  no_ledger: "无账本", closed_lanes: "已关闭", closed_by: "由 {who} 关闭",
  throughput: "每小时通过量", northbound: "北向", southbound: "南向",
  crossing_p50: "通关时间 p50", crossing_p95: "通关时间 p95",
  holds_active: "当前扣留", utilisation: "利用率", delivered: "已送达",
  follow: "跟随", unfollow: "停止跟随", route: "路线", containers: "集装箱",
  risk: "风险", state: "状态", battery: "电量", speed: "速度", lane: "车道", zone: "区域",
  loaded: "重载", empty: "空载", held: "扣留", scanning: "查验中", charging: "充电",
  faulted: "故障 / 失联", idle: "空闲", done: "完成", refused: "被拒绝",
  legend: "图例", border: "国境线", gate: "卡口", scanner: "查验设备", hold_bay: "扣留区",
  what_if: "假设推演（未来数小时）", hours_ahead: "推演时长（小时）", seeds: "随机样本数",
  scanners_down: "查验设备停用", remove_agvs: "减少 AGV", add_agvs: "增加 AGV",
  surge: "到港量倍数", close_lane: "关闭车道", forecast: "推演", forecasting: "推演中…",
  no_change: "维持现状", with_what_if: "假设情形", no_what_if: "无假设变更",
  waiting_end: "结束时待运订单", waiting_over_time: "等待 AGV 的订单",
  minutes_ahead: "未来分钟数", need_control_room: "调度员和观察员可以推演",
};
export const LABELS = { en: EN, zh: ZH };

// Places and sides: always with their Mongolian name (Cyrillic) too.
const PLACES = {
  erenhot: { en: "Erenhot", zh: "二连浩特", mn: "Эрээн" },
  zamyn_uud: { en: "Zamyn-Uud", zh: "扎门乌德", mn: "Замын-Үүд" },
  ganqimaodu: { en: "Ganqimaodu", zh: "甘其毛都", mn: "Ганцмод" },
  gashuunsukhait: { en: "Gashuunsukhait", zh: "嘎顺苏海图", mn: "Гашуунсухайт" },
  CN: { en: "China", zh: "中国", mn: "Хятад" },
  MN: { en: "Mongolia", zh: "蒙古国", mn: "Монгол" },
};

const KEY = "borderflow.lang";
let lang = localStorage.getItem(KEY) === "zh" ? "zh" : "en";
const listeners = [];

export const currentLang = () => lang;

export function t(key, vars) {
  let s = (LABELS[lang][key] ?? LABELS.en[key]) ?? key;
  for (const [k, v] of Object.entries(vars || {})) s = s.replace(`{${k}}`, v);
  return s;
}

export function place(id) {
  const p = PLACES[id];
  return p ? `${p[lang]} ${p.mn}` : id;
}

export function setLang(next) {
  lang = next === "zh" ? "zh" : "en";
  localStorage.setItem(KEY, lang);
  applyLabels(document);
  for (const f of listeners) f(lang);
}

export const onLang = (f) => listeners.push(f);

export function applyLabels(root) {
  document.documentElement.lang = lang === "zh" ? "zh-Hans" : "en";
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-placeholder]")) {
    el.placeholder = t(el.dataset.i18nPlaceholder);
  }
  for (const el of root.querySelectorAll("[data-place]")) el.textContent = place(el.dataset.place);
}

// A label element for dynamic content (so a language switch retranslates it too).
export function label(key, tag = "span") {
  const el = document.createElement(tag);
  el.dataset.i18n = key;
  el.textContent = t(key);
  return el;
}

const UTC8_MS = 8 * 3600 * 1000;

// A <time> element in UTC+8 ("2026-12-03 16:05:09"), its ISO 8601 instant in the title.
export function timeEl(iso) {
  const el = document.createElement("time");
  if (!iso) return el;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) { el.textContent = String(iso); return el; }
  el.dateTime = d.toISOString();
  el.title = d.toISOString();
  el.textContent = new Date(d.getTime() + UTC8_MS).toISOString().slice(0, 19).replace("T", " ") + " UTC+8";
  return el;
}
