// Package console is the operator's web console at /console/: sign in
// with an access key pair, then buckets and objects, user pools and their
// users, IAM roles and users. Every action is an AWS API call signed with
// the signed-in keys and served by the same front (authentication, the
// policy engine, the services) as any client's, so a principal that may
// not do something sees AccessDenied here too. Pages are server-rendered
// html/template, with no script; forms carry a CSRF token; the session is
// a sealed, HttpOnly, SameSite=Strict cookie that expires.
package console

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentity"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/front"
	iamsvc "github.com/sekisho/sekisho/internal/iam"
	"github.com/sekisho/sekisho/internal/seal"
)

// Config is what the console needs.
type Config struct {
	// API serves the AWS APIs (the front); the console's calls go to it
	// in process.
	API    http.Handler
	Key    *seal.Key
	Region string
	// Endpoint is the server's public URL (the Host the calls name).
	Endpoint string
	// Outbox is the file of messages that were not mailed (shown to
	// the account root only: it holds codes).
	Outbox string
	// Recent, if set, returns the server's recent authorizations (shown
	// to the account root only: they are everyone's).
	Recent func() []front.Trace
	// PasswordSignIn, if set, signs an IAM user in with the password of
	// their login profile (and their MFA code, or a new password when
	// theirs must be reset; iam.ErrMFARequired and
	// iam.ErrNewPasswordRequired ask for them) and returns temporary
	// keys of the user. account is an id, an alias or "" for the
	// server's own account.
	PasswordSignIn func(ctx context.Context, account, user, password, code, newPassword string) (id, secret, token string, err error)
}

const (
	sessionCookie  = "sekisho-console"
	csrfCookie     = "sekisho-console-csrf"
	sessionPurpose = "sekisho console session"
	sessionTTL     = time.Hour
	// maxUpload bounds a console upload (S3's own PutObject limit, as the
	// console uploads in parts); maxForm any other form.
	maxUpload = 5 << 30
	maxForm   = 1 << 20
)

type session struct {
	ID, Secret, Token string
	ARN               string
	Expires           time.Time
}

// Handler serves /console/.
type Handler struct {
	cfg Config
	mux *http.ServeMux
}

// New makes the console.
func New(cfg Config) *Handler {
	h := &Handler{cfg: cfg, mux: http.NewServeMux()}
	h.mux.HandleFunc("GET /console/{$}", h.home)
	h.mux.HandleFunc("POST /console/login", h.login)
	h.mux.HandleFunc("POST /console/signin", h.signIn)
	h.mux.HandleFunc("POST /console/logout", h.logout)
	h.mux.HandleFunc("GET /console/s3", h.authed(h.buckets))
	h.mux.HandleFunc("POST /console/s3", h.authed(h.createBucket))
	h.mux.HandleFunc("GET /console/s3/b/{bucket}", h.authed(h.objects))
	h.mux.HandleFunc("POST /console/s3/b/{bucket}/upload", h.authed(h.upload))
	h.mux.HandleFunc("GET /console/upload.js", serveUploadJS)
	h.mux.HandleFunc("POST /console/s3/b/{bucket}/delete", h.authed(h.deleteObject))
	h.mux.HandleFunc("GET /console/s3/b/{bucket}/get", h.authed(h.download))
	h.mux.HandleFunc("GET /console/s3/b/{bucket}/presign", h.authed(h.presign))
	h.mux.HandleFunc("GET /console/s3/b/{bucket}/settings", h.authed(h.bucketSettings))
	h.mux.HandleFunc("POST /console/s3/b/{bucket}/settings", h.authed(h.saveBucketSettings))
	h.mux.HandleFunc("POST /console/cognito/p/{pool}/user", h.authed(h.userAction))
	h.mux.HandleFunc("POST /console/iam/keys", h.authed(h.createKey))
	h.mux.HandleFunc("POST /console/iam/role-policy", h.authed(h.putRolePolicy))
	h.mux.HandleFunc("GET /console/identity", h.authed(h.identityPools))
	h.mux.HandleFunc("GET /console/outbox", h.authed(h.outbox))
	h.mux.HandleFunc("GET /console/simulate", h.authed(h.simulateForm))
	h.mux.HandleFunc("GET /console/requests", h.authed(h.requests))
	h.mux.HandleFunc("POST /console/simulate", h.authed(h.simulate))
	h.mux.HandleFunc("GET /console/cognito", h.authed(h.pools))
	h.mux.HandleFunc("GET /console/cognito/p/{pool}", h.authed(h.poolUsers))
	h.mux.HandleFunc("POST /console/cognito/p/{pool}/users", h.authed(h.createUser))
	h.mux.HandleFunc("POST /console/cognito/p/{pool}/settings", h.authed(h.poolAction))
	h.mux.HandleFunc("GET /console/iam", h.authed(h.iamHome))
	h.mux.HandleFunc("POST /console/iam/roles", h.authed(h.createRole))
	h.mux.HandleFunc("POST /console/iam/policies", h.authed(h.createPolicy))
	h.mux.HandleFunc("GET /console/iam/policy", h.authed(h.policy))
	h.mux.HandleFunc("POST /console/iam/policy", h.authed(h.policyAction))
	return h
}

func pageHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "no-store")
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	pageHeaders(w)
	if r.URL.Path == "/console" {
		http.Redirect(w, r, "/console/", http.StatusFound)
		return
	}
	if r.Method == http.MethodPost && isUpload(r) {
		// Streamed: the handler checks the token, the form's first field.
		r.Body = http.MaxBytesReader(w, r.Body, maxUpload+1<<20)
		h.mux.ServeHTTP(w, r)
		return
	}
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
		if !h.csrfOK(r) {
			h.render(w, r, http.StatusForbidden, "error", map[string]any{"Error": "The form has expired or did not come from this console; go back and try again."})
			return
		}
	}
	h.mux.ServeHTTP(w, r)
}

