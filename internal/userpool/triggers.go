package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/sekisho/sekisho/internal/awserr"
)

// Lambda triggers. A pool's LambdaConfig names functions by ARN; the
// service builds each trigger's event exactly as Cognito documents it,
// hands it to the Lambda invoker (the standard Invoke API, see
// internal/lambdainvoke), and applies the response's fields. Failures
// become Cognito's errors: the function's own error is
// UserLambdaValidationException ("PreSignUp failed with error …."), an
// invocation that did not happen or did not finish is
// UnexpectedLambdaException ("… invocation failed due to error …"), and a
// response that is not the event's JSON is InvalidLambdaResponseException.

// LambdaConfig is LambdaConfigType.
type LambdaConfig struct {
	PreSignUp                   string          `json:"PreSignUp,omitempty"`
	CustomMessage               string          `json:"CustomMessage,omitempty"`
	PostConfirmation            string          `json:"PostConfirmation,omitempty"`
	PreAuthentication           string          `json:"PreAuthentication,omitempty"`
	PostAuthentication          string          `json:"PostAuthentication,omitempty"`
	DefineAuthChallenge         string          `json:"DefineAuthChallenge,omitempty"`
	CreateAuthChallenge         string          `json:"CreateAuthChallenge,omitempty"`
	VerifyAuthChallengeResponse string          `json:"VerifyAuthChallengeResponse,omitempty"`
	PreTokenGeneration          string          `json:"PreTokenGeneration,omitempty"`
	UserMigration               string          `json:"UserMigration,omitempty"`
	PreTokenGenerationConfig    *TriggerVersion `json:"PreTokenGenerationConfig,omitempty"`
	CustomSMSSender             *TriggerVersion `json:"CustomSMSSender,omitempty"`
	CustomEmailSender           *TriggerVersion `json:"CustomEmailSender,omitempty"`
	KMSKeyID                    string          `json:"KMSKeyID,omitempty"`
}

// TriggerVersion is PreTokenGenerationVersionConfigType and the custom
// senders' config.
type TriggerVersion struct {
	LambdaVersion string `json:"LambdaVersion"`
	LambdaArn     string `json:"LambdaArn"`
}

var lambdaARNRE = regexp.MustCompile(`^arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?$`)

const arnPattern = `arn:[\w+=/,.@-]+:[\w+=/,.@-]+:([\w+=/,.@-]*)?:[0-9]+:[\w+=/,.@-]+(:[\w+=/,.@-]+)?(:[\w+=/,.@-]+)?`

// normalize validates a LambdaConfig and fills PreTokenGeneration and its
// config from each other, as DescribeUserPool shows them.
func (l *LambdaConfig) normalize() error {
	if l == nil {
		return nil
	}
	fields := []struct {
		name string
		v    *string
	}{{"preSignUp", &l.PreSignUp}, {"customMessage", &l.CustomMessage}, {"postConfirmation", &l.PostConfirmation}, {"preAuthentication", &l.PreAuthentication},
		{"postAuthentication", &l.PostAuthentication}, {"defineAuthChallenge", &l.DefineAuthChallenge}, {"createAuthChallenge", &l.CreateAuthChallenge},
		{"verifyAuthChallengeResponse", &l.VerifyAuthChallengeResponse}, {"preTokenGeneration", &l.PreTokenGeneration}, {"userMigration", &l.UserMigration}}
	for _, f := range fields {
		if *f.v != "" && !lambdaARNRE.MatchString(*f.v) {
			return errParam("1 validation error detected: Value '%s' at 'lambdaConfig.%s' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", *f.v, f.name, arnPattern)
		}
	}
	if l.CustomSMSSender != nil || l.CustomEmailSender != nil || l.KMSKeyID != "" {
		return errParam("CustomEmailSender and CustomSMSSender are not supported: they need a KMS key to encrypt codes, and sekisho has no KMS. Use CustomMessage, or an Outbox that delivers messages.")
	}
	if c := l.PreTokenGenerationConfig; c != nil {
		switch c.LambdaVersion {
		case "V1_0", "V2_0", "V3_0":
		default:
			return errParam("1 validation error detected: Value '%s' at 'lambdaConfig.preTokenGenerationConfig.lambdaVersion' failed to satisfy constraint: Member must satisfy enum value set: [V1_0, V2_0, V3_0]", c.LambdaVersion)
		}
		if !lambdaARNRE.MatchString(c.LambdaArn) {
			return errParam("1 validation error detected: Value '%s' at 'lambdaConfig.preTokenGenerationConfig.lambdaArn' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", c.LambdaArn, arnPattern)
		}
		if l.PreTokenGeneration != "" && l.PreTokenGeneration != c.LambdaArn {
			return errParam("The PreTokenGeneration Lambda ARN and the PreTokenGenerationConfig LambdaArn must be the same.")
		}
		l.PreTokenGeneration = c.LambdaArn
	} else if l.PreTokenGeneration != "" {
		l.PreTokenGenerationConfig = &TriggerVersion{LambdaVersion: "V1_0", LambdaArn: l.PreTokenGeneration}
	}
	return nil
}

