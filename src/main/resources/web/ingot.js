// the daemon's page (index.html); a file of its own: the page's Content-Security-Policy allows no inline script
"use strict";
// one distinct hue per stage position (golden-angle steps), the same in every bar and the legend
const color = i => "hsl(" + ((i * 137) % 360) + ", 55%, 55%)";

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}
function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) { const td = document.createElement("td"); if (c instanceof Node) td.appendChild(c); else td.textContent = c == null ? "" : String(c); tr.appendChild(td); }
  return tr;
}
async function getJson(url) {
  const r = await fetch(url, { cache: "no-store" });
  if (!r.ok) throw new Error(url + ": HTTP " + r.status);
  return r.json();
}
function when(t) { return t ? String(t).replace("T", " ").replace(/\.\d+Z$/, "Z") : ""; }

// templates built from another follow it, indented: the tree of ingot templates
function tree(list) {
  const byName = new Map(list.map(t => [t.name, t]));
  const out = [];
  const add = (t, depth) => {
    if (out.some(o => o.t === t)) return;
    out.push({ t, depth });
    for (const c of list) if (c.parent === t.name) add(c, depth + 1);
  };
  for (const t of list) if (!t.parent || !byName.has(t.parent)) add(t, 0);
  for (const t of list) add(t, 0);
  return out;
}

function builtFrom(v) {
  const cell = el("span");
  if (!v.parent) return cell;
  cell.appendChild(el("span", v.parent + " "));
  if (v.parentMoved) cell.appendChild(el("span", "parent moved", "tag bad"));
  cell.title = "from " + v.from + "; lineage: " + (v.lineage || []).map(a => a.ref + " (sha256 " + String(a.sha256).slice(0, 12) + ")").join(" \u2192 ");
  return cell;
}

// the SBOM's size and, for a version a build of the daemon published, what changed from the version it replaced
function changes(v) {
  const cell = el("span");
  if (v.packages != null) cell.appendChild(el("span", v.packages + " components "));
  const c = v.changes;
  if (!c) return cell;
  const tag = el("span", c.summary, "tag");
  const d = c.diff || {};
  const lines = ["against " + c.against];
  for (const p of d.added || []) lines.push("+ " + p.name + " " + p.version);
  for (const p of d.removed || []) lines.push("- " + p.name + " " + p.version);
  for (const p of d.changed || []) lines.push("~ " + p.name + " " + p.from + " \u2192 " + p.to);
  if (d.kernel) lines.push("kernel " + d.kernel.from + " \u2192 " + d.kernel.to);
  for (const f of d.facts || []) lines.push(f.name + " " + f.from + " \u2192 " + f.to);
  tag.title = lines.join("\n");
  cell.appendChild(tag);
  return cell;
}

function pushedTo(v) {
  const cell = el("span");
  for (const d of v.pushed || []) {
    const tag = el("span", d.target + " " + d.reference, "tag");
    tag.title = (d.linked ? "linked (reads the base image)" : "full copy") + " at " + d.location + ", " + d.created;
    cell.appendChild(tag);
  }
  return cell;
}

async function templates() {
  const body = document.querySelector("#templates tbody");
  body.replaceChildren();
  for (const { t, depth } of tree(await getJson("/api/templates"))) {
    for (const v of t.versions.slice().reverse()) {
      const name = el("span", (depth ? "\u00a0\u00a0".repeat(depth - 1) + "\u2514 " : "") + v.ref, v.revoked ? "revoked" : "");
      const chans = el("span");
      for (const [c, n] of Object.entries(t.channels)) if (n === v.version) chans.appendChild(el("span", "@" + c, "tag"));
      if (v.revoked) chans.appendChild(el("span", "revoked", "tag bad"));
      const tr = row([name, v.version, chans, when(v.created), v.ramTemplate ? "yes" : "no", v.clones, builtFrom(v), changes(v), pushedTo(v)]);
      tr.dataset.template = v.ref;
      body.appendChild(tr);
    }
  }
}

function stageBar(stages) {
  const bar = el("div", null, "bar");
  const total = stages.reduce((s, x) => s + x.durationMillis, 0) || 1;
  stages.forEach((s, i) => {
    const span = el("span");
    span.style.width = (100 * s.durationMillis / total) + "%";
    span.style.background = s.status === "failed" ? "#d33" : color(i);
    span.title = s.stage + ": " + (s.durationMillis / 1000).toFixed(1) + " s";
    bar.appendChild(span);
  });
  bar.title = stages.map(s => s.stage + " " + (s.durationMillis / 1000).toFixed(1) + "s").join(", ");
  const wrap = el("div");
  wrap.style.display = "flex";
  wrap.style.gap = ".5em";
  wrap.appendChild(bar);
  wrap.appendChild(el("span", (total / 1000).toFixed(1) + " s"));
  legend(stages);
  return wrap;
}

let legendShown = 0;
function legend(stages) {
  if (stages.length <= legendShown) return;
  legendShown = stages.length;
  const p = document.getElementById("legend");
  p.replaceChildren();
  stages.forEach((s, i) => {
    const key = el("span", "\u25A0 ", null);
    key.style.color = color(i);
    p.appendChild(key);
    p.appendChild(el("span", s.stage + "  "));
  });
}

