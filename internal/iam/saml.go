package iam

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// SAML providers: the metadata document is kept and its validity read
// from it. STS does not verify SAML assertions (AssumeRoleWithSAML says
// so); the providers exist for the tools that manage them.

const kindSAML = "iam.saml"

// SAMLProvider is a SAML identity provider.
type SAMLProvider struct {
	Name, ARN, Metadata string
	Created, ValidUntil time.Time
	Tags                []Tag
}

var samlNameRE = regexp.MustCompile(`^[\w._-]{1,128}$`)

func errNoSAML(arn string) error {
	return errNoSuchEntity("SAMLProvider %s not found", arn)
}

// samlValidUntil checks that doc is SAML metadata (an EntityDescriptor or
// EntitiesDescriptor) and returns its validUntil, or 100 years from now.
func (s *Service) samlValidUntil(doc string) (time.Time, error) {
	var root struct {
		XMLName    xml.Name
		ValidUntil string `xml:"validUntil,attr"`
	}
	if err := xml.Unmarshal([]byte(doc), &root); err != nil || (root.XMLName.Local != "EntityDescriptor" && root.XMLName.Local != "EntitiesDescriptor") {
		return time.Time{}, awserr.New(400, "InvalidInput", "Could not parse metadata")
	}
	if root.ValidUntil != "" {
		if t, err := time.Parse(time.RFC3339, root.ValidUntil); err == nil {
			return t.UTC().Truncate(time.Second), nil
		}
	}
	return s.now().AddDate(100, 0, 0).Truncate(time.Second), nil
}

// CreateSAMLProvider creates a provider from its metadata.
func (s *Service) CreateSAMLProvider(ctx context.Context, name, doc string, tags []Tag) (SAMLProvider, error) {
	if !samlNameRE.MatchString(name) {
		return SAMLProvider{}, errValidation("1 validation error detected: Value '%s' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w._-]+", name)
	}
	if err := checkTags(tags); err != nil {
		return SAMLProvider{}, err
	}
	until, err := s.samlValidUntil(doc)
	if err != nil {
		return SAMLProvider{}, err
	}
	p := SAMLProvider{Name: name, ARN: "arn:aws:iam::" + s.Account + ":saml-provider/" + name, Metadata: doc, Created: s.now().Truncate(time.Second), ValidUntil: until, Tags: tags}
	err = s.update(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindSAML, p.ARN); err == nil {
			return errExists("SAMLProvider %s already exists", name)
		}
		return store.PutJSON(tx, kindSAML, p.ARN, p)
	})
	return p, err
}

// GetSAMLProvider returns one.
func (s *Service) GetSAMLProvider(ctx context.Context, arn string) (SAMLProvider, error) {
	var p SAMLProvider
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		p, err = store.GetJSON[SAMLProvider](tx, kindSAML, arn)
		if errors.Is(err, store.ErrNotFound) {
			return errNoSAML(arn)
		}
		return err
	})
	return p, err
}

// ListSAMLProviders lists them.
func (s *Service) ListSAMLProviders(ctx context.Context) ([]SAMLProvider, error) {
	var out []SAMLProvider
	err := s.view(ctx, func(tx store.RecordTx) error {
		recs, err := tx.List(kindSAML, "", "", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			var p SAMLProvider
			err := json.Unmarshal(r.Value, &p)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

func (s *Service) modifySAML(ctx context.Context, arn string, fn func(p *SAMLProvider) error) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		p, err := store.GetJSON[SAMLProvider](tx, kindSAML, arn)
		if errors.Is(err, store.ErrNotFound) {
			return errNoSAML(arn)
		} else if err != nil {
			return err
		}
		if err := fn(&p); err != nil {
			return err
		}
		return store.PutJSON(tx, kindSAML, arn, p)
	})
}

// UpdateSAMLProvider replaces a provider's metadata.
func (s *Service) UpdateSAMLProvider(ctx context.Context, arn, doc string) error {
	until, err := s.samlValidUntil(doc)
	if err != nil {
		return err
	}
	return s.modifySAML(ctx, arn, func(p *SAMLProvider) error { p.Metadata, p.ValidUntil = doc, until; return nil })
}

// DeleteSAMLProvider removes one.
func (s *Service) DeleteSAMLProvider(ctx context.Context, arn string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindSAML, arn); err != nil {
			return errNoSAML(arn)
		}
		return tx.Delete(kindSAML, arn)
	})
}

// TagSAMLProvider and UntagSAMLProvider tag a provider.
func (s *Service) TagSAMLProvider(ctx context.Context, arn string, tags []Tag) error {
	if err := checkTags(tags); err != nil {
		return err
	}
	return s.modifySAML(ctx, arn, func(p *SAMLProvider) error { p.Tags = mergeTags(p.Tags, tags); return checkTags(p.Tags) })
}

