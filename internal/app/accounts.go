package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sekisho/sekisho/internal/account"
)

// takeFlag removes "--name value" or "--name=value" from args and returns
// the value ("" if absent).
func takeFlag(args []string, name string) ([]string, string) {
	var out []string
	val := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--"+name || a == "-"+name:
			if i+1 < len(args) {
				val = args[i+1]
				i++
			}
		case strings.HasPrefix(a, "--"+name+"="), strings.HasPrefix(a, "-"+name+"="):
			val = a[strings.Index(a, "=")+1:]
		default:
			out = append(out, a)
		}
	}
	return out, val
}

// accountCredentials prints an account's root keys: the management
// account's (the server's root keys) or a member account's (derived from
// the master key).
func accountCredentials(cfg *Config, w io.Writer, acct string) error {
	key, err := masterKey(cfg)
	if err != nil {
		return err
	}
	if acct == "" || acct == cfg.AccountID {
		id, secret, err := rootKeysOf(cfg, key)
		if err != nil {
			return err
		}
		printExports(w, cfg, id, secret)
		return nil
	}
	if len(acct) != 12 || strings.Trim(acct, "0123456789") != "" {
		return fmt.Errorf("--account %q is not a 12-digit account id", acct)
	}
	id, secret := account.RootKeys(key, acct)
	printExports(w, cfg, id, secret)
	return nil
}

// Account runs `sekisho account create NAME --email ADDRESS` and
// `sekisho account list` against the running server, as its root
// (Organizations CreateAccount and ListAccounts).
func Account(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, stderr *os.File) error {
	if len(args) == 0 || args[0] != "create" && args[0] != "list" {
		return errors.New("usage: sekisho account create NAME [--email ADDRESS] [flags] | sekisho account list [flags]")
	}
	op, rest := args[0], args[1:]
	name := ""
	if op == "create" {
		if len(rest) == 0 || strings.HasPrefix(rest[0], "-") {
			return errors.New("usage: sekisho account create NAME [--email ADDRESS] [flags]")
		}
		name, rest = rest[0], rest[1:]
	}
	rest, email := takeFlag(rest, "email")
	cfg, err := ParseConfig(rest, getenv, stderr)
	if err != nil {
		return err
	}
	key, err := masterKey(cfg)
	if err != nil {
		return err
	}
	id, secret, _, err := rootCredentials(cfg, key)
	if err != nil {
		return err
	}
	call := func(target string, in, out any) error {
		body, _ := json.Marshal(in)
		req, err := http.NewRequestWithContext(ctx, "POST", strings.TrimSuffix(cfg.PublicURL, "/")+"/", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "AWSOrganizationsV20161128."+target)
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}, req, hex.EncodeToString(sum[:]), "organizations", "us-east-1", time.Now()); err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("is the server running at %s? %w", cfg.PublicURL, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if resp.StatusCode != 200 {
			return fmt.Errorf("%s: %s", resp.Status, b)
		}
		return json.Unmarshal(b, out)
	}
	if op == "list" {
		var out struct {
			Accounts []struct{ Id, Name, Email string }
		}
		if err := call("ListAccounts", struct{}{}, &out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\t(management account)\n", cfg.AccountID)
		for _, a := range out.Accounts {
			fmt.Fprintf(stdout, "%s\t%s\t%s\n", a.Id, a.Name, a.Email)
		}
		return nil
	}
	if email == "" {
		email = strings.ToLower(strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
				return r
			}
			return '-'
		}, name)) + "@accounts.sekisho.invalid"
	}
	var out struct {
		CreateAccountStatus struct{ AccountId string }
	}
	if err := call("CreateAccount", map[string]string{"AccountName": name, "Email": email}, &out); err != nil {
		return err
	}
	acct := out.CreateAccountStatus.AccountId
	fmt.Fprintf(stdout, "Account %s (%s) created. Its root user's keys:\n\n", acct, name)
	return accountCredentials(cfg, stdout, acct)
}
