// A certified OpenID Connect relying party (openid-client) against a
// pool: discovery on the pool's issuer, the authorization code flow with
// PKCE, state and nonce (the managed login page answered by hand, as a
// form post), ID token validation, userinfo, refresh and revocation. Node
// cannot resolve <prefix>.auth.localhost here, so a custom fetch sends the
// domain's host form to its path form on the same server.
import * as client from "openid-client";

const env = process.env;
const server = new URL(env.ENDPOINT);
const domainHost = `${env.DOMAIN}.auth.localhost:${server.port}`;
const toPathForm = (u) => {
  const url = new URL(u);
  if (url.host === domainHost) {
    return new URL(`${server.origin}/_auth/${env.DOMAIN}${url.pathname}${url.search}`);
  }
  return url;
};
const customFetch = (u, opts) => fetch(toPathForm(u), opts);
const out = {};
const step = async (name, fn) => {
  try {
    out[name] = await fn();
  } catch (e) {
    out[name] = "error: " + (e.code || e.name) + ": " + e.message + (e.cause ? " (" + JSON.stringify(e.cause) + ")" : "");
  }
};

let config;
await step("discovery", async () => {
  config = await client.discovery(new URL(`${env.ENDPOINT}/${env.POOL_ID}`), env.CLIENT_ID, env.CLIENT_SECRET, undefined, {
    execute: [client.allowInsecureRequests], [client.customFetch]: customFetch,
  });
  config[client.customFetch] = customFetch;
  const m = config.serverMetadata();
  return [m.issuer === `${env.ENDPOINT}/${env.POOL_ID}`, m.code_challenge_methods_supported?.includes("S256")];
});

// A browser's part: follow the authorization URL to the login page, post
// the form with its CSRF cookie, and read the code off the redirect.
const signIn = async (authURL) => {
  const jar = new Map();
  const get = async (u, init = {}) => {
    const headers = { ...(init.headers || {}), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") };
    const r = await fetch(toPathForm(u), { ...init, headers, redirect: "manual" });
    for (const c of r.headers.getSetCookie()) {
      const [kv] = c.split(";");
      const i = kv.indexOf("=");
      jar.set(kv.slice(0, i), kv.slice(i + 1));
    }
    return r;
  };
  let r = await get(authURL);
  const loginURL = new URL(r.headers.get("location"), toPathForm(authURL));
  r = await get(loginURL);
  const page = await r.text();
  const form = new URLSearchParams();
  for (const m of page.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    form.set(m[1], m[2].replaceAll("&amp;", "&"));
  }
  form.set("username", env.USERNAME);
  form.set("password", env.PASSWORD);
  r = await get(new URL(loginURL.pathname, loginURL), { method: "POST", body: form, headers: { "content-type": "application/x-www-form-urlencoded" } });
  return new URL(r.headers.get("location"));
};

let tokens;
await step("code_flow", async () => {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authURL = client.buildAuthorizationUrl(config, {
    redirect_uri: env.CALLBACK, scope: "openid email aws.cognito.signin.user.admin", state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: "S256",
  });
  const back = await signIn(authURL);
  tokens = await client.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
  const claims = tokens.claims();
  return [claims["cognito:username"], claims.email, tokens.token_type.toLowerCase(), tokens.scope ?? "(none)", !!tokens.refresh_token];
});
await step("userinfo", async () => {
  const info = await client.fetchUserInfo(config, tokens.access_token, tokens.claims().sub);
  return [info.username, info.email];
});
let refreshed;
await step("refresh", async () => {
  refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  return [refreshed.claims()?.["cognito:username"], !!refreshed.access_token];
});
await step("revoke", async () => {
  await client.tokenRevocation(config, tokens.refresh_token, { token_type_hint: "refresh_token" });
  try {
    await client.refreshTokenGrant(config, tokens.refresh_token);
    return "refresh still works";
  } catch (e) {
    return e.error ?? e.code;
  }
});
console.log(JSON.stringify(out));
