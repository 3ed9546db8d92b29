// The bridge's HTTP API as the console uses it: JSON reads, and writes with the CSRF token and
// a fresh Idempotency-Key each. Cookies (the session) go with every request on this origin.

let csrf = null;
export let session = null; // {subject, role, authority} or null

export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
  }
}

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") {
    headers["Idempotency-Key"] = crypto.randomUUID();
    if (csrf) headers["X-CSRF-Token"] = csrf;
  }
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const r = await fetch(path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { detail: text }; }
  if (!r.ok) throw new ApiError(r.status, (data && data.detail) || r.statusText);
  return data;
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body ?? {});

export async function whoAmI() {
  try {
    const s = await get("/v1/session");
    csrf = s.csrf_token || null;
    session = { subject: s.subject, role: s.role, authority: s.authority };
  } catch {
    session = null;
  }
  return session;
}

export async function signIn(username, password) {
  const s = await call("POST", "/v1/session", { username, password });
  csrf = s.csrf_token || null;
  session = { subject: s.subject, role: s.role, authority: s.authority };
  return session;
}

export async function signOut() {
  try { await call("DELETE", "/v1/session"); } finally { csrf = null; session = null; }
}
