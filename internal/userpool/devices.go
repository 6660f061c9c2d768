package userpool

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/srp"
	"github.com/sekisho/sekisho/internal/store"
)

// Remembered devices: a pool with a DeviceConfiguration gives each new
// sign-in a device key (NEW_DEVICE_METADATA); the client confirms it with
// an SRP verifier of its own secret (ConfirmDevice), and a remembered
// device then proves itself with DEVICE_SRP_AUTH and
// DEVICE_PASSWORD_VERIFIER — the SRP of a password sign-in with the
// device group key as the pool name and the device key as the user — in
// place of MFA.

// kindDevice holds a user's devices: pool/username/<device key>.
const kindDevice = "cognito.device"

const deviceVerifierPurpose = "sekisho cognito device verifier"

// Device is a tracked device.
type Device struct {
	Key, GroupKey string
	// Confirmed once ConfirmDevice gave its verifier (Salt hex, Verifier
	// sealed).
	Confirmed  bool
	Salt       string `json:",omitempty"`
	Verifier   string `json:",omitempty"`
	Name       string `json:",omitempty"`
	Remembered string `json:",omitempty"` // remembered, not_remembered
	Created    time.Time
	Modified   time.Time
	LastAuth   time.Time
	LastIP     string `json:",omitempty"`
}

// DeviceView is DeviceType.
type DeviceView struct {
	DeviceKey                   string          `json:"DeviceKey"`
	DeviceAttributes            []AttributeType `json:"DeviceAttributes"`
	DeviceCreateDate            epoch           `json:"DeviceCreateDate"`
	DeviceLastModifiedDate      epoch           `json:"DeviceLastModifiedDate"`
	DeviceLastAuthenticatedDate epoch           `json:"DeviceLastAuthenticatedDate"`
}

func (d Device) view() DeviceView {
	attrs := []AttributeType{{"device_status", "valid"}}
	if d.Name != "" {
		attrs = append(attrs, AttributeType{"device_name", d.Name})
	}
	if d.Remembered != "" {
		attrs = append(attrs, AttributeType{"dev:device_remembered_status", d.Remembered})
	}
	if d.LastIP != "" {
		attrs = append(attrs, AttributeType{"last_ip_used", d.LastIP})
	}
	return DeviceView{DeviceKey: d.Key, DeviceAttributes: attrs, DeviceCreateDate: epoch(d.Created), DeviceLastModifiedDate: epoch(d.Modified),
		DeviceLastAuthenticatedDate: epoch(d.LastAuth)}
}

// NewDeviceMetadata is NewDeviceMetadataType.
type NewDeviceMetadata struct {
	DeviceKey      string `json:"DeviceKey"`
	DeviceGroupKey string `json:"DeviceGroupKey"`
}

func deviceKey(pool, username, key string) string { return userKey(pool, username) + "/" + key }

func errNoDevice() error { return errNotFound("Device does not exist.") }

// deviceFor reads one of a user's devices.
func (s *Service) deviceFor(ctx context.Context, pool, username, key string) (Device, error) {
	var d Device
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		d, err = store.GetJSON[Device](tx, kindDevice, deviceKey(pool, username, key))
		if isNotFound(err) {
			return errNoDevice()
		}
		return err
	})
	return d, err
}

