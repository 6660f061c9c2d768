package userpool

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"math/big"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/srp"
	"github.com/sekisho/sekisho/internal/store"
)

// Custom authentication (CUSTOM_AUTH): DefineAuthChallenge decides each
// step from the challenges answered so far, CreateAuthChallenge makes a
// CUSTOM_CHALLENGE (its private parameters kept in the sealed session),
// VerifyAuthChallengeResponse judges the answer; SRP may come first
// (SRP_A with CHALLENGE_NAME SRP_A, then PASSWORD_VERIFIER), as
// amazon-cognito-identity-js and Amplify's CUSTOM_WITH_SRP drive it.

// challengeResult is one entry of the session list the triggers see.
type challengeResult struct {
	ChallengeName     string  `json:"challengeName"`
	ChallengeResult   bool    `json:"challengeResult"`
	ChallengeMetadata *string `json:"challengeMetadata"`
}

// customState is what a custom-auth session carries between steps.
type customState struct {
	History  []challengeResult
	Private  map[string]string `json:",omitempty"`
	Metadata *string           `json:",omitempty"`
	NotFound bool              `json:",omitempty"`
}

// maxCustomSteps bounds a custom sign-in's challenges.
const maxCustomSteps = 20

func (s *Service) customConfigured(p Pool) error {
	lc := p.LambdaConfig
	if lc == nil || lc.DefineAuthChallenge == "" || lc.CreateAuthChallenge == "" || lc.VerifyAuthChallengeResponse == "" {
		return awserr.New(400, "InvalidParameterException", "Custom auth lambda trigger is not configured for the user pool.")
	}
	return nil
}

// customAuth starts a CUSTOM_AUTH sign-in.
func (s *Service) customAuth(ctx context.Context, p Pool, c Client, ap map[string]string) (*AuthOutput, error) {
	if err := s.customConfigured(p); err != nil {
		return nil, err
	}
	name := ap["USERNAME"]
	if name == "" {
		return nil, errParam("Missing required parameter USERNAME")
	}
	u, err := s.lookupForAuth(ctx, p, c, name)
	st := customState{History: []challengeResult{}}
	switch {
	case err == errIncorrect: // PreventUserExistenceErrors: the triggers decide, told so
		if err := s.checkSecretHash(c, []string{name}, ap["SECRET_HASH"]); err != nil {
			return nil, err
		}
		u = User{Pool: p.Id, Username: name}
		st.NotFound = true
	case err != nil:
		return nil, err
	default:
		if err := s.checkSecretHash(c, []string{name, u.Username}, ap["SECRET_HASH"]); err != nil {
			return nil, err
		}
		if err := s.locked(u); err != nil {
			return nil, err
		}
		if err := userState(u); err != nil {
			return nil, err
		}
		if err := s.preAuthentication(ctx, p, c.ClientId, u); err != nil {
			return nil, err
		}
	}
	opt := signInOpts{device: ap["DEVICE_KEY"]}
	var srpA string
	if ap["CHALLENGE_NAME"] == "SRP_A" {
		srpA = ap["SRP_A"]
		if srpA == "" {
			return nil, errParam("Missing required parameter SRP_A")
		}
		st.History = append(st.History, challengeResult{ChallengeName: "SRP_A", ChallengeResult: true})
	}
	return s.customStep(ctx, p, c, u, st, srpA, opt)
}

// customStep asks DefineAuthChallenge what comes next and does it.
func (s *Service) customStep(ctx context.Context, p Pool, c Client, u User, st customState, srpA string, opt signInOpts) (*AuthOutput, error) {
	if len(st.History) > maxCustomSteps {
		return nil, errIncorrect
	}
	attrs := eventAttributes(u)
	if st.NotFound {
		attrs = map[string]string{}
	}
	meta := inputsOf(ctx).clientMetadata
	res, err := s.trigger(ctx, p, "DefineAuthChallenge", p.LambdaConfig.DefineAuthChallenge, "DefineAuthChallenge_Authentication", "1", u.Username, c.ClientId,
		map[string]any{"userAttributes": attrs, "session": st.History, "clientMetadata": nilMap(meta), "userNotFound": st.NotFound},
		map[string]any{"challengeName": nil, "issueTokens": false, "failAuthentication": false})
	if err != nil {
		return nil, err
	}
	switch {
	case flag(res, "failAuthentication"):
		return nil, errIncorrect
	case flag(res, "issueTokens"):
		if st.NotFound {
			return nil, errIncorrect
		}
		return s.signedIn(ctx, p, c, u, opt)
	}
	switch next := str(res, "challengeName"); next {
	case "PASSWORD_VERIFIER":
		if srpA == "" || st.NotFound {
			return nil, errIncorrect
		}
		return s.customSRP(ctx, p, c, u, st, srpA, opt)
	case "CUSTOM_CHALLENGE":
		res, err := s.trigger(ctx, p, "CreateAuthChallenge", p.LambdaConfig.CreateAuthChallenge, "CreateAuthChallenge_Authentication", "1", u.Username, c.ClientId,
			map[string]any{"userAttributes": attrs, "challengeName": "CUSTOM_CHALLENGE", "session": st.History, "clientMetadata": nilMap(meta), "userNotFound": st.NotFound},
			map[string]any{"publicChallengeParameters": map[string]string{}, "privateChallengeParameters": map[string]string{}, "challengeMetadata": nil})
		if err != nil {
			return nil, err
		}
		public, ok1 := strMap(res, "publicChallengeParameters")
		private, ok2 := strMap(res, "privateChallengeParameters")
		if !ok1 || !ok2 {
			return nil, badLambdaResponse("CreateAuthChallenge", "challenge parameters must be maps of strings")
		}
		st.Private, st.Metadata = private, nil
		if m, ok := res["challengeMetadata"].(string); ok {
			st.Metadata = &m
		}
		params := maps.Clone(public)
		if params == nil {
			params = map[string]string{}
		}
		params["USERNAME"] = u.Username
		sess := s.challengeSession(p, c, u, "CUSTOM_CHALLENGE", opt)
		sess.Sub = u.Attributes["sub"]
		b, _ := json.Marshal(st)
		sess.Custom = string(b)
		return &AuthOutput{ChallengeName: "CUSTOM_CHALLENGE", Session: s.sealSession(sess), ChallengeParameters: params}, nil
	case "":
		return nil, badLambdaResponse("DefineAuthChallenge", "challengeName is missing")
	default:
		return nil, badLambdaResponse("DefineAuthChallenge", "challengeName "+next+" is not CUSTOM_CHALLENGE or PASSWORD_VERIFIER")
	}
}

