// MFA, remembered devices and one-time codes with the JavaScript clients
// apps use, in Node: amazon-cognito-identity-js (TOTP setup, sendMFACode,
// device remembering and device SRP) and Amplify JS v6 (setUpTOTP,
// verifyTOTPSetup, confirmSignIn, email OTP through USER_AUTH). Results
// are printed as JSON for e2e/mfa_test.go.
import crypto from "node:crypto";
import fs from "node:fs";
import { CognitoUserPool, CognitoUser, AuthenticationDetails } from "amazon-cognito-identity-js";
import { Amplify } from "aws-amplify";
import { signIn, signOut, confirmSignIn, setUpTOTP, verifyTOTPSetup, updateMFAPreference, fetchMFAPreference } from "aws-amplify/auth";

const env = process.env;
const out = {};

// totp is an authenticator app: RFC 6238 over a base32 secret.
function totp(secret, offset = 0) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000) + offset));
  const h = crypto.createHmac("sha1", key).update(msg).digest();
  const o = h[h.length - 1] & 0xf;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, "0");
}

function lastCode(username, purpose) {
  const lines = fs.readFileSync(env.OUTBOX, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  return lines.filter((m) => m.username === username && m.purpose === purpose).pop()?.code;
}

async function run(name, fn) {
  try {
    out[name] = await fn();
  } catch (e) {
    out[name] = "error: " + (e.code || e.name) + ": " + e.message;
  }
}

const pool = new CognitoUserPool({ UserPoolId: env.POOL_ID, ClientId: env.CLIENT_ID, endpoint: env.ENDPOINT + "/" });

// sign in with SRP; callbacks answer TOTP with the next code.
function authenticate(username, secret) {
  const user = new CognitoUser({ Username: username, Pool: pool });
  const seen = [];
  return new Promise((resolve, reject) => {
    const cb = {
      onSuccess: (session, userConfirmationNecessary) => resolve({ user, session, seen, userConfirmationNecessary }),
      onFailure: reject,
      totpRequired: (name) => {
        seen.push(name);
        user.sendMFACode(totp(secret, 1), cb, "SOFTWARE_TOKEN_MFA");
      },
      mfaSetup: () => reject(new Error("mfaSetup")),
      newPasswordRequired: () => reject(new Error("newPasswordRequired")),
    };
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: env.PASSWORD }), cb);
  });
}

// amazon-cognito-identity-js: TOTP set up with the session, then a
// sign-in with the code; the device the pool tracks is confirmed by the
// library, remembered, and the next sign-in is the device's SRP, no MFA.
let secret;
await run("cij_totp_setup", async () => {
  const { user } = await authenticate("cij-user");
  secret = await new Promise((resolve, reject) => user.associateSoftwareToken({ associateSecretCode: resolve, onFailure: reject }));
  await new Promise((resolve, reject) => user.verifySoftwareToken(totp(secret), "node", { onSuccess: resolve, onFailure: reject }));
  await new Promise((resolve, reject) =>
    user.setUserMfaPreference(null, { PreferredMfa: true, Enabled: true }, (err, res) => (err ? reject(err) : resolve(res))),
  );
  return "ok";
});
let deviceKey;
await run("cij_totp_signin", async () => {
  const r = await authenticate("cij-user", secret);
  await new Promise((resolve, reject) => r.user.setDeviceStatusRemembered({ onSuccess: resolve, onFailure: reject }));
  deviceKey = r.session.getAccessToken().payload.device_key;
  return [r.seen.join(","), r.session.isValid(), typeof deviceKey];
});
await run("cij_device_signin", async () => {
  // Wait for the next TOTP window so that a code would be fresh: the
  // device must make it unnecessary anyway.
  const r = await authenticate("cij-user", secret);
  return [r.seen.length, r.session.getAccessToken().payload.device_key === deviceKey];
});
await run("cij_devices", async () => {
  const { user } = await authenticate("cij-user", secret);
  const list = await new Promise((resolve, reject) => user.listDevices(10, null, { onSuccess: resolve, onFailure: reject }));
  return list.Devices.length;
});

// Amplify JS v6.
Amplify.configure({ Auth: { Cognito: { userPoolId: env.POOL_ID, userPoolClientId: env.CLIENT_ID, userPoolEndpoint: env.ENDPOINT } } });
let aSecret;
await run("amplify_totp_setup", async () => {
  await signIn({ username: "amp-user", password: env.PASSWORD });
  const details = await setUpTOTP();
  aSecret = details.sharedSecret;
  await verifyTOTPSetup({ code: totp(aSecret) });
  await updateMFAPreference({ totp: "PREFERRED" });
  const pref = await fetchMFAPreference();
  await signOut();
  return [pref.preferred, pref.enabled.join(",")];
});
await run("amplify_totp_signin", async () => {
  const r = await signIn({ username: "amp-user", password: env.PASSWORD });
  const step = r.nextStep.signInStep;
  const done = await confirmSignIn({ challengeResponse: totp(aSecret, 1) });
  await signOut();
  return [step, done.nextStep.signInStep];
});
await run("amplify_email_otp", async () => {
  const r = await signIn({ username: "amp-user", options: { authFlowType: "USER_AUTH", preferredChallenge: "EMAIL_OTP" } });
  const step = r.nextStep.signInStep;
  const done = await confirmSignIn({ challengeResponse: lastCode("amp-user", "SignIn") });
  await signOut();
  return [step, done.nextStep.signInStep];
});

console.log(JSON.stringify(out));
