// passkey-ui.js: the companion's Passkey card and its verify prompt. The
// card registers a passkey on this phone, lists the registered ones with a
// way to revoke each, and turns the spoken PIN off or on. When the dialog
// waits for verification (a verify.request event), the prompt says what
// would be approved and runs the passkey ceremony of passkey.js. Everything
// from the server is shown with textContent.

import { register, verify } from "./passkey.js";

const $ = (id) => document.getElementById(id);

// deps are what app.js lends: api(method, path, body), token(), device(),
// money(minor, currency), period(seconds) and say(text), which sends a turn.
let deps = null;

const prompt = { verify: null, state: "", timer: 0 };
let dialogState = "";

// ---- the card -------------------------------------------------------------

export function setupPasskeys(d) {
  deps = d;
  $("passkey-form").addEventListener("submit", (e) => {
    e.preventDefault();
    registerPasskey();
  });
  $("spoken-pin").addEventListener("change", setSpokenPIN);
  $("verify-ok").addEventListener("click", runVerify);
  $("verify-cancel").addEventListener("click", cancelVerify);
  if (!window.PublicKeyCredential) {
    $("passkey-register").disabled = true;
    status("Passkeys need this page on https (or localhost).");
  }
}

function status(text, failed) {
  $("passkey-status").textContent = text;
  $("passkey-status").classList.toggle("error", Boolean(failed));
}

export async function refreshPasskeys() {
  try {
    const data = await deps.api("GET", "/v1/passkeys");
    renderPasskeys((data.passkeys || []).filter((p) => !p.revoked), data.spoken_pin !== false);
  } catch (err) {
    if (err.message !== "unauthorized") status(`Could not read the passkeys: ${err.message}`, true);
  }
}

function renderPasskeys(list, spoken) {
  const ul = $("passkeys");
  ul.replaceChildren();
  for (const p of list) {
    const li = document.createElement("li");
    li.dataset.id = p.id;
    const name = document.createElement("span");
    name.textContent = p.name;
    const when = document.createElement("small");
    when.textContent = p.last_used ? `Last used ${new Date(p.last_used).toLocaleString()}` : `Added ${new Date(p.created).toLocaleDateString()}`;
    name.append(when);
    const revoke = document.createElement("button");
    revoke.type = "button";
    revoke.className = "small";
    revoke.textContent = "Revoke";
    revoke.addEventListener("click", () => revokePasskey(p, revoke));
    li.append(name, revoke);
    ul.append(li);
  }
  $("passkeys-empty").hidden = list.length > 0;
  $("spoken-pin").checked = spoken;
  // Without a passkey the spoken PIN is the only way in: it stays on.
  $("spoken-pin").disabled = list.length === 0;
  $("passkey-card").dataset.count = String(list.length);
}

async function registerPasskey() {
  const name = $("passkey-name").value.trim() || "this phone";
  $("passkey-register").disabled = true;
  status("Follow your phone's prompt…");
  try {
    const p = await register({ token: deps.token(), name });
    $("passkey-name").value = "";
    status(`Passkey “${p.name}” registered.`);
  } catch (err) {
    status(`Not registered: ${reason(err)}`, true);
  } finally {
    $("passkey-register").disabled = false;
  }
  refreshPasskeys();
}

async function revokePasskey(p, button) {
  button.disabled = true;
  try {
    await deps.api("POST", "/v1/passkeys/revoke", { id: p.id });
    status(`Passkey “${p.name}” revoked.`);
  } catch (err) {
    status(`Could not revoke it: ${err.message}`, true);
  }
  refreshPasskeys();
}

async function setSpokenPIN() {
  const enabled = $("spoken-pin").checked;
  try {
    await deps.api("POST", "/v1/passkeys/spoken-pin", { enabled });
    status(enabled ? "Your spoken PIN is accepted too." : "Only your passkey approves now; a spoken PIN is not accepted.");
  } catch (err) {
    status(`Could not change it: ${err.message}`, true);
  }
  refreshPasskeys();
}

