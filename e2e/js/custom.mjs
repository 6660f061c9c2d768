// Custom authentication with the JavaScript clients, against functions in
// the test's Invoke server (see e2e/triggers_test.go): the question is
// "2+2", the answer "4". amazon-cognito-identity-js drives CUSTOM_AUTH
// without SRP (initiateAuth) and with it (authenticateUser), Amplify JS v6
// signIn with CUSTOM_WITHOUT_SRP and CUSTOM_WITH_SRP.
import { CognitoUserPool, CognitoUser, AuthenticationDetails } from "amazon-cognito-identity-js";
import { Amplify } from "aws-amplify";
import { signIn, signOut, confirmSignIn, fetchAuthSession } from "aws-amplify/auth";

const env = process.env;
const out = {};
async function run(name, fn) {
  try {
    out[name] = await fn();
  } catch (e) {
    out[name] = "error: " + (e.code || e.name) + ": " + e.message;
  }
}
const pool = new CognitoUserPool({ UserPoolId: env.POOL_ID, ClientId: env.CLIENT_ID, endpoint: env.ENDPOINT + "/" });

function custom(withSRP) {
  const user = new CognitoUser({ Username: env.USERNAME, Pool: pool });
  user.setAuthenticationFlowType("CUSTOM_AUTH");
  const details = new AuthenticationDetails({ Username: env.USERNAME, Password: withSRP ? env.PASSWORD : undefined });
  const asked = [];
  return new Promise((resolve, reject) => {
    const cb = {
      onSuccess: (session) => resolve([asked.join(","), session.isValid()]),
      onFailure: reject,
      customChallenge: (params) => {
        asked.push(params.question);
        user.sendCustomChallengeAnswer(asked.length === 1 ? "5" : "4", cb);
      },
    };
    if (withSRP) user.authenticateUser(details, cb);
    else user.initiateAuth(details, cb);
  });
}
await run("cij_custom", () => custom(false));
await run("cij_custom_srp", () => custom(true));

Amplify.configure({ Auth: { Cognito: { userPoolId: env.POOL_ID, userPoolClientId: env.CLIENT_ID, userPoolEndpoint: env.ENDPOINT } } });
for (const [name, opts] of [
  ["amplify_custom", { username: env.USERNAME, options: { authFlowType: "CUSTOM_WITHOUT_SRP" } }],
  ["amplify_custom_srp", { username: env.USERNAME, password: env.PASSWORD, options: { authFlowType: "CUSTOM_WITH_SRP" } }],
]) {
  await run(name, async () => {
    const r = await signIn(opts);
    const step = r.nextStep.signInStep;
    const q = r.nextStep.additionalInfo?.question;
    const done = await confirmSignIn({ challengeResponse: "4" });
    const s = await fetchAuthSession();
    await signOut();
    return [step, q, done.nextStep.signInStep, s.tokens?.idToken?.payload?.tenant];
  });
}
console.log(JSON.stringify(out));
