// launchChromium starts Debian's headless Chromium for the browser tests.
// On a loaded CI machine (the race-detector suite runs beside these
// tests) a first start, which also builds the font cache, can take well
// over puppeteer's 30 s default: wait longer, and start once more if the
// first start never answered.
import puppeteer from "puppeteer-core";

const flags = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"];

export async function launchChromium(userDataDir, extraArgs = []) {
  const opts = {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium", userDataDir, headless: true,
    timeout: 120000, protocolTimeout: 240000, args: [...flags, ...extraArgs],
  };
  try {
    return await puppeteer.launch(opts);
  } catch (e) {
    if (e.name !== "TimeoutError") throw e;
    // The first process may still hold its profile's lock: a new profile.
    console.error("chromium did not start in time; starting it again: " + e.message);
    return await puppeteer.launch({ ...opts, userDataDir: userDataDir + "-again" });
  }
}
