package userpool

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/awsregion"
	"github.com/sekisho/sekisho/internal/store"
)

// PasswordPolicy is a pool's password rules.
type PasswordPolicy struct {
	MinimumLength                 int  `json:"MinimumLength,omitempty"`
	RequireUppercase              bool `json:"RequireUppercase"`
	RequireLowercase              bool `json:"RequireLowercase"`
	RequireNumbers                bool `json:"RequireNumbers"`
	RequireSymbols                bool `json:"RequireSymbols"`
	TemporaryPasswordValidityDays int  `json:"TemporaryPasswordValidityDays,omitempty"`
}

// Policies is UserPoolPolicyType.
type Policies struct {
	PasswordPolicy PasswordPolicy `json:"PasswordPolicy"`
	SignInPolicy   *SignInPolicy  `json:"SignInPolicy,omitempty"`
}

// SignInPolicy is SignInPolicyType: the first factors choice-based
// sign-in (USER_AUTH) offers.
type SignInPolicy struct {
	AllowedFirstAuthFactors []string `json:"AllowedFirstAuthFactors"`
}

// DeviceConfiguration is DeviceConfigurationType.
type DeviceConfiguration struct {
	ChallengeRequiredOnNewDevice     bool `json:"ChallengeRequiredOnNewDevice"`
	DeviceOnlyRememberedOnUserPrompt bool `json:"DeviceOnlyRememberedOnUserPrompt"`
}

var firstFactors = map[string]bool{"PASSWORD": true, "EMAIL_OTP": true, "SMS_OTP": true, "WEB_AUTHN": true}

// checkSignInPolicy validates AllowedFirstAuthFactors: known factors,
// PASSWORD always among them.
func checkSignInPolicy(sp *SignInPolicy) error {
	if sp == nil {
		return nil
	}
	for _, f := range sp.AllowedFirstAuthFactors {
		if !firstFactors[f] {
			return errParam("1 validation error detected: Value '[%s]' at 'policies.signInPolicy.allowedFirstAuthFactors' failed to satisfy constraint: Member must satisfy enum value set: [PASSWORD, EMAIL_OTP, SMS_OTP, WEB_AUTHN]", strings.Join(sp.AllowedFirstAuthFactors, ", "))
		}
	}
	if !slices.Contains(sp.AllowedFirstAuthFactors, "PASSWORD") {
		return errParam("The PASSWORD factor must be in AllowedFirstAuthFactors.")
	}
	return nil
}

// SchemaAttribute is one attribute of a pool's schema.
type SchemaAttribute struct {
	Name                       string         `json:"Name"`
	AttributeDataType          string         `json:"AttributeDataType,omitempty"`
	DeveloperOnlyAttribute     bool           `json:"DeveloperOnlyAttribute"`
	Mutable                    *bool          `json:"Mutable,omitempty"`
	Required                   bool           `json:"Required"`
	StringAttributeConstraints map[string]any `json:"StringAttributeConstraints,omitempty"`
	NumberAttributeConstraints map[string]any `json:"NumberAttributeConstraints,omitempty"`
}

// MarshalJSON writes a schema attribute as Cognito does: a String
// attribute's constraints even when empty ({}), none for other types.
func (a SchemaAttribute) MarshalJSON() ([]byte, error) {
	type plain SchemaAttribute
	out := struct {
		plain
		StringAttributeConstraints *map[string]any `json:"StringAttributeConstraints,omitempty"`
	}{plain: plain(a)}
	if a.StringAttributeConstraints != nil {
		out.StringAttributeConstraints = &a.StringAttributeConstraints
	}
	return json.Marshal(out)
}

// Pool is a user pool, in the shape DescribeUserPool returns (UserPoolType).
type Pool struct {
	Id                          string               `json:"Id"`
	Name                        string               `json:"Name"`
	Arn                         string               `json:"Arn"`
	Policies                    Policies             `json:"Policies"`
	DeviceConfiguration         *DeviceConfiguration `json:"DeviceConfiguration,omitempty"`
	SmsConfiguration            map[string]any       `json:"SmsConfiguration,omitempty"`
	SmsAuthenticationMessage    string               `json:"SmsAuthenticationMessage,omitempty"`
	LambdaConfig                *LambdaConfig        `json:"LambdaConfig,omitempty"`
	DeletionProtection          string               `json:"DeletionProtection,omitempty"`
	SchemaAttributes            []SchemaAttribute    `json:"SchemaAttributes,omitempty"`
	AutoVerifiedAttributes      []string             `json:"AutoVerifiedAttributes,omitempty"`
	AliasAttributes             []string             `json:"AliasAttributes,omitempty"`
	UsernameAttributes          []string             `json:"UsernameAttributes,omitempty"`
	MfaConfiguration            string               `json:"MfaConfiguration,omitempty"`
	EstimatedNumberOfUsers      int                  `json:"EstimatedNumberOfUsers"`
	UserPoolTags                map[string]string    `json:"UserPoolTags,omitempty"`
	AdminCreateUserConfig       map[string]any       `json:"AdminCreateUserConfig,omitempty"`
	AccountRecoverySetting      map[string]any       `json:"AccountRecoverySetting,omitempty"`
	UsernameConfiguration       map[string]any       `json:"UsernameConfiguration,omitempty"`
	VerificationMessageTemplate map[string]any       `json:"VerificationMessageTemplate,omitempty"`
	UserPoolTier                string               `json:"UserPoolTier,omitempty"`
	CreationDate                epoch                `json:"CreationDate"`
	LastModifiedDate            epoch                `json:"LastModifiedDate"`
	Status                      string               `json:"Status,omitempty"`
	// Domain is the pool's prefix domain, if it has one.
	Domain string `json:"Domain,omitempty"`
	// Settings kept and returned as given (mirrorMessages fills the
	// legacy message fields from VerificationMessageTemplate and back).
	EmailConfiguration          map[string]any `json:"EmailConfiguration,omitempty"`
	EmailVerificationMessage    string         `json:"EmailVerificationMessage,omitempty"`
	EmailVerificationSubject    string         `json:"EmailVerificationSubject,omitempty"`
	SmsVerificationMessage      string         `json:"SmsVerificationMessage,omitempty"`
	UserAttributeUpdateSettings map[string]any `json:"UserAttributeUpdateSettings,omitempty"`
	UserPoolAddOns              map[string]any `json:"UserPoolAddOns,omitempty"`
}

