package front

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"strconv"

	"github.com/sekisho/sekisho/internal/awserr"
)

func writeJSON(w http.ResponseWriter, id string, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		b, status = []byte(`{"__type":"InternalFailure","message":"could not encode the response"}`), 500
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("x-amzn-RequestId", id)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func writeJSONError(w http.ResponseWriter, id string, e *awserr.Error) {
	w.Header().Set("x-amzn-ErrorType", e.Code)
	writeJSON(w, id, e.Status, map[string]string{"__type": e.Code, "message": e.Message})
}

type queryErrorBody struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

func writeQueryError(w http.ResponseWriter, id, service string, e *awserr.Error) {
	var body queryErrorBody
	if qs, ok := queryNamespaces[service]; ok {
		body.Xmlns = qs
	}
	body.Error.Type = "Sender"
	if !e.Sender {
		body.Error.Type = "Receiver"
	}
	body.Error.Code, body.Error.Message, body.RequestID = e.Code, e.Message, id
	writeXML(w, id, e.Status, body)
}

func writeXML(w http.ResponseWriter, id string, status int, v any) {
	b, err := xml.Marshal(v)
	if err != nil {
		status = 500
		b = []byte("<Error><Code>InternalError</Code><Message>could not encode the response</Message></Error>")
	}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("x-amzn-RequestId", id)
	w.Header().Set("Content-Length", strconv.Itoa(len(xml.Header)+len(b)))
	w.WriteHeader(status)
	io.WriteString(w, xml.Header)
	w.Write(b)
}
