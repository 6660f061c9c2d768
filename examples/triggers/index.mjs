// A Cognito trigger for sekisho (or AWS): one handler for several trigger
// sources, dispatching on event.triggerSource. Run it with the Lambda
// Runtime Interface Emulator or `sam local start-lambda` (see
// docs/triggers.md) and point sekisho at it with --lambda-endpoint.
export const handler = async (event) => {
  switch (event.triggerSource) {
    case "PreSignUp_SignUp": {
      // Refuse addresses of one domain; confirm the company's own.
      const email = event.request.userAttributes.email || "";
      if (email.endsWith("@blocked.example")) throw new Error("Email domain not allowed");
      if (email.endsWith("@example.com")) {
        event.response.autoConfirmUser = true;
        event.response.autoVerifyEmail = true;
      }
      break;
    }
    case "TokenGeneration_Authentication":
    case "TokenGeneration_RefreshTokens":
    case "TokenGeneration_HostedAuth":
    case "TokenGeneration_NewPasswordChallenge":
      // Version 1 events (PreTokenGeneration without a V2_0 config).
      event.response.claimsOverrideDetails = { claimsToAddOrOverride: { tenant: "acme" } };
      break;
    case "CustomMessage_SignUp":
      event.response.emailSubject = "Welcome";
      event.response.emailMessage = `Welcome! Your code is ${event.request.codeParameter}.`;
      break;
  }
  return event;
};
