package front

import (
	"context"
	"encoding/base64"
	"maps"
	"net/url"
	"strings"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/iam"
)

// IAM's other credentials and entities: signing certificates, SSH public
// keys, service-specific credentials, server certificates, SAML
// providers, service-linked roles, the credential report, and tags of
// instance profiles and MFA devices.

func userOr(ctx context.Context, name string) string {
	if name == "" {
		return caller(ctx).UserName
	}
	return name
}

type xmlSigningCert struct {
	UserName      string `xml:"UserName"`
	CertificateId string `xml:"CertificateId"`
	Body          string `xml:"CertificateBody"`
	Status        string `xml:"Status"`
	UploadDate    string `xml:"UploadDate"`
}

type xmlSSHKey struct {
	UserName       string `xml:"UserName"`
	SSHPublicKeyId string `xml:"SSHPublicKeyId"`
	Fingerprint    string `xml:"Fingerprint,omitempty"`
	Body           string `xml:"SSHPublicKeyBody,omitempty"`
	Status         string `xml:"Status"`
	UploadDate     string `xml:"UploadDate"`
}

type xmlServiceCred struct {
	CreateDate                  string `xml:"CreateDate"`
	ServiceName                 string `xml:"ServiceName"`
	ServiceUserName             string `xml:"ServiceUserName"`
	ServicePassword             string `xml:"ServicePassword,omitempty"`
	ServiceSpecificCredentialId string `xml:"ServiceSpecificCredentialId"`
	UserName                    string `xml:"UserName"`
	Status                      string `xml:"Status"`
}

func toXMLServiceCred(c iam.ServiceCred, user, password string) xmlServiceCred {
	return xmlServiceCred{iso(c.Created), c.Service, c.ServiceUserName, password, c.ID, user, c.Status}
}

type xmlServerCertMeta struct {
	Path                  string `xml:"Path"`
	ServerCertificateName string `xml:"ServerCertificateName"`
	ServerCertificateId   string `xml:"ServerCertificateId"`
	Arn                   string `xml:"Arn"`
	UploadDate            string `xml:"UploadDate"`
	Expiration            string `xml:"Expiration"`
}

func serverCertMeta(c iam.ServerCert) xmlServerCertMeta {
	return xmlServerCertMeta{c.Path, c.Name, c.ID, c.ARN, iso(c.Uploaded), iso(c.Expires)}
}

