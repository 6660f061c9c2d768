package userpool

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// Managed login branding: an app client's style settings and image
// assets. Settings are kept and returned as given; of the assets, the
// managed login pages show the form logo.

const kindBranding = "cognito.branding"

// BrandingAsset is AssetType.
type BrandingAsset struct {
	Category   string `json:"Category"`
	ColorMode  string `json:"ColorMode"`
	Extension  string `json:"Extension"`
	Bytes      []byte `json:"Bytes,omitempty"`
	ResourceId string `json:"ResourceId,omitempty"`
}

// Branding is ManagedLoginBrandingType (ClientId is kept, not returned).
type Branding struct {
	ManagedLoginBrandingId   string          `json:"ManagedLoginBrandingId"`
	UserPoolId               string          `json:"UserPoolId"`
	ClientId                 string          `json:"-"`
	UseCognitoProvidedValues bool            `json:"UseCognitoProvidedValues"`
	Settings                 json.RawMessage `json:"Settings,omitempty"`
	Assets                   []BrandingAsset `json:"Assets"`
	CreationDate             epoch           `json:"CreationDate"`
	LastModifiedDate         epoch           `json:"LastModifiedDate"`
}

// stored is how a branding is kept: with its client.
type storedBranding struct {
	Branding
	Client string
}

func errBrandingNotFound(id string) error {
	return errNotFound("Managed login branding %s does not exist.", id)
}

// checkBranding refuses what AWS refuses: settings or assets alongside
// Cognito's own values, settings that are not a JSON object, an asset
// twice for one category and color mode, an asset without bytes.
func checkBranding(use bool, settings json.RawMessage, assets []BrandingAsset) error {
	if use && (len(settings) > 0 || len(assets) > 0) {
		return errParam("Settings and Assets must be omitted when UseCognitoProvidedValues is true.")
	}
	if len(settings) > 0 && string(settings) != "null" {
		var obj map[string]any
		if json.Unmarshal(settings, &obj) != nil {
			return errParam("Settings must be a JSON object.")
		}
	}
	seen := map[[2]string]bool{}
	for _, a := range assets {
		k := [2]string{a.Category, a.ColorMode}
		if seen[k] {
			return errParam("Duplicate asset for category %s and color mode %s.", a.Category, a.ColorMode)
		}
		seen[k] = true
		if len(a.Bytes) == 0 {
			return errParam("Asset %s (%s) has no bytes.", a.Category, a.ColorMode)
		}
	}
	return nil
}

// CreateBranding gives an app client its branding: one per client.
func (s *Service) CreateBranding(ctx context.Context, pool, client string, use bool, settings json.RawMessage, assets []BrandingAsset) (Branding, error) {
	if err := checkBranding(use, settings, assets); err != nil {
		return Branding{}, err
	}
	now := epoch(s.now())
	b := Branding{ManagedLoginBrandingId: newUUID(), UserPoolId: pool, ClientId: client, UseCognitoProvidedValues: use, Settings: settings,
		Assets: assets, CreationDate: now, LastModifiedDate: now}
	if b.Assets == nil {
		b.Assets = []BrandingAsset{}
	}
	err := s.update(ctx, func(tx store.RecordTx) error {
		if _, err := s.clientTx(tx, pool, client); err != nil {
			return err
		}
		all, err := s.brandingsTx(tx, pool)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(all, func(o storedBranding) bool { return o.Client == client }) {
			return awserr.Newf(400, "ManagedLoginBrandingExistsException", "Managed login branding already exists for app client %s.", client)
		}
		return store.PutJSON(tx, kindBranding, pool+"/"+b.ManagedLoginBrandingId, storedBranding{b, client})
	})
	return b, err
}

