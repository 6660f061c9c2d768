// Package account keeps the server's accounts. The server's own account
// (the configured --account-id) is the management account; member
// accounts are made with Organizations' CreateAccount. Every account is a
// tenant of S3 (buckets are owned by one account, their names global as
// in S3) with its own root user, and cross-account access follows AWS's
// rules in the policy engine.
//
// A member account's root keys are not stored: they derive from the
// server's master key and the account id (RootKeys), so `sekisho
// credentials --account ID` can print them without opening the store, and
// the access key id itself names its account, so a lookup costs one
// cached read.
package account

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/mail"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/seal"
	"github.com/sekisho/sekisho/internal/store"
)

const kindAccount = "account"

// MaxAccounts bounds the member accounts one server keeps.
const MaxAccounts = 1000

// Account is a member account.
type Account struct {
	ID      string
	Name    string
	Email   string
	Created time.Time
}

// Service keeps the member accounts.
type Service struct {
	Store store.Store
	Key   *seal.Key
	// Management is the server's own account id.
	Management string
	Now        func() time.Time

	mu    sync.Mutex
	known map[string]bool // accounts seen to exist (accounts are never deleted)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now().UTC()
}

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// RootKeys returns the root access key id and secret of an account,
// derived from the master key: "AKIA", 8 characters naming the account,
// 8 that only the master key makes.
func RootKeys(key *seal.Key, account string) (id, secret string) {
	var n uint64
	fmt.Sscan(account, &n)
	acct := binary.BigEndian.AppendUint64(nil, n)[3:] // 40 bits hold 12 digits
	mac := key.Derive("sekisho account root key id", []byte(account))
	id = "AKIA" + b32.EncodeToString(acct) + b32.EncodeToString(mac[:5])
	sec := key.Derive("sekisho account root secret", []byte(account+"/"+id))
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	out := make([]byte, 40)
	for i := range out {
		out[i] = alphabet[int(sec[i%len(sec)]^byte(i*29))%len(alphabet)]
	}
	return id, string(out)
}

// NewKeyID returns a new random IAM access key id of a member account:
// "AKIA", 8 characters naming the account, 8 random ones.
func NewKeyID(account string) string {
	var n uint64
	fmt.Sscan(account, &n)
	acct := binary.BigEndian.AppendUint64(nil, n)[3:]
	r := make([]byte, 5)
	rand.Read(r)
	return "AKIA" + b32.EncodeToString(acct) + b32.EncodeToString(r)
}

// OfKey returns the member account an access key id names (see RootKeys
// and NewKeyID), if it is shaped as they make them.
func OfKey(id string) (string, bool) { return accountOf(id) }

// accountOf returns the account a root access key id names, if it is
// shaped as RootKeys makes them.
func accountOf(id string) (string, bool) {
	if len(id) != 20 || !strings.HasPrefix(id, "AKIA") {
		return "", false
	}
	raw, err := b32.DecodeString(id[4:12])
	if err != nil || len(raw) != 5 {
		return "", false
	}
	n := binary.BigEndian.Uint64(append([]byte{0, 0, 0}, raw...))
	if n >= 1e12 {
		return "", false
	}
	return fmt.Sprintf("%012d", n), true
}

// Credential implements auth.Source for member accounts' root keys.
func (s *Service) Credential(ctx context.Context, id, token string) (auth.Credential, error) {
	acct, ok := accountOf(id)
	if !ok || acct == s.Management {
		return auth.Credential{}, auth.ErrUnknownAccessKey
	}
	want, secret := RootKeys(s.Key, acct)
	if subtle.ConstantTimeCompare([]byte(want), []byte(id)) != 1 {
		return auth.Credential{}, auth.ErrUnknownAccessKey
	}
	exists, err := s.exists(ctx, acct)
	if err != nil {
		return auth.Credential{}, err
	}
	if !exists {
		return auth.Credential{}, auth.ErrUnknownAccessKey
	}
	if token != "" {
		return auth.Credential{}, auth.ErrInvalidToken
	}
	return auth.Credential{SecretAccessKey: secret, Principal: auth.RootPrincipal(acct, id)}, nil
}

func (s *Service) exists(ctx context.Context, id string) (bool, error) {
	s.mu.Lock()
	ok := s.known[id]
	s.mu.Unlock()
	if ok {
		return true, nil
	}
	_, err := s.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) || awserr.Is(err, "AccountNotFoundException") {
		return false, nil
	}
	return err == nil, err
}

func (s *Service) remember(id string) {
	s.mu.Lock()
	if s.known == nil {
		s.known = map[string]bool{}
	}
	s.known[id] = true
	s.mu.Unlock()
}

func newAccountID() string {
	for {
		n, _ := rand.Int(rand.Reader, big.NewInt(9e11))
		id := fmt.Sprintf("%012d", n.Int64()+1e11)
		if id[0] != '0' {
			return id
		}
	}
}

