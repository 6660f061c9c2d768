package userpool

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

const codeTTL = 24 * time.Hour

func hashCode(c string) string {
	h := sha256.Sum256([]byte("sekisho code:" + c))
	return hex.EncodeToString(h[:])
}

// maxCodesPerHour bounds the codes sent to one user, as Cognito does, so a
// caller cannot flood a mailbox.
const maxCodesPerHour = 5

// codeLimit refuses another code when the user has had too many lately.
func (s *Service) codeLimit(u *User) error {
	now := s.now()
	var recent []time.Time
	for _, t := range u.CodeTimes {
		if now.Sub(t) < time.Hour {
			recent = append(recent, t)
		}
	}
	u.CodeTimes = recent
	if len(recent) >= maxCodesPerHour {
		return awserr.New(400, "LimitExceededException", "Attempt limit exceeded, please try after some time.")
	}
	u.CodeTimes = append(u.CodeTimes, now)
	return nil
}

// newCode makes a 6-digit single-use code for purpose and keeps its hash.
func (s *Service) newCode(u *User, purpose string) string {
	code := randomString(6, "0123456789")
	if u.Codes == nil {
		u.Codes = map[string]Code{}
	}
	ttl := codeTTL
	if purpose == "reset" {
		ttl = time.Hour
	}
	u.Codes[purpose] = Code{Hash: hashCode(code), Expires: s.now().Add(ttl)}
	return code
}

// maxCodeAttempts is how many wrong guesses a code survives: the next try,
// even with the right code, answers LimitExceededException, and a new
// code must be requested (which codeLimit bounds per hour).
const maxCodeAttempts = 5

func errCodeAttempts() error {
	return awserr.New(400, "LimitExceededException", "Attempt limit exceeded, please try after some time.")
}

// useCode checks and consumes a code. A wrong code counts against the code
// (and the caller's source, see codeGuard): it returns a *keepError, so
// that the caller commits the count before answering.
func (s *Service) useCode(ctx context.Context, u *User, purpose, code string) error {
	if err := s.codeGuard.check(sourceIP(ctx), s.now(), s.peers()); err != nil {
		return err
	}
	c, ok := u.Codes[purpose]
	if ok && c.Failed >= maxCodeAttempts {
		return errCodeAttempts()
	}
	if !ok || !c.matches(code) {
		s.codeGuard.fail(sourceIP(ctx), s.now(), s.peers())
		mismatch := awserr.New(400, "CodeMismatchException", "Invalid verification code provided, please try again.")
		if !ok {
			return mismatch
		}
		c.Failed++
		u.Codes[purpose] = c
		return &keepError{mismatch}
	}
	if s.now().After(c.Expires) {
		return awserr.New(400, "ExpiredCodeException", "Invalid code provided, please request a code again.")
	}
	delete(u.Codes, purpose)
	return nil
}

// matches reports whether code is this code, in constant time.
func (c Code) matches(code string) bool {
	return hmac.Equal([]byte(c.Hash), []byte(hashCode(code)))
}

// keepError is an error after which the user's changes are still saved
// (a failed attempt counted), and then the error returned.
type keepError struct{ err error }

func (e *keepError) Error() string { return e.err.Error() }
func (e *keepError) Unwrap() error { return e.err }

// updateUser runs fn on a user inside a write transaction: find looks the
// user up, fn changes it, and the user is saved (or, with an empty
// Username, deleted). When fn returns a *keepError the change is still
// committed and then its error answered; any other error rolls back.
func (s *Service) updateUser(ctx context.Context, find func(tx store.RecordTx) (Pool, User, error), fn func(p Pool, u *User) error) error {
	var kept error
	err := s.update(ctx, func(tx store.RecordTx) error {
		kept = nil
		p, u, err := find(tx)
		if err != nil {
			return err
		}
		old := u
		var k *keepError
		if err := fn(p, &u); errors.As(err, &k) {
			kept = k.err
		} else if err != nil {
			return err
		}
		if u.Username == "" { // deleted
			return s.deleteUserTx(tx, p, old)
		}
		return s.saveUser(tx, p, &old, u)
	})
	if err == nil {
		err = kept
	}
	return err
}