// mirrorMessages keeps the legacy verification message fields and
// VerificationMessageTemplate in step, as Cognito does, and fills the
// defaults DescribeUserPool shows.
func (p *Pool) mirrorMessages() {
	t := p.VerificationMessageTemplate
	if t == nil {
		t = map[string]any{}
	}
	set := func(key string, legacy *string) {
		if v, ok := t[key].(string); ok && v != "" {
			*legacy = v
		} else if *legacy != "" {
			t[key] = *legacy
		}
	}
	set("EmailMessage", &p.EmailVerificationMessage)
	set("EmailSubject", &p.EmailVerificationSubject)
	set("SmsMessage", &p.SmsVerificationMessage)
	if _, ok := t["DefaultEmailOption"]; !ok {
		t["DefaultEmailOption"] = "CONFIRM_WITH_CODE"
	}
	p.VerificationMessageTemplate = t
	if p.EmailConfiguration == nil {
		p.EmailConfiguration = map[string]any{"EmailSendingAccount": "COGNITO_DEFAULT"}
	}
}

// advancedSecurity reports whether the pool's threat protection
// (UserPoolAddOns.AdvancedSecurityMode) is AUDIT or ENFORCED.
func (p *Pool) advancedSecurity() bool {
	m, _ := p.UserPoolAddOns["AdvancedSecurityMode"].(string)
	return m == "AUDIT" || m == "ENFORCED"
}

// allowAdminCreateOnly reports AdminCreateUserConfig.AllowAdminCreateUserOnly.
func (p *Pool) allowAdminCreateOnly() bool {
	v, _ := p.AdminCreateUserConfig["AllowAdminCreateUserOnly"].(bool)
	return v
}

func (p *Pool) usernameIs(attr string) bool {
	for _, a := range p.UsernameAttributes {
		if a == attr {
			return true
		}
	}
	return false
}

func (p *Pool) aliasIs(attr string) bool {
	for _, a := range p.AliasAttributes {
		if a == attr {
			return true
		}
	}
	return p.usernameIs(attr)
}

func (p *Pool) autoVerifies(attr string) bool {
	for _, a := range p.AutoVerifiedAttributes {
		if a == attr {
			return true
		}
	}
	return false
}

var standardAttributes = []string{"sub", "name", "given_name", "family_name", "middle_name", "nickname", "preferred_username", "profile",
	"picture", "website", "email", "email_verified", "gender", "birthdate", "zoneinfo", "locale", "phone_number", "phone_number_verified", "address", "updated_at"}

func defaultSchema() []SchemaAttribute {
	f, t := false, true
	var out []SchemaAttribute
	for _, n := range standardAttributes {
		typ := "String"
		switch n {
		case "email_verified", "phone_number_verified":
			typ = "Boolean"
		case "updated_at":
			typ = "Number"
		}
		m := &t
		if n == "sub" {
			m = &f
		}
		a := SchemaAttribute{Name: n, AttributeDataType: typ, Mutable: m, Required: n == "sub"}
		switch {
		case n == "sub":
			a.StringAttributeConstraints = map[string]any{"MinLength": "1", "MaxLength": "2048"}
		case n == "birthdate":
			a.StringAttributeConstraints = map[string]any{"MinLength": "10", "MaxLength": "10"}
		case typ == "String":
			a.StringAttributeConstraints = map[string]any{"MinLength": "0", "MaxLength": "2048"}
		case typ == "Number":
			a.NumberAttributeConstraints = map[string]any{"MinValue": "0"}
		}
		out = append(out, a)
	}
	return out
}

var poolNameRE = regexp.MustCompile(`^[\w\s+=,.@-]{1,128}$`)

