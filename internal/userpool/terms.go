package userpool

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// Terms documents: an app client's terms of use and privacy policy, as
// links per managed-login language. When a client has both, its sign-up
// page links to them in the page's language (or the default link).

const kindTerms = "cognito.terms"

// Terms is TermsType.
type Terms struct {
	TermsId          string            `json:"TermsId"`
	UserPoolId       string            `json:"UserPoolId"`
	ClientId         string            `json:"ClientId"`
	TermsName        string            `json:"TermsName"`
	TermsSource      string            `json:"TermsSource"`
	Enforcement      string            `json:"Enforcement"`
	Links            map[string]string `json:"Links"`
	CreationDate     epoch             `json:"CreationDate"`
	LastModifiedDate epoch             `json:"LastModifiedDate"`
}

func errTermsNotFound(id string) error {
	return errNotFound("Terms %s does not exist.", id)
}

// checkLinks refuses links that are not http(s) URLs: the sign-up page
// renders them as links, so nothing else (javascript:, data:) may pass.
func checkLinks(links map[string]string) error {
	if len(links) == 0 {
		return errParam("Links must be provided when TermsSource is LINK.")
	}
	for lang, u := range links {
		if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
			return errParam("The link for %s is not an http or https URL.", lang)
		}
	}
	return nil
}

// CreateTerms adds a terms document to an app client: one of each name.
func (s *Service) CreateTerms(ctx context.Context, in Terms) (Terms, error) {
	if err := checkLinks(in.Links); err != nil {
		return Terms{}, err
	}
	now := epoch(s.now())
	in.TermsId, in.CreationDate, in.LastModifiedDate = newUUID(), now, now
	err := s.update(ctx, func(tx store.RecordTx) error {
		if _, err := s.clientTx(tx, in.UserPoolId, in.ClientId); err != nil {
			return err
		}
		all, err := s.termsTx(tx, in.UserPoolId)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(all, func(t Terms) bool { return t.ClientId == in.ClientId && t.TermsName == in.TermsName }) {
			return awserr.Newf(400, "TermsExistsException", "Terms with name %s already exist for app client %s.", in.TermsName, in.ClientId)
		}
		return store.PutJSON(tx, kindTerms, in.UserPoolId+"/"+in.TermsId, in)
	})
	return in, err
}

// termsTx lists a pool's terms documents, checking the pool exists.
func (s *Service) termsTx(tx store.RecordTx, pool string) ([]Terms, error) {
	if _, err := s.poolTx(tx, pool); err != nil {
		return nil, err
	}
	recs, err := tx.List(kindTerms, pool+"/", "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]Terms, 0, len(recs))
	for _, r := range recs {
		t, err := store.GetJSON[Terms](tx, kindTerms, r.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// DescribeTerms returns one terms document.
func (s *Service) DescribeTerms(ctx context.Context, pool, id string) (Terms, error) {
	var t Terms
	err := s.view(ctx, func(tx store.RecordTx) error {
		if _, err := s.poolTx(tx, pool); err != nil {
			return err
		}
		var err error
		t, err = store.GetJSON[Terms](tx, kindTerms, pool+"/"+id)
		if errors.Is(err, store.ErrNotFound) {
			return errTermsNotFound(id)
		}
		return err
	})
	return t, err
}

// ListTerms lists a pool's terms documents, max a page, after the terms
// id token.
func (s *Service) ListTerms(ctx context.Context, pool string, max int, token string) ([]Terms, string, error) {
	if max <= 0 || max > 60 {
		max = 60
	}
	var page []Terms
	next := ""
	err := s.view(ctx, func(tx store.RecordTx) error {
		all, err := s.termsTx(tx, pool)
		if err != nil {
			return err
		}
		for _, t := range all {
			if token != "" && t.TermsId <= token {
				continue
			}
			if len(page) == max {
				next = page[len(page)-1].TermsId
				break
			}
			page = append(page, t)
		}
		return nil
	})
	return page, next, err
}

// UpdateTerms changes what the request names of a terms document.
func (s *Service) UpdateTerms(ctx context.Context, pool, id string, name, source, enforcement *string, links map[string]string) (Terms, error) {
	if links != nil {
		if err := checkLinks(links); err != nil {
			return Terms{}, err
		}
	}
	var t Terms
	err := s.update(ctx, func(tx store.RecordTx) error {
		all, err := s.termsTx(tx, pool)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(all, func(t Terms) bool { return t.TermsId == id })
		if i < 0 {
			return errTermsNotFound(id)
		}
		t = all[i]
		if name != nil && *name != t.TermsName {
			if slices.ContainsFunc(all, func(o Terms) bool { return o.ClientId == t.ClientId && o.TermsName == *name }) {
				return awserr.Newf(400, "TermsExistsException", "Terms with name %s already exist for app client %s.", *name, t.ClientId)
			}
			t.TermsName = *name
		}
		if source != nil {
			t.TermsSource = *source
		}
		if enforcement != nil {
			t.Enforcement = *enforcement
		}
		if links != nil {
			t.Links = links
		}
		t.LastModifiedDate = epoch(s.now())
		return store.PutJSON(tx, kindTerms, pool+"/"+id, t)
	})
	return t, err
}

// DeleteTerms removes a terms document.
func (s *Service) DeleteTerms(ctx context.Context, pool, id string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		if _, err := s.poolTx(tx, pool); err != nil {
			return err
		}
		if _, err := tx.Get(kindTerms, pool+"/"+id); err != nil {
			return errTermsNotFound(id)
		}
		return tx.Delete(kindTerms, pool+"/"+id)
	})
}

// deleteClientTermsTx removes a deleted client's terms documents.
func deleteClientTermsTx(tx store.RecordTx, pool, client string) error {
	recs, err := tx.List(kindTerms, pool+"/", "", 0)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if t, err := store.GetJSON[Terms](tx, kindTerms, r.ID); err == nil && t.ClientId == client {
			if err := tx.Delete(kindTerms, r.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// TermsLinks are the links a client's sign-up page shows for the
// managed-login language lang ("english", "japanese"…): its terms of use
// and privacy policy, each in lang or else the default, or nothing
// unless both exist.
func (s *Service) TermsLinks(ctx context.Context, pool, client, lang string) (termsOfUse, privacy string) {
	var all []Terms
	s.view(ctx, func(tx store.RecordTx) error {
		all, _ = s.termsTx(tx, pool)
		return nil
	})
	pick := func(name string) string {
		for _, t := range all {
			if t.ClientId != client || t.TermsName != name {
				continue
			}
			if u := t.Links["cognito:"+lang]; u != "" {
				return u
			}
			return t.Links["cognito:default"]
		}
		return ""
	}
	termsOfUse, privacy = pick("terms-of-use"), pick("privacy-policy")
	if termsOfUse == "" || privacy == "" {
		return "", ""
	}
	return termsOfUse, privacy
}
