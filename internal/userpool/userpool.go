// Package userpool is Cognito user pools: pools and app clients, users and
// groups, sign-up and sign-in (password and SRP), and the ID, access and
// refresh tokens they earn. It knows nothing of HTTP; errors are
// *awserr.Error values in Cognito's codes and words.
//
// State is kept as records in the metadata store. Passwords are stored as
// argon2id hashes and SRP verifiers sealed under the master key; token
// signing keys are per pool, sealed too, and never removed, so a rotation
// does not break tokens already issued.
package userpool

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/seal"
	"github.com/sekisho/sekisho/internal/store"
)

// Record kinds.
const (
	kindPool   = "cognito.pool"
	kindClient = "cognito.client"
	kindUser   = "cognito.user"
	// kindUserCount holds each pool's number of users.
	kindUserCount = "cognito.usercount"
	kindAlias     = "cognito.alias"
	kindGroup     = "cognito.group"
	kindRefresh   = "cognito.refresh"
	// kindClientPool maps a client id to its pool (sign-in calls name
	// only the client); kindUserRefresh lists a user's refresh tokens
	// (pool/username/token hash) for sign-out and deletion.
	kindClientPool  = "cognito.clientpool"
	kindUserRefresh = "cognito.userrefresh"
)

// Service is the user-pool service of one account and region.
type Service struct {
	Store   store.Store
	Key     *seal.Key
	Account string
	Region  string
	// Issuer returns the "iss" of a pool's tokens.
	Issuer func(poolID string) string
	// Outbox receives verification and reset codes.
	Outbox Outbox
	Log    *slog.Logger
	Now    func() time.Time
	// AuthRate is sign-in and sign-up requests per second per pool
	// (DefaultAuthRate if 0, unlimited if negative).
	AuthRate int
	// Peers, when set, reports how many nodes share the store; the
	// per-node limits (AuthRate, the per-source wrong-code budget) are
	// divided among them so that the cluster admits what one node would.
	Peers func() int
	// NewPoolID and NewClientID make pool and app client ids (AWS's
	// shapes if nil); a member account's name their account.
	NewPoolID   func(region string) string
	NewClientID func() string
	// Domains keeps the domain prefixes of every account's pools (Store
	// if nil): prefixes are unique on the server.
	Domains store.Store
	// AuthDomain is the domain prefix domains live under
	// ("<prefix>.<AuthDomain>"; "auth.localhost" if empty).
	AuthDomain string
	// Upstream reaches external OIDC providers (nil: none can be used
	// for sign-in, nor discovered).
	Upstream Upstream
	// Notify, if set, is told of security events: SignIn, SignInFailed,
	// Lockout (with the pool and username; never a secret). It must not
	// block.
	Notify func(event, pool, username string)
	// LightHash hashes new passwords at the light argon2id cost
	// (--password-hash-cost light).
	LightHash bool
	// Lambda invokes the pools' triggers (nil: a pool with triggers
	// fails where they would run, as Cognito does when it cannot invoke
	// them).
	Lambda Lambda

	mu        sync.Mutex
	keyCache  map[string]*signingKeys
	limits    limiter
	codeGuard codeGuard

	pools    poolCache
	verified verifiedCache
	hashOnce sync.Once

	dummyOnce   sync.Once
	dummyUser   []byte
	dummySealed string
	hashSlots   chan struct{}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now().UTC()
}

// Errors in Cognito's words.
func errNotFound(format string, args ...any) error {
	return awserr.Newf(400, "ResourceNotFoundException", format, args...)
}

func errParam(format string, args ...any) error {
	return awserr.Newf(400, "InvalidParameterException", format, args...)
}

func errNotAuthorized(msg string) error { return awserr.New(400, "NotAuthorizedException", msg) }

var errIncorrect = errNotAuthorized("Incorrect username or password.")

func errUserNotFound() error { return awserr.New(400, "UserNotFoundException", "User does not exist.") }

func (s *Service) view(ctx context.Context, fn func(tx store.RecordTx) error) error {
	return s.Store.ViewRecords(ctx, fn)
}

func (s *Service) update(ctx context.Context, fn func(tx store.RecordTx) error) error {
	return s.Store.UpdateRecords(ctx, fn)
}

const alnum = "abcdefghijklmnopqrstuvwxyz0123456789"

func randomString(n int, alphabet string) string {
	// Rejection sampling: bytes past the largest multiple of the
	// alphabet's size would favour its first letters.
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, n+8)
	for len(out) < n {
		rand.Read(buf)
		for _, b := range buf {
			if int(b) < limit && len(out) < n {
				out = append(out, alphabet[int(b)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// newUUID returns a random version-4 UUID.
func newUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return uuidOf(b)
}

// uuidOf formats 16 bytes as a version-4 UUID.
func uuidOf(b []byte) string {
	b = append([]byte(nil), b[:16]...)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// epoch is how the JSON protocol renders timestamps (seconds, fractional).
type epoch time.Time

func (e epoch) MarshalJSON() ([]byte, error) {
	t := time.Time(e)
	return []byte(fmt.Sprintf("%.3f", float64(t.UnixNano())/1e9)), nil
}

func (e *epoch) UnmarshalJSON(b []byte) error {
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*e = epoch(time.Unix(0, int64(f*1e9)).UTC())
	return nil
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }

func userKey(pool, username string) string { return pool + "/" + strings.ToLower(username) }
