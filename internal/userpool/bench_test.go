package userpool

import (
	"testing"
	"time"
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
