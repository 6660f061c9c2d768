package userpool

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// Passkeys (WebAuthn): registration with an access token
// (StartWebAuthnRegistration, CompleteWebAuthnRegistration), listing and
// deletion, and sign-in with the WEB_AUTHN challenge. The verification is
// go-webauthn's: attestation (none, packed and the rest), COSE keys (ES256,
// RS256, EdDSA), client data, RP id hash, flags and signature; sekisho adds
// Cognito's rules around it — the relying party, the origins, the
// challenge kept for the user, the signature counter that must move on.

const (
	// kindPasskey holds a user's passkeys: pool/username/<credential id>.
	kindPasskey = "cognito.passkey"
	// kindPasskeyID maps pool/<credential id> to its user, so that no
	// credential is ever registered twice.
	kindPasskeyID = "cognito.passkeyid"

	maxPasskeys          = 20
	passkeyCeremonyTTL   = 5 * time.Minute
	passkeyPendingPurpse = "sekisho cognito passkey registration"
)

// Passkey is a stored WebAuthn credential.
type Passkey struct {
	Credential   webauthn.Credential
	FriendlyName string
	RPID         string
	Attachment   string `json:",omitempty"`
	Created      time.Time
}

// PasskeyView is WebAuthnCredentialDescription.
type PasskeyView struct {
	CredentialId            string   `json:"CredentialId"`
	FriendlyCredentialName  string   `json:"FriendlyCredentialName"`
	RelyingPartyId          string   `json:"RelyingPartyId"`
	AuthenticatorAttachment string   `json:"AuthenticatorAttachment,omitempty"`
	AuthenticatorTransports []string `json:"AuthenticatorTransports"`
	CreatedAt               epoch    `json:"CreatedAt"`
}

func (k Passkey) view() PasskeyView {
	tr := []string{}
	for _, t := range k.Credential.Transport {
		tr = append(tr, string(t))
	}
	return PasskeyView{CredentialId: base64.RawURLEncoding.EncodeToString(k.Credential.ID), FriendlyCredentialName: k.FriendlyName,
		RelyingPartyId: k.RPID, AuthenticatorAttachment: k.Attachment, AuthenticatorTransports: tr, CreatedAt: epoch(k.Created)}
}

// passkeyUser is a user as go-webauthn sees one: the handle is the sub.
type passkeyUser struct {
	u     User
	creds []webauthn.Credential
}

func (p passkeyUser) WebAuthnID() []byte                         { return []byte(p.u.Attributes["sub"]) }
func (p passkeyUser) WebAuthnName() string                       { return p.u.Username }
func (p passkeyUser) WebAuthnDisplayName() string                { return p.displayName() }
func (p passkeyUser) WebAuthnCredentials() []webauthn.Credential { return p.creds }

func (p passkeyUser) displayName() string {
	for _, a := range []string{"name", "email", "phone_number"} {
		if v := p.u.Attributes[a]; v != "" {
			return v
		}
	}
	return p.u.Username
}

// relyingParty is the pool's WebAuthn relying party: the configured id,
// else the pool's prefix domain.
func (s *Service) relyingParty(ctx context.Context, p Pool) (id string, uv protocol.UserVerificationRequirement, err error) {
	if !slices.Contains(p.allowedFirstFactors(), "WEB_AUTHN") {
		return "", "", awserr.New(400, "WebAuthnNotEnabledException", "Passkey sign-in is not enabled for this user pool. Add WEB_AUTHN to the allowed first authentication factors.")
	}
	cfg, err := s.mfaConfig(ctx, p.Id)
	if err != nil {
		return "", "", err
	}
	uv = protocol.VerificationPreferred
	if w := cfg.WebAuthnConfiguration; w != nil {
		id = w.RelyingPartyId
		if w.UserVerification == "required" {
			uv = protocol.VerificationRequired
		}
	}
	if id == "" && p.Domain != "" {
		id = p.Domain + "." + s.authDomain()
	}
	if id == "" {
		return "", "", awserr.New(400, "WebAuthnConfigurationMissingException", "The user pool has no relying party ID for passkeys: set WebAuthnConfiguration.RelyingPartyId or add a domain.")
	}
	return id, uv, nil
}

func (s *Service) authDomain() string {
	if s.AuthDomain != "" {
		return s.AuthDomain
	}
	return "auth.localhost"
}