func iamMoreMethods(svc *iam.Service) map[string]method {
	return map[string]method{
		// Signing certificates.
		"UploadSigningCertificate": typed(func(ctx context.Context, in *struct {
			UserName        string
			CertificateBody string `form:",required"`
		}) (any, error) {
			c, user, err := svc.UploadSigningCertificate(ctx, userOr(ctx, in.UserName), in.CertificateBody)
			if err != nil {
				return nil, err
			}
			return struct {
				Certificate xmlSigningCert `xml:"Certificate"`
			}{xmlSigningCert{user, c.ID, c.Body, c.Status, iso(c.Uploaded)}}, nil
		}),
		"ListSigningCertificates": typed(func(ctx context.Context, in *struct{ UserName string }) (any, error) {
			cs, user, err := svc.ListSigningCertificates(ctx, userOr(ctx, in.UserName))
			out := struct {
				Certificates []xmlSigningCert `xml:"Certificates>member"`
				IsTruncated  bool             `xml:"IsTruncated"`
			}{Certificates: []xmlSigningCert{}}
			for _, c := range cs {
				out.Certificates = append(out.Certificates, xmlSigningCert{user, c.ID, c.Body, c.Status, iso(c.Uploaded)})
			}
			return out, err
		}),
		"UpdateSigningCertificate": typed(func(ctx context.Context, in *struct {
			UserName      string
			CertificateId string `form:",required"`
			Status        string `form:",required"`
		}) (any, error) {
			return nothing(svc.UpdateSigningCertificate(ctx, userOr(ctx, in.UserName), in.CertificateId, in.Status))
		}),
		"DeleteSigningCertificate": typed(func(ctx context.Context, in *struct {
			UserName      string
			CertificateId string `form:",required"`
		}) (any, error) {
			return nothing(svc.DeleteSigningCertificate(ctx, userOr(ctx, in.UserName), in.CertificateId))
		}),
		// SSH public keys.
		"UploadSSHPublicKey": typed(func(ctx context.Context, in *struct {
			UserName         string `form:",required"`
			SSHPublicKeyBody string `form:",required"`
		}) (any, error) {
			k, user, err := svc.UploadSSHPublicKey(ctx, in.UserName, in.SSHPublicKeyBody)
			if err != nil {
				return nil, err
			}
			return struct {
				SSHPublicKey xmlSSHKey `xml:"SSHPublicKey"`
			}{xmlSSHKey{user, k.ID, k.Fingerprint, k.Body, k.Status, iso(k.Uploaded)}}, nil
		}),
		"GetSSHPublicKey": typed(func(ctx context.Context, in *struct {
			UserName       string `form:",required"`
			SSHPublicKeyId string `form:",required"`
			Encoding       string `form:",required"`
		}) (any, error) {
			k, user, err := svc.GetSSHPublicKey(ctx, in.UserName, in.SSHPublicKeyId)
			if err != nil {
				return nil, err
			}
			body, err := iam.SSHKeyBody(k, in.Encoding)
			if err != nil {
				return nil, err
			}
			return struct {
				SSHPublicKey xmlSSHKey `xml:"SSHPublicKey"`
			}{xmlSSHKey{user, k.ID, k.Fingerprint, body, k.Status, iso(k.Uploaded)}}, nil
		}),
		"ListSSHPublicKeys": typed(func(ctx context.Context, in *struct{ UserName string }) (any, error) {
			ks, user, err := svc.ListSSHPublicKeys(ctx, userOr(ctx, in.UserName))
			out := struct {
				SSHPublicKeys []xmlSSHKey `xml:"SSHPublicKeys>member"`
				IsTruncated   bool        `xml:"IsTruncated"`
			}{SSHPublicKeys: []xmlSSHKey{}}
			for _, k := range ks {
				out.SSHPublicKeys = append(out.SSHPublicKeys, xmlSSHKey{UserName: user, SSHPublicKeyId: k.ID, Status: k.Status, UploadDate: iso(k.Uploaded)})
			}
			return out, err
		}),
		"UpdateSSHPublicKey": typed(func(ctx context.Context, in *struct {
			UserName       string `form:",required"`
			SSHPublicKeyId string `form:",required"`
			Status         string `form:",required"`
		}) (any, error) {
			return nothing(svc.UpdateSSHPublicKey(ctx, in.UserName, in.SSHPublicKeyId, in.Status))
		}),
		"DeleteSSHPublicKey": typed(func(ctx context.Context, in *struct {
			UserName       string `form:",required"`
			SSHPublicKeyId string `form:",required"`
		}) (any, error) {
			return nothing(svc.DeleteSSHPublicKey(ctx, in.UserName, in.SSHPublicKeyId))
		}),
		// Service-specific credentials.
		"CreateServiceSpecificCredential": typed(func(ctx context.Context, in *struct {
			UserName    string `form:",required"`
			ServiceName string `form:",required"`
		}) (any, error) {
			c, user, pw, err := svc.CreateServiceSpecificCredential(ctx, in.UserName, in.ServiceName)
			if err != nil {
				return nil, err
			}
			return struct {
				ServiceSpecificCredential xmlServiceCred `xml:"ServiceSpecificCredential"`
			}{toXMLServiceCred(c, user, pw)}, nil
		}),
		"ListServiceSpecificCredentials": typed(func(ctx context.Context, in *struct{ UserName, ServiceName string }) (any, error) {
			cs, user, err := svc.ListServiceSpecificCredentials(ctx, userOr(ctx, in.UserName), in.ServiceName)
			out := struct {
				ServiceSpecificCredentials []xmlServiceCred `xml:"ServiceSpecificCredentials>member"`
				IsTruncated                bool             `xml:"IsTruncated"`
			}{ServiceSpecificCredentials: []xmlServiceCred{}}
			for _, c := range cs {
				out.ServiceSpecificCredentials = append(out.ServiceSpecificCredentials, toXMLServiceCred(c, user, ""))
			}
			return out, err
		}),
		"UpdateServiceSpecificCredential": typed(func(ctx context.Context, in *struct {
			UserName                    string
			ServiceSpecificCredentialId string `form:",required"`
			Status                      string `form:",required"`
		}) (any, error) {
			return nothing(svc.UpdateServiceSpecificCredential(ctx, userOr(ctx, in.UserName), in.ServiceSpecificCredentialId, in.Status))
		}),
		"ResetServiceSpecificCredential": typed(func(ctx context.Context, in *struct {
			UserName                    string
			ServiceSpecificCredentialId string `form:",required"`
		}) (any, error) {
			c, user, pw, err := svc.ResetServiceSpecificCredential(ctx, userOr(ctx, in.UserName), in.ServiceSpecificCredentialId)
			if err != nil {
				return nil, err
			}
			return struct {
				ServiceSpecificCredential xmlServiceCred `xml:"ServiceSpecificCredential"`
			}{toXMLServiceCred(c, user, pw)}, nil
		}),
		"DeleteServiceSpecificCredential": typed(func(ctx context.Context, in *struct {
			UserName                    string
			ServiceSpecificCredentialId string `form:",required"`
		}) (any, error) {
			return nothing(svc.DeleteServiceSpecificCredential(ctx, userOr(ctx, in.UserName), in.ServiceSpecificCredentialId))
		}),
		// Server certificates.
		"UploadServerCertificate": typed(func(ctx context.Context, in *struct {
			Path                  string
			ServerCertificateName string `form:",required"`
			CertificateBody       string `form:",required"`
			PrivateKey            string `form:",required"`
			CertificateChain      string
			Tags                  []iam.Tag
		}) (any, error) {
			c, err := svc.UploadServerCertificate(ctx, in.ServerCertificateName, in.Path, in.CertificateBody, in.PrivateKey, in.CertificateChain, in.Tags)
			if err != nil {
				return nil, err
			}
			return struct {
				Meta xmlServerCertMeta `xml:"ServerCertificateMetadata"`
				Tags *xmlTags          `xml:"Tags,omitempty"`
			}{serverCertMeta(c), tagList(c.Tags)}, nil
		}),
		"GetServerCertificate": typed(func(ctx context.Context, in *struct {
			ServerCertificateName string `form:",required"`
		}) (any, error) {
			c, err := svc.GetServerCertificate(ctx, in.ServerCertificateName)
			if err != nil {
				return nil, err
			}
			type cert struct {
				Meta  xmlServerCertMeta `xml:"ServerCertificateMetadata"`
				Body  string            `xml:"CertificateBody"`
				Chain string            `xml:"CertificateChain,omitempty"`
				Tags  *xmlTags          `xml:"Tags,omitempty"`
			}
			return struct {
				ServerCertificate cert `xml:"ServerCertificate"`
			}{cert{serverCertMeta(c), c.Body, c.Chain, tagList(c.Tags)}}, nil
		}),
		"ListServerCertificates": typed(func(ctx context.Context, in *struct{ PathPrefix string }) (any, error) {
			cs, err := svc.ListServerCertificates(ctx, in.PathPrefix)
			out := struct {
				List        []xmlServerCertMeta `xml:"ServerCertificateMetadataList>member"`
				IsTruncated bool                `xml:"IsTruncated"`
			}{List: []xmlServerCertMeta{}}
			for _, c := range cs {
				out.List = append(out.List, serverCertMeta(c))
			}
			return out, err
		}),
		"UpdateServerCertificate": typed(func(ctx context.Context, in *struct {
			ServerCertificateName    string `form:",required"`
			NewPath                  string
			NewServerCertificateName string
		}) (any, error) {
			return nothing(svc.UpdateServerCertificate(ctx, in.ServerCertificateName, in.NewServerCertificateName, in.NewPath))
		}),
		"DeleteServerCertificate": typed(func(ctx context.Context, in *struct {
			ServerCertificateName string `form:",required"`
		}) (any, error) {
			return nothing(svc.DeleteServerCertificate(ctx, in.ServerCertificateName))
		}),
		// SAML providers.
		"CreateSAMLProvider": typed(func(ctx context.Context, in *struct {
			Name                 string `form:",required"`
			SAMLMetadataDocument string `form:",required"`
			Tags                 []iam.Tag
		}) (any, error) {
			p, err := svc.CreateSAMLProvider(ctx, in.Name, in.SAMLMetadataDocument, in.Tags)
			if err != nil {
				return nil, err
			}
			return struct {
				SAMLProviderArn string   `xml:"SAMLProviderArn"`
				Tags            *xmlTags `xml:"Tags,omitempty"`
			}{p.ARN, tagList(p.Tags)}, nil
		}),
		"GetSAMLProvider": typed(func(ctx context.Context, in *struct {
			SAMLProviderArn string `form:",required"`
		}) (any, error) {
			p, err := svc.GetSAMLProvider(ctx, in.SAMLProviderArn)
			if err != nil {
				return nil, err
			}
			return struct {
				SAMLMetadataDocument string   `xml:"SAMLMetadataDocument"`
				CreateDate           string   `xml:"CreateDate"`
				ValidUntil           string   `xml:"ValidUntil"`
				Tags                 *xmlTags `xml:"Tags,omitempty"`
			}{p.Metadata, iso(p.Created), iso(p.ValidUntil), tagList(p.Tags)}, nil
		}),
		"ListSAMLProviders": typed(func(ctx context.Context, _ *struct{}) (any, error) {
			ps, err := svc.ListSAMLProviders(ctx)
			type entry struct {
				Arn        string `xml:"Arn"`
				ValidUntil string `xml:"ValidUntil"`
				CreateDate string `xml:"CreateDate"`
			}
			out := struct {
				List []entry `xml:"SAMLProviderList>member"`
			}{List: []entry{}}
			for _, p := range ps {
				out.List = append(out.List, entry{p.ARN, iso(p.ValidUntil), iso(p.Created)})
			}
			return out, err
		}),
		"UpdateSAMLProvider": typed(func(ctx context.Context, in *struct {
			SAMLProviderArn      string `form:",required"`
			SAMLMetadataDocument string
		}) (any, error) {
			if err := svc.UpdateSAMLProvider(ctx, in.SAMLProviderArn, in.SAMLMetadataDocument); err != nil {
				return nil, err
			}
			return struct {
				SAMLProviderArn string `xml:"SAMLProviderArn"`
			}{in.SAMLProviderArn}, nil
		}),
		"DeleteSAMLProvider": typed(func(ctx context.Context, in *struct {
			SAMLProviderArn string `form:",required"`
		}) (any, error) {
			return nothing(svc.DeleteSAMLProvider(ctx, in.SAMLProviderArn))
		}),
		// Service-linked roles.
		"CreateServiceLinkedRole": typed(func(ctx context.Context, in *struct {
			AWSServiceName string `form:",required"`
			Description    string
			CustomSuffix   string
		}) (any, error) {
			r, err := svc.CreateServiceLinkedRole(ctx, in.AWSServiceName, in.Description, in.CustomSuffix)
			if err != nil {
				return nil, err
			}
			return struct {
				Role xmlRole `xml:"Role"`
			}{toXMLRole(r)}, nil
		}),
		"DeleteServiceLinkedRole": typed(func(ctx context.Context, in *struct {
			RoleName string `form:",required"`
		}) (any, error) {
			task, err := svc.DeleteServiceLinkedRole(ctx, in.RoleName)
			if err != nil {
				return nil, err
			}
			return struct {
				DeletionTaskId string `xml:"DeletionTaskId"`
			}{task}, nil
		}),
		"GetServiceLinkedRoleDeletionStatus": typed(func(ctx context.Context, in *struct {
			DeletionTaskId string `form:",required"`
		}) (any, error) {
			st, err := svc.ServiceLinkedRoleDeletionStatus(ctx, in.DeletionTaskId)
			if err != nil {
				return nil, err
			}
			return struct {
				Status string `xml:"Status"`
			}{st}, nil
		}),
		"UpdateRoleDescription": typed(func(ctx context.Context, in *struct {
			RoleName    string `form:",required"`
			Description string `form:",required"`
		}) (any, error) {
			r, err := svc.UpdateRoleDescription(ctx, in.RoleName, in.Description)
			if err != nil {
				return nil, err
			}
			return struct {
				Role xmlRole `xml:"Role"`
			}{toXMLRole(r)}, nil
		}),
		// The credential report.
		"GenerateCredentialReport": typed(func(ctx context.Context, _ *struct{}) (any, error) {
			st, err := svc.GenerateCredentialReport(ctx)
			if err != nil {
				return nil, err
			}
			return struct {
				State       string `xml:"State"`
				Description string `xml:"Description"`
			}{st, "No report exists. Starting a new report generation task"}, nil
		}),
		"GetCredentialReport": typed(func(ctx context.Context, _ *struct{}) (any, error) {
			r, err := svc.GetCredentialReport(ctx)
			if err != nil {
				return nil, err
			}
			return struct {
				Content       string `xml:"Content"`
				ReportFormat  string `xml:"ReportFormat"`
				GeneratedTime string `xml:"GeneratedTime"`
			}{base64.StdEncoding.EncodeToString([]byte(r.Content)), "text/csv", iso(r.Generated)}, nil
		}),
		// Instance profile and MFA device tags; one MFA device.
		"GetMFADevice": typed(func(ctx context.Context, in *struct {
			SerialNumber string `form:",required"`
			UserName     string
		}) (any, error) {
			d, err := svc.GetMFADevice(ctx, in.SerialNumber)
			if err != nil {
				return nil, err
			}
			if in.UserName != "" && !strings.EqualFold(in.UserName, d.User) {
				return nil, awsNoSuchMFA(in.SerialNumber)
			}
			out := struct {
				UserName     string `xml:"UserName,omitempty"`
				SerialNumber string `xml:"SerialNumber"`
				EnableDate   string `xml:"EnableDate,omitempty"`
			}{UserName: d.User, SerialNumber: d.Serial}
			if d.User != "" {
				out.EnableDate = iso(d.Enabled)
			}
			return out, nil
		}),
		"ListPoliciesGrantingServiceAccess": typed(func(ctx context.Context, in *struct {
			Arn               string   `form:",required"`
			ServiceNamespaces []string `form:",required"`
			Marker            string
		}) (any, error) {
			grants, err := svc.PoliciesGrantingServiceAccess(ctx, in.Arn, in.ServiceNamespaces)
			if err != nil {
				return nil, err
			}
			type policyOut struct {
				PolicyName string `xml:"PolicyName"`
				PolicyType string `xml:"PolicyType"`
				PolicyArn  string `xml:"PolicyArn,omitempty"`
				EntityType string `xml:"EntityType,omitempty"`
				EntityName string `xml:"EntityName,omitempty"`
			}
			type entry struct {
				ServiceNamespace string      `xml:"ServiceNamespace"`
				Policies         []policyOut `xml:"Policies>member"`
			}
			out := struct {
				Entries     []entry `xml:"PoliciesGrantingServiceAccess>member"`
				IsTruncated bool    `xml:"IsTruncated"`
			}{Entries: []entry{}}
			for _, ns := range in.ServiceNamespaces {
				e := entry{ServiceNamespace: ns, Policies: []policyOut{}}
				for _, g := range grants[ns] {
					e.Policies = append(e.Policies, policyOut(g))
				}
				out.Entries = append(out.Entries, e)
			}
			return out, nil
		}),
		"GenerateServiceLastAccessedDetails": typed(func(ctx context.Context, in *struct {
			Arn         string `form:",required"`
			Granularity string
		}) (any, error) {
			id, err := svc.GenerateServiceLastAccessedDetails(ctx, in.Arn, in.Granularity)
			return struct {
				JobId string `xml:"JobId"`
			}{id}, err
		}),
		"GetServiceLastAccessedDetails": typed(func(ctx context.Context, in *struct {
			JobId    string `form:",required"`
			MaxItems int
			Marker   string
		}) (any, error) {
			job, err := svc.AccessJob(ctx, in.JobId)
			if err != nil {
				return nil, err
			}
			type svcOut struct {
				ServiceName                string `xml:"ServiceName"`
				LastAuthenticated          string `xml:"LastAuthenticated,omitempty"`
				ServiceNamespace           string `xml:"ServiceNamespace"`
				LastAuthenticatedEntity    string `xml:"LastAuthenticatedEntity,omitempty"`
				LastAuthenticatedRegion    string `xml:"LastAuthenticatedRegion,omitempty"`
				TotalAuthenticatedEntities int    `xml:"TotalAuthenticatedEntities"`
			}
			out := struct {
				JobStatus            string   `xml:"JobStatus"`
				JobType              string   `xml:"JobType"`
				JobCreationDate      string   `xml:"JobCreationDate"`
				ServicesLastAccessed []svcOut `xml:"ServicesLastAccessed>member"`
				JobCompletionDate    string   `xml:"JobCompletionDate"`
				IsTruncated          bool     `xml:"IsTruncated"`
			}{JobStatus: "COMPLETED", JobType: job.Type, JobCreationDate: iso(job.Created), JobCompletionDate: iso(job.Completed), ServicesLastAccessed: []svcOut{}}
			for _, sa := range job.Services {
				o := svcOut{ServiceName: sa.Name, ServiceNamespace: sa.Namespace, TotalAuthenticatedEntities: sa.Total}
				if !sa.LastAuthenticated.IsZero() {
					o.LastAuthenticated, o.LastAuthenticatedEntity, o.LastAuthenticatedRegion = iso(sa.LastAuthenticated), sa.Entity, sa.Region
				}
				out.ServicesLastAccessed = append(out.ServicesLastAccessed, o)
			}
			return out, nil
		}),
		"GetServiceLastAccessedDetailsWithEntities": typed(func(ctx context.Context, in *struct {
			JobId            string `form:",required"`
			ServiceNamespace string `form:",required"`
			MaxItems         int
			Marker           string
		}) (any, error) {
			job, err := svc.AccessJob(ctx, in.JobId)
			if err != nil {
				return nil, err
			}
			type info struct {
				Arn  string `xml:"Arn"`
				Name string `xml:"Name"`
				Type string `xml:"Type"`
				Id   string `xml:"Id"`
				Path string `xml:"Path,omitempty"`
			}
			type detail struct {
				EntityInfo        info   `xml:"EntityInfo"`
				LastAuthenticated string `xml:"LastAuthenticated,omitempty"`
			}
			out := struct {
				JobStatus         string   `xml:"JobStatus"`
				JobCreationDate   string   `xml:"JobCreationDate"`
				JobCompletionDate string   `xml:"JobCompletionDate"`
				EntityDetailsList []detail `xml:"EntityDetailsList>member"`
				IsTruncated       bool     `xml:"IsTruncated"`
			}{JobStatus: "COMPLETED", JobCreationDate: iso(job.Created), JobCompletionDate: iso(job.Completed), EntityDetailsList: []detail{}}
			for _, sa := range job.Services {
				if sa.Namespace != in.ServiceNamespace {
					continue
				}
				for _, e := range sa.Entities {
					out.EntityDetailsList = append(out.EntityDetailsList, detail{info{e.Arn, e.Name, e.Type, e.ID, e.Path}, iso(e.LastAuthenticated)})
				}
			}
			return out, nil
		}),
		"SetSecurityTokenServicePreferences": typed(func(ctx context.Context, in *struct {
			GlobalEndpointTokenVersion string `form:",required"`
		}) (any, error) {
			return nothing(svc.SetSecurityTokenServicePreferences(ctx, in.GlobalEndpointTokenVersion))
		}),
		"ResyncMFADevice": typed(func(ctx context.Context, in *struct {
			UserName            string `form:",required"`
			SerialNumber        string `form:",required"`
			AuthenticationCode1 string `form:",required"`
			AuthenticationCode2 string `form:",required"`
		}) (any, error) {
			return nothing(svc.ResyncMFADevice(ctx, in.UserName, in.SerialNumber, in.AuthenticationCode1, in.AuthenticationCode2))
		}),
	}
}