// csrfOK checks the double-submitted token of a POST (the login form's
// too). Multipart forms are parsed here, within the size bound.
// csrfMatches reports whether got is the request's CSRF cookie.
func (h *Handler) csrfMatches(r *http.Request, got string) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || c.Value == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(c.Value), []byte(got)) == 1
}

func (h *Handler) csrfOK(r *http.Request) bool {
	c, err := r.Cookie(csrfCookie)
	if err != nil || c.Value == "" {
		return false
	}
	var got string
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			return false
		}
		got = r.FormValue("_csrf")
	} else {
		got = r.PostFormValue("_csrf")
	}
	return subtle.ConstantTimeCompare([]byte(c.Value), []byte(got)) == 1
}

func (h *Handler) csrf(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 32 {
		return c.Value
	}
	b := make([]byte, 16)
	rand.Read(b)
	v := hex.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: v, Path: "/console/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	return v
}

func (h *Handler) session(r *http.Request) (session, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return session{}, false
	}
	b, err := h.cfg.Key.Open(sessionPurpose, c.Value)
	var s session
	if err != nil || json.Unmarshal(b, &s) != nil || time.Now().After(s.Expires) {
		return session{}, false
	}
	return s, true
}

type ctxKey struct{}

func (h *Handler) authed(fn http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := h.session(r)
		if !ok {
			http.Redirect(w, r, "/console/", http.StatusFound)
			return
		}
		fn(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, s)))
	}
}

// awsConfig is an SDK configuration that calls the API in process with
// the given keys.
func (h *Handler) awsConfig(id, secret, token string) aws.Config {
	return aws.Config{Region: h.cfg.Region, BaseEndpoint: aws.String(h.cfg.Endpoint),
		Credentials: credentials.NewStaticCredentialsProvider(id, secret, token),
		HTTPClient:  &http.Client{Transport: inProcess{h.cfg.API}}, RetryMaxAttempts: 1}
}

func (h *Handler) clients(r *http.Request) (aws.Config, session) {
	s := r.Context().Value(ctxKey{}).(session)
	return h.awsConfig(s.ID, s.Secret, s.Token), s
}

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	s, ok := h.session(r)
	if !ok {
		h.render(w, r, http.StatusOK, "login", nil)
		return
	}
	h.render(w, r, http.StatusOK, "home", map[string]any{"ARN": s.ARN})
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	id, secret, token := strings.TrimSpace(r.PostFormValue("access_key_id")), strings.TrimSpace(r.PostFormValue("secret_access_key")), strings.TrimSpace(r.PostFormValue("session_token"))
	who, err := sts.NewFromConfig(h.awsConfig(id, secret, token)).GetCallerIdentity(r.Context(), &sts.GetCallerIdentityInput{})
	if err != nil || id == "" {
		h.render(w, r, http.StatusUnauthorized, "login", map[string]any{"Error": "Those keys were not accepted."})
		return
	}
	b, _ := json.Marshal(session{ID: id, Secret: secret, Token: token, ARN: *who.Arn, Expires: time.Now().Add(sessionTTL)})
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: h.cfg.Key.Seal(sessionPurpose, b), Path: "/console/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: int(sessionTTL.Seconds())})
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}

// signIn is an IAM user's password sign-in: the session holds the
// user's temporary keys, so every action is authorized as the user.
func (h *Handler) signIn(w http.ResponseWriter, r *http.Request) {
	account, user := strings.TrimSpace(r.PostFormValue("account")), strings.TrimSpace(r.PostFormValue("user_name"))
	page := map[string]any{"Account": account, "UserName": user}
	if h.cfg.PasswordSignIn == nil {
		page["UserError"] = "Password sign-in is not available on this server."
		h.render(w, r, http.StatusUnauthorized, "login", page)
		return
	}
	id, secret, token, err := h.cfg.PasswordSignIn(r.Context(), account, user, r.PostFormValue("password"), strings.TrimSpace(r.PostFormValue("mfa_code")), r.PostFormValue("new_password"))
	if err != nil {
		status := http.StatusUnauthorized
		switch {
		case errors.Is(err, iamsvc.ErrMFARequired):
			page["AskCode"], page["UserError"] = true, "Enter the code of your MFA device, with your password again."
		case errors.Is(err, iamsvc.ErrNewPasswordRequired):
			page["AskNew"], page["UserError"] = true, "Your password must be changed: enter a new one, with your password again."
		case errors.Is(err, iamsvc.ErrSignInLocked):
			status, page["UserError"] = http.StatusTooManyRequests, "Too many failed sign-ins. Try again later."
		default:
			if msg, ok := apiMessageOf(err); ok {
				page["UserError"], page["AskNew"] = msg, r.PostFormValue("new_password") != ""
			} else {
				page["UserError"] = "Your authentication information is incorrect."
			}
		}
		h.render(w, r, status, "login", page)
		return
	}
	who, err := sts.NewFromConfig(h.awsConfig(id, secret, token)).GetCallerIdentity(r.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		h.render(w, r, http.StatusUnauthorized, "login", map[string]any{"UserError": "Your authentication information is incorrect."})
		return
	}
	b, _ := json.Marshal(session{ID: id, Secret: secret, Token: token, ARN: *who.Arn, Expires: time.Now().Add(sessionTTL)})
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: h.cfg.Key.Seal(sessionPurpose, b), Path: "/console/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: int(sessionTTL.Seconds())})
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}

