package userpool

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base32"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/totp"
)

// kindPoolMFA holds each pool's MFA factors (GetUserPoolMfaConfig); the
// mode itself (OFF, ON, OPTIONAL) is the pool's MfaConfiguration.
const kindPoolMFA = "cognito.poolmfa"

// MFAConfig is SetUserPoolMfaConfig's request and GetUserPoolMfaConfig's
// answer.
type MFAConfig struct {
	SmsMfaConfiguration           *SmsMfaConfig   `json:"SmsMfaConfiguration,omitempty"`
	SoftwareTokenMfaConfiguration *TOTPConfig     `json:"SoftwareTokenMfaConfiguration,omitempty"`
	EmailMfaConfiguration         *EmailMfaConfig `json:"EmailMfaConfiguration,omitempty"`
	MfaConfiguration              string          `json:"MfaConfiguration,omitempty"`
	WebAuthnConfiguration         *WebAuthnConfig `json:"WebAuthnConfiguration,omitempty"`
}

// SmsMfaConfig is SmsMfaConfigType.
type SmsMfaConfig struct {
	SmsAuthenticationMessage string         `json:"SmsAuthenticationMessage,omitempty"`
	SmsConfiguration         map[string]any `json:"SmsConfiguration,omitempty"`
}

// TOTPConfig is SoftwareTokenMfaConfigType.
type TOTPConfig struct {
	Enabled bool `json:"Enabled"`
}

// EmailMfaConfig is EmailMfaConfigType.
type EmailMfaConfig struct {
	Message string `json:"Message,omitempty"`
	Subject string `json:"Subject,omitempty"`
}

// WebAuthnConfig is WebAuthnConfigurationType.
type WebAuthnConfig struct {
	RelyingPartyId      string `json:"RelyingPartyId,omitempty"`
	UserVerification    string `json:"UserVerification,omitempty"`
	FactorConfiguration string `json:"FactorConfiguration,omitempty"`
}

// The MFA factors, as challenge names and UserMFASettingList entries.
const (
	mfaSMS   = "SMS_MFA"
	mfaTOTP  = "SOFTWARE_TOKEN_MFA"
	mfaEmail = "EMAIL_OTP"
)

// enabled lists the factors the pool offers, in Cognito's order.
func (c MFAConfig) enabled() []string {
	var out []string
	if c.SmsMfaConfiguration != nil {
		out = append(out, mfaSMS)
	}
	if c.SoftwareTokenMfaConfiguration != nil && c.SoftwareTokenMfaConfiguration.Enabled {
		out = append(out, mfaTOTP)
	}
	if c.EmailMfaConfiguration != nil {
		out = append(out, mfaEmail)
	}
	return out
}

// mfaConfig reads a pool's MFA factors.
func (s *Service) mfaConfig(ctx context.Context, pool string) (MFAConfig, error) {
	var c MFAConfig
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		c, err = s.mfaConfigTx(tx, pool)
		return err
	})
	return c, err
}

func (s *Service) mfaConfigTx(tx store.RecordTx, pool string) (MFAConfig, error) {
	c, err := store.GetJSON[MFAConfig](tx, kindPoolMFA, pool)
	if isNotFound(err) {
		return MFAConfig{}, nil
	}
	return c, err
}

// GetMFAConfig is GetUserPoolMfaConfig.
func (s *Service) GetMFAConfig(ctx context.Context, pool string) (MFAConfig, error) {
	var c MFAConfig
	err := s.view(ctx, func(tx store.RecordTx) error {
		p, err := s.poolTx(tx, pool)
		if err != nil {
			return err
		}
		if c, err = s.mfaConfigTx(tx, pool); err != nil {
			return err
		}
		c.MfaConfiguration = p.MfaConfiguration
		return nil
	})
	if c.WebAuthnConfiguration == nil {
		c.WebAuthnConfiguration = &WebAuthnConfig{}
	}
	if c.WebAuthnConfiguration.UserVerification == "" {
		c.WebAuthnConfiguration.UserVerification = "preferred"
	}
	return c, err
}

