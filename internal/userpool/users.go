package userpool

import (
	"context"
	"math/big"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/passhash"
	"github.com/sekisho/sekisho/internal/srp"
	"github.com/sekisho/sekisho/internal/store"
)

// User is a user record.
type User struct {
	Pool, Username string
	Attributes     map[string]string
	Enabled        bool
	Status         string // UNCONFIRMED, CONFIRMED, FORCE_CHANGE_PASSWORD, RESET_REQUIRED
	Created        time.Time
	Modified       time.Time
	// PasswordHash is argon2id; SRPSalt/SealedVerifier the SRP verifier.
	PasswordHash   string
	SRPSalt        string
	SealedVerifier string
	TempExpires    time.Time `json:",omitempty"`
	Groups         []string  `json:",omitempty"`
	// Failed counts consecutive failed sign-ins; LockedUntil follows.
	Failed      int
	LockedUntil time.Time `json:",omitempty"`
	// TokensValidAfter invalidates access tokens issued earlier (global
	// sign-out).
	TokensValidAfter time.Time       `json:",omitempty"`
	Codes            map[string]Code `json:",omitempty"` // by purpose
	// CodeTimes are when codes were last sent (rate limit).
	CodeTimes []time.Time `json:",omitempty"`
	// MFA is the user's second factors.
	MFA *UserMFA `json:",omitempty"`
	// PasskeyPending is a passkey registration begun (sealed).
	PasskeyPending string `json:",omitempty"`
	// AuthEvents are the newest sign-ins, kept while the pool's threat
	// protection is on.
	AuthEvents []AuthEvent `json:",omitempty"`
}

// Code is a one-time verification code (stored hashed).
type Code struct {
	Hash    string
	Expires time.Time
	// Failed counts wrong guesses (maxCodeAttempts).
	Failed int `json:",omitempty"`
}

const verifierPurpose = "sekisho cognito srp verifier"

// Passwords are argon2id hashes (internal/passhash): the standard cost,
// or with LightHash the light one (t=1, 1 MiB) for test suites that make
// thousands of users: still a salted memory-hard hash, never the password
// in the clear, but cheap. Checking reads the cost from each stored hash,
// so the two costs mix freely.
func hashPasswordCost(pw string, light bool) string {
	if light {
		return passhash.Hash(pw, passhash.LightTime, passhash.LightMemory)
	}
	return hashPassword(pw)
}

func hashPassword(pw string) string { return passhash.Hash(pw, passhash.Time, passhash.Memory) }

func checkPassword(encoded, pw string) bool { return passhash.Check(encoded, pw) }

// hashSlot waits for one of the slots argon2id hashing and checking may
// use at once: half the CPUs (at least one), so that a storm of sign-ups
// or sign-ins leaves the other half to everything else (S3 above all),
// and 19 MiB a hash stays bounded.
func (s *Service) hashSlot() (release func()) {
	s.hashOnce.Do(func() { s.hashSlots = make(chan struct{}, max(1, runtime.GOMAXPROCS(0)/2)) })
	s.hashSlots <- struct{}{}
	return func() { <-s.hashSlots }
}

// verifyPassword is checkPassword within a hashing slot.
func (s *Service) verifyPassword(encoded, pw string) bool {
	release := s.hashSlot()
	defer release()
	return checkPassword(encoded, pw)
}

// hashed is a password's argon2id hash and SRP verifier, computed for one
// user before the write transaction that stores them: hashing takes tens
// of milliseconds and must not hold the store's single writer.
type hashed struct {
	pool, userID, pw         string
	hash, salt, sealedVerify string
}

// prehash hashes pw for the user userID of pool, outside any transaction.
func (s *Service) prehash(pool, userID, pw string) *hashed {
	salt, v := srp.NewVerifier(srp.PoolName(pool), userID, pw)
	release := s.hashSlot()
	defer release()
	return &hashed{pool: pool, userID: userID, pw: pw, hash: hashPasswordCost(pw, s.LightHash), salt: salt.Text(16), sealedVerify: s.Key.Seal(verifierPurpose, v.Bytes())}
}