// apiMessageOf is the message of an AWS-shaped client error (a new
// password outside the policy), not of a server fault.
func apiMessageOf(err error) (string, bool) {
	e, ok := awserr.As(err)
	if !ok || e.Status >= 500 {
		return "", false
	}
	return e.Message, true
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/console/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}

// fail shows an API error (AccessDenied included) on the page it came
// from.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusBadRequest
	msg := err.Error()
	var ae smithy.APIError
	if errors.As(err, &ae) {
		msg = ae.ErrorCode() + ": " + ae.ErrorMessage()
		if ae.ErrorCode() == "AccessDenied" || ae.ErrorCode() == "AccessDeniedException" {
			status = http.StatusForbidden
		}
	}
	h.render(w, r, status, "error", map[string]any{"Error": msg})
}

// --- S3 ---

func (h *Handler) buckets(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	out, err := s3.NewFromConfig(cfg, pathStyle).ListBuckets(r.Context(), &s3.ListBucketsInput{})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var names []string
	for _, b := range out.Buckets {
		names = append(names, *b.Name)
	}
	h.render(w, r, http.StatusOK, "buckets", map[string]any{"Buckets": names})
}

func pathStyle(o *s3.Options) { o.UsePathStyle = true }

func (h *Handler) createBucket(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	name := strings.TrimSpace(r.PostFormValue("bucket"))
	if _, err := s3.NewFromConfig(cfg, pathStyle).CreateBucket(r.Context(), &s3.CreateBucketInput{Bucket: &name}); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/s3/b/"+url.PathEscape(name), http.StatusSeeOther)
}

func (h *Handler) objects(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	bucket, prefix := r.PathValue("bucket"), r.URL.Query().Get("prefix")
	out, err := s3.NewFromConfig(cfg, pathStyle).ListObjectsV2(r.Context(), &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix, Delimiter: aws.String("/"), MaxKeys: aws.Int32(1000)})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	type obj struct {
		Key  string
		Size int64
	}
	var folders []string
	var objs []obj
	for _, p := range out.CommonPrefixes {
		folders = append(folders, *p.Prefix)
	}
	for _, o := range out.Contents {
		objs = append(objs, obj{*o.Key, aws.ToInt64(o.Size)})
	}
	h.render(w, r, http.StatusOK, "objects", map[string]any{"Bucket": bucket, "Prefix": prefix, "Folders": folders, "Objects": objs})
}

// isUpload reports a post to a bucket's upload form.
func isUpload(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/console/s3/b/") && strings.HasSuffix(r.URL.Path, "/upload") &&
		strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data")
}

// upload streams a file from the upload form into the bucket: the form's
// fields come in order — the CSRF token (checked before anything else is
// read), the folder, the file — and the file goes on to S3 through the
// SDK's upload manager, in 8 MiB parts (a multipart upload above that), so
// neither the console nor the disk holds the file.
func (h *Handler) upload(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	bucket := r.PathValue("bucket")
	bad := func(msg string) {
		h.render(w, r, http.StatusBadRequest, "error", map[string]any{"Error": msg})
	}
	mr, err := r.MultipartReader()
	if err != nil {
		bad("The upload is not a form.")
		return
	}
	small := func(p io.Reader) string {
		b, _ := io.ReadAll(io.LimitReader(p, 1025))
		return string(b)
	}
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "_csrf" || !h.csrfMatches(r, small(part)) {
		h.render(w, r, http.StatusForbidden, "error", map[string]any{"Error": "The form has expired or did not come from this console; go back and try again."})
		return
	}
	prefix := ""
	for {
		part, err = mr.NextPart()
		if err != nil {
			bad("Choose a file to upload.")
			return
		}
		if part.FormName() == "prefix" {
			prefix = small(part)
			continue
		}
		if part.FormName() == "file" && part.FileName() != "" {
			break
		}
	}
	key := prefix + part.FileName()
	up := manager.NewUploader(s3.NewFromConfig(cfg, pathStyle), func(u *manager.Uploader) {
		u.PartSize = 8 << 20
		u.Concurrency = 2
	})
	if _, err := up.Upload(r.Context(), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: part}); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			bad("The file is larger than the console takes (5 GiB); use the AWS CLI.")
			return
		}
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/s3/b/"+url.PathEscape(bucket)+"?prefix="+url.QueryEscape(prefix), http.StatusSeeOther)
}

// serveUploadJS serves the script that shows an upload's progress.
func serveUploadJS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	io.WriteString(w, uploadJS)
}

func (h *Handler) deleteObject(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	bucket, key := r.PathValue("bucket"), r.PostFormValue("key")
	if _, err := s3.NewFromConfig(cfg, pathStyle).DeleteObject(r.Context(), &s3.DeleteObjectInput{Bucket: &bucket, Key: &key}); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/s3/b/"+url.PathEscape(bucket), http.StatusSeeOther)
}

