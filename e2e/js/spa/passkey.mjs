// Amplify JS v6 passkeys in a browser: a signed-in user registers a
// passkey (associateWebAuthnCredential, answered by the driver's virtual
// authenticator), lists it, signs out, and signs in with it alone
// (USER_AUTH, WEB_AUTHN).
import { Amplify } from "aws-amplify";
import { signIn, signOut, fetchAuthSession, associateWebAuthnCredential, listWebAuthnCredentials, deleteWebAuthnCredential } from "aws-amplify/auth";

const cfg = JSON.parse(decodeURIComponent(location.hash.slice(1)));
Amplify.configure({ Auth: { Cognito: { userPoolId: cfg.POOL_ID, userPoolClientId: cfg.CLIENT_ID, userPoolEndpoint: cfg.ENDPOINT } } });
const out = {};
async function run(name, fn) {
  try {
    out[name] = await fn();
  } catch (e) {
    out[name] = "error: " + (e.name || e.code) + ": " + e.message;
  }
}
await run("password", async () => (await signIn({ username: cfg.USERNAME, password: cfg.PASSWORD })).nextStep.signInStep);
await run("register", async () => {
  await associateWebAuthnCredential();
  const list = await listWebAuthnCredentials();
  return [list.credentials.length, list.credentials[0]?.relyingPartyId];
});
await run("sign_out", async () => {
  await signOut();
  return (await fetchAuthSession()).tokens === undefined;
});
await run("passkey_sign_in", async () => {
  const r = await signIn({ username: cfg.USERNAME, options: { authFlowType: "USER_AUTH", preferredChallenge: "WEB_AUTHN" } });
  const s = await fetchAuthSession();
  return [r.nextStep.signInStep, s.tokens?.accessToken?.payload?.username];
});
await run("passkey_again", async () => {
  await signOut();
  const r = await signIn({ username: cfg.USERNAME, options: { authFlowType: "USER_AUTH", preferredChallenge: "WEB_AUTHN" } });
  return r.nextStep.signInStep;
});
await run("delete", async () => {
  const list = await listWebAuthnCredentials();
  await deleteWebAuthnCredential({ credentialId: list.credentials[0].credentialId });
  return (await listWebAuthnCredentials()).credentials.length;
});
window.__result = out;