// originAllowed is the browser's own rule, checked again on the server:
// the origin's host is the relying party id or under it, over https (or
// http on a loopback host).
func originAllowed(origin, rpID string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || u.Path != "" && u.Path != "/" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if host != rpID && !strings.HasSuffix(host, "."+rpID) {
		return false
	}
	// Browsers treat localhost, its subdomains and loopback addresses as
	// secure over http too.
	return u.Scheme == "https" || u.Scheme == "http" && (isLoopback(host) || strings.HasSuffix(host, ".localhost"))
}

func (s *Service) relyingPartyFor(rpID, name, origin string) (*webauthn.WebAuthn, error) {
	origins := []string{"https://" + rpID}
	if origin != "" {
		origins = []string{origin}
	}
	return webauthn.New(&webauthn.Config{RPID: rpID, RPDisplayName: name, RPOrigins: origins,
		Timeouts: webauthn.TimeoutsConfig{Registration: webauthn.TimeoutConfig{Timeout: passkeyCeremonyTTL}, Login: webauthn.TimeoutConfig{Timeout: passkeyCeremonyTTL}}})
}

// passkeysTx reads a user's passkeys.
func (s *Service) passkeysTx(tx store.RecordTx, pool string, u User) ([]Passkey, error) {
	recs, err := tx.List(kindPasskey, userKey(pool, u.Username)+"/", "", 0)
	if err != nil {
		return nil, err
	}
	var out []Passkey
	for _, r := range recs {
		var k Passkey
		if err := json.Unmarshal(r.Value, &k); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

// passkeys reads a user's passkeys.
func (s *Service) passkeys(ctx context.Context, pool string, u User) ([]Passkey, error) {
	var keys []Passkey
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		keys, err = s.passkeysTx(tx, pool, u)
		return err
	})
	return keys, err
}

func (s *Service) countPasskeys(ctx context.Context, pool string, u User) (int, error) {
	var n int
	err := s.view(ctx, func(tx store.RecordTx) error {
		ks, err := s.passkeysTx(tx, pool, u)
		n = len(ks)
		return err
	})
	return n, err
}

// pendingPasskey is a registration begun and not yet completed, kept
// sealed on the user.
type pendingPasskey struct {
	Session webauthn.SessionData
	RPID    string
	Expires time.Time
}

