// passkey.js: the browser side of voicepay's passkey ceremonies, with no
// dependencies. It calls the daemon's /v1/passkeys endpoints with the
// device's token and converts between their base64url JSON and the
// ArrayBuffers navigator.credentials wants. The companion page imports it:
//
//   import { register, verify } from "./passkey.js";
//   await register({ token, name: "phone" });
//   // on a verify.request event from /v1/stream:
//   await verify(event.verify.purpose, { token, device: event.verify.device });

const b64urlToBuffer = (s) => {
  const b64 = s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out.buffer;
};

const bufferToB64url = (buf) => {
  const bytes = new Uint8Array(buf);
  let bin = "";
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};

// post sends JSON (or nothing) with the token and returns the JSON answer,
// throwing the daemon's coded error when the status is not 2xx.
async function post(path, body, { token, base = "" }) {
  const res = await fetch(base + path, {
    method: "POST",
    headers: { "Authorization": "Bearer " + token, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json();
  if (!res.ok) {
    const err = new Error((data.error && data.error.message) || res.statusText);
    err.code = data.error && data.error.code;
    throw err;
  }
  return data;
}

const descriptors = (list) =>
  (list || []).map((c) => ({ ...c, id: b64urlToBuffer(c.id) }));

// register creates a passkey on this device and stores it in the wallet.
// It resolves to {id, name, created}.
export async function register({ token, name = "phone", base = "" }) {
  const { publicKey } = await post("/v1/passkeys/register/begin", undefined, { token, base });
  publicKey.challenge = b64urlToBuffer(publicKey.challenge);
  publicKey.user.id = b64urlToBuffer(publicKey.user.id);
  publicKey.excludeCredentials = descriptors(publicKey.excludeCredentials);
  const cred = await navigator.credentials.create({ publicKey });
  const body = {
    id: cred.id,
    rawId: bufferToB64url(cred.rawId),
    type: cred.type,
    response: {
      clientDataJSON: bufferToB64url(cred.response.clientDataJSON),
      attestationObject: bufferToB64url(cred.response.attestationObject),
      transports: cred.response.getTransports ? cred.response.getTransports() : undefined,
    },
  };
  const path = "/v1/passkeys/register/finish?name=" + encodeURIComponent(name);
  return (await post(path, body, { token, base })).passkey;
}

// verify approves with a passkey what the dialog waits for: purpose is
// "activation", "payment", "unfreeze" or "subscription", as the
// verify.request event said; device is the device whose dialog waits (the
// token's own when omitted). It resolves to the turn that completed it.
export async function verify(purpose, { token, device, base = "" }) {
  const begin = device ? { purpose, device } : { purpose };
  const { publicKey } = await post("/v1/passkeys/verify/begin", begin, { token, base });
  publicKey.challenge = b64urlToBuffer(publicKey.challenge);
  publicKey.allowCredentials = descriptors(publicKey.allowCredentials);
  const cred = await navigator.credentials.get({ publicKey });
  const r = cred.response;
  const body = {
    id: cred.id,
    rawId: bufferToB64url(cred.rawId),
    type: cred.type,
    response: {
      clientDataJSON: bufferToB64url(r.clientDataJSON),
      authenticatorData: bufferToB64url(r.authenticatorData),
      signature: bufferToB64url(r.signature),
      userHandle: r.userHandle ? bufferToB64url(r.userHandle) : undefined,
    },
  };
  return (await post("/v1/passkeys/verify/finish", body, { token, base })).turn;
}