// SetMFAConfig is SetUserPoolMfaConfig: the factors given replace the
// pool's (a factor left out is turned off), except WebAuthn, which is
// kept when left out.
func (s *Service) SetMFAConfig(ctx context.Context, pool string, in MFAConfig) (MFAConfig, error) {
	switch in.MfaConfiguration {
	case "", "OFF", "ON", "OPTIONAL":
	default:
		return MFAConfig{}, errParam("1 validation error detected: Value '%s' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]", in.MfaConfiguration)
	}
	if w := in.WebAuthnConfiguration; w != nil {
		switch w.UserVerification {
		case "", "preferred", "required":
		default:
			return MFAConfig{}, errParam("1 validation error detected: Value '%s' at 'webAuthnConfiguration.userVerification' failed to satisfy constraint: Member must satisfy enum value set: [required, preferred]", w.UserVerification)
		}
		if w.RelyingPartyId != "" && (len(w.RelyingPartyId) > 127 || strings.ContainsAny(w.RelyingPartyId, "/: ")) {
			return MFAConfig{}, errParam("Invalid relying party ID %s", w.RelyingPartyId)
		}
	}
	if e := in.EmailMfaConfiguration; e != nil && e.Message != "" && !strings.Contains(e.Message, "{####}") {
		return MFAConfig{}, errParam("Invalid email MFA message. It must contain the {####} placeholder.")
	}
	if m := in.SmsMfaConfiguration; m != nil && m.SmsAuthenticationMessage != "" && !strings.Contains(m.SmsAuthenticationMessage, "{####}") {
		return MFAConfig{}, errParam("Invalid SMS authentication message. It must contain the {####} placeholder.")
	}
	var out MFAConfig
	err := s.update(ctx, func(tx store.RecordTx) error {
		p, err := s.poolTx(tx, pool)
		if err != nil {
			return err
		}
		old, err := s.mfaConfigTx(tx, pool)
		if err != nil {
			return err
		}
		mode := in.MfaConfiguration
		if mode == "" {
			mode = p.MfaConfiguration
		}
		factors := in.enabled()
		if mode == "OFF" && len(factors) > 0 {
			return errParam("Invalid MFA configuration given, can't turn off MFA and configure an MFA together.")
		}
		if mode != "OFF" && len(factors) == 0 {
			return errParam("Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.")
		}
		if mode == "ON" && p.Policies.SignInPolicy != nil && passwordless(p.Policies.SignInPolicy.AllowedFirstAuthFactors) {
			return errParam("MFA cannot be required when passwordless sign-in factors are allowed.")
		}
		cfg := MFAConfig{SmsMfaConfiguration: in.SmsMfaConfiguration, EmailMfaConfiguration: in.EmailMfaConfiguration,
			WebAuthnConfiguration: old.WebAuthnConfiguration}
		if in.SoftwareTokenMfaConfiguration != nil && in.SoftwareTokenMfaConfiguration.Enabled {
			cfg.SoftwareTokenMfaConfiguration = in.SoftwareTokenMfaConfiguration
		}
		if in.WebAuthnConfiguration != nil {
			cfg.WebAuthnConfiguration = in.WebAuthnConfiguration
		}
		if err := store.PutJSON(tx, kindPoolMFA, pool, cfg); err != nil {
			return err
		}
		if p.MfaConfiguration != mode {
			p.MfaConfiguration = mode
			p.LastModifiedDate = epoch(s.now())
			if err := store.PutJSON(tx, kindPool, pool, p); err != nil {
				return err
			}
		}
		out = cfg
		out.MfaConfiguration = mode
		return nil
	})
	if err == nil {
		w := WebAuthnConfig{UserVerification: "preferred"}
		if out.WebAuthnConfiguration != nil {
			w = *out.WebAuthnConfiguration
			if w.UserVerification == "" {
				w.UserVerification = "preferred"
			}
		}
		out.WebAuthnConfiguration = &w
	}
	return out, err
}

// passwordless reports first factors other than a password.
func passwordless(factors []string) bool {
	for _, f := range factors {
		if f != "PASSWORD" {
			return true
		}
	}
	return false
}

// UserMFA is a user's second factors.
type UserMFA struct {
	// TOTPSecret is the verified authenticator secret, sealed;
	// TOTPPending one associated but not yet verified.
	TOTPSecret    string `json:",omitempty"`
	TOTPPending   string `json:",omitempty"`
	PendingFailed int    `json:",omitempty"`
	TOTPName      string `json:",omitempty"`
	// TOTPLast is the last time step a code was accepted for: a code is
	// good once.
	TOTPLast  int64    `json:",omitempty"`
	Enabled   []string `json:",omitempty"`
	Preferred string   `json:",omitempty"`
}

const totpPurpose = "sekisho cognito totp secret"

// MFASettings are what GetUser and AdminGetUser report.
func (u User) MFASettings() (list []string, preferred string) {
	if u.MFA == nil {
		return nil, ""
	}
	return slices.Clone(u.MFA.Enabled), u.MFA.Preferred
}

// MFAPreference is one factor's setting in SetUserMFAPreference.
type MFAPreference struct {
	Enabled      bool `json:"Enabled"`
	PreferredMfa bool `json:"PreferredMfa"`
}

// MFAPreferences is SetUserMFAPreference's request.
type MFAPreferences struct {
	SMSMfaSettings           *MFAPreference
	SoftwareTokenMfaSettings *MFAPreference
	EmailMfaSettings         *MFAPreference
	WebAuthnMfaSettings      *MFAPreference
}