// reason is a browser's or the daemon's refusal as a person reads it.
function reason(err) {
  if (err && err.name === "NotAllowedError") return "the passkey was not used (cancelled or timed out).";
  if (err && err.name === "InvalidStateError") return "this phone has a passkey for voicepay already.";
  return (err && err.message) || String(err);
}

// ---- the verify prompt ----------------------------------------------------

// onEvent follows the stream: it shows a verify.request, and drops the
// prompt once the dialog has moved on (its state changed: the payment went
// through, payments were enabled, the order was cancelled).
export function onEvent(ev) {
  switch (ev.type) {
    case "session.ready":
      if (ev.session) dialogState = ev.session.state;
      break;
    case "verify.request":
      if (ev.verify) showVerify(ev.verify);
      break;
    case "reply":
      dialogState = ev.state || dialogState;
      // A verified prompt stays a moment to say so; it then hides itself.
      if (prompt.verify && ev.state && ev.state !== prompt.state && $("verify").dataset.outcome !== "verified") hideVerify();
      break;
  }
}

// verifyWhat is the question the prompt asks: "Verify: pay 18 yuan to
// Luckin Coffee?".
export function verifyWhat(v) {
  const o = v.order;
  const m = v.mandate;
  switch (v.purpose) {
    case "payment":
      return o ? `Verify: pay ${o.amount || deps.money(o.total, o.currency)} to ${o.payee_name || o.payee}?` : "Verify this payment?";
    case "activation":
      return `Verify: turn on payments on ${v.device || "this device"}?`;
    case "unfreeze":
      return "Verify: unfreeze your wallet?";
    case "subscription":
      if (!m) return "Verify: approve this subscription?";
      return `Verify: let ${m.agent || "an agent"} charge you for ${m.payee_name}, up to ${deps.money(m.cap, m.currency)}${deps.period(m.period_seconds)}?`;
  }
  return `Verify: ${v.purpose}?`;
}

function showVerify(v) {
  prompt.verify = v;
  prompt.state = dialogState;
  const card = $("verify");
  card.hidden = false;
  card.dataset.purpose = v.purpose;
  card.dataset.outcome = "waiting";
  $("verify-what").textContent = verifyWhat(v);
  const other = v.device && v.device !== deps.device() ? `For ${v.device}. ` : "";
  const until = v.expires ? `Waiting until ${new Date(v.expires).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit", second: "2-digit" })}.` : "";
  $("verify-when").textContent = other + until;
  $("verify-status").textContent = "";
  $("verify-status").classList.remove("error");
  $("verify-ok").disabled = false;
  clearTimeout(prompt.timer);
  const left = v.expires ? new Date(v.expires) - Date.now() : 0;
  if (left > 0) prompt.timer = setTimeout(hideVerify, left);
  card.scrollIntoView({ block: "nearest" });
}

export function hideVerify() {
  clearTimeout(prompt.timer);
  prompt.verify = null;
  $("verify").hidden = true;
}

async function runVerify() {
  const v = prompt.verify;
  if (!v) return;
  const card = $("verify");
  $("verify-ok").disabled = true;
  $("verify-status").classList.remove("error");
  $("verify-status").textContent = "Use your passkey…";
  try {
    await verify(v.purpose, { token: deps.token(), device: v.device });
    card.dataset.outcome = "verified";
    $("verify-status").textContent = "Verified.";
    setTimeout(() => prompt.verify === v && hideVerify(), 1500);
    refreshPasskeys();
  } catch (err) {
    card.dataset.outcome = "refused";
    $("verify-status").classList.add("error");
    $("verify-status").textContent = `Not verified: ${reason(err)}`;
    $("verify-ok").disabled = false;
  }
}

// cancelVerify says "cancel" to the dialog, which ends its wait (and
// cancels an order waiting to be paid).
function cancelVerify() {
  hideVerify();
  deps.say("cancel");
}
