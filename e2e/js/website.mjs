// Visits a bucket's website endpoint in headless Chromium as a person
// would: the home page, a folder without its trailing slash (S3 sends the
// browser on to the folder's index), and a missing page (the bucket's
// error document). Prints what the browser saw as JSON for
// e2e/s3features_test.go.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { launchChromium } from "./chromium.mjs";

const site = process.env.SITE; // http://<bucket>.s3-website.localhost:<port>
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "sekisho-website-"));
const browser = await launchChromium(profile);
const out = {};
try {
  const tab = await browser.newPage();
  for (const [name, p] of [["home", "/"], ["folder", "/blog"], ["missing", "/nope"]]) {
    const resp = await tab.goto(site + p, { waitUntil: "load", timeout: 60000 });
    out[name] = [resp.status(), new URL(tab.url()).pathname, (await tab.$eval("h1", (e) => e.textContent).catch(() => ""))];
  }
} catch (e) {
  out.error = String(e);
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
console.log("\n" + JSON.stringify(out));