// Create makes a member account.
func (s *Service) Create(ctx context.Context, name, email string) (Account, error) {
	if name == "" || len(name) > 50 {
		return Account{}, awserr.New(400, "ConstraintViolationException", "The account name must be 1 to 50 characters long.")
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) < 6 || len(email) > 64 {
		return Account{}, awserr.New(400, "InvalidInputException", "You provided a value that does not match the required pattern.").With("Reason", "INVALID_EMAIL_ADDRESS_TARGET")
	}
	a := Account{Name: name, Email: email, Created: s.now().Truncate(time.Second)}
	err := s.Store.UpdateRecords(ctx, func(tx store.RecordTx) error {
		all, err := tx.List(kindAccount, "", "", 0)
		if err != nil {
			return err
		}
		if len(all) >= MaxAccounts {
			return awserr.New(400, "ConstraintViolationException", "You have reached the maximum number of accounts.").With("Reason", "ACCOUNT_NUMBER_LIMIT_EXCEEDED")
		}
		for _, r := range all {
			var o Account
			if json.Unmarshal(r.Value, &o) == nil && strings.EqualFold(o.Email, email) {
				return awserr.New(409, "DuplicateAccountException", "That account already exists.")
			}
		}
		for {
			a.ID = newAccountID()
			if a.ID == s.Management {
				continue
			}
			if _, err := tx.Get(kindAccount, a.ID); errors.Is(err, store.ErrNotFound) {
				break
			}
		}
		v, err := json.Marshal(a)
		if err != nil {
			return err
		}
		return tx.Put(kindAccount, a.ID, v)
	})
	if err != nil {
		return Account{}, err
	}
	s.remember(a.ID)
	return a, nil
}

// Exists reports whether a member account exists.
func (s *Service) Exists(ctx context.Context, id string) (bool, error) { return s.exists(ctx, id) }

// Get returns a member account, or AccountNotFoundException.
func (s *Service) Get(ctx context.Context, id string) (Account, error) {
	var a Account
	err := s.Store.ViewRecords(ctx, func(tx store.RecordTx) error {
		v, err := tx.Get(kindAccount, id)
		if err != nil {
			return err
		}
		return json.Unmarshal(v, &a)
	})
	if errors.Is(err, store.ErrNotFound) {
		return a, awserr.New(400, "AccountNotFoundException", "You specified an account that doesn't exist.")
	}
	if err == nil {
		s.remember(id)
	}
	return a, err
}

// List returns every member account in id order.
func (s *Service) List(ctx context.Context) ([]Account, error) {
	var out []Account
	err := s.Store.ViewRecords(ctx, func(tx store.RecordTx) error {
		all, err := tx.List(kindAccount, "", "", 0)
		if err != nil {
			return err
		}
		for _, r := range all {
			var a Account
			if err := json.Unmarshal(r.Value, &a); err != nil {
				return err
			}
			out = append(out, a)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, err
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}

// Ids a member account's Cognito resources get name their account, so an
// unsigned call (a sign-in by client id, an identity's credentials) finds
// the account's services from the id alone. The management account's ids
// keep AWS's usual shapes, which these never take.

// PoolID returns a new user pool id of a member account: the region, "_",
// the 12-digit account and 9 random characters (the management account's
// have 9 after the "_").
func PoolID(region, account string) string {
	return region + "_" + account + randomString(9)
}

// ClientID returns a new app client id of a member account: the 12-digit
// account, "_" and 13 random characters — 26 in all, as AWS's (which hold
// no "_").
func ClientID(account string) string {
	return account + "_" + randomString(13)
}

// UUID returns a new UUID of a member account (for identity pool and
// identity ids): version 8, the custom layout of RFC 9562, with the
// account in its first 10 hex digits (the management account's are
// version 4).
func UUID(account string) string {
	var n uint64
	fmt.Sscan(account, &n)
	b := make([]byte, 16)
	rand.Read(b)
	binary.BigEndian.PutUint64(b[0:8], n<<24|binary.BigEndian.Uint64(b[0:8])&0xffffff)
	b[6] = b[6]&0x0f | 0x80
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// OfID returns the member account a user pool, app client, identity pool
// or identity id names (see PoolID, ClientID, UUID), if it names one.
func OfID(id string) (string, bool) {
	if i := strings.LastIndexByte(id, ':'); i >= 0 {
		u := strings.ReplaceAll(id[i+1:], "-", "")
		if len(u) != 32 || u[12] != '8' {
			return "", false
		}
		var n uint64
		if _, err := fmt.Sscanf(u[:10], "%x", &n); err != nil || n >= 1e12 {
			return "", false
		}
		return fmt.Sprintf("%012d", n), true
	}
	i := strings.LastIndexByte(id, '_')
	if i < 0 {
		return "", false
	}
	pre, suf := id[:i], id[i+1:]
	switch {
	case len(pre) == 12 && digits(pre) && len(suf) == 13:
		return pre, true // an app client
	case len(suf) == 21 && digits(suf[:12]):
		return suf[:12], true // a user pool
	}
	return "", false
}
