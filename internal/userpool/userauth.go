package userpool

import (
	"context"
	"slices"
)

// Choice-based sign-in (AuthFlow USER_AUTH): the user picks a first
// factor among those the pool allows (SignInPolicy.AllowedFirstAuthFactors)
// and the user can use — a password (PASSWORD, PASSWORD_SRP), a one-time
// code by email or SMS (EMAIL_OTP, SMS_OTP) or a passkey (WEB_AUTHN).

// allowedFirstFactors is the pool's AllowedFirstAuthFactors (PASSWORD for
// pools made before the setting).
func (p Pool) allowedFirstFactors() []string {
	if p.Policies.SignInPolicy == nil || len(p.Policies.SignInPolicy.AllowedFirstAuthFactors) == 0 {
		return []string{"PASSWORD"}
	}
	return p.Policies.SignInPolicy.AllowedFirstAuthFactors
}

// availableChallenges lists the first-factor challenges user u can answer,
// in the order Cognito lists them. For a user who does not exist
// (u.Username == "") it lists what a user of the pool could, so that the
// answer does not tell.
func (s *Service) availableChallenges(ctx context.Context, p Pool, u User) ([]string, error) {
	var out []string
	known := u.Attributes["sub"] != ""
	for _, f := range p.allowedFirstFactors() {
		switch f {
		case "PASSWORD":
			out = append(out, "PASSWORD", "PASSWORD_SRP")
		case "EMAIL_OTP":
			if !known || u.Attributes["email"] != "" {
				out = append(out, "EMAIL_OTP")
			}
		case "SMS_OTP":
			if !known || u.Attributes["phone_number"] != "" {
				out = append(out, "SMS_OTP")
			}
		case "WEB_AUTHN":
			if !known {
				continue
			}
			n, err := s.countPasskeys(ctx, p.Id, u)
			if err != nil {
				return nil, err
			}
			if n > 0 {
				out = append(out, "WEB_AUTHN")
			}
		}
	}
	return out, nil
}

// userAuth starts a USER_AUTH sign-in.
func (s *Service) userAuth(ctx context.Context, p Pool, c Client, ap map[string]string, login bool) (*AuthOutput, error) {
	name := ap["USERNAME"]
	if name == "" {
		return nil, errParam("Missing required parameter USERNAME")
	}
	u, err := s.lookupForAuth(ctx, p, c, name)
	switch {
	case err == errIncorrect: // PreventUserExistenceErrors
		if err := s.checkSecretHash(c, []string{name}, ap["SECRET_HASH"]); err != nil {
			return nil, err
		}
		u = User{Pool: p.Id, Username: s.fakeUserID(p, name)}
	case err != nil:
		return nil, err
	default:
		if err := s.checkSecretHash(c, []string{name, u.Username}, ap["SECRET_HASH"]); err != nil {
			return nil, err
		}
		if err := s.locked(u); err != nil {
			return nil, err
		}
	}
	avail, err := s.availableChallenges(ctx, p, u)
	if err != nil {
		return nil, err
	}
	opt := signInOpts{device: ap["DEVICE_KEY"], login: login}
	if pref := ap["PREFERRED_CHALLENGE"]; pref != "" && slices.Contains(avail, pref) {
		return s.firstFactor(ctx, p, c, u, name, pref, ap, opt)
	}
	st := s.challengeSession(p, c, u, "SELECT_CHALLENGE", opt)
	return &AuthOutput{ChallengeName: "SELECT_CHALLENGE", Session: s.sealSession(st), ChallengeParameters: map[string]string{},
		AvailableChallenges: avail}, nil
}

