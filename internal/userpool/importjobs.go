package userpool

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// User import jobs: CreateUserImportJob returns a pre-signed URL to which
// the CSV (with GetCSVHeader's columns) is PUT; StartUserImportJob reads
// it and creates each row's user with status RESET_REQUIRED (imported
// users choose a password through ForgotPassword, as in Cognito). The
// upload URL is served by the front (PUT /_sekisho/user-import/<job>);
// its token is kept hashed and expires with the URL.

const (
	kindImportJob = "cognito.importjob"
	kindImportCSV = "cognito.importcsv"
	// MaxImportCSV bounds an uploaded CSV.
	MaxImportCSV = 10 << 20
	importURLTTL = time.Hour
)

// ImportJob is UserImportJobType.
type ImportJob struct {
	JobName               string `json:"JobName"`
	JobId                 string `json:"JobId"`
	UserPoolId            string `json:"UserPoolId"`
	PreSignedUrl          string `json:"PreSignedUrl"`
	CreationDate          epoch  `json:"CreationDate"`
	StartDate             *epoch `json:"StartDate,omitempty"`
	CompletionDate        *epoch `json:"CompletionDate,omitempty"`
	Status                string `json:"Status"`
	CloudWatchLogsRoleArn string `json:"CloudWatchLogsRoleArn"`
	ImportedUsers         int64  `json:"ImportedUsers"`
	SkippedUsers          int64  `json:"SkippedUsers"`
	FailedUsers           int64  `json:"FailedUsers"`
	CompletionMessage     string `json:"CompletionMessage,omitempty"`
}

type storedJob struct {
	ImportJob
	TokenHash string
	Expires   time.Time
	// Beat is when the node running the job last recorded its progress;
	// a job whose beat stops (its node died) is reported failed.
	Beat time.Time `json:",omitempty"`
}

// importBeat is how often a running job records its progress, and
// importStale how long without it before the job counts as dead.
const (
	importBeat  = 5 * time.Second
	importStale = time.Minute
)

// reported is the job as it is answered: a running job whose node has
// stopped beating is Failed, with what it had imported.
func (s *Service) reported(j storedJob) ImportJob {
	if (j.Status == "InProgress" || j.Status == "Pending") && !j.Beat.IsZero() && s.now().Sub(j.Beat) > importStale {
		j.Status = "Failed"
		j.CompletionMessage = "The node running the job stopped before it finished; the users counted as imported were."
		done := epoch(j.Beat)
		j.CompletionDate = &done
	}
	return j.ImportJob
}

// CSVHeader is the pool's import columns: its schema attributes (but
// sub), then cognito:mfa_enabled and cognito:username.
func (s *Service) CSVHeader(ctx context.Context, pool string) ([]string, error) {
	p, err := s.Pool(ctx, pool)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, a := range p.SchemaAttributes {
		if a.Name != "sub" && !strings.HasPrefix(a.Name, "dev:") {
			out = append(out, a.Name)
		}
	}
	return append(out, "cognito:mfa_enabled", "cognito:username"), nil
}

// CreateImportJob makes a job and its upload URL (base is the server's
// public URL).
func (s *Service) CreateImportJob(ctx context.Context, pool, name, roleARN, base string) (ImportJob, error) {
	tok := make([]byte, 32)
	rand.Read(tok)
	token := hex.EncodeToString(tok)
	sum := sha256.Sum256([]byte(token))
	now := s.now()
	j := storedJob{ImportJob: ImportJob{JobName: name, JobId: "import-" + randomString(10, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), UserPoolId: pool,
		CreationDate: epoch(now), Status: "Created", CloudWatchLogsRoleArn: roleARN}, TokenHash: hex.EncodeToString(sum[:]), Expires: now.Add(importURLTTL)}
	j.PreSignedUrl = strings.TrimRight(base, "/") + "/_sekisho/user-import/" + pool + "/" + j.JobId + "?token=" + token
	err := s.update(ctx, func(tx store.RecordTx) error {
		if _, err := s.poolTx(tx, pool); err != nil {
			return err
		}
		return store.PutJSON(tx, kindImportJob, pool+"/"+j.JobId, j)
	})
	return j.ImportJob, err
}