// CodeDelivery is CodeDeliveryDetailsType.
type CodeDelivery struct {
	Destination    string `json:"Destination"`
	DeliveryMedium string `json:"DeliveryMedium"`
	AttributeName  string `json:"AttributeName"`
}

// mask hides a code's destination as Cognito does: an email address keeps
// the first character of its local part and of its domain
// ("u***@y***"), a phone number its last four digits ("+*******9934").
func mask(v string) string {
	if len(v) < 3 {
		return "***"
	}
	if at := strings.LastIndexByte(v, '@'); at >= 0 {
		return firstRune(v[:at]) + "***@" + firstRune(v[at+1:]) + "***"
	}
	return "+*******" + v[len(v)-4:]
}

func firstRune(s string) string {
	for _, r := range s {
		return string(r)
	}
	return ""
}

func (s *Service) sendCode(ctx context.Context, u User, purpose, code string) (*CodeDelivery, error) {
	attr, medium := "email", "EMAIL"
	dest := u.Attributes["email"]
	if dest == "" {
		attr, medium, dest = "phone_number", "SMS", u.Attributes["phone_number"]
	}
	m := Message{Time: s.now(), UserPoolId: u.Pool, Username: u.Username, Destination: dest, Medium: medium, Purpose: purpose, Code: code}
	if err := s.customWords(ctx, u, &m); err != nil {
		return nil, err
	}
	if s.Outbox != nil {
		if err := s.Outbox.Send(ctx, m); err != nil {
			if s.Log != nil {
				s.Log.Warn("cognito message not delivered", "pool", u.Pool, "purpose", purpose, "err", err)
			}
			// A code that did not go out is not reported as sent.
			return nil, awserr.New(400, "CodeDeliveryFailureException", "Unable to deliver the verification code; please try again.")
		}
	}
	return &CodeDelivery{Destination: mask(dest), DeliveryMedium: medium, AttributeName: attr}, nil
}

// SignUpOutput is SignUp's result.
type SignUpOutput struct {
	UserConfirmed       bool          `json:"UserConfirmed"`
	UserSub             string        `json:"UserSub"`
	CodeDeliveryDetails *CodeDelivery `json:"CodeDeliveryDetails,omitempty"`
}