// SetMFAPreference is SetUserMFAPreference with an access token.
func (s *Service) SetMFAPreference(ctx context.Context, accessToken string, in MFAPreferences) error {
	p, u, err := s.AccessClaims(ctx, accessToken)
	if err != nil {
		return err
	}
	return s.setMFAPreference(ctx, p.Id, u.Username, u.Attributes["sub"], in)
}

// AdminSetMFAPreference is AdminSetUserMFAPreference.
func (s *Service) AdminSetMFAPreference(ctx context.Context, pool, username string, in MFAPreferences) error {
	return s.setMFAPreference(ctx, pool, username, "", in)
}

func (s *Service) setMFAPreference(ctx context.Context, pool, username, sub string, in MFAPreferences) error {
	return s.modifyUser(ctx, pool, username, func(p Pool, u *User) error {
		if sub != "" && !subEqual(u.Attributes["sub"], sub) {
			return errNotAuthorized("Access Token has been revoked")
		}
		m := UserMFA{}
		if u.MFA != nil {
			m = *u.MFA
		}
		preferred := 0
		set := func(factor string, pref *MFAPreference, ok bool) error {
			if pref == nil {
				return nil
			}
			has := slices.Contains(m.Enabled, factor)
			if pref.Enabled && !ok {
				if factor == mfaTOTP {
					return errParam("User has not verified software token mfa")
				}
				return errParam("User does not have delivery config set to turn on %s", factor)
			}
			if pref.PreferredMfa && !pref.Enabled {
				return errParam("Cannot set %s as preferred MFA without enabling it.", factor)
			}
			switch {
			case pref.Enabled && !has:
				m.Enabled = append(m.Enabled, factor)
			case !pref.Enabled && has:
				m.Enabled = slices.DeleteFunc(m.Enabled, func(f string) bool { return f == factor })
			}
			if pref.PreferredMfa {
				preferred++
				m.Preferred = factor
			} else if m.Preferred == factor {
				m.Preferred = ""
			}
			return nil
		}
		if err := set(mfaSMS, in.SMSMfaSettings, u.Attributes["phone_number"] != ""); err != nil {
			return err
		}
		if err := set(mfaTOTP, in.SoftwareTokenMfaSettings, m.TOTPSecret != ""); err != nil {
			return err
		}
		if err := set(mfaEmail, in.EmailMfaSettings, u.Attributes["email"] != ""); err != nil {
			return err
		}
		if preferred > 1 {
			return errParam("Only one MFA method can be set as preferred.")
		}
		order := map[string]int{mfaSMS: 0, mfaTOTP: 1, mfaEmail: 2}
		slices.SortFunc(m.Enabled, func(a, b string) int { return order[a] - order[b] })
		u.MFA = &m
		return nil
	})
}

// SetUserSettings is the legacy (Admin)SetUserSettings: an SMS entry in
// MFAOptions turns SMS MFA on, an empty list turns it off.
func (s *Service) SetUserSettings(ctx context.Context, pool, username string, options []map[string]string) error {
	on := false
	for _, o := range options {
		if o["DeliveryMedium"] != "SMS" || o["AttributeName"] != "phone_number" {
			return errParam("Only phone_number attribute with SMS delivery medium is supported for MFA options.")
		}
		on = true
	}
	return s.setMFAPreference(ctx, pool, username, "", MFAPreferences{SMSMfaSettings: &MFAPreference{Enabled: on}})
}

// --- TOTP (internal/totp: RFC 6238, HMAC-SHA1, 6 digits, 30-second steps) ---

const totpStep = totp.Step

func totpCode(secret []byte, step int64) string { return totp.Code(secret, step) }

func totpMatch(secret []byte, code string, now time.Time) int64 { return totp.Match(secret, code, now) }