// CreatePool creates a user pool from a CreateUserPool request decoded
// into a Pool (Id, Arn and dates are set here).
func (s *Service) CreatePool(ctx context.Context, in Pool) (Pool, error) {
	if !poolNameRE.MatchString(in.Name) {
		return Pool{}, errParam("1 validation error detected: Value '%s' at 'poolName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w\\s+=,.@-]+", in.Name)
	}
	if len(in.UsernameAttributes) > 0 && len(in.AliasAttributes) > 0 {
		return Pool{}, errParam("Only one of the aliasAttributes or usernameAttributes can be set in a User Pool.")
	}
	for _, a := range append(append([]string{}, in.UsernameAttributes...), in.AliasAttributes...) {
		if a != "email" && a != "phone_number" && a != "preferred_username" {
			return Pool{}, errParam("Invalid alias or username attribute: %s", a)
		}
	}
	if in.Policies.SignInPolicy == nil {
		in.Policies.SignInPolicy = &SignInPolicy{AllowedFirstAuthFactors: []string{"PASSWORD"}}
	}
	if err := in.LambdaConfig.normalize(); err != nil {
		return Pool{}, err
	}
	if err := checkSignInPolicy(in.Policies.SignInPolicy); err != nil {
		return Pool{}, err
	}
	if passwordless(in.Policies.SignInPolicy.AllowedFirstAuthFactors) && in.MfaConfiguration == "ON" {
		return Pool{}, errParam("MFA cannot be required when passwordless sign-in factors are allowed.")
	}
	pp := &in.Policies.PasswordPolicy
	if pp.MinimumLength == 0 && !pp.RequireLowercase && !pp.RequireNumbers && !pp.RequireSymbols && !pp.RequireUppercase {
		*pp = PasswordPolicy{MinimumLength: 8, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true, TemporaryPasswordValidityDays: 7}
	}
	if pp.MinimumLength == 0 {
		pp.MinimumLength = 8
	}
	if pp.MinimumLength < 6 || pp.MinimumLength > 99 {
		return Pool{}, errParam("1 validation error detected: Value '%d' at 'policies.passwordPolicy.minimumLength' failed to satisfy constraint: Member must have value between 6 and 99", pp.MinimumLength)
	}
	if pp.TemporaryPasswordValidityDays == 0 {
		pp.TemporaryPasswordValidityDays = 7
	}
	schema := defaultSchema()
	for _, a := range in.SchemaAttributes {
		if err := addSchema(&schema, a, false); err != nil {
			return Pool{}, err
		}
	}
	now := s.now()
	region := awsregion.From(ctx, s.Region)
	in.Id = region + "_" + randomString(9, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
	if s.NewPoolID != nil {
		in.Id = s.NewPoolID(region)
	}
	// sekisho:id (a tag sekisho reads and does not keep) asks for a fixed
	// id, so an app's configuration survives a reset.
	fixed := false
	if want, ok := in.UserPoolTags[FixedIDTag]; ok {
		fixed = true
		delete(in.UserPoolTags, FixedIDTag)
		if len(in.UserPoolTags) == 0 {
			in.UserPoolTags = nil
		}
		if !fixedPoolIDRE.MatchString(want) || awsregion.Of(want, '_', "") == "" {
			return Pool{}, errParam("The sekisho:id tag %q is not a user pool id (<region>_<9 letters or digits>).", want)
		}
		in.Id, region = want, awsregion.Of(want, '_', "")
	}
	in.mirrorMessages()
	in.Arn = "arn:aws:cognito-idp:" + region + ":" + s.Account + ":userpool/" + in.Id
	in.SchemaAttributes, in.CreationDate, in.LastModifiedDate = schema, epoch(now), epoch(now)
	if in.MfaConfiguration == "" {
		in.MfaConfiguration = "OFF"
	}
	if in.DeletionProtection == "" {
		in.DeletionProtection = "INACTIVE"
	}
	if in.AdminCreateUserConfig == nil {
		in.AdminCreateUserConfig = map[string]any{"AllowAdminCreateUserOnly": false, "UnusedAccountValidityDays": 7}
	}
	switch in.MfaConfiguration {
	case "OFF", "ON", "OPTIONAL":
	default:
		return Pool{}, errParam("1 validation error detected: Value '%s' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]", in.MfaConfiguration)
	}
	if in.MfaConfiguration != "OFF" && in.SmsConfiguration == nil {
		return Pool{}, errParam("SMS configuration and Auto verification for phone_number are required when MFA is required/optional")
	}
	err := s.update(ctx, func(tx store.RecordTx) error {
		if err := quota(tx, kindPool, "", maxPools, "user pools"); err != nil {
			return err
		}
		if _, err := tx.Get(kindPool, in.Id); err == nil {
			return errParam("A user pool with id %s already exists.", in.Id)
		}
		if fixed {
			if err := tx.Put(kindFixedPool, in.Id, []byte("1")); err != nil {
				return err
			}
		}
		if in.MfaConfiguration != "OFF" {
			// MFA at creation is SMS MFA, the pool's SMS settings.
			cfg := MFAConfig{SmsMfaConfiguration: &SmsMfaConfig{SmsAuthenticationMessage: in.SmsAuthenticationMessage, SmsConfiguration: in.SmsConfiguration}}
			if err := store.PutJSON(tx, kindPoolMFA, in.Id, cfg); err != nil {
				return err
			}
		}
		return store.PutJSON(tx, kindPool, in.Id, in)
	})
	if err != nil {
		return Pool{}, err
	}
	_, err = s.keys(ctx, in.Id)
	return in, err
}

// Cognito's default quotas on what an account or pool holds.
const (
	maxPools   = 1000  // user pools per account
	maxClients = 1000  // app clients per user pool
	maxGroups  = 10000 // groups per user pool
)

// quota answers LimitExceededException when kind already holds max
// records under prefix. It reads only on creation, never on a hot path.
func quota(tx store.RecordTx, kind, prefix string, max int, what string) error {
	recs, err := tx.List(kind, prefix, "", max)
	if err != nil {
		return err
	}
	if len(recs) >= max {
		return awserr.Newf(400, "LimitExceededException", "The limit of %d %s has been reached.", max, what)
	}
	return nil
}

// maxCustomAttributes is Cognito's quota of custom attributes per pool.
const maxCustomAttributes = 50

func addSchema(schema *[]SchemaAttribute, a SchemaAttribute, customOnly bool) error {
	name := a.Name
	isStandard := false
	for _, n := range standardAttributes {
		isStandard = isStandard || n == name
	}
	if isStandard && !customOnly {
		for i := range *schema {
			e := &(*schema)[i]
			if e.Name != name {
				continue
			}
			if a.AttributeDataType != "" && a.AttributeDataType != e.AttributeDataType || a.DeveloperOnlyAttribute {
				return errParam("You can not change AttributeDataType or set developerOnlyAttribute for standard schema attribute %s", name)
			}
			if a.AttributeDataType != "" {
				if err := checkConstraints(name, &a); err != nil {
					return err
				}
				if a.StringAttributeConstraints != nil && e.AttributeDataType == "String" {
					e.StringAttributeConstraints = a.StringAttributeConstraints
				}
				if a.NumberAttributeConstraints != nil && e.AttributeDataType == "Number" {
					e.NumberAttributeConstraints = a.NumberAttributeConstraints
				}
			}
			e.Required = a.Required
			if a.Mutable != nil {
				e.Mutable = a.Mutable
			}
		}
		return nil
	}
	if !strings.HasPrefix(name, "custom:") {
		name = "custom:" + name
	}
	if len(name) > 27 {
		return errParam("Custom attribute name %s is too long.", name)
	}
	if a.AttributeDataType == "" {
		return errParam("Invalid AttributeDataType input, consider using the provided AttributeDataType enum.")
	}
	if a.DeveloperOnlyAttribute {
		name = "dev:" + name
	}
	if a.Required {
		return errParam("Required custom attributes are not supported currently.")
	}
	a.Name = name
	if err := checkConstraints(name, &a); err != nil {
		return err
	}
	custom := 0
	for _, e := range *schema {
		if strings.HasPrefix(e.Name, "custom:") || strings.HasPrefix(e.Name, "dev:custom:") {
			custom++
		}
	}
	if custom >= maxCustomAttributes {
		return errParam("A user pool can have at most %d custom attributes.", maxCustomAttributes)
	}
	for _, e := range *schema {
		if e.Name == name {
			return errParam("Existing attribute already has name %s.", name)
		}
	}
	t := true
	if a.Mutable == nil {
		a.Mutable = &t
	}
	if a.AttributeDataType == "String" && a.StringAttributeConstraints == nil {
		a.StringAttributeConstraints = map[string]any{}
	}
	*schema = append(*schema, a)
	return nil
}

// checkConstraints checks a schema attribute's length or value bounds as
// Cognito does: non-negative whole numbers (as strings), lengths of at
// most 2048, and a maximum not below the minimum.
func checkConstraints(name string, a *SchemaAttribute) error {
	limit := func(m map[string]any, key, what string) (int64, bool, error) {
		v, ok := m[key]
		if !ok || v == nil || v == "" {
			return 0, false, nil
		}
		s := fmt.Sprint(v)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, false, errParam("Invalid %s for schema attribute %s", what, name)
		}
		return n, true, nil
	}
	switch a.AttributeDataType {
	case "String":
		a.NumberAttributeConstraints = nil
		if a.StringAttributeConstraints == nil {
			return nil
		}
		lo, hasLo, err := limit(a.StringAttributeConstraints, "MinLength", "StringAttributeConstraints")
		if err != nil {
			return err
		}
		hi, hasHi, err := limit(a.StringAttributeConstraints, "MaxLength", "StringAttributeConstraints")
		if err != nil {
			return err
		}
		if lo > 2048 || hi > 2048 {
			return errParam("user.%s: String attributes cannot have a length of more than 2048", name)
		}
		if hasLo && hasHi && lo > hi {
			return errParam("user.%s: Max length cannot be less than min length.", name)
		}
	case "Number":
		a.StringAttributeConstraints = nil
		if a.NumberAttributeConstraints == nil {
			return nil
		}
		lo, hasLo, err := limit(a.NumberAttributeConstraints, "MinValue", "NumberAttributeConstraints")
		if err != nil {
			return err
		}
		hi, hasHi, err := limit(a.NumberAttributeConstraints, "MaxValue", "NumberAttributeConstraints")
		if err != nil {
			return err
		}
		if hasLo && hasHi && lo > hi {
			return errParam("user.%s: Max value cannot be less than min value.", name)
		}
	default:
		a.StringAttributeConstraints, a.NumberAttributeConstraints = nil, nil
	}
	return nil
}

