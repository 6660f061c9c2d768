// The seeds' application as a single-page app in a browser, on an origin
// of its own: sign in with the JS SDK v3 and with Amplify JS v6, get
// identity-pool credentials, and use the private/<identity id>/ folder
// with @aws-sdk/client-s3. Every call crosses origins, so it works only if
// the server answers CORS as AWS does. Bundled by browser.mjs.
import { Amplify } from "aws-amplify";
import { signIn, signOut, fetchAuthSession } from "aws-amplify/auth";
import { CognitoIdentityProviderClient, InitiateAuthCommand } from "@aws-sdk/client-cognito-identity-provider";
import { fromCognitoIdentityPool } from "@aws-sdk/credential-providers";
import { ListObjectsV2Command, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { recorder, s3Client } from "../common.mjs";

const env = JSON.parse(decodeURIComponent(location.hash.slice(1)));
const out = {};
const step = recorder(out);
const s3For = (credentials) => s3Client(env, credentials);
const denied = async (p) => {
  try {
    await p;
    return "allowed";
  } catch (e) {
    return e.name;
  }
};
const privateRoundTrip = async (credentials, identityId) => {
  const key = `private/${identityId}/note.txt`;
  await s3For(credentials).send(new PutObjectCommand({ Bucket: env.BUCKET, Key: key, Body: "mine" }));
  const got = await (await s3For(credentials).send(new GetObjectCommand({ Bucket: env.BUCKET, Key: key }))).Body.transformToString();
  const other = await denied(s3For(credentials).send(new PutObjectCommand({ Bucket: env.BUCKET, Key: `private/${env.REGION}:00000000-0000-0000-0000-000000000000/x`, Body: "x" })));
  return [got, other];
};

await step("sdk_v3", async () => {
  const idp = new CognitoIdentityProviderClient({ region: env.REGION, endpoint: env.ENDPOINT });
  const r = await idp.send(new InitiateAuthCommand({ ClientId: env.CLIENT_ID, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: { USERNAME: env.USERNAME, PASSWORD: env.PASSWORD } }));
  const logins = { [`cognito-idp.${env.REGION}.amazonaws.com/${env.POOL_ID}`]: r.AuthenticationResult.IdToken };
  const credentials = fromCognitoIdentityPool({ identityPoolId: env.IDENTITY_POOL_ID, logins, clientConfig: { region: env.REGION, endpoint: env.ENDPOINT } });
  const c = await credentials();
  return [c.accessKeyId.slice(0, 4), ...(await privateRoundTrip(credentials, c.identityId))];
});

Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: env.POOL_ID, userPoolClientId: env.CLIENT_ID, userPoolEndpoint: env.ENDPOINT,
      identityPoolId: env.IDENTITY_POOL_ID, identityPoolEndpoint: env.ENDPOINT, allowGuestAccess: true,
    },
  },
});
let firstIdentity;
await step("amplify_guest", async () => {
  const s = await fetchAuthSession();
  const list = await s3For(s.credentials).send(new ListObjectsV2Command({ Bucket: env.BUCKET, Prefix: "public/" }));
  const put = await denied(s3For(s.credentials).send(new PutObjectCommand({ Bucket: env.BUCKET, Key: "public/guest.txt", Body: "x" })));
  return [s.identityId?.startsWith(env.REGION + ":"), list.KeyCount, put];
});
await step("amplify_sign_in", async () => {
  const r = await signIn({ username: env.USERNAME, password: env.PASSWORD });
  const s = await fetchAuthSession();
  firstIdentity = s.identityId;
  return [r.nextStep.signInStep, ...(await privateRoundTrip(s.credentials, s.identityId))];
});
await step("amplify_sign_out_guest", async () => {
  await signOut();
  const s = await fetchAuthSession();
  return [s.tokens === undefined, s.identityId !== firstIdentity, s.credentials.accessKeyId.slice(0, 4)];
});
await step("amplify_sign_in_again", async () => {
  await signIn({ username: env.USERNAME, password: env.PASSWORD });
  const s = await fetchAuthSession({ forceRefresh: true });
  return [s.identityId === firstIdentity, ...(await privateRoundTrip(s.credentials, s.identityId))];
});
window.__result = out;