func (h *Handler) download(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	bucket, key := r.PathValue("bucket"), r.URL.Query().Get("key")
	out, err := s3.NewFromConfig(cfg, pathStyle).GetObject(r.Context(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer out.Body.Close()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(key[strings.LastIndex(key, "/")+1:], `"`, "")+`"`)
	io.Copy(w, out.Body)
}

// --- Cognito ---

func (h *Handler) pools(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	out, err := cip.NewFromConfig(cfg).ListUserPools(r.Context(), &cip.ListUserPoolsInput{MaxResults: aws.Int32(60)})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	type pool struct{ ID, Name string }
	var ps []pool
	for _, p := range out.UserPools {
		ps = append(ps, pool{*p.Id, *p.Name})
	}
	h.render(w, r, http.StatusOK, "pools", map[string]any{"Pools": ps})
}

func (h *Handler) poolUsers(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	id := r.PathValue("pool")
	out, err := cip.NewFromConfig(cfg).ListUsers(r.Context(), &cip.ListUsersInput{UserPoolId: &id, Limit: aws.Int32(60)})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	c := cip.NewFromConfig(cfg)
	type client struct{ Name, ID, Flows, Scopes, Callbacks, AuthFlows string }
	var clients []client
	var groups []string
	if cl, err := c.ListUserPoolClients(r.Context(), &cip.ListUserPoolClientsInput{UserPoolId: &id, MaxResults: aws.Int32(60)}); err == nil {
		for _, x := range cl.UserPoolClients {
			cc := client{Name: aws.ToString(x.ClientName), ID: aws.ToString(x.ClientId)}
			if d, err := c.DescribeUserPoolClient(r.Context(), &cip.DescribeUserPoolClientInput{UserPoolId: &id, ClientId: x.ClientId}); err == nil {
				u := d.UserPoolClient
				var flows, auth []string
				for _, f := range u.AllowedOAuthFlows {
					flows = append(flows, string(f))
				}
				for _, f := range u.ExplicitAuthFlows {
					auth = append(auth, string(f))
				}
				cc.Flows, cc.Scopes, cc.Callbacks, cc.AuthFlows = strings.Join(flows, " "), strings.Join(u.AllowedOAuthScopes, " "), strings.Join(u.CallbackURLs, " "), strings.Join(auth, " ")
			}
			clients = append(clients, cc)
		}
	}
	if gl, err := c.ListGroups(r.Context(), &cip.ListGroupsInput{UserPoolId: &id, Limit: aws.Int32(60)}); err == nil {
		for _, x := range gl.Groups {
			groups = append(groups, aws.ToString(x.GroupName))
		}
	}
	settings := map[string]string{}
	if d, err := c.DescribeUserPool(r.Context(), &cip.DescribeUserPoolInput{UserPoolId: &id}); err == nil {
		p := d.UserPool
		settings["Name"], settings["MFA"], settings["Domain"] = aws.ToString(p.Name), string(p.MfaConfiguration), aws.ToString(p.Domain)
		if p.Policies != nil && p.Policies.PasswordPolicy != nil {
			pp := p.Policies.PasswordPolicy
			settings["Password"] = fmt.Sprintf("at least %d characters", aws.ToInt32(pp.MinimumLength))
		}
		var attrs []string
		for _, a := range p.UsernameAttributes {
			attrs = append(attrs, string(a))
		}
		settings["UsernameAttributes"] = strings.Join(attrs, " ")
	}
	type user struct{ Name, Status, Email string }
	var us []user
	for _, u := range out.Users {
		email := ""
		for _, a := range u.Attributes {
			if aws.ToString(a.Name) == "email" {
				email = aws.ToString(a.Value)
			}
		}
		us = append(us, user{*u.Username, string(u.UserStatus), email})
	}
	h.render(w, r, http.StatusOK, "users", map[string]any{"Pool": id, "Users": us, "Clients": clients, "Groups": groups, "Settings": settings})
}

// poolAction runs one of a pool page's forms: a group, an app client,
// the domain.
func (h *Handler) poolAction(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	id := r.PathValue("pool")
	c := cip.NewFromConfig(cfg)
	var err error
	switch r.PostFormValue("action") {
	case "group":
		_, err = c.CreateGroup(r.Context(), &cip.CreateGroupInput{UserPoolId: &id, GroupName: aws.String(r.PostFormValue("name")),
			Description: nonEmpty(r.PostFormValue("description")), RoleArn: nonEmpty(r.PostFormValue("role"))})
	case "client":
		in := &cip.CreateUserPoolClientInput{UserPoolId: &id, ClientName: aws.String(r.PostFormValue("name")), GenerateSecret: r.PostFormValue("secret") == "on",
			ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{ciptypes.ExplicitAuthFlowsTypeAllowUserSrpAuth, ciptypes.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}}
		if cb := fields(r.PostFormValue("callbacks")); len(cb) > 0 {
			in.CallbackURLs, in.LogoutURLs = cb, fields(r.PostFormValue("logouts"))
			in.AllowedOAuthFlows = []ciptypes.OAuthFlowType{ciptypes.OAuthFlowTypeCode}
			in.AllowedOAuthFlowsUserPoolClient = true
			in.AllowedOAuthScopes = fields(r.PostFormValue("scopes"))
			in.SupportedIdentityProviders = []string{"COGNITO"}
		}
		_, err = c.CreateUserPoolClient(r.Context(), in)
	case "domain":
		_, err = c.CreateUserPoolDomain(r.Context(), &cip.CreateUserPoolDomainInput{UserPoolId: &id, Domain: aws.String(r.PostFormValue("domain"))})
	case "delete-domain":
		_, err = c.DeleteUserPoolDomain(r.Context(), &cip.DeleteUserPoolDomainInput{UserPoolId: &id, Domain: aws.String(r.PostFormValue("domain"))})
	default:
		h.render(w, r, http.StatusBadRequest, "error", map[string]any{"Error": "Unknown action."})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/cognito/p/"+url.PathEscape(id), http.StatusSeeOther)
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	id := r.PathValue("pool")
	in := &cip.AdminCreateUserInput{UserPoolId: &id, Username: aws.String(r.PostFormValue("username")), MessageAction: ciptypes.MessageActionTypeSuppress}
	if pw := r.PostFormValue("temporary_password"); pw != "" {
		in.TemporaryPassword = &pw
	}
	if e := r.PostFormValue("email"); e != "" {
		in.UserAttributes = []ciptypes.AttributeType{{Name: aws.String("email"), Value: &e}}
	}
	if _, err := cip.NewFromConfig(cfg).AdminCreateUser(r.Context(), in); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/cognito/p/"+url.PathEscape(id), http.StatusSeeOther)
}

// --- IAM ---

func (h *Handler) iamHome(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	c := iam.NewFromConfig(cfg)
	roles, err := c.ListRoles(r.Context(), &iam.ListRolesInput{})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	users, err := c.ListUsers(r.Context(), &iam.ListUsersInput{})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	pols, err := c.ListPolicies(r.Context(), &iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var ps []map[string]string
	for _, p := range pols.Policies {
		ps = append(ps, map[string]string{"Name": aws.ToString(p.PolicyName), "Arn": aws.ToString(p.Arn), "Version": aws.ToString(p.DefaultVersionId)})
	}
	var rs, us []string
	for _, x := range roles.Roles {
		rs = append(rs, *x.RoleName)
	}
	for _, x := range users.Users {
		us = append(us, *x.UserName)
	}
	sort.Strings(rs)
	sort.Strings(us)
	h.render(w, r, http.StatusOK, "iam", map[string]any{"Roles": rs, "Users": us, "Policies": ps})
}

// createPolicy makes a customer managed policy.
func (h *Handler) createPolicy(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	name, doc := r.PostFormValue("name"), r.PostFormValue("document")
	out, err := iam.NewFromConfig(cfg).CreatePolicy(r.Context(), &iam.CreatePolicyInput{PolicyName: &name, PolicyDocument: &doc})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/iam/policy?arn="+url.QueryEscape(aws.ToString(out.Policy.Arn)), http.StatusSeeOther)
}

// policy shows a managed policy: its versions, the default one's document,
// where it is attached, and forms for a new version, the default, and
// attaching it to a role.
func (h *Handler) policy(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	c := iam.NewFromConfig(cfg)
	arn := r.URL.Query().Get("arn")
	p, err := c.GetPolicy(r.Context(), &iam.GetPolicyInput{PolicyArn: &arn})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	vs, err := c.ListPolicyVersions(r.Context(), &iam.ListPolicyVersionsInput{PolicyArn: &arn})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	show := r.URL.Query().Get("version")
	if show == "" {
		show = aws.ToString(p.Policy.DefaultVersionId)
	}
	v, err := c.GetPolicyVersion(r.Context(), &iam.GetPolicyVersionInput{PolicyArn: &arn, VersionId: &show})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	doc, _ := url.QueryUnescape(aws.ToString(v.PolicyVersion.Document))
	var pretty bytes.Buffer
	if json.Indent(&pretty, []byte(doc), "", "  ") != nil {
		pretty.Reset()
		pretty.WriteString(doc)
	}
	ents, err := c.ListEntitiesForPolicy(r.Context(), &iam.ListEntitiesForPolicyInput{PolicyArn: &arn})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var versions []map[string]any
	for _, x := range vs.Versions {
		versions = append(versions, map[string]any{"ID": aws.ToString(x.VersionId), "Default": x.IsDefaultVersion, "Created": aws.ToTime(x.CreateDate).Format(time.RFC3339)})
	}
	var attached []string
	for _, x := range ents.PolicyRoles {
		attached = append(attached, "role "+aws.ToString(x.RoleName))
	}
	for _, x := range ents.PolicyUsers {
		attached = append(attached, "user "+aws.ToString(x.UserName))
	}
	for _, x := range ents.PolicyGroups {
		attached = append(attached, "group "+aws.ToString(x.GroupName))
	}
	h.render(w, r, http.StatusOK, "policy", map[string]any{"Name": aws.ToString(p.Policy.PolicyName), "Arn": arn, "Versions": versions,
		"Shown": show, "Document": pretty.String(), "Attached": attached})
}

// policyAction runs one of the policy page's forms.
func (h *Handler) policyAction(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	c := iam.NewFromConfig(cfg)
	arn := r.PostFormValue("arn")
	var err error
	switch r.PostFormValue("action") {
	case "version":
		doc := r.PostFormValue("document")
		_, err = c.CreatePolicyVersion(r.Context(), &iam.CreatePolicyVersionInput{PolicyArn: &arn, PolicyDocument: &doc, SetAsDefault: r.PostFormValue("default") == "on"})
	case "default":
		v := r.PostFormValue("version")
		_, err = c.SetDefaultPolicyVersion(r.Context(), &iam.SetDefaultPolicyVersionInput{PolicyArn: &arn, VersionId: &v})
	case "delete-version":
		v := r.PostFormValue("version")
		_, err = c.DeletePolicyVersion(r.Context(), &iam.DeletePolicyVersionInput{PolicyArn: &arn, VersionId: &v})
	case "attach":
		role := r.PostFormValue("role")
		_, err = c.AttachRolePolicy(r.Context(), &iam.AttachRolePolicyInput{PolicyArn: &arn, RoleName: &role})
	case "detach":
		role := r.PostFormValue("role")
		_, err = c.DetachRolePolicy(r.Context(), &iam.DetachRolePolicyInput{PolicyArn: &arn, RoleName: &role})
	default:
		h.render(w, r, http.StatusBadRequest, "error", map[string]any{"Error": "Unknown action."})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/iam/policy?arn="+url.QueryEscape(arn), http.StatusSeeOther)
}

func (h *Handler) createRole(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	name, trust := r.PostFormValue("name"), r.PostFormValue("trust")
	if !json.Valid([]byte(trust)) {
		h.render(w, r, http.StatusBadRequest, "error", map[string]any{"Error": "The trust policy is not valid JSON."})
		return
	}
	if _, err := iam.NewFromConfig(cfg).CreateRole(r.Context(), &iam.CreateRoleInput{RoleName: &name, AssumeRolePolicyDocument: &trust}); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/iam", http.StatusSeeOther)
}

// --- rendering ---

func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any) {
	if data == nil {
		data = map[string]any{}
	}
	data["CSRF"] = h.csrf(w, r)
	if s, ok := h.session(r); ok {
		data["Who"] = s.ARN
	}
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// inProcess serves the console's API calls with the front, in process.
type inProcess struct{ h http.Handler }

// deadlineRecorder is a ResponseRecorder that the front can set
// deadlines on (as on a real connection).
type deadlineRecorder struct{ *httptest.ResponseRecorder }

func (deadlineRecorder) SetReadDeadline(time.Time) error  { return nil }
func (deadlineRecorder) SetWriteDeadline(time.Time) error { return nil }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := deadlineRecorder{httptest.NewRecorder()}
	sr := r.Clone(r.Context())
	if sr.Host == "" {
		sr.Host = r.URL.Host
	}
	sr.RequestURI = r.URL.RequestURI()
	sr.RemoteAddr = "127.0.0.1:0"
	if sr.Body == nil {
		sr.Body = http.NoBody // a server's request always has one
	}
	if sr.ContentLength > 0 && sr.Header.Get("Content-Length") == "" {
		sr.Header.Set("Content-Length", itoa(sr.ContentLength))
	}
	t.h.ServeHTTP(rec, sr)
	return rec.Result(), nil
}

func itoa(n int64) string { return strconvFormat(n) }

// presign shows a link to an object valid for an hour, signed with the
// session's keys (so it reaches only what they may).
func (h *Handler) presign(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	bucket, key := r.PathValue("bucket"), r.URL.Query().Get("key")
	cfg.HTTPClient = nil
	req, err := s3.NewPresignClient(s3.NewFromConfig(cfg, pathStyle)).PresignGetObject(r.Context(), &s3.GetObjectInput{Bucket: &bucket, Key: &key},
		s3.WithPresignExpires(time.Hour))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "presign", map[string]any{"Bucket": bucket, "Key": key, "URL": req.URL})
}

// bucketSettings shows the bucket policy, CORS and Block Public Access
// editors.
func (h *Handler) bucketSettings(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	c := s3.NewFromConfig(cfg, pathStyle)
	bucket := r.PathValue("bucket")
	data := map[string]any{"Bucket": bucket}
	if p, err := c.GetBucketPolicy(r.Context(), &s3.GetBucketPolicyInput{Bucket: &bucket}); err == nil {
		data["Policy"] = pretty(aws.ToString(p.Policy))
	} else if !isCode(err, "NoSuchBucketPolicy") {
		h.fail(w, r, err)
		return
	}
	if cors, err := c.GetBucketCors(r.Context(), &s3.GetBucketCorsInput{Bucket: &bucket}); err == nil {
		b, _ := json.MarshalIndent(cors.CORSRules, "", "  ")
		data["CORS"] = string(b)
	}
	if pab, err := c.GetPublicAccessBlock(r.Context(), &s3.GetPublicAccessBlockInput{Bucket: &bucket}); err == nil && pab.PublicAccessBlockConfiguration != nil {
		p := pab.PublicAccessBlockConfiguration
		data["BlockPublicAcls"], data["IgnorePublicAcls"] = aws.ToBool(p.BlockPublicAcls), aws.ToBool(p.IgnorePublicAcls)
		data["BlockPublicPolicy"], data["RestrictPublicBuckets"] = aws.ToBool(p.BlockPublicPolicy), aws.ToBool(p.RestrictPublicBuckets)
	}
	h.render(w, r, http.StatusOK, "bucketSettings", data)
}

func pretty(s string) string {
	var v any
	if json.Unmarshal([]byte(s), &v) != nil {
		return s
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

func isCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == code
}

// saveBucketSettings saves one editor's form: the policy (empty deletes
// it), the CORS rules (JSON), or the Block Public Access switches. The
// service's own validation answers, with its messages.
func (h *Handler) saveBucketSettings(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	c := s3.NewFromConfig(cfg, pathStyle)
	bucket := r.PathValue("bucket")
	var err error
	switch r.PostFormValue("what") {
	case "policy":
		if p := strings.TrimSpace(r.PostFormValue("policy")); p == "" {
			_, err = c.DeleteBucketPolicy(r.Context(), &s3.DeleteBucketPolicyInput{Bucket: &bucket})
		} else {
			_, err = c.PutBucketPolicy(r.Context(), &s3.PutBucketPolicyInput{Bucket: &bucket, Policy: &p})
		}
	case "cors":
		var rules []s3types.CORSRule
		if p := strings.TrimSpace(r.PostFormValue("cors")); p == "" {
			_, err = c.DeleteBucketCors(r.Context(), &s3.DeleteBucketCorsInput{Bucket: &bucket})
		} else if jerr := json.Unmarshal([]byte(p), &rules); jerr != nil {
			h.render(w, r, http.StatusBadRequest, "error", map[string]any{"Error": "The CORS rules are not valid JSON: " + jerr.Error()})
			return
		} else {
			_, err = c.PutBucketCors(r.Context(), &s3.PutBucketCorsInput{Bucket: &bucket, CORSConfiguration: &s3types.CORSConfiguration{CORSRules: rules}})
		}
	case "pab":
		on := func(k string) *bool { return aws.Bool(r.PostFormValue(k) == "on") }
		_, err = c.PutPublicAccessBlock(r.Context(), &s3.PutPublicAccessBlockInput{Bucket: &bucket, PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
			BlockPublicAcls: on("BlockPublicAcls"), IgnorePublicAcls: on("IgnorePublicAcls"), BlockPublicPolicy: on("BlockPublicPolicy"), RestrictPublicBuckets: on("RestrictPublicBuckets")}})
	default:
		h.render(w, r, http.StatusBadRequest, "error", map[string]any{"Error": "Unknown setting."})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/s3/b/"+url.PathEscape(bucket)+"/settings", http.StatusSeeOther)
}

// userAction is one of a user's buttons: disable, enable, confirm,
// reset the password, sign out everywhere, delete, add to a group.
func (h *Handler) userAction(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	c := cip.NewFromConfig(cfg)
	pool, user := r.PathValue("pool"), r.PostFormValue("username")
	ctx := r.Context()
	var err error
	switch r.PostFormValue("action") {
	case "disable":
		_, err = c.AdminDisableUser(ctx, &cip.AdminDisableUserInput{UserPoolId: &pool, Username: &user})
	case "enable":
		_, err = c.AdminEnableUser(ctx, &cip.AdminEnableUserInput{UserPoolId: &pool, Username: &user})
	case "confirm":
		_, err = c.AdminConfirmSignUp(ctx, &cip.AdminConfirmSignUpInput{UserPoolId: &pool, Username: &user})
	case "reset":
		_, err = c.AdminResetUserPassword(ctx, &cip.AdminResetUserPasswordInput{UserPoolId: &pool, Username: &user})
	case "signout":
		_, err = c.AdminUserGlobalSignOut(ctx, &cip.AdminUserGlobalSignOutInput{UserPoolId: &pool, Username: &user})
	case "delete":
		_, err = c.AdminDeleteUser(ctx, &cip.AdminDeleteUserInput{UserPoolId: &pool, Username: &user})
	case "group":
		g := r.PostFormValue("group")
		_, err = c.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: &pool, Username: &user, GroupName: &g})
	default:
		h.render(w, r, http.StatusBadRequest, "error", map[string]any{"Error": "Unknown action."})
		return
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/cognito/p/"+url.PathEscape(pool), http.StatusSeeOther)
}

// createKey makes an access key for an IAM user and shows the secret,
// once: it is not kept anywhere the console can show again.
func (h *Handler) createKey(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	user := r.PostFormValue("user")
	out, err := iam.NewFromConfig(cfg).CreateAccessKey(r.Context(), &iam.CreateAccessKeyInput{UserName: &user})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, http.StatusOK, "newKey", map[string]any{"User": user, "ID": *out.AccessKey.AccessKeyId, "Secret": *out.AccessKey.SecretAccessKey})
}

// putRolePolicy sets a role's inline policy from JSON; IAM's validation
// answers.
func (h *Handler) putRolePolicy(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	role, name, doc := r.PostFormValue("role"), r.PostFormValue("policy_name"), r.PostFormValue("document")
	if _, err := iam.NewFromConfig(cfg).PutRolePolicy(r.Context(), &iam.PutRolePolicyInput{RoleName: &role, PolicyName: &name, PolicyDocument: &doc}); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/iam", http.StatusSeeOther)
}

// requests lists the recent authorizations with what decided each, and
// offers to run one again in the simulator.
func (h *Handler) requests(w http.ResponseWriter, r *http.Request) {
	_, s := h.clients(r)
	if !strings.HasSuffix(s.ARN, ":root") {
		h.render(w, r, http.StatusForbidden, "error", map[string]any{"Error": "AccessDenied: recent requests are every principal's; only the account root may read them here."})
		return
	}
	type row struct {
		front.Trace
		When, Decided, Simulate, Context string
	}
	var rows []row
	if h.cfg.Recent != nil {
		for _, t := range h.cfg.Recent() {
			rw := row{Trace: t, When: t.Time.UTC().Format("15:04:05.000"), Simulate: simulatable(t.Principal)}
			if t.Statement != "" {
				rw.Decided = t.Source + " policy statement " + t.Statement
			}
			keys := make([]string, 0, len(t.Context))
			for k := range t.Context {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var ctx strings.Builder
			for _, k := range keys {
				for _, v := range t.Context[k] {
					fmt.Fprintf(&ctx, "%s=%s\n", k, v)
				}
			}
			rw.Context = ctx.String()
			rows = append(rows, rw)
		}
	}
	h.render(w, r, http.StatusOK, "requests", map[string]any{"Rows": rows})
}

// simulatable turns a caller's ARN into one the simulator takes: an
// assumed-role session becomes its role; a user stays; "" if neither.
func simulatable(arn string) string {
	if rest, ok := strings.CutPrefix(arn, "arn:aws:sts::"); ok {
		acct, path, _ := strings.Cut(rest, ":")
		if role, ok := strings.CutPrefix(path, "assumed-role/"); ok {
			name, _, _ := strings.Cut(role, "/")
			return "arn:aws:iam::" + acct + ":role/" + name
		}
		return ""
	}
	if strings.HasPrefix(arn, "arn:aws:iam::") && strings.Contains(arn, ":user/") {
		return arn
	}
	return ""
}

// simulateForm is the policy simulator's form.
func (h *Handler) simulateForm(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusOK, "simulate", map[string]any{})
}

// simulate asks IAM's simulator (as the signed-in principal, who needs
// iam:SimulatePrincipalPolicy) why an action on a resource would be
// allowed or denied for a principal, with context keys.
func (h *Handler) simulate(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	in := &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(strings.TrimSpace(r.PostFormValue("principal"))),
		ActionNames: fields(r.PostFormValue("actions")), ResourceArns: fields(r.PostFormValue("resources"))}
	for _, line := range strings.Split(r.PostFormValue("context"), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && k != "" {
			in.ContextEntries = append(in.ContextEntries, iamtypes.ContextEntry{ContextKeyName: aws.String(strings.TrimSpace(k)),
				ContextKeyValues: []string{strings.TrimSpace(v)}, ContextKeyType: iamtypes.ContextKeyTypeEnumString})
		}
	}
	out, err := iam.NewFromConfig(cfg).SimulatePrincipalPolicy(r.Context(), in)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	type match struct{ Policy, Type string }
	type row struct {
		Action, Resource, Decision string
		Matched                    []match
		Missing                    []string
	}
	var rows []row
	for _, e := range out.EvaluationResults {
		rw := row{Action: aws.ToString(e.EvalActionName), Resource: aws.ToString(e.EvalResourceName), Decision: string(e.EvalDecision), Missing: e.MissingContextValues}
		for _, m := range e.MatchedStatements {
			rw.Matched = append(rw.Matched, match{aws.ToString(m.SourcePolicyId), string(m.SourcePolicyType)})
		}
		rows = append(rows, rw)
	}
	h.render(w, r, http.StatusOK, "simulate", map[string]any{"Rows": rows, "Principal": r.PostFormValue("principal"), "Actions": r.PostFormValue("actions"),
		"Resources": r.PostFormValue("resources"), "Context": r.PostFormValue("context")})
}