// trackDevice is the device part of a completed sign-in: a known device
// of the user's is noted and its key goes in the access token; otherwise
// a pool that tracks devices makes a new one (NEW_DEVICE_METADATA).
func (s *Service) trackDevice(ctx context.Context, p Pool, u User, given string) (key string, meta *NewDeviceMetadata, err error) {
	if p.DeviceConfiguration == nil {
		return "", nil, nil
	}
	now := s.now()
	if given != "" {
		known := false
		err := s.update(ctx, func(tx store.RecordTx) error {
			d, err := store.GetJSON[Device](tx, kindDevice, deviceKey(p.Id, u.Username, given))
			if isNotFound(err) {
				return nil
			} else if err != nil {
				return err
			}
			known = true
			d.LastAuth, d.LastIP = now, sourceIP(ctx)
			return store.PutJSON(tx, kindDevice, deviceKey(p.Id, u.Username, given), d)
		})
		if err != nil {
			return "", nil, err
		}
		if known {
			return given, nil, nil
		}
	}
	d := Device{Key: s.RegionOf(p.Id) + "_" + newUUID(), GroupKey: "-" + randomString(9, alnum), Created: now, Modified: now, LastAuth: now, LastIP: sourceIP(ctx)}
	err = s.update(ctx, func(tx store.RecordTx) error {
		// Unconfirmed devices do not pile up: at most a few per user.
		recs, err := tx.List(kindDevice, userKey(p.Id, u.Username)+"/", "", 0)
		if err != nil {
			return err
		}
		unconfirmed := 0
		for _, r := range recs {
			var o Device
			if json.Unmarshal(r.Value, &o) == nil && !o.Confirmed {
				if unconfirmed++; unconfirmed >= 10 || now.Sub(o.Created) > 24*time.Hour {
					if err := tx.Delete(kindDevice, r.ID); err != nil {
						return err
					}
				}
			}
		}
		return store.PutJSON(tx, kindDevice, deviceKey(p.Id, u.Username, d.Key), d)
	})
	if err != nil {
		return "", nil, err
	}
	return d.Key, &NewDeviceMetadata{DeviceKey: d.Key, DeviceGroupKey: d.GroupKey}, nil
}

// ConfirmDevice stores a new device's SRP verifier; the answer says
// whether the user must still choose to remember it.
func (s *Service) ConfirmDevice(ctx context.Context, accessToken, key, verifierB64, saltB64, name string) (bool, error) {
	p, u, claims, err := s.checkAccess(ctx, accessToken)
	if err != nil {
		return false, err
	}
	if !claims.hasScope(adminScope) {
		return false, errNotAuthorized("Access Token does not have required scopes")
	}
	if p.DeviceConfiguration == nil {
		return false, awserr.New(400, "InvalidUserPoolConfigurationException", "Device tracking is not enabled for this user pool.")
	}
	vb, err1 := base64.StdEncoding.DecodeString(verifierB64)
	sb, err2 := base64.StdEncoding.DecodeString(saltB64)
	if err1 != nil || err2 != nil || len(vb) == 0 || len(vb) > 512 || len(sb) == 0 || len(sb) > 64 {
		return false, errParam("Invalid device secret verifier config.")
	}
	v := new(big.Int).SetBytes(vb)
	if v.Sign() == 0 || v.Cmp(srp.N) >= 0 {
		return false, errParam("Invalid device secret verifier config.")
	}
	if len(name) > 1024 {
		return false, errParam("1 validation error detected: Value at 'deviceName' failed to satisfy constraint: Member must have length less than or equal to 1024")
	}
	onPrompt := p.DeviceConfiguration.DeviceOnlyRememberedOnUserPrompt
	err = s.update(ctx, func(tx store.RecordTx) error {
		k := deviceKey(p.Id, u.Username, key)
		d, err := store.GetJSON[Device](tx, kindDevice, k)
		if isNotFound(err) {
			return errParam("Invalid device key given.")
		} else if err != nil {
			return err
		}
		if d.Confirmed {
			return awserr.New(400, "DeviceKeyExistsException", "Device key already exists.")
		}
		d.Confirmed, d.Name, d.Modified = true, name, s.now()
		d.Salt = new(big.Int).SetBytes(sb).Text(16)
		d.Verifier = s.Key.Seal(deviceVerifierPurpose, vb)
		d.Remembered = "remembered"
		if onPrompt {
			d.Remembered = "not_remembered"
		}
		return store.PutJSON(tx, kindDevice, k, d)
	})
	return onPrompt, err
}

// deviceUser resolves the user behind an access token (self) or an admin
// call.
func (s *Service) deviceUser(ctx context.Context, accessToken, pool, username string) (string, string, error) {
	if accessToken != "" {
		p, u, err := s.AccessClaims(ctx, accessToken)
		if err != nil {
			return "", "", err
		}
		return p.Id, u.Username, nil
	}
	var name string
	err := s.view(ctx, func(tx store.RecordTx) error {
		p, err := s.poolTx(tx, pool)
		if err != nil {
			return err
		}
		u, err := s.findUser(tx, p, username)
		name = u.Username
		return err
	})
	return pool, name, err
}