// Pool returns a pool.
func (s *Service) Pool(ctx context.Context, id string) (Pool, error) {
	var p Pool
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		p, err = s.poolTx(tx, id)
		if err != nil {
			return err
		}
		p.EstimatedNumberOfUsers, err = userCountTx(tx, id)
		return err
	})
	return p, err
}

// poolCache holds decoded pools by id with the stored bytes they came
// from: a token check reads the bytes (cheap) and decodes only when they
// changed, so it stays exact on any number of nodes.
type poolCache struct {
	mu sync.RWMutex
	m  map[string]cachedPool
}

type cachedPool struct {
	raw  []byte
	pool Pool
}

// poolForCheck reads a pool for a token check. The result shares its maps
// and slices with the cache: callers must only read it.
func (s *Service) poolForCheck(ctx context.Context, id string) (Pool, error) {
	var raw []byte
	err := s.view(ctx, func(tx store.RecordTx) error {
		b, err := tx.Get(kindPool, id)
		if isNotFound(err) {
			return errNotFound("User pool %s does not exist.", id)
		}
		raw = append(raw[:0], b...)
		return err
	})
	if err != nil {
		return Pool{}, err
	}
	c := &s.pools
	c.mu.RLock()
	e, ok := c.m[id]
	c.mu.RUnlock()
	if ok && bytes.Equal(e.raw, raw) {
		return e.pool, nil
	}
	var p Pool
	if err := json.Unmarshal(raw, &p); err != nil {
		return Pool{}, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) > 10000 {
		c.m = map[string]cachedPool{}
	}
	c.m[id] = cachedPool{raw: raw, pool: p}
	c.mu.Unlock()
	return p, nil
}

