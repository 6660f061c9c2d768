// Runs spa/app.mjs (or $ENTRY) in headless Chromium (Debian's, driven by
// puppeteer-core) from a page on its own origin, and prints what it found
// as JSON. The environment names the server, pools and user (see
// e2e/browser_test.go). With LOGIN_USERNAME set, the app sends the
// browser to the managed login page, where this driver types the
// user's name and password as a person would. With VIRTUAL_AUTHENTICATOR
// set, the page has a virtual platform authenticator for passkeys.
import http from "node:http";
import os from "node:os";
import path from "node:path";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { launchChromium } from "./chromium.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
// The SDK's Node-only credential providers are reachable from its
// default chain but never run in a browser: their node: imports become
// empty modules.
const nodeBuiltins = {
  name: "node-builtins",
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (a) => ({ path: a.path, namespace: "empty" }));
    b.onLoad({ filter: /.*/, namespace: "empty" }, () => ({ contents: "module.exports = {};", loader: "js" }));
  },
};
const bundle = await esbuild.build({
  entryPoints: [path.join(here, "spa", process.env.ENTRY || "app.mjs")], bundle: true, write: false, format: "esm", platform: "browser",
  target: "es2022", define: { global: "globalThis", "process.env.NODE_ENV": '"production"' }, logLevel: "error",
  plugins: [nodeBuiltins],
});
const js = bundle.outputFiles[0].text;
const page = `<!doctype html><meta charset="utf-8"><title>seed app</title><script type="module" src="/app.js"></script>`;
const srv = http.createServer((req, res) => {
  if (req.url === "/app.js") {
    res.writeHead(200, { "content-type": "text/javascript" }).end(js);
  } else {
    res.writeHead(200, { "content-type": "text/html" }).end(page);
  }
});
const env = process.env;
await new Promise((ok) => srv.listen(Number(env.SPA_PORT || 0), "127.0.0.1", ok));
const origin = `http://${env.SPA_HOST || "127.0.0.1"}:${srv.address().port}`;

const cfg = Object.fromEntries(["ENDPOINT", "REGION", "BUCKET", "USERNAME", "PASSWORD", "POOL_ID", "CLIENT_ID", "IDENTITY_POOL_ID", "OAUTH_DOMAIN"].map((k) => [k, env[k]]));
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "sekisho-chromium-"));
const browser = await launchChromium(profile, env.IGNORE_CERTS ? ["--ignore-certificate-errors"] : []);
const logs = [];
let result;
try {
  const tab = await browser.newPage();
  if (env.VIRTUAL_AUTHENTICATOR) {
    // A platform authenticator with user verification, through the
    // DevTools protocol's WebAuthn domain: passkeys without a person.
    const cdp = await tab.createCDPSession();
    await cdp.send("WebAuthn.enable");
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
  }
  tab.on("console", (m) => logs.push(m.type() + ": " + m.text()));
  tab.on("pageerror", (e) => logs.push("pageerror: " + e.message));
  tab.on("requestfailed", (r) => logs.push("requestfailed: " + r.method() + " " + r.url() + " " + r.failure()?.errorText));
  if (env.LOGIN_USERNAME) {
    // The app keeps its configuration across the round trip.
    await tab.evaluateOnNewDocument((c) => sessionStorage.setItem("cfg", c), JSON.stringify(cfg));
    await tab.goto(origin + "/");
    await tab.waitForSelector("input[name=password]", { timeout: 60000 });
    logs.push("login page: " + new URL(tab.url()).host + new URL(tab.url()).pathname);
    if (env.SCREENSHOTS) {
      // docs/login-<lang>.png: the page as a user sees it, in each language.
      const at = tab.url();
      await tab.setViewport({ width: 480, height: 560 });
      for (const lang of ["en", "ja", "ko"]) {
        await tab.goto(at + "&lang=" + lang);
        await tab.screenshot({ path: path.join(env.SCREENSHOTS, `login-${lang}.png`) });
      }
      await tab.goto(at);
    }
    await tab.type("input[name=username]", env.LOGIN_USERNAME);
    await tab.type("input[name=password]", env.LOGIN_PASSWORD);
    await Promise.all([tab.waitForNavigation({ timeout: 60000 }), tab.click("button[type=submit]")]);
  } else {
    await tab.goto(origin + "/#" + encodeURIComponent(JSON.stringify(cfg)));
  }
  // Navigations may destroy the context being polled: poll again.
  for (const deadline = Date.now() + 120000; ; ) {
    try {
      await tab.waitForFunction("window.__result", { timeout: 120000 });
      break;
    } catch (e) {
      if (Date.now() > deadline || !/context|navigat/i.test(e.message)) throw e;
    }
  }
  result = await tab.evaluate(() => window.__result);
  result.origin = origin;
} finally {
  await browser.close();
  srv.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
for (const l of logs) console.error(l);
console.log(JSON.stringify(result));