async function builds() {
  const data = await getJson("/api/builds");
  const body = document.querySelector("#builds tbody");
  body.replaceChildren();
  const seen = new Set();
  const list = [];
  // queued and running builds from the queue (a build on another host has no record here until it ends)
  for (const q of data.queue) if (q.state === "queued" || q.state === "skipped" || q.state === "running") { list.push({ id: q.id, recipe: q.recipe, status: q.state, started: q.started || q.submitted }); seen.add(q.id); }
  for (const b of data.builds) if (!seen.has(b.id)) list.push(b);
  for (const b of list.slice(0, 50)) {
    const link = el("a", b.id);
    link.href = "#build=" + b.id;
    const cell = el("div");
    const tr = row([link, b.recipe, el("span", b.status, b.status === "failed" ? "tag bad" : b.status === "succeeded" ? "tag ok" : "tag"), when(b.started), cell]);
    tr.dataset.build = b.id;
    body.appendChild(tr);
    if (b.status === "succeeded" || b.status === "failed" || b.status === "running") {
      getJson("/api/builds/" + b.id).then(d => cell.appendChild(stageBar(d.stages || []))).catch(() => {});
    }
  }
}

function size(bytes) {
  return bytes < 0 ? "?" : (bytes / 1073741824).toFixed(1) + " GiB";
}

async function workers() {
  const body = document.querySelector("#workers tbody");
  body.replaceChildren();
  for (const w of await getJson("/api/workers")) {
    const labels = el("span");
    for (const l of w.labels) labels.appendChild(el("span", l, "tag"));
    const building = el("span", w.builds.map(b => b.recipe + " " + b.id + " (" + b.stage + ", attempt " + b.attempt + ")").join("; ") || "idle");
    const seen = el("span", when(w.lastHeartbeat) + " ", null);
    if (!w.alive) seen.appendChild(el("span", "lost", "tag bad"));
    body.appendChild(row([w.name, w.host, labels, building, size(w.freeDiskBytes), seen]));
  }
}

async function queue() {
  const q = await getJson("/api/queue");
  const b = q.broker;
  document.getElementById("broker").textContent = "broker: " + (b.embedded ? "embedded" + (b.url ? ", workers connect to " + b.url : "")
      + " (" + b.requests + " request(s) in its queue)" : b.url);
  const body = document.querySelector("#queue tbody");
  body.replaceChildren();
  for (const j of q.running) body.appendChild(row([j.id, j.recipe, el("span", "running: " + (j.stage || "?"), "tag"), j.worker || "", j.attempts, j.lastError || ""]));
  for (const j of q.queued) body.appendChild(row([j.id, j.recipe, el("span", "queued", "tag"), j.worker || "", j.attempts, j.lastError ? "retry after: " + j.lastError : j.waitingFor]));
  for (const d of q.deadLetters) body.appendChild(row([d.id, d.recipe, el("span", "dead letter", "tag bad"), "", d.attempts, d.lastError]));
}

async function schedules() {
  const body = document.querySelector("#schedules tbody");
  body.replaceChildren();
  for (const s of await getJson("/api/schedules")) {
    const state = s.paused ? el("span", "paused: " + s.pausedReason, "tag bad") : el("span", "active", "tag ok");
    body.appendChild(row([s.recipe, s.cron, state, when(s.lastRun), s.lastResult]));
  }
}

async function recipes() {
  const body = document.querySelector("#recipes tbody");
  body.replaceChildren();
  for (const r of await getJson("/api/recipes")) {
    const problems = el("div");
    for (const p of r.problems) problems.appendChild(el("div", (p.line > 0 ? p.line + ":" + p.column + ": " : "") + p.message, "problem"));
    const tr = row([r.file, r.name, el("span", r.valid ? "valid" : "invalid", r.valid ? "tag ok" : "tag bad"), problems]);
    tr.dataset.recipe = r.file;
    tr.dataset.valid = r.valid;
    body.appendChild(tr);
  }
}

// the latest screen of a running build's VM, refreshed every few seconds; hidden when there is none
async function showScreen(id, running) {
  const fig = document.getElementById("screen");
  if (!running) { fig.hidden = true; return; }
  const img = document.getElementById("screen-img");
  const r = await fetch("/api/builds/" + id + "/screen.png", { cache: "no-store" });
  if (!r.ok) { fig.hidden = true; return; }
  const url = URL.createObjectURL(await r.blob());
  img.onload = () => {
    document.getElementById("screen-caption").textContent = "screen of build " + id + ", " + img.naturalWidth + "\u00d7" + img.naturalHeight;
    fig.hidden = false;
    URL.revokeObjectURL(url);
  };
  img.src = url;
}

let following = null;
async function followLog(id) {
  following = id;
  document.getElementById("log-title").textContent = "Build log " + id;
  const pre = document.getElementById("log");
  while (following === id) {
    const [text, info] = await Promise.all([
      fetch("/api/builds/" + id + "/log", { cache: "no-store" }).then(r => r.ok ? r.text() : "(no log: HTTP " + r.status + ")"),
      getJson("/api/builds/" + id).catch(() => ({ state: "unknown" }))]);
    const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.textContent = text;
    if (atEnd) pre.scrollTop = pre.scrollHeight;
    await showScreen(id, info.state === "running").catch(() => {});
    if (info.state !== "running" && info.state !== "queued") break;
    await new Promise(r => setTimeout(r, 3000));
  }
}

function fromHash() {
  const m = location.hash.match(/^#build=([0-9a-f-]+)$/);
  if (m) followLog(m[1]);
}

async function refresh() {
  await Promise.all([templates(), workers(), queue(), builds(), recipes(), schedules()].map(p => p.catch(e => console.error(e))));
}
window.addEventListener("hashchange", fromHash);
refresh().then(fromHash);
setInterval(refresh, 10000);
