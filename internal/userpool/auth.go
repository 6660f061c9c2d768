package userpool

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	mrand "math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/srp"
	"github.com/sekisho/sekisho/internal/store"
)

// AuthResult is AuthenticationResultType.
type AuthResult struct {
	AccessToken  string `json:"AccessToken"`
	ExpiresIn    int    `json:"ExpiresIn"`
	TokenType    string `json:"TokenType"`
	RefreshToken string `json:"RefreshToken,omitempty"`
	IdToken      string `json:"IdToken"`
	// NewDeviceMetadata is the device a pool that tracks devices made for
	// this sign-in.
	NewDeviceMetadata *NewDeviceMetadata `json:"NewDeviceMetadata,omitempty"`
}

// AuthOutput is InitiateAuth's and RespondToAuthChallenge's result.
type AuthOutput struct {
	ChallengeName        string            `json:"ChallengeName,omitempty"`
	Session              string            `json:"Session,omitempty"`
	ChallengeParameters  map[string]string `json:"ChallengeParameters"`
	AuthenticationResult *AuthResult       `json:"AuthenticationResult,omitempty"`
	AvailableChallenges  []string          `json:"AvailableChallenges,omitempty"`
	// login is where a managed-login sign-in ends instead of tokens.
	login *LoginSession
}

// AuthInput is an (Admin)InitiateAuth request.
type AuthInput struct {
	UserPoolId     string // admin calls only
	ClientId       string
	AuthFlow       string
	AuthParameters map[string]string
	Admin          bool
	// ClientSecret is GetTokensFromRefreshToken's raw client secret, an
	// alternative to SECRET_HASH.
	ClientSecret string
}

// session is the sealed state of a challenge (SECRET_BLOCK or Session).
type session struct {
	ID       string
	Pool     string
	Client   string
	Username string
	// Sub binds the session to its user (empty for a fake challenge).
	Sub     string `json:",omitempty"`
	Kind    string // the challenge: PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED, SMS_MFA, ...
	B, Bsec string `json:",omitempty"`
	A       string `json:",omitempty"`
	Expires time.Time
	// Code is the hash of the code an SMS or email challenge sent.
	Code string `json:",omitempty"`
	// Device is the DEVICE_KEY the sign-in named.
	Device string `json:",omitempty"`
	// Setup is how far an MFA_SETUP got: associated, verified.
	Setup string `json:",omitempty"`
	// First marks a passwordless first factor (no MFA follows).
	First bool `json:",omitempty"`
	// Login marks a managed-login pages' sign-in.
	Login bool `json:",omitempty"`
	// WebAuthn is a passkey ceremony begun (go-webauthn's session data).
	WebAuthn string `json:",omitempty"`
	// Custom is a custom sign-in's state (customState).
	Custom string `json:",omitempty"`
}

const sessionPurpose = "sekisho cognito challenge session"

func (s *Service) sealSession(st session) string {
	b := make([]byte, 12)
	rand.Read(b)
	st.ID = hex.EncodeToString(b)
	j, _ := json.Marshal(st)
	return s.Key.Seal(sessionPurpose, j)
}

// openSession recovers a challenge session once; a replay, expiry or
// forgery is NotAuthorized.
func (s *Service) openSession(token string) (session, error) {
	st, err := s.peekSession(token)
	if err != nil {
		return st, err
	}
	return st, s.spendSession(st)
}

// peekSession recovers a challenge session that has not been spent,
// without spending it: a challenge that may be answered again after a
// wrong code (spendSession or wrongAnswer follow).
func (s *Service) peekSession(token string) (session, error) {
	var st session
	b, err := s.Key.Open(sessionPurpose, token)
	if err != nil || json.Unmarshal(b, &st) != nil {
		return st, errNotAuthorized("Invalid session for the user.")
	}
	now := s.now()
	if now.After(st.Expires) {
		return st, errNotAuthorized("Invalid session for the user, session is expired.")
	}
	var mark sessionMark
	err = s.view(context.Background(), func(tx store.RecordTx) error {
		var err error
		mark, err = getSessionMark(tx, st)
		return err
	})
	if err != nil {
		return st, err
	}
	if mark.Spent {
		return st, errNotAuthorized("Invalid session for the user, session can only be used once.")
	}
	return st, nil
}

// Challenge sessions are sealed tokens; what happens to them is a record
// (kind cognito.session, id: expiry then session id, so expired marks
// sort first and are swept), so that a session is used once and its
// wrong answers counted on every node and across restarts.
const kindSessionMark = "cognito.session"

type sessionMark struct {
	Spent bool `json:",omitempty"`
	Tries int  `json:",omitempty"`
}

func sessionMarkID(st session) string {
	return fmt.Sprintf("%016x/%s", st.Expires.Unix(), st.ID)
}

func getSessionMark(tx store.RecordTx, st session) (sessionMark, error) {
	var m sessionMark
	b, err := tx.Get(kindSessionMark, sessionMarkID(st))
	if isNotFound(err) {
		return m, nil
	}
	if err != nil {
		return m, err
	}
	return m, json.Unmarshal(b, &m)
}

