package app

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ci "github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/sekisho/sekisho/internal/seal"
	"github.com/sekisho/sekisho/internal/srp"
)

// The credential helper: `sekisho credential-process login …` signs a
// user in once (SRP, with an MFA code when the pool asks, or a refresh
// token an administrator gives) and keeps the refresh token sealed in a
// 0600 file; `sekisho credential-process --profile NAME` then prints the
// identity pool's temporary credentials in the credential_process format,
// refreshing them silently, so
//
//	[profile app]
//	credential_process = sekisho credential-process --profile app
//
// makes the AWS CLI, boto3 and every SDK work with them for as long as the
// refresh token lives.

// credProfile is a profile's file (the secrets in it sealed under the
// helper's own key, kept beside it).
type credProfile struct {
	Endpoint, Region, UserPoolID, ClientID, IdentityPoolID, Username string
	IdentityID                                                       string `json:",omitempty"`
	SealedRefresh                                                    string
	// SealedCredentials caches the last credentials until they near
	// expiry.
	SealedCredentials string `json:",omitempty"`
}

type processCredentials struct {
	Version         int
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

const (
	credRefreshPurpose = "sekisho credential-process refresh token"
	credCachePurpose   = "sekisho credential-process credentials"
)

func credDir(getenv func(string) string) string {
	if d := getenv("SEKISHO_CREDENTIALS_DIR"); d != "" {
		return d
	}
	if d := getenv("XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "sekisho", "credential-process")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".config", "sekisho", "credential-process")
}

// credKey is the helper's sealing key, made on first use (0600).
func credKey(dir string) (*seal.Key, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return seal.LoadOrCreate(filepath.Join(dir, "key"))
}

// CredentialProcess is `sekisho credential-process`.
func CredentialProcess(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "login" {
		return credLogin(ctx, args[1:], getenv, stdin, stderr)
	}
	fs := flag.NewFlagSet("credential-process", flag.ContinueOnError)
	fs.SetOutput(stderr)
	profile := fs.String("profile", "default", "the profile made by credential-process login")
	before := fs.Duration("refresh-before", 5*time.Minute, "get new credentials when the cached ones expire within this")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir := credDir(getenv)
	key, err := credKey(dir)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, *profile+".json")
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("profile %q: %v (sign in first: sekisho credential-process login --profile %s …)", *profile, err, *profile)
	}
	var p credProfile
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	if p.SealedCredentials != "" {
		if raw, err := key.Open(credCachePurpose, p.SealedCredentials); err == nil {
			var c processCredentials
			if json.Unmarshal(raw, &c) == nil {
				if exp, err := time.Parse(time.RFC3339, c.Expiration); err == nil && time.Until(exp) > *before {
					return json.NewEncoder(stdout).Encode(c)
				}
			}
		}
	}
	refresh, err := key.Open(credRefreshPurpose, p.SealedRefresh)
	if err != nil {
		return fmt.Errorf("%s: the refresh token cannot be opened with this helper's key", path)
	}
	c, err := vend(ctx, &p, string(refresh))
	if err != nil {
		return err
	}
	raw, _ := json.Marshal(c)
	p.SealedCredentials = key.Seal(credCachePurpose, raw)
	if err := writeProfile(path, p); err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(c)
}

func clients(p *credProfile) (*cip.Client, *ci.Client) {
	cfg := aws.Config{Region: p.Region, BaseEndpoint: aws.String(p.Endpoint), Credentials: aws.AnonymousCredentials{}}
	return cip.NewFromConfig(cfg), ci.NewFromConfig(cfg)
}

// vend trades the refresh token for an ID token and the ID token for the
// identity pool's credentials.
func vend(ctx context.Context, p *credProfile, refresh string) (processCredentials, error) {
	idp, ids := clients(p)
	out, err := idp.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &p.ClientID, AuthFlow: ciptypes.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": refresh}})
	if err != nil {
		return processCredentials{}, fmt.Errorf("refreshing the sign-in: %v (sign in again with credential-process login)", err)
	}
	logins := map[string]string{"cognito-idp." + p.Region + ".amazonaws.com/" + p.UserPoolID: *out.AuthenticationResult.IdToken}
	if p.IdentityID == "" {
		id, err := ids.GetId(ctx, &ci.GetIdInput{IdentityPoolId: &p.IdentityPoolID, Logins: logins})
		if err != nil {
			return processCredentials{}, err
		}
		p.IdentityID = *id.IdentityId
	}
	cr, err := ids.GetCredentialsForIdentity(ctx, &ci.GetCredentialsForIdentityInput{IdentityId: &p.IdentityID, Logins: logins})
	if err != nil {
		return processCredentials{}, err
	}
	return processCredentials{Version: 1, AccessKeyId: *cr.Credentials.AccessKeyId, SecretAccessKey: *cr.Credentials.SecretKey,
		SessionToken: *cr.Credentials.SessionToken, Expiration: cr.Credentials.Expiration.UTC().Format(time.RFC3339)}, nil
}

func writeProfile(path string, p credProfile) error {
	b, _ := json.MarshalIndent(p, "", "  ")
	return seal.WriteFileAtomic(path, append(b, '\n'), 0o600)
}

