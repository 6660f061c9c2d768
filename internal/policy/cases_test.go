package policy

import (
	"fmt"
	"testing"
)

// Sources cited by the cases (AWS documentation pages and sections).
const (
	srcEvalLogic    = "IAM User Guide › Policy evaluation logic › Determining whether a request is allowed or denied within an account"
	srcEvalSession  = "IAM User Guide › Policy evaluation logic › Identity-based policies with session policies"
	srcEvalRes      = "IAM User Guide › Policy evaluation logic › Identity-based policies with resource-based policies"
	srcAction       = "IAM User Guide › IAM JSON policy elements: Action"
	srcNotAction    = "IAM User Guide › IAM JSON policy elements: NotAction (Allow everything except IAM)"
	srcResource     = "IAM User Guide › IAM JSON policy elements: Resource (wildcards within ARN segments)"
	srcNotResource  = "IAM User Guide › IAM JSON policy elements: NotResource"
	srcPrincipal    = "IAM User Guide › AWS JSON policy elements: Principal"
	srcNotPrinc     = "IAM User Guide › AWS JSON policy elements: NotPrincipal"
	srcString       = "IAM User Guide › IAM JSON policy elements: Condition operators › String condition operators"
	srcNumeric      = "IAM User Guide › Condition operators › Numeric condition operators"
	srcDate         = "IAM User Guide › Condition operators › Date condition operators"
	srcBool         = "IAM User Guide › Condition operators › Boolean condition operators"
	srcBinary       = "IAM User Guide › Condition operators › Binary condition operators"
	srcIP           = "IAM User Guide › Condition operators › IP address condition operators"
	srcArn          = "IAM User Guide › Condition operators › Amazon Resource Name (ARN) condition operators"
	srcIfExists     = "IAM User Guide › Condition operators › ...IfExists condition operators"
	srcNull         = "IAM User Guide › Condition operators › Condition operator to check existence of condition keys"
	srcMulti        = "IAM User Guide › Single-valued vs. multivalued context keys › ForAllValues / ForAnyValue"
	srcLogic        = "IAM User Guide › Creating a condition with multiple keys or values (AND across keys, OR across values)"
	srcVars         = "IAM User Guide › IAM policy elements: Variables and tags"
	srcVarDefault   = "IAM User Guide › Policy variables › Specifying default values"
	srcVarSpecial   = "IAM User Guide › Policy variables › Special characters (${*}, ${?}, ${$})"
	srcVar2008      = "IAM User Guide › IAM JSON policy elements: Version (variables need 2012-10-17)"
	srcHome         = "IAM User Guide › Example policies › Amazon S3: Allows IAM users access to their S3 home directory, programmatically"
	srcCognito      = "Cognito Developer Guide › IAM roles › Fine-grained access (per-identity S3 prefix with cognito-identity.amazonaws.com:sub)"
	srcCognitoTrust = "Cognito Developer Guide › Role trust and permissions (aud and amr conditions)"
	srcTags         = "IAM User Guide › Controlling access to and for IAM users and roles using tags (aws:PrincipalTag)"
	srcABAC         = "Cognito Developer Guide › Using attributes for access control (department folders via aws:PrincipalTag)"
	srcS3Public     = "S3 User Guide › Bucket policy examples › Granting read-only permission to a public anonymous user"
	srcS3TLS        = "S3 User Guide › Bucket policy examples › Managing access based on HTTPS requests (aws:SecureTransport)"
	srcS3IP         = "S3 User Guide › Bucket policy examples › Managing access based on specific IP addresses"
	srcS3Prefix     = "S3 User Guide › Bucket policy examples › Limiting access to a specific prefix (s3:prefix, s3:delimiter)"
	srcS3Tags       = "S3 User Guide › Tagging and access control policies (s3:ExistingObjectTag, s3:RequestObjectTagKeys)"
	srcS3MaxKeys    = "S3 User Guide › Bucket policy examples › s3:max-keys (NumericLessThanEquals)"
	srcS3ReadOnly   = "AWS managed policy AmazonS3ReadOnlyAccess"
	srcSeedGuest    = "seed 000 › unauthenticated role: list but not put"
	srcSeedRO       = "seed 001 › read-only role for one rule"
)

type evalCase struct {
	src    string
	policy string // a document, or the name of one in docs
	req    Request
	keys   map[string][]string
	want   Decision
}