// markSession changes a session's mark in one transaction: fn sees the
// mark and returns an error to refuse.
func (s *Service) markSession(st session, fn func(m *sessionMark) error) error {
	now := s.now()
	sweep := mrand.IntN(16) == 0
	return s.update(context.Background(), func(tx store.RecordTx) error {
		m, err := getSessionMark(tx, st)
		if err != nil {
			return err
		}
		if err := fn(&m); err != nil {
			return err
		}
		b, _ := json.Marshal(m)
		if err := tx.Put(kindSessionMark, sessionMarkID(st), b); err != nil {
			return err
		}
		if !sweep {
			return nil
		}
		// Now and then, drop marks of sessions that have expired: a
		// replay of those fails on its expiry.
		old, err := tx.List(kindSessionMark, "", "", 64)
		if err != nil {
			return err
		}
		cut := fmt.Sprintf("%016x", now.Unix())
		for _, r := range old {
			if r.ID >= cut {
				break
			}
			if err := tx.Delete(kindSessionMark, r.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

// spendSession marks a session answered; a second spend fails, so two
// answers racing each other — on any nodes — cannot both sign in.
func (s *Service) spendSession(st session) error {
	return s.markSession(st, func(m *sessionMark) error {
		if m.Spent {
			return errNotAuthorized("Invalid session for the user, session can only be used once.")
		}
		m.Spent = true
		return nil
	})
}

// wrongAnswer counts a wrong answer to a session; the last one allowed
// spends it. If the count cannot be written, the session is refused from
// then on by its caller's error path: the answer was wrong anyway.
func (s *Service) wrongAnswer(st session) {
	err := s.markSession(st, func(m *sessionMark) error {
		m.Tries++
		if m.Tries >= maxChallengeAnswers {
			m.Spent = true
		}
		return nil
	})
	if err != nil && s.Log != nil {
		s.Log.Warn("counting a wrong challenge answer", "err", err)
	}
}

// SecretHash is base64(HMAC-SHA256(secret, username+clientId)).
func SecretHash(secret, username, clientID string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func (s *Service) checkSecretHash(c Client, usernames []string, given string) error {
	if c.SealedSecret == "" {
		return nil
	}
	if given == "" {
		return errNotAuthorized("Client " + c.ClientId + " is configured for secret but secret was not received")
	}
	for _, secret := range s.clientSecrets(c) {
		for _, u := range usernames {
			if u != "" && hmac.Equal([]byte(SecretHash(secret, u, c.ClientId)), []byte(given)) {
				return nil
			}
		}
	}
	return errNotAuthorized("Unable to verify secret hash for client " + c.ClientId)
}

func flowNotEnabled(flow string) error {
	return errParam("%s flow not enabled for this client", flow)
}

// userState rejects users who may not sign in, with Cognito's errors.
func userState(u User) error {
	switch {
	case !u.Enabled:
		return errNotAuthorized("User is disabled.")
	case u.Status == "UNCONFIRMED":
		return awserr.New(400, "UserNotConfirmedException", "User is not confirmed.")
	case u.Status == "RESET_REQUIRED":
		return awserr.New(400, "PasswordResetRequiredException", "Password reset required for the user")
	}
	return nil
}

// locked reports a user locked out after repeated failures.
func (s *Service) locked(u User) error {
	if s.now().Before(u.LockedUntil) {
		return errNotAuthorized("Password attempts exceeded")
	}
	return nil
}

// recordFailure counts a failed sign-in: after 5, lockouts grow from 1 s
// to 15 minutes, as Cognito does. It returns the answer for the failed
// sign-in: errIncorrect, or the store's error if the count could not be
// written (so that guesses never go uncounted).
func (s *Service) recordFailure(ctx context.Context, pool, username string) error {
	err := s.modifyUser(ctx, pool, username, func(p Pool, u *User) error {
		s.countFailure(u)
		s.addAuthEvent(ctx, p, u, false)
		return nil
	})
	if err != nil {
		return fmt.Errorf("counting a failed sign-in: %w", err)
	}
	s.notify("SignInFailed", pool, username)
	return errIncorrect
}

// InitiateAuth starts a sign-in.
func (s *Service) InitiateAuth(ctx context.Context, in AuthInput) (*AuthOutput, error) {
	var c Client
	var p Pool
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		if in.Admin {
			if _, err = s.poolTx(tx, in.UserPoolId); err != nil {
				return err
			}
			c, err = s.clientTx(tx, in.UserPoolId, in.ClientId)
			if err == nil {
				p, err = s.poolTx(tx, in.UserPoolId)
			}
			return err
		}
		c, p, err = s.clientByID(tx, in.ClientId)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.allow(p.Id); err != nil {
		return nil, err
	}
	if err := s.riskBlocked(ctx, p, c.ClientId); err != nil {
		return nil, err
	}
	ap := in.AuthParameters
	switch in.AuthFlow {
	case "USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH":
		if in.AuthFlow == "USER_PASSWORD_AUTH" && (in.Admin || !c.allows("ALLOW_USER_PASSWORD_AUTH")) {
			return nil, flowNotEnabled("USER_PASSWORD_AUTH")
		}
		if in.AuthFlow != "USER_PASSWORD_AUTH" && (!in.Admin || !c.allows("ALLOW_ADMIN_USER_PASSWORD_AUTH")) {
			if !in.Admin {
				return nil, errParam("Initiate Auth method not supported.")
			}
			return nil, errParam("Auth flow not enabled for this client")
		}
		return s.passwordAuth(ctx, p, c, ap["USERNAME"], ap["PASSWORD"], ap["SECRET_HASH"], signInOpts{device: ap["DEVICE_KEY"]})
	case "USER_SRP_AUTH":
		if !c.allows("ALLOW_USER_SRP_AUTH") {
			return nil, flowNotEnabled("USER_SRP_AUTH")
		}
		return s.srpStart(ctx, p, c, ap["USERNAME"], ap["SRP_A"], ap["SECRET_HASH"], signInOpts{device: ap["DEVICE_KEY"]})
	case "CUSTOM_AUTH":
		if !c.allows("ALLOW_CUSTOM_AUTH") {
			return nil, flowNotEnabled("CUSTOM_AUTH")
		}
		return s.customAuth(ctx, p, c, ap)
	case "USER_AUTH":
		if !c.allows("ALLOW_USER_AUTH") {
			return nil, flowNotEnabled("USER_AUTH")
		}
		return s.userAuth(ctx, p, c, ap, false)
	case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
		if !c.allows("ALLOW_REFRESH_TOKEN_AUTH") {
			return nil, flowNotEnabled("REFRESH_TOKEN")
		}
		if in.ClientSecret != "" && c.SealedSecret != "" {
			if !hmac.Equal([]byte(s.reveal(c).ClientSecret), []byte(in.ClientSecret)) {
				return nil, errNotAuthorized("Unable to verify secret hash for client " + c.ClientId)
			}
			c.SealedSecret = "" // verified; no SECRET_HASH needed
		}
		return s.refresh(ctx, p, c, ap["REFRESH_TOKEN"], ap["SECRET_HASH"], ap["DEVICE_KEY"])
	case "":
		return nil, errParam("1 validation error detected: Value null at 'authFlow' failed to satisfy constraint: Member must not be null")
	}
	return nil, errParam("Initiate Auth method not supported.")
}

// unknownUser answers a sign-in for a user that does not exist, honouring
// PreventUserExistenceErrors.
func unknownUser(c Client) error {
	if c.PreventUserExistenceErrors == "ENABLED" {
		return errIncorrect
	}
	return errUserNotFound()
}

func (s *Service) lookupForAuth(ctx context.Context, p Pool, c Client, name string) (User, error) {
	var u User
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		u, err = s.findUser(tx, p, name)
		return err
	})
	if awserr.Is(err, "UserNotFoundException") {
		return u, unknownUser(c)
	}
	return u, err
}

func (s *Service) passwordAuth(ctx context.Context, p Pool, c Client, name, pw, secretHash string, opt signInOpts) (*AuthOutput, error) {
	if name == "" || pw == "" {
		return nil, errParam("Missing required parameter USERNAME")
	}
	u, err := s.lookupForAuth(ctx, p, c, name)
	if err == errIncorrect || awserr.Is(err, "UserNotFoundException") {
		// A user from an old system, brought over by UserMigration on
		// their first sign-in, with the password they gave.
		if err := s.checkSecretHash(c, []string{name}, secretHash); err != nil {
			return nil, err
		}
		m, ok, merr := s.migrateUser(ctx, p, c, name, pw, "UserMigration_Authentication")
		if merr != nil {
			return nil, merr
		}
		if ok {
			return s.afterPassword(ctx, p, c, m, opt)
		}
	}
	if err != nil {
		// Spend the time a real check would, so timing does not tell.
		s.verifyPassword(hashPasswordDummy, pw)
		return nil, err
	}
	if err := s.checkSecretHash(c, []string{name, u.Username}, secretHash); err != nil {
		return nil, err
	}
	if err := s.locked(u); err != nil {
		return nil, err
	}
	if err := s.preAuthentication(ctx, p, c.ClientId, u); err != nil {
		return nil, err
	}
	if !s.passwordMatches(u, pw) {
		return nil, s.recordFailure(ctx, p.Id, u.Username)
	}
	return s.afterPassword(ctx, p, c, u, opt)
}

var hashPasswordDummy = hashPassword("dummy")

// afterPassword continues a sign-in whose password checked out: a new
// password owed, then the second factor, then tokens.
func (s *Service) afterPassword(ctx context.Context, p Pool, c Client, u User, opt signInOpts) (*AuthOutput, error) {
	if err := userState(u); err != nil {
		return nil, err
	}
	if u.Status == "FORCE_CHANGE_PASSWORD" {
		if s.now().After(u.TempExpires) && !u.TempExpires.IsZero() {
			return nil, errNotAuthorized("Temporary password has expired and must be reset by an administrator.")
		}
		attrs := map[string]string{}
		for k, v := range u.Attributes {
			if k != "sub" && !strings.HasSuffix(k, "_verified") {
				attrs[k] = v
			}
		}
		ua, _ := json.Marshal(attrs)
		req, _ := json.Marshal(prefixed(requiredMissing(p, u.Attributes)))
		st := s.challengeSession(p, c, u, "NEW_PASSWORD_REQUIRED", opt)
		return &AuthOutput{ChallengeName: "NEW_PASSWORD_REQUIRED", Session: s.sealSession(st), ChallengeParameters: map[string]string{
			"USER_ID_FOR_SRP": u.Username, "requiredAttributes": string(req), "userAttributes": string(ua)}}, nil
	}
	return s.secondFactor(ctx, p, c, u, opt)
}

func prefixed(names []string) []string {
	out := []string{}
	for _, n := range names {
		out = append(out, "userAttributes."+n)
	}
	return out
}

func (s *Service) srpStart(ctx context.Context, p Pool, c Client, name, aHex, secretHash string, opt signInOpts) (*AuthOutput, error) {
	A, ok := new(big.Int).SetString(aHex, 16)
	if name == "" || !ok {
		return nil, errParam("Missing required parameter SRP_A")
	}
	if new(big.Int).Mod(A, srp.N).Sign() == 0 {
		return nil, errNotAuthorized("Incorrect username or password.")
	}
	u, err := s.lookupForAuth(ctx, p, c, name)
	var salt, v *big.Int
	switch {
	case err == nil:
		if err := s.checkSecretHash(c, []string{name, u.Username}, secretHash); err != nil {
			return nil, err
		}
		if err := s.locked(u); err != nil {
			return nil, err
		}
		if err := s.preAuthentication(ctx, p, c.ClientId, u); err != nil {
			return nil, err
		}
		if u.SealedVerifier == "" { // signed up without a password
			salt, v = s.fakeVerifier(p.Id, u.Username)
		} else if salt, v, err = s.verifier(&u); err != nil {
			return nil, err
		}
	case err == errIncorrect:
		// PreventUserExistenceErrors: a user that does not exist gets a
		// challenge like any other — a salt and verifier stable for the
		// name, a fresh SRP_B — and fails at the second step with the
		// words a wrong password gets, after the same work.
		if err := s.checkSecretHash(c, []string{name}, secretHash); err != nil {
			return nil, err
		}
		u = User{Pool: p.Id, Username: s.fakeUserID(p, name)}
		salt, v = s.fakeVerifier(p.Id, u.Username)
		s.fakeUserWork(u)
	default:
		return nil, err
	}
	b, B := srp.ServerStart(v)
	// SECRET_BLOCK is standard base64 (clients decode it to sign it) of
	// the sealed session.
	block := base64.StdEncoding.EncodeToString([]byte(s.sealSession(session{Pool: p.Id, Client: c.ClientId, Username: u.Username, Sub: u.Attributes["sub"], Kind: "PASSWORD_VERIFIER",
		A: A.Text(16), B: B.Text(16), Bsec: b.Text(16), Device: opt.device, Expires: s.now().Add(5 * time.Minute)})))
	return &AuthOutput{ChallengeName: "PASSWORD_VERIFIER", ChallengeParameters: map[string]string{
		"SALT": salt.Text(16), "SRP_B": B.Text(16), "SECRET_BLOCK": block, "USER_ID_FOR_SRP": u.Username, "USERNAME": u.Username,
	}}, nil
}

// fakeUserID is the USER_ID_FOR_SRP of a user that does not exist: the
// name as given, or for pools whose usernames are generated (email or
// phone as username), a UUID stable for the name, as a real one would be.
func (s *Service) fakeUserID(p Pool, name string) string {
	if len(p.UsernameAttributes) == 0 {
		return name
	}
	return uuidOf(s.Key.Derive("srp fake user id", []byte(p.Id+"\x00"+strings.ToLower(name))))
}

// fakeUserWork does what reading a real user's record and verifier costs
// (a JSON decode, an AES-GCM open), so that the fake challenge takes as
// long as a real one.
func (s *Service) fakeUserWork(u User) {
	s.dummyOnce.Do(func() {
		d := User{Pool: u.Pool, Username: "dummy-user-record", Attributes: map[string]string{"sub": newUUID(), "email": "someone@example.com", "email_verified": "true"},
			Enabled: true, Status: "CONFIRMED", PasswordHash: hashPasswordDummy, SRPSalt: strings.Repeat("a", 32)}
		d.SealedVerifier = s.Key.Seal(verifierPurpose, make([]byte, 384))
		s.dummyUser, _ = json.Marshal(d)
		s.dummySealed = d.SealedVerifier
	})
	var d User
	json.Unmarshal(s.dummyUser, &d)
	s.Key.Open(verifierPurpose, s.dummySealed)
}

// fakeVerifier is a salt and verifier for a user that does not exist,
// stable for the name and unguessable without the master key.
func (s *Service) fakeVerifier(pool, userID string) (salt, v *big.Int) {
	id := []byte(pool + "\x00" + strings.ToLower(userID))
	salt = new(big.Int).SetBytes(s.Key.Derive("srp fake salt", id)[:16])
	var buf []byte
	for i := byte(0); len(buf) < 384+32; i++ {
		buf = append(buf, s.Key.Derive("srp fake verifier", append(id, i))...)
	}
	v = new(big.Int).SetBytes(buf)
	v.Mod(v, srp.N)
	return salt, v
}

// ChallengeInput is an (Admin)RespondToAuthChallenge request.
type ChallengeInput struct {
	UserPoolId         string
	ClientId           string
	ChallengeName      string
	Session            string
	ChallengeResponses map[string]string
	Admin              bool
	// login: answered by the managed login pages.
	login bool
}

// RespondToAuthChallenge answers PASSWORD_VERIFIER or NEW_PASSWORD_REQUIRED.
func (s *Service) RespondToAuthChallenge(ctx context.Context, in ChallengeInput) (*AuthOutput, error) {
	var c Client
	var p Pool
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		c, p, err = s.clientByID(tx, in.ClientId)
		return err
	})
	if err != nil {
		return nil, err
	}
	if in.Admin && p.Id != in.UserPoolId {
		return nil, errNotFound("User pool client %s does not exist.", in.ClientId)
	}
	if in.login {
		// The managed login pages act for the client: they hold no
		// SECRET_HASH, and the session proves the sign-in began there.
		c.SealedSecret = ""
	}
	r := in.ChallengeResponses
	switch in.ChallengeName {
	case "PASSWORD_VERIFIER":
		return s.srpFinish(ctx, p, c, r)
	case "NEW_PASSWORD_REQUIRED":
		st, err := s.openSession(in.Session)
		if err != nil {
			return nil, err
		}
		if st.Kind != "NEW_PASSWORD_REQUIRED" || st.Client != c.ClientId || st.Login != in.login {
			return nil, errNotAuthorized("Invalid session for the user.")
		}
		if err := s.checkSecretHash(c, []string{r["USERNAME"], st.Username}, r["SECRET_HASH"]); err != nil {
			return nil, err
		}
		u, err := s.completeNewPassword(ctx, p, st, r)
		if err != nil {
			return nil, err
		}
		return s.secondFactor(ctx, p, c, u, signInOpts{device: st.Device, login: st.Login, tokenSource: "TokenGeneration_NewPasswordChallenge"})
	case mfaSMS, mfaTOTP, mfaEmail, "SMS_OTP":
		return s.answerMFA(ctx, p, c, in.ChallengeName, in.Session, r, in.login)
	case "SELECT_MFA_TYPE":
		return s.selectMFA(ctx, p, c, in.Session, r, in.login)
	case "SELECT_CHALLENGE", "PASSWORD", "PASSWORD_SRP":
		return s.selectChallenge(ctx, p, c, in.ChallengeName, in.Session, r, in.login)
	case "WEB_AUTHN":
		return s.answerPasskey(ctx, p, c, in.Session, r, in.login)
	case "CUSTOM_CHALLENGE":
		return s.answerCustom(ctx, p, c, in.Session, r)
	case "DEVICE_SRP_AUTH":
		return s.deviceSRPStart(ctx, p, c, in.Session, r)
	case "DEVICE_PASSWORD_VERIFIER":
		return s.deviceSRPFinish(ctx, p, c, r)
	case "MFA_SETUP":
		return s.finishMFASetup(ctx, p, c, in.Session, r, in.login)
	case "":
		return nil, errParam("1 validation error detected: Value null at 'challengeName' failed to satisfy constraint: Member must not be null")
	}
	return nil, errParam("Invalid challenge name: %s", in.ChallengeName)
}

// completeNewPassword sets the new password (and any attributes) a
// NEW_PASSWORD_REQUIRED challenge answers with, for the session's user.
func (s *Service) completeNewPassword(ctx context.Context, p Pool, st session, r map[string]string) (User, error) {
	var u User
	var newAttrs []AttributeType
	for k, v := range r {
		if name, ok := strings.CutPrefix(k, "userAttributes."); ok {
			newAttrs = append(newAttrs, AttributeType{name, v})
		}
	}
	var h *hashed
	if np := r["NEW_PASSWORD"]; np != "" && checkPolicy(p.Policies.PasswordPolicy, np) == nil {
		h = s.prehash(p.Id, st.Username, np)
	}
	err := s.modifyUser(ctx, p.Id, st.Username, func(p Pool, usr *User) error {
		if !subEqual(usr.Attributes["sub"], st.Sub) {
			return errNotAuthorized("Invalid session for the user.")
		}
		if r["NEW_PASSWORD"] == "" {
			return errParam("Missing required parameter NEW_PASSWORD")
		}
		if err := checkPolicy(p.Policies.PasswordPolicy, r["NEW_PASSWORD"]); err != nil {
			return err
		}
		if err := checkAttributes(p, newAttrs, false); err != nil {
			return err
		}
		for _, a := range newAttrs {
			usr.Attributes[a.Name] = a.Value
		}
		if miss := requiredMissing(p, usr.Attributes); len(miss) > 0 {
			return errParam("Invalid user attributes: %s: The attribute is required\n", strings.Join(prefixed(miss), ", "))
		}
		s.setPassword(usr, r["NEW_PASSWORD"], h)
		usr.Status, usr.TempExpires = "CONFIRMED", time.Time{}
		u = *usr
		return nil
	})
	return u, err
}

func (s *Service) srpFinish(ctx context.Context, p Pool, c Client, r map[string]string) (*AuthOutput, error) {
	block, err := base64.StdEncoding.DecodeString(r["PASSWORD_CLAIM_SECRET_BLOCK"])
	if err != nil {
		return nil, errNotAuthorized("Invalid session for the user.")
	}
	st, err := s.openSession(string(block))
	if err != nil {
		return nil, err
	}
	if st.Kind != "PASSWORD_VERIFIER" || st.Client != c.ClientId || !strings.EqualFold(r["USERNAME"], st.Username) {
		return nil, errIncorrect
	}
	ts, ok := srp.ParseTimestamp(r["TIMESTAMP"])
	if !ok {
		return nil, errParam("TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.")
	}
	var u User
	err = s.view(ctx, func(tx store.RecordTx) error {
		var err error
		u, err = store.GetJSON[User](tx, kindUser, userKey(p.Id, st.Username))
		return err
	})
	known := err == nil && (st.Sub == "" || subEqual(u.Attributes["sub"], st.Sub)) && u.SealedVerifier != ""
	if err := s.checkSecretHash(c, []string{st.Username, r["USERNAME"]}, r["SECRET_HASH"]); err != nil {
		return nil, err
	}
	var v *big.Int
	if known {
		if _, v, err = s.verifier(&u); err != nil {
			return nil, err
		}
	} else {
		// A fake challenge (or a user gone since): the same work, then
		// the same answer as a wrong password.
		_, v = s.fakeVerifier(p.Id, st.Username)
		u = User{Pool: p.Id, Username: st.Username}
	}
	A, _ := new(big.Int).SetString(st.A, 16)
	B, _ := new(big.Int).SetString(st.B, 16)
	b, _ := new(big.Int).SetString(st.Bsec, 16)
	K, err := srp.ServerKey(A, B, b, v)
	if err != nil {
		return nil, errIncorrect
	}
	if !srp.VerifySignature(K, srp.PoolName(p.Id), u.Username, block, ts, r["PASSWORD_CLAIM_SIGNATURE"]) || !known {
		if known {
			return nil, s.recordFailure(ctx, p.Id, u.Username)
		}
		return nil, errIncorrect
	}
	if err := s.locked(u); err != nil {
		return nil, err
	}
	device := st.Device
	if d := r["DEVICE_KEY"]; d != "" {
		device = d
	}
	if st.Custom != "" {
		if err := userState(u); err != nil {
			return nil, err
		}
		return s.customAfterSRP(ctx, p, c, u, st.Custom, signInOpts{device: device})
	}
	return s.afterPassword(ctx, p, c, u, signInOpts{device: device})
}

// refreshRecord is a refresh token's server-side state.
type refreshRecord struct {
	Pool, Client, Username string
	// Sub binds the token to its user: a refresh token of a deleted user
	// never works for a new user of the same name.
	Sub       string
	OriginJTI string
	AuthTime  time.Time
	Expires   time.Time
	Issued    time.Time
	// Device is the device key the token was issued to, if any.
	Device string `json:",omitempty"`
}

// tokenOpts are what an OAuth 2.0 flow adds to the tokens it issues: the
// granted scopes (space-separated), and the authorization request's
// nonce, which the ID token then carries with at_hash.
type tokenOpts struct {
	scope, nonce string
	// authTime is when the user signed in (a managed-login session may be
	// older than the tokens).
	authTime time.Time
	// device is the device key the access token (and refresh token) is
	// bound to.
	device string
	// source is PreTokenGeneration's triggerSource
	// (TokenGeneration_Authentication if empty).
	source string
}

// issueTokens mints ID and access tokens, and a refresh token unless
// refreshing (origin set).
func (s *Service) issueTokens(ctx context.Context, p Pool, c Client, u User, originJTI string, authTime time.Time) (*AuthResult, error) {
	return s.issueTokensWith(ctx, p, c, u, originJTI, authTime, tokenOpts{})
}

func (s *Service) issueTokensWith(ctx context.Context, p Pool, c Client, u User, originJTI string, authTime time.Time, opt tokenOpts) (*AuthResult, error) {
	now := s.now()
	fresh := originJTI == ""
	if fresh {
		originJTI, authTime = newUUID(), now
		if !opt.authTime.IsZero() {
			authTime = opt.authTime
		}
	}
	scope := adminScope
	if opt.scope != "" {
		scope = opt.scope
	}
	accessTTL, idTTL, refreshTTL := c.validity()
	iss := s.Issuer(p.Id)
	event := newUUID()
	groups, roles, preferred, err := s.groupClaims(ctx, p.Id, u.Groups)
	if err != nil {
		return nil, err
	}
	id := map[string]any{
		"sub": u.Attributes["sub"], "aud": c.ClientId, "token_use": "id", "auth_time": authTime.Unix(), "iss": iss,
		"exp": now.Add(idTTL).Unix(), "iat": now.Unix(), "jti": newUUID(), "origin_jti": originJTI, "event_id": event,
		"cognito:username": u.Username,
	}
	readable := map[string]bool{}
	for _, a := range c.ReadAttributes {
		readable[a] = true
	}
	for k, v := range u.Attributes {
		if k == "sub" || len(readable) > 0 && !readable[k] {
			continue
		}
		if k == "email_verified" || k == "phone_number_verified" {
			id[k] = v == "true"
			continue
		}
		if k == "identities" { // a federated user's links, a JSON array in the token
			var links []any
			if json.Unmarshal([]byte(v), &links) == nil {
				id[k] = links
				continue
			}
		}
		id[k] = v
	}
	access := map[string]any{
		"sub": u.Attributes["sub"], "iss": iss, "client_id": c.ClientId, "origin_jti": originJTI, "event_id": event,
		"token_use": "access", "scope": scope, "auth_time": authTime.Unix(),
		"exp": now.Add(accessTTL).Unix(), "iat": now.Unix(), "jti": newUUID(), "username": u.Username,
	}
	if len(groups) > 0 {
		id["cognito:groups"], access["cognito:groups"] = groups, groups
	}
	if opt.device != "" {
		access["device_key"] = opt.device
	}
	source := opt.source
	if source == "" {
		source = "TokenGeneration_Authentication"
	}
	if err := s.preTokenGeneration(ctx, p, c, u, source, id, access, groups, roles, preferred); err != nil {
		return nil, err
	}
	if len(roles) > 0 {
		id["cognito:roles"] = roles
	}
	if preferred != "" {
		id["cognito:preferred_role"] = preferred
	}
	// The two RSA signatures and the refresh token's commit are
	// independent; doing them at once halves a sign-in's latency.
	var (
		idTok, accTok, handle string
		idErr, accErr, refErr error
		wg                    sync.WaitGroup
	)
	if opt.nonce != "" {
		// at_hash needs the access token first (OpenID Connect Core 3.1.3.6).
		id["nonce"] = opt.nonce
		if accTok, accErr = s.sign(ctx, p.Id, "access", access); accErr != nil {
			return nil, accErr
		}
		sum := sha256.Sum256([]byte(accTok))
		id["at_hash"] = base64.RawURLEncoding.EncodeToString(sum[:16])
		wg.Add(1)
		go func() { defer wg.Done(); idTok, idErr = s.sign(ctx, p.Id, "id", id) }()
	} else {
		wg.Add(2)
		go func() { defer wg.Done(); idTok, idErr = s.sign(ctx, p.Id, "id", id) }()
		go func() { defer wg.Done(); accTok, accErr = s.sign(ctx, p.Id, "access", access) }()
	}
	if fresh {
		raw := make([]byte, 48)
		rand.Read(raw)
		handle = base64.RawURLEncoding.EncodeToString(raw)
		rec := refreshRecord{Pool: p.Id, Client: c.ClientId, Username: u.Username, Sub: u.Attributes["sub"], OriginJTI: originJTI, AuthTime: authTime, Expires: now.Add(refreshTTL), Issued: now, Device: opt.device}
		refErr = s.update(ctx, func(tx store.RecordTx) error {
			if err := tx.Put(kindUserRefresh, userKey(p.Id, u.Username)+"/"+refreshID(handle), nil); err != nil {
				return err
			}
			return store.PutJSON(tx, kindRefresh, refreshID(handle), rec)
		})
	}
	wg.Wait()
	for _, err := range []error{idErr, accErr, refErr} {
		if err != nil {
			return nil, err
		}
	}
	res := &AuthResult{AccessToken: accTok, IdToken: idTok, ExpiresIn: int(accessTTL.Seconds()), TokenType: "Bearer", RefreshToken: handle}
	return res, nil
}

// refreshID is how a refresh token is stored: hashed, so the store never
// holds a usable token.
func refreshID(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func (s *Service) refresh(ctx context.Context, p Pool, c Client, token, secretHash, device string) (*AuthOutput, error) {
	invalid := errNotAuthorized("Invalid Refresh Token")
	var rec refreshRecord
	var u User
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		if rec, err = store.GetJSON[refreshRecord](tx, kindRefresh, refreshID(token)); err != nil {
			return invalid
		}
		if u, err = store.GetJSON[User](tx, kindUser, userKey(rec.Pool, rec.Username)); err != nil {
			return invalid
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if rec.Client != c.ClientId || rec.Pool != p.Id || !subEqual(u.Attributes["sub"], rec.Sub) {
		return nil, invalid
	}
	if s.now().After(rec.Expires) {
		return nil, errNotAuthorized("Refresh Token has expired")
	}
	if !u.Enabled {
		return nil, errNotAuthorized("User is disabled.")
	}
	if rec.Issued.Before(u.TokensValidAfter) {
		return nil, errNotAuthorized("Refresh Token has been revoked")
	}
	if err := s.checkSecretHash(c, []string{u.Username}, secretHash); err != nil {
		return nil, err
	}
	if rec.Device != "" {
		// A token bound to a device works for that device only, and not
		// once the device is forgotten.
		if device != "" && device != rec.Device {
			return nil, invalid
		}
		if _, err := s.deviceFor(ctx, rec.Pool, rec.Username, rec.Device); err != nil {
			return nil, invalid
		}
	}
	res, err := s.issueTokensWith(ctx, p, c, u, rec.OriginJTI, rec.AuthTime, tokenOpts{device: rec.Device, source: "TokenGeneration_RefreshTokens"})
	if err != nil {
		return nil, err
	}
	return &AuthOutput{ChallengeParameters: map[string]string{}, AuthenticationResult: res}, nil
}

// revokeAllTx removes every refresh token of a user.
func (s *Service) revokeAllTx(tx store.RecordTx, pool, username string) error {
	prefix := userKey(pool, username) + "/"
	recs, err := tx.List(kindUserRefresh, prefix, "", 0)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if err := tx.Delete(kindRefresh, strings.TrimPrefix(r.ID, prefix)); err != nil {
			return err
		}
		if err := tx.Delete(kindUserRefresh, r.ID); err != nil {
			return err
		}
	}
	return nil
}

// RevokeToken revokes a refresh token (and, through its origin, the
// tokens issued from it for user-pool API calls).
func (s *Service) RevokeToken(ctx context.Context, token, clientID, secret string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		rec, err := store.GetJSON[refreshRecord](tx, kindRefresh, refreshID(token))
		if isNotFound(err) {
			return nil // unknown tokens revoke quietly, as Cognito does
		}
		if err != nil {
			return err
		}
		c, _, err := s.clientByID(tx, clientID)
		if err != nil {
			return err
		}
		if rec.Client != clientID {
			return awserr.New(400, "UnauthorizedException", "The client is not authorized to revoke this token.")
		}
		if c.EnableTokenRevocation != nil && !*c.EnableTokenRevocation {
			return awserr.New(400, "UnsupportedTokenTypeException", "Token revocation is not enabled for this client.")
		}
		if c.SealedSecret != "" && !hmac.Equal([]byte(s.reveal(c).ClientSecret), []byte(secret)) {
			return errNotAuthorized("Unable to verify secret hash for client " + clientID)
		}
		// Access tokens of this origin stop working against the user-pool
		// API; the mark can go once they would have expired anyway.
		if err := store.PutJSON(tx, kindRevoked, rec.Pool+"/"+rec.OriginJTI, rec.Expires); err != nil {
			return err
		}
		if err := tx.Delete(kindUserRefresh, userKey(rec.Pool, rec.Username)+"/"+refreshID(token)); err != nil {
			return err
		}
		return tx.Delete(kindRefresh, refreshID(token))
	})
}

const kindRevoked = "cognito.revoked"

// groupClaims returns a user's groups by precedence, their role ARNs and
// the preferred role (the lowest precedence, if unique).
func (s *Service) groupClaims(ctx context.Context, pool string, names []string) (groups, roles []string, preferred string, err error) {
	var gs []Group
	err = s.view(ctx, func(tx store.RecordTx) error {
		for _, n := range names {
			g, err := store.GetJSON[Group](tx, kindGroup, pool+"/"+n)
			if isNotFound(err) {
				continue // deleted since
			}
			if err != nil {
				return err
			}
			gs = append(gs, g)
		}
		return nil
	})
	if err != nil {
		return nil, nil, "", err
	}
	sort.SliceStable(gs, func(i, j int) bool { return precedence(gs[i]) < precedence(gs[j]) })
	best, tie := -1, false
	for _, g := range gs {
		groups = append(groups, g.GroupName)
		if g.RoleArn == "" {
			continue
		}
		roles = append(roles, g.RoleArn)
		pr := precedence(g)
		switch {
		case best < 0 || pr < best:
			best, preferred, tie = pr, g.RoleArn, false
		case pr == best && g.RoleArn != preferred:
			tie = true
		}
	}
	if tie {
		preferred = ""
	}
	return groups, roles, preferred, nil
}

func precedence(g Group) int {
	if g.Precedence == nil {
		return 1 << 30
	}
	return *g.Precedence
}

// accessClaims are the claims of an access token whose signature checked
// out.
type accessClaims struct {
	jwt.Claims
	TokenUse  string `json:"token_use"`
	Username  string `json:"username"`
	OriginJTI string `json:"origin_jti"`
	Scope     string `json:"scope"`
	ClientID  string `json:"client_id"`
	pool      string
}

// hasScope reports whether the token's scope claim holds want.
func (c accessClaims) hasScope(want string) bool { return hasScopeWord(c.Scope, want) }

// adminScope is the reserved scope that lets an access token call the
// user-pool API's self-service operations. Tokens from InitiateAuth carry
// it; tokens from the OAuth endpoints carry it only when it was asked for.
const adminScope = "aws.cognito.signin.user.admin"

// verifyAccess checks an access token's signature, issuer and use. The
// caller has checked that the pool its unverified iss names exists (keys
// are made on a pool's first use, never for a pool that does not exist).
func (s *Service) verifyAccess(ctx context.Context, tok *jwt.JSONWebToken, poolID string) (accessClaims, error) {
	var c accessClaims
	keys, err := s.keysFor(ctx, poolID, tok)
	if err != nil {
		return c, err
	}
	if err := tok.Claims(&keys.all, &c); err != nil || c.TokenUse != "access" || c.Issuer != s.Issuer(poolID) {
		return c, errNotAuthorized("Invalid Access Token")
	}
	c.pool = poolID
	return c, nil
}

// unverifiedPool parses a token and returns its unverified iss and the
// pool id that names, for finding the keys to verify it with.
func unverifiedPool(token string) (tok *jwt.JSONWebToken, iss, pool string, ok bool) {
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, "", "", false
	}
	var unverified struct {
		Iss string `json:"iss"`
	}
	if tok.UnsafeClaimsWithoutVerification(&unverified) != nil || unverified.Iss == "" {
		return nil, "", "", false
	}
	return tok, unverified.Iss, unverified.Iss[strings.LastIndex(unverified.Iss, "/")+1:], true
}