func fields(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' })
}

// identityPools lists identity pools with their roles and role mappings.
func (h *Handler) identityPools(w http.ResponseWriter, r *http.Request) {
	cfg, _ := h.clients(r)
	c := cognitoidentity.NewFromConfig(cfg)
	out, err := c.ListIdentityPools(r.Context(), &cognitoidentity.ListIdentityPoolsInput{MaxResults: aws.Int32(60)})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	type pool struct {
		ID, Name string
		Roles    map[string]string
		Mappings []string
		Tags     []string // principal tags, by provider
	}
	var ps []pool
	for _, p := range out.IdentityPools {
		x := pool{ID: aws.ToString(p.IdentityPoolId), Name: aws.ToString(p.IdentityPoolName)}
		if roles, err := c.GetIdentityPoolRoles(r.Context(), &cognitoidentity.GetIdentityPoolRolesInput{IdentityPoolId: p.IdentityPoolId}); err == nil {
			x.Roles = roles.Roles
			for k, m := range roles.RoleMappings {
				x.Mappings = append(x.Mappings, k+": "+string(m.Type))
			}
			sort.Strings(x.Mappings)
		}
		if d, err := c.DescribeIdentityPool(r.Context(), &cognitoidentity.DescribeIdentityPoolInput{IdentityPoolId: p.IdentityPoolId}); err == nil {
			for _, prov := range d.CognitoIdentityProviders {
				m, err := c.GetPrincipalTagAttributeMap(r.Context(), &cognitoidentity.GetPrincipalTagAttributeMapInput{IdentityPoolId: p.IdentityPoolId, IdentityProviderName: prov.ProviderName})
				if err != nil {
					continue
				}
				var tags []string
				for k, v := range m.PrincipalTags {
					tags = append(tags, k+"="+v)
				}
				sort.Strings(tags)
				if aws.ToBool(m.UseDefaults) {
					tags = append(tags, "(defaults)")
				}
				if len(tags) > 0 {
					x.Tags = append(x.Tags, aws.ToString(prov.ProviderName)+": "+strings.Join(tags, " "))
				}
			}
		}
		ps = append(ps, x)
	}
	h.render(w, r, http.StatusOK, "identity", map[string]any{"Pools": ps})
}

