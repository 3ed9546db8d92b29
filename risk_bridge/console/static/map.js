// The live map: the crossing's own geometry in local metres (L.CRS.Simple, no tiles) and every
// AGV as a canvas circle that is moved in place on each frame (never re-created).
import { t, label, place } from "./i18n.js";

const L = window.L;
export const COLOURS = {
  loaded: "#1f6fd1", empty: "#7fb3f0", held: "#d62728", scanning: "#9467bd",
  charging: "#2ca02c", faulted: "#111111", idle: "#999999",
};
const ZONE_FILL = { CN: "#fbe3e3", MN: "#e3ecfb" };

export class LiveMap {
  constructor(el, doc, { onLaneClick } = {}) {
    this.doc = doc;
    this.x0 = doc.bbox_m[0];
    this.y0 = doc.bbox_m[1];
    this.renderer = L.canvas({ padding: 0.2 });
    this.map = L.map(el, { crs: L.CRS.Simple, minZoom: -6, maxZoom: 4, zoomSnap: 0.25,
      preferCanvas: true, attributionControl: false });
    this.vehicles = new Map(); // vehicle_id -> {marker, v}
    this.lanes = new Map(); // lane id -> polyline
    this.closed = new Set();
    this.follow = null;
    this.selected = null;
    this.routeLine = null;
    this.onLaneClick = onLaneClick;
    this.drawGeometry();
    const [x1, y1] = [doc.bbox_m[2] - this.x0, doc.bbox_m[3] - this.y0];
    this.map.fitBounds([[0, 0], [y1, x1]]);
    this.map.on("dragstart", () => { this.follow = null; });
  }

  ll(x, y) { return [y - this.y0, x - this.x0]; }

  drawGeometry() {
    const r = this.renderer, d = this.doc;
    for (const z of d.zones) {
      if (!z.ring.length) continue;
      L.polygon(z.ring.map(([x, y]) => this.ll(x, y)), { renderer: r, weight: 1,
        color: "#888", fillColor: ZONE_FILL[z.side] || "#eee", fillOpacity: 0.5 })
        .bindTooltip(`${z.name || z.id} · ${z.kind} · ${place(z.side)}`, { sticky: true })
        .addTo(this.map);
    }
    if (d.border.length) {
      L.polyline(d.border.map(([x, y]) => this.ll(x, y)), { renderer: r, color: "#c00",
        weight: 3, dashArray: "10 6" }).bindTooltip(`${t("border")} ${place("CN")} | ${place("MN")}`)
        .addTo(this.map);
    }
    for (const lane of d.lanes) {
      const pts = lane.points.map(([x, y]) => this.ll(x, y));
      const line = L.polyline(pts, { renderer: r, color: "#555", weight: 3, opacity: 0.7 })
        .bindTooltip(`${lane.lane_id || lane.id}${lane.two_way ? " ⇄" : " →"}`, { sticky: true })
        .addTo(this.map);
      line.on("click", () => this.onLaneClick && this.onLaneClick(lane));
      this.lanes.set(lane.id, line);
      if (!lane.two_way && pts.length >= 2) this.arrow(pts);
    }
    for (const s of d.stations) {
      L.circleMarker(this.ll(s.x, s.y), { renderer: r, radius: 6, color: "#333", weight: 2,
        fillColor: s.role.includes("scan") ? "#9467bd" : s.role.includes("hold") ? "#d62728" : "#fff",
        fillOpacity: 0.9 }).bindTooltip(`${s.name || s.id} · ${s.role} · ${place(s.side)}`)
        .addTo(this.map);
    }
    for (const g of d.gates) {
      L.circleMarker(this.ll(g.x, g.y), { renderer: r, radius: 7, color: "#000", weight: 2,
        fillColor: "#ffbf00", fillOpacity: 1 }).bindTooltip(`${t("gate")} ${g.name || g.id} · ${g.gate_type}`)
        .addTo(this.map);
    }
  }

