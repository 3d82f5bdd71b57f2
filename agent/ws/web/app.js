// app.js: voicepay's web companion. It pairs with the daemon, streams the
// microphone to /v1/stream, and shows the dialog, the order, what agents
// propose, the balance and the mandates; passkey-ui.js adds the Passkey
// card and the verify prompt. Everything the server sends is shown with
// textContent, never parsed as HTML. It is a module, and so strict.

import { onEvent, refreshPasskeys, setupPasskeys } from "./passkey-ui.js";

const TOKEN_KEY = "voicepay.token";
const DEVICE_KEY = "voicepay.device";
const SPEAK_KEY = "voicepay.speak";
const MODE_KEY = "voicepay.mode";
const AUDIO = { encoding: "pcm16le", sample_rate: 16000, channels: 1 };

const $ = (id) => document.getElementById(id);

// el builds an element with text content and classes.
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}

// ids are unique per page load: a random prefix and a counter.
const idPrefix = Math.random().toString(36).slice(2, 8);
let idCount = 0;
const nextID = (kind) => `${kind}-${idPrefix}-${++idCount}`;

const state = {
  token: localStorage.getItem(TOKEN_KEY) || "",
  device: localStorage.getItem(DEVICE_KEY) || "",
  ws: null,
  retry: 0,
  order: null,
  proposals: new Map(), // key: "order:7" or "mandate:3"
};

// ---- money and time -------------------------------------------------------

function money(minor, currency) {
  const v = (minor || 0) / 100;
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency: currency || "CNY" }).format(v);
  } catch {
    return `${v.toFixed(2)} ${currency || ""}`.trim();
  }
}

function clock(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return d.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

function day(iso) {
  const d = new Date(iso);
  return d.toLocaleDateString(undefined, { month: "short", day: "numeric" });
}

// accountName is a ledger account as a person reads it: merchant:luckin_coffee
// is "Luckin Coffee".
function accountName(account) {
  const name = String(account || "").replace(/^[a-z]+:/, "").replace(/_/g, " ");
  return name.replace(/\b\w/g, (c) => c.toUpperCase());
}

// ---- pairing --------------------------------------------------------------

function saveToken(token, device) {
  state.token = token;
  localStorage.setItem(TOKEN_KEY, token);
  if (device) setDevice(device);
}

function setDevice(name) {
  state.device = name;
  localStorage.setItem(DEVICE_KEY, name);
  $("device-name").textContent = name;
}

// takeFragment reads #token=… (a token handed over directly) or #pair=CODE
// (what a scanned pairing QR opens), and clears it from the address bar.
function takeFragment() {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (!hash.has("token") && !hash.has("pair")) return null;
  history.replaceState(null, "", location.pathname + location.search);
  if (hash.get("token")) {
    saveToken(hash.get("token"), "");
    return null;
  }
  return hash.get("pair");
}

async function pair(code) {
  $("pair-error").textContent = "";
  $("pair-button").disabled = true;
  try {
    const resp = await fetch("/v1/pair", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ code: code.trim().toUpperCase() }),
    });
    const body = await resp.json().catch(() => ({}));
    if (!resp.ok || !body.token) {
      const msg = body.error && body.error.message;
      throw new Error(msg || `Pairing failed (${resp.status}).`);
    }
    saveToken(body.token, (body.device && body.device.id) || "");
    start();
  } catch (err) {
    $("pair-error").textContent = err.message;
  } finally {
    $("pair-button").disabled = false;
  }
}

function forget() {
  stopMic();
  localStorage.removeItem(TOKEN_KEY);
  localStorage.removeItem(DEVICE_KEY);
  state.token = "";
  state.device = "";
  if (state.ws) {
    state.ws.onclose = null;
    state.ws.close();
    state.ws = null;
  }
  showPairing("");
}

function showPairing(message) {
  $("app").hidden = true;
  $("who").hidden = true;
  $("pairing").hidden = false;
  $("pair-error").textContent = message;
  document.body.dataset.paired = "false";
}

// ---- the API --------------------------------------------------------------

