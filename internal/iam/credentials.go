package iam

import (
	"context"
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// A user's other credentials: X.509 signing certificates, SSH public keys
// (for CodeCommit) and service-specific credentials. They live on the user
// record, so deleting a user that still has one is a DeleteConflict, as in
// AWS. Service-specific passwords are shown once and not kept: nothing in
// sekisho signs in with them.

// SigningCert is an X.509 signing certificate of a user.
type SigningCert struct {
	ID, Body, Status string
	Uploaded         time.Time
}

// SSHKey is an SSH public key of a user.
type SSHKey struct {
	ID, Body, Fingerprint, Status string
	Uploaded                      time.Time
}

// ServiceCred is a service-specific credential of a user.
type ServiceCred struct {
	ID, Service, ServiceUserName, Status string
	Created                              time.Time
}

func checkStatus(status string) error {
	if status != "Active" && status != "Inactive" {
		return errValidation("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", status)
	}
	return nil
}

func randomID(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// parseCert reads one PEM certificate.
func parseCert(body string) (*x509.Certificate, error) {
	blk, _ := pem.Decode([]byte(strings.TrimSpace(body)))
	if blk == nil || blk.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM certificate")
	}
	return x509.ParseCertificate(blk.Bytes)
}

// UploadSigningCertificate adds a signing certificate to a user.
func (s *Service) UploadSigningCertificate(ctx context.Context, user, body string) (SigningCert, string, error) {
	if _, err := parseCert(body); err != nil {
		return SigningCert{}, "", awserr.New(400, "MalformedCertificate", "Certificate body is malformed.")
	}
	c := SigningCert{ID: randomID(32), Body: body, Status: "Active", Uploaded: s.now().Truncate(time.Second)}
	var name string
	err := s.modifyUser(ctx, user, func(_ store.RecordTx, u *User) error {
		name = u.Name
		for _, o := range u.SigningCerts {
			if strings.TrimSpace(o.Body) == strings.TrimSpace(body) {
				return awserr.New(409, "DuplicateCertificate", "The certificate already exists for this user.")
			}
		}
		if len(u.SigningCerts) >= 2 {
			return awserr.New(409, "LimitExceeded", "Cannot exceed quota for CertificatesPerUser: 2")
		}
		u.SigningCerts = append(u.SigningCerts, c)
		return nil
	})
	return c, name, err
}

// ListSigningCertificates lists a user's signing certificates.
func (s *Service) ListSigningCertificates(ctx context.Context, user string) ([]SigningCert, string, error) {
	u, err := s.GetUser(ctx, user)
	return u.SigningCerts, u.Name, err
}

func errNoCert(id string) error {
	return errNoSuchEntity("The Certificate with id %s cannot be found.", id)
}

// UpdateSigningCertificate sets a certificate's status.
func (s *Service) UpdateSigningCertificate(ctx context.Context, user, id, status string) error {
	if err := checkStatus(status); err != nil {
		return err
	}
	return s.modifyUser(ctx, user, func(_ store.RecordTx, u *User) error {
		for i := range u.SigningCerts {
			if u.SigningCerts[i].ID == id {
				u.SigningCerts[i].Status = status
				return nil
			}
		}
		return errNoCert(id)
	})
}

// DeleteSigningCertificate removes one.
func (s *Service) DeleteSigningCertificate(ctx context.Context, user, id string) error {
	return s.modifyUser(ctx, user, func(_ store.RecordTx, u *User) error {
		n := len(u.SigningCerts)
		u.SigningCerts = slices.DeleteFunc(u.SigningCerts, func(c SigningCert) bool { return c.ID == id })
		if len(u.SigningCerts) == n {
			return errNoCert(id)
		}
		return nil
	})
}

// UploadSSHPublicKey adds an SSH public key (OpenSSH or PEM form) to a
// user; RSA keys need at least 2048 bits.
func (s *Service) UploadSSHPublicKey(ctx context.Context, user, body string) (SSHKey, string, error) {
	pub, err := parseSSHKey(body)
	if err != nil {
		return SSHKey{}, "", awserr.New(400, "InvalidPublicKey", "The public key is not valid.")
	}
	sum := md5.Sum(pub.Marshal())
	var fp []string
	for _, b := range sum {
		fp = append(fp, hex.EncodeToString([]byte{b}))
	}
	k := SSHKey{ID: newID("APKA"), Body: strings.TrimSpace(body), Fingerprint: strings.Join(fp, ":"), Status: "Active", Uploaded: s.now().Truncate(time.Second)}
	var name string
	err = s.modifyUser(ctx, user, func(_ store.RecordTx, u *User) error {
		name = u.Name
		for _, o := range u.SSHKeys {
			if o.Fingerprint == k.Fingerprint {
				return awserr.New(400, "DuplicateSSHPublicKey", "The SSH public key already exists for this user.")
			}
		}
		if len(u.SSHKeys) >= 5 {
			return awserr.New(409, "LimitExceeded", "Cannot exceed quota for PublicKeysPerUser: 5")
		}
		u.SSHKeys = append(u.SSHKeys, k)
		return nil
	})
	return k, name, err
}

func parseSSHKey(body string) (ssh.PublicKey, error) {
	body = strings.TrimSpace(body)
	var pub ssh.PublicKey
	if blk, _ := pem.Decode([]byte(body)); blk != nil {
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, err
		}
		if pub, err = ssh.NewPublicKey(k); err != nil {
			return nil, err
		}
	} else {
		var err error
		if pub, _, _, _, err = ssh.ParseAuthorizedKey([]byte(body)); err != nil {
			return nil, err
		}
	}
	if ck, ok := pub.(ssh.CryptoPublicKey); ok {
		if rk, ok := ck.CryptoPublicKey().(interface{ Size() int }); ok && pub.Type() == ssh.KeyAlgoRSA && rk.Size()*8 < 2048 {
			return nil, errors.New("RSA key too short")
		}
	}
	return pub, nil
}

