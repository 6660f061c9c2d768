// Drives the web console in headless Chromium as an operator would: sign
// in with keys, make a bucket and upload a file, create a user-pool user,
// create a role; then sign in as a user without permissions and meet
// AccessDenied. Prints what it saw as JSON for e2e/console_test.go.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { launchChromium } from "./chromium.mjs";

const env = process.env;
const base = env.ENDPOINT + "/console/";
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "sekisho-console-"));
const upload = path.join(profile, "hello.txt");
fs.writeFileSync(upload, "hello from the console\n");
const browser = await launchChromium(path.join(profile, "chrome"));
const out = {};
const logs = [];
// docs/console-*.png when SCREENSHOTS names a directory.
const shot = async (tab, name) => {
  if (env.SCREENSHOTS) {
    await tab.setViewport({ width: 1000, height: 640 });
    await tab.screenshot({ path: path.join(env.SCREENSHOTS, `console-${name}.png`) });
  }
};
try {
  const tab = await browser.newPage();
  tab.on("console", (m) => logs.push(m.type() + ": " + m.text()));
  const submit = (sel) => Promise.all([tab.waitForNavigation(), tab.click(sel)]);
  const signIn = async (id, secret) => {
    await tab.goto(base);
    await shot(tab, "sign-in");
    await tab.type("#access_key_id", id);
    await tab.type("#secret_access_key", secret);
    await submit("button[type=submit]");
    return tab.$eval("#who", (e) => e.textContent).catch(() => "");
  };
  out.who = await signIn(env.KEY_ID, env.SECRET);
  out.csp = (await (await tab.goto(base)).headers())["content-security-policy"];
  // S3: a bucket and a file.
  await tab.goto(base + "s3");
  await tab.type("#bucket", "console-bucket");
  await submit("form[action='/console/s3'] button[type=submit]");
  const input = await tab.$("#file");
  await input.uploadFile(upload);
  await submit("form[enctype] button[type=submit]");
  out.objects = await tab.$$eval("a.object", (as) => as.map((a) => a.textContent));
  // A 20 MiB file: streamed to S3 in 8 MiB parts, with a progress bar.
  const big = path.join(profile, "big.bin");
  fs.writeFileSync(big, Buffer.alloc(20 << 20, 7));
  await (await tab.$("#file")).uploadFile(big);
  await tab.evaluate(() => {
    const bar = document.querySelector("form.upload progress");
    new MutationObserver(() => sessionStorage.setItem("progress", bar.value + "/" + bar.max)).observe(bar, { attributes: true });
  });
  await submit("form[enctype] button[type=submit]");
  out.progress = await tab.evaluate(() => sessionStorage.getItem("progress"));
  out.objects_after_big = await tab.$$eval("a.object", (as) => as.map((a) => a.textContent));
  out.upload_script = await tab.$$eval("script[src]", (ss) => ss.map((x) => new URL(x.src).pathname).join(" "));
  await shot(tab, "s3");
  // A presigned link, fetched without the console.
  for (const l of await tab.$$("a.presign")) {
    if ((await l.evaluate((a) => a.href)).endsWith("key=hello.txt")) {
      await Promise.all([tab.waitForNavigation(), l.click()]);
      break;
    }
  }
  const link = await tab.$eval("#url", (e) => e.value);
  out.presigned = await (await fetch(link)).text();
  // The policy editor answers with the service's validation.
  await tab.goto(base + "s3/b/console-bucket/settings");
  await tab.type("#policy", '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::console-bucket/*"}]}');
  await Promise.all([tab.waitForNavigation(), tab.click("#save-policy")]);
  out.bad_policy = await tab.$eval("#error", (e) => e.textContent.split(":")[0]).catch(() => "saved");
  // Cognito: a user.
  await tab.goto(base + "cognito");
  await Promise.all([tab.waitForNavigation(), tab.click("a.pool")]);
  await tab.type("#username", "console-user");
  await tab.type("#email", "console-user@example.com");
  await submit("form[action$='/users'] button[type=submit]");
  out.users = await tab.$$eval("tr.user td:first-child", (tds) => tds.map((t) => t.textContent));
  await tab.select("tr.user select[name=action]", "disable");
  await submit("tr.user button");
  out.disabled = await tab.$$eval("tr.user td:nth-child(2)", (tds) => tds.map((t) => t.textContent));
  // The pool's settings: an OAuth client, a domain, a group.
  await tab.type("#client_name", "console-web");
  await tab.type("#client_callbacks", "https://app.example.com/callback");
  await submit("#create-client");
  out.clients = await tab.$$eval("tr.client", (trs) => trs.map((t) => [t.children[0].textContent, t.children[3].textContent, t.children[5].textContent].join(" ")));
  await tab.type("#domain_prefix", "console-demo");
  await submit("#create-domain");
  out.domain = await tab.$eval("#domain", (e) => e.textContent);
  await tab.type("#group_name", "editors");
  await submit("#create-group");
  out.groups = await tab.$$eval("span.group", (ss) => ss.map((x) => x.textContent));
  // IAM: a role.
  await tab.goto(base + "iam");
  await tab.type("#name", "console-role");
  await tab.type("#trust", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }));
  await submit("form[action='/console/iam/roles'] button[type=submit]");
  out.roles = await tab.$$eval("li.role", (lis) => lis.map((l) => l.textContent));
  await submit("li form button");
  out.new_key = (await tab.$eval("#key-id", (e) => e.textContent)).slice(0, 4);
  // A managed policy: create, a second version made the default, attached
  // to the role.
  await tab.goto(base + "iam");
  await tab.type("#policy_new_name", "console-policy");
  await tab.type("#policy_new_document", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" }] }));
  await submit("#create-policy");
  await tab.type("#version_document", JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: ["s3:ListAllMyBuckets", "s3:GetObject"], Resource: "*" }] }));
  await submit("#new-version");
  await tab.type("#attach_role", "console-role");
  await submit("#attach");
  out.policy_versions = await tab.$$eval("tr.version td:first-child", (tds) => tds.map((t) => t.textContent.trim()));
  out.policy_document = (await tab.$eval("#document", (e) => e.textContent)).includes("s3:GetObject");
  out.policy_attached = await tab.$$eval("li.attached", (lis) => lis.map((l) => l.textContent));
  // The simulator: why may the viewer (no policies) not list buckets?
  await tab.goto(base + "simulate");
  await tab.type("#principal", "arn:aws:iam::000000000000:user/viewer");
  await tab.type("#actions", "s3:ListAllMyBuckets");
  await submit("#simulate");
  out.simulated = await tab.$eval("tr.sim .decision", (e) => e.textContent).catch(() => "");
  await shot(tab, "simulator");
  out.outbox = (await tab.goto(base + "outbox")).status();
  out.identity = (await tab.goto(base + "identity")).status();
  out.identity_tags = await tab.$$eval("td.tags", (tds) => tds.map((t) => t.textContent.trim()));
  // Sign out; a principal without permissions sees AccessDenied.
  await submit("header form button");
  out.viewer = await signIn(env.VIEWER_ID, env.VIEWER_SECRET);
  const resp = await tab.goto(base + "s3");
  out.denied = [resp.status(), await tab.$eval("#error", (e) => e.textContent).catch(() => "")];
  out.viewer_outbox = (await tab.goto(base + "outbox")).status();
  out.viewer_requests = (await tab.goto(base + "requests")).status();
  // Back as root: the viewer's refused request is in the recent ones, and
  // "Why?" runs it again in the simulator.
  await submit("header form button");
  await signIn(env.KEY_ID, env.SECRET);
  await tab.goto(base + "requests");
  const rows = await tab.$$("tr.trace");
  for (const row of rows) {
    const [who, action, decision] = await row.$$eval("td", (tds) => [tds[1].textContent, tds[2].textContent, tds[4].textContent]);
    if (who.endsWith(":user/viewer") && action === "s3:ListAllMyBuckets") {
      out.trace = decision;
      await Promise.all([tab.waitForNavigation(), row.$eval("button.why", (b) => b.click())]);
      out.trace_simulated = await tab.$eval("tr.sim .decision", (e) => e.textContent).catch(() => "");
      break;
    }
  }
} finally {
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
for (const l of logs) console.error(l);
console.log(JSON.stringify(out));