// Lambda invokes functions by ARN with the Invoke API.
type Lambda interface {
	Invoke(ctx context.Context, function string, payload []byte) ([]byte, error)
}

// LambdaError is an invocation without the function's answer: the
// function failed (Function, with its errorMessage), or it could not be
// invoked or did not finish in time (Message says why).
type LambdaError struct {
	Function bool
	Message  string
}

func (e *LambdaError) Error() string { return e.Message }

// triggerInputs are what the caller's request gives every trigger.
type triggerInputs struct {
	clientID       string
	clientMetadata map[string]string
	validationData map[string]string
}

type triggerKey struct{}

// WithTriggerInputs returns a context carrying a request's ClientMetadata
// and ValidationData, which the triggers it runs receive.
func WithTriggerInputs(ctx context.Context, clientID string, clientMetadata map[string]string, validationData []AttributeType) context.Context {
	if clientID == "" && len(clientMetadata) == 0 && len(validationData) == 0 {
		return ctx
	}
	in := triggerInputs{clientID: clientID, clientMetadata: clientMetadata}
	if len(validationData) > 0 {
		in.validationData = map[string]string{}
		for _, a := range validationData {
			in.validationData[a.Name] = a.Value
		}
	}
	return context.WithValue(ctx, triggerKey{}, in)
}

func inputsOf(ctx context.Context) triggerInputs {
	in, _ := ctx.Value(triggerKey{}).(triggerInputs)
	return in
}

// nilMap renders a missing map as JSON null, as Cognito's events do for
// absent validationData and clientMetadata.
func nilMap(m map[string]string) any {
	if m == nil {
		return nil
	}
	return m
}

// userAttributes is a user's attributes as events carry them: every
// stored attribute, and cognito:user_status.
func eventAttributes(u User) map[string]string {
	out := maps.Clone(u.Attributes)
	if out == nil {
		out = map[string]string{}
	}
	if u.Status != "" {
		out["cognito:user_status"] = u.Status
	}
	return out
}