// StartPasskeyRegistration is StartWebAuthnRegistration: the creation
// options, with the user's passkeys excluded; the challenge is kept on the
// user for CompleteWebAuthnRegistration.
func (s *Service) StartPasskeyRegistration(ctx context.Context, accessToken string) (json.RawMessage, error) {
	p, u, err := s.AccessClaims(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	rpID, uv, err := s.relyingParty(ctx, p)
	if err != nil {
		return nil, err
	}
	keys, err := s.passkeys(ctx, p.Id, u)
	if err != nil {
		return nil, err
	}
	if len(keys) >= maxPasskeys {
		return nil, awserr.Newf(400, "LimitExceededException", "The user has reached the limit of %d passkeys.", maxPasskeys)
	}
	wa, err := s.relyingPartyFor(rpID, p.Name, "")
	if err != nil {
		return nil, awserr.New(400, "WebAuthnConfigurationMissingException", "The relying party ID "+rpID+" is not a valid domain.")
	}
	var exclude []protocol.CredentialDescriptor
	for _, k := range keys {
		exclude = append(exclude, k.Credential.Descriptor())
	}
	creation, sd, err := wa.BeginRegistration(passkeyUser{u: u}, webauthn.WithExclusions(exclude),
		webauthn.WithAuthenticatorSelection(protocol.AuthenticatorSelection{ResidentKey: protocol.ResidentKeyRequirementRequired, UserVerification: uv}),
		webauthn.WithConveyancePreference(protocol.PreferNoAttestation))
	if err != nil {
		return nil, err
	}
	pending, _ := json.Marshal(pendingPasskey{Session: *sd, RPID: rpID, Expires: s.now().Add(passkeyCeremonyTTL)})
	sealed := s.Key.Seal(passkeyPendingPurpse, pending)
	if err := s.modifyUser(ctx, p.Id, u.Username, func(_ Pool, usr *User) error {
		if !subEqual(usr.Attributes["sub"], u.Attributes["sub"]) {
			return errNotAuthorized("Access Token has been revoked")
		}
		usr.PasskeyPending = sealed
		return nil
	}); err != nil {
		return nil, err
	}
	return json.Marshal(creation.Response)
}

// CompletePasskeyRegistration is CompleteWebAuthnRegistration: the
// registration response (RegistrationResponseJSON) is verified against the
// challenge kept for the user and the passkey stored.
func (s *Service) CompletePasskeyRegistration(ctx context.Context, accessToken string, credential []byte) error {
	p, u, err := s.AccessClaims(ctx, accessToken)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(credential)) == 0 || string(bytes.TrimSpace(credential)) == "null" {
		return errParam("1 validation error detected: Value null at 'credential' failed to satisfy constraint: Member must not be null")
	}
	if u.PasskeyPending == "" {
		return awserr.New(400, "WebAuthnChallengeNotFoundException", "The registration challenge was not found or has expired. Start the registration again.")
	}
	raw, err := s.Key.Open(passkeyPendingPurpse, u.PasskeyPending)
	var pend pendingPasskey
	if err != nil || json.Unmarshal(raw, &pend) != nil || s.now().After(pend.Expires) {
		return awserr.New(400, "WebAuthnChallengeNotFoundException", "The registration challenge was not found or has expired. Start the registration again.")
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(credential)
	if err != nil {
		return errParam("The credential is not a valid registration response: %s", webauthnDetail(err))
	}
	cd := parsed.Response.CollectedClientData
	if cd.Challenge != pend.Session.Challenge {
		return awserr.New(400, "WebAuthnChallengeNotFoundException", "The credential does not answer the registration challenge.")
	}
	if !originAllowed(cd.Origin, pend.RPID) {
		return awserr.New(400, "WebAuthnOriginNotAllowedException", "The origin "+cd.Origin+" is not allowed for the relying party "+pend.RPID+".")
	}
	rpHash := sha256.Sum256([]byte(pend.RPID))
	if !bytes.Equal(parsed.Response.AttestationObject.AuthData.RPIDHash, rpHash[:]) {
		return awserr.New(400, "WebAuthnRelyingPartyMismatchException", "The credential was made for another relying party than "+pend.RPID+".")
	}
	wa, err := s.relyingPartyFor(pend.RPID, p.Name, cd.Origin)
	if err != nil {
		return awserr.New(400, "WebAuthnOriginNotAllowedException", "The origin "+cd.Origin+" is not allowed.")
	}
	cred, err := wa.CreateCredential(passkeyUser{u: u}, pend.Session, parsed)
	if err != nil {
		var pe *protocol.Error
		if errors.As(err, &pe) && (pe.Type == protocol.ErrAttestationFormat.Type || pe.Type == protocol.ErrUnsupportedKey.Type || pe.Type == protocol.ErrUnsupportedAlgorithm.Type) {
			return awserr.New(400, "WebAuthnCredentialNotSupportedException", "The credential is not supported: "+webauthnDetail(err))
		}
		return errParam("The registration response did not verify: %s", webauthnDetail(err))
	}
	id := base64.RawURLEncoding.EncodeToString(cred.ID)
	key := Passkey{Credential: *cred, RPID: pend.RPID, Attachment: string(parsed.AuthenticatorAttachment), Created: s.now(),
		FriendlyName: passkeyName(parsed)}
	return s.update(ctx, func(tx store.RecordTx) error {
		pl, err := s.poolTx(tx, p.Id)
		if err != nil {
			return err
		}
		usr, err := store.GetJSON[User](tx, kindUser, userKey(p.Id, u.Username))
		if err != nil || !subEqual(usr.Attributes["sub"], u.Attributes["sub"]) {
			return errNotAuthorized("Access Token has been revoked")
		}
		if usr.PasskeyPending != u.PasskeyPending {
			return awserr.New(400, "WebAuthnChallengeNotFoundException", "The registration challenge was not found or has expired. Start the registration again.")
		}
		old := usr
		usr.PasskeyPending = ""
		if err := s.storePasskeyTx(tx, p.Id, usr, id, key); err != nil {
			return err
		}
		return s.saveUser(tx, pl, &old, usr)
	})
}

// storePasskeyTx stores a new passkey, refusing a credential id already
// registered in the pool (another user's, or this one's).
func (s *Service) storePasskeyTx(tx store.RecordTx, pool string, u User, id string, key Passkey) error {
	if _, err := tx.Get(kindPasskeyID, pool+"/"+id); err == nil {
		return errParam("The credential is already registered.")
	} else if !isNotFound(err) {
		return err
	}
	keys, err := s.passkeysTx(tx, pool, u)
	if err != nil {
		return err
	}
	if len(keys) >= maxPasskeys {
		return awserr.Newf(400, "LimitExceededException", "The user has reached the limit of %d passkeys.", maxPasskeys)
	}
	if err := tx.Put(kindPasskeyID, pool+"/"+id, []byte(userKey(pool, u.Username))); err != nil {
		return err
	}
	return store.PutJSON(tx, kindPasskey, userKey(pool, u.Username)+"/"+id, key)
}

func passkeyName(p *protocol.ParsedCredentialCreationData) string {
	switch p.AuthenticatorAttachment {
	case protocol.Platform:
		return "Platform passkey"
	case protocol.CrossPlatform:
		return "Security key"
	}
	return "Passkey"
}

func webauthnDetail(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		if pe.Details != "" {
			return pe.Details
		}
		return pe.Type
	}
	return "malformed"
}