// verifiedCache remembers access tokens whose signature checked out (by
// the token's SHA-256), so a token used again skips the RSA check; expiry,
// revocation, sign-out and the user are checked on every use.
type verifiedCache struct {
	mu sync.Mutex
	m  map[[32]byte]accessClaims
}

const maxVerified = 100000

func (v *verifiedCache) get(token string) (accessClaims, bool) {
	h := sha256.Sum256([]byte(token))
	v.mu.Lock()
	defer v.mu.Unlock()
	c, ok := v.m[h]
	return c, ok
}

func (v *verifiedCache) put(token string, c accessClaims) {
	h := sha256.Sum256([]byte(token))
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil || len(v.m) >= maxVerified {
		v.m = make(map[[32]byte]accessClaims) // forget all: a bound, not an LRU
	}
	v.m[h] = c
}

// AccessClaims verifies an access token for a self-service call and
// returns its user: signature, expiry, token use, revocation and global
// sign-out all checked, and the token must hold the reserved
// aws.cognito.signin.user.admin scope.
func (s *Service) AccessClaims(ctx context.Context, token string) (Pool, User, error) {
	p, u, c, err := s.checkAccess(ctx, token)
	if err != nil {
		return Pool{}, User{}, err
	}
	if !c.hasScope(adminScope) {
		return Pool{}, User{}, errNotAuthorized("Access Token does not have required scopes")
	}
	return p, u, nil
}

