package front_test

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/sekisho/sekisho/internal/srp"
)

// TestRememberedDevices: a pool that tracks devices hands out a device
// key, the client confirms it with its own SRP verifier, and the
// remembered device then signs in with DEVICE_SRP_AUTH in place of MFA;
// refresh tokens are bound to the device and stop when it is forgotten;
// a wrong device secret, or another user's device, is refused.
func TestRememberedDevices(t *testing.T) {
	idp, anon, _ := mfaServer(t)
	ctx := context.Background()
	pool, err := idp.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("devices"),
		DeviceConfiguration: &ciptypes.DeviceConfigurationType{ChallengeRequiredOnNewDevice: true}})
	if err != nil {
		t.Fatal(err)
	}
	pid := pool.UserPool.Id
	if pool.UserPool.DeviceConfiguration == nil || !pool.UserPool.DeviceConfiguration.ChallengeRequiredOnNewDevice {
		t.Errorf("DeviceConfiguration: %+v", pool.UserPool.DeviceConfiguration)
	}
	idp.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{UserPoolId: pid, MfaConfiguration: "OPTIONAL",
		SoftwareTokenMfaConfiguration: &ciptypes.SoftwareTokenMfaConfigType{Enabled: true}})
	cl, _ := idp.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pid, ClientName: aws.String("app"),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{"ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"}})
	cid := cl.UserPoolClient.ClientId
	var secret string
	mk := func(name string) {
		idp.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: pid, Username: aws.String(name), MessageAction: "SUPPRESS"})
		idp.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: pid, Username: aws.String(name), Password: aws.String("Dev#Pass1234"), Permanent: true})
	}
	mk("yui")
	mk("rin")
	signIn := func(name, device string) *cip.InitiateAuthOutput {
		t.Helper()
		ap := map[string]string{"USERNAME": name, "PASSWORD": "Dev#Pass1234"}
		if device != "" {
			ap["DEVICE_KEY"] = device
		}
		out, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "USER_PASSWORD_AUTH", AuthParameters: ap})
		if err != nil {
			t.Fatalf("sign-in: %v", err)
		}
		return out
	}
	// yui sets up TOTP; her first sign-in makes a device.
	first := signIn("yui", "")
	if first.AuthenticationResult == nil || first.AuthenticationResult.NewDeviceMetadata == nil {
		t.Fatalf("no NewDeviceMetadata: %+v", first)
	}
	access := *first.AuthenticationResult.AccessToken
	as, _ := anon.AssociateSoftwareToken(ctx, &cip.AssociateSoftwareTokenInput{AccessToken: &access})
	secret = *as.SecretCode
	anon.VerifySoftwareToken(ctx, &cip.VerifySoftwareTokenInput{AccessToken: &access, UserCode: aws.String(totpAt(t, secret, -1))})
	if _, err := anon.SetUserMFAPreference(ctx, &cip.SetUserMFAPreferenceInput{AccessToken: &access, SoftwareTokenMfaSettings: &ciptypes.SoftwareTokenMfaSettingsType{Enabled: true, PreferredMfa: true}}); err != nil {
		t.Fatal(err)
	}
	meta := first.AuthenticationResult.NewDeviceMetadata
	dk, group := *meta.DeviceKey, *meta.DeviceGroupKey
	password := "device-secret-0123456789"
	salt, v := srp.NewVerifier(group, dk, password)
	conf, err := anon.ConfirmDevice(ctx, &cip.ConfirmDeviceInput{AccessToken: &access, DeviceKey: &dk, DeviceName: aws.String("laptop"),
		DeviceSecretVerifierConfig: &ciptypes.DeviceSecretVerifierConfigType{PasswordVerifier: aws.String(base64.StdEncoding.EncodeToString(srp.PadHex(v))),
			Salt: aws.String(base64.StdEncoding.EncodeToString(srp.PadHex(salt)))}})
	if err != nil || conf.UserConfirmationNecessary {
		t.Fatalf("ConfirmDevice: %+v %v", conf, err)
	}
	if _, err := anon.ConfirmDevice(ctx, &cip.ConfirmDeviceInput{AccessToken: &access, DeviceKey: &dk,
		DeviceSecretVerifierConfig: &ciptypes.DeviceSecretVerifierConfigType{PasswordVerifier: aws.String("AQ=="), Salt: aws.String("AQ==")}}); code(err) != "DeviceKeyExistsException" {
		t.Errorf("confirmed twice: %v", err)
	}
	if l, err := anon.ListDevices(ctx, &cip.ListDevicesInput{AccessToken: &access}); err != nil || len(l.Devices) != 1 || *l.Devices[0].DeviceKey != dk {
		t.Errorf("ListDevices: %+v %v", l, err)
	}
	if l, err := idp.AdminListDevices(ctx, &cip.AdminListDevicesInput{UserPoolId: pid, Username: aws.String("yui")}); err != nil || len(l.Devices) != 1 {
		t.Errorf("AdminListDevices: %+v %v", l, err)
	}

	// Without the device: MFA. With it: the device's SRP, and no MFA.
	if ch := signIn("yui", ""); ch.ChallengeName != "SOFTWARE_TOKEN_MFA" {
		t.Errorf("without the device: %+v", ch)
	}
	deviceSignIn := func(key, pw string) (*cip.RespondToAuthChallengeOutput, error) {
		ch := signIn("yui", key)
		if ch.ChallengeName != "DEVICE_SRP_AUTH" {
			t.Fatalf("with the device: %+v", ch)
		}
		c := srp.NewClient()
		pv, err := anon.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: cid, ChallengeName: "DEVICE_SRP_AUTH", Session: ch.Session,
			ChallengeResponses: map[string]string{"USERNAME": "yui", "DEVICE_KEY": key, "SRP_A": c.AHex()}})
		if err != nil {
			return nil, err
		}
		if pv.ChallengeName != "DEVICE_PASSWORD_VERIFIER" {
			t.Fatalf("DEVICE_SRP_AUTH answered: %+v", pv)
		}
		p := pv.ChallengeParameters
		K, err := c.Key(group, key, pw, p["SALT"], p["SRP_B"])
		if err != nil {
			t.Fatal(err)
		}
		ts := srp.Timestamp(time.Now())
		block, _ := base64.StdEncoding.DecodeString(p["SECRET_BLOCK"])
		return anon.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{ClientId: cid, ChallengeName: "DEVICE_PASSWORD_VERIFIER",
			ChallengeResponses: map[string]string{"USERNAME": "yui", "DEVICE_KEY": key, "TIMESTAMP": ts, "PASSWORD_CLAIM_SECRET_BLOCK": p["SECRET_BLOCK"],
				"PASSWORD_CLAIM_SIGNATURE": srp.Signature(K, group, key, block, ts)}})
	}
	if _, err := deviceSignIn(dk, "not-the-device-secret"); code(err) != "NotAuthorizedException" {
		t.Errorf("a wrong device secret: %v", err)
	}
	ok, err := deviceSignIn(dk, password)
	if err != nil || ok.AuthenticationResult == nil || ok.AuthenticationResult.NewDeviceMetadata != nil {
		t.Fatalf("device sign-in: %+v %v", ok, err)
	}
	if !strings.Contains(claims(t, *ok.AuthenticationResult.AccessToken), `"device_key":"`+dk+`"`) {
		t.Errorf("device_key claim missing")
	}
	// Another user cannot use yui's device.
	if ch := signIn("rin", dk); ch.ChallengeName == "DEVICE_SRP_AUTH" {
		t.Errorf("rin offered yui's device: %+v", ch)
	}
	// Refresh tokens are bound to the device.
	rt := *ok.AuthenticationResult.RefreshToken
	refresh := func(device string) error {
		ap := map[string]string{"REFRESH_TOKEN": rt}
		if device != "" {
			ap["DEVICE_KEY"] = device
		}
		_, err := anon.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: cid, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: ap})
		return err
	}
	if err := refresh(dk); err != nil {
		t.Errorf("refresh on the device: %v", err)
	}
	if err := refresh("us-east-1_00000000-0000-0000-0000-000000000000"); code(err) != "NotAuthorizedException" {
		t.Errorf("refresh naming another device: %v", err)
	}
	if _, err := anon.ForgetDevice(ctx, &cip.ForgetDeviceInput{AccessToken: ok.AuthenticationResult.AccessToken, DeviceKey: &dk}); err != nil {
		t.Fatal(err)
	}
	if err := refresh(dk); code(err) != "NotAuthorizedException" {
		t.Errorf("refresh after the device is forgotten: %v", err)
	}
	if ch := signIn("yui", dk); ch.ChallengeName != "SOFTWARE_TOKEN_MFA" {
		t.Errorf("a forgotten device skips MFA: %+v", ch)
	}
	if _, err := idp.AdminGetDevice(ctx, &cip.AdminGetDeviceInput{UserPoolId: pid, Username: aws.String("yui"), DeviceKey: &dk}); code(err) != "ResourceNotFoundException" {
		t.Errorf("AdminGetDevice after forgetting: %v", err)
	}
}

// claims is a JWT's payload as JSON.
func claims(t *testing.T, tok string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %s", tok)
	}
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	return string(b)
}