// firstFactor begins (or, when the answer is given, ends) the first factor
// a user chose: the password checked, SRP begun, a code sent or a passkey
// asked for.
func (s *Service) firstFactor(ctx context.Context, p Pool, c Client, u User, name, factor string, r map[string]string, opt signInOpts) (*AuthOutput, error) {
	known := u.Attributes["sub"] != ""
	switch factor {
	case "PASSWORD":
		pw := r["PASSWORD"]
		if pw == "" {
			return nil, errParam("Missing required parameter PASSWORD")
		}
		if !known {
			s.verifyPassword(hashPasswordDummy, pw)
			return nil, errIncorrect
		}
		if !s.passwordMatches(u, pw) {
			return nil, s.recordFailure(ctx, p.Id, u.Username)
		}
		return s.afterPassword(ctx, p, c, u, opt)
	case "PASSWORD_SRP":
		if r["SRP_A"] == "" {
			return nil, errParam("Missing required parameter SRP_A")
		}
		// The secret hash was checked when the sign-in began.
		c.SealedSecret = ""
		return s.srpStart(ctx, p, c, name, r["SRP_A"], "", opt)
	case "EMAIL_OTP", "SMS_OTP":
		if !known {
			return nil, errIncorrect
		}
		if err := userState(u); err != nil {
			return nil, err
		}
		// Anyone who knows a username can have a code sent: the sends
		// are limited per user as other codes are.
		if err := s.modifyUser(ctx, p.Id, u.Username, func(_ Pool, usr *User) error { return s.codeLimit(usr) }); err != nil {
			return nil, err
		}
		cfg, err := s.mfaConfig(ctx, p.Id)
		if err != nil {
			return nil, err
		}
		d, hash, err := s.sendSignInCode(ctx, p, u, cfg, factor, "SignIn")
		if err != nil {
			return nil, err
		}
		st := s.challengeSession(p, c, u, factor, opt)
		st.Code, st.First = hash, true
		return &AuthOutput{ChallengeName: factor, Session: s.sealSession(st), ChallengeParameters: map[string]string{
			"CODE_DELIVERY_DELIVERY_MEDIUM": d.DeliveryMedium, "CODE_DELIVERY_DESTINATION": d.Destination, "USER_ID_FOR_SRP": u.Username}}, nil
	case "WEB_AUTHN":
		if !known {
			return nil, errIncorrect
		}
		if err := userState(u); err != nil {
			return nil, err
		}
		// The assertion must answer a challenge of this server's, which
		// the WEB_AUTHN challenge carries: it comes first.
		return s.passkeyChallenge(ctx, p, c, u, opt)
	}
	return nil, errParam("Invalid ANSWER in challenge responses: %s", factor)
}

// selectChallenge answers SELECT_CHALLENGE (or names the factor as the
// challenge itself: PASSWORD, PASSWORD_SRP).
func (s *Service) selectChallenge(ctx context.Context, p Pool, c Client, name, sess string, r map[string]string, login bool) (*AuthOutput, error) {
	st, err := s.openSession(sess)
	if err != nil {
		return nil, err
	}
	if st.Kind != "SELECT_CHALLENGE" || st.Client != c.ClientId || st.Pool != p.Id || st.Login != login {
		return nil, errNotAuthorized("Invalid session for the user.")
	}
	if err := s.checkSecretHash(c, []string{r["USERNAME"], st.Username}, r["SECRET_HASH"]); err != nil {
		return nil, err
	}
	answer := r["ANSWER"]
	if name != "SELECT_CHALLENGE" {
		answer = name
	}
	var u User
	if st.Sub == "" { // a user that does not exist
		u = User{Pool: p.Id, Username: st.Username}
	} else if u, err = s.sessionUser(ctx, p, st, r["USERNAME"]); err != nil {
		return nil, err
	}
	if st.Sub != "" {
		if err := s.locked(u); err != nil {
			return nil, err
		}
	}
	avail, err := s.availableChallenges(ctx, p, u)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(avail, answer) {
		return nil, errParam("Invalid ANSWER in challenge responses: %s", answer)
	}
	return s.firstFactor(ctx, p, c, u, st.Username, answer, r, signInOpts{device: st.Device, login: st.Login})
}

// passwordMatches checks a password; a user without one (signed up
// passwordless) matches none, after the same work.
func (s *Service) passwordMatches(u User, pw string) bool {
	if u.PasswordHash == "" {
		s.verifyPassword(hashPasswordDummy, pw)
		return false
	}
	return s.verifyPassword(u.PasswordHash, pw)
}

// LoginStart begins a sign-in without a password on the managed login
// pages: the choices the user has, as a *LoginChallenge (SELECT_CHALLENGE,
// the choices in AVAILABLE_CHALLENGES).
func (s *Service) LoginStart(ctx context.Context, a Authorization, name string) (LoginSession, error) {
	if !a.NativeSignIn() {
		return LoginSession{}, errNotAuthorized("Login option is not available. Please try another one")
	}
	p, err := s.poolOnly(ctx, a.Request.Pool)
	if err != nil {
		return LoginSession{}, err
	}
	if !passwordless(p.allowedFirstFactors()) {
		return LoginSession{}, errParam("This user pool offers password sign-in only.")
	}
	if err := s.allow(p.Id); err != nil {
		return LoginSession{}, err
	}
	c := a.Client
	c.SealedSecret = "" // the pages act for the client
	out, err := s.userAuth(ctx, p, c, map[string]string{"USERNAME": name}, true)
	return loginOutcome(out, err)
}

// PoolAllowsPasswordless reports whether a pool offers first factors other
// than a password (the pages then offer them).
func (s *Service) PoolAllowsPasswordless(ctx context.Context, pool string) bool {
	p, err := s.poolOnly(ctx, pool)
	return err == nil && passwordless(p.allowedFirstFactors())
}