// ListPasskeys is ListWebAuthnCredentials.
func (s *Service) ListPasskeys(ctx context.Context, accessToken, next string, max int) ([]PasskeyView, string, error) {
	p, u, err := s.AccessClaims(ctx, accessToken)
	if err != nil {
		return nil, "", err
	}
	if max == 0 {
		max = 20
	}
	if max < 1 || max > 20 {
		return nil, "", errParam("1 validation error detected: Value '%d' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 20", max)
	}
	keys, err := s.passkeys(ctx, p.Id, u)
	if err != nil {
		return nil, "", err
	}
	out := []PasskeyView{}
	started := next == ""
	for _, k := range keys {
		v := k.view()
		if !started {
			started = v.CredentialId == next
			continue
		}
		if len(out) == max {
			return out, out[len(out)-1].CredentialId, nil
		}
		out = append(out, v)
	}
	if !started {
		return nil, "", errParam("Invalid pagination token.")
	}
	return out, "", nil
}

// DeletePasskey is DeleteWebAuthnCredential.
func (s *Service) DeletePasskey(ctx context.Context, accessToken, credentialID string) error {
	p, u, err := s.AccessClaims(ctx, accessToken)
	if err != nil {
		return err
	}
	if credentialID == "" {
		return errParam("1 validation error detected: Value null at 'credentialId' failed to satisfy constraint: Member must not be null")
	}
	return s.update(ctx, func(tx store.RecordTx) error {
		k := userKey(p.Id, u.Username) + "/" + credentialID
		if _, err := tx.Get(kindPasskey, k); isNotFound(err) {
			return errNotFound("Credential %s does not exist.", credentialID)
		} else if err != nil {
			return err
		}
		if err := tx.Delete(kindPasskeyID, p.Id+"/"+credentialID); err != nil {
			return err
		}
		return tx.Delete(kindPasskey, k)
	})
}

// deletePasskeysTx removes a user's passkeys (the user is being deleted).
func deletePasskeysTx(tx store.RecordTx, pool, username string) error {
	prefix := userKey(pool, username) + "/"
	recs, err := tx.List(kindPasskey, prefix, "", 0)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if err := tx.Delete(kindPasskeyID, pool+"/"+strings.TrimPrefix(r.ID, prefix)); err != nil {
			return err
		}
		if err := tx.Delete(kindPasskey, r.ID); err != nil {
			return err
		}
	}
	return nil
}

// passkeyChallenge is the WEB_AUTHN challenge: request options naming the
// user's passkeys, the ceremony kept in the sealed session.
func (s *Service) passkeyChallenge(ctx context.Context, p Pool, c Client, u User, opt signInOpts) (*AuthOutput, error) {
	rpID, uv, err := s.relyingParty(ctx, p)
	if err != nil {
		return nil, err
	}
	keys, err := s.passkeys(ctx, p.Id, u)
	if err != nil {
		return nil, err
	}
	pu := passkeyUser{u: u}
	for _, k := range keys {
		if k.RPID == rpID {
			pu.creds = append(pu.creds, k.Credential)
		}
	}
	if len(pu.creds) == 0 {
		return nil, errParam("The user has no passkey for this relying party.")
	}
	wa, err := s.relyingPartyFor(rpID, p.Name, "")
	if err != nil {
		return nil, err
	}
	assertion, sd, err := wa.BeginLogin(pu, webauthn.WithUserVerification(uv))
	if err != nil {
		return nil, err
	}
	opts, _ := json.Marshal(assertion.Response)
	ceremony, _ := json.Marshal(pendingPasskey{Session: *sd, RPID: rpID})
	st := s.challengeSession(p, c, u, "WEB_AUTHN", opt)
	st.WebAuthn, st.First = string(ceremony), true
	return &AuthOutput{ChallengeName: "WEB_AUTHN", Session: s.sealSession(st), ChallengeParameters: map[string]string{
		"CREDENTIAL_REQUEST_OPTIONS": string(opts), "USER_ID_FOR_SRP": u.Username}}, nil
}

