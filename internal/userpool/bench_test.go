package userpool

import (
	"fmt"
	"testing"
	"time"

	"github.com/sekisho/sekisho/internal/srp"
	"github.com/sekisho/sekisho/internal/store"
)

// BenchmarkSignIn measures USER_PASSWORD_AUTH end to end (lookup, argon2id
// check, token signing, refresh-token commit); BenchmarkPasswordHash the
// argon2id check alone; the difference is everything else.
func BenchmarkSignIn(b *testing.B) {
	s, p, c, _ := setup(b, Client{}, false)
	s.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: "bench", MessageAction: "SUPPRESS"})
	s.AdminSetUserPassword(ctx, p.Id, "bench", "Bench#Pass12", true)
	in := AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "bench", "PASSWORD": "Bench#Pass12"}}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.InitiateAuth(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPasswordHash(b *testing.B) {
	h := hashPassword("Bench#Pass12")
	for i := 0; i < b.N; i++ {
		if !checkPassword(h, "Bench#Pass12") {
			b.Fatal("mismatch")
		}
	}
}

// BenchmarkIssueTokens signs an ID and access token pair and stores a
// refresh token.
func BenchmarkIssueTokens(b *testing.B) {
	s, p, c, _ := setup(b, Client{}, false)
	u, _ := s.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: "bench", MessageAction: "SUPPRESS"})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := s.issueTokens(ctx, p, c, u, "", time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAccessTokenAt100kUsers verifies an access token in a pool of
// 100,000 users: the check must not grow with the pool (goal < 50 µs).
func BenchmarkAccessTokenAt100kUsers(b *testing.B) {
	s, p, c, _ := setup(b, Client{}, false)
	s.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: "bench", MessageAction: "SUPPRESS"})
	s.AdminSetUserPassword(ctx, p.Id, "bench", "Bench#Pass12", true)
	fillUsers(b, s, p, 100000)
	out, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": "bench", "PASSWORD": "Bench#Pass12"}})
	if err != nil {
		b.Fatal(err)
	}
	tok := out.AuthenticationResult.AccessToken
	b.Run("again", func(b *testing.B) { // the signature already checked
		for i := 0; i < b.N; i++ {
			if _, _, err := s.AccessClaims(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("first", func(b *testing.B) { // with the RSA check each time
		for i := 0; i < b.N; i++ {
			s.verified = verifiedCache{}
			if _, _, err := s.AccessClaims(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// fillUsers adds n bare users straight into the store (no password
// hashing), counted as the service counts them.
func fillUsers(tb testing.TB, s *Service, p Pool, n int) {
	for done := 0; done < n; {
		err := s.update(ctx, func(tx store.RecordTx) error {
			for i := 0; i < 10000 && done+i < n; i++ {
				name := fmt.Sprintf("filler-%07d", done+i)
				u := User{Pool: p.Id, Username: name, Attributes: map[string]string{"sub": name}, Enabled: true, Status: "CONFIRMED"}
				if err := s.saveUser(tx, p, nil, u); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
		done += 10000
	}
}

// BenchmarkSRPStart compares the first SRP step for a user that exists and
// one that does not (PreventUserExistenceErrors ENABLED): the fake
// challenge costs the same work, so timing does not tell them apart.
func BenchmarkSRPStart(b *testing.B) {
	s, p, c, _ := setup(b, Client{PreventUserExistenceErrors: "ENABLED"}, false)
	s.AuthRate = -1
	s.AdminCreateUser(ctx, CreateUserInput{UserPoolId: p.Id, Username: "real", MessageAction: "SUPPRESS"})
	s.AdminSetUserPassword(ctx, p.Id, "real", "Bench#Pass12", true)
	a := srp.NewClient().AHex()
	for _, name := range []string{"real", "ghost"} {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := s.InitiateAuth(ctx, AuthInput{ClientId: c.ClientId, AuthFlow: "USER_SRP_AUTH", AuthParameters: map[string]string{"USERNAME": name, "SRP_A": a}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
