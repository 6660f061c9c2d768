"""A Cognito trigger for sekisho (or AWS), in Python: one handler for
several trigger sources, dispatching on event["triggerSource"]. Run it with
the Lambda Runtime Interface Emulator or `sam local start-lambda` (see
docs/triggers.md) and point sekisho at it with --lambda-endpoint."""


def handler(event, context):
    source = event["triggerSource"]
    if source == "PreSignUp_SignUp":
        email = event["request"]["userAttributes"].get("email", "")
        if email.endswith("@blocked.example"):
            raise Exception("Email domain not allowed")
        if email.endswith("@example.com"):
            event["response"]["autoConfirmUser"] = True
            event["response"]["autoVerifyEmail"] = True
    elif source.startswith("TokenGeneration_"):
        event["response"]["claimsOverrideDetails"] = {"claimsToAddOrOverride": {"tenant": "acme"}}
    elif source == "CustomMessage_SignUp":
        event["response"]["emailSubject"] = "Welcome"
        event["response"]["emailMessage"] = "Welcome! Your code is %s." % event["request"]["codeParameter"]
    return event