// SignUp registers a user through an app client and sends a confirmation
// code.
func (s *Service) SignUp(ctx context.Context, clientID, secretHash, username, password string, attrs []AttributeType) (*SignUpOutput, error) {
	// Check what can be checked, then hash, before the write.
	var p0 Pool
	var c0 Client
	if err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		c0, p0, err = s.clientByID(tx, clientID)
		return err
	}); err != nil {
		return nil, err
	}
	if err := s.checkSecretHash(c0, []string{username}, secretHash); err != nil {
		return nil, err
	}
	if err := s.allow(p0.Id); err != nil {
		return nil, err
	}
	if p0.allowAdminCreateOnly() {
		return nil, errNotAuthorized("SignUp is not permitted for this user pool")
	}
	// Passwordless sign-up: a pool whose users may sign in with a
	// one-time code or a passkey takes users without a password.
	noPassword := password == "" && passwordless(p0.allowedFirstFactors())
	if !noPassword {
		if err := checkPolicy(p0.Policies.PasswordPolicy, password); err != nil {
			return nil, err
		}
	}
	userID := username
	if len(p0.UsernameAttributes) > 0 {
		userID = newUUID()
	}
	pre, err := s.preSignUp(ctx, p0, "PreSignUp_SignUp", userID, clientID, attrs)
	if err != nil {
		return nil, err
	}
	var h *hashed
	if !noPassword {
		h = s.prehash(p0.Id, userID, password)
	}
	var u User
	var code string
	var needsCode bool
	err = s.update(ctx, func(tx store.RecordTx) error {
		c, p, err := s.clientByID(tx, clientID)
		if err != nil {
			return err
		}
		if err := s.checkSecretHash(c, []string{username}, secretHash); err != nil {
			return err
		}
		if p.allowAdminCreateOnly() {
			return errNotAuthorized("SignUp is not permitted for this user pool")
		}
		if noPassword && !passwordless(p.allowedFirstFactors()) {
			return errParam("Password is required for this user pool.")
		}
		if !noPassword {
			if err := checkPolicy(p.Policies.PasswordPolicy, password); err != nil {
				return err
			}
		}
		if err := checkAttributes(p, attrs, true); err != nil {
			return err
		}
		if u, err = s.newUser(tx, p, username, userID, attrs); err != nil {
			return signUpExists(p, err)
		}
		if miss := requiredMissing(p, u.Attributes); len(miss) > 0 {
			return errParam("Attributes did not conform to the schema: %s: The attribute is required\n", miss[0])
		}
		if !noPassword {
			s.setPassword(&u, password, h)
		}
		u.Status = "UNCONFIRMED"
		needsCode = p.autoVerifies("email") && u.Attributes["email"] != "" || p.autoVerifies("phone_number") && u.Attributes["phone_number"] != ""
		if pre.autoConfirm {
			u.Status, needsCode = "CONFIRMED", false
			if pre.verifyEmail && u.Attributes["email"] != "" {
				u.Attributes["email_verified"] = "true"
			}
			if pre.verifyPhone && u.Attributes["phone_number"] != "" {
				u.Attributes["phone_number_verified"] = "true"
			}
		}
		if needsCode {
			code = s.newCode(&u, "confirm")
		}
		return s.saveUser(tx, p, nil, u)
	})
	if err != nil {
		return nil, err
	}
	out := &SignUpOutput{UserSub: u.Attributes["sub"], UserConfirmed: u.Status == "CONFIRMED"}
	if pre.autoConfirm {
		if err := s.postConfirmation(ctx, p0, "PostConfirmation_ConfirmSignUp", clientID, u); err != nil {
			return nil, err
		}
	}
	if needsCode {
		if out.CodeDeliveryDetails, err = s.sendCode(ctx, u, "SignUp", code); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// clientUser finds the pool and user behind a self-service call.
func (s *Service) clientUser(ctx context.Context, clientID, secretHash, username string, fn func(p Pool, u *User) error) error {
	return s.updateUser(ctx, func(tx store.RecordTx) (Pool, User, error) {
		c, p, err := s.clientByID(tx, clientID)
		if err != nil {
			return p, User{}, err
		}
		u, err := s.findUser(tx, p, username)
		if err != nil {
			return p, u, err
		}
		return p, u, s.checkSecretHash(c, []string{username, u.Username}, secretHash)
	}, fn)
}

// ConfirmSignUp confirms a user with the code sent at sign-up.
func (s *Service) ConfirmSignUp(ctx context.Context, clientID, secretHash, username, code string) error {
	var confirmed User
	var pool Pool
	err := s.hideMissingCode(ctx, clientID, s.clientUser(ctx, clientID, secretHash, username, func(p Pool, u *User) error {
		defer func() { confirmed, pool = *u, p }()
		if u.Status == "CONFIRMED" {
			return errNotAuthorized("User cannot be confirmed. Current status is CONFIRMED")
		}
		if err := s.useCode(ctx, u, "confirm", code); err != nil {
			return err
		}
		u.Status = "CONFIRMED"
		if u.Attributes["email"] != "" && p.autoVerifies("email") {
			u.Attributes["email_verified"] = "true"
		} else if u.Attributes["phone_number"] != "" && p.autoVerifies("phone_number") {
			u.Attributes["phone_number_verified"] = "true"
		}
		return nil
	}))
	if err != nil {
		return err
	}
	// As in Cognito, the user stays confirmed when PostConfirmation
	// fails; the caller hears of the failure.
	return s.postConfirmation(ctx, pool, "PostConfirmation_ConfirmSignUp", clientID, confirmed)
}

// ResendConfirmationCode sends a fresh sign-up code.
func (s *Service) ResendConfirmationCode(ctx context.Context, clientID, secretHash, username string) (*CodeDelivery, error) {
	var u User
	var code string
	err := s.clientUser(ctx, clientID, secretHash, username, func(_ Pool, usr *User) error {
		if usr.Status != "UNCONFIRMED" {
			return errParam("User is already confirmed.")
		}
		if err := s.codeLimit(usr); err != nil {
			return err
		}
		code = s.newCode(usr, "confirm")
		u = *usr
		return nil
	})
	if err != nil {
		return s.hideMissing(ctx, clientID, err)
	}
	return s.sendCode(ctx, u, "ResendCode", code)
}

// hidesUsers reports whether a client prevents user existence errors.
func (s *Service) hidesUsers(ctx context.Context, clientID string) bool {
	var c Client
	s.view(ctx, func(tx store.RecordTx) error { c, _, _ = s.clientByID(tx, clientID); return nil })
	return c.PreventUserExistenceErrors == "ENABLED"
}

// hideMissingCode answers a code for a user that does not exist as a
// wrong code, when the client prevents user existence errors (and counts
// it against the caller's source like any wrong code).
func (s *Service) hideMissingCode(ctx context.Context, clientID string, err error) error {
	if !awserr.Is(err, "UserNotFoundException") {
		return err
	}
	if !s.hidesUsers(ctx, clientID) {
		return err
	}
	if err := s.codeGuard.check(sourceIP(ctx), s.now(), s.peers()); err != nil {
		return err
	}
	s.codeGuard.fail(sourceIP(ctx), s.now(), s.peers())
	return awserr.New(400, "CodeMismatchException", "Invalid verification code provided, please try again.")
}

// hideMissing answers for a user that does not exist as if it did, when
// the client prevents user existence errors.
func (s *Service) hideMissing(ctx context.Context, clientID string, err error) (*CodeDelivery, error) {
	if !awserr.Is(err, "UserNotFoundException") {
		return nil, err
	}
	if !s.hidesUsers(ctx, clientID) {
		return nil, err
	}
	return &CodeDelivery{Destination: "u***@e***", DeliveryMedium: "EMAIL", AttributeName: "email"}, nil
}

// ForgotPassword sends a reset code.
func (s *Service) ForgotPassword(ctx context.Context, clientID, secretHash, username string) (*CodeDelivery, error) {
	var u User
	var code string
	s.migrateForReset(ctx, clientID, secretHash, username)
	viaPhone := false
	err := s.clientUser(ctx, clientID, secretHash, username, func(p Pool, usr *User) error {
		mechs := p.recoveryMechanisms()
		if len(mechs) == 1 && mechs[0] == "admin_only" {
			return errNotAuthorized("Contact administrator to reset password.")
		}
		if usr.Status == "FORCE_CHANGE_PASSWORD" {
			return errNotAuthorized("User password cannot be reset in the current state.")
		}
		if usr.Attributes["email_verified"] != "true" && usr.Attributes["phone_number_verified"] != "true" && usr.Status != "RESET_REQUIRED" {
			return errParam("Cannot reset password for the user as there is no registered/verified email or phone_number")
		}
		// The first recovery mechanism the user has verified decides
		// where the code goes.
		for _, m := range mechs {
			if m == "verified_email" && usr.Attributes["email_verified"] == "true" {
				break
			}
			if m == "verified_phone_number" && usr.Attributes["phone_number_verified"] == "true" {
				viaPhone = true
				break
			}
		}
		if err := s.codeLimit(usr); err != nil {
			return err
		}
		code = s.newCode(usr, "reset")
		u = *usr
		return nil
	})
	if err != nil {
		return s.hideMissing(ctx, clientID, err)
	}
	if viaPhone {
		u.Attributes = maps.Clone(u.Attributes)
		delete(u.Attributes, "email")
	}
	return s.sendCode(ctx, u, "ForgotPassword", code)
}

// recoveryMechanisms are AccountRecoverySetting's mechanisms by priority
// (Cognito's default: a verified phone number first, then email).
func (p *Pool) recoveryMechanisms() []string {
	type mech struct {
		Name     string
		Priority int
	}
	var ms []mech
	if list, ok := p.AccountRecoverySetting["RecoveryMechanisms"].([]any); ok {
		for _, it := range list {
			m, _ := it.(map[string]any)
			name, _ := m["Name"].(string)
			pr, _ := m["Priority"].(float64)
			if name != "" {
				ms = append(ms, mech{name, int(pr)})
			}
		}
	}
	if len(ms) == 0 {
		return []string{"verified_phone_number", "verified_email"}
	}
	slices.SortStableFunc(ms, func(a, b mech) int { return a.Priority - b.Priority })
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out
}

// ConfirmForgotPassword sets a new password with a reset code.
func (s *Service) ConfirmForgotPassword(ctx context.Context, clientID, secretHash, username, code, password string) error {
	// Hash before the write, but only for a code that looks right: a
	// wrong guess must not cost the server a hash.
	var h *hashed
	var p0 Pool
	var u0 User
	if s.view(ctx, func(tx store.RecordTx) error {
		var err error
		if _, p0, err = s.clientByID(tx, clientID); err != nil {
			return err
		}
		u0, err = s.findUser(tx, p0, username)
		return err
	}) == nil && checkPolicy(p0.Policies.PasswordPolicy, password) == nil {
		if c, ok := u0.Codes["reset"]; ok && c.Failed < maxCodeAttempts && c.matches(code) {
			h = s.prehash(p0.Id, u0.Username, password)
		}
	}
	var reset User
	var pool Pool
	err := s.hideMissingCode(ctx, clientID, s.clientUser(ctx, clientID, secretHash, username, func(p Pool, u *User) error {
		if err := s.useCode(ctx, u, "reset", code); err != nil {
			return err
		}
		if err := checkPolicy(p.Policies.PasswordPolicy, password); err != nil {
			return err
		}
		s.setPassword(u, password, h)
		u.Status, u.Failed, u.LockedUntil = "CONFIRMED", 0, time.Time{}
		reset, pool = *u, p
		return nil
	}))
	if err != nil {
		return err
	}
	return s.postConfirmation(ctx, pool, "PostConfirmation_ConfirmForgotPassword", clientID, reset)
}

// ChangePassword changes a signed-in user's password.
func (s *Service) ChangePassword(ctx context.Context, accessToken, previous, proposed string) error {
	p, u, err := s.AccessClaims(ctx, accessToken)
	if err != nil {
		return err
	}
	// Both hashes, the old password's check and the new one's, happen
	// before the write; the write only checks that the password did not
	// change meanwhile.
	if !s.verifyPassword(u.PasswordHash, previous) {
		return errIncorrect
	}
	if err := checkPolicy(p.Policies.PasswordPolicy, proposed); err != nil {
		return err
	}
	h := s.prehash(p.Id, u.Username, proposed)
	return s.modifyUser(ctx, p.Id, u.Username, func(p Pool, usr *User) error {
		if usr.PasswordHash != u.PasswordHash || !subEqual(usr.Attributes["sub"], u.Attributes["sub"]) {
			return errIncorrect
		}
		s.setPassword(usr, proposed, h)
		return nil
	})
}

// UpdateUserAttributes changes a signed-in user's attributes; a changed
// email or phone must be verified again.
func (s *Service) UpdateUserAttributes(ctx context.Context, accessToken string, attrs []AttributeType) ([]CodeDelivery, error) {
	p, u, err := s.AccessClaims(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	if err := s.checkWritable(ctx, p.Id, accessToken, attrs); err != nil {
		return nil, err
	}
	var deliveries []CodeDelivery
	var code string
	err = s.modifyUser(ctx, p.Id, u.Username, func(p Pool, usr *User) error {
		if err := checkAttributes(p, attrs, false); err != nil {
			return err
		}
		for _, a := range attrs {
			if a.Name == "email_verified" || a.Name == "phone_number_verified" {
				return errParam("Cannot modify the verification status of %s", a.Name)
			}
			if (a.Name == "email" || a.Name == "phone_number") && usr.Attributes[a.Name] != a.Value {
				usr.Attributes[a.Name+"_verified"] = "false"
				code = s.newCode(usr, "verify:"+a.Name)
			}
			usr.Attributes[a.Name] = a.Value
		}
		u = *usr
		return nil
	})
	if err == nil && code != "" {
		d, err := s.sendCode(ctx, u, "UpdateAttribute", code)
		if err != nil {
			return nil, err
		}
		deliveries = append(deliveries, *d)
	}
	return deliveries, err
}

// GetUserAttributeVerificationCode sends a code to verify an attribute.
func (s *Service) GetUserAttributeVerificationCode(ctx context.Context, accessToken, attr string) (*CodeDelivery, error) {
	p, u, err := s.AccessClaims(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	var code string
	err = s.modifyUser(ctx, p.Id, u.Username, func(_ Pool, usr *User) error {
		if usr.Attributes[attr] == "" {
			return errParam("User does not have the attribute %s", attr)
		}
		code = s.newCode(usr, "verify:"+attr)
		u = *usr
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.sendCode(ctx, u, "VerifyAttribute", code)
}

// VerifyUserAttribute marks an attribute verified with its code.
func (s *Service) VerifyUserAttribute(ctx context.Context, accessToken, attr, code string) error {
	p, u, err := s.AccessClaims(ctx, accessToken)
	if err != nil {
		return err
	}
	return s.modifyUser(ctx, p.Id, u.Username, func(_ Pool, usr *User) error {
		if err := s.useCode(ctx, usr, "verify:"+attr, code); err != nil {
			return err
		}
		usr.Attributes[attr+"_verified"] = "true"
		return nil
	})
}

// DeleteUserSelf deletes the signed-in user.
func (s *Service) DeleteUserSelf(ctx context.Context, accessToken string) error {
	p, u, err := s.AccessClaims(ctx, accessToken)
	if err != nil {
		return err
	}
	return s.AdminDeleteUser(ctx, p.Id, u.Username)
}

// checkWritable enforces the app client's WriteAttributes on a user's own
// attribute updates.
func (s *Service) checkWritable(ctx context.Context, pool, accessToken string, attrs []AttributeType) error {
	clientID := tokenClientID(accessToken)
	c, err := s.Client(ctx, pool, clientID)
	if err != nil || len(c.WriteAttributes) == 0 {
		return nil
	}
	allowed := map[string]bool{}
	for _, a := range c.WriteAttributes {
		allowed[a] = true
	}
	for _, a := range attrs {
		if !allowed[a.Name] {
			return errNotAuthorized("A client attempted to write unauthorized attribute")
		}
	}
	return nil
}

// signUpExists words a taken username as SignUp does (AdminCreateUser
// says "User account already exists"): "User already exists", or for
// pools whose usernames are an email or phone, which one is taken.
func signUpExists(p Pool, err error) error {
	if !awserr.Is(err, "UsernameExistsException") {
		return err
	}
	switch {
	case p.usernameIs("email") && !p.usernameIs("phone_number"):
		return awserr.New(400, "UsernameExistsException", "An account with the given email already exists.")
	case p.usernameIs("phone_number") && !p.usernameIs("email"):
		return awserr.New(400, "UsernameExistsException", "An account with the given phone_number already exists.")
	}
	return awserr.New(400, "UsernameExistsException", "User already exists")
}
