package userpool

import (
	"context"
	"fmt"
	"regexp"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// Client secret rotation: a confidential client holds up to two secrets
// at once, and any of them signs SECRET_HASH and authenticates at the
// token endpoint, so an app can move to a new secret before the old one
// is deleted.

// ClientSecret is a client's secret beside its first one, sealed.
type ClientSecret struct {
	ID      string `json:"id"`
	Sealed  string `json:"sealed"`
	Created epoch  `json:"created"`
}

// ClientSecretDescriptor is ClientSecretDescriptorType.
type ClientSecretDescriptor struct {
	ClientSecretId         string `json:"ClientSecretId"`
	ClientSecretValue      string `json:"ClientSecretValue,omitempty"`
	ClientSecretCreateDate epoch  `json:"ClientSecretCreateDate"`
}

const maxClientSecrets = 2

var clientSecretRE = regexp.MustCompile(`^[\w+]{24,64}$`)

// clientSecrets returns every current secret of a client, in the clear.
func (s *Service) clientSecrets(c Client) []string {
	var out []string
	if c.SealedSecret != "" {
		if b, err := s.Key.Open(secretPurpose, c.SealedSecret); err == nil {
			out = append(out, string(b))
		}
	}
	for _, e := range c.ExtraSecrets {
		if b, err := s.Key.Open(secretPurpose, e.Sealed); err == nil {
			out = append(out, string(b))
		}
	}
	return out
}

func (s *Service) secretID(c Client) string {
	return fmt.Sprintf("%s--%d", c.ClientId, s.now().UnixNano())
}

// primaryDescriptor describes a client's first secret (named on first
// use for clients made before rotation existed).
func primaryDescriptor(c Client) ClientSecretDescriptor {
	d := ClientSecretDescriptor{ClientSecretId: c.SecretID, ClientSecretCreateDate: c.CreationDate}
	if d.ClientSecretId == "" {
		d.ClientSecretId = c.ClientId + "--0"
	}
	if c.SecretCreated != nil {
		d.ClientSecretCreateDate = *c.SecretCreated
	}
	return d
}

// AddClientSecret adds a secret (value given, or generated) to a client
// that has one, up to two.
func (s *Service) AddClientSecret(ctx context.Context, pool, clientID, value string) (ClientSecretDescriptor, error) {
	if value != "" && !clientSecretRE.MatchString(value) {
		return ClientSecretDescriptor{}, errParam("1 validation error detected: Value at 'clientSecret' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+]+ and have length between 24 and 64")
	}
	if value == "" {
		value = randomString(51, "abcdefghijklmnopqrstuvwxyz0123456789")
	}
	var d ClientSecretDescriptor
	err := s.update(ctx, func(tx store.RecordTx) error {
		c, err := s.clientTx(tx, pool, clientID)
		if err != nil {
			return err
		}
		if c.SealedSecret == "" {
			return errParam("Client %s has no secret: it is a public client.", clientID)
		}
		if 1+len(c.ExtraSecrets) >= maxClientSecrets {
			return awserr.Newf(400, "LimitExceededException", "Client %s already has %d client secrets.", clientID, maxClientSecrets)
		}
		now := epoch(s.now())
		e := ClientSecret{ID: s.secretID(c), Sealed: s.Key.Seal(secretPurpose, []byte(value)), Created: now}
		c.ExtraSecrets = append(c.ExtraSecrets, e)
		d = ClientSecretDescriptor{ClientSecretId: e.ID, ClientSecretValue: value, ClientSecretCreateDate: now}
		return store.PutJSON(tx, kindClient, pool+"/"+clientID, c)
	})
	return d, err
}

// ClientSecrets lists a client's secrets (without their values).
func (s *Service) ClientSecrets(ctx context.Context, pool, clientID string) ([]ClientSecretDescriptor, error) {
	var out []ClientSecretDescriptor
	err := s.view(ctx, func(tx store.RecordTx) error {
		c, err := s.clientTx(tx, pool, clientID)
		if err != nil {
			return err
		}
		out = []ClientSecretDescriptor{}
		if c.SealedSecret != "" {
			out = append(out, primaryDescriptor(c))
		}
		for _, e := range c.ExtraSecrets {
			out = append(out, ClientSecretDescriptor{ClientSecretId: e.ID, ClientSecretCreateDate: e.Created})
		}
		return nil
	})
	return out, err
}

// DeleteClientSecret removes one of a client's secrets; its last one
// stays.
func (s *Service) DeleteClientSecret(ctx context.Context, pool, clientID, secretID string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		c, err := s.clientTx(tx, pool, clientID)
		if err != nil {
			return err
		}
		if c.SealedSecret == "" {
			return errNotFound("Client secret %s does not exist.", secretID)
		}
		if primaryDescriptor(c).ClientSecretId == secretID {
			if len(c.ExtraSecrets) == 0 {
				return errParam("The last client secret of client %s cannot be deleted.", clientID)
			}
			next := c.ExtraSecrets[0]
			c.SealedSecret, c.SecretID, c.SecretCreated, c.ExtraSecrets = next.Sealed, next.ID, &next.Created, c.ExtraSecrets[1:]
			return store.PutJSON(tx, kindClient, pool+"/"+clientID, c)
		}
		for i, e := range c.ExtraSecrets {
			if e.ID == secretID {
				c.ExtraSecrets = append(c.ExtraSecrets[:i:i], c.ExtraSecrets[i+1:]...)
				return store.PutJSON(tx, kindClient, pool+"/"+clientID, c)
			}
		}
		return errNotFound("Client secret %s does not exist.", secretID)
	})
}