func awsNoSuchMFA(serial string) error {
	return awserr.Newf(404, "NoSuchEntity", "MFA Device with serial number %s does not exist.", serial)
}

// tagRowsFor are Tag<entity>, Untag<entity> and List<entity>Tags for an
// IAM entity that the form's member field names (the model makes it
// required, so the front has checked it is there).
func tagRowsFor(entity, field string, tag func(context.Context, string, []iam.Tag) error,
	untag func(context.Context, string, []string) error, list func(context.Context, string) ([]iam.Tag, error)) map[string]method {
	id := func(ctx context.Context) string { return url.Values(callOf(ctx).form).Get(field) }
	return map[string]method{
		"Tag" + entity: typed(func(ctx context.Context, in *struct{ Tags []iam.Tag }) (any, error) {
			return nothing(tag(ctx, id(ctx), in.Tags))
		}),
		"Untag" + entity: typed(func(ctx context.Context, in *struct{ TagKeys []string }) (any, error) {
			return nothing(untag(ctx, id(ctx), in.TagKeys))
		}),
		"List" + entity + "Tags": typed(func(ctx context.Context, _ *struct{}) (any, error) {
			tags, err := list(ctx, id(ctx))
			if err != nil {
				return nil, err
			}
			return tagsResult(tags), nil
		}),
	}
}