// customSRP is the PASSWORD_VERIFIER step of a custom sign-in: SRP as in
// USER_SRP_AUTH, the custom state kept in the SECRET_BLOCK.
func (s *Service) customSRP(ctx context.Context, p Pool, c Client, u User, st customState, aHex string, opt signInOpts) (*AuthOutput, error) {
	A, ok := new(big.Int).SetString(aHex, 16)
	if !ok || new(big.Int).Mod(A, srp.N).Sign() == 0 {
		return nil, errIncorrect
	}
	var salt, v *big.Int
	if u.SealedVerifier == "" {
		salt, v = s.fakeVerifier(p.Id, u.Username)
	} else {
		var err error
		if salt, v, err = s.verifier(&u); err != nil {
			return nil, err
		}
	}
	b, B := srp.ServerStart(v)
	sess := session{Pool: p.Id, Client: c.ClientId, Username: u.Username, Sub: u.Attributes["sub"], Kind: "PASSWORD_VERIFIER",
		A: A.Text(16), B: B.Text(16), Bsec: b.Text(16), Device: opt.device, Expires: s.now().Add(5 * time.Minute)}
	raw, _ := json.Marshal(st)
	sess.Custom = string(raw)
	block := base64.StdEncoding.EncodeToString([]byte(s.sealSession(sess)))
	return &AuthOutput{ChallengeName: "PASSWORD_VERIFIER", ChallengeParameters: map[string]string{
		"SALT": salt.Text(16), "SRP_B": B.Text(16), "SECRET_BLOCK": block, "USER_ID_FOR_SRP": u.Username, "USERNAME": u.Username}}, nil
}

// customAfterSRP continues a custom sign-in whose PASSWORD_VERIFIER
// checked out.
func (s *Service) customAfterSRP(ctx context.Context, p Pool, c Client, u User, custom string, opt signInOpts) (*AuthOutput, error) {
	var st customState
	if json.Unmarshal([]byte(custom), &st) != nil {
		return nil, errNotAuthorized("Invalid session for the user.")
	}
	st.History = append(st.History, challengeResult{ChallengeName: "PASSWORD_VERIFIER", ChallengeResult: true})
	return s.customStep(ctx, p, c, u, st, "", opt)
}