// setPassword stores the hash and the SRP verifier of a new password: h's,
// when it was made for this user and password (the rule), else computed
// here (a user renamed in between, say).
func (s *Service) setPassword(u *User, pw string, h *hashed) {
	if h == nil || h.pool != u.Pool || h.userID != u.Username || h.pw != pw {
		h = s.prehash(u.Pool, u.Username, pw)
	}
	u.PasswordHash, u.SRPSalt, u.SealedVerifier = h.hash, h.salt, h.sealedVerify
}

// userIDFor is the username a sign-in name resolves to, read before a
// write that will hash a password for it ("" if there is no such user).
func (s *Service) userIDFor(ctx context.Context, pool, name string) string {
	var id string
	s.view(ctx, func(tx store.RecordTx) error {
		p, err := s.poolTx(tx, pool)
		if err != nil {
			return nil
		}
		if u, err := s.findUser(tx, p, name); err == nil {
			id = u.Username
		}
		return nil
	})
	return id
}

func (s *Service) verifier(u *User) (*big.Int, *big.Int, error) {
	b, err := s.Key.Open(verifierPurpose, u.SealedVerifier)
	if err != nil {
		return nil, nil, err
	}
	salt, _ := new(big.Int).SetString(u.SRPSalt, 16)
	return salt, new(big.Int).SetBytes(b), nil
}

// checkPolicy enforces a pool's password policy with Cognito's messages.
func checkPolicy(p PasswordPolicy, pw string) error {
	fail := func(why string) error {
		return awserr.New(400, "InvalidPasswordException", "Password did not conform with policy: "+why)
	}
	if len([]rune(pw)) < p.MinimumLength {
		return fail("Password not long enough")
	}
	has := func(f func(rune) bool) bool {
		for _, r := range pw {
			if f(r) {
				return true
			}
		}
		return false
	}
	if p.RequireLowercase && !has(unicode.IsLower) {
		return fail("Password must have lowercase characters")
	}
	if p.RequireUppercase && !has(unicode.IsUpper) {
		return fail("Password must have uppercase characters")
	}
	if p.RequireNumbers && !has(unicode.IsDigit) {
		return fail("Password must have numeric characters")
	}
	if p.RequireSymbols && !has(func(r rune) bool { return strings.ContainsRune("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ", r) }) {
		return fail("Password must have symbol characters")
	}
	if len(pw) > 256 {
		return fail("Password is too long")
	}
	return nil
}

