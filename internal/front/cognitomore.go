package front

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/userpool"
)

// More of the user-pool control plane: tags, auth events, UI
// customization, risk and log delivery configurations, the SAML signing
// certificate (admin rows); attribute deletion, a user's sign-in factors
// and event feedback (self-service rows).

func nowEpoch() float64 { return float64(time.Now().UnixMilli()) / 1000 }

// settingOut is a stored setting with the pool and client named.
func settingOut(v map[string]any, pool, client string) map[string]any {
	out := map[string]any{}
	for k, x := range v {
		out[k] = x
	}
	out["UserPoolId"] = pool
	if client == "" {
		client = "ALL"
	}
	if _, ok := out["ClientId"]; !ok || client != "ALL" {
		out["ClientId"] = client
	}
	return out
}

// tagger is a service whose resources (user pools, identity pools) take
// tags by ARN.
type tagger interface {
	TagResource(ctx context.Context, arn string, tags map[string]string) error
	UntagResource(ctx context.Context, arn string, keys []string) error
	ResourceTags(ctx context.Context, arn string) (map[string]string, error)
}

// tagRows are the JSON services' TagResource, UntagResource and
// ListTagsForResource.
func tagRows(t tagger) map[string]method {
	return map[string]method{
		"TagResource": typed(func(ctx context.Context, in *struct {
			ResourceArn string
			Tags        map[string]string
		}) (any, error) {
			return nil, t.TagResource(ctx, in.ResourceArn, in.Tags)
		}),
		"UntagResource": typed(func(ctx context.Context, in *struct {
			ResourceArn string
			TagKeys     []string
		}) (any, error) {
			return nil, t.UntagResource(ctx, in.ResourceArn, in.TagKeys)
		}),
		"ListTagsForResource": typed(func(ctx context.Context, in *struct{ ResourceArn string }) (any, error) {
			tags, err := t.ResourceTags(ctx, in.ResourceArn)
			return map[string]any{"Tags": tags}, err
		}),
	}
}

