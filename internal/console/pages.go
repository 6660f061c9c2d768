package console

import (
	"html/template"
	"strconv"
)

func strconvFormat(n int64) string { return strconv.FormatInt(n, 10) }

var pages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>sekisho console</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem}nav a{margin-right:1rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem;text-align:left}
.err{color:#a00}form.inline{display:inline}input,textarea{padding:.3rem}label{display:block;margin-top:.5rem}</style>
</head><body>
<header><strong>sekisho console</strong>{{if .Who}} · <span id="who">{{.Who}}</span>
<form class="inline" method="post" action="/console/logout"><input type="hidden" name="_csrf" value="{{.CSRF}}"><button>Sign out</button></form>
<nav><a href="/console/">Home</a><a href="/console/s3">S3</a><a href="/console/cognito">Cognito</a><a href="/console/identity">Identity pools</a><a href="/console/outbox">Outbox</a><a href="/console/iam">IAM</a><a href="/console/simulate">Simulator</a><a href="/console/requests">Requests</a></nav>{{end}}</header><main>
{{end}}
{{define "foot"}}</main></body></html>{{end}}

{{define "login"}}{{template "head" .}}
<h1>Sign in</h1>
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
<form method="post" action="/console/login">
<input type="hidden" name="_csrf" value="{{.CSRF}}">
<label for="access_key_id">Access key ID</label><input id="access_key_id" name="access_key_id" autocomplete="username" required>
<label for="secret_access_key">Secret access key</label><input id="secret_access_key" name="secret_access_key" type="password" autocomplete="current-password" required>
<label for="session_token">Session token (temporary keys only)</label><input id="session_token" name="session_token">
<p><button type="submit">Sign in</button></p>
</form>
<h2>Or as an IAM user, with a password</h2>
{{if .UserError}}<p class="err" role="alert" id="user-error">{{.UserError}}</p>{{end}}
<form method="post" action="/console/signin">
<input type="hidden" name="_csrf" value="{{.CSRF}}">
<label for="account">Account ID or alias (empty: this server's account)</label><input id="account" name="account" value="{{.Account}}">
<label for="user_name">IAM user name</label><input id="user_name" name="user_name" autocomplete="username" required value="{{.UserName}}">
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
{{if .AskCode}}<label for="mfa_code">MFA code</label><input id="mfa_code" name="mfa_code" inputmode="numeric" autocomplete="one-time-code" required>{{end}}
{{if .AskNew}}<label for="new_password">New password (yours must be changed)</label><input id="new_password" name="new_password" type="password" autocomplete="new-password" required>{{end}}
<p><button type="submit">Sign in</button></p>
</form>{{template "foot"}}{{end}}

{{define "home"}}{{template "head" .}}
<h1>Welcome</h1><p>Signed in as {{.ARN}}. Every action here is authorized as this principal.</p>
{{template "foot"}}{{end}}

{{define "error"}}{{template "head" .}}
<p class="err" role="alert" id="error">{{.Error}}</p><p><a href="/console/">Back to the console</a></p>
{{template "foot"}}{{end}}

{{define "buckets"}}{{template "head" .}}
<h1>Buckets</h1>
<table><tr><th>Name</th></tr>{{range .Buckets}}<tr><td><a class="bucket" href="/console/s3/b/{{.}}">{{.}}</a></td></tr>{{end}}</table>
<form method="post" action="/console/s3"><input type="hidden" name="_csrf" value="{{.CSRF}}">
<label for="bucket">New bucket</label><input id="bucket" name="bucket" required> <button type="submit">Create</button></form>
{{template "foot"}}{{end}}

{{define "objects"}}{{template "head" .}}
<h1>{{.Bucket}}/{{.Prefix}}</h1><p><a id="settings" href="/console/s3/b/{{.Bucket}}/settings">Policy, CORS, public access</a></p>
<table><tr><th>Key</th><th>Size</th><th></th></tr>
{{range .Folders}}<tr><td><a href="/console/s3/b/{{$.Bucket}}?prefix={{.}}">{{.}}</a></td><td></td><td></td></tr>{{end}}
{{range .Objects}}<tr><td><a class="object" href="/console/s3/b/{{$.Bucket}}/get?key={{.Key}}">{{.Key}}</a></td><td>{{.Size}}</td>
<td><a class="presign" href="/console/s3/b/{{$.Bucket}}/presign?key={{.Key}}">Link</a> <form class="inline" method="post" action="/console/s3/b/{{$.Bucket}}/delete"><input type="hidden" name="_csrf" value="{{$.CSRF}}"><input type="hidden" name="key" value="{{.Key}}"><button>Delete</button></form></td></tr>{{end}}
</table>
<form class="upload" method="post" action="/console/s3/b/{{.Bucket}}/upload" enctype="multipart/form-data"><input type="hidden" name="_csrf" value="{{.CSRF}}">
<input type="hidden" name="prefix" value="{{.Prefix}}"><label for="file">Upload a file (up to 5 GiB, in 8 MiB parts)</label><input id="file" type="file" name="file" required> <button type="submit">Upload</button>
<progress value="0" max="1"></progress> <span class="upload-status"></span></form>
<script src="/console/upload.js" defer></script>
{{template "foot"}}{{end}}

{{define "presign"}}{{template "head" .}}
<h1>Link to {{.Bucket}}/{{.Key}}</h1><p>Valid for an hour, for anyone who has it; signed with your keys.</p>
<p><input id="url" readonly size="100" value="{{.URL}}"></p>
{{template "foot"}}{{end}}

{{define "newKey"}}{{template "head" .}}
<h1>New access key for {{.User}}</h1><p>The secret is shown this once: copy it now.</p>
<p>Access key ID: <code id="key-id">{{.ID}}</code></p><p>Secret access key: <code id="key-secret">{{.Secret}}</code></p>
{{template "foot"}}{{end}}

{{define "bucketSettings"}}{{template "head" .}}
<h1>{{.Bucket}}: settings</h1>
<form method="post" action="/console/s3/b/{{.Bucket}}/settings"><input type="hidden" name="_csrf" value="{{.CSRF}}"><input type="hidden" name="what" value="policy">
<label for="policy">Bucket policy (JSON; empty removes it)</label><textarea id="policy" name="policy" rows="10" cols="80">{{.Policy}}</textarea>
<p><button type="submit" id="save-policy">Save policy</button></p></form>
<form method="post" action="/console/s3/b/{{.Bucket}}/settings"><input type="hidden" name="_csrf" value="{{.CSRF}}"><input type="hidden" name="what" value="cors">
<label for="cors">CORS rules (JSON list; empty removes them)</label><textarea id="cors" name="cors" rows="8" cols="80">{{.CORS}}</textarea>
<p><button type="submit">Save CORS</button></p></form>
<form method="post" action="/console/s3/b/{{.Bucket}}/settings"><input type="hidden" name="_csrf" value="{{.CSRF}}"><input type="hidden" name="what" value="pab">
<fieldset><legend>Block Public Access</legend>
<label><input type="checkbox" name="BlockPublicAcls" {{if .BlockPublicAcls}}checked{{end}}> Block public ACLs</label>
<label><input type="checkbox" name="IgnorePublicAcls" {{if .IgnorePublicAcls}}checked{{end}}> Ignore public ACLs</label>
<label><input type="checkbox" name="BlockPublicPolicy" {{if .BlockPublicPolicy}}checked{{end}}> Block public bucket policies</label>
<label><input type="checkbox" name="RestrictPublicBuckets" {{if .RestrictPublicBuckets}}checked{{end}}> Restrict public buckets</label></fieldset>
<p><button type="submit">Save</button></p></form>
{{template "foot"}}{{end}}

{{define "simulate"}}{{template "head" .}}
<h1>Policy simulator</h1><p>Why would this be allowed or denied? The answer comes from the engine that authorizes every request.</p>
<form method="post" action="/console/simulate"><input type="hidden" name="_csrf" value="{{.CSRF}}">
<label for="principal">Principal (user, role or group ARN)</label><input id="principal" name="principal" size="70" required value="{{.Principal}}">
<label for="actions">Actions (space or comma separated)</label><input id="actions" name="actions" size="70" required value="{{.Actions}}">
<label for="resources">Resources (ARNs; empty: *)</label><input id="resources" name="resources" size="70" value="{{.Resources}}">
<label for="context">Context keys (one key=value a line)</label><textarea id="context" name="context" rows="3" cols="70">{{.Context}}</textarea>
<p><button type="submit" id="simulate">Simulate</button></p></form>
{{if .Rows}}<table><tr><th>Action</th><th>Resource</th><th>Decision</th><th>Decided by</th><th>Missing context</th></tr>
{{range .Rows}}<tr class="sim"><td>{{.Action}}</td><td>{{.Resource}}</td><td class="decision">{{.Decision}}</td>
<td>{{range .Matched}}{{.Policy}} ({{.Type}}) {{end}}</td><td>{{range .Missing}}{{.}} {{end}}</td></tr>{{end}}</table>{{end}}
{{template "foot"}}{{end}}

{{define "requests"}}{{template "head" .}}
<h1>Recent requests</h1><p>The server's latest authorizations, newest first: who asked to do what, and what decided. "Why?" runs one again in the simulator with the same condition keys.</p>
<table><tr><th>Time</th><th>Principal</th><th>Action</th><th>Resource</th><th>Decision</th><th>Decided by</th><th></th></tr>
{{range .Rows}}<tr class="trace"><td>{{.When}}</td><td>{{.Principal}}</td><td class="action">{{.Action}}</td><td>{{.Resource}}</td><td class="decision">{{.Decision}}</td><td class="decided">{{.Decided}}</td>
<td>{{if .Simulate}}<form class="inline" method="post" action="/console/simulate"><input type="hidden" name="_csrf" value="{{$.CSRF}}"><input type="hidden" name="principal" value="{{.Simulate}}"><input type="hidden" name="actions" value="{{.Action}}"><input type="hidden" name="resources" value="{{.Resource}}"><input type="hidden" name="context" value="{{.Context}}"><button class="why">Why?</button></form>{{end}}</td></tr>{{end}}</table>
{{template "foot"}}{{end}}

{{define "identity"}}{{template "head" .}}
<h1>Identity pools</h1>
<table><tr><th>Name</th><th>Id</th><th>Roles</th><th>Role mappings</th><th>Principal tags</th></tr>
{{range .Pools}}<tr class="ipool"><td>{{.Name}}</td><td>{{.ID}}</td><td>{{range $k, $v := .Roles}}{{$k}}: {{$v}}<br>{{end}}</td><td>{{range .Mappings}}{{.}}<br>{{end}}</td><td class="tags">{{range .Tags}}{{.}}<br>{{end}}</td></tr>{{end}}</table>
{{template "foot"}}{{end}}

{{define "outbox"}}{{template "head" .}}
<h1>Outbox</h1><p>Messages the server did not mail, newest first (codes included: for the account's own eyes).</p>
<table><tr><th>Time</th><th>Pool</th><th>User</th><th>Medium</th><th>Purpose</th><th>To</th><th>Code</th></tr>
{{range .Messages}}<tr class="message"><td>{{.Time}}</td><td>{{.Pool}}</td><td>{{.User}}</td><td>{{.Medium}}</td><td>{{.Purpose}}</td><td>{{.Destination}}</td><td>{{.Code}}</td></tr>{{end}}</table>
{{template "foot"}}{{end}}

{{define "pools"}}{{template "head" .}}
<h1>User pools</h1>
<table><tr><th>Name</th><th>Id</th></tr>{{range .Pools}}<tr><td><a class="pool" href="/console/cognito/p/{{.ID}}">{{.Name}}</a></td><td>{{.ID}}</td></tr>{{end}}</table>
{{template "foot"}}{{end}}

{{define "users"}}{{template "head" .}}
<h1>User pool {{.Settings.Name}}</h1><p><code>{{.Pool}}</code></p>
<table class="settings"><tr><th>MFA</th><td>{{.Settings.MFA}}</td></tr><tr><th>Passwords</th><td>{{.Settings.Password}}</td></tr>
<tr><th>Sign in with</th><td>{{if .Settings.UsernameAttributes}}{{.Settings.UsernameAttributes}}{{else}}username{{end}}</td></tr>
<tr><th>Domain</th><td id="domain">{{.Settings.Domain}}</td></tr></table>
<h2>App clients</h2><table><tr><th>Name</th><th>Id</th><th>Auth flows</th><th>OAuth flows</th><th>Scopes</th><th>Callback URLs</th></tr>
{{range .Clients}}<tr class="client"><td>{{.Name}}</td><td>{{.ID}}</td><td>{{.AuthFlows}}</td><td>{{.Flows}}</td><td>{{.Scopes}}</td><td>{{.Callbacks}}</td></tr>{{end}}</table>
<form method="post" action="/console/cognito/p/{{.Pool}}/settings"><input type="hidden" name="_csrf" value="{{.CSRF}}"><input type="hidden" name="action" value="client">
<label for="client_name">New client name</label><input id="client_name" name="name" required>
<label for="client_callbacks">Callback URLs (for the managed login; empty: no OAuth)</label><input id="client_callbacks" name="callbacks" size="60">
<label for="client_logouts">Sign-out URLs</label><input id="client_logouts" name="logouts" size="60">
<label for="client_scopes">Scopes</label><input id="client_scopes" name="scopes" size="40" value="openid email profile">
<p><label><input type="checkbox" name="secret"> With a client secret</label> <button type="submit" id="create-client">Create client</button></p></form>
<h2>Domain</h2>
<form method="post" action="/console/cognito/p/{{.Pool}}/settings"><input type="hidden" name="_csrf" value="{{.CSRF}}">
<label for="domain_prefix">Domain prefix</label><input id="domain_prefix" name="domain" value="{{.Settings.Domain}}" required>
{{if .Settings.Domain}}<button name="action" value="delete-domain">Delete domain</button>{{else}}<button name="action" value="domain" id="create-domain">Create domain</button>{{end}}</form>
<h2>Groups</h2><p>{{range .Groups}}<span class="group">{{.}}</span> {{else}}none{{end}}</p>
<form method="post" action="/console/cognito/p/{{.Pool}}/settings"><input type="hidden" name="_csrf" value="{{.CSRF}}"><input type="hidden" name="action" value="group">
<label for="group_name">New group</label><input id="group_name" name="name" required>
<label for="group_role">Role ARN (optional)</label><input id="group_role" name="role" size="60">
<input type="hidden" name="description" value=""><p><button type="submit" id="create-group">Create group</button></p></form>
<h2>Users</h2>
<table><tr><th>Username</th><th>Status</th><th>Email</th><th></th></tr>{{range .Users}}<tr class="user"><td>{{.Name}}</td><td>{{.Status}}</td><td>{{.Email}}</td>
<td><form class="inline" method="post" action="/console/cognito/p/{{$.Pool}}/user"><input type="hidden" name="_csrf" value="{{$.CSRF}}"><input type="hidden" name="username" value="{{.Name}}">
<select name="action" aria-label="action"><option value="disable">Disable</option><option value="enable">Enable</option><option value="confirm">Confirm</option><option value="reset">Reset password</option>
<option value="signout">Sign out everywhere</option><option value="delete">Delete</option><option value="group">Add to group</option></select>
<input name="group" placeholder="group" aria-label="group" size="8"> <button>Apply</button></form></td></tr>{{end}}</table>
<form method="post" action="/console/cognito/p/{{.Pool}}/users"><input type="hidden" name="_csrf" value="{{.CSRF}}">
<label for="username">Username</label><input id="username" name="username" required>
<label for="email">Email</label><input id="email" name="email">
<label for="temporary_password">Temporary password (generated if empty)</label><input id="temporary_password" name="temporary_password">
<p><button type="submit">Create user</button></p></form>
{{template "foot"}}{{end}}

{{define "iam"}}{{template "head" .}}
<h1>IAM</h1>
<h2>Roles</h2><ul>{{range .Roles}}<li class="role">{{.}}</li>{{end}}</ul>
<form method="post" action="/console/iam/roles"><input type="hidden" name="_csrf" value="{{.CSRF}}">
<label for="name">Role name</label><input id="name" name="name" required>
<label for="trust">Trust policy (JSON)</label><textarea id="trust" name="trust" rows="6" cols="70" required></textarea>
<p><button type="submit">Create role</button></p></form>
<h2>Inline policy of a role</h2>
<form method="post" action="/console/iam/role-policy"><input type="hidden" name="_csrf" value="{{.CSRF}}">
<label for="role">Role</label><input id="role" name="role" required><label for="policy_name">Policy name</label><input id="policy_name" name="policy_name" required>
<label for="document">Policy (JSON)</label><textarea id="document" name="document" rows="6" cols="70" required></textarea><p><button type="submit">Save policy</button></p></form>
<h2>Managed policies</h2><table><tr><th>Policy</th><th>Default version</th></tr>{{range .Policies}}<tr class="policy"><td><a class="policy" href="/console/iam/policy?arn={{.Arn}}">{{.Name}}</a></td><td>{{.Version}}</td></tr>{{end}}</table>
<form method="post" action="/console/iam/policies"><input type="hidden" name="_csrf" value="{{.CSRF}}">
<label for="policy_new_name">Policy name</label><input id="policy_new_name" name="name" required>
<label for="policy_new_document">Policy (JSON)</label><textarea id="policy_new_document" name="document" rows="6" cols="70" required></textarea>
<p><button type="submit" id="create-policy">Create policy</button></p></form>
<h2>Users</h2><ul>{{range .Users}}<li>{{.}} <form class="inline" method="post" action="/console/iam/keys"><input type="hidden" name="_csrf" value="{{$.CSRF}}"><input type="hidden" name="user" value="{{.}}"><button>New access key</button></form></li>{{end}}</ul>
{{template "foot"}}{{end}}
{{define "policy"}}{{template "head" .}}
<h1>Policy {{.Name}}</h1><p><code>{{.Arn}}</code></p>
<h2>Versions</h2><table><tr><th>Version</th><th>Created</th><th></th></tr>
{{range .Versions}}<tr class="version"><td><a href="/console/iam/policy?arn={{$.Arn}}&amp;version={{.ID}}">{{.ID}}</a>{{if .Default}} <strong class="default">(default)</strong>{{end}}</td><td>{{.Created}}</td><td>
{{if not .Default}}<form class="inline" method="post" action="/console/iam/policy"><input type="hidden" name="_csrf" value="{{$.CSRF}}"><input type="hidden" name="arn" value="{{$.Arn}}"><input type="hidden" name="version" value="{{.ID}}"><button name="action" value="default">Make default</button> <button name="action" value="delete-version">Delete</button></form>{{end}}
</td></tr>{{end}}</table>
<h2>Document of {{.Shown}}</h2><pre id="document">{{.Document}}</pre>
<h2>New version</h2>
<form method="post" action="/console/iam/policy"><input type="hidden" name="_csrf" value="{{.CSRF}}"><input type="hidden" name="arn" value="{{.Arn}}"><input type="hidden" name="action" value="version">
<label for="version_document">Policy (JSON)</label><textarea id="version_document" name="document" rows="8" cols="70" required></textarea>
<p><label><input type="checkbox" name="default" checked> Make it the default</label> <button type="submit" id="new-version">Save version</button></p></form>
<h2>Attached to</h2><ul>{{range .Attached}}<li class="attached">{{.}}</li>{{else}}<li>nothing</li>{{end}}</ul>
<form method="post" action="/console/iam/policy"><input type="hidden" name="_csrf" value="{{.CSRF}}"><input type="hidden" name="arn" value="{{.Arn}}">
<label for="attach_role">Role</label><input id="attach_role" name="role" required> <button name="action" value="attach" id="attach">Attach</button> <button name="action" value="detach">Detach</button></form>
{{template "foot"}}{{end}}
`))

// uploadJS shows an upload's progress (served at /console/upload.js, the
// one script the console has; the form works without it).
const uploadJS = `// Uploads with a progress bar: the console's upload form, sent by
// XMLHttpRequest so its upload events can be shown. Without this script
// the form posts as it is.
"use strict";
for (const form of document.querySelectorAll("form.upload")) {
  form.addEventListener("submit", (ev) => {
    const input = form.querySelector("input[type=file]");
    if (!input || !input.files.length) return;
    ev.preventDefault();
    const bar = form.querySelector("progress");
    const status = form.querySelector(".upload-status");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable && bar) {
        bar.max = e.total;
        bar.value = e.loaded;
      }
      if (status) status.textContent = e.lengthComputable ? Math.floor((100 * e.loaded) / e.total) + " %" : e.loaded + " bytes";
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 400) {
        window.location.assign(xhr.responseURL || window.location.href);
      } else if (status) {
        const err = new DOMParser().parseFromString(xhr.responseText, "text/html").querySelector("#error");
        status.textContent = err ? err.textContent : "The upload failed (" + xhr.status + ").";
        status.id = "error";
      }
    });
    xhr.addEventListener("error", () => {
      if (status) status.textContent = "The upload failed.";
    });
    xhr.send(new FormData(form));
  });
}
`