// answerPasskey answers the WEB_AUTHN challenge with an assertion.
func (s *Service) answerPasskey(ctx context.Context, p Pool, c Client, sess string, r map[string]string, login bool) (*AuthOutput, error) {
	st, err := s.openSession(sess)
	if err != nil {
		return nil, err
	}
	if st.Kind != "WEB_AUTHN" || st.Client != c.ClientId || st.Pool != p.Id || st.Login != login {
		return nil, errNotAuthorized("Invalid session for the user.")
	}
	if err := s.checkSecretHash(c, []string{r["USERNAME"], st.Username}, r["SECRET_HASH"]); err != nil {
		return nil, err
	}
	u, err := s.sessionUser(ctx, p, st, r["USERNAME"])
	if err != nil {
		return nil, err
	}
	return s.passkeySignIn(ctx, p, c, u, st.WebAuthn, r["CREDENTIAL"], signInOpts{device: st.Device, login: st.Login})
}

// passkeySignIn verifies an assertion for user u against a ceremony (one
// begun by a WEB_AUTHN challenge, or none: the assertion must then answer
// a challenge this server made, which only a WEB_AUTHN session carries, so
// a bare CREDENTIAL is refused).
func (s *Service) passkeySignIn(ctx context.Context, p Pool, c Client, u User, ceremony, credential string, opt signInOpts) (*AuthOutput, error) {
	if err := userState(u); err != nil {
		return nil, err
	}
	if err := s.locked(u); err != nil {
		return nil, err
	}
	if credential == "" {
		return nil, errParam("Missing required parameter CREDENTIAL")
	}
	var pend pendingPasskey
	if ceremony == "" || json.Unmarshal([]byte(ceremony), &pend) != nil {
		return nil, errNotAuthorized("Invalid session for the user.")
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes([]byte(credential))
	if err != nil {
		return nil, errParam("The credential is not a valid authentication response: %s", webauthnDetail(err))
	}
	fail := func() (*AuthOutput, error) {
		return nil, s.recordFailure(ctx, p.Id, u.Username)
	}
	origin := parsed.Response.CollectedClientData.Origin
	if !originAllowed(origin, pend.RPID) {
		return fail()
	}
	keys, err := s.passkeys(ctx, p.Id, u)
	if err != nil {
		return nil, err
	}
	pu := passkeyUser{u: u}
	for _, k := range keys {
		pu.creds = append(pu.creds, k.Credential)
	}
	wa, err := s.relyingPartyFor(pend.RPID, p.Name, origin)
	if err != nil {
		return fail()
	}
	cred, err := wa.ValidateLogin(pu, pend.Session, parsed)
	if err != nil || cred.Authenticator.CloneWarning {
		// A wrong signature, origin, RP id or challenge; or a counter that
		// did not move on: a cloned authenticator.
		return fail()
	}
	id := base64.RawURLEncoding.EncodeToString(cred.ID)
	err = s.update(ctx, func(tx store.RecordTx) error {
		k := userKey(p.Id, u.Username) + "/" + id
		key, err := store.GetJSON[Passkey](tx, kindPasskey, k)
		if err != nil {
			return errIncorrect
		}
		// Compare against the stored counter inside the write: two uses
		// of one assertion, racing, cannot both pass.
		if n := cred.Authenticator.SignCount; n != 0 || key.Credential.Authenticator.SignCount != 0 {
			if n <= key.Credential.Authenticator.SignCount {
				return errIncorrect
			}
		}
		key.Credential.Authenticator.SignCount = cred.Authenticator.SignCount
		key.Credential.Flags = cred.Flags
		return store.PutJSON(tx, kindPasskey, k, key)
	})
	if err == errIncorrect {
		return fail()
	}
	if err != nil {
		return nil, err
	}
	opt.passwordless = true
	return s.signedIn(ctx, p, c, u, opt)
}