// SSHKeyBody returns a key's body in the encoding asked for: SSH (the
// OpenSSH line) or PEM (PKIX).
func SSHKeyBody(k SSHKey, encoding string) (string, error) {
	pub, err := parseSSHKey(k.Body)
	if err != nil {
		return "", err
	}
	if encoding == "PEM" {
		ck, ok := pub.(ssh.CryptoPublicKey)
		if !ok {
			return "", errors.New("no PEM form")
		}
		der, err := x509.MarshalPKIXPublicKey(ck.CryptoPublicKey())
		if err != nil {
			return "", err
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))), nil
}

func errNoSSHKey(id string) error {
	return errNoSuchEntity("The Public Key with id %s cannot be found.", id)
}

// GetSSHPublicKey returns one key of a user.
func (s *Service) GetSSHPublicKey(ctx context.Context, user, id string) (SSHKey, string, error) {
	u, err := s.GetUser(ctx, user)
	if err != nil {
		return SSHKey{}, "", err
	}
	for _, k := range u.SSHKeys {
		if k.ID == id {
			return k, u.Name, nil
		}
	}
	return SSHKey{}, "", errNoSSHKey(id)
}

// ListSSHPublicKeys lists a user's keys.
func (s *Service) ListSSHPublicKeys(ctx context.Context, user string) ([]SSHKey, string, error) {
	u, err := s.GetUser(ctx, user)
	return u.SSHKeys, u.Name, err
}

// UpdateSSHPublicKey sets a key's status.
func (s *Service) UpdateSSHPublicKey(ctx context.Context, user, id, status string) error {
	if err := checkStatus(status); err != nil {
		return err
	}
	return s.modifyUser(ctx, user, func(_ store.RecordTx, u *User) error {
		for i := range u.SSHKeys {
			if u.SSHKeys[i].ID == id {
				u.SSHKeys[i].Status = status
				return nil
			}
		}
		return errNoSSHKey(id)
	})
}

// DeleteSSHPublicKey removes one.
func (s *Service) DeleteSSHPublicKey(ctx context.Context, user, id string) error {
	return s.modifyUser(ctx, user, func(_ store.RecordTx, u *User) error {
		n := len(u.SSHKeys)
		u.SSHKeys = slices.DeleteFunc(u.SSHKeys, func(k SSHKey) bool { return k.ID == id })
		if len(u.SSHKeys) == n {
			return errNoSSHKey(id)
		}
		return nil
	})
}

// serviceCredServices are the services AWS issues service-specific
// credentials for.
var serviceCredServices = []string{"codecommit.amazonaws.com", "cassandra.amazonaws.com", "bedrock.amazonaws.com"}