async function api(method, path, body) {
  const opts = { method, headers: { Authorization: `Bearer ${state.token}` } };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const resp = await fetch(path, opts);
  if (resp.status === 401) {
    forget();
    showPairing("This device is no longer paired. Pair it again.");
    throw new Error("unauthorized");
  }
  const data = await resp.json();
  if (!resp.ok) throw new Error((data.error && data.error.message) || resp.statusText);
  return data;
}

async function refreshWallet() {
  try {
    const [bal, hist] = await Promise.all([api("GET", "/v1/wallet/balance"), api("GET", "/v1/wallet/history?limit=200")]);
    renderBalance(bal);
    renderHistory(hist.transfers || []);
  } catch (err) {
    if (err.message !== "unauthorized") $("available").textContent = `Could not read the wallet: ${err.message}`;
  }
}

async function refreshMandates() {
  try {
    renderMandates((await api("GET", "/v1/mandates")).mandates || []);
  } catch (err) {
    if (err.message !== "unauthorized") $("mandates-empty").textContent = `Could not read them: ${err.message}`;
  }
}

// ---- the stream -----------------------------------------------------------

function connect() {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${proto}//${location.host}/v1/stream?access_token=${encodeURIComponent(state.token)}`);
  ws.binaryType = "arraybuffer";
  state.ws = ws;
  ws.onopen = () => {
    state.retry = 0;
    send({ type: "session.start", id: nextID("s"), audio: AUDIO, partials: true });
  };
  ws.onmessage = (m) => {
    if (typeof m.data !== "string") return;
    let ev;
    try {
      ev = JSON.parse(m.data);
    } catch {
      return;
    }
    handle(ev);
  };
  ws.onclose = () => {
    setLink(false);
    state.ws = null;
    if (!state.token) return;
    // A token that no longer works closes the stream at once: the API says so.
    if (state.retry++ > 0) refreshWallet();
    setTimeout(() => state.token && connect(), Math.min(1000 * 2 ** state.retry, 15000));
  };
}

function send(ev) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) {
    state.ws.send(JSON.stringify(ev));
    return true;
  }
  return false;
}

function setLink(on) {
  $("link").classList.toggle("on", on);
  $("link").title = on ? "connected" : "offline";
}

function handle(ev) {
  onEvent(ev);
  switch (ev.type) {
    case "session.ready":
      setLink(true);
      if (ev.session) {
        setDevice(ev.session.device);
        setDialogState(ev.session.state);
      }
      break;
    case "speech.started":
      showPartial("…");
      break;
    case "speech.stopped":
      showPartial("Hearing you…");
      break;
    case "transcript.partial":
      if (ev.text) showPartial(ev.text);
      break;
    case "transcript.final":
      hidePartial();
      if (ev.text) addEntry("you", masked(ev.text));
      else addEntry("note", "Not understood.");
      break;
    case "order.updated":
      renderOrder(ev.order);
      if (ev.text) announce(ev.text);
      if (ev.order) dropProposal(`order:${ev.order.id}`, ev.order.state !== "drafted");
      break;
    case "payment.result":
      renderOrder(ev.order);
      refreshWallet();
      break;
    case "proposal":
      addProposal(ev);
      announce(ev.text);
      break;
    case "mandate.updated":
    case "mandate.charged":
      if (ev.text) announce(ev.text);
      if (ev.mandate) dropProposal(`mandate:${ev.mandate.id}`, ev.mandate.state !== "proposed");
      refreshWallet();
      refreshMandates();
      break;
    case "payment.refunded":
    case "agent.revoked":
      if (ev.text) announce(ev.text);
      refreshWallet();
      refreshMandates();
      break;
    case "error":
      state.failed = ev.reply_to || true;
      break;
    case "reply":
      addEntry("reply", ev.text, state.failed && state.failed === (ev.reply_to || true));
      state.failed = null;
      setDialogState(ev.state);
      speak(ev.text);
      break;
  }
}

function setDialogState(s) {
  const words = { inactive: "Payments off", idle: "Ready", drafted: "Order drafted", confirmed: "Funds held" };
  $("dialog-state").textContent = words[s] || s || "";
}