func (s *Service) jobTx(tx store.RecordTx, pool, id string) (storedJob, error) {
	if _, err := s.poolTx(tx, pool); err != nil {
		return storedJob{}, err
	}
	j, err := store.GetJSON[storedJob](tx, kindImportJob, pool+"/"+id)
	if isNotFound(err) {
		return j, errNotFound("Job %s does not exist.", id)
	}
	return j, err
}

// ImportJob returns a job.
func (s *Service) ImportJob(ctx context.Context, pool, id string) (ImportJob, error) {
	var j storedJob
	err := s.view(ctx, func(tx store.RecordTx) (err error) {
		j, err = s.jobTx(tx, pool, id)
		return err
	})
	return s.reported(j), err
}

// ImportJobs lists a pool's jobs, oldest first.
func (s *Service) ImportJobs(ctx context.Context, pool string) ([]ImportJob, error) {
	var out []ImportJob
	err := s.view(ctx, func(tx store.RecordTx) error {
		if _, err := s.poolTx(tx, pool); err != nil {
			return err
		}
		recs, err := tx.List(kindImportJob, pool+"/", "", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			var j storedJob
			err := json.Unmarshal(r.Value, &j)
			if err != nil {
				return err
			}
			out = append(out, s.reported(j))
		}
		return nil
	})
	sort.SliceStable(out, func(i, k int) bool { return time.Time(out[i].CreationDate).Before(time.Time(out[k].CreationDate)) })
	return out, err
}

// ErrImportDenied answers an upload with a wrong or expired token.
var ErrImportDenied = errors.New("userpool: the upload URL is not valid")

// tokenOK checks an upload token against a job: the right one, in time,
// before the job starts.
func (s *Service) tokenOK(j storedJob, token string) bool {
	sum := sha256.Sum256([]byte(token))
	return subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(j.TokenHash)) == 1 && s.now().Before(j.Expires) && j.Status == "Created"
}

// CheckImportUpload answers whether token may upload to a job, so that a
// body is read only for a valid URL.
func (s *Service) CheckImportUpload(ctx context.Context, pool, id, token string) error {
	return s.view(ctx, func(tx store.RecordTx) error {
		j, err := s.jobTx(tx, pool, id)
		if err != nil || !s.tokenOK(j, token) {
			return ErrImportDenied
		}
		return nil
	})
}

// UploadImportCSV keeps the CSV PUT to a job's upload URL.
func (s *Service) UploadImportCSV(ctx context.Context, pool, id, token string, csvBytes []byte) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		j, err := s.jobTx(tx, pool, id)
		if err != nil || !s.tokenOK(j, token) {
			return ErrImportDenied
		}
		return tx.Put(kindImportCSV, pool+"/"+id, csvBytes)
	})
}

// StartImportJob imports the uploaded CSV's users and returns the job.
func (s *Service) StartImportJob(ctx context.Context, pool, id string) (ImportJob, error) {
	var j storedJob
	var data []byte
	var p Pool
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		if j, err = s.jobTx(tx, pool, id); err != nil {
			return err
		}
		p, _ = s.poolTx(tx, pool)
		data, err = tx.Get(kindImportCSV, pool+"/"+id)
		if isNotFound(err) {
			data, err = nil, nil
		}
		return err
	})
	if err != nil {
		return ImportJob{}, err
	}
	if j.Status != "Created" {
		return ImportJob{}, errParam("Job %s cannot be started as its status is %s.", id, j.Status)
	}
	start := epoch(s.now())
	j.StartDate = &start
	if data == nil {
		j.Status, j.CompletionMessage = "Failed", "The CSV file was not uploaded to the job's pre-signed URL."
		j.CompletionDate = &start
	} else {
		j.Status, j.Beat = "Pending", s.now()
	}
	if err := s.update(ctx, func(tx store.RecordTx) error { return store.PutJSON(tx, kindImportJob, pool+"/"+id, j) }); err != nil {
		return ImportJob{}, err
	}
	if data != nil {
		// The rows are imported in the background, a transaction each, as
		// Cognito's jobs run: DescribeUserImportJob follows them.
		go s.runImport(p, j, data)
	}
	return j.ImportJob, nil
}

