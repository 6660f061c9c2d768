// Drives a sekisho user pool with the JavaScript clients apps use:
// amazon-cognito-identity-js (SRP), Amplify JS v6 and aws-jwt-verify.
// Settings come from the environment; results are printed as JSON for
// the Go test (e2e/js_test.go) to check.
import fs from "node:fs";
import { CognitoUserPool, CognitoUser, AuthenticationDetails, CognitoUserAttribute } from "amazon-cognito-identity-js";
import { Amplify } from "aws-amplify";
import { signIn, signOut, fetchAuthSession, signUp, confirmSignUp } from "aws-amplify/auth";
import { JwtVerifier } from "aws-jwt-verify";
import { validateCognitoJwtFields } from "aws-jwt-verify/cognito-verifier";

const env = process.env;
const endpoint = env.ENDPOINT + "/";
const out = {};

function lastCode(dest) {
  const lines = fs.readFileSync(env.OUTBOX, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  return lines.filter((m) => m.destination === dest || m.username === dest).pop()?.code;
}

const pool = new CognitoUserPool({ UserPoolId: env.POOL_ID, ClientId: env.CLIENT_ID, endpoint });

function authenticate(username, password) {
  const user = new CognitoUser({ Username: username, Pool: pool });
  return new Promise((resolve, reject) =>
    user.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
      onSuccess: (session) => resolve({ user, session }),
      onFailure: reject,
      newPasswordRequired: () => reject(new Error("newPasswordRequired")),
    }),
  );
}

function promisify(fn) {
  return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));
}

async function run(name, fn) {
  try {
    out[name] = await fn();
  } catch (e) {
    out[name] = "error: " + (e.code || e.name) + ": " + e.message;
  }
}

// amazon-cognito-identity-js: SRP sign-in (its default flow).
let session;
await run("srp", async () => {
  const r = await authenticate(env.USERNAME, env.PASSWORD);
  session = r.session;
  return r.session.isValid() && r.session.getIdToken().payload["cognito:username"] === env.SUB;
});
await run("srp_wrong", () => authenticate(env.USERNAME, "Wrong#Pass12"));
await run("refresh", async () => {
  const user = new CognitoUser({ Username: env.USERNAME, Pool: pool });
  const s = await promisify((cb) => user.refreshSession(session.getRefreshToken(), cb));
  return s.getIdToken().payload.origin_jti === session.getIdToken().payload.origin_jti;
});
await run("signup", async () => {
  const email = "js-user@example.com";
  await promisify((cb) => pool.signUp(email, "JsUser#Pass12", [new CognitoUserAttribute({ Name: "email", Value: email })], null, cb));
  const user = new CognitoUser({ Username: email, Pool: pool });
  await promisify((cb) => user.confirmRegistration(lastCode(email), true, cb));
  const r = await authenticate(email, "JsUser#Pass12");
  return r.session.getIdToken().payload.email;
});
await run("forgot_password", async () => {
  const user = new CognitoUser({ Username: env.USERNAME, Pool: pool });
  await new Promise((resolve, reject) => user.forgotPassword({ onSuccess: resolve, onFailure: reject, inputVerificationCode: resolve }));
  await new Promise((resolve, reject) =>
    user.confirmPassword(lastCode(env.USERNAME), "Reset#Pass12", { onSuccess: resolve, onFailure: reject }),
  );
  const r = await authenticate(env.USERNAME, "Reset#Pass12");
  return r.session.isValid();
});

// aws-jwt-verify with our issuer and JWKS.
await run("jwt_verify", async () => {
  const jwks = await (await fetch(env.ISSUER + "/.well-known/jwks.json")).json();
  const idVerifier = JwtVerifier.create({
    issuer: env.ISSUER, audience: null, jwksUri: env.ISSUER + "/.well-known/jwks.json",
    customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse: "id", clientId: env.CLIENT_ID }),
  });
  idVerifier.cacheJwks(jwks);
  const accessVerifier = JwtVerifier.create({
    issuer: env.ISSUER, audience: null, jwksUri: env.ISSUER + "/.well-known/jwks.json",
    customJwtCheck: ({ payload }) => validateCognitoJwtFields(payload, { tokenUse: "access", clientId: env.CLIENT_ID }),
  });
  accessVerifier.cacheJwks(jwks);
  const { session: s } = await authenticate(env.USERNAME, "Reset#Pass12");
  const id = await idVerifier.verify(s.getIdToken().getJwtToken());
  const access = await accessVerifier.verify(s.getAccessToken().getJwtToken());
  let tampered = "accepted";
  const [h, p, sig] = s.getIdToken().getJwtToken().split(".");
  const payload = JSON.parse(Buffer.from(p, "base64url"));
  payload["cognito:username"] = "someone-else";
  try {
    await idVerifier.verify([h, Buffer.from(JSON.stringify(payload)).toString("base64url"), sig].join("."));
  } catch (e) {
    tampered = "rejected";
  }
  let swapped = "accepted";
  try {
    await idVerifier.verify(s.getAccessToken().getJwtToken());
  } catch (e) {
    swapped = "rejected";
  }
  return [id.token_use, access.token_use, tampered, swapped];
});

// Amplify JS v6: signIn (SRP), fetchAuthSession, signOut (RevokeToken).
Amplify.configure({ Auth: { Cognito: { userPoolId: env.POOL_ID, userPoolClientId: env.CLIENT_ID, userPoolEndpoint: env.ENDPOINT } } });
await run("amplify_signin", async () => {
  const r = await signIn({ username: env.USERNAME, password: "Reset#Pass12" });
  return r.nextStep.signInStep;
});
await run("amplify_session", async () => {
  const s = await fetchAuthSession();
  return s.tokens?.idToken?.payload?.["cognito:username"] === env.SUB;
});
await run("amplify_signout", async () => {
  await signOut();
  const s = await fetchAuthSession();
  return s.tokens === undefined;
});
await run("amplify_wrong", () => signIn({ username: env.USERNAME, password: "Wrong#Pass12" }));
await run("amplify_signup", async () => {
  const email = "amplify-user@example.com";
  await signUp({ username: email, password: "Amplify#Pass12", options: { userAttributes: { email } } });
  await confirmSignUp({ username: email, confirmationCode: lastCode(email) });
  const r = await signIn({ username: email, password: "Amplify#Pass12" });
  await signOut();
  return r.nextStep.signInStep;
});

console.log(JSON.stringify(out));