// answerCustom answers CUSTOM_CHALLENGE: VerifyAuthChallengeResponse
// judges the answer, and DefineAuthChallenge decides again.
func (s *Service) answerCustom(ctx context.Context, p Pool, c Client, sess string, r map[string]string) (*AuthOutput, error) {
	st, err := s.openSession(sess)
	if err != nil {
		return nil, err
	}
	if st.Kind != "CUSTOM_CHALLENGE" || st.Client != c.ClientId || st.Pool != p.Id || st.Custom == "" {
		return nil, errNotAuthorized("Invalid session for the user.")
	}
	if err := s.customConfigured(p); err != nil {
		return nil, err
	}
	if err := s.checkSecretHash(c, []string{r["USERNAME"], st.Username}, r["SECRET_HASH"]); err != nil {
		return nil, err
	}
	var cs customState
	if json.Unmarshal([]byte(st.Custom), &cs) != nil {
		return nil, errNotAuthorized("Invalid session for the user.")
	}
	var u User
	if cs.NotFound {
		u = User{Pool: p.Id, Username: st.Username}
	} else if u, err = s.sessionUser(ctx, p, st, r["USERNAME"]); err != nil {
		return nil, err
	}
	if _, ok := r["ANSWER"]; !ok {
		return nil, errParam("Missing required parameter ANSWER")
	}
	attrs := eventAttributes(u)
	if cs.NotFound {
		attrs = map[string]string{}
	}
	res, err := s.trigger(ctx, p, "VerifyAuthChallengeResponse", p.LambdaConfig.VerifyAuthChallengeResponse, "VerifyAuthChallengeResponse_Authentication", "1", u.Username, c.ClientId,
		map[string]any{"userAttributes": attrs, "privateChallengeParameters": orEmptyMap(cs.Private), "challengeAnswer": r["ANSWER"],
			"clientMetadata": nilMap(inputsOf(ctx).clientMetadata), "userNotFound": cs.NotFound},
		map[string]any{"answerCorrect": false})
	if err != nil {
		return nil, err
	}
	correct := flag(res, "answerCorrect") && !cs.NotFound
	cs.History = append(cs.History, challengeResult{ChallengeName: "CUSTOM_CHALLENGE", ChallengeResult: correct, ChallengeMetadata: cs.Metadata})
	cs.Private, cs.Metadata = nil, nil
	if !correct && !cs.NotFound {
		// A wrong answer counts toward lockout, as a wrong password does.
		if err := s.modifyUser(ctx, p.Id, u.Username, func(_ Pool, usr *User) error { s.countFailure(usr); return nil }); err != nil {
			return nil, err
		}
	}
	return s.customStep(ctx, p, c, u, cs, "", signInOpts{device: st.Device})
}

func orEmptyMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// --- UserMigration ---

// migrateUser asks the UserMigration trigger for a user the pool does not
// have; on an answer with attributes the user is made (with the password
// given at sign-in) and returned. ok is false when the function does not
// know the user either.
func (s *Service) migrateUser(ctx context.Context, p Pool, c Client, name, password, source string) (User, bool, error) {
	if p.LambdaConfig == nil || p.LambdaConfig.UserMigration == "" {
		return User{}, false, nil
	}
	in := inputsOf(ctx)
	req := map[string]any{"validationData": nilMap(in.validationData), "clientMetadata": nilMap(in.clientMetadata)}
	if source == "UserMigration_Authentication" {
		req["password"] = password
	}
	res, err := s.trigger(ctx, p, "UserMigration", p.LambdaConfig.UserMigration, source, "1", name, c.ClientId, req,
		map[string]any{"userAttributes": nil, "finalUserStatus": nil, "messageAction": nil, "desiredDeliveryMediums": nil, "forceAliasCreation": nil, "enableSMSMFA": nil})
	if err != nil {
		return User{}, false, err
	}
	attrs, ok := strMap(res, "userAttributes")
	if !ok {
		return User{}, false, badLambdaResponse("UserMigration", "userAttributes must be a map of strings")
	}
	if attrs == nil {
		return User{}, false, nil
	}
	status := str(res, "finalUserStatus")
	switch {
	case status == "" && source == "UserMigration_Authentication":
		status = "CONFIRMED"
	case status == "":
		status = "RESET_REQUIRED"
	case status != "CONFIRMED" && status != "RESET_REQUIRED":
		return User{}, false, badLambdaResponse("UserMigration", "finalUserStatus must be CONFIRMED or RESET_REQUIRED")
	}
	if status == "CONFIRMED" && source != "UserMigration_Authentication" {
		status = "RESET_REQUIRED" // no password to keep
	}
	var list []AttributeType
	for k, v := range attrs {
		if k == "sub" || k == "cognito:user_status" || k == "username" {
			continue
		}
		list = append(list, AttributeType{k, v})
	}
	if err := checkAttributes(p, list, true); err != nil {
		return User{}, false, badLambdaResponse("UserMigration", err.Error())
	}
	userID := name
	if len(p.UsernameAttributes) > 0 {
		userID = newUUID()
	}
	var h *hashed
	if password != "" {
		h = s.prehash(p.Id, userID, password)
	}
	var u User
	err = s.update(ctx, func(tx store.RecordTx) error {
		pl, err := s.poolTx(tx, p.Id)
		if err != nil {
			return err
		}
		if u, err = s.newUser(tx, pl, name, userID, list); err != nil {
			return err
		}
		if password != "" {
			s.setPassword(&u, password, h)
		}
		u.Status = status
		return s.saveUser(tx, pl, nil, u)
	})
	if err != nil {
		return User{}, false, err
	}
	return u, true, nil
}

// migrateForReset brings a user over with UserMigration_ForgotPassword
// when a password reset names a user the pool does not have. Failures are
// left to the reset, which then answers as for any missing user.
func (s *Service) migrateForReset(ctx context.Context, clientID, secretHash, username string) {
	var c Client
	var p Pool
	if err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		if c, p, err = s.clientByID(tx, clientID); err != nil {
			return err
		}
		_, err = s.findUser(tx, p, username)
		return err
	}); !awserr.Is(err, "UserNotFoundException") || p.LambdaConfig == nil || p.LambdaConfig.UserMigration == "" {
		return
	}
	if s.checkSecretHash(c, []string{username}, secretHash) != nil {
		return
	}
	s.migrateUser(ctx, p, c, username, "", "UserMigration_ForgotPassword")
}