  // A small triangle at the middle of a one-way lane, pointing along it.
  arrow(pts) {
    const i = Math.max(0, Math.floor((pts.length - 1) / 2));
    const [a, b] = [pts[i], pts[i + 1]];
    const my = (a[0] + b[0]) / 2, mx = (a[1] + b[1]) / 2;
    const ang = Math.atan2(b[0] - a[0], b[1] - a[1]);
    const s = 6; // metres
    const p = (da, len) => [my + len * Math.sin(ang + da), mx + len * Math.cos(ang + da)];
    L.polygon([p(0, s), p(2.5, s), p(-2.5, s)], { renderer: this.renderer, weight: 0,
      fillColor: "#333", fillOpacity: 0.9, interactive: false }).addTo(this.map);
  }

  setClosed(ids) {
    this.closed = new Set(ids);
    for (const [id, line] of this.lanes) {
      const lane = this.doc.lanes.find((l) => l.id === id);
      const shut = this.closed.has(id) || (lane && (this.closed.has(lane.lane_id) || this.closed.has(lane.zone)));
      line.setStyle(shut ? { color: "#d62728", dashArray: "4 4", opacity: 1 } : { color: "#555", dashArray: null, opacity: 0.7 });
    }
  }

  // One frame: move every marker in place; create only the ones not seen before.
  update(vehicles) {
    const seen = new Set();
    for (const v of vehicles) {
      seen.add(v.vehicle_id);
      let e = this.vehicles.get(v.vehicle_id);
      const pos = this.ll(v.x_m, v.y_m);
      if (!e) {
        const marker = L.circleMarker(pos, { renderer: this.renderer, radius: 5, weight: 1,
          color: "#000", fillColor: COLOURS[v.display] || "#999", fillOpacity: 1 });
        marker.on("click", () => this.select(v.vehicle_id));
        marker.on("mouseover", () => marker.bindTooltip(this.summary(e.v)).openTooltip());
        e = { marker, v, display: v.display };
        this.vehicles.set(v.vehicle_id, e);
        marker.addTo(this.map);
      } else {
        e.marker.setLatLng(pos);
        if (e.display !== v.display) {
          e.marker.setStyle({ fillColor: COLOURS[v.display] || "#999" });
          e.display = v.display;
        }
        e.v = v;
      }
    }
    for (const [id, e] of this.vehicles) {
      if (!seen.has(id)) { e.marker.remove(); this.vehicles.delete(id); }
    }
    if (this.selected) this.drawRoute();
    if (this.follow && this.vehicles.has(this.follow)) {
      const v = this.vehicles.get(this.follow).v;
      this.map.panTo(this.ll(v.x_m, v.y_m), { animate: false });
    }
  }

  summary(v) {
    const c = v.container_ids.length ? v.container_ids.join(", ") : "–";
    return `${v.vehicle_id} · ${t(v.display)} · ${c} · ${t("risk")} ${v.risk || "–"}`;
  }

  select(id) {
    this.selected = id;
    this.drawRoute();
    this.onSelect && this.onSelect(this.vehicles.get(id)?.v);
  }

  drawRoute() {
    const e = this.vehicles.get(this.selected);
    if (!e) { if (this.routeLine) this.routeLine.remove(); this.routeLine = null; return; }
    const v = e.v;
    const pts = [this.ll(v.x_m, v.y_m)];
    for (const n of v.route) { const p = this.doc.nodes[n]; if (p) pts.push(this.ll(p[0], p[1])); }
    if (!this.routeLine) {
      this.routeLine = L.polyline(pts, { renderer: this.renderer, color: "#ff7f0e", weight: 4,
        opacity: 0.9, interactive: false }).addTo(this.map);
    } else {
      this.routeLine.setLatLngs(pts);
    }
    this.onSelect && this.onSelect(v);
  }
}

export function legend(el) {
  el.replaceChildren();
  for (const [k, c] of Object.entries(COLOURS)) {
    const item = document.createElement("span");
    const dot = document.createElement("i");
    dot.style.background = c;
    item.append(dot, label(k));
    el.append(item);
  }
}