// generatePassword makes a temporary password that meets the policy.
func generatePassword(p PasswordPolicy) string {
	n := max(p.MinimumLength, 12)
	pw := randomString(n-4, "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
	return pw + "aA1!"
}

// AttributeType is a name/value pair as the API carries it.
type AttributeType struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// attrList renders attributes sorted, sub first.
func attrList(m map[string]string, only func(string) bool) []AttributeType {
	var names []string
	for k := range m {
		if only == nil || only(k) {
			names = append(names, k)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		if names[i] == "sub" || names[j] == "sub" {
			return names[i] == "sub"
		}
		return names[i] < names[j]
	})
	out := []AttributeType{}
	for _, n := range names {
		out = append(out, AttributeType{n, m[n]})
	}
	return out
}

var emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+$`)
var phoneRE = regexp.MustCompile(`^\+[0-9]{4,15}$`)

// checkAttributes validates attribute writes against the pool schema.
func checkAttributes(p Pool, attrs []AttributeType, creating bool) error {
	schema := map[string]SchemaAttribute{}
	for _, a := range p.SchemaAttributes {
		schema[a.Name] = a
	}
	for i, a := range attrs {
		sa, ok := schema[a.Name]
		if !ok {
			return errParam("Attribute does not exist in the schema.\n")
		}
		// Booleans are read as Cognito reads them, in any case
		// (email_verified "True" verifies), and kept as "true"/"false".
		if sa.AttributeDataType == "Boolean" && (strings.EqualFold(a.Value, "true") || strings.EqualFold(a.Value, "false")) {
			attrs[i].Value = strings.ToLower(a.Value)
		}
		if a.Name == "sub" {
			return errParam("Cannot modify the non-mutable attribute sub")
		}
		if !creating && sa.Mutable != nil && !*sa.Mutable {
			return errParam("Cannot modify the non-mutable attribute %s", a.Name)
		}
		if a.Name == "email" && !emailRE.MatchString(a.Value) {
			return errParam("Invalid email address format.")
		}
		if a.Name == "phone_number" && !phoneRE.MatchString(a.Value) {
			return errParam("Invalid phone number format.")
		}
		if len(a.Value) > 2048 {
			return errParam("Attribute value for %s must not be longer than 2048 characters", a.Name)
		}
	}
	return nil
}

func requiredMissing(p Pool, attrs map[string]string) []string {
	var out []string
	for _, a := range p.SchemaAttributes {
		if a.Required && a.Name != "sub" && attrs[a.Name] == "" {
			out = append(out, a.Name)
		}
	}
	return out
}

// findUser resolves a username or alias (email, phone, preferred_username)
// to the user record.
func (s *Service) findUser(tx store.RecordTx, p Pool, name string) (User, error) {
	u, err := store.GetJSON[User](tx, kindUser, userKey(p.Id, name))
	if err == nil {
		return u, nil
	}
	if !isNotFound(err) {
		return u, err
	}
	for _, attr := range []string{"email", "phone_number", "preferred_username"} {
		if !p.aliasIs(attr) {
			continue
		}
		b, err := tx.Get(kindAlias, aliasKey(p.Id, attr, name))
		if err == nil {
			return store.GetJSON[User](tx, kindUser, userKey(p.Id, string(b)))
		}
	}
	return User{}, errUserNotFound()
}

func aliasKey(pool, attr, value string) string {
	return pool + "/" + attr + "/" + strings.ToLower(value)
}

// saveUser writes a user and keeps its alias entries in step (an alias
// counts only once verified, except for username attributes). old is the
// user as it was, or nil for a new user.
func (s *Service) saveUser(tx store.RecordTx, p Pool, old *User, u User) error {
	for _, attr := range []string{"email", "phone_number", "preferred_username"} {
		if !p.aliasIs(attr) {
			continue
		}
		if old != nil && old.Attributes[attr] != "" {
			if err := tx.Delete(kindAlias, aliasKey(p.Id, attr, old.Attributes[attr])); err != nil {
				return err
			}
		}
		v := u.Attributes[attr]
		if v == "" {
			continue
		}
		verified := attr == "preferred_username" || p.usernameIs(attr) || u.Attributes[attr+"_verified"] == "true"
		if !verified {
			continue
		}
		owner, err := tx.Get(kindAlias, aliasKey(p.Id, attr, v))
		if err != nil && !isNotFound(err) {
			return err
		}
		if err == nil && string(owner) != strings.ToLower(u.Username) {
			if p.usernameIs(attr) {
				return awserr.New(400, "UsernameExistsException", "An account with the given "+attr+" already exists.")
			}
			return awserr.New(400, "AliasExistsException", "An account with the given "+attr+" already exists.")
		}
		if err := tx.Put(kindAlias, aliasKey(p.Id, attr, v), []byte(strings.ToLower(u.Username))); err != nil {
			return err
		}
	}
	u.Modified = s.now()
	if old == nil { // a new user (newUser checked the name is free)
		if err := s.countUsers(tx, p.Id, +1); err != nil {
			return err
		}
	}
	return store.PutJSON(tx, kindUser, userKey(p.Id, u.Username), u)
}

// countUsers adjusts a pool's user count, kept so that reading it does not
// grow with the number of users. A pool from before the count is counted
// once, here.
func (s *Service) countUsers(tx store.RecordTx, pool string, delta int) error {
	n, err := userCountTx(tx, pool)
	if err != nil {
		return err
	}
	return store.PutJSON(tx, kindUserCount, pool, max(0, n+delta))
}

// userCountTx reads a pool's user count; a pool from before the count
// (which its next user write then keeps) is counted by listing.
func userCountTx(tx store.RecordTx, pool string) (int, error) {
	n, err := store.GetJSON[int](tx, kindUserCount, pool)
	if !isNotFound(err) {
		return n, err
	}
	recs, err := tx.List(kindUser, pool+"/", "", 0)
	return len(recs), err
}

// UserType is a user as AdminGetUser, ListUsers and AdminCreateUser
// return it.
type UserType struct {
	Username             string          `json:"Username"`
	Attributes           []AttributeType `json:"Attributes,omitempty"`
	UserAttributes       []AttributeType `json:"UserAttributes,omitempty"`
	UserCreateDate       epoch           `json:"UserCreateDate"`
	UserLastModifiedDate epoch           `json:"UserLastModifiedDate"`
	Enabled              bool            `json:"Enabled"`
	UserStatus           string          `json:"UserStatus"`
}

// View renders a user for the admin API.
func (u User) View(attrsKey bool) UserType {
	t := UserType{Username: u.Username, UserCreateDate: epoch(u.Created), UserLastModifiedDate: epoch(u.Modified), Enabled: u.Enabled, UserStatus: u.Status}
	if attrsKey {
		t.Attributes = attrList(u.Attributes, nil)
	} else {
		t.UserAttributes = attrList(u.Attributes, nil)
	}
	return t
}

// CreateUserInput is an AdminCreateUser request.
type CreateUserInput struct {
	UserPoolId, Username, TemporaryPassword, MessageAction string
	UserAttributes                                         []AttributeType
	DesiredDeliveryMediums                                 []string
}

// AdminCreateUser creates a user who must choose a new password at first
// sign-in (FORCE_CHANGE_PASSWORD).
func (s *Service) AdminCreateUser(ctx context.Context, in CreateUserInput) (User, error) {
	// Read what the password is hashed for (the pool's policy, the user
	// id) and hash it before the write.
	p0, err := s.poolOnly(ctx, in.UserPoolId)
	if err != nil {
		return User{}, err
	}
	userID := in.Username
	if in.MessageAction == "RESEND" {
		userID = s.userIDFor(ctx, in.UserPoolId, in.Username)
	} else if len(p0.UsernameAttributes) > 0 {
		userID = newUUID()
	}
	if in.TemporaryPassword != "" && in.MessageAction != "RESEND" {
		if err := checkPolicy(p0.Policies.PasswordPolicy, in.TemporaryPassword); err != nil {
			return User{}, err
		}
	}
	temp := in.TemporaryPassword
	if temp == "" || in.MessageAction == "RESEND" {
		temp = generatePassword(p0.Policies.PasswordPolicy)
	}
	if in.MessageAction != "RESEND" {
		name := userID
		if name == "" {
			name = in.Username
		}
		if _, err := s.preSignUp(ctx, p0, "PreSignUp_AdminCreateUser", name, "", in.UserAttributes); err != nil {
			return User{}, err
		}
	}
	var h *hashed
	if userID != "" {
		h = s.prehash(in.UserPoolId, userID, temp)
	}
	var u User
	err = s.update(ctx, func(tx store.RecordTx) error {
		p, err := s.poolTx(tx, in.UserPoolId)
		if err != nil {
			return err
		}
		if in.MessageAction == "RESEND" {
			u, err = s.findUser(tx, p, in.Username)
			if err != nil {
				return err
			}
			if u.Status != "FORCE_CHANGE_PASSWORD" {
				return awserr.New(400, "UnsupportedUserStateException", "Resend not possible. "+in.Username+" status is not FORCE_CHANGE_PASSWORD.")
			}
			s.setPassword(&u, temp, h)
			u.TempExpires = s.now().Add(time.Duration(p.Policies.PasswordPolicy.TemporaryPasswordValidityDays) * 24 * time.Hour)
			return s.saveUser(tx, p, &u, u)
		}
		if in.MessageAction != "" && in.MessageAction != "SUPPRESS" {
			return errParam("1 validation error detected: Value '%s' at 'messageAction' failed to satisfy constraint: Member must satisfy enum value set: [RESEND, SUPPRESS]", in.MessageAction)
		}
		if err := checkAttributes(p, in.UserAttributes, true); err != nil {
			return err
		}
		u, err = s.newUser(tx, p, in.Username, userID, in.UserAttributes)
		if err != nil {
			return err
		}
		if in.TemporaryPassword != "" {
			if err := checkPolicy(p.Policies.PasswordPolicy, temp); err != nil {
				return err
			}
		}
		s.setPassword(&u, temp, h)
		u.Status = "FORCE_CHANGE_PASSWORD"
		u.TempExpires = s.now().Add(time.Duration(p.Policies.PasswordPolicy.TemporaryPasswordValidityDays) * 24 * time.Hour)
		return s.saveUser(tx, p, nil, u)
	})
	if err == nil && in.MessageAction != "SUPPRESS" && s.Outbox != nil {
		dest := u.Attributes["email"]
		if dest == "" {
			dest = u.Attributes["phone_number"]
		}
		m := Message{Time: s.now(), UserPoolId: in.UserPoolId, Username: u.Username, Destination: dest, Medium: "EMAIL", Purpose: "AdminCreateUser", Password: temp}
		if err := s.customWords(ctx, u, &m); err != nil {
			return u, err
		}
		if err := s.Outbox.Send(ctx, m); err != nil {
			if s.Log != nil {
				s.Log.Warn("cognito message not delivered", "pool", in.UserPoolId, "purpose", "AdminCreateUser", "err", err)
			}
			return u, awserr.New(400, "CodeDeliveryFailureException", "Unable to deliver the temporary password; the user was created: resend it with MessageAction RESEND.")
		}
	}
	return u, err
}

// newUser builds a user (not yet saved), checking the username against the
// pool's username attributes.
//
// For pools whose usernames are email or phone, id (made before the
// transaction, so that the password could be hashed for it) becomes the
// generated username; a fresh one is made if id is "".
func (s *Service) newUser(tx store.RecordTx, p Pool, name, id string, attrs []AttributeType) (User, error) {
	if name == "" || len(name) > 128 {
		return User{}, errParam("1 validation error detected: Value at 'username' failed to satisfy constraint: Member must have length between 1 and 128")
	}
	m := map[string]string{}
	for _, a := range attrs {
		m[a.Name] = a.Value
	}
	username := name
	if len(p.UsernameAttributes) > 0 {
		switch {
		case p.usernameIs("email") && emailRE.MatchString(name):
			m["email"] = name
		case p.usernameIs("phone_number") && phoneRE.MatchString(name):
			m["phone_number"] = name
		default:
			return User{}, errParam("Username should be either an email or a phone number.")
		}
		username = id
		if username == "" || username == name {
			username = newUUID()
		}
	}
	if _, err := s.findUser(tx, p, name); err == nil {
		return User{}, awserr.New(400, "UsernameExistsException", "User account already exists")
	}
	m["sub"] = username
	if len(p.UsernameAttributes) == 0 {
		m["sub"] = newUUID()
	}
	now := s.now()
	return User{Pool: p.Id, Username: username, Attributes: m, Enabled: true, Created: now, Modified: now}, nil
}

// AdminGetUser returns a user by username or alias.
func (s *Service) AdminGetUser(ctx context.Context, pool, name string) (User, error) {
	var u User
	err := s.view(ctx, func(tx store.RecordTx) error {
		p, err := s.poolTx(tx, pool)
		if err != nil {
			return err
		}
		u, err = s.findUser(tx, p, name)
		return err
	})
	return u, err
}

// modifyUser applies fn to a user found by name or alias.
func (s *Service) modifyUser(ctx context.Context, pool, name string, fn func(p Pool, u *User) error) error {
	return s.updateUser(ctx, func(tx store.RecordTx) (Pool, User, error) {
		p, err := s.poolTx(tx, pool)
		if err != nil {
			return p, User{}, err
		}
		u, err := s.findUser(tx, p, name)
		return p, u, err
	}, fn)
}

func (s *Service) deleteUserTx(tx store.RecordTx, p Pool, u User) error {
	for _, attr := range []string{"email", "phone_number", "preferred_username"} {
		if v := u.Attributes[attr]; v != "" {
			owner, err := tx.Get(kindAlias, aliasKey(p.Id, attr, v))
			if err != nil && !isNotFound(err) {
				return err
			}
			if err == nil && string(owner) == strings.ToLower(u.Username) {
				if err := tx.Delete(kindAlias, aliasKey(p.Id, attr, v)); err != nil {
					return err
				}
			}
		}
	}
	if err := s.revokeAllTx(tx, p.Id, u.Username); err != nil {
		return err
	}
	if err := deletePasskeysTx(tx, p.Id, u.Username); err != nil {
		return err
	}
	if err := deleteDevicesTx(tx, p.Id, u.Username); err != nil {
		return err
	}
	if err := tx.Delete(kindUser, userKey(p.Id, u.Username)); err != nil {
		return err
	}
	return s.countUsers(tx, p.Id, -1)
}

// AdminDeleteUser deletes a user.
func (s *Service) AdminDeleteUser(ctx context.Context, pool, name string) error {
	return s.modifyUser(ctx, pool, name, func(_ Pool, u *User) error { u.Username = ""; return nil })
}

// AdminSetEnabled enables or disables a user; a disabled user's refresh
// tokens die at once.
func (s *Service) AdminSetEnabled(ctx context.Context, pool, name string, enabled bool) error {
	return s.modifyUser(ctx, pool, name, func(_ Pool, u *User) error {
		u.Enabled = enabled
		if !enabled {
			u.TokensValidAfter = s.now()
		}
		return nil
	})
}

// AdminSetUserPassword sets a password, permanent (CONFIRMED) or temporary
// (FORCE_CHANGE_PASSWORD).
func (s *Service) AdminSetUserPassword(ctx context.Context, pool, name, pw string, permanent bool) error {
	var h *hashed
	if id := s.userIDFor(ctx, pool, name); id != "" {
		h = s.prehash(pool, id, pw)
	}
	return s.modifyUser(ctx, pool, name, func(p Pool, u *User) error {
		if err := checkPolicy(p.Policies.PasswordPolicy, pw); err != nil {
			return err
		}
		s.setPassword(u, pw, h)
		u.Failed, u.LockedUntil = 0, time.Time{}
		if permanent {
			u.Status, u.TempExpires = "CONFIRMED", time.Time{}
		} else {
			u.Status = "FORCE_CHANGE_PASSWORD"
			u.TempExpires = s.now().Add(time.Duration(p.Policies.PasswordPolicy.TemporaryPasswordValidityDays) * 24 * time.Hour)
		}
		return nil
	})
}

// AdminUpdateUserAttributes sets attributes; changing email or phone
// clears its verification unless the pool auto-verifies... (admin updates
// keep *_verified as given).
func (s *Service) AdminUpdateUserAttributes(ctx context.Context, pool, name string, attrs []AttributeType) error {
	return s.modifyUser(ctx, pool, name, func(p Pool, u *User) error {
		if err := checkAttributes(p, attrs, false); err != nil {
			return err
		}
		for _, a := range attrs {
			if (a.Name == "email" || a.Name == "phone_number") && u.Attributes[a.Name] != a.Value {
				if _, given := findAttr(attrs, a.Name+"_verified"); !given {
					u.Attributes[a.Name+"_verified"] = "false"
				}
			}
			u.Attributes[a.Name] = a.Value
		}
		return nil
	})
}

func findAttr(attrs []AttributeType, name string) (string, bool) {
	for _, a := range attrs {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// AdminDeleteUserAttributes removes attributes.
func (s *Service) AdminDeleteUserAttributes(ctx context.Context, pool, name string, names []string) error {
	return s.modifyUser(ctx, pool, name, func(p Pool, u *User) error {
		for _, n := range names {
			if n == "sub" {
				return errParam("Cannot modify the non-mutable attribute sub")
			}
			delete(u.Attributes, n)
		}
		return nil
	})
}

// AdminConfirmSignUp confirms an unconfirmed user.
func (s *Service) AdminConfirmSignUp(ctx context.Context, pool, name string) error {
	var confirmed User
	var p Pool
	err := s.modifyUser(ctx, pool, name, func(pl Pool, u *User) error {
		if u.Status != "UNCONFIRMED" {
			return errNotAuthorized("User cannot be confirmed. Current status is " + u.Status)
		}
		u.Status = "CONFIRMED"
		confirmed, p = *u, pl
		return nil
	})
	if err != nil {
		return err
	}
	return s.postConfirmation(ctx, p, "PostConfirmation_ConfirmSignUp", "", confirmed)
}

// AdminResetUserPassword requires a reset at next sign-in and sends a code.
func (s *Service) AdminResetUserPassword(ctx context.Context, pool, name string) error {
	var u User
	var code string
	err := s.modifyUser(ctx, pool, name, func(_ Pool, usr *User) error {
		if err := resettable(usr); err != nil {
			return err
		}
		usr.Status = "RESET_REQUIRED"
		code = s.newCode(usr, "reset")
		u = *usr
		return nil
	})
	if err == nil {
		_, err = s.sendCode(ctx, u, "ForgotPassword", code)
	}
	return err
}

// resettable refuses a password reset as Cognito does: not for a disabled
// user, nor for one who never set a password of their own (invited and
// still on the temporary one), nor when no verified email or phone could
// take the code.
func resettable(usr *User) error {
	switch {
	case !usr.Enabled:
		return errNotAuthorized("User is disabled.")
	case usr.Status == "FORCE_CHANGE_PASSWORD":
		return errNotAuthorized("User password cannot be reset in the current state.")
	case usr.Attributes["email_verified"] != "true" && usr.Attributes["phone_number_verified"] != "true" && usr.Status != "RESET_REQUIRED":
		return errParam("Cannot reset password for the user as there is no registered/verified email or phone_number")
	}
	return nil
}

// ListUsers lists a pool's users, filtered by a Cognito filter expression
// (`attr = "v"` or `attr ^= "v"`).
func (s *Service) ListUsers(ctx context.Context, pool, filter string, limit int, token string) ([]User, string, error) {
	attr, op, val, err := parseFilter(filter)
	if err != nil {
		return nil, "", err
	}
	if limit <= 0 || limit > 60 {
		limit = 60
	}
	var out []User
	next := ""
	err = s.view(ctx, func(tx store.RecordTx) error {
		if _, err := s.poolTx(tx, pool); err != nil {
			return err
		}
		recs, err := tx.List(kindUser, pool+"/", token, 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			u, err := store.GetJSON[User](tx, kindUser, r.ID)
			if err != nil {
				return err
			}
			if attr != "" {
				v := u.Attributes[attr]
				switch attr {
				case "username":
					v = u.Username
				case "status":
					v = map[bool]string{true: "Enabled", false: "Disabled"}[u.Enabled]
				case "cognito:user_status":
					v = u.Status
				}
				if op == "=" && v != val || op == "^=" && !strings.HasPrefix(v, val) {
					continue
				}
			}
			if len(out) == limit {
				next = out[len(out)-1].Pool + "/" + strings.ToLower(out[len(out)-1].Username)
				break
			}
			out = append(out, u)
		}
		return nil
	})
	return out, next, err
}

var filterRE = regexp.MustCompile(`^\s*"?([\w:]+)"?\s*(\^?=)\s*"((?:[^"\\]|\\.)*)"\s*$`)

func parseFilter(f string) (attr, op, val string, err error) {
	if strings.TrimSpace(f) == "" {
		return "", "", "", nil
	}
	m := filterRE.FindStringSubmatch(f)
	if m == nil {
		return "", "", "", errParam("Error while parsing filter.")
	}
	switch m[1] {
	case "username", "email", "phone_number", "name", "given_name", "family_name", "preferred_username", "cognito:user_status", "status", "sub":
	default:
		return "", "", "", errParam("Invalid search attribute: %s", m[1])
	}
	return m[1], m[2], strings.ReplaceAll(m[3], `\"`, `"`), nil
}