// CreateServiceSpecificCredential makes a credential for a user and a
// service; the password is returned once and not kept.
func (s *Service) CreateServiceSpecificCredential(ctx context.Context, user, service string) (ServiceCred, string, string, error) {
	if !slices.Contains(serviceCredServices, service) {
		return ServiceCred{}, "", "", awserr.Newf(404, "NotSupportedService", "No such service %s is supported for Service-Specific Credentials", service)
	}
	c := ServiceCred{ID: newID("ACCA"), Service: service, Status: "Active", Created: s.now().Truncate(time.Second)}
	var name string
	err := s.modifyUser(ctx, user, func(_ store.RecordTx, u *User) error {
		name = u.Name
		n := 0
		for _, o := range u.ServiceCreds {
			if o.Service == service {
				n++
			}
		}
		if n >= 2 {
			return awserr.New(409, "LimitExceeded", "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2")
		}
		c.ServiceUserName = fmt.Sprintf("%s-at-%s", u.Name, s.Account)
		if n == 1 {
			c.ServiceUserName += "-1"
		}
		u.ServiceCreds = append(u.ServiceCreds, c)
		return nil
	})
	return c, name, newServicePassword(), err
}

func newServicePassword() string {
	b := make([]byte, 33)
	rand.Read(b)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func errNoServiceCred(id string) error {
	return errNoSuchEntity("No such credential %s exists", id)
}

// ListServiceSpecificCredentials lists a user's credentials, for one
// service when service is set.
func (s *Service) ListServiceSpecificCredentials(ctx context.Context, user, service string) ([]ServiceCred, string, error) {
	u, err := s.GetUser(ctx, user)
	var out []ServiceCred
	for _, c := range u.ServiceCreds {
		if service == "" || c.Service == service {
			out = append(out, c)
		}
	}
	return out, u.Name, err
}

func (s *Service) modifyServiceCred(ctx context.Context, user, id string, fn func(c *ServiceCred)) (ServiceCred, string, error) {
	var out ServiceCred
	var name string
	err := s.modifyUser(ctx, user, func(_ store.RecordTx, u *User) error {
		name = u.Name
		for i := range u.ServiceCreds {
			if u.ServiceCreds[i].ID == id {
				fn(&u.ServiceCreds[i])
				out = u.ServiceCreds[i]
				return nil
			}
		}
		return errNoServiceCred(id)
	})
	return out, name, err
}

// UpdateServiceSpecificCredential sets a credential's status.
func (s *Service) UpdateServiceSpecificCredential(ctx context.Context, user, id, status string) error {
	if err := checkStatus(status); err != nil {
		return err
	}
	_, _, err := s.modifyServiceCred(ctx, user, id, func(c *ServiceCred) { c.Status = status })
	return err
}

// ResetServiceSpecificCredential gives a credential a new password.
func (s *Service) ResetServiceSpecificCredential(ctx context.Context, user, id string) (ServiceCred, string, string, error) {
	c, name, err := s.modifyServiceCred(ctx, user, id, func(*ServiceCred) {})
	return c, name, newServicePassword(), err
}

// DeleteServiceSpecificCredential removes one.
func (s *Service) DeleteServiceSpecificCredential(ctx context.Context, user, id string) error {
	return s.modifyUser(ctx, user, func(_ store.RecordTx, u *User) error {
		n := len(u.ServiceCreds)
		u.ServiceCreds = slices.DeleteFunc(u.ServiceCreds, func(c ServiceCred) bool { return c.ID == id })
		if len(u.ServiceCreds) == n {
			return errNoServiceCred(id)
		}
		return nil
	})
}

// ServerCert is an uploaded server certificate. Its private key is checked
// against the certificate and not kept: sekisho serves no TLS with it, and
// AWS never returns it.
type ServerCert struct {
	Name, ID, ARN, Path string
	Body, Chain         string
	Uploaded, Expires   time.Time
	Tags                []Tag
}

const kindServerCert = "iam.servercert"

func errNoServerCert(name string) error {
	return errNoSuchEntity("The Server Certificate with name %s cannot be found.", name)
}

// UploadServerCertificate stores a certificate after checking that the
// private key is its own.
func (s *Service) UploadServerCertificate(ctx context.Context, name, path, body, key, chain string, tags []Tag) (ServerCert, error) {
	path, err := checkPath(path)
	if err != nil {
		return ServerCert{}, err
	}
	if err := checkTags(tags); err != nil {
		return ServerCert{}, err
	}
	cert, err := parseCert(body)
	if err != nil {
		return ServerCert{}, awserr.New(400, "MalformedCertificate", "Certificate body is malformed.")
	}
	if err := keyMatches(cert, key); err != nil {
		return ServerCert{}, awserr.New(400, "MalformedCertificate", "Unable to validate certificate with provided private key.")
	}
	if chain != "" {
		if _, err := parseCert(chain); err != nil {
			return ServerCert{}, awserr.New(400, "MalformedCertificate", "Certificate chain is malformed.")
		}
	}
	c := ServerCert{Name: name, ID: newID("ASCA"), ARN: s.arn("server-certificate", path, name), Path: path, Body: strings.TrimSpace(body), Chain: strings.TrimSpace(chain),
		Uploaded: s.now().Truncate(time.Second), Expires: cert.NotAfter.UTC(), Tags: tags}
	err = s.update(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindServerCert, userID(name)); err == nil {
			return errExists("The Server Certificate with name %s already exists.", name)
		}
		return store.PutJSON(tx, kindServerCert, userID(name), c)
	})
	return c, err
}