func cognitoMoreAdmin(svc *userpool.Service, publicURL string) map[string]method {
	return map[string]method{
		"AdminListUserAuthEvents": typed(func(ctx context.Context, in *struct {
			UserPoolId, Username, NextToken string
			MaxResults                      int
		}) (any, error) {
			evs, err := svc.AdminListUserAuthEvents(ctx, in.UserPoolId, in.Username)
			if err != nil {
				return nil, err
			}
			// Newest first, so pages follow the list's order: the token
			// is the last event id served.
			start := 0
			if in.NextToken != "" {
				start = len(evs)
				for i, e := range evs {
					if e.EventId == in.NextToken {
						start = i + 1
					}
				}
			}
			page, next := evs[start:], ""
			if max := orMax(in.MaxResults, 60); len(page) > max {
				page, next = page[:max], page[max-1].EventId
			}
			return withNext(map[string]any{"AuthEvents": page}, "NextToken", next), nil
		}),
		"AdminUpdateAuthEventFeedback": typed(func(ctx context.Context, in *struct {
			UserPoolId, Username, EventId, FeedbackValue string
		}) (any, error) {
			return nil, svc.AdminUpdateAuthEventFeedback(ctx, in.UserPoolId, in.Username, in.EventId, in.FeedbackValue)
		}),
		"SetUICustomization": typed(func(ctx context.Context, in *struct {
			UserPoolId, ClientId, CSS string
			ImageFile                 []byte
		}) (any, error) {
			v := map[string]any{"CSS": in.CSS, "CSSVersion": time.Now().UTC().Format("20060102150405"), "LastModifiedDate": nowEpoch(), "CreationDate": nowEpoch()}
			if old, err := svc.Setting(ctx, "ui", in.UserPoolId, in.ClientId); err == nil && old != nil && old["CreationDate"] != nil {
				v["CreationDate"] = old["CreationDate"]
			}
			if err := svc.PutSetting(ctx, "ui", in.UserPoolId, in.ClientId, v); err != nil {
				return nil, err
			}
			return map[string]any{"UICustomization": settingOut(v, in.UserPoolId, in.ClientId)}, nil
		}),
		"GetUICustomization": typed(func(ctx context.Context, in *struct{ UserPoolId, ClientId string }) (any, error) {
			v, err := svc.Setting(ctx, "ui", in.UserPoolId, in.ClientId)
			if err != nil {
				return nil, err
			}
			return map[string]any{"UICustomization": settingOut(v, in.UserPoolId, in.ClientId)}, nil
		}),
		"SetRiskConfiguration": typed(func(ctx context.Context, in *struct {
			UserPoolId, ClientId                    string
			CompromisedCredentialsRiskConfiguration map[string]any
			AccountTakeoverRiskConfiguration        map[string]any
			RiskExceptionConfiguration              map[string]any
		}) (any, error) {
			for _, list := range []string{"BlockedIPRangeList", "SkippedIPRangeList"} {
				ranges, _ := in.RiskExceptionConfiguration[list].([]any)
				for _, x := range ranges {
					if cidr, _ := x.(string); !validCIDR(cidr) {
						return nil, awserr.Newf(400, "InvalidParameterException", "%s must hold IP ranges in CIDR notation: %v is not one.", list, x)
					}
				}
			}
			v := map[string]any{"LastModifiedDate": nowEpoch()}
			for k, x := range map[string]map[string]any{"CompromisedCredentialsRiskConfiguration": in.CompromisedCredentialsRiskConfiguration,
				"AccountTakeoverRiskConfiguration": in.AccountTakeoverRiskConfiguration, "RiskExceptionConfiguration": in.RiskExceptionConfiguration} {
				if x != nil {
					v[k] = x
				}
			}
			if err := svc.PutSetting(ctx, "risk", in.UserPoolId, in.ClientId, v); err != nil {
				return nil, err
			}
			return map[string]any{"RiskConfiguration": settingOut(v, in.UserPoolId, in.ClientId)}, nil
		}),
		"DescribeRiskConfiguration": typed(func(ctx context.Context, in *struct{ UserPoolId, ClientId string }) (any, error) {
			v, err := svc.Setting(ctx, "risk", in.UserPoolId, in.ClientId)
			if err != nil {
				return nil, err
			}
			return map[string]any{"RiskConfiguration": settingOut(v, in.UserPoolId, in.ClientId)}, nil
		}),
		"SetLogDeliveryConfiguration": typed(func(ctx context.Context, in *struct {
			UserPoolId        string
			LogConfigurations []map[string]any
		}) (any, error) {
			if len(in.LogConfigurations) > 2 {
				return nil, awserr.New(400, "InvalidParameterException", "1 validation error detected: Value at 'logConfigurations' failed to satisfy constraint: Member must have length less than or equal to 2")
			}
			v := map[string]any{"LogConfigurations": in.LogConfigurations}
			if err := svc.PutSetting(ctx, "logdelivery", in.UserPoolId, "", v); err != nil {
				return nil, err
			}
			return map[string]any{"LogDeliveryConfiguration": map[string]any{"UserPoolId": in.UserPoolId, "LogConfigurations": in.LogConfigurations}}, nil
		}),
		"GetLogDeliveryConfiguration": typed(func(ctx context.Context, in *poolRef) (any, error) {
			v, err := svc.Setting(ctx, "logdelivery", in.UserPoolId, "")
			if err != nil {
				return nil, err
			}
			confs := []any{}
			if c, ok := v["LogConfigurations"].([]any); ok {
				confs = c
			}
			return map[string]any{"LogDeliveryConfiguration": map[string]any{"UserPoolId": in.UserPoolId, "LogConfigurations": confs}}, nil
		}),
		"AddUserPoolClientSecret": typed(func(ctx context.Context, in *struct{ UserPoolId, ClientId, ClientSecret string }) (any, error) {
			d, err := svc.AddClientSecret(ctx, in.UserPoolId, in.ClientId, in.ClientSecret)
			return map[string]any{"ClientSecretDescriptor": d}, err
		}),
		"ListUserPoolClientSecrets": typed(func(ctx context.Context, in *struct{ UserPoolId, ClientId string }) (any, error) {
			ds, err := svc.ClientSecrets(ctx, in.UserPoolId, in.ClientId)
			return map[string]any{"ClientSecrets": ds}, err
		}),
		"DeleteUserPoolClientSecret": typed(func(ctx context.Context, in *struct{ UserPoolId, ClientId, ClientSecretId string }) (any, error) {
			return nil, svc.DeleteClientSecret(ctx, in.UserPoolId, in.ClientId, in.ClientSecretId)
		}),
		"CreateManagedLoginBranding": typed(func(ctx context.Context, in *struct {
			UserPoolId, ClientId     string
			UseCognitoProvidedValues bool
			Settings                 json.RawMessage
			Assets                   []userpool.BrandingAsset
		}) (any, error) {
			b, err := svc.CreateBranding(ctx, in.UserPoolId, in.ClientId, in.UseCognitoProvidedValues, in.Settings, in.Assets)
			return map[string]any{"ManagedLoginBranding": b}, err
		}),
		"DescribeManagedLoginBranding": typed(func(ctx context.Context, in *struct {
			UserPoolId, ManagedLoginBrandingId string
			ReturnMergedResources              bool
		}) (any, error) {
			b, err := svc.Branding(ctx, in.UserPoolId, in.ManagedLoginBrandingId, "")
			return map[string]any{"ManagedLoginBranding": b}, err
		}),
		"DescribeManagedLoginBrandingByClient": typed(func(ctx context.Context, in *struct {
			UserPoolId, ClientId  string
			ReturnMergedResources bool
		}) (any, error) {
			b, err := svc.Branding(ctx, in.UserPoolId, "", in.ClientId)
			return map[string]any{"ManagedLoginBranding": b}, err
		}),
		"UpdateManagedLoginBranding": typed(func(ctx context.Context, in *struct {
			UserPoolId, ManagedLoginBrandingId string
			UseCognitoProvidedValues           *bool
			Settings                           json.RawMessage
			Assets                             []userpool.BrandingAsset
		}) (any, error) {
			b, err := svc.UpdateBranding(ctx, in.UserPoolId, in.ManagedLoginBrandingId, in.UseCognitoProvidedValues, in.Settings, in.Assets)
			return map[string]any{"ManagedLoginBranding": b}, err
		}),
		"DeleteManagedLoginBranding": typed(func(ctx context.Context, in *struct{ UserPoolId, ManagedLoginBrandingId string }) (any, error) {
			return nothing(svc.DeleteBranding(ctx, in.UserPoolId, in.ManagedLoginBrandingId))
		}),
		"CreateTerms": typed(func(ctx context.Context, in *struct {
			UserPoolId, ClientId, TermsName, TermsSource, Enforcement string
			Links                                                     map[string]string
		}) (any, error) {
			t, err := svc.CreateTerms(ctx, userpool.Terms{UserPoolId: in.UserPoolId, ClientId: in.ClientId, TermsName: in.TermsName,
				TermsSource: in.TermsSource, Enforcement: in.Enforcement, Links: in.Links})
			return map[string]any{"Terms": t}, err
		}),
		"DescribeTerms": typed(func(ctx context.Context, in *struct{ UserPoolId, TermsId string }) (any, error) {
			t, err := svc.DescribeTerms(ctx, in.UserPoolId, in.TermsId)
			return map[string]any{"Terms": t}, err
		}),
		"ListTerms": typed(func(ctx context.Context, in *struct {
			UserPoolId, NextToken string
			MaxResults            int
		}) (any, error) {
			page, next, err := svc.ListTerms(ctx, in.UserPoolId, in.MaxResults, in.NextToken)
			if err != nil {
				return nil, err
			}
			type desc struct {
				TermsId, TermsName, Enforcement string
				CreationDate, LastModifiedDate  any
			}
			out := []desc{}
			for _, t := range page {
				out = append(out, desc{t.TermsId, t.TermsName, t.Enforcement, t.CreationDate, t.LastModifiedDate})
			}
			res := map[string]any{"Terms": out}
			if next != "" {
				res["NextToken"] = next
			}
			return res, nil
		}),
		"UpdateTerms": typed(func(ctx context.Context, in *struct {
			UserPoolId, TermsId                 string
			TermsName, TermsSource, Enforcement *string
			Links                               map[string]string
		}) (any, error) {
			t, err := svc.UpdateTerms(ctx, in.UserPoolId, in.TermsId, in.TermsName, in.TermsSource, in.Enforcement, in.Links)
			return map[string]any{"Terms": t}, err
		}),
		"DeleteTerms": typed(func(ctx context.Context, in *struct{ UserPoolId, TermsId string }) (any, error) {
			return nothing(svc.DeleteTerms(ctx, in.UserPoolId, in.TermsId))
		}),
		"GetCSVHeader": typed(func(ctx context.Context, in *poolRef) (any, error) {
			h, err := svc.CSVHeader(ctx, in.UserPoolId)
			return map[string]any{"UserPoolId": in.UserPoolId, "CSVHeader": h}, err
		}),
		"CreateUserImportJob": typed(func(ctx context.Context, in *struct{ JobName, UserPoolId, CloudWatchLogsRoleArn string }) (any, error) {
			j, err := svc.CreateImportJob(ctx, in.UserPoolId, in.JobName, in.CloudWatchLogsRoleArn, publicURL)
			return map[string]any{"UserImportJob": j}, err
		}),
		"DescribeUserImportJob": typed(func(ctx context.Context, in *struct{ UserPoolId, JobId string }) (any, error) {
			j, err := svc.ImportJob(ctx, in.UserPoolId, in.JobId)
			return map[string]any{"UserImportJob": j}, err
		}),
		"StartUserImportJob": typed(func(ctx context.Context, in *struct{ UserPoolId, JobId string }) (any, error) {
			j, err := svc.StartImportJob(ctx, in.UserPoolId, in.JobId)
			return map[string]any{"UserImportJob": j}, err
		}),
		"StopUserImportJob": typed(func(ctx context.Context, in *struct{ UserPoolId, JobId string }) (any, error) {
			j, err := svc.StopImportJob(ctx, in.UserPoolId, in.JobId)
			return map[string]any{"UserImportJob": j}, err
		}),
		"ListUserImportJobs": typed(func(ctx context.Context, in *struct {
			UserPoolId, PaginationToken string
			MaxResults                  int
		}) (any, error) {
			jobs, err := svc.ImportJobs(ctx, in.UserPoolId)
			if err != nil {
				return nil, err
			}
			start := 0
			for i, j := range jobs {
				if j.JobId == in.PaginationToken {
					start = i + 1
				}
			}
			page, next := jobs[start:], ""
			if max := orMax(in.MaxResults, 60); len(page) > max {
				page, next = page[:max], page[max-1].JobId
			}
			if page == nil {
				page = []userpool.ImportJob{}
			}
			return withNext(map[string]any{"UserImportJobs": page}, "PaginationToken", next), nil
		}),
		"GetSigningCertificate": typed(func(ctx context.Context, in *poolRef) (any, error) {
			c, err := svc.SigningCertificate(ctx, in.UserPoolId)
			return map[string]any{"Certificate": c}, err
		}),
	}
}