// UpdateDeviceStatus sets a device remembered or not.
func (s *Service) UpdateDeviceStatus(ctx context.Context, accessToken, pool, username, key, status string) error {
	if status != "remembered" && status != "not_remembered" && status != "" {
		return errParam("1 validation error detected: Value '%s' at 'deviceRememberedStatus' failed to satisfy constraint: Member must satisfy enum value set: [remembered, not_remembered]", status)
	}
	pool, username, err := s.deviceUser(ctx, accessToken, pool, username)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx store.RecordTx) error {
		k := deviceKey(pool, username, key)
		d, err := store.GetJSON[Device](tx, kindDevice, k)
		if isNotFound(err) || err == nil && !d.Confirmed {
			return errNoDevice()
		} else if err != nil {
			return err
		}
		d.Remembered, d.Modified = status, s.now()
		return store.PutJSON(tx, kindDevice, k, d)
	})
}

// GetDevice reads a device.
func (s *Service) GetDevice(ctx context.Context, accessToken, pool, username, key string) (DeviceView, error) {
	pool, username, err := s.deviceUser(ctx, accessToken, pool, username)
	if err != nil {
		return DeviceView{}, err
	}
	d, err := s.deviceFor(ctx, pool, username, key)
	if err == nil && !d.Confirmed {
		err = errNoDevice()
	}
	return d.view(), err
}

// ForgetDevice removes a device: it is no longer remembered, and refresh
// tokens bound to it stop working.
func (s *Service) ForgetDevice(ctx context.Context, accessToken, pool, username, key string) error {
	pool, username, err := s.deviceUser(ctx, accessToken, pool, username)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx store.RecordTx) error {
		k := deviceKey(pool, username, key)
		if _, err := tx.Get(kindDevice, k); isNotFound(err) {
			return errNoDevice()
		} else if err != nil {
			return err
		}
		return tx.Delete(kindDevice, k)
	})
}

// ListDevices lists a user's confirmed devices, a page at a time (the
// token is the last device key of the page before).
func (s *Service) ListDevices(ctx context.Context, accessToken, pool, username string, limit int, token string) ([]DeviceView, string, error) {
	if limit == 0 {
		limit = 60
	}
	if limit < 0 || limit > 60 {
		return nil, "", errParam("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 60", limit)
	}
	pool, username, err := s.deviceUser(ctx, accessToken, pool, username)
	if err != nil {
		return nil, "", err
	}
	out := []DeviceView{}
	next := ""
	err = s.view(ctx, func(tx store.RecordTx) error {
		prefix := userKey(pool, username) + "/"
		after := ""
		if token != "" {
			after = prefix + token
		}
		recs, err := tx.List(kindDevice, prefix, after, 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			var d Device
			if json.Unmarshal(r.Value, &d) != nil || !d.Confirmed {
				continue
			}
			if len(out) == limit {
				next = out[len(out)-1].DeviceKey
				return nil
			}
			out = append(out, d.view())
		}
		return nil
	})
	return out, next, err
}

func deleteDevicesTx(tx store.RecordTx, pool, username string) error {
	recs, err := tx.List(kindDevice, userKey(pool, username)+"/", "", 0)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if err := tx.Delete(kindDevice, r.ID); err != nil {
			return err
		}
	}
	return nil
}

// rememberedDevice reports whether key is a confirmed, remembered device
// of the user's (which may then skip MFA with DEVICE_SRP_AUTH).
func (s *Service) rememberedDevice(ctx context.Context, p Pool, u User, key string) bool {
	if key == "" || p.DeviceConfiguration == nil {
		return false
	}
	d, err := s.deviceFor(ctx, p.Id, u.Username, key)
	return err == nil && d.Confirmed && d.Remembered == "remembered"
}