func (s *Service) UntagSAMLProvider(ctx context.Context, arn string, keys []string) error {
	return s.modifySAML(ctx, arn, func(p *SAMLProvider) error { p.Tags = removeTags(p.Tags, keys); return nil })
}

// Service-linked roles.

const serviceRolePath = "/aws-service-role/"

// serviceRoleNames are the role names AWS gives some services' linked
// roles; others get AWSServiceRoleFor and their capitalized prefix.
var serviceRoleNames = map[string]string{
	"autoscaling.amazonaws.com":                      "AWSServiceRoleForAutoScaling",
	"elasticbeanstalk.amazonaws.com":                 "AWSServiceRoleForElasticBeanstalk",
	"elasticloadbalancing.amazonaws.com":             "AWSServiceRoleForElasticLoadBalancing",
	"ecs.amazonaws.com":                              "AWSServiceRoleForECS",
	"eks.amazonaws.com":                              "AWSServiceRoleForAmazonEKS",
	"rds.amazonaws.com":                              "AWSServiceRoleForRDS",
	"lambda.amazonaws.com":                           "AWSServiceRoleForLambda",
	"es.amazonaws.com":                               "AWSServiceRoleForAmazonElasticsearchService",
	"opensearchservice.amazonaws.com":                "AWSServiceRoleForAmazonOpenSearchService",
	"dynamodb.application-autoscaling.amazonaws.com": "AWSServiceRoleForApplicationAutoScaling_DynamoDBTable",
	"cognito-idp.amazonaws.com":                      "AWSServiceRoleForAmazonCognitoIdp",
	"organizations.amazonaws.com":                    "AWSServiceRoleForOrganizations",
	"config.amazonaws.com":                           "AWSServiceRoleForConfig",
	"spot.amazonaws.com":                             "AWSServiceRoleForEC2Spot",
	"support.amazonaws.com":                          "AWSServiceRoleForSupport",
	"trustedadvisor.amazonaws.com":                   "AWSServiceRoleForTrustedAdvisor",
}

var serviceNameRE = regexp.MustCompile(`^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$`)

func serviceRoleName(service string) string {
	if n, ok := serviceRoleNames[service]; ok {
		return n
	}
	first := strings.SplitN(service, ".", 2)[0]
	var b strings.Builder
	for _, part := range strings.Split(first, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return "AWSServiceRoleFor" + b.String()
}

// CreateServiceLinkedRole creates the role a service assumes, at
// /aws-service-role/<service>/, trusted by that service only.
func (s *Service) CreateServiceLinkedRole(ctx context.Context, service, description, suffix string) (Role, error) {
	if !serviceNameRE.MatchString(service) {
		return Role{}, awserr.Newf(400, "InvalidInput", "Service role name %s is not a valid service principal.", service)
	}
	name := serviceRoleName(service)
	if suffix != "" {
		name += "_" + suffix
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["` + service + `"]},"Action":["sts:AssumeRole"]}]}`
	r, err := s.CreateRole(ctx, CreateRoleInput{Name: name, Path: serviceRolePath + service + "/", AssumeRolePolicy: trust, Description: description})
	var ae *awserr.Error
	if errors.As(err, &ae) && ae.Code == "EntityAlreadyExists" {
		return Role{}, awserr.Newf(400, "InvalidInput", "Service role name %s has been taken in this account, please try a different suffix.", name)
	}
	return r, err
}

// DeleteServiceLinkedRole deletes a service-linked role and returns the
// deletion task's id (the deletion is done at once).
func (s *Service) DeleteServiceLinkedRole(ctx context.Context, name string) (string, error) {
	r, err := s.GetRole(ctx, name)
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(r.Path, serviceRolePath) {
		return "", awserr.Newf(400, "InvalidInput", "Role %s is not a service-linked role.", name)
	}
	if err := s.deleteRole(ctx, name, true); err != nil {
		return "", err
	}
	u := make([]byte, 16)
	rand.Read(u)
	u[6], u[8] = u[6]&0x0f|0x40, u[8]&0x3f|0x80
	task := fmt.Sprintf("task%s%s/%x-%x-%x-%x-%x", r.Path, r.Name, u[0:4], u[4:6], u[6:8], u[8:10], u[10:])
	err = s.update(ctx, func(tx store.RecordTx) error { return tx.Put(kindSLRTask, task, []byte("SUCCEEDED")) })
	return task, err
}

const kindSLRTask = "iam.slrtask"

// ServiceLinkedRoleDeletionStatus reports a deletion task's status.
func (s *Service) ServiceLinkedRoleDeletionStatus(ctx context.Context, task string) (string, error) {
	var status string
	err := s.view(ctx, func(tx store.RecordTx) error {
		b, err := tx.Get(kindSLRTask, task)
		if err != nil {
			return errNoSuchEntity("Deletion task %s not found.", task)
		}
		status = string(b)
		return nil
	})
	return status, err
}