func cognitoMorePublic(svc *userpool.Service) map[string]method {
	return map[string]method{
		"DeleteUserAttributes": typed(func(ctx context.Context, in *struct {
			AccessToken        string
			UserAttributeNames []string
		}) (any, error) {
			return nil, svc.DeleteUserAttributes(ctx, in.AccessToken, in.UserAttributeNames)
		}),
		"GetUserAuthFactors": typed(func(ctx context.Context, in *struct{ AccessToken string }) (any, error) {
			u, factors, err := svc.AuthFactors(ctx, in.AccessToken)
			if err != nil {
				return nil, err
			}
			return withMFA(u, map[string]any{"Username": u.Username, "ConfiguredUserAuthFactors": factors}), nil
		}),
		"UpdateAuthEventFeedback": typed(func(ctx context.Context, in *struct {
			UserPoolId, Username, EventId, FeedbackToken, FeedbackValue string
		}) (any, error) {
			// Feedback tokens come in risk notification messages, which
			// sekisho does not send: no token is valid.
			return nil, awserr.New(400, "NotAuthorizedException", "Invalid feedback token.")
		}),
	}
}

// serveUserImport takes the CSV of a user import job, PUT to its
// pre-signed URL (/_sekisho/user-import/<pool>/<job>?token=…).
func (h *Handler) serveUserImport(w http.ResponseWriter, r *http.Request) {
	ri := info(r.Context())
	ri.service, ri.operation = "cognito-idp", "UserImportUpload"
	svc := h.cfg.UserPools
	if svc == nil {
		http.NotFound(w, r)
		return
	}
	pool, job, token := r.PathValue("pool"), r.PathValue("job"), r.URL.Query().Get("token")
	if err := svc.CheckImportUpload(r.Context(), pool, job, token); err != nil {
		h.writeError(w, r, protoS3, awserr.New(403, "AccessDenied", "Request has expired or the signature is not valid."))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, userpool.MaxImportCSV))
	if err != nil {
		h.writeError(w, r, protoS3, awserr.New(400, "EntityTooLarge", "The CSV file is larger than the import allows."))
		return
	}
	if err := svc.UploadImportCSV(r.Context(), pool, job, token, body); err != nil {
		if errors.Is(err, userpool.ErrImportDenied) {
			h.writeError(w, r, protoS3, awserr.New(403, "AccessDenied", "Request has expired or the signature is not valid."))
			return
		}
		h.writeError(w, r, protoS3, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// validCIDR reports whether s is an IP range in CIDR notation.
func validCIDR(s string) bool {
	_, _, err := net.ParseCIDR(s)
	return err == nil
}