// ---- the conversation -----------------------------------------------------

function addEntry(kind, text, failed) {
  const li = el("li", `entry ${kind}${failed ? " failed" : ""}`, text);
  $("log").append(li);
  $("log-empty").hidden = true;
  li.scrollIntoView({ block: "nearest" });
}

function showPartial(text) {
  $("partial").textContent = text;
  $("partial").hidden = false;
}

function hidePartial() {
  $("partial").hidden = true;
  $("partial").textContent = "";
}

// announce shows a pushed sentence and says it.
function announce(text) {
  addEntry("note", text);
  speak(text);
}

// unquoted leaves out what an agent wrote (its memo, quoted in the text),
// so that a loudspeaker never says an agent's words to the microphone.
function unquoted(text) {
  return String(text || "").replace(/\s*It says:\s*"[^"]*"\.?/g, "").replace(/"[^"]*"/g, "").trim();
}

function speak(text) {
  if (!$("speak").checked || !("speechSynthesis" in window) || !text) return;
  const u = new SpeechSynthesisUtterance(unquoted(text));
  speechSynthesis.speak(u);
}

function sendText(text) {
  text = text.trim();
  if (!text) return;
  if (!send({ type: "text.input", id: nextID("t"), text })) {
    addEntry("note", "Not connected; trying again…");
    return;
  }
  addEntry("you", masked(text));
}

// masked hides what looks like a PIN (digits, typed or spoken), so that it
// never stays on the screen.
const DIGIT_WORDS = "(?:zero|oh|one|two|three|four|five|six|seven|eight|nine)";
const PIN_LIKE = new RegExp(`^(?:[0-9 ]{4,}|(?:${DIGIT_WORDS}\\s*){4,})$`, "i");
function masked(text) {
  return PIN_LIKE.test(text.trim()) ? "PIN ••••" : text;
}

// ---- the order card -------------------------------------------------------

const STEPS = ["drafted", "confirmed", "paid"];

function renderOrder(o) {
  if (!o) return;
  state.order = o;
  const card = $("order");
  card.hidden = false;
  card.dataset.state = o.state;
  card.dataset.total = String(o.total);
  card.dataset.id = String(o.id);
  const ended = o.state === "cancelled" || o.state === "expired";
  card.classList.toggle("ended", ended);
  $("order-state").textContent = o.state.charAt(0).toUpperCase() + o.state.slice(1);
  $("order-state").classList.toggle("warn", ended);
  $("order-payee").textContent = o.payee_name || accountName(o.payee);
  const at = STEPS.indexOf(o.state);
  for (const li of card.querySelectorAll(".steps li")) {
    li.classList.toggle("done", ended || STEPS.indexOf(li.dataset.step) <= at);
  }
  const body = $("order-lines");
  body.replaceChildren();
  for (const l of o.lines || []) {
    const tr = el("tr");
    tr.append(el("td", "", `${l.quantity} × ${l.name || l.item}`), el("td", "", money(l.amount, o.currency)));
    body.append(tr);
  }
  $("order-total").textContent = money(o.total, o.currency);
  $("order-when").textContent = orderWhen(o);
  const memo = $("order-memo");
  memo.hidden = !o.memo;
  memo.textContent = o.memo || "";
}

function orderWhen(o) {
  switch (o.state) {
    case "drafted":
      return `${o.agent ? `Proposed by ${o.agent}. ` : ""}Confirm before ${clock(o.expires)}.`;
    case "confirmed":
      return `${money(o.total, o.currency)} held until ${clock(o.expires)}. Say “pay” to pay.`;
    case "paid":
      return `Paid at ${clock(o.receipt ? o.receipt.time : "")}.`;
    case "expired":
      return "Expired; nothing was charged.";
    case "cancelled":
      return "Cancelled; nothing was charged.";
  }
  return "";
}

// ---- proposals ------------------------------------------------------------