// outbox shows the newest messages the server did not mail (codes for
// sign-up, resets, MFA): the account root only.
func (h *Handler) outbox(w http.ResponseWriter, r *http.Request) {
	_, s := h.clients(r)
	if !strings.HasSuffix(s.ARN, ":root") {
		h.render(w, r, http.StatusForbidden, "error", map[string]any{"Error": "AccessDenied: the outbox holds codes; only the account root may read it here."})
		return
	}
	type msg struct{ Time, Pool, User, Medium, Purpose, Destination, Code string }
	var ms []msg
	if b, err := os.ReadFile(h.cfg.Outbox); err == nil {
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		for i := len(lines) - 1; i >= 0 && len(ms) < 50; i-- {
			var m struct {
				Time                                                               time.Time
				UserPoolId, Username, Medium, Purpose, Destination, Code, Password string
			}
			if json.Unmarshal([]byte(lines[i]), &m) != nil {
				continue
			}
			code := m.Code
			if code == "" && m.Password != "" {
				code = m.Password
			}
			ms = append(ms, msg{m.Time.Format(time.RFC3339), m.UserPoolId, m.Username, m.Medium, m.Purpose, m.Destination, code})
		}
	}
	h.render(w, r, http.StatusOK, "outbox", map[string]any{"Messages": ms})
}