// validTOTPCode reports a well-formed six-digit code.
func validTOTPCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	for _, c := range code {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// AssociateOutput is AssociateSoftwareToken's result.
type AssociateOutput struct {
	SecretCode string `json:"SecretCode"`
	Session    string `json:"Session,omitempty"`
}

// AssociateSoftwareToken makes a new authenticator secret for the user of
// an access token, or of an MFA_SETUP session.
func (s *Service) AssociateSoftwareToken(ctx context.Context, accessToken, sess string) (*AssociateOutput, error) {
	raw := make([]byte, 32)
	rand.Read(raw)
	sealed := s.Key.Seal(totpPurpose, raw)
	out := &AssociateOutput{SecretCode: b32.EncodeToString(raw)}
	switch {
	case accessToken != "":
		p, u, err := s.AccessClaims(ctx, accessToken)
		if err != nil {
			return nil, err
		}
		err = s.modifyUser(ctx, p.Id, u.Username, func(_ Pool, usr *User) error {
			if !subEqual(usr.Attributes["sub"], u.Attributes["sub"]) {
				return errNotAuthorized("Access Token has been revoked")
			}
			usr.mfa().TOTPPending, usr.MFA.PendingFailed = sealed, 0
			return nil
		})
		return out, err
	case sess != "":
		st, err := s.openSession(sess)
		if err != nil {
			return nil, err
		}
		if st.Kind != "MFA_SETUP" {
			return nil, errNotAuthorized("Invalid session for the user.")
		}
		err = s.modifyUser(ctx, st.Pool, st.Username, func(_ Pool, usr *User) error {
			if !subEqual(usr.Attributes["sub"], st.Sub) {
				return errNotAuthorized("Invalid session for the user.")
			}
			usr.mfa().TOTPPending, usr.MFA.PendingFailed = sealed, 0
			return nil
		})
		if err != nil {
			return nil, err
		}
		st.Setup = "associated"
		out.Session = s.sealSession(st)
		return out, nil
	}
	return nil, errParam("Either AccessToken or Session must be provided.")
}

func (u *User) mfa() *UserMFA {
	if u.MFA == nil {
		u.MFA = &UserMFA{}
	}
	return u.MFA
}

// VerifyOutput is VerifySoftwareToken's result.
type VerifyOutput struct {
	Status  string `json:"Status"`
	Session string `json:"Session,omitempty"`
}

// maxPendingTOTPFailures is how many wrong codes an associated secret
// survives before it must be associated again.
const maxPendingTOTPFailures = 5

// VerifySoftwareToken checks a code from the associated authenticator and
// makes it the user's. From an MFA_SETUP session it also turns TOTP MFA on,
// preferred, and answers a session for the MFA_SETUP response.
func (s *Service) VerifySoftwareToken(ctx context.Context, accessToken, sess, code, name string) (*VerifyOutput, error) {
	if !validTOTPCode(code) {
		return nil, errParam("1 validation error detected: Value '%s' at 'userCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+", code)
	}
	var pool, username, sub string
	var st session
	switch {
	case accessToken != "":
		p, u, err := s.AccessClaims(ctx, accessToken)
		if err != nil {
			return nil, err
		}
		pool, username, sub = p.Id, u.Username, u.Attributes["sub"]
	case sess != "":
		var err error
		if st, err = s.peekSession(sess); err != nil {
			return nil, err
		}
		if st.Kind != "MFA_SETUP" || st.Setup != "associated" {
			return nil, errNotAuthorized("Invalid session for the user.")
		}
		pool, username, sub = st.Pool, st.Username, st.Sub
	default:
		return nil, errParam("Either AccessToken or Session must be provided.")
	}
	err := s.modifyUser(ctx, pool, username, func(_ Pool, u *User) error {
		if !subEqual(u.Attributes["sub"], sub) {
			return errNotAuthorized("Invalid session for the user.")
		}
		m := u.mfa()
		if m.TOTPPending == "" {
			return awserr.New(400, "SoftwareTokenMFANotFoundException", "Software Token MFA not found for the user.")
		}
		secret, err := s.Key.Open(totpPurpose, m.TOTPPending)
		if err != nil {
			return err
		}
		step := totpMatch(secret, code, s.now())
		if step == 0 {
			m.PendingFailed++
			if m.PendingFailed >= maxPendingTOTPFailures {
				m.TOTPPending, m.PendingFailed = "", 0
			}
			return &keepError{awserr.New(400, "EnableSoftwareTokenMFAException", "Code mismatch and fail enable Software Token MFA")}
		}
		m.TOTPSecret, m.TOTPPending, m.PendingFailed, m.TOTPLast = m.TOTPPending, "", 0, step
		m.TOTPName = name
		if st.Kind == "MFA_SETUP" {
			if !slices.Contains(m.Enabled, mfaTOTP) {
				m.Enabled = append(m.Enabled, mfaTOTP)
			}
			m.Preferred = mfaTOTP
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := &VerifyOutput{Status: "SUCCESS"}
	if st.Kind == "MFA_SETUP" {
		if err := s.spendSession(st); err != nil {
			return nil, err
		}
		st.Setup = "verified"
		out.Session = s.sealSession(st)
	}
	return out, nil
}

// --- the second step of a sign-in ---

// signInOpts are what a first factor passes on to the second.
type signInOpts struct {
	// device is the DEVICE_KEY the client named; deviceProven that the
	// device answered DEVICE_PASSWORD_VERIFIER (MFA is then skipped).
	device       string
	deviceProven bool
	// passwordless: the first factor was a passkey or a one-time code,
	// after which Cognito asks for no MFA.
	passwordless bool
	// login: the sign-in is the managed login pages', which end in a
	// login session, not tokens.
	login bool
	// tokenSource is PreTokenGeneration's triggerSource for the tokens
	// this sign-in ends with.
	tokenSource string
}

// secondFactor answers the MFA challenge a user who passed the first
// factor owes, or their tokens.
func (s *Service) secondFactor(ctx context.Context, p Pool, c Client, u User, opt signInOpts) (*AuthOutput, error) {
	if !opt.login && !opt.deviceProven && s.rememberedDevice(ctx, p, u, opt.device) {
		// A remembered device proves itself instead of a second factor.
		st := s.challengeSession(p, c, u, "DEVICE_SRP_AUTH", opt)
		return &AuthOutput{ChallengeName: "DEVICE_SRP_AUTH", Session: s.sealSession(st), ChallengeParameters: map[string]string{"USERNAME": u.Username}}, nil
	}
	if p.MfaConfiguration == "ON" || p.MfaConfiguration == "OPTIONAL" {
		if !opt.passwordless && !opt.deviceProven {
			cfg, err := s.mfaConfig(ctx, p.Id)
			if err != nil {
				return nil, err
			}
			out, err := s.mfaChallenge(ctx, p, c, u, cfg, opt)
			if out != nil || err != nil {
				return out, err
			}
		}
	}
	return s.signedIn(ctx, p, c, u, opt)
}

// usable lists the user's factors the pool still offers and the user can
// still receive.
func usable(cfg MFAConfig, u User) []string {
	var out []string
	if u.MFA == nil {
		return nil
	}
	for _, f := range cfg.enabled() {
		if !slices.Contains(u.MFA.Enabled, f) {
			continue
		}
		switch {
		case f == mfaSMS && u.Attributes["phone_number"] == "",
			f == mfaEmail && u.Attributes["email"] == "",
			f == mfaTOTP && u.MFA.TOTPSecret == "":
			continue
		}
		out = append(out, f)
	}
	return out
}

// mfaChallenge is the challenge a user owes, or nil for none.
func (s *Service) mfaChallenge(ctx context.Context, p Pool, c Client, u User, cfg MFAConfig, opt signInOpts) (*AuthOutput, error) {
	factors := usable(cfg, u)
	pick := ""
	switch {
	case len(factors) == 0 && p.MfaConfiguration != "ON":
		return nil, nil
	case len(factors) == 0:
		// MFA is required and the user has none: a phone or an address
		// the pool can send codes to serves, else the user sets one up.
		switch {
		case cfg.SmsMfaConfiguration != nil && u.Attributes["phone_number"] != "" && u.Attributes["phone_number_verified"] == "true":
			pick = mfaSMS
		case cfg.EmailMfaConfiguration != nil && u.Attributes["email"] != "" && u.Attributes["email_verified"] == "true":
			pick = mfaEmail
		default:
			var can []string
			for _, f := range cfg.enabled() {
				if f != mfaEmail {
					can = append(can, f)
				}
			}
			if cfg.EmailMfaConfiguration != nil {
				can = append(can, mfaEmail)
			}
			list, _ := json.Marshal(can)
			st := s.challengeSession(p, c, u, "MFA_SETUP", opt)
			return &AuthOutput{ChallengeName: "MFA_SETUP", Session: s.sealSession(st), ChallengeParameters: map[string]string{
				"MFAS_CAN_SETUP": string(list), "USER_ID_FOR_SRP": u.Username}}, nil
		}
	case len(factors) == 1:
		pick = factors[0]
	case slices.Contains(factors, u.MFA.Preferred):
		pick = u.MFA.Preferred
	default:
		list, _ := json.Marshal(factors)
		st := s.challengeSession(p, c, u, "SELECT_MFA_TYPE", opt)
		return &AuthOutput{ChallengeName: "SELECT_MFA_TYPE", Session: s.sealSession(st), ChallengeParameters: map[string]string{
			"MFAS_CAN_CHOOSE": string(list), "USER_ID_FOR_SRP": u.Username}}, nil
	}
	return s.sendMFA(ctx, p, c, u, cfg, pick, opt)
}

// challengeSession is the session of a challenge to user u, valid for the
// client's AuthSessionValidity (3 minutes by default).
func (s *Service) challengeSession(p Pool, c Client, u User, kind string, opt signInOpts) session {
	validity := time.Duration(c.AuthSessionValidity) * time.Minute
	if validity <= 0 {
		validity = 3 * time.Minute
	}
	return session{Pool: p.Id, Client: c.ClientId, Username: u.Username, Sub: u.Attributes["sub"], Kind: kind,
		Device: opt.device, Login: opt.login, Expires: s.now().Add(validity)}
}

// sendMFA starts the challenge of one factor: for SMS and email, a code
// is made and sent, and the session carries its hash.
func (s *Service) sendMFA(ctx context.Context, p Pool, c Client, u User, cfg MFAConfig, factor string, opt signInOpts) (*AuthOutput, error) {
	st := s.challengeSession(p, c, u, factor, opt)
	params := map[string]string{"USER_ID_FOR_SRP": u.Username}
	switch factor {
	case mfaTOTP:
		if u.MFA.TOTPName != "" {
			params["FRIENDLY_DEVICE_NAME"] = u.MFA.TOTPName
		}
	case mfaSMS, mfaEmail:
		d, hash, err := s.sendSignInCode(ctx, p, u, cfg, factor, "MFA")
		if err != nil {
			return nil, err
		}
		st.Code = hash
		params["CODE_DELIVERY_DELIVERY_MEDIUM"], params["CODE_DELIVERY_DESTINATION"] = d.DeliveryMedium, d.Destination
	}
	return &AuthOutput{ChallengeName: factor, Session: s.sealSession(st), ChallengeParameters: params}, nil
}

// sendSignInCode sends a sign-in code by SMS (SMS_MFA, SMS_OTP) or email
// (EMAIL_OTP) with the pool's message, and returns its hash.
func (s *Service) sendSignInCode(ctx context.Context, p Pool, u User, cfg MFAConfig, factor, purpose string) (*CodeDelivery, string, error) {
	code := randomString(6, "0123456789")
	if factor == "SMS_OTP" {
		factor = mfaSMS
	}
	if factor == "EMAIL_OTP" && purpose == "SignIn" {
		code = randomString(8, "0123456789")
	}
	m := Message{Time: s.now(), UserPoolId: p.Id, Username: u.Username, Purpose: purpose, Code: code}
	var d CodeDelivery
	switch factor {
	case mfaSMS:
		m.Medium, m.Destination = "SMS", u.Attributes["phone_number"]
		d = CodeDelivery{Destination: mask(m.Destination), DeliveryMedium: "SMS", AttributeName: "phone_number"}
		msg := "Your authentication code is {####}. "
		if cfg.SmsMfaConfiguration != nil && cfg.SmsMfaConfiguration.SmsAuthenticationMessage != "" {
			msg = cfg.SmsMfaConfiguration.SmsAuthenticationMessage
		}
		m.Body = strings.ReplaceAll(msg, "{####}", code)
	default:
		m.Medium, m.Destination = "EMAIL", u.Attributes["email"]
		d = CodeDelivery{Destination: mask(m.Destination), DeliveryMedium: "EMAIL", AttributeName: "email"}
		subject, msg := "Your sign-in code", "Your authentication code is {####}."
		if e := cfg.EmailMfaConfiguration; e != nil {
			if e.Subject != "" {
				subject = e.Subject
			}
			if e.Message != "" {
				msg = e.Message
			}
		}
		m.Subject, m.Body = subject, strings.ReplaceAll(msg, "{####}", code)
	}
	if m.Destination == "" {
		return nil, "", errParam("User does not have delivery config set to turn on %s", factor)
	}
	if err := s.customWords(ctx, u, &m); err != nil {
		return nil, "", err
	}
	if s.Outbox != nil {
		if err := s.Outbox.Send(ctx, m); err != nil {
			if s.Log != nil {
				s.Log.Warn("cognito sign-in code not delivered", "pool", p.Id, "medium", m.Medium, "err", err)
			}
			return nil, "", awserr.New(400, "CodeDeliveryFailureException", "Unable to deliver the authentication code; please try again.")
		}
	}
	return &d, hashCode(code), nil
}

// maxChallengeAnswers is how many wrong answers one challenge session
// takes; the next answer, right or not, finds the session spent.
const maxChallengeAnswers = 3

// answerMFA checks the code of an SMS_MFA, EMAIL_OTP or SOFTWARE_TOKEN_MFA
// challenge (and of the SMS_OTP and EMAIL_OTP first factors). A wrong code
// counts toward the user's lockout and the session's answers.
func (s *Service) answerMFA(ctx context.Context, p Pool, c Client, name, sess string, r map[string]string, login bool) (*AuthOutput, error) {
	st, err := s.peekSession(sess)
	if err != nil {
		return nil, err
	}
	if st.Kind != name || st.Client != c.ClientId || st.Pool != p.Id || st.Login != login {
		return nil, errNotAuthorized("Invalid session for the user.")
	}
	if err := s.checkSecretHash(c, []string{r["USERNAME"], st.Username}, r["SECRET_HASH"]); err != nil {
		return nil, err
	}
	field := map[string]string{mfaSMS: "SMS_MFA_CODE", mfaTOTP: "SOFTWARE_TOKEN_MFA_CODE", mfaEmail: "EMAIL_OTP_CODE", "SMS_OTP": "SMS_OTP_CODE"}[name]
	code := r[field]
	if code == "" {
		return nil, errParam("Missing required parameter %s", field)
	}
	u, err := s.sessionUser(ctx, p, st, r["USERNAME"])
	if err != nil {
		return nil, err
	}
	if err := userState(u); err != nil {
		return nil, err
	}
	if err := s.locked(u); err != nil {
		return nil, err
	}
	var wrong error
	switch name {
	case mfaTOTP:
		wrong = s.checkTOTP(ctx, p, u, code)
	default:
		if !hmac.Equal([]byte(st.Code), []byte(hashCode(code))) {
			wrong = awserr.New(400, "CodeMismatchException", "Invalid code or auth state for the user.")
		}
	}
	if wrong != nil {
		if awserr.Is(wrong, "CodeMismatchException") || awserr.Is(wrong, "ExpiredCodeException") {
			s.wrongAnswer(st)
			if err := s.modifyUser(ctx, p.Id, u.Username, func(_ Pool, usr *User) error {
				s.countFailure(usr)
				return nil
			}); err != nil {
				return nil, err
			}
		}
		return nil, wrong
	}
	if err := s.spendSession(st); err != nil {
		return nil, err
	}
	return s.signedIn(ctx, p, c, u, signInOpts{device: st.Device, passwordless: st.First, login: st.Login})
}

// checkTOTP accepts a code of the user's authenticator once: a code for a
// step at or before the last one accepted is refused.
func (s *Service) checkTOTP(ctx context.Context, p Pool, u User, code string) error {
	if u.MFA == nil || u.MFA.TOTPSecret == "" {
		return awserr.New(400, "SoftwareTokenMFANotFoundException", "Software Token MFA not found for the user.")
	}
	if !validTOTPCode(code) {
		return awserr.New(400, "CodeMismatchException", "Invalid code received for user")
	}
	var verdict error
	err := s.modifyUser(ctx, p.Id, u.Username, func(_ Pool, usr *User) error {
		if usr.MFA == nil || usr.MFA.TOTPSecret == "" || !subEqual(usr.Attributes["sub"], u.Attributes["sub"]) {
			return errNotAuthorized("Invalid session for the user.")
		}
		secret, err := s.Key.Open(totpPurpose, usr.MFA.TOTPSecret)
		if err != nil {
			return err
		}
		step := totpMatch(secret, code, s.now())
		switch {
		case step == 0:
			verdict = awserr.New(400, "CodeMismatchException", "Invalid code received for user")
			return errNoChange
		case step <= usr.MFA.TOTPLast:
			verdict = awserr.New(400, "ExpiredCodeException", "Your software token has already been used once.")
			return errNoChange
		}
		usr.MFA.TOTPLast = step
		return nil
	})
	if errors.Is(err, errNoChange) {
		return verdict
	}
	return err
}

// errNoChange rolls a user update back without an error to report.
var errNoChange = errors.New("no change")

// countFailure counts a failed sign-in step on the user: after 5, lockouts
// grow from 1 s to 15 minutes.
func (s *Service) countFailure(u *User) {
	u.Failed++
	if u.Failed >= 5 {
		d := time.Second << min(u.Failed-5, 10)
		u.LockedUntil = s.now().Add(min(d, 15*time.Minute))
		s.notify("Lockout", u.Pool, u.Username)
	}
}

// notify tells Service.Notify of a security event.
func (s *Service) notify(event, pool, username string) {
	if s.Notify != nil {
		s.Notify(event, pool, username)
	}
}

// sessionUser reads a challenge session's user, who must be the one the
// answer names (by username or alias) and still the same user.
func (s *Service) sessionUser(ctx context.Context, p Pool, st session, named string) (User, error) {
	var u User
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		u, err = store.GetJSON[User](tx, kindUser, userKey(p.Id, st.Username))
		if err != nil {
			return errNotAuthorized("Invalid session for the user.")
		}
		if named != "" && !strings.EqualFold(named, st.Username) {
			other, err := s.findUser(tx, p, named)
			if err != nil || !subEqual(other.Attributes["sub"], u.Attributes["sub"]) {
				return errNotAuthorized("Invalid session for the user.")
			}
		}
		return nil
	})
	if err != nil {
		return u, err
	}
	if !subEqual(u.Attributes["sub"], st.Sub) {
		return u, errNotAuthorized("Invalid session for the user.")
	}
	return u, nil
}

// selectMFA answers SELECT_MFA_TYPE with the chosen factor's challenge.
func (s *Service) selectMFA(ctx context.Context, p Pool, c Client, sess string, r map[string]string, login bool) (*AuthOutput, error) {
	st, err := s.peekSession(sess)
	if err != nil {
		return nil, err
	}
	if st.Kind != "SELECT_MFA_TYPE" || st.Client != c.ClientId || st.Pool != p.Id || st.Login != login {
		return nil, errNotAuthorized("Invalid session for the user.")
	}
	if err := s.checkSecretHash(c, []string{r["USERNAME"], st.Username}, r["SECRET_HASH"]); err != nil {
		return nil, err
	}
	answer := r["ANSWER"]
	if answer == "EMAIL_MFA" {
		answer = mfaEmail
	}
	u, err := s.sessionUser(ctx, p, st, r["USERNAME"])
	if err != nil {
		return nil, err
	}
	cfg, err := s.mfaConfig(ctx, p.Id)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(usable(cfg, u), answer) {
		return nil, errParam("Invalid ANSWER in challenge responses: %s", r["ANSWER"])
	}
	if err := s.spendSession(st); err != nil {
		return nil, err
	}
	return s.sendMFA(ctx, p, c, u, cfg, answer, signInOpts{device: st.Device, login: st.Login})
}

// finishMFASetup answers MFA_SETUP with the session VerifySoftwareToken
// returned.
func (s *Service) finishMFASetup(ctx context.Context, p Pool, c Client, sess string, r map[string]string, login bool) (*AuthOutput, error) {
	st, err := s.peekSession(sess)
	if err != nil {
		return nil, err
	}
	if st.Kind != "MFA_SETUP" || st.Client != c.ClientId || st.Pool != p.Id || st.Login != login {
		return nil, errNotAuthorized("Invalid session for the user.")
	}
	if err := s.checkSecretHash(c, []string{r["USERNAME"], st.Username}, r["SECRET_HASH"]); err != nil {
		return nil, err
	}
	u, err := s.sessionUser(ctx, p, st, r["USERNAME"])
	if err != nil {
		return nil, err
	}
	if st.Setup != "verified" {
		if email := r["EMAIL"]; email != "" {
			return s.setupEmailMFA(ctx, p, c, u, st, email)
		}
		return nil, errParam("Software token MFA has not been verified for this session. Call VerifySoftwareToken first.")
	}
	if err := s.spendSession(st); err != nil {
		return nil, err
	}
	return s.signedIn(ctx, p, c, u, signInOpts{device: st.Device, login: st.Login})
}

// setupEmailMFA answers MFA_SETUP with an email address: the address is
// the user's (it must be the one on file, or one the user may set), and
// an EMAIL_OTP challenge follows; the code proves the address.
func (s *Service) setupEmailMFA(ctx context.Context, p Pool, c Client, u User, st session, email string) (*AuthOutput, error) {
	cfg, err := s.mfaConfig(ctx, p.Id)
	if err != nil {
		return nil, err
	}
	if cfg.EmailMfaConfiguration == nil {
		return nil, errParam("Email MFA is not enabled for this user pool.")
	}
	if cur := u.Attributes["email"]; cur != "" && !strings.EqualFold(cur, email) {
		return nil, errParam("The email address does not match the user's email.")
	}
	if !strings.Contains(email, "@") {
		return nil, errParam("Invalid email address format.")
	}
	if err := s.spendSession(st); err != nil {
		return nil, err
	}
	u.Attributes["email"] = email
	out, err := s.sendMFA(ctx, p, c, u, cfg, mfaEmail, signInOpts{device: st.Device, login: st.Login})
	if err != nil {
		return nil, err
	}
	// The code proves the address: once it is answered, email MFA is on.
	err = s.modifyUser(ctx, p.Id, u.Username, func(_ Pool, usr *User) error {
		if usr.Attributes["email"] == "" {
			usr.Attributes["email"] = email
		}
		m := usr.mfa()
		if !slices.Contains(m.Enabled, mfaEmail) {
			m.Enabled = append(m.Enabled, mfaEmail)
		}
		return nil
	})
	return out, err
}

// signedIn ends a sign-in: the failure count is reset and tokens issued
// (with the remembered-device step when the pool tracks devices).
func (s *Service) signedIn(ctx context.Context, p Pool, c Client, u User, opt signInOpts) (*AuthOutput, error) {
	if u.Failed > 0 || p.advancedSecurity() {
		if err := s.modifyUser(ctx, p.Id, u.Username, func(pl Pool, usr *User) error {
			usr.Failed, usr.LockedUntil = 0, time.Time{}
			s.addAuthEvent(ctx, pl, usr, true)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	s.notify("SignIn", p.Id, u.Username)
	if opt.login {
		if err := s.postAuthentication(ctx, p, c.ClientId, u, false); err != nil {
			return nil, err
		}
		now := s.now()
		return &AuthOutput{login: &LoginSession{Pool: p.Id, Username: u.Username, Sub: u.Attributes["sub"], AuthTime: now, Expires: now.Add(LoginSessionTTL)}}, nil
	}
	device, meta, err := s.trackDevice(ctx, p, u, opt.device)
	if err != nil {
		return nil, err
	}
	if err := s.postAuthentication(ctx, p, c.ClientId, u, meta != nil); err != nil {
		return nil, err
	}
	source := opt.tokenSource
	if opt.deviceProven {
		source = "TokenGeneration_AuthenticateDevice"
	}
	res, err := s.issueTokensWith(ctx, p, c, u, "", time.Time{}, tokenOpts{device: device, source: source})
	if err != nil {
		return nil, err
	}
	res.NewDeviceMetadata = meta
	return &AuthOutput{ChallengeParameters: map[string]string{}, AuthenticationResult: res}, nil
}