function addProposal(ev) {
  const subject = ev.order || ev.mandate;
  if (!subject) return;
  const key = `${ev.order ? "order" : "mandate"}:${subject.id}`;
  const li = el("li");
  const who = el("p", "");
  who.append(el("span", "agent-name", subject.agent || "An agent"), document.createTextNode(proposalLine(ev)));
  li.append(who);
  const memo = subject.memo || subject.note;
  if (memo) li.append(el("blockquote", "quote", memo));
  li.append(el("p", "muted", ev.order ? "Say “confirm the order” to go ahead." : `Say “approve the ${subject.kind}” to go ahead.`));
  dropProposal(key, true);
  state.proposals.set(key, li);
  $("proposals").append(li);
  $("proposals-card").hidden = false;
  const open = state.order && (state.order.state === "drafted" || state.order.state === "confirmed");
  if (ev.order && !open) renderOrder(ev.order); // the person's own open order stays in view
  if (ev.mandate) refreshMandates();
}

function proposalLine(ev) {
  if (ev.order) {
    const o = ev.order;
    return ` proposes an order from ${o.payee_name || accountName(o.payee)}, ${money(o.total, o.currency)}.`;
  }
  const m = ev.mandate;
  if (m.kind === "tip") return ` asks for a tip of ${money(m.first || m.cap, m.currency)} for ${m.payee_name}.`;
  return ` proposes a subscription to ${m.payee_name}: ${money(m.unit_price, m.currency)} per ${m.unit}, up to ${money(m.cap, m.currency)}${periodWords(m.period_seconds)}.`;
}

function dropProposal(key, gone) {
  if (!gone || !state.proposals.has(key)) return;
  state.proposals.get(key).remove();
  state.proposals.delete(key);
  $("proposals-card").hidden = state.proposals.size === 0;
}

function periodWords(seconds) {
  if (!seconds) return " in all";
  if (seconds === 86400) return " a day";
  if (seconds === 7 * 86400) return " a week";
  if (seconds === 3600) return " an hour";
  return ` per ${Math.round(seconds / 3600)} hours`;
}

// ---- the wallet -----------------------------------------------------------

function renderBalance(b) {
  $("balance").textContent = money(b.balance, b.currency);
  $("balance").dataset.balance = String(b.balance);
  $("available").textContent = b.held ? `${money(b.available, b.currency)} available, ${money(b.held, b.currency)} on hold` : "All of it available";
  $("frozen").hidden = !b.frozen;
}

// spent is money that left the person's account: posted holds and single
// transfers, not holds still pending or voided.
const spent = (t) => t.debit === "user" && (t.kind === "single" || t.kind === "post");
const received = (t) => t.credit === "user" && t.kind === "single";

function renderHistory(transfers) {
  const list = $("payments");
  list.replaceChildren();
  const moves = transfers.filter((t) => spent(t) || received(t)).slice(0, 6);
  for (const t of moves) {
    const out = spent(t);
    const li = el("li");
    const what = el("span", "", out ? accountName(t.credit) : "Top-up");
    what.append(el("small", "", `${day(t.time)} ${clock(t.time)}`));
    li.append(what, el("span", `amt${out ? "" : " in"}`, `${out ? "−" : "+"}${money(t.amount, t.currency)}`));
    list.append(li);
  }
  if (moves.length === 0) list.append(el("li", "muted", "No payments yet."));
  renderChart(transfers.filter(spent));
}

const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text) e.textContent = text;
  return e;
}