func (s *Service) brandingsTx(tx store.RecordTx, pool string) ([]storedBranding, error) {
	if _, err := s.poolTx(tx, pool); err != nil {
		return nil, err
	}
	recs, err := tx.List(kindBranding, pool+"/", "", 0)
	if err != nil {
		return nil, err
	}
	var out []storedBranding
	for _, r := range recs {
		b, err := store.GetJSON[storedBranding](tx, kindBranding, r.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// Branding returns a branding by id, or by client when id is "".
func (s *Service) Branding(ctx context.Context, pool, id, client string) (Branding, error) {
	var b Branding
	err := s.view(ctx, func(tx store.RecordTx) error {
		all, err := s.brandingsTx(tx, pool)
		if err != nil {
			return err
		}
		for _, o := range all {
			if id != "" && o.ManagedLoginBrandingId == id || id == "" && o.Client == client {
				b = o.Branding
				return nil
			}
		}
		if id == "" {
			return errNotFound("Managed login branding for app client %s does not exist.", client)
		}
		return errBrandingNotFound(id)
	})
	return b, err
}

// UpdateBranding changes what the request gives of a branding.
func (s *Service) UpdateBranding(ctx context.Context, pool, id string, use *bool, settings json.RawMessage, assets []BrandingAsset) (Branding, error) {
	var b Branding
	err := s.update(ctx, func(tx store.RecordTx) error {
		sb, err := store.GetJSON[storedBranding](tx, kindBranding, pool+"/"+id)
		if errors.Is(err, store.ErrNotFound) {
			if _, err := s.poolTx(tx, pool); err != nil {
				return err
			}
			return errBrandingNotFound(id)
		} else if err != nil {
			return err
		}
		if use != nil {
			sb.UseCognitoProvidedValues = *use
			if *use {
				sb.Settings, sb.Assets = nil, []BrandingAsset{}
			}
		}
		if settings != nil {
			sb.Settings = settings
		}
		if assets != nil {
			sb.Assets = assets
		}
		if err := checkBranding(sb.UseCognitoProvidedValues, sb.Settings, sb.Assets); err != nil {
			return err
		}
		sb.LastModifiedDate = epoch(s.now())
		b = sb.Branding
		return store.PutJSON(tx, kindBranding, pool+"/"+id, sb)
	})
	return b, err
}

// DeleteBranding removes a branding.
func (s *Service) DeleteBranding(ctx context.Context, pool, id string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		if _, err := s.poolTx(tx, pool); err != nil {
			return err
		}
		if _, err := tx.Get(kindBranding, pool+"/"+id); err != nil {
			return errBrandingNotFound(id)
		}
		return tx.Delete(kindBranding, pool+"/"+id)
	})
}

// deleteClientBrandingTx removes a deleted client's branding.
func deleteClientBrandingTx(tx store.RecordTx, pool, client string) error {
	recs, err := tx.List(kindBranding, pool+"/", "", 0)
	if err != nil {
		return err
	}
	for _, r := range recs {
		if b, err := store.GetJSON[storedBranding](tx, kindBranding, r.ID); err == nil && b.Client == client {
			if err := tx.Delete(kindBranding, r.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// assetTypes are the media types of the asset extensions.
var assetTypes = map[string]string{"ICO": "image/x-icon", "JPEG": "image/jpeg", "PNG": "image/png", "SVG": "image/svg+xml", "WEBP": "image/webp"}

// FormLogo is the data: URL of an app client's form logo (its LIGHT or
// DYNAMIC one), or "" when it has none. An image URL cannot run script,
// an SVG one included.
func (s *Service) FormLogo(ctx context.Context, pool, client string) string {
	b, err := s.Branding(ctx, pool, "", client)
	if err != nil {
		return ""
	}
	for _, mode := range []string{"LIGHT", "DYNAMIC"} {
		for _, a := range b.Assets {
			if a.Category == "FORM_LOGO" && a.ColorMode == mode && assetTypes[a.Extension] != "" {
				return "data:" + assetTypes[a.Extension] + ";base64," + base64.StdEncoding.EncodeToString(a.Bytes)
			}
		}
	}
	return ""
}