func keyMatches(cert *x509.Certificate, keyPEM string) error {
	blk, _ := pem.Decode([]byte(strings.TrimSpace(keyPEM)))
	if blk == nil {
		return errors.New("no PEM key")
	}
	var k any
	var err error
	switch blk.Type {
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(blk.Bytes)
	default:
		k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	}
	if err != nil {
		return err
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return errors.New("not a signing key")
	}
	if pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(cert.PublicKey) {
		return errors.New("key does not match")
	}
	return nil
}

// GetServerCertificate returns one.
func (s *Service) GetServerCertificate(ctx context.Context, name string) (ServerCert, error) {
	var c ServerCert
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		c, err = store.GetJSON[ServerCert](tx, kindServerCert, userID(name))
		if errors.Is(err, store.ErrNotFound) {
			return errNoServerCert(name)
		}
		return err
	})
	return c, err
}

// ListServerCertificates lists those under a path prefix.
func (s *Service) ListServerCertificates(ctx context.Context, prefix string) ([]ServerCert, error) {
	var out []ServerCert
	err := s.view(ctx, func(tx store.RecordTx) error {
		recs, err := tx.List(kindServerCert, "", "", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			var c ServerCert
			err := json.Unmarshal(r.Value, &c)
			if err != nil {
				return err
			}
			if strings.HasPrefix(c.Path, prefix) {
				out = append(out, c)
			}
		}
		return nil
	})
	return out, err
}

func (s *Service) modifyServerCert(ctx context.Context, name string, fn func(tx store.RecordTx, c *ServerCert) error) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		c, err := store.GetJSON[ServerCert](tx, kindServerCert, userID(name))
		if errors.Is(err, store.ErrNotFound) {
			return errNoServerCert(name)
		} else if err != nil {
			return err
		}
		old := c.Name
		if err := fn(tx, &c); err != nil {
			return err
		}
		if c.Name != old {
			if err := tx.Delete(kindServerCert, userID(old)); err != nil {
				return err
			}
		}
		return store.PutJSON(tx, kindServerCert, userID(c.Name), c)
	})
}

// UpdateServerCertificate renames a certificate or moves it.
func (s *Service) UpdateServerCertificate(ctx context.Context, name, newName, newPath string) error {
	if newPath != "" {
		if _, err := checkPath(newPath); err != nil {
			return err
		}
	}
	return s.modifyServerCert(ctx, name, func(tx store.RecordTx, c *ServerCert) error {
		if newName != "" && !strings.EqualFold(newName, c.Name) {
			if _, err := tx.Get(kindServerCert, userID(newName)); err == nil {
				return errExists("The Server Certificate with name %s already exists.", newName)
			}
		}
		if newName != "" {
			c.Name = newName
		}
		if newPath != "" {
			c.Path = newPath
		}
		c.ARN = s.arn("server-certificate", c.Path, c.Name)
		return nil
	})
}

// DeleteServerCertificate removes one.
func (s *Service) DeleteServerCertificate(ctx context.Context, name string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindServerCert, userID(name)); err != nil {
			return errNoServerCert(name)
		}
		return tx.Delete(kindServerCert, userID(name))
	})
}

// TagServerCertificate and UntagServerCertificate tag a certificate.
func (s *Service) TagServerCertificate(ctx context.Context, name string, tags []Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	return s.modifyServerCert(ctx, name, func(_ store.RecordTx, c *ServerCert) error {
		c.Tags = mergeTags(c.Tags, tags)
		return checkTags(c.Tags)
	})
}

func (s *Service) UntagServerCertificate(ctx context.Context, name string, keys []string) error {
	return s.modifyServerCert(ctx, name, func(_ store.RecordTx, c *ServerCert) error { c.Tags = removeTags(c.Tags, keys); return nil })
}