var docs = map[string]string{
	"allowS3Get": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/*"}]}`,
	"denyBeatsAllow": `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"s3:*","Resource":"*"},
		{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::example-bucket/*"}]}`,
	"notActionIAM":  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`,
	"notResource":   `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::hr-bucket","arn:aws:s3:::hr-bucket/*"]},{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
	"wild":          `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List?ucket"],"Resource":["arn:aws:s3:::logs-*/2024/*","arn:aws:s3:::logs-*"]}]}`,
	"segments":      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetRole","Resource":"arn:aws:iam::*:role/app-*"}]}`,
	"stringEq":      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/job-category":"iamuser-admin"}}}]}`,
	"stringNotEq":   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":["red","blue"]}}}]}`,
	"stringIC":      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEqualsIgnoreCase":{"aws:PrincipalTag/dept":"Finance"}}}]}`,
	"stringNotIC":   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringNotEqualsIgnoreCase":{"aws:PrincipalTag/dept":"Finance"}}}]}`,
	"stringLike":    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringLike":{"s3:prefix":["home/*","public/?/x"]}}}]}`,
	"stringNotLike": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringNotLike":{"s3:prefix":"private/*"}}}]}`,
	"numeric":       `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"NumericLessThanEquals":{"s3:max-keys":"10"}}}]}`,
	"numericAll": `{"Version":"2012-10-17","Statement":[
		{"Sid":"eq","Effect":"Allow","Action":"x:Eq","Resource":"*","Condition":{"NumericEquals":{"x:n":"5"}}},
		{"Sid":"ne","Effect":"Allow","Action":"x:Ne","Resource":"*","Condition":{"NumericNotEquals":{"x:n":"5"}}},
		{"Sid":"lt","Effect":"Allow","Action":"x:Lt","Resource":"*","Condition":{"NumericLessThan":{"x:n":5}}},
		{"Sid":"gt","Effect":"Allow","Action":"x:Gt","Resource":"*","Condition":{"NumericGreaterThan":{"x:n":5}}},
		{"Sid":"ge","Effect":"Allow","Action":"x:Ge","Resource":"*","Condition":{"NumericGreaterThanEquals":{"x:n":"5.0"}}}]}`,
	"date": `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"x:After","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2020-04-01T00:00:00Z"}}},
		{"Effect":"Allow","Action":"x:Before","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"2020-06-30T00:00:00Z"}}},
		{"Effect":"Allow","Action":"x:Window","Resource":"*","Condition":{"DateGreaterThanEquals":{"aws:CurrentTime":"2020-04-01T00:00:00Z"},"DateLessThanEquals":{"aws:CurrentTime":"2020-06-30T00:00:00Z"}}},
		{"Effect":"Allow","Action":"x:Issued","Resource":"*","Condition":{"DateGreaterThan":{"aws:TokenIssueTime":"1585699200"}}},
		{"Effect":"Allow","Action":"x:Exact","Resource":"*","Condition":{"DateEquals":{"aws:CurrentTime":"2020-05-05T05:05:05Z"}}},
		{"Effect":"Allow","Action":"x:NotExact","Resource":"*","Condition":{"DateNotEquals":{"aws:CurrentTime":"2020-05-05T05:05:05Z"}}}]}`,
	"bool":    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}`,
	"boolMFA": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:StopInstances","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":true}}}]}`,
	"binary":  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"x:Bin","Resource":"*","Condition":{"BinaryEquals":{"x:blob":"QmluYXJ5VmFsdWU="}}}]}`,
	"ip":      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}}]}`,
	"notIP":   `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.7"]}}},{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
	"arn": `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"sns:Publish","Resource":"*","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:topic"}}},
		{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:app-*"}}},
		{"Effect":"Allow","Action":"lambda:Invoke","Resource":"*","Condition":{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/blocked-*"}}},
		{"Effect":"Allow","Action":"lambda:Get","Resource":"*","Condition":{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::123456789012:role/x"}}}]}`,
	"ifExists": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*","Condition":{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*","m3.*"]}}}]}`,
	"null": `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"x:Temp","Resource":"*","Condition":{"Null":{"aws:TokenIssueTime":"false"}}},
		{"Effect":"Allow","Action":"x:LongTerm","Resource":"*","Condition":{"Null":{"aws:TokenIssueTime":"true"}}}]}`,
	"forAll":     `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}}]}`,
	"forAny":     `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ec2:CreateTags","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":["secret","owner"]}}},{"Effect":"Allow","Action":"ec2:CreateTags","Resource":"*"}]}`,
	"forAllNot":  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"x:Tag","Resource":"*","Condition":{"ForAllValues:StringNotLike":{"aws:TagKeys":"aws:*"}}}]}`,
	"forAnyLike": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRoleWithWebIdentity","Resource":"*","Condition":{"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}}]}`,
	"andOr": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{
		"StringEquals":{"aws:PrincipalTag/dept":["hr","it"],"aws:PrincipalTag/level":"senior"},"Bool":{"aws:SecureTransport":"true"}}}]}`,
	"home": `{"Version":"2012-10-17","Statement":[
		{"Sid":"List","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::bucket-name","Condition":{"StringLike":{"s3:prefix":["","home/","home/${aws:username}/*"]}}},
		{"Sid":"Objects","Effect":"Allow","Action":"s3:*","Resource":["arn:aws:s3:::bucket-name/home/${aws:username}","arn:aws:s3:::bucket-name/home/${aws:username}/*"]}]}`,
	"userid": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:userid}/*"}]}`,
	"cognito": `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::mybucket"],"Condition":{"StringLike":{"s3:prefix":["${cognito-identity.amazonaws.com:sub}/*"]}}},
		{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::mybucket/${cognito-identity.amazonaws.com:sub}/*"]}]}`,
	"amplify": `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::app/public/*","arn:aws:s3:::app/protected/${cognito-identity.amazonaws.com:sub}/*","arn:aws:s3:::app/private/${cognito-identity.amazonaws.com:sub}/*"]},
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::app/protected/*"},
		{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::app","Condition":{"StringLike":{"s3:prefix":["public/","public/*","protected/","protected/*","private/${cognito-identity.amazonaws.com:sub}/","private/${cognito-identity.amazonaws.com:sub}/*"]}}}]}`,
	"cognitoTrust": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity",
		"Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"ap-northeast-1:11111111-2222-3333-4444-555555555555"},"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"authenticated"}}}]}`,
	"dept": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::corp/${aws:PrincipalTag/department}/*"},
		{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::corp","Condition":{"StringLike":{"s3:prefix":"${aws:PrincipalTag/department}/*"}}}]}`,
	"deptDefault":  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::corp/${aws:PrincipalTag/team, 'shared'}/*"}]}`,
	"tagMatch":     `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/project":"${aws:PrincipalTag/project}"}}}]}`,
	"special":      `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/literal${*}star${?}q${$}d"}]}`,
	"v2008":        `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}`,
	"noVersion":    `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}`,
	"publicRead":   `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":["arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"]}]}`,
	"tlsOnly":      `{"Version":"2012-10-17","Statement":[{"Sid":"RestrictToTLSRequestsOnly","Action":"s3:*","Effect":"Deny","Resource":["arn:aws:s3:::DOC-EXAMPLE-BUCKET","arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}},"Principal":"*"}]}`,
	"ipBucket":     `{"Version":"2012-10-17","Statement":[{"Sid":"IPAllow","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::DOC-EXAMPLE-BUCKET","arn:aws:s3:::DOC-EXAMPLE-BUCKET/*"],"Condition":{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}`,
	"grantRole":    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/reader"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::shared/*"}]}`,
	"grantUser":    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:user/alice"]},"Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::shared/alice/*"}]}`,
	"notPrincipal": `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::123456789012:user/admin","arn:aws:iam::123456789012:root"]},"Action":"s3:DeleteBucket","Resource":"arn:aws:s3:::shared"}]}`,
	"prefixDelim":  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/dave"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::awsexamplebucket1","Condition":{"StringEquals":{"s3:prefix":"projects","s3:delimiter":"/"}}}]}`,
	"objTag":       `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"s3:ExistingObjectTag/environment":"production"}}}]}`,
	"reqTagKeys":   `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*","Condition":{"ForAllValues:StringLike":{"s3:RequestObjectTagKeys":["Owner","CreationDate"]}}}]}`,
	"readOnly":     `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*","s3-object-lambda:Get*","s3-object-lambda:List*"],"Resource":"*"}]}`,
	"guest":        `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::seed-bucket"]},{"Effect":"Allow","Action":["mobileanalytics:PutEvents","cognito-sync:*"],"Resource":["*"]}]}`,
	"seedAuth":     `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cognito-sync:*","cognito-identity:*","s3:ListBucket","s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::seed-bucket","arn:aws:s3:::seed-bucket/*"]}]}`,
	"seedPerUser": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:ListBucket"],"Resource":["arn:aws:s3:::seed-bucket"],"Condition":{"StringLike":{"s3:prefix":["cognito/"]}}},
		{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],"Resource":["arn:aws:s3:::seed-bucket/cognito/${cognito-identity.amazonaws.com:sub}","arn:aws:s3:::seed-bucket/cognito/${cognito-identity.amazonaws.com:sub}/*"]}]}`,
	"session": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::example-bucket/public/*"}]}`,
}

func req(action, resource string) Request { return Request{Action: action, Resource: resource} }

func kv(pairs ...string) map[string][]string {
	m := map[string][]string{}
	for i := 0; i+1 < len(pairs); i += 2 {
		m[pairs[i]] = append(m[pairs[i]], pairs[i+1])
	}
	return m
}

const (
	D = ImplicitDeny
	A = Allowed
	X = ExplicitDeny
)

var alice = &Principal{ARN: "arn:aws:iam::123456789012:user/alice", Account: "123456789012"}

func cases() []evalCase {
	var cs []evalCase
	add := func(src, policy string, r Request, keys map[string][]string, want Decision) {
		cs = append(cs, evalCase{src, policy, r, keys, want})
	}
	// Basic allow and implicit deny.
	add(srcEvalLogic, "allowS3Get", req("s3:GetObject", "arn:aws:s3:::example-bucket/a.txt"), nil, A)
	add(srcEvalLogic, "allowS3Get", req("s3:GetObject", "arn:aws:s3:::example-bucket/dir/a.txt"), nil, A)
	add(srcEvalLogic, "allowS3Get", req("s3:PutObject", "arn:aws:s3:::example-bucket/a.txt"), nil, D)
	add(srcEvalLogic, "allowS3Get", req("s3:GetObject", "arn:aws:s3:::other-bucket/a.txt"), nil, D)
	add(srcEvalLogic, "allowS3Get", req("s3:GetObject", "arn:aws:s3:::example-bucket"), nil, D)
	add(srcAction, "allowS3Get", req("S3:GETOBJECT", "arn:aws:s3:::example-bucket/a"), nil, A)
	add(srcAction, "allowS3Get", req("s3:getobject", "arn:aws:s3:::example-bucket/a"), nil, A)
	add(srcResource, "allowS3Get", req("s3:GetObject", "arn:aws:s3:::EXAMPLE-BUCKET/a"), nil, D)
	add(srcEvalLogic, "denyBeatsAllow", req("s3:GetObject", "arn:aws:s3:::example-bucket/a"), nil, A)
	add(srcEvalLogic, "denyBeatsAllow", req("s3:DeleteObject", "arn:aws:s3:::example-bucket/a"), nil, X)
	add(srcEvalLogic, "denyBeatsAllow", req("s3:DeleteObject", "arn:aws:s3:::other/a"), nil, A)
	add(srcEvalLogic, "denyBeatsAllow", req("s3:deleteobject", "arn:aws:s3:::example-bucket/x/y"), nil, X)
	add(srcEvalLogic, "denyBeatsAllow", req("iam:CreateRole", "*"), nil, D)
	// NotAction / NotResource.
	for _, a := range []string{"s3:GetObject", "ec2:RunInstances", "sts:GetCallerIdentity", "cognito-idp:AdminCreateUser"} {
		add(srcNotAction, "notActionIAM", req(a, "*"), nil, A)
	}
	for _, a := range []string{"iam:CreateRole", "iam:PassRole", "IAM:ListUsers"} {
		add(srcNotAction, "notActionIAM", req(a, "*"), nil, D)
	}
	add(srcNotResource, "notResource", req("s3:GetObject", "arn:aws:s3:::hr-bucket/pay.csv"), nil, A)
	add(srcNotResource, "notResource", req("s3:ListBucket", "arn:aws:s3:::hr-bucket"), nil, A)
	add(srcNotResource, "notResource", req("s3:GetObject", "arn:aws:s3:::other-bucket/x"), nil, X)
	add(srcNotResource, "notResource", req("s3:ListBucket", "arn:aws:s3:::hr-bucket2"), nil, X)
	add(srcNotResource, "notResource", req("ec2:RunInstances", "arn:aws:ec2:us-east-1:1:instance/i"), nil, D)
	// Wildcards.
	for _, c := range []struct {
		a, r string
		want Decision
	}{
		{"s3:GetObject", "arn:aws:s3:::logs-prod/2024/01/a.gz", A},
		{"s3:GetObjectTagging", "arn:aws:s3:::logs-dev/2024/x", A},
		// "logs-*" also matches every object key: * crosses slashes.
		{"s3:GetObject", "arn:aws:s3:::logs-prod/2023/01/a.gz", A},
		{"s3:PutObject", "arn:aws:s3:::logs-prod/2024/01/a.gz", D},
		{"s3:ListBucket", "arn:aws:s3:::logs-prod", A},
		{"s3:ListBucketVersions", "arn:aws:s3:::logs-prod", D},
		{"s3:ListBucket", "arn:aws:s3:::logs-", A},
		{"s3:ListBucket", "arn:aws:s3:::log-prod", D},
		{"s3:Get", "arn:aws:s3:::logs-a/2024/", A},
	} {
		add(srcResource, "wild", req(c.a, c.r), nil, c.want)
	}
	add(srcResource, "segments", req("iam:GetRole", "arn:aws:iam::123456789012:role/app-web"), nil, A)
	add(srcResource, "segments", req("iam:GetRole", "arn:aws:iam::999999999999:role/app-"), nil, A)
	add(srcResource, "segments", req("iam:GetRole", "arn:aws:iam::123456789012:role/web-app"), nil, D)
	add(srcResource, "segments", req("iam:GetRole", "arn:aws:iam::123456789012:user/app-x"), nil, D)
	add(srcResource, "segments", req("iam:GetRole", "arn:aws:iam:us-east-1:123456789012:role/app-x"), nil, D)
	// String operators.
	add(srcString, "stringEq", req("iam:CreateUser", "*"), kv("aws:PrincipalTag/job-category", "iamuser-admin"), A)
	add(srcString, "stringEq", req("iam:CreateUser", "*"), kv("aws:PrincipalTag/job-category", "IAMUser-Admin"), D)
	add(srcString, "stringEq", req("iam:CreateUser", "*"), kv("aws:PrincipalTag/job-category", "iamuser-admin-x"), D)
	add(srcString, "stringEq", req("iam:CreateUser", "*"), nil, D)
	add(srcString, "stringEq", req("iam:CreateUser", "*"), kv("AWS:PRINCIPALTAG/JOB-CATEGORY", "iamuser-admin"), A)
	add(srcString, "stringNotEq", req("s3:GetObject", "x"), kv("aws:PrincipalTag/team", "green"), A)
	add(srcString, "stringNotEq", req("s3:GetObject", "x"), kv("aws:PrincipalTag/team", "red"), D)
	add(srcString, "stringNotEq", req("s3:GetObject", "x"), kv("aws:PrincipalTag/team", "blue"), D)
	add(srcString, "stringNotEq", req("s3:GetObject", "x"), nil, A) // missing key: negated operator holds
	add(srcString, "stringIC", req("s3:GetObject", "x"), kv("aws:PrincipalTag/dept", "finance"), A)
	add(srcString, "stringIC", req("s3:GetObject", "x"), kv("aws:PrincipalTag/dept", "FINANCE"), A)
	add(srcString, "stringIC", req("s3:GetObject", "x"), kv("aws:PrincipalTag/dept", "fin"), D)
	add(srcString, "stringNotIC", req("s3:GetObject", "x"), kv("aws:PrincipalTag/dept", "FINANCE"), D)
	add(srcString, "stringNotIC", req("s3:GetObject", "x"), kv("aws:PrincipalTag/dept", "legal"), A)
	for _, c := range []struct {
		prefix string
		want   Decision
	}{{"home/", A}, {"home/alice/", A}, {"home", D}, {"public/a/x", A}, {"public/ab/x", D}, {"public//x", D}, {"Home/x", D}, {"", D}} {
		add(srcString, "stringLike", req("s3:ListBucket", "arn:aws:s3:::b"), kv("s3:prefix", c.prefix), c.want)
	}
	add(srcString, "stringLike", req("s3:ListBucket", "arn:aws:s3:::b"), nil, D)
	for _, c := range []struct {
		prefix string
		want   Decision
	}{{"private/x", D}, {"private/", D}, {"public/", A}, {"privatex", A}} {
		add(srcString, "stringNotLike", req("s3:ListBucket", "arn:aws:s3:::b"), kv("s3:prefix", c.prefix), c.want)
	}
	add(srcString, "stringNotLike", req("s3:ListBucket", "arn:aws:s3:::b"), nil, A)
	// Numeric.
	for _, c := range []struct {
		v    string
		want Decision
	}{{"10", A}, {"1", A}, {"11", D}, {"10.0", A}, {"abc", D}, {"-1", A}} {
		add(srcS3MaxKeys, "numeric", req("s3:ListBucket", "arn:aws:s3:::b"), kv("s3:max-keys", c.v), c.want)
	}
	add(srcNumeric, "numeric", req("s3:ListBucket", "arn:aws:s3:::b"), nil, D)
	for _, c := range []struct {
		a, v string
		want Decision
	}{
		{"x:Eq", "5", A}, {"x:Eq", "5.0", A}, {"x:Eq", "6", D}, {"x:Ne", "6", A}, {"x:Ne", "5", D}, {"x:Lt", "4.9", A}, {"x:Lt", "5", D},
		{"x:Gt", "5.1", A}, {"x:Gt", "5", D}, {"x:Ge", "5", A}, {"x:Ge", "4", D}, {"x:Lt", "-100", A}, {"x:Gt", "1e3", A},
	} {
		add(srcNumeric, "numericAll", req(c.a, "*"), kv("x:n", c.v), c.want)
	}
	add(srcNumeric, "numericAll", req("x:Ne", "*"), nil, A)
	// Dates.
	for _, c := range []struct {
		a, v string
		want Decision
	}{
		{"x:After", "2020-04-02T00:00:00Z", A}, {"x:After", "2020-03-31T23:59:59Z", D}, {"x:After", "2020-04-01T00:00:00Z", D},
		{"x:Before", "2020-06-29T00:00:00Z", A}, {"x:Before", "2020-07-01T00:00:00Z", D},
		{"x:Window", "2020-04-01T00:00:00Z", A}, {"x:Window", "2020-06-30T00:00:00Z", A}, {"x:Window", "2020-05-15T12:00:00Z", A},
		{"x:Window", "2020-07-01T00:00:00Z", D}, {"x:Window", "2019-12-31T00:00:00Z", D},
		{"x:Exact", "2020-05-05T05:05:05Z", A}, {"x:Exact", "2020-05-05T05:05:06Z", D},
		{"x:NotExact", "2020-05-05T05:05:06Z", A}, {"x:NotExact", "2020-05-05T05:05:05Z", D},
		{"x:After", "1585785600", A}, {"x:After", "not a date", D},
	} {
		add(srcDate, "date", req(c.a, "*"), kv("aws:CurrentTime", c.v), c.want)
	}
	add(srcDate, "date", req("x:Issued", "*"), kv("aws:TokenIssueTime", "2020-04-02T00:00:00Z"), A)
	add(srcDate, "date", req("x:Issued", "*"), kv("aws:TokenIssueTime", "2020-03-01T00:00:00Z"), D)
	add(srcDate, "date", req("x:Issued", "*"), nil, D)
	add(srcDate, "date", req("x:NotExact", "*"), nil, A)
	// Bool.
	add(srcBool, "bool", req("s3:GetObject", "*"), kv("aws:SecureTransport", "true"), A)
	add(srcBool, "bool", req("s3:GetObject", "*"), kv("aws:SecureTransport", "TRUE"), A)
	add(srcBool, "bool", req("s3:GetObject", "*"), kv("aws:SecureTransport", "false"), D)
	add(srcBool, "bool", req("s3:GetObject", "*"), nil, D)
	add(srcBool, "bool", req("s3:GetObject", "*"), kv("aws:SecureTransport", "yes"), D)
	add(srcBool, "boolMFA", req("ec2:StopInstances", "*"), kv("aws:MultiFactorAuthPresent", "true"), A)
	add(srcBool, "boolMFA", req("ec2:StopInstances", "*"), kv("aws:MultiFactorAuthPresent", "false"), D)
	add(srcBool, "boolMFA", req("ec2:StopInstances", "*"), nil, D)
	// Binary.
	add(srcBinary, "binary", req("x:Bin", "*"), kv("x:blob", "QmluYXJ5VmFsdWU="), A)
	add(srcBinary, "binary", req("x:Bin", "*"), kv("x:blob", "QmluYXJ5VmFsdWF="), D)
	add(srcBinary, "binary", req("x:Bin", "*"), nil, D)
	// IP addresses.
	for _, c := range []struct {
		ip   string
		want Decision
	}{
		{"203.0.113.5", A}, {"203.0.113.255", A}, {"203.0.114.1", D}, {"2001:db8:1234:5678::1", A}, {"2001:db8:1234:5679::1", D},
		{"::ffff:203.0.113.9", A}, {"not-an-ip", D}, {"10.0.0.1", D},
	} {
		add(srcIP, "ip", req("s3:GetObject", "*"), kv("aws:SourceIp", c.ip), c.want)
	}
	add(srcIP, "ip", req("s3:GetObject", "*"), nil, D)
	for _, c := range []struct {
		ip   string
		want Decision
	}{{"192.0.2.77", A}, {"203.0.113.7", A}, {"203.0.113.8", X}, {"198.51.100.1", X}} {
		add(srcIP, "notIP", req("s3:GetObject", "*"), kv("aws:SourceIp", c.ip), c.want)
	}
	add(srcIP, "notIP", req("s3:GetObject", "*"), nil, X)
	// ARNs.
	add(srcArn, "arn", req("sns:Publish", "*"), kv("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:topic"), A)
	add(srcArn, "arn", req("sns:Publish", "*"), kv("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:topic2"), D)
	add(srcArn, "arn", req("sns:Publish", "*"), nil, D)
	add(srcArn, "arn", req("sqs:SendMessage", "*"), kv("aws:SourceArn", "arn:aws:sns:eu-west-1:123456789012:app-orders"), A)
	add(srcArn, "arn", req("sqs:SendMessage", "*"), kv("aws:SourceArn", "arn:aws:sns:eu-west-1:210987654321:app-orders"), D)
	add(srcArn, "arn", req("sqs:SendMessage", "*"), kv("aws:SourceArn", "arn:aws:sns:eu:west:1:123456789012:app-x"), D)
	add(srcArn, "arn", req("lambda:Invoke", "*"), kv("aws:PrincipalArn", "arn:aws:iam::123456789012:role/blocked-a"), D)
	add(srcArn, "arn", req("lambda:Invoke", "*"), kv("aws:PrincipalArn", "arn:aws:iam::123456789012:role/ok"), A)
	add(srcArn, "arn", req("lambda:Invoke", "*"), nil, A)
	add(srcArn, "arn", req("lambda:Get", "*"), kv("aws:PrincipalArn", "arn:aws:iam::123456789012:role/x"), D)
	add(srcArn, "arn", req("lambda:Get", "*"), kv("aws:PrincipalArn", "arn:aws:iam::123456789012:role/y"), A)
	// IfExists.
	add(srcIfExists, "ifExists", req("ec2:RunInstances", "*"), kv("ec2:InstanceType", "t2.micro"), A)
	add(srcIfExists, "ifExists", req("ec2:RunInstances", "*"), kv("ec2:InstanceType", "m5.large"), D)
	add(srcIfExists, "ifExists", req("ec2:DescribeInstances", "*"), nil, A)
	add(srcIfExists, "ifExists", req("ec2:RunInstances", "*"), kv("ec2:InstanceType", "m3.medium"), A)
	// Null.
	add(srcNull, "null", req("x:Temp", "*"), kv("aws:TokenIssueTime", "2024-01-01T00:00:00Z"), A)
	add(srcNull, "null", req("x:Temp", "*"), nil, D)
	add(srcNull, "null", req("x:LongTerm", "*"), nil, A)
	add(srcNull, "null", req("x:LongTerm", "*"), kv("aws:TokenIssueTime", "2024-01-01T00:00:00Z"), D)
	// Multivalued keys.
	add(srcMulti, "forAll", req("ec2:CreateTags", "*"), kv("aws:TagKeys", "environment"), A)
	add(srcMulti, "forAll", req("ec2:CreateTags", "*"), kv("aws:TagKeys", "environment", "aws:TagKeys", "cost-center"), A)
	add(srcMulti, "forAll", req("ec2:CreateTags", "*"), kv("aws:TagKeys", "environment", "aws:TagKeys", "owner"), D)
	add(srcMulti, "forAll", req("ec2:CreateTags", "*"), nil, A) // vacuously true
	add(srcMulti, "forAny", req("ec2:CreateTags", "*"), kv("aws:TagKeys", "environment"), A)
	add(srcMulti, "forAny", req("ec2:CreateTags", "*"), kv("aws:TagKeys", "environment", "aws:TagKeys", "owner"), X)
	add(srcMulti, "forAny", req("ec2:CreateTags", "*"), kv("aws:TagKeys", "secret"), X)
	add(srcMulti, "forAny", req("ec2:CreateTags", "*"), nil, A)
	add(srcMulti, "forAllNot", req("x:Tag", "*"), kv("aws:TagKeys", "team", "aws:TagKeys", "env"), A)
	add(srcMulti, "forAllNot", req("x:Tag", "*"), kv("aws:TagKeys", "team", "aws:TagKeys", "aws:cloudformation"), D)
	add(srcMulti, "forAnyLike", req("sts:AssumeRoleWithWebIdentity", "*"), kv("cognito-identity.amazonaws.com:amr", "authenticated", "cognito-identity.amazonaws.com:amr", "cognito-idp.us-east-1.amazonaws.com/us-east-1_X"), A)
	add(srcMulti, "forAnyLike", req("sts:AssumeRoleWithWebIdentity", "*"), kv("cognito-identity.amazonaws.com:amr", "unauthenticated"), D)
	add(srcMulti, "forAnyLike", req("sts:AssumeRoleWithWebIdentity", "*"), nil, D)
	// AND across keys and operators, OR across values.
	for _, c := range []struct {
		dept, level, tls string
		want             Decision
	}{
		{"hr", "senior", "true", A}, {"it", "senior", "true", A}, {"sales", "senior", "true", D}, {"hr", "junior", "true", D},
		{"hr", "senior", "false", D}, {"", "senior", "true", D},
	} {
		k := kv("aws:PrincipalTag/level", c.level, "aws:SecureTransport", c.tls)
		if c.dept != "" {
			k["aws:PrincipalTag/dept"] = []string{c.dept}
		}
		add(srcLogic, "andOr", req("s3:GetObject", "*"), k, c.want)
	}
	// Policy variables.
	for _, c := range []struct {
		a, r, user, prefix string
		want               Decision
	}{
		{"s3:ListBucket", "arn:aws:s3:::bucket-name", "alice", "", A},
		{"s3:ListBucket", "arn:aws:s3:::bucket-name", "alice", "home/", A},
		{"s3:ListBucket", "arn:aws:s3:::bucket-name", "alice", "home/alice/", A},
		{"s3:ListBucket", "arn:aws:s3:::bucket-name", "alice", "home/bob/", D},
		{"s3:ListBucket", "arn:aws:s3:::bucket-name", "bob", "home/bob/photos", A},
		{"s3:GetObject", "arn:aws:s3:::bucket-name/home/alice/a.txt", "alice", "", A},
		{"s3:PutObject", "arn:aws:s3:::bucket-name/home/alice/deep/a.txt", "alice", "", A},
		{"s3:PutObject", "arn:aws:s3:::bucket-name/home/bob/a.txt", "alice", "", D},
		{"s3:GetObject", "arn:aws:s3:::bucket-name/home/alice", "alice", "", A},
		{"s3:GetObject", "arn:aws:s3:::bucket-name/home/alicex/a", "alice", "", D},
		{"s3:GetObject", "arn:aws:s3:::bucket-name/home/alice/a", "", "", D},
	} {
		k := kv()
		if c.user != "" {
			k["aws:username"] = []string{c.user}
		}
		if c.a == "s3:ListBucket" {
			k["s3:prefix"] = []string{c.prefix}
		}
		add(srcHome, "home", req(c.a, c.r), k, c.want)
	}
	add(srcVars, "userid", req("s3:GetObject", "arn:aws:s3:::b/AROAEXAMPLE:session/x"), kv("aws:userid", "AROAEXAMPLE:session"), A)
	add(srcVars, "userid", req("s3:GetObject", "arn:aws:s3:::b/AIDAOTHER/x"), kv("aws:userid", "AROAEXAMPLE:session"), D)
	const id1, id2 = "ap-northeast-1:0f6a5b8c-1111-2222-3333-444455556666", "ap-northeast-1:9e9e9e9e-aaaa-bbbb-cccc-dddddddddddd"
	for _, c := range []struct {
		a, r, prefix, sub string
		want              Decision
	}{
		{"s3:GetObject", "arn:aws:s3:::mybucket/" + id1 + "/photo.jpg", "", id1, A},
		{"s3:PutObject", "arn:aws:s3:::mybucket/" + id1 + "/a/b.txt", "", id1, A},
		{"s3:PutObject", "arn:aws:s3:::mybucket/" + id2 + "/a.txt", "", id1, D},
		{"s3:DeleteObject", "arn:aws:s3:::mybucket/" + id1 + "/a.txt", "", id1, D},
		{"s3:GetObject", "arn:aws:s3:::mybucket/" + id1 + "photo.jpg", "", id1, D},
		{"s3:GetObject", "arn:aws:s3:::mybucket/" + id1 + "/photo.jpg", "", "", D},
		{"s3:ListBucket", "arn:aws:s3:::mybucket", id1 + "/", id1, A},
		{"s3:ListBucket", "arn:aws:s3:::mybucket", id1 + "/photos/", id1, A},
		{"s3:ListBucket", "arn:aws:s3:::mybucket", id2 + "/", id1, D},
		{"s3:ListBucket", "arn:aws:s3:::mybucket", "", id1, D},
		{"s3:ListBucket", "arn:aws:s3:::otherbucket", id1 + "/", id1, D},
	} {
		k := kv()
		if c.sub != "" {
			k["cognito-identity.amazonaws.com:sub"] = []string{c.sub}
		}
		if c.a == "s3:ListBucket" {
			k["s3:prefix"] = []string{c.prefix}
		}
		add(srcCognito, "cognito", req(c.a, c.r), k, c.want)
	}
	for _, c := range []struct {
		a, r, prefix string
		want         Decision
	}{
		{"s3:GetObject", "arn:aws:s3:::app/public/a.png", "", A},
		{"s3:PutObject", "arn:aws:s3:::app/public/a.png", "", A},
		{"s3:PutObject", "arn:aws:s3:::app/protected/" + id1 + "/a.png", "", A},
		{"s3:GetObject", "arn:aws:s3:::app/protected/" + id2 + "/a.png", "", A},
		{"s3:PutObject", "arn:aws:s3:::app/protected/" + id2 + "/a.png", "", D},
		{"s3:GetObject", "arn:aws:s3:::app/private/" + id1 + "/a.png", "", A},
		{"s3:GetObject", "arn:aws:s3:::app/private/" + id2 + "/a.png", "", D},
		{"s3:DeleteObject", "arn:aws:s3:::app/private/" + id1 + "/a.png", "", A},
		{"s3:ListBucket", "arn:aws:s3:::app", "private/" + id1 + "/", A},
		{"s3:ListBucket", "arn:aws:s3:::app", "private/" + id2 + "/", D},
		{"s3:ListBucket", "arn:aws:s3:::app", "protected/", A},
		{"s3:ListBucket", "arn:aws:s3:::app", "", D},
	} {
		k := kv("cognito-identity.amazonaws.com:sub", id1)
		if c.a == "s3:ListBucket" {
			k["s3:prefix"] = []string{c.prefix}
		}
		add(srcCognito+" (Amplify Storage prefixes)", "amplify", req(c.a, c.r), k, c.want)
	}
	pool := "ap-northeast-1:11111111-2222-3333-4444-555555555555"
	fed := &Principal{Federated: "cognito-identity.amazonaws.com"}
	for _, c := range []struct {
		p         *Principal
		aud, amr1 string
		want      Decision
	}{
		{fed, pool, "authenticated", A}, {fed, pool, "unauthenticated", D}, {fed, "ap-northeast-1:other", "authenticated", D},
		{&Principal{Federated: "accounts.google.com"}, pool, "authenticated", D}, {fed, "", "authenticated", D},
		{&Principal{ARN: "arn:aws:iam::123456789012:user/alice", Account: "123456789012"}, pool, "authenticated", D},
	} {
		r := req("sts:AssumeRoleWithWebIdentity", "arn:aws:iam::123456789012:role/auth")
		r.Principal = c.p
		k := kv("cognito-identity.amazonaws.com:amr", c.amr1, "cognito-identity.amazonaws.com:amr", "cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_X:CognitoSignIn:abc")
		if c.aud != "" {
			k["cognito-identity.amazonaws.com:aud"] = []string{c.aud}
		}
		add(srcCognitoTrust, "cognitoTrust", r, k, c.want)
	}
	// Principal tags (ABAC).
	for _, c := range []struct {
		a, r, dept, prefix string
		want               Decision
	}{
		{"s3:GetObject", "arn:aws:s3:::corp/sales/q1.xlsx", "sales", "", A},
		{"s3:PutObject", "arn:aws:s3:::corp/sales/q1.xlsx", "sales", "", A},
		{"s3:GetObject", "arn:aws:s3:::corp/hr/pay.xlsx", "sales", "", D},
		{"s3:GetObject", "arn:aws:s3:::corp/sales/q1.xlsx", "", "", D},
		{"s3:ListBucket", "arn:aws:s3:::corp", "sales", "sales/2024/", A},
		{"s3:ListBucket", "arn:aws:s3:::corp", "sales", "hr/", D},
		{"s3:ListBucket", "arn:aws:s3:::corp", "", "sales/", D},
	} {
		k := kv()
		if c.dept != "" {
			k["aws:PrincipalTag/department"] = []string{c.dept}
		}
		if c.a == "s3:ListBucket" {
			k["s3:prefix"] = []string{c.prefix}
		}
		add(srcABAC, "dept", req(c.a, c.r), k, c.want)
	}
	add(srcVarDefault, "deptDefault", req("s3:GetObject", "arn:aws:s3:::corp/shared/a"), nil, A)
	add(srcVarDefault, "deptDefault", req("s3:GetObject", "arn:aws:s3:::corp/red/a"), kv("aws:PrincipalTag/team", "red"), A)
	add(srcVarDefault, "deptDefault", req("s3:GetObject", "arn:aws:s3:::corp/shared/a"), kv("aws:PrincipalTag/team", "red"), D)
	add(srcVarDefault, "deptDefault", req("s3:GetObject", "arn:aws:s3:::corp/blue/a"), nil, D)
	add(srcTags, "tagMatch", req("iam:TagRole", "*"), kv("aws:ResourceTag/project", "apollo", "aws:PrincipalTag/project", "apollo"), A)
	add(srcTags, "tagMatch", req("iam:TagRole", "*"), kv("aws:ResourceTag/project", "apollo", "aws:PrincipalTag/project", "gemini"), D)
	add(srcTags, "tagMatch", req("iam:TagRole", "*"), kv("aws:ResourceTag/project", "apollo"), D)
	add(srcVarSpecial, "special", req("s3:GetObject", "arn:aws:s3:::b/literal*star?q$d"), nil, A)
	add(srcVarSpecial, "special", req("s3:GetObject", "arn:aws:s3:::b/literalXstar?q$d"), nil, D)
	add(srcVarSpecial, "special", req("s3:GetObject", "arn:aws:s3:::b/literal*starXq$d"), nil, D)
	add(srcVar2008, "v2008", req("s3:GetObject", "arn:aws:s3:::b/${aws:username}/a"), kv("aws:username", "alice"), A)
	add(srcVar2008, "v2008", req("s3:GetObject", "arn:aws:s3:::b/alice/a"), kv("aws:username", "alice"), D)
	add(srcVar2008, "noVersion", req("s3:GetObject", "arn:aws:s3:::b/alice/a"), kv("aws:username", "alice"), D)
	add(srcVar2008, "noVersion", req("s3:GetObject", "arn:aws:s3:::b/${aws:username}/a"), nil, A)
	// S3 object tags and request tags.
	add(srcS3Tags, "objTag", req("s3:GetObject", "arn:aws:s3:::b/k"), kv("s3:ExistingObjectTag/environment", "production"), A)
	add(srcS3Tags, "objTag", req("s3:GetObject", "arn:aws:s3:::b/k"), kv("s3:ExistingObjectTag/environment", "dev"), D)
	add(srcS3Tags, "objTag", req("s3:GetObject", "arn:aws:s3:::b/k"), nil, D)
	add(srcS3Tags, "reqTagKeys", req("s3:PutObject", "arn:aws:s3:::b/k"), kv("s3:RequestObjectTagKeys", "Owner"), A)
	add(srcS3Tags, "reqTagKeys", req("s3:PutObject", "arn:aws:s3:::b/k"), kv("s3:RequestObjectTagKeys", "Owner", "s3:RequestObjectTagKeys", "Secret"), D)
	add(srcS3Tags, "reqTagKeys", req("s3:PutObject", "arn:aws:s3:::b/k"), nil, A)
	// Managed read-only policy and the seeds' roles.
	for _, c := range []struct {
		a    string
		want Decision
	}{
		{"s3:GetObject", A}, {"s3:ListBucket", A}, {"s3:ListAllMyBuckets", A}, {"s3:GetBucketLocation", A}, {"s3:GetObjectTagging", A},
		{"s3:PutObject", D}, {"s3:DeleteObject", D}, {"s3:PutBucketPolicy", D}, {"s3:CreateBucket", D}, {"s3:AbortMultipartUpload", D},
		{"s3-object-lambda:GetObject", A}, {"iam:ListRoles", D},
	} {
		add(srcS3ReadOnly, "readOnly", req(c.a, "arn:aws:s3:::any/thing"), nil, c.want)
	}
	add(srcSeedRO, "readOnly", req("s3:GetObject", "arn:aws:s3:::seed-bucket/photos/cat.jpg"), nil, A)
	add(srcSeedRO, "readOnly", req("s3:PutObject", "arn:aws:s3:::seed-bucket/photos/cat.jpg"), nil, D)
	const srcSeedAuth = "seed 000 › authenticated role (Auth_Role) and per-user folders"
	add(srcSeedAuth, "seedAuth", req("s3:ListBucket", "arn:aws:s3:::seed-bucket"), nil, A)
	add(srcSeedAuth, "seedAuth", req("s3:PutObject", "arn:aws:s3:::seed-bucket/a/b.jpg"), nil, A)
	add(srcSeedAuth, "seedAuth", req("s3:DeleteObject", "arn:aws:s3:::seed-bucket/a/b.jpg"), nil, D)
	add(srcSeedAuth, "seedAuth", req("cognito-identity:GetId", "arn:aws:s3:::seed-bucket"), nil, A)
	add(srcSeedAuth, "seedPerUser", req("s3:PutObject", "arn:aws:s3:::seed-bucket/cognito/"+id1+"/a.jpg"), kv("cognito-identity.amazonaws.com:sub", id1), A)
	add(srcSeedAuth, "seedPerUser", req("s3:DeleteObject", "arn:aws:s3:::seed-bucket/cognito/"+id1), kv("cognito-identity.amazonaws.com:sub", id1), A)
	add(srcSeedAuth, "seedPerUser", req("s3:GetObject", "arn:aws:s3:::seed-bucket/cognito/"+id2+"/a.jpg"), kv("cognito-identity.amazonaws.com:sub", id1), D)
	add(srcSeedAuth, "seedPerUser", req("s3:ListBucket", "arn:aws:s3:::seed-bucket"), kv("s3:prefix", "cognito/"), A)
	add(srcSeedAuth, "seedPerUser", req("s3:ListBucket", "arn:aws:s3:::seed-bucket"), kv("s3:prefix", "cognito/"+id1+"/"), D)
	add(srcSeedGuest, "guest", req("s3:ListBucket", "arn:aws:s3:::seed-bucket"), nil, A)
	add(srcSeedGuest, "guest", req("s3:PutObject", "arn:aws:s3:::seed-bucket/x"), nil, D)
	add(srcSeedGuest, "guest", req("s3:GetObject", "arn:aws:s3:::seed-bucket/x"), nil, D)
	add(srcSeedGuest, "guest", req("s3:ListBucket", "arn:aws:s3:::other-bucket"), nil, D)
	add(srcSeedGuest, "guest", req("cognito-sync:ListRecords", "*"), nil, A)
	add(srcSeedGuest, "guest", req("mobileanalytics:PutEvents", "*"), nil, A)
	return cs
}

func TestEvaluationCases(t *testing.T) {
	compiled := map[string]*Document{}
	for name, text := range docs {
		d, err := Parse([]byte(text), docKind(text))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		compiled[name] = d
	}
	cs := append(cases(), resourceCases()...)
	if len(cs) < 300 {
		t.Errorf("only %d cases; the issue asks for at least 300", len(cs))
	}
	for i, c := range cs {
		d := compiled[c.policy]
		if d == nil {
			t.Fatalf("case %d: no document %q", i, c.policy)
		}
		r := c.req
		if r.Principal == nil {
			r.Principal = alice
		}
		for k, v := range c.keys {
			r.Set(k, v...)
		}
		got, _ := d.Evaluate(&r)
		if got != c.want {
			t.Errorf("case %d (%s; %s): %s on %s with %v = %s, want %s", i, c.src, c.policy, r.Action, r.Resource, c.keys, got, c.want)
		}
	}
	t.Logf("%d evaluation cases", len(cs))
}

var _ = fmt.Sprint