// trigger invokes one of the pool's triggers with a Cognito event and
// returns the event's response object. name is the trigger as Cognito's
// messages name it (PreSignUp, ...).
func (s *Service) trigger(ctx context.Context, p Pool, name, arn, source, version, username, clientID string, request map[string]any, response map[string]any) (map[string]any, error) {
	if response == nil {
		response = map[string]any{}
	}
	if clientID == "" {
		clientID = inputsOf(ctx).clientID
	}
	if clientID == "" {
		clientID = "CLIENT_ID_NOT_APPLICABLE" // an admin call
	}
	var user any = username
	if username == "" {
		user = nil // a machine: no user
	}
	event := map[string]any{
		"version": version, "triggerSource": source, "region": s.RegionOf(p.Id), "userPoolId": p.Id, "userName": user,
		"callerContext": map[string]any{"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": clientID},
		"request":       request, "response": response,
	}
	payload, err := json.Marshal(event)
	if err != nil {
		return nil, err
	}
	if s.Lambda == nil {
		return nil, awserr.New(400, "UnexpectedLambdaException", name+" invocation failed due to error AccessDeniedException.")
	}
	out, err := s.Lambda.Invoke(ctx, arn, payload)
	if err != nil {
		var le *LambdaError
		if errors.As(err, &le) && le.Function {
			return nil, awserr.New(400, "UserLambdaValidationException", name+" failed with error "+le.Message+".")
		}
		msg := err.Error()
		if le != nil {
			msg = le.Message
		}
		if s.Log != nil {
			s.Log.Warn("cognito trigger not invoked", "pool", p.Id, "trigger", name, "err", msg)
		}
		return nil, awserr.New(400, "UnexpectedLambdaException", name+" invocation failed due to error "+msg+".")
	}
	var answer struct {
		Response json.RawMessage `json:"response"`
	}
	if json.Unmarshal(out, &answer) != nil {
		return nil, awserr.New(400, "InvalidLambdaResponseException", "Unrecognizable lambda output")
	}
	res := map[string]any{}
	if len(answer.Response) > 0 && string(answer.Response) != "null" {
		if json.Unmarshal(answer.Response, &res) != nil {
			return nil, awserr.New(400, "InvalidLambdaResponseException", "Unrecognizable lambda output")
		}
	}
	return res, nil
}

// flag reads a boolean of a response.
func flag(res map[string]any, key string) bool {
	b, _ := res[key].(bool)
	return b
}

// str reads a string of a response.
func str(res map[string]any, key string) string {
	v, _ := res[key].(string)
	return v
}

// strMap reads a string map of a response (non-string values refused).
func strMap(res map[string]any, key string) (map[string]string, bool) {
	raw, ok := res[key]
	if !ok || raw == nil {
		return nil, true
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return nil, false
	}
	out := map[string]string{}
	for k, v := range m {
		sv, ok := v.(string)
		if !ok {
			return nil, false
		}
		out[k] = sv
	}
	return out, true
}

