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
<nav><a href="/console/">Home</a><a href="/console/s3">S3</a><a href="/console/cognito">Cognito</a><a href="/console/iam">IAM</a></nav>{{end}}</header><main>
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
<h1>{{.Bucket}}/{{.Prefix}}</h1>
<table><tr><th>Key</th><th>Size</th><th></th></tr>
{{range .Folders}}<tr><td><a href="/console/s3/b/{{$.Bucket}}?prefix={{.}}">{{.}}</a></td><td></td><td></td></tr>{{end}}
{{range .Objects}}<tr><td><a class="object" href="/console/s3/b/{{$.Bucket}}/get?key={{.Key}}">{{.Key}}</a></td><td>{{.Size}}</td>
<td><form class="inline" method="post" action="/console/s3/b/{{$.Bucket}}/delete"><input type="hidden" name="_csrf" value="{{$.CSRF}}"><input type="hidden" name="key" value="{{.Key}}"><button>Delete</button></form></td></tr>{{end}}
</table>
<form method="post" action="/console/s3/b/{{.Bucket}}/upload" enctype="multipart/form-data"><input type="hidden" name="_csrf" value="{{.CSRF}}">
<input type="hidden" name="prefix" value="{{.Prefix}}"><label for="file">Upload a file</label><input id="file" type="file" name="file" required> <button type="submit">Upload</button></form>
{{template "foot"}}{{end}}

{{define "pools"}}{{template "head" .}}
<h1>User pools</h1>
<table><tr><th>Name</th><th>Id</th></tr>{{range .Pools}}<tr><td><a class="pool" href="/console/cognito/p/{{.ID}}">{{.Name}}</a></td><td>{{.ID}}</td></tr>{{end}}</table>
{{template "foot"}}{{end}}

{{define "users"}}{{template "head" .}}
<h1>Users of {{.Pool}}</h1>
<table><tr><th>Username</th><th>Status</th><th>Email</th></tr>{{range .Users}}<tr class="user"><td>{{.Name}}</td><td>{{.Status}}</td><td>{{.Email}}</td></tr>{{end}}</table>
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
<h2>Users</h2><ul>{{range .Users}}<li>{{.}}</li>{{end}}</ul>
{{template "foot"}}{{end}}
`))
