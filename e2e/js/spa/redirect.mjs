// A single-page app that signs in through the managed login pages with
// Amplify JS v6's signInWithRedirect (authorization code + PKCE), then
// uses the tokens for identity-pool credentials and the private folder in
// S3, and signs out through the logout endpoint. Loaded three times: to
// set out, when the login page sends the browser back with a code, and
// when the logout endpoint sends it back signed out. Bundled by
// browser.mjs (ENTRY=redirect.mjs).
import { Amplify } from "aws-amplify";
import { signInWithRedirect, signOut, fetchAuthSession, getCurrentUser } from "aws-amplify/auth";
import "aws-amplify/auth/enable-oauth-listener";
import { Hub } from "aws-amplify/utils";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { recorder, s3Client } from "../common.mjs";

const env = JSON.parse(sessionStorage.getItem("cfg"));
const out = {};
const step = recorder(out);
const back = location.origin + "/";
Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: env.POOL_ID, userPoolClientId: env.CLIENT_ID, userPoolEndpoint: env.ENDPOINT,
      identityPoolId: env.IDENTITY_POOL_ID, identityPoolEndpoint: env.ENDPOINT, allowGuestAccess: true,
      loginWith: { oauth: { domain: env.OAUTH_DOMAIN, scopes: ["openid", "email", "aws.cognito.signin.user.admin"], redirectSignIn: [back], redirectSignOut: [back], responseType: "code" } },
    },
  },
});

if (sessionStorage.getItem("phase") === "signed-out") {
  Object.assign(out, JSON.parse(sessionStorage.getItem("out")));
  await step("after_sign_out", async () => {
    const s = await fetchAuthSession();
    return [s.tokens === undefined, s.credentials.accessKeyId.slice(0, 4)];
  });
  window.__result = out;
} else if (!new URLSearchParams(location.search).has("code")) {
  await signInWithRedirect();
} else {
  await new Promise((ok) => {
    const stop = Hub.listen("auth", ({ payload }) => {
      if (payload.event === "signInWithRedirect" || payload.event === "signInWithRedirect_failure") {
        out.hub = payload.event;
        if (payload.data?.error) out.hub_error = String(payload.data.error?.name) + ": " + String(payload.data.error?.message);
        stop();
        ok();
      }
    });
  });
  await step("redirect_user", async () => (await getCurrentUser()).username);
  await step("redirect_session", async () => {
    const s = await fetchAuthSession();
    const key = `private/${s.identityId}/via-redirect.txt`;
    await s3Client(env, s.credentials).send(new PutObjectCommand({ Bucket: env.BUCKET, Key: key, Body: "redirected" }));
    const got = await (await s3Client(env, s.credentials).send(new GetObjectCommand({ Bucket: env.BUCKET, Key: key }))).Body.transformToString();
    return [s.tokens.idToken.payload["cognito:username"], s.tokens.accessToken.payload.scope, got];
  });
  sessionStorage.setItem("out", JSON.stringify(out));
  sessionStorage.setItem("phase", "signed-out");
  await signOut(); // to the logout endpoint, and back here
}