// checkAccess verifies an access token whatever its scopes and returns
// its pool, user and claims.
func (s *Service) checkAccess(ctx context.Context, token string) (Pool, User, accessClaims, error) {
	invalid := errNotAuthorized("Invalid Access Token")
	c, verified := s.verified.get(token)
	poolID := c.pool
	var tok *jwt.JSONWebToken
	if !verified {
		var ok bool
		if tok, _, poolID, ok = unverifiedPool(token); !ok {
			return Pool{}, User{}, c, invalid
		}
	}
	p, err := s.poolForCheck(ctx, poolID)
	if err != nil {
		return Pool{}, User{}, c, invalid
	}
	if !verified {
		if c, err = s.verifyAccess(ctx, tok, poolID); err != nil {
			return Pool{}, User{}, c, err
		}
		s.verified.put(token, c)
	}
	if c.Expiry == nil || !s.now().Before(c.Expiry.Time()) {
		return Pool{}, User{}, c, errNotAuthorized("Access Token has expired")
	}
	var u User
	revoked := false
	err = s.view(ctx, func(tx store.RecordTx) error {
		var err error
		if u, err = store.GetJSON[User](tx, kindUser, userKey(poolID, c.Username)); err != nil {
			return errUserNotFound()
		}
		_, err = tx.Get(kindRevoked, poolID+"/"+c.OriginJTI)
		revoked = err == nil
		return nil
	})
	if err != nil {
		return Pool{}, User{}, c, err
	}
	// A token binds to the user's immutable sub: a user deleted and
	// created again under the same name is another person.
	if !subEqual(u.Attributes["sub"], c.Subject) {
		return Pool{}, User{}, c, errUserNotFound()
	}
	if revoked {
		return Pool{}, User{}, c, errNotAuthorized("Access Token has been revoked")
	}
	if c.IssuedAt != nil && !u.TokensValidAfter.IsZero() && !c.IssuedAt.Time().After(u.TokensValidAfter.Truncate(time.Second)) {
		return Pool{}, User{}, c, errNotAuthorized("Access Token has been revoked")
	}
	if !u.Enabled {
		return Pool{}, User{}, c, errNotAuthorized("User is disabled.")
	}
	return p, u, c, nil
}

// GlobalSignOut signs a user out everywhere: refresh tokens die and
// earlier access tokens stop working against the user-pool API.
func (s *Service) GlobalSignOut(ctx context.Context, pool, username string) error {
	return s.modifyUser(ctx, pool, username, func(_ Pool, u *User) error {
		u.TokensValidAfter = s.now()
		return nil
	})
}

// tokenClientID reads client_id from an already verified access token.
func tokenClientID(token string) string {
	tok, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return ""
	}
	var c struct {
		ClientID string `json:"client_id"`
	}
	tok.UnsafeClaimsWithoutVerification(&c)
	return c.ClientID
}