// runImport imports a started job's rows and records how it ended.
func (s *Service) runImport(p Pool, j storedJob, data []byte) {
	ctx := context.Background()
	key := p.Id + "/" + j.JobId
	j.Status, j.Beat = "InProgress", s.now()
	s.update(ctx, func(tx store.RecordTx) error { return store.PutJSON(tx, kindImportJob, key, j) })
	s.importRows(ctx, p, data, &j)
	done := epoch(s.now())
	j.CompletionDate = &done
	s.update(ctx, func(tx store.RecordTx) error {
		cur, err := store.GetJSON[storedJob](tx, kindImportJob, key)
		if err == nil && cur.Status == "Stopped" {
			j.Status, j.CompletionDate = "Stopped", cur.CompletionDate
		}
		tx.Delete(kindImportCSV, key)
		return store.PutJSON(tx, kindImportJob, key, j)
	})
}

// importRows creates the CSV's users, counting imported and failed rows.
func (s *Service) importRows(ctx context.Context, p Pool, data []byte, j *storedJob) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		j.Status, j.CompletionMessage = "Failed", "The CSV file is not valid: "+err.Error()
		return
	}
	known := map[string]bool{"cognito:mfa_enabled": true, "cognito:username": true}
	for _, a := range p.SchemaAttributes {
		known[a.Name] = true
	}
	for _, h := range header {
		if !known[h] || h == "sub" {
			j.Status, j.CompletionMessage = "Failed", "The CSV header has a column that is not an attribute of the user pool: "+h+"."
			return
		}
	}
	if !slices.Contains(header, "cognito:username") {
		j.Status, j.CompletionMessage = "Failed", "The CSV header has no cognito:username column."
		return
	}
	for n := 0; ; n++ {
		if n%100 == 99 || s.now().Sub(j.Beat) > importBeat {
			if !s.importBeat(ctx, p.Id, j) {
				return // stopped (on any node)
			}
		}
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil || len(row) != len(header) {
			j.FailedUsers++
			continue
		}
		var name string
		var attrs []AttributeType
		for i, h := range header {
			switch {
			case h == "cognito:username":
				name = row[i]
			case h == "cognito:mfa_enabled" || row[i] == "":
			default:
				attrs = append(attrs, AttributeType{Name: h, Value: row[i]})
			}
		}
		err = s.update(ctx, func(tx store.RecordTx) error {
			if err := checkAttributes(p, attrs, true); err != nil {
				return err
			}
			u, err := s.newUser(tx, p, name, "", attrs)
			if err != nil {
				return err
			}
			u.Status = "RESET_REQUIRED"
			return s.saveUser(tx, p, nil, u)
		})
		if err != nil {
			var ae *awserr.Error
			if errors.As(err, &ae) {
				j.FailedUsers++
				continue
			}
			j.Status, j.CompletionMessage = "Failed", "The import stopped: "+err.Error()
			return
		}
		j.ImportedUsers++
	}
	j.Status = "Succeeded"
	if j.FailedUsers > 0 {
		j.CompletionMessage = "Some users could not be imported."
	} else {
		j.CompletionMessage = "Import Job Completed Successfully."
	}
}

// importBeat records a running job's progress and that its node is
// alive; it reports false when the job was stopped (on any node).
func (s *Service) importBeat(ctx context.Context, pool string, j *storedJob) bool {
	running := true
	j.Beat = s.now()
	s.update(ctx, func(tx store.RecordTx) error {
		cur, err := store.GetJSON[storedJob](tx, kindImportJob, pool+"/"+j.JobId)
		if err != nil || cur.Status != "InProgress" {
			running = err != nil // a store error is not a stop
			return nil
		}
		cur.ImportedUsers, cur.FailedUsers, cur.Beat = j.ImportedUsers, j.FailedUsers, j.Beat
		return store.PutJSON(tx, kindImportJob, pool+"/"+j.JobId, cur)
	})
	return running
}

// StopImportJob stops a job that has not finished.
func (s *Service) StopImportJob(ctx context.Context, pool, id string) (ImportJob, error) {
	var j storedJob
	err := s.update(ctx, func(tx store.RecordTx) error {
		var err error
		if j, err = s.jobTx(tx, pool, id); err != nil {
			return err
		}
		if j.Status != "Created" && j.Status != "Pending" && j.Status != "InProgress" {
			return errParam("Job %s cannot be stopped as its status is %s.", id, j.Status)
		}
		j.Status = "Stopped"
		done := epoch(s.now())
		j.CompletionDate = &done
		tx.Delete(kindImportCSV, pool+"/"+id)
		return store.PutJSON(tx, kindImportJob, pool+"/"+id, j)
	})
	return j.ImportJob, err
}