// credLogin signs in once and keeps the refresh token.
func credLogin(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stderr io.Writer) error {
	fs := flag.NewFlagSet("credential-process login", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var p credProfile
	profile := fs.String("profile", "default", "profile name")
	fs.StringVar(&p.Endpoint, "endpoint", getenv("AWS_ENDPOINT_URL"), "the server's URL")
	fs.StringVar(&p.Region, "region", "us-east-1", "region")
	fs.StringVar(&p.UserPoolID, "user-pool-id", "", "user pool id")
	fs.StringVar(&p.ClientID, "client-id", "", "app client id (without a secret; USER_SRP_AUTH and REFRESH_TOKEN_AUTH allowed)")
	fs.StringVar(&p.IdentityPoolID, "identity-pool-id", "", "identity pool id")
	fs.StringVar(&p.Username, "username", "", "the user")
	refreshStdin := fs.Bool("refresh-token-stdin", false, "read a refresh token (given by an administrator) from standard input instead of signing in")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if p.Endpoint == "" || p.UserPoolID == "" || p.ClientID == "" || p.IdentityPoolID == "" {
		return errors.New("--endpoint, --user-pool-id, --client-id and --identity-pool-id are required")
	}
	in := bufio.NewReader(stdin)
	readLine := func(prompt string) (string, error) {
		fmt.Fprint(stderr, prompt)
		s, err := in.ReadString('\n')
		if err != nil && s == "" {
			return "", err
		}
		return strings.TrimRight(s, "\r\n"), nil
	}
	var refresh string
	if *refreshStdin {
		t, err := readLine("Refresh token: ")
		if err != nil {
			return err
		}
		refresh = t
	} else {
		if p.Username == "" {
			return errors.New("--username is required to sign in")
		}
		pw, err := readLine("Password for " + p.Username + ": ")
		if err != nil {
			return err
		}
		if refresh, err = srpSignIn(ctx, &p, pw, readLine); err != nil {
			return err
		}
	}
	dir := credDir(getenv)
	key, err := credKey(dir)
	if err != nil {
		return err
	}
	p.SealedRefresh = key.Seal(credRefreshPurpose, []byte(refresh))
	// Prove the token now, and cache the first credentials.
	c, err := vend(ctx, &p, refresh)
	if err != nil {
		return err
	}
	raw, _ := json.Marshal(c)
	p.SealedCredentials = key.Seal(credCachePurpose, raw)
	if err := writeProfile(filepath.Join(dir, *profile+".json"), p); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "Signed in; profile %q saved. In ~/.aws/config:\n\n[profile %s]\ncredential_process = sekisho credential-process --profile %s\n", *profile, *profile, *profile)
	return nil
}

// srpSignIn is USER_SRP_AUTH, answering MFA with a code read from the
// user; it returns the refresh token.
func srpSignIn(ctx context.Context, p *credProfile, password string, readLine func(string) (string, error)) (string, error) {
	idp, _ := clients(p)
	c := srp.NewClient()
	out, err := idp.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: &p.ClientID, AuthFlow: ciptypes.AuthFlowTypeUserSrpAuth,
		AuthParameters: map[string]string{"USERNAME": p.Username, "SRP_A": c.AHex()}})
	if err != nil {
		return "", err
	}
	cp := out.ChallengeParameters
	K, err := c.Key(srp.PoolName(p.UserPoolID), cp["USER_ID_FOR_SRP"], password, cp["SALT"], cp["SRP_B"])
	if err != nil {
		return "", err
	}
	block, _ := base64.StdEncoding.DecodeString(cp["SECRET_BLOCK"])
	ts := srp.Timestamp(time.Now())
	resp, err := idp.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: &p.ClientID, ChallengeName: ciptypes.ChallengeNameTypePasswordVerifier,
		ChallengeResponses: map[string]string{"USERNAME": cp["USER_ID_FOR_SRP"], "TIMESTAMP": ts, "PASSWORD_CLAIM_SECRET_BLOCK": cp["SECRET_BLOCK"],
			"PASSWORD_CLAIM_SIGNATURE": srp.Signature(K, srp.PoolName(p.UserPoolID), cp["USER_ID_FOR_SRP"], block, ts)}})
	for err == nil && resp.AuthenticationResult == nil {
		field := map[ciptypes.ChallengeNameType]string{"SOFTWARE_TOKEN_MFA": "SOFTWARE_TOKEN_MFA_CODE", "SMS_MFA": "SMS_MFA_CODE", "EMAIL_OTP": "EMAIL_OTP_CODE"}[resp.ChallengeName]
		if field == "" {
			return "", fmt.Errorf("the sign-in asks for %s, which this helper cannot answer", resp.ChallengeName)
		}
		code, rerr := readLine("MFA code (" + string(resp.ChallengeName) + "): ")
		if rerr != nil {
			return "", rerr
		}
		resp, err = idp.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: &p.ClientID, ChallengeName: resp.ChallengeName, Session: resp.Session,
			ChallengeResponses: map[string]string{"USERNAME": cp["USER_ID_FOR_SRP"], field: code}})
	}
	if err != nil {
		return "", err
	}
	if resp.AuthenticationResult.RefreshToken == nil {
		return "", errors.New("the sign-in gave no refresh token")
	}
	return *resp.AuthenticationResult.RefreshToken, nil
}
