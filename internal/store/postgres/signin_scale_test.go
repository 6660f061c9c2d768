package postgres

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/sekisho/sekisho/internal/seal"
	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/userpool"
)

// BenchmarkSignInAtScale: a password sign-in (USER_PASSWORD_AUTH, the
// light hash cost, so the hash does not hide the store) in a pool of 1k
// and of 1M users on PostgreSQL. The users are copies of one made through
// the service, written 20,000 per transaction; a sign-in reads its
// client, pool and user by key, so its time should not grow with them.
//
//	go test -run XXX -bench SignInAtScale -benchtime 2000x ./internal/store/postgres/
func BenchmarkSignInAtScale(b *testing.B) {
	for _, n := range []int{1_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			s := open(b)
			defer s.Close()
			ctx := b.Context()
			key, _ := seal.NewKey(make([]byte, 32))
			svc := &userpool.Service{Store: s, Key: key, Account: "123456789012", Region: "us-east-1", LightHash: true, AuthRate: -1,
				Issuer: func(id string) string { return "http://localhost/" + id }}
			p, err := svc.CreatePool(ctx, userpool.Pool{Name: "scale"})
			if err != nil {
				b.Fatal(err)
			}
			c, err := svc.CreateClient(ctx, userpool.Client{UserPoolId: p.Id, ClientName: "c", ExplicitAuthFlows: []string{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}}, false)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := svc.AdminCreateUser(ctx, userpool.CreateUserInput{UserPoolId: p.Id, Username: "user0", TemporaryPassword: "Temp#Pass1234", MessageAction: "SUPPRESS"}); err != nil {
				b.Fatal(err)
			}
			if err := svc.AdminSetUserPassword(ctx, p.Id, "user0", "Scale#Pass1234", true); err != nil {
				b.Fatal(err)
			}
			var proto userpool.User
			s.ViewRecords(ctx, func(tx store.RecordTx) error {
				proto, err = store.GetJSON[userpool.User](tx, "cognito.user", p.Id+"/user0")
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			for start := 1; start < n; start += 20_000 {
				err := s.UpdateRecords(ctx, func(tx store.RecordTx) error {
					for i := start; i < min(n, start+20_000); i++ {
						u := proto
						u.Username = fmt.Sprint("user", i)
						u.Attributes = map[string]string{"sub": fmt.Sprintf("00000000-0000-4000-8000-%012d", i)}
						v, _ := json.Marshal(u)
						if err := tx.Put("cognito.user", p.Id+"/"+strings.ToLower(u.Username), v); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			// Vacuum now, so that autovacuum does not run during the timing.
			if _, err := s.eng.pool.Exec(ctx, "VACUUM ANALYZE kv"); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				name := fmt.Sprint("user", (i*7919)%n)
				out, err := svc.InitiateAuth(ctx, userpool.AuthInput{ClientId: c.ClientId, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: map[string]string{"USERNAME": name, "PASSWORD": "Scale#Pass1234"}})
				if err != nil || out.AuthenticationResult == nil {
					b.Fatal(name, err)
				}
			}
		})
	}
}
