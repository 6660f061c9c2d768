package front

import (
	"encoding/xml"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/s3"
	"github.com/sekisho/sekisho/internal/store"
)

// Event notifications on the wire: the ?notification calls, and the
// events each successful write or delete records (emit), handed to the
// service once the response is written.

type xmlFilterRule struct {
	Name  string `xml:"Name"`
	Value string `xml:"Value"`
}

// inNotification is a NotificationConfiguration as clients send it.
type inNotification struct {
	XMLName xml.Name         `xml:"NotificationConfiguration"`
	Topics  []inNotifyTarget `xml:"TopicConfiguration"`
	Queues  []inNotifyTarget `xml:"QueueConfiguration"`
	Funcs   []inNotifyTarget `xml:"CloudFunctionConfiguration"`
	Bridge  *struct{}        `xml:"EventBridgeConfiguration"`
}

type inNotifyTarget struct {
	ID       string   `xml:"Id"`
	Topic    string   `xml:"Topic"`
	Queue    string   `xml:"Queue"`
	Function string   `xml:"CloudFunction"`
	Events   []string `xml:"Event"`
	Filter   *struct {
		Rules []xmlFilterRule `xml:"S3Key>FilterRule"`
	} `xml:"Filter"`
}

func (t inNotifyTarget) target(arn string) (s3.NotificationTarget, error) {
	out := s3.NotificationTarget{ID: t.ID, ARN: arn, Events: t.Events}
	if t.Filter != nil {
		for _, r := range t.Filter.Rules {
			v := r.Value
			switch strings.ToLower(r.Name) {
			case "prefix":
				if out.Prefix != nil {
					return out, errNotify("Cannot specify more than one prefix rule in a filter.")
				}
				out.Prefix = &v
			case "suffix":
				if out.Suffix != nil {
					return out, errNotify("Cannot specify more than one suffix rule in a filter.")
				}
				out.Suffix = &v
			default:
				return out, errNotify("filter rule name must be either prefix or suffix")
			}
		}
	}
	return out, nil
}

func errNotify(msg string) error { return awserr.New(400, "InvalidArgument", msg) }

func (h *Handler) s3PutBucketNotification(q *s3Request) error {
	var x inNotification
	if err := decodeXML(q, false, &x); err != nil {
		return err
	}
	c := &s3.NotificationConfig{EventBridge: x.Bridge != nil}
	for _, k := range []struct {
		in  []inNotifyTarget
		out *[]s3.NotificationTarget
		arn func(inNotifyTarget) string
	}{
		{x.Topics, &c.Topics, func(t inNotifyTarget) string { return t.Topic }},
		{x.Queues, &c.Queues, func(t inNotifyTarget) string { return t.Queue }},
		{x.Funcs, &c.Functions, func(t inNotifyTarget) string { return t.Function }},
	} {
		for _, t := range k.in {
			nt, err := t.target(k.arn(t))
			if err != nil {
				return err
			}
			*k.out = append(*k.out, nt)
		}
	}
	skip := strings.EqualFold(q.r.Header.Get("x-amz-skip-destination-validation"), "true")
	if err := h.cfg.S3.PutBucketNotification(q.r.Context(), q.route.Bucket, c, skip); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3GetBucketNotification(q *s3Request) error {
	c, err := h.cfg.S3.GetBucketNotification(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(xml.Header + `<NotificationConfiguration xmlns="` + s3Xmlns + `">`)
	for _, k := range []struct {
		elem, arn string
		targets   []s3.NotificationTarget
	}{{"TopicConfiguration", "Topic", c.Topics}, {"QueueConfiguration", "Queue", c.Queues}, {"CloudFunctionConfiguration", "CloudFunction", c.Functions}} {
		for _, t := range k.targets {
			b.WriteString("<" + k.elem + ">")
			writeXMLText(&b, "Id", t.ID)
			writeXMLText(&b, k.arn, t.ARN)
			for _, e := range t.Events {
				writeXMLText(&b, "Event", e)
			}
			if t.Prefix != nil || t.Suffix != nil {
				b.WriteString("<Filter><S3Key>")
				for _, r := range []struct {
					name string
					v    *string
				}{{"Prefix", t.Prefix}, {"Suffix", t.Suffix}} {
					if r.v != nil {
						b.WriteString("<FilterRule>")
						writeXMLText(&b, "Name", r.name)
						writeXMLText(&b, "Value", *r.v)
						b.WriteString("</FilterRule>")
					}
				}
				b.WriteString("</S3Key></Filter>")
			}
			b.WriteString("</" + k.elem + ">")
		}
	}
	if c.EventBridge {
		b.WriteString("<EventBridgeConfiguration></EventBridgeConfiguration>")
	}
	b.WriteString("</NotificationConfiguration>")
	q.w.Header().Set("Content-Type", "application/xml")
	_, err = q.w.Write([]byte(b.String()))
	return err
}

// writeXMLText writes <name>text</name>, text escaped.
func writeXMLText(b *strings.Builder, name, text string) {
	b.WriteString("<" + name + ">")
	xml.EscapeText(b, []byte(text))
	b.WriteString("</" + name + ">")
}

// emit records an event of the request's object for its bucket's
// notifications, sent once the response is written. The version is the
// one the response reports.
func (q *s3Request) emit(name string, o store.Object) {
	q.events = append(q.events, s3.ObjectEvent{Name: name, Key: o.Key, Size: o.Size, ETag: o.ETag, VersionID: q.w.Header().Get("x-amz-version-id")})
}

// afterS3Write hands a successful request's events to the service, for the
// bucket's event notifications and replication.
func (h *Handler) afterS3Write(r *http.Request, ri *reqInfo, w *statusWriter, start time.Time) {
	q := ri.s3
	// Success only (a POST upload's success_action_redirect is a 303).
	if q == nil || len(q.events) == 0 || ri.err != nil || w.status >= 400 || h.cfg.S3 == nil {
		return
	}
	src := s3.EventSource{Time: start, RequestID: ri.id}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		src.SourceIP = host
	}
	if p := ri.principal; p != nil && p.Kind != auth.Anonymous {
		src.PrincipalID = "AWS:" + p.UserID
		if p.Kind == auth.Root {
			src.PrincipalID = p.Account
		}
	} else {
		src.PrincipalID = "anonymous"
	}
	h.cfg.S3.Notify(r.Context(), q.route.Bucket, src, q.events)
	h.cfg.S3.Replicate(r.Context(), q.route.Bucket, q.events)
}