func strList(v any) ([]string, bool) {
	if v == nil {
		return nil, true
	}
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	var out []string
	for _, x := range list {
		s, ok := x.(string)
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

func badLambdaResponse(name, why string) error {
	return awserr.New(400, "InvalidLambdaResponseException", "Invalid lambda function output : "+why)
}

// --- PreSignUp ---

// preSignUpResult is what a PreSignUp response asks for.
type preSignUpResult struct {
	autoConfirm, verifyEmail, verifyPhone bool
}

func (s *Service) preSignUp(ctx context.Context, p Pool, source, username, clientID string, attrs []AttributeType) (preSignUpResult, error) {
	if p.LambdaConfig == nil || p.LambdaConfig.PreSignUp == "" {
		return preSignUpResult{}, nil
	}
	ua := map[string]string{}
	for _, a := range attrs {
		ua[a.Name] = a.Value
	}
	in := inputsOf(ctx)
	req := map[string]any{"userAttributes": ua, "validationData": nilMap(in.validationData), "clientMetadata": nilMap(in.clientMetadata)}
	res, err := s.trigger(ctx, p, "PreSignUp", p.LambdaConfig.PreSignUp, source, "1", username, clientID, req,
		map[string]any{"autoConfirmUser": false, "autoVerifyEmail": false, "autoVerifyPhone": false})
	if err != nil {
		return preSignUpResult{}, err
	}
	r := preSignUpResult{autoConfirm: flag(res, "autoConfirmUser"), verifyEmail: flag(res, "autoVerifyEmail"), verifyPhone: flag(res, "autoVerifyPhone")}
	if (r.verifyEmail || r.verifyPhone) && !r.autoConfirm && source == "PreSignUp_SignUp" {
		return r, badLambdaResponse("PreSignUp", "autoVerifyEmail and autoVerifyPhone need autoConfirmUser")
	}
	return r, nil
}

// --- PostConfirmation ---

func (s *Service) postConfirmation(ctx context.Context, p Pool, source, clientID string, u User) error {
	if p.LambdaConfig == nil || p.LambdaConfig.PostConfirmation == "" {
		return nil
	}
	req := map[string]any{"userAttributes": eventAttributes(u), "clientMetadata": nilMap(inputsOf(ctx).clientMetadata)}
	_, err := s.trigger(ctx, p, "PostConfirmation", p.LambdaConfig.PostConfirmation, source, "1", u.Username, clientID, req, nil)
	return err
}

// --- PreAuthentication and PostAuthentication ---

func (s *Service) preAuthentication(ctx context.Context, p Pool, clientID string, u User) error {
	if p.LambdaConfig == nil || p.LambdaConfig.PreAuthentication == "" {
		return nil
	}
	in := inputsOf(ctx)
	req := map[string]any{"userAttributes": eventAttributes(u), "validationData": nilMap(in.validationData), "userNotFound": false}
	_, err := s.trigger(ctx, p, "PreAuthentication", p.LambdaConfig.PreAuthentication, "PreAuthentication_Authentication", "1", u.Username, clientID, req, nil)
	return err
}

func (s *Service) postAuthentication(ctx context.Context, p Pool, clientID string, u User, newDevice bool) error {
	if p.LambdaConfig == nil || p.LambdaConfig.PostAuthentication == "" {
		return nil
	}
	req := map[string]any{"userAttributes": eventAttributes(u), "newDeviceUsed": newDevice, "clientMetadata": nilMap(inputsOf(ctx).clientMetadata)}
	_, err := s.trigger(ctx, p, "PostAuthentication", p.LambdaConfig.PostAuthentication, "PostAuthentication_Authentication", "1", u.Username, clientID, req, nil)
	return err
}

// --- CustomMessage ---

// customMessage asks the CustomMessage trigger for a message's words. It
// returns the subject and body to send (empty: the default words).
func (s *Service) customMessage(ctx context.Context, p Pool, source, clientID string, u User, medium string) (subject, body string, err error) {
	if p.LambdaConfig == nil || p.LambdaConfig.CustomMessage == "" {
		return "", "", nil
	}
	req := map[string]any{"userAttributes": eventAttributes(u), "codeParameter": "{####}", "linkParameter": "{##Click Here##}",
		"usernameParameter": nil, "clientMetadata": nilMap(inputsOf(ctx).clientMetadata)}
	if source == "CustomMessage_AdminCreateUser" {
		req["usernameParameter"] = "{username}"
	}
	res, err := s.trigger(ctx, p, "CustomMessage", p.LambdaConfig.CustomMessage, source, "1", u.Username, clientID, req,
		map[string]any{"smsMessage": nil, "emailMessage": nil, "emailSubject": nil})
	if err != nil {
		return "", "", err
	}
	msg := str(res, "emailMessage")
	if medium == "SMS" {
		msg = str(res, "smsMessage")
	}
	if msg == "" {
		return "", "", nil
	}
	// The words must still carry the code (and, for a new user, the
	// username), or the message would be useless: Cognito refuses it.
	if !strings.Contains(msg, "{####}") {
		return "", "", badLambdaResponse("CustomMessage", "the message must contain the {####} code placeholder")
	}
	if source == "CustomMessage_AdminCreateUser" && !strings.Contains(msg, "{username}") {
		return "", "", badLambdaResponse("CustomMessage", "the message must contain the {username} placeholder")
	}
	return str(res, "emailSubject"), msg, nil
}

// customWords puts the CustomMessage trigger's words (if the pool has
// one) into a message about to be sent.
func (s *Service) customWords(ctx context.Context, u User, m *Message) error {
	source := messageSource[m.Purpose]
	if source == "" {
		return nil
	}
	p, err := s.poolOnly(ctx, u.Pool)
	if err != nil || p.LambdaConfig == nil || p.LambdaConfig.CustomMessage == "" {
		return err
	}
	subject, body, err := s.customMessage(ctx, p, source, "", u, m.Medium)
	if err != nil || body == "" {
		return err
	}
	secret := m.Code
	if m.Purpose == "AdminCreateUser" {
		secret = m.Password
	}
	m.Body = strings.ReplaceAll(strings.ReplaceAll(body, "{####}", secret), "{username}", u.Username)
	if subject != "" {
		m.Subject = subject
	}
	return nil
}

// messageSource is the CustomMessage source of an outbox purpose.
var messageSource = map[string]string{"SignUp": "CustomMessage_SignUp", "ResendCode": "CustomMessage_ResendCode", "ForgotPassword": "CustomMessage_ForgotPassword",
	"VerifyAttribute": "CustomMessage_VerifyUserAttribute", "UpdateAttribute": "CustomMessage_UpdateUserAttribute", "AdminCreateUser": "CustomMessage_AdminCreateUser",
	"MFA": "CustomMessage_Authentication", "SignIn": "CustomMessage_Authentication"}

// --- PreTokenGeneration ---

// Claims a PreTokenGeneration response can neither add, override nor
// suppress: they are the token's own.
var (
	reservedIDClaims     = []string{"acr", "amr", "aud", "at_hash", "auth_time", "azp", "c_hash", "cognito:username", "event_id", "exp", "iat", "identities", "iss", "jti", "nbf", "nonce", "origin_jti", "sub", "token_use"}
	reservedAccessClaims = []string{"acr", "amr", "aud", "auth_time", "azp", "client_id", "cognito:groups", "device_key", "event_id", "exp", "iat", "iss", "jti", "nbf", "origin_jti", "scope", "sub", "token_use", "username", "version"}
)

// preTokenGeneration lets the trigger change the claims (and, from V2 on,
// the access token's claims and scopes) before the tokens are signed.
func (s *Service) preTokenGeneration(ctx context.Context, p Pool, c Client, u User, source string, id, access map[string]any, groups, roles []string, preferred string) error {
	lc := p.LambdaConfig
	if lc == nil || lc.PreTokenGeneration == "" {
		return nil
	}
	version := "V1_0"
	if lc.PreTokenGenerationConfig != nil {
		version = lc.PreTokenGenerationConfig.LambdaVersion
	}
	gc := map[string]any{"groupsToOverride": orEmpty(groups), "iamRolesToOverride": orEmpty(roles), "preferredRole": nil}
	if preferred != "" {
		gc["preferredRole"] = preferred
	}
	req := map[string]any{"userAttributes": eventAttributes(u), "groupConfiguration": gc, "clientMetadata": nilMap(inputsOf(ctx).clientMetadata)}
	ev := "1"
	respKey := "claimsOverrideDetails"
	if version != "V1_0" {
		ev = map[string]string{"V2_0": "2", "V3_0": "3"}[version]
		respKey = "claimsAndScopeOverrideDetails"
		scope, _ := access["scope"].(string)
		req["scopes"] = orEmpty(strings.Fields(scope))
	}
	res, err := s.trigger(ctx, p, "PreTokenGeneration", lc.PreTokenGeneration, source, ev, u.Username, c.ClientId, req, map[string]any{respKey: nil})
	if err != nil {
		return err
	}
	raw, ok := res[respKey]
	if !ok || raw == nil {
		return nil
	}
	details, ok := raw.(map[string]any)
	if !ok {
		return badLambdaResponse("PreTokenGeneration", respKey+" is not an object")
	}
	if version == "V1_0" {
		if err := applyClaims(id, details, reservedIDClaims); err != nil {
			return err
		}
	} else {
		if g, ok := details["idTokenGeneration"].(map[string]any); ok {
			if err := applyClaims(id, g, reservedIDClaims); err != nil {
				return err
			}
		}
		if g, ok := details["accessTokenGeneration"].(map[string]any); ok {
			if err := applyClaims(access, g, reservedAccessClaims); err != nil {
				return err
			}
			add, ok1 := strList(g["scopesToAdd"])
			drop, ok2 := strList(g["scopesToSuppress"])
			if !ok1 || !ok2 {
				return badLambdaResponse("PreTokenGeneration", "scopes must be lists of strings")
			}
			scope, _ := access["scope"].(string)
			scopes := strings.Fields(scope)
			for _, a := range add {
				if a != "" && !strings.ContainsAny(a, " \"") && !slices.Contains(scopes, a) {
					scopes = append(scopes, a)
				}
			}
			scopes = slices.DeleteFunc(scopes, func(x string) bool { return slices.Contains(drop, x) })
			access["scope"] = strings.Join(scopes, " ")
		}
	}
	if g, ok := details["groupOverrideDetails"].(map[string]any); ok {
		groups, ok1 := strList(g["groupsToOverride"])
		roles, ok2 := strList(g["iamRolesToOverride"])
		if !ok1 || !ok2 {
			return badLambdaResponse("PreTokenGeneration", "group overrides must be lists of strings")
		}
		if _, has := g["groupsToOverride"]; has {
			if len(groups) > 0 {
				id["cognito:groups"], access["cognito:groups"] = groups, groups
			} else {
				delete(id, "cognito:groups")
				delete(access, "cognito:groups")
			}
		}
		if _, has := g["iamRolesToOverride"]; has {
			if len(roles) > 0 {
				id["cognito:roles"] = roles
			} else {
				delete(id, "cognito:roles")
			}
		}
		if pr, has := g["preferredRole"]; has {
			if v, ok := pr.(string); ok && v != "" {
				id["cognito:preferred_role"] = v
			} else {
				delete(id, "cognito:preferred_role")
			}
		}
	}
	return nil
}

// machineTokenGeneration is PreTokenGeneration for a client-credentials
// access token: only a V3_0 trigger sees it.
func (s *Service) machineTokenGeneration(ctx context.Context, p Pool, c Client, access map[string]any) error {
	lc := p.LambdaConfig
	if lc == nil || lc.PreTokenGenerationConfig == nil || lc.PreTokenGenerationConfig.LambdaVersion != "V3_0" {
		return nil
	}
	scope, _ := access["scope"].(string)
	req := map[string]any{"userAttributes": map[string]string{}, "scopes": orEmpty(strings.Fields(scope)),
		"groupConfiguration": map[string]any{"groupsToOverride": []string{}, "iamRolesToOverride": []string{}, "preferredRole": nil},
		"clientMetadata":     nilMap(inputsOf(ctx).clientMetadata)}
	res, err := s.trigger(ctx, p, "PreTokenGeneration", lc.PreTokenGeneration, "TokenGeneration_ClientCredentials", "3", "", c.ClientId, req,
		map[string]any{"claimsAndScopeOverrideDetails": nil})
	if err != nil {
		return err
	}
	details, _ := res["claimsAndScopeOverrideDetails"].(map[string]any)
	g, _ := details["accessTokenGeneration"].(map[string]any)
	if g == nil {
		return nil
	}
	if err := applyClaims(access, g, reservedAccessClaims); err != nil {
		return err
	}
	add, ok1 := strList(g["scopesToAdd"])
	drop, ok2 := strList(g["scopesToSuppress"])
	if !ok1 || !ok2 {
		return badLambdaResponse("PreTokenGeneration", "scopes must be lists of strings")
	}
	scopes := strings.Fields(scope)
	for _, a := range add {
		if a != "" && !strings.ContainsAny(a, " \"") && !slices.Contains(scopes, a) {
			scopes = append(scopes, a)
		}
	}
	access["scope"] = strings.Join(slices.DeleteFunc(scopes, func(x string) bool { return slices.Contains(drop, x) }), " ")
	return nil
}

func orEmpty(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// applyClaims applies claimsToAddOrOverride and claimsToSuppress to a
// token's claims; reserved claims are left as they are, as Cognito does.
func applyClaims(claims map[string]any, g map[string]any, reserved []string) error {
	if add, ok := g["claimsToAddOrOverride"]; ok && add != nil {
		m, ok := add.(map[string]any)
		if !ok {
			return badLambdaResponse("PreTokenGeneration", "claimsToAddOrOverride is not an object")
		}
		for k, v := range m {
			if k == "" || slices.Contains(reserved, k) {
				continue
			}
			claims[k] = v
		}
	}
	drop, ok := strList(g["claimsToSuppress"])
	if !ok {
		return badLambdaResponse("PreTokenGeneration", "claimsToSuppress is not a list of strings")
	}
	for _, k := range drop {
		if !slices.Contains(reserved, k) {
			delete(claims, k)
		}
	}
	return nil
}