// deviceSRPStart answers DEVICE_SRP_AUTH: the device's SRP begins.
func (s *Service) deviceSRPStart(ctx context.Context, p Pool, c Client, sess string, r map[string]string) (*AuthOutput, error) {
	st, err := s.openSession(sess)
	if err != nil {
		return nil, err
	}
	if st.Kind != "DEVICE_SRP_AUTH" || st.Client != c.ClientId || st.Pool != p.Id {
		return nil, errNotAuthorized("Invalid session for the user.")
	}
	if err := s.checkSecretHash(c, []string{r["USERNAME"], st.Username}, r["SECRET_HASH"]); err != nil {
		return nil, err
	}
	u, err := s.sessionUser(ctx, p, st, r["USERNAME"])
	if err != nil {
		return nil, err
	}
	key := r["DEVICE_KEY"]
	if key == "" || key != st.Device {
		return nil, errNoDevice()
	}
	d, err := s.deviceFor(ctx, p.Id, u.Username, key)
	if err != nil || !d.Confirmed {
		return nil, errNoDevice()
	}
	A, ok := new(big.Int).SetString(r["SRP_A"], 16)
	if !ok {
		return nil, errParam("Missing required parameter SRP_A")
	}
	if new(big.Int).Mod(A, srp.N).Sign() == 0 {
		return nil, errNotAuthorized("Incorrect username or password.")
	}
	vb, err := s.Key.Open(deviceVerifierPurpose, d.Verifier)
	if err != nil {
		return nil, err
	}
	b, B := srp.ServerStart(new(big.Int).SetBytes(vb))
	next := s.challengeSession(p, c, u, "DEVICE_PASSWORD_VERIFIER", signInOpts{device: key})
	next.A, next.B, next.Bsec = A.Text(16), B.Text(16), b.Text(16)
	block := base64.StdEncoding.EncodeToString([]byte(s.sealSession(next)))
	return &AuthOutput{ChallengeName: "DEVICE_PASSWORD_VERIFIER", ChallengeParameters: map[string]string{
		"SALT": d.Salt, "SRP_B": B.Text(16), "SECRET_BLOCK": block, "USERNAME": u.Username, "DEVICE_KEY": key}}, nil
}

// deviceSRPFinish answers DEVICE_PASSWORD_VERIFIER: a device that proves
// its secret signs in without MFA.
func (s *Service) deviceSRPFinish(ctx context.Context, p Pool, c Client, r map[string]string) (*AuthOutput, error) {
	block, err := base64.StdEncoding.DecodeString(r["PASSWORD_CLAIM_SECRET_BLOCK"])
	if err != nil {
		return nil, errNotAuthorized("Invalid session for the user.")
	}
	st, err := s.openSession(string(block))
	if err != nil {
		return nil, err
	}
	if st.Kind != "DEVICE_PASSWORD_VERIFIER" || st.Client != c.ClientId || st.Pool != p.Id {
		return nil, errNotAuthorized("Invalid session for the user.")
	}
	if err := s.checkSecretHash(c, []string{r["USERNAME"], st.Username}, r["SECRET_HASH"]); err != nil {
		return nil, err
	}
	ts, ok := srp.ParseTimestamp(r["TIMESTAMP"])
	if !ok {
		return nil, errParam("TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.")
	}
	u, err := s.sessionUser(ctx, p, st, r["USERNAME"])
	if err != nil {
		return nil, err
	}
	key := st.Device
	if k := r["DEVICE_KEY"]; k != "" && k != key {
		return nil, errNoDevice()
	}
	d, err := s.deviceFor(ctx, p.Id, u.Username, key)
	if err != nil || !d.Confirmed {
		return nil, errNoDevice()
	}
	vb, err := s.Key.Open(deviceVerifierPurpose, d.Verifier)
	if err != nil {
		return nil, err
	}
	A, _ := new(big.Int).SetString(st.A, 16)
	B, _ := new(big.Int).SetString(st.B, 16)
	b, _ := new(big.Int).SetString(st.Bsec, 16)
	K, err := srp.ServerKey(A, B, b, new(big.Int).SetBytes(vb))
	if err != nil || !srp.VerifySignature(K, d.GroupKey, d.Key, block, ts, r["PASSWORD_CLAIM_SIGNATURE"]) {
		return nil, s.recordFailure(ctx, p.Id, u.Username)
	}
	if err := userState(u); err != nil {
		return nil, err
	}
	if err := s.locked(u); err != nil {
		return nil, err
	}
	return s.signedIn(ctx, p, c, u, signInOpts{device: key, deviceProven: true})
}

// validDeviceKey reports the shape of a device key: region_uuid.
func validDeviceKey(k string) bool {
	_, id, ok := strings.Cut(k, "_")
	return ok && len(id) == 36 && len(k) <= 55
}
