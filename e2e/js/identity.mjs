// The JS path of the seeds: Amplify JS v6 signIn + fetchAuthSession (an
// identity id and credentials from the identity pool), then
// @aws-sdk/credential-providers fromCognitoIdentityPool and
// @aws-sdk/client-s3 against the bucket, for a user and for a guest.
import { Amplify } from "aws-amplify";
import { signIn, signOut, fetchAuthSession } from "aws-amplify/auth";
import { fromCognitoIdentityPool } from "@aws-sdk/credential-providers";
import { ListObjectsV2Command, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { recorder, s3Client } from "./common.mjs";

const env = process.env;
const out = {};
const run = recorder(out);
const s3For = (credentials) => s3Client(env, credentials);

Amplify.configure({
  Auth: {
    Cognito: {
      userPoolId: env.POOL_ID, userPoolClientId: env.CLIENT_ID, userPoolEndpoint: env.ENDPOINT,
      identityPoolId: env.IDENTITY_POOL_ID, identityPoolEndpoint: env.ENDPOINT, allowGuestAccess: true,
    },
  },
});

await run("amplify_guest", async () => {
  const s = await fetchAuthSession();
  const c = s.credentials;
  const list = await s3For(c).send(new ListObjectsV2Command({ Bucket: env.BUCKET }));
  let put = "allowed";
  try {
    await s3For(c).send(new PutObjectCommand({ Bucket: env.BUCKET, Key: "public/guest.txt", Body: "x" }));
  } catch (e) {
    put = e.name;
  }
  return [s.identityId?.startsWith(env.REGION + ":"), list.KeyCount, put];
});
await run("amplify_user", async () => {
  const r = await signIn({ username: env.USERNAME, password: env.PASSWORD });
  const s = await fetchAuthSession();
  const c = s.credentials;
  const key = `private/${s.identityId}/note.txt`;
  await s3For(c).send(new PutObjectCommand({ Bucket: env.BUCKET, Key: key, Body: "mine" }));
  const got = await (await s3For(c).send(new GetObjectCommand({ Bucket: env.BUCKET, Key: key }))).Body.transformToString();
  let other = "allowed";
  try {
    await s3For(c).send(new PutObjectCommand({ Bucket: env.BUCKET, Key: "private/ap-northeast-1:00000000-0000-0000-0000-000000000000/x", Body: "x" }));
  } catch (e) {
    other = e.name;
  }
  out.id_token = s.tokens.idToken.toString();
  await signOut();
  return [r.nextStep.signInStep, got, other, c.accessKeyId.slice(0, 4)];
});
await run("credential_providers", async () => {
  const logins = {};
  logins[`cognito-idp.${env.REGION}.amazonaws.com/${env.POOL_ID}`] = out.id_token;
  const credentials = fromCognitoIdentityPool({
    identityPoolId: env.IDENTITY_POOL_ID, logins, clientConfig: { region: env.REGION, endpoint: env.ENDPOINT },
  });
  const c = await credentials();
  const list = await s3For(credentials).send(new ListObjectsV2Command({ Bucket: env.BUCKET, Prefix: "public/" }));
  return [c.accessKeyId.slice(0, 4), list.KeyCount >= 1];
});
await run("credential_providers_guest", async () => {
  const credentials = fromCognitoIdentityPool({ identityPoolId: env.IDENTITY_POOL_ID, clientConfig: { region: env.REGION, endpoint: env.ENDPOINT } });
  const list = await s3For(credentials).send(new ListObjectsV2Command({ Bucket: env.BUCKET, Prefix: "public/" }));
  return list.KeyCount >= 1;
});
delete out.id_token;
console.log(JSON.stringify(out));