// iamTagMethods are the tag rows of every IAM entity that takes tags.
func iamTagMethods(svc *iam.Service) map[string]method {
	out := map[string]method{}
	for _, rows := range []map[string]method{
		tagRowsFor("User", "UserName", svc.TagUser, svc.UntagUser, func(ctx context.Context, id string) ([]iam.Tag, error) {
			u, err := svc.GetUser(ctx, id)
			return u.Tags, err
		}),
		tagRowsFor("Role", "RoleName", svc.TagRole, svc.UntagRole, func(ctx context.Context, id string) ([]iam.Tag, error) {
			r, err := svc.GetRole(ctx, id)
			return r.Tags, err
		}),
		tagRowsFor("Policy", "PolicyArn", svc.TagPolicy, svc.UntagPolicy, func(ctx context.Context, id string) ([]iam.Tag, error) {
			p, err := svc.GetPolicy(ctx, id)
			return p.Tags, err
		}),
		tagRowsFor("OpenIDConnectProvider", "OpenIDConnectProviderArn", svc.TagOpenIDConnectProvider, svc.UntagOpenIDConnectProvider, func(ctx context.Context, id string) ([]iam.Tag, error) {
			p, err := svc.GetOpenIDConnectProvider(ctx, id)
			return p.Tags, err
		}),
		tagRowsFor("InstanceProfile", "InstanceProfileName", svc.TagInstanceProfile, svc.UntagInstanceProfile, func(ctx context.Context, id string) ([]iam.Tag, error) {
			p, err := svc.GetInstanceProfile(ctx, id)
			return p.Tags, err
		}),
		tagRowsFor("MFADevice", "SerialNumber", svc.TagMFADevice, svc.UntagMFADevice, func(ctx context.Context, id string) ([]iam.Tag, error) {
			d, err := svc.GetMFADevice(ctx, id)
			return d.Tags, err
		}),
		tagRowsFor("SAMLProvider", "SAMLProviderArn", svc.TagSAMLProvider, svc.UntagSAMLProvider, func(ctx context.Context, id string) ([]iam.Tag, error) {
			p, err := svc.GetSAMLProvider(ctx, id)
			return p.Tags, err
		}),
		tagRowsFor("ServerCertificate", "ServerCertificateName", svc.TagServerCertificate, svc.UntagServerCertificate, func(ctx context.Context, id string) ([]iam.Tag, error) {
			c, err := svc.GetServerCertificate(ctx, id)
			return c.Tags, err
		}),
	} {
		maps.Copy(out, rows)
	}
	return out
}