// poolOnly reads a pool without its user count.
func (s *Service) poolOnly(ctx context.Context, id string) (Pool, error) {
	var p Pool
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		p, err = s.poolTx(tx, id)
		return err
	})
	return p, err
}

func (s *Service) poolTx(tx store.RecordTx, id string) (Pool, error) {
	p, err := store.GetJSON[Pool](tx, kindPool, id)
	if isNotFound(err) {
		return p, errNotFound("User pool %s does not exist.", id)
	}
	return p, err
}

// ListPools lists pools.
func (s *Service) ListPools(ctx context.Context) ([]Pool, error) {
	var out []Pool
	err := s.view(ctx, func(tx store.RecordTx) error {
		recs, err := tx.List(kindPool, "", "", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			p, err := store.GetJSON[Pool](tx, kindPool, r.ID)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// UpdatePool applies fn to a pool.
func (s *Service) UpdatePool(ctx context.Context, id string, fn func(p *Pool) error) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		p, err := s.poolTx(tx, id)
		if err != nil {
			return err
		}
		if err := fn(&p); err != nil {
			return err
		}
		p.LastModifiedDate = epoch(s.now())
		return store.PutJSON(tx, kindPool, id, p)
	})
}

// UpdatePoolSettings is UpdateUserPool: the settings in is given replace
// the pool's (a password policy, auto-verified attributes, MFA, deletion
// protection, admin-create and account-recovery settings, tags); the id,
// name, schema and username attributes stay.
func (s *Service) UpdatePoolSettings(ctx context.Context, id string, in Pool) error {
	if in.MfaConfiguration != "" && in.MfaConfiguration != "OFF" && in.MfaConfiguration != "ON" && in.MfaConfiguration != "OPTIONAL" {
		return errParam("1 validation error detected: Value '%s' at 'mfaConfiguration' failed to satisfy constraint: Member must satisfy enum value set: [OFF, ON, OPTIONAL]", in.MfaConfiguration)
	}
	if in.MfaConfiguration == "ON" || in.MfaConfiguration == "OPTIONAL" {
		// MFA needs a factor: the pool's, or SMS from the settings given.
		err := s.update(ctx, func(tx store.RecordTx) error {
			cfg, err := s.mfaConfigTx(tx, id)
			if err != nil || len(cfg.enabled()) > 0 {
				return err
			}
			if in.SmsConfiguration == nil {
				return errParam("Invalid MFA configuration given, can't disable all MFAs with a required or optional configuration.")
			}
			cfg.SmsMfaConfiguration = &SmsMfaConfig{SmsAuthenticationMessage: in.SmsAuthenticationMessage, SmsConfiguration: in.SmsConfiguration}
			return store.PutJSON(tx, kindPoolMFA, id, cfg)
		})
		if err != nil {
			return err
		}
	}
	return s.UpdatePool(ctx, id, func(p *Pool) error {
		if in.Policies.PasswordPolicy.MinimumLength > 0 {
			p.Policies.PasswordPolicy = in.Policies.PasswordPolicy
		}
		if in.Policies.SignInPolicy != nil {
			if err := checkSignInPolicy(in.Policies.SignInPolicy); err != nil {
				return err
			}
			p.Policies.SignInPolicy = in.Policies.SignInPolicy
		}
		if in.DeviceConfiguration != nil {
			p.DeviceConfiguration = in.DeviceConfiguration
		}
		if in.LambdaConfig != nil {
			if err := in.LambdaConfig.normalize(); err != nil {
				return err
			}
			p.LambdaConfig = in.LambdaConfig
		}
		if in.SmsConfiguration != nil {
			p.SmsConfiguration = in.SmsConfiguration
		}
		if in.SmsAuthenticationMessage != "" {
			p.SmsAuthenticationMessage = in.SmsAuthenticationMessage
		}
		if in.AutoVerifiedAttributes != nil {
			p.AutoVerifiedAttributes = in.AutoVerifiedAttributes
		}
		if in.MfaConfiguration != "" {
			p.MfaConfiguration = in.MfaConfiguration
		}
		mode := p.MfaConfiguration
		if mode == "ON" && p.Policies.SignInPolicy != nil && passwordless(p.Policies.SignInPolicy.AllowedFirstAuthFactors) {
			return errParam("MFA cannot be required when passwordless sign-in factors are allowed.")
		}
		if in.DeletionProtection != "" {
			p.DeletionProtection = in.DeletionProtection
		}
		if in.AdminCreateUserConfig != nil {
			p.AdminCreateUserConfig = in.AdminCreateUserConfig
		}
		if in.AccountRecoverySetting != nil {
			p.AccountRecoverySetting = in.AccountRecoverySetting
		}
		if in.UserPoolTags != nil {
			p.UserPoolTags = in.UserPoolTags
		}
		if in.EmailConfiguration != nil {
			p.EmailConfiguration = in.EmailConfiguration
		}
		if in.UserAttributeUpdateSettings != nil {
			p.UserAttributeUpdateSettings = in.UserAttributeUpdateSettings
		}
		if in.UserPoolAddOns != nil {
			p.UserPoolAddOns = in.UserPoolAddOns
		}
		if in.VerificationMessageTemplate != nil || in.EmailVerificationMessage != "" || in.EmailVerificationSubject != "" || in.SmsVerificationMessage != "" {
			p.VerificationMessageTemplate, p.EmailVerificationMessage, p.EmailVerificationSubject, p.SmsVerificationMessage =
				in.VerificationMessageTemplate, in.EmailVerificationMessage, in.EmailVerificationSubject, in.SmsVerificationMessage
		}
		p.mirrorMessages()
		return nil
	})
}

// AddCustomAttributes adds custom: attributes to a pool's schema.
func (s *Service) AddCustomAttributes(ctx context.Context, id string, attrs []SchemaAttribute) error {
	if len(attrs) < 1 || len(attrs) > 25 {
		return errParam("1 validation error detected: Value at 'customAttributes' failed to satisfy constraint: Member must have length less than or equal to 25 and greater than or equal to 1")
	}
	return s.UpdatePool(ctx, id, func(p *Pool) error {
		for _, a := range attrs {
			if err := addSchema(&p.SchemaAttributes, a, true); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeletePool deletes a pool and everything in it.
func (s *Service) DeletePool(ctx context.Context, id string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		p, err := s.poolTx(tx, id)
		if err != nil {
			return err
		}
		if p.DeletionProtection == "ACTIVE" {
			return errParam("The user pool cannot be deleted because deletion protection is activated. Deletion protection must be inactivated first.")
		}
		if p.Domain != "" {
			return errParam("The user pool %s has the domain %s. Delete the domain before the user pool.", id, p.Domain)
		}
		if err := deleteIdPsTx(tx, id); err != nil {
			return err
		}
		rss, err := tx.List(kindResourceServer, id+"/", "", 0)
		if err != nil {
			return err
		}
		for _, r := range rss {
			if err := tx.Delete(kindResourceServer, r.ID); err != nil {
				return err
			}
		}
		clients, err := tx.List(kindClient, id+"/", "", 0)
		if err != nil {
			return err
		}
		for _, r := range clients {
			if err := tx.Delete(kindClientPool, strings.TrimPrefix(r.ID, id+"/")); err != nil {
				return err
			}
		}
		if err := tx.Delete(kindFixedPool, id); err != nil {
			return err
		}
		if err := tx.Delete(kindPoolMFA, id); err != nil {
			return err
		}
		for _, kind := range []string{kindClient, kindUser, kindAlias, kindGroup, kindUserRefresh, kindPasskey, kindPasskeyID, kindDevice, kindTerms, kindBranding} {
			recs, err := tx.List(kind, id+"/", "", 0)
			if err != nil {
				return err
			}
			for _, r := range recs {
				if err := tx.Delete(kind, r.ID); err != nil {
					return err
				}
			}
		}
		if err := tx.Delete(kindUserCount, id); err != nil {
			return err
		}
		return tx.Delete(kindPool, id)
	})
}

// Client is an app client (UserPoolClientType).
type Client struct {
	UserPoolId                               string            `json:"UserPoolId"`
	ClientName                               string            `json:"ClientName"`
	ClientId                                 string            `json:"ClientId"`
	ClientSecret                             string            `json:"ClientSecret,omitempty"`
	LastModifiedDate                         epoch             `json:"LastModifiedDate"`
	CreationDate                             epoch             `json:"CreationDate"`
	RefreshTokenValidity                     int               `json:"RefreshTokenValidity"`
	AccessTokenValidity                      int               `json:"AccessTokenValidity,omitempty"`
	IdTokenValidity                          int               `json:"IdTokenValidity,omitempty"`
	TokenValidityUnits                       map[string]string `json:"TokenValidityUnits,omitempty"`
	ReadAttributes                           []string          `json:"ReadAttributes,omitempty"`
	WriteAttributes                          []string          `json:"WriteAttributes,omitempty"`
	ExplicitAuthFlows                        []string          `json:"ExplicitAuthFlows,omitempty"`
	SupportedIdentityProviders               []string          `json:"SupportedIdentityProviders,omitempty"`
	CallbackURLs                             []string          `json:"CallbackURLs,omitempty"`
	LogoutURLs                               []string          `json:"LogoutURLs,omitempty"`
	AllowedOAuthFlows                        []string          `json:"AllowedOAuthFlows,omitempty"`
	AllowedOAuthScopes                       []string          `json:"AllowedOAuthScopes,omitempty"`
	AllowedOAuthFlowsUserPoolClient          bool              `json:"AllowedOAuthFlowsUserPoolClient,omitempty"`
	DefaultRedirectURI                       string            `json:"DefaultRedirectURI,omitempty"`
	PreventUserExistenceErrors               string            `json:"PreventUserExistenceErrors,omitempty"`
	EnableTokenRevocation                    *bool             `json:"EnableTokenRevocation,omitempty"`
	EnablePropagateAdditionalUserContextData bool              `json:"EnablePropagateAdditionalUserContextData,omitempty"`
	AuthSessionValidity                      int               `json:"AuthSessionValidity,omitempty"`
	// sealedSecret is how the secret is stored; secretID and
	// secretCreated name it for ListUserPoolClientSecrets, and
	// extraSecrets are the others a rotation added (clientsecrets.go).
	SealedSecret  string         `json:"sealedSecret,omitempty"`
	SecretID      string         `json:"secretId,omitempty"`
	SecretCreated *epoch         `json:"secretCreated,omitempty"`
	ExtraSecrets  []ClientSecret `json:"extraSecrets,omitempty"`
}

const secretPurpose = "sekisho cognito client secret"

var validFlows = map[string]bool{"ALLOW_ADMIN_USER_PASSWORD_AUTH": true, "ALLOW_CUSTOM_AUTH": true, "ALLOW_USER_PASSWORD_AUTH": true,
	"ALLOW_USER_SRP_AUTH": true, "ALLOW_REFRESH_TOKEN_AUTH": true, "ALLOW_USER_AUTH": true,
	"ADMIN_NO_SRP_AUTH": true, "CUSTOM_AUTH_FLOW_ONLY": true, "USER_PASSWORD_AUTH": true}

func (c *Client) allows(flow string) bool {
	if len(c.ExplicitAuthFlows) == 0 {
		// AWS's default for clients created without flows.
		return flow == "ALLOW_USER_SRP_AUTH" || flow == "ALLOW_REFRESH_TOKEN_AUTH" || flow == "ALLOW_CUSTOM_AUTH"
	}
	legacy := map[string]string{"ALLOW_ADMIN_USER_PASSWORD_AUTH": "ADMIN_NO_SRP_AUTH", "ALLOW_USER_PASSWORD_AUTH": "USER_PASSWORD_AUTH"}
	for _, f := range c.ExplicitAuthFlows {
		if f == flow || legacy[flow] == f {
			return true
		}
	}
	// Legacy flow names imply refresh and SRP.
	if flow == "ALLOW_REFRESH_TOKEN_AUTH" || flow == "ALLOW_USER_SRP_AUTH" {
		for _, f := range c.ExplicitAuthFlows {
			if !strings.HasPrefix(f, "ALLOW_") {
				return true
			}
		}
	}
	return false
}

func (c *Client) validity() (access, id, refresh time.Duration) {
	unit := func(name, def string) time.Duration {
		switch c.TokenValidityUnits[name] {
		case "seconds":
			return time.Second
		case "minutes":
			return time.Minute
		case "hours":
			return time.Hour
		case "days":
			return 24 * time.Hour
		}
		if def == "days" {
			return 24 * time.Hour
		}
		return time.Hour
	}
	access, id, refresh = time.Hour, time.Hour, 30*24*time.Hour
	if c.AccessTokenValidity > 0 {
		access = time.Duration(c.AccessTokenValidity) * unit("AccessToken", "hours")
	}
	if c.IdTokenValidity > 0 {
		id = time.Duration(c.IdTokenValidity) * unit("IdToken", "hours")
	}
	if c.RefreshTokenValidity > 0 {
		refresh = time.Duration(c.RefreshTokenValidity) * unit("RefreshToken", "days")
	}
	return
}

// CreateClient creates an app client; generate makes a client secret.
func (s *Service) CreateClient(ctx context.Context, in Client, generate bool) (Client, error) {
	if in.ClientName == "" || len(in.ClientName) > 128 {
		return Client{}, errParam("1 validation error detected: Value at 'clientName' failed to satisfy constraint: Member must have length between 1 and 128")
	}
	for _, f := range in.ExplicitAuthFlows {
		if !validFlows[f] {
			return Client{}, errParam("1 validation error detected: Value '[%s]' at 'explicitAuthFlows' failed to satisfy constraint: Member must satisfy enum value set", f)
		}
	}
	if in.PreventUserExistenceErrors == "" {
		in.PreventUserExistenceErrors = "ENABLED"
	}
	if in.PreventUserExistenceErrors != "ENABLED" && in.PreventUserExistenceErrors != "LEGACY" {
		return Client{}, errParam("1 validation error detected: Value at 'preventUserExistenceErrors' failed to satisfy constraint: Member must satisfy enum value set: [LEGACY, ENABLED]")
	}
	if in.RefreshTokenValidity == 0 {
		in.RefreshTokenValidity = 30
	}
	if in.EnableTokenRevocation == nil {
		t := true
		in.EnableTokenRevocation = &t
	}
	if in.AuthSessionValidity == 0 {
		in.AuthSessionValidity = 3
	}
	now := s.now()
	in.ClientId = randomString(26, alnum)
	if s.NewClientID != nil {
		in.ClientId = s.NewClientID()
	}
	in.CreationDate, in.LastModifiedDate = epoch(now), epoch(now)
	if generate {
		secret := randomString(51, alnum)
		in.SealedSecret = s.Key.Seal(secretPurpose, []byte(secret))
	}
	random := in.ClientId
	err := s.update(ctx, func(tx store.RecordTx) error {
		if _, err := s.poolTx(tx, in.UserPoolId); err != nil {
			return err
		}
		in.ClientId = random
		if s.NewClientID == nil {
			if _, err := tx.Get(kindFixedPool, in.UserPoolId); err == nil {
				// A pool with a fixed id has fixed client ids too.
				if id := fixedClientID(in.UserPoolId, in.ClientName); !exists(tx, kindClientPool, id) {
					in.ClientId = id
				}
			}
		}
		if err := s.validateOAuth(tx, &in, generate); err != nil {
			return err
		}
		if err := quota(tx, kindClient, in.UserPoolId+"/", maxClients, "app clients in this user pool"); err != nil {
			return err
		}
		if err := tx.Put(kindClientPool, in.ClientId, []byte(in.UserPoolId)); err != nil {
			return err
		}
		return store.PutJSON(tx, kindClient, in.UserPoolId+"/"+in.ClientId, in)
	})
	if err != nil {
		return Client{}, err
	}
	return s.reveal(in), nil
}

// reveal fills in the plaintext secret for API output.
func (s *Service) reveal(c Client) Client {
	if c.SealedSecret != "" {
		if b, err := s.Key.Open(secretPurpose, c.SealedSecret); err == nil {
			c.ClientSecret = string(b)
		}
	}
	c.SealedSecret, c.SecretID, c.SecretCreated, c.ExtraSecrets = "", "", nil, nil
	return c
}

// Client returns an app client (with its secret).
func (s *Service) Client(ctx context.Context, pool, id string) (Client, error) {
	var c Client
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		c, err = s.clientTx(tx, pool, id)
		return err
	})
	return s.reveal(c), err
}

func (s *Service) clientTx(tx store.RecordTx, pool, id string) (Client, error) {
	if _, err := s.poolTx(tx, pool); err != nil {
		return Client{}, err
	}
	c, err := store.GetJSON[Client](tx, kindClient, pool+"/"+id)
	if isNotFound(err) {
		return c, errNotFound("User pool client %s does not exist.", id)
	}
	return c, err
}

// clientByID finds a client by id alone (sign-in calls name no pool).
func (s *Service) clientByID(tx store.RecordTx, id string) (Client, Pool, error) {
	pool, err := tx.Get(kindClientPool, id)
	if err != nil {
		return Client{}, Pool{}, errNotFound("User pool client %s does not exist.", id)
	}
	c, err := store.GetJSON[Client](tx, kindClient, string(pool)+"/"+id)
	if err != nil {
		return c, Pool{}, errNotFound("User pool client %s does not exist.", id)
	}
	p, err := s.poolTx(tx, c.UserPoolId)
	return c, p, err
}

// ListClients lists a pool's clients.
func (s *Service) ListClients(ctx context.Context, pool string) ([]Client, error) {
	var out []Client
	err := s.view(ctx, func(tx store.RecordTx) error {
		if _, err := s.poolTx(tx, pool); err != nil {
			return err
		}
		recs, err := tx.List(kindClient, pool+"/", "", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			c, err := store.GetJSON[Client](tx, kindClient, r.ID)
			if err != nil {
				return err
			}
			out = append(out, c)
		}
		return nil
	})
	return out, err
}

// UpdateClient replaces a client's settings, keeping its id and secret.
func (s *Service) UpdateClient(ctx context.Context, in Client) (Client, error) {
	var out Client
	err := s.update(ctx, func(tx store.RecordTx) error {
		old, err := s.clientTx(tx, in.UserPoolId, in.ClientId)
		if err != nil {
			return err
		}
		in.SealedSecret, in.CreationDate, in.LastModifiedDate = old.SealedSecret, old.CreationDate, epoch(s.now())
		in.SecretID, in.SecretCreated, in.ExtraSecrets = old.SecretID, old.SecretCreated, old.ExtraSecrets
		if in.ClientName == "" {
			in.ClientName = old.ClientName
		}
		if in.RefreshTokenValidity == 0 {
			in.RefreshTokenValidity = 30
		}
		if in.PreventUserExistenceErrors == "" {
			in.PreventUserExistenceErrors = old.PreventUserExistenceErrors
		}
		if in.EnableTokenRevocation == nil {
			in.EnableTokenRevocation = old.EnableTokenRevocation
		}
		if err := s.validateOAuth(tx, &in, old.SealedSecret != ""); err != nil {
			return err
		}
		out = in
		return store.PutJSON(tx, kindClient, in.UserPoolId+"/"+in.ClientId, in)
	})
	return s.reveal(out), err
}

// DeleteClient deletes an app client.
func (s *Service) DeleteClient(ctx context.Context, pool, id string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		if _, err := s.clientTx(tx, pool, id); err != nil {
			return err
		}
		if err := tx.Delete(kindClientPool, id); err != nil {
			return err
		}
		if err := deleteClientTermsTx(tx, pool, id); err != nil {
			return err
		}
		if err := deleteClientBrandingTx(tx, pool, id); err != nil {
			return err
		}
		return tx.Delete(kindClient, pool+"/"+id)
	})
}

var _ = awserr.New

// FixedIDTag is the creation tag that asks for a given pool id. A pool
// made with one gets app client ids derived from its id and the client's
// name (fixedClientID), so that an app's configuration — pool id and
// client id — survives a reset (the management account's pools; a member
// account's client ids name the account and stay random).
const FixedIDTag = "sekisho:id"

// kindFixedPool marks pools made with a fixed id.
const kindFixedPool = "cognito.fixedpool"

// fixedClientID is the client id a pool with a fixed id gives a client
// named name: 26 letters and digits, as AWS's are. Client ids are not
// secrets.
func fixedClientID(pool, name string) string {
	sum := sha256.Sum256([]byte("sekisho fixed client id\x00" + pool + "\x00" + name))
	out := make([]byte, 26)
	for i := range out {
		out[i] = alnum[int(sum[i])%len(alnum)]
	}
	return string(out)
}

func exists(tx store.RecordTx, kind, id string) bool {
	_, err := tx.Get(kind, id)
	return err == nil
}

var fixedPoolIDRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d+_[0-9a-zA-Z]{1,55}$`)