// renderChart draws what was spent each of the last 30 days, today at the right.
function renderChart(payments) {
  const days = 30;
  const totals = new Array(days).fill(0);
  const today = new Date();
  today.setHours(0, 0, 0, 0);
  let currency = "CNY";
  for (const t of payments) {
    const d = new Date(t.time);
    d.setHours(0, 0, 0, 0);
    const ago = Math.round((today - d) / 86400000);
    if (ago >= 0 && ago < days) totals[days - 1 - ago] += t.amount;
    currency = t.currency || currency;
  }
  const max = Math.max(...totals, 1);
  const chart = $("chart");
  chart.replaceChildren();
  const w = 300 / days;
  chart.append(svg("line", { x1: 0, y1: 76.5, x2: 300, y2: 76.5 }));
  totals.forEach((v, i) => {
    if (!v) return;
    const h = Math.max((v / max) * 66, 2);
    const bar = svg("rect", { class: `bar${i === days - 1 ? " today" : ""}`, x: i * w + 1, y: 76 - h, width: w - 2, height: h, rx: 1.5 });
    bar.append(svg("title", {}, money(v, currency)));
    chart.append(bar);
  });
  chart.append(svg("text", { x: 0, y: 88 }, "30 days ago"), svg("text", { x: 300, y: 88, "text-anchor": "end" }, "today"));
  const sum = totals.reduce((a, b) => a + b, 0);
  if (!sum) chart.append(svg("text", { x: 150, y: 42, "text-anchor": "middle" }, "No spending yet"));
  $("chart-cap").textContent = `Spent in the last 30 days: ${money(sum, currency)}`;
}

function renderMandates(ms) {
  const list = $("mandates");
  list.replaceChildren();
  $("mandates-empty").hidden = ms.length > 0;
  $("mandates-empty").textContent = "No agent may charge you.";
  for (const m of ms) {
    const li = el("li");
    li.dataset.id = String(m.id);
    li.dataset.state = m.state;
    const head = el("div", "mandate-head");
    const title = el("span");
    title.append(el("strong", "", m.payee_name), document.createTextNode(` · ${m.kind} by ${m.agent}`));
    const cancel = el("button", "small", m.state === "proposed" ? "Decline" : "Cancel");
    cancel.type = "button";
    cancel.addEventListener("click", () => revoke(m, cancel));
    head.append(title, cancel);
    li.append(head);
    if (m.state === "proposed") {
      li.append(el("p", "muted", "Waiting for your approval."));
    } else {
      const cap = el("div", "cap");
      const used = el("div", "cap-used");
      used.style.width = `${Math.min(100, (100 * m.spent) / Math.max(m.cap, 1))}%`;
      cap.append(used);
      li.append(cap, el("p", "muted", `${money(m.remaining, m.currency)} left of ${money(m.cap, m.currency)}${periodWords(m.period_seconds)}`));
    }
    if (m.note) li.append(el("blockquote", "quote", m.note));
    list.append(li);
  }
}

async function revoke(m, button) {
  button.disabled = true;
  try {
    await api("POST", "/v1/mandates/revoke", { id: m.id });
  } catch (err) {
    addEntry("note", `Could not cancel: ${err.message}`);
  }
  refreshMandates();
}

// ---- the microphone -------------------------------------------------------

const mic = { ctx: null, stream: null, node: null, on: false, held: false, streamID: "", mode: localStorage.getItem(MODE_KEY) || "free" };

async function openMic() {
  if (mic.ctx) return;
  // The browser's echo cancelling, noise suppression and gain control
  // distort speech for the daemon's recognizer, which keeps its own noise
  // floor; hands-free listening pauses while a reply is spoken instead.
  mic.stream = await navigator.mediaDevices.getUserMedia({
    audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false },
  });
  mic.ctx = new AudioContext();
  await mic.ctx.audioWorklet.addModule("worklet.js");
  const source = mic.ctx.createMediaStreamSource(mic.stream);
  mic.node = new AudioWorkletNode(mic.ctx, "pcm16-downsampler", { numberOfOutputs: 1 });
  mic.node.port.onmessage = (m) => frame(m.data);
  const mute = mic.ctx.createGain(); // keeps the graph pulled, silently
  mute.gain.value = 0;
  source.connect(mic.node).connect(mute).connect(mic.ctx.destination);
  await mic.ctx.resume();
}

function frame(buf) {
  const sending = mic.mode === "free" ? mic.on : mic.held;
  // Hands-free listening pauses while a reply is spoken, so that the
  // microphone does not hear the loudspeaker.
  if (!sending || (mic.mode === "free" && "speechSynthesis" in window && speechSynthesis.speaking)) return;
  meter(buf);
  if (state.ws && state.ws.readyState === WebSocket.OPEN && state.ws.bufferedAmount < 64000) state.ws.send(buf);
}

function meter(buf) {
  const s = new Int16Array(buf);
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i] * s[i];
  const rms = Math.sqrt(sum / s.length) / 32768;
  $("meter").style.width = `${Math.min(100, Math.round(Math.sqrt(rms) * 180))}%`;
}

function stopMic() {
  if (mic.stream) mic.stream.getTracks().forEach((t) => t.stop());
  if (mic.ctx) mic.ctx.close();
  Object.assign(mic, { ctx: null, stream: null, node: null, on: false, held: false });
  $("meter").style.width = "0";
  renderMic();
}

function renderMic() {
  const free = mic.mode === "free";
  $("mode-free").setAttribute("aria-checked", String(free));
  $("mode-ptt").setAttribute("aria-checked", String(!free));
  const active = free ? mic.on : mic.held;
  $("mic").setAttribute("aria-pressed", String(active));
  $("mic-label").textContent = free ? (mic.on ? "Listening — tap to stop" : "Start listening") : mic.held ? "Release to send" : "Hold to talk";
  $("mic-status").textContent = mic.ctx ? (active ? "Speak now." : "Microphone ready.") : "";
}

async function micError(err) {
  stopMic();
  $("mic-status").textContent = `The microphone is not available: ${err.message}`;
}

async function toggleFree() {
  try {
    if (mic.on) {
      mic.on = false;
      stopMic();
      return;
    }
    await openMic();
    mic.on = true;
    renderMic();
  } catch (err) {
    micError(err);
  }
}

async function pressPTT(e) {
  e.preventDefault();
  if (mic.held) return;
  mic.held = true;
  mic.streamID = nextID("a");
  send({ type: "audio.start", id: mic.streamID, audio: AUDIO });
  renderMic();
  try {
    await openMic();
  } catch (err) {
    micError(err);
  }
}

function releasePTT() {
  if (!mic.held) return;
  mic.held = false;
  send({ type: "audio.stop", id: mic.streamID });
  renderMic();
}

function setMode(mode) {
  if (mic.mode === mode) return;
  stopMic();
  mic.mode = mode;
  localStorage.setItem(MODE_KEY, mode);
  renderMic();
}

// ---- start ----------------------------------------------------------------

function start() {
  $("pairing").hidden = true;
  $("app").hidden = false;
  $("who").hidden = false;
  $("device-name").textContent = state.device || "this device";
  document.body.dataset.paired = "true";
  connect();
  refreshWallet();
  refreshMandates();
  refreshPasskeys();
  renderMic();
}

function wire() {
  setupPasskeys({ api, token: () => state.token, device: () => state.device, money, period: periodWords, say: sendText });
  $("pair-form").addEventListener("submit", (e) => {
    e.preventDefault();
    pair($("pair-code").value);
  });
  $("text-form").addEventListener("submit", (e) => {
    e.preventDefault();
    sendText($("text-input").value);
    $("text-input").value = "";
  });
  $("forget").addEventListener("click", forget);
  $("speak").checked = localStorage.getItem(SPEAK_KEY) !== "off";
  $("speak").addEventListener("change", () => {
    localStorage.setItem(SPEAK_KEY, $("speak").checked ? "on" : "off");
    if (!$("speak").checked && "speechSynthesis" in window) speechSynthesis.cancel();
  });
  $("mode-free").addEventListener("click", () => setMode("free"));
  $("mode-ptt").addEventListener("click", () => setMode("ptt"));
  const button = $("mic");
  button.addEventListener("click", () => mic.mode === "free" && toggleFree());
  button.addEventListener("pointerdown", (e) => mic.mode === "ptt" && pressPTT(e));
  for (const ev of ["pointerup", "pointercancel", "pointerleave"]) {
    button.addEventListener(ev, () => mic.mode === "ptt" && releasePTT());
  }
}

wire();
const code = takeFragment();
if (state.token) {
  start();
} else {
  showPairing("");
  if (code) {
    $("pair-code").value = code;
    pair(code);
  }
}
