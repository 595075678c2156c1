package segmentfile

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestPlatformHashVectors checks the hashed forms against published
// vectors: the email and phone examples of the UID2 normalisation and
// encoding guide (IABTechLab uid2docs, gs-normalization-encoding.md:
// "user@example.com", "MyEmail@example.com", "+12345678901" and
// "Jane.Saoirse@gmail.com" → "janesaoirse@gmail.com", whose gmail rule
// Google's Customer Match / enhanced conversions guide states too). The
// Meta and Tencent forms have no published digest; their expected values
// are the SHA-256 / MD5 of the documented plain forms "12345678901" and
// "13812345678" (and Meta's "jane.saoirse@gmail.com", periods kept),
// computed independently (Python hashlib).
func TestPlatformHashVectors(t *testing.T) {
	tests := []struct {
		platform, kind, in, want string
	}{
		{"google", KindEmail, "user@example.com", "b4c9a289323b21a01c3e940f150eb9b8c542587f1abfd8f0e1cc1ffc5e475514"},
		{"google", KindEmail, " MyEmail@example.com ", "16c18d336f0b250f0e2d907452ceb9658a74ecdae8bc94864c23122a72cc27a5"},
		{"meta", KindEmail, "MYEMAIL@example.com", "16c18d336f0b250f0e2d907452ceb9658a74ecdae8bc94864c23122a72cc27a5"},
		{"tiktok", KindEmail, "MyEmail@example.com", "16c18d336f0b250f0e2d907452ceb9658a74ecdae8bc94864c23122a72cc27a5"},
		{"google", KindEmail, "Jane.Saoirse@gmail.com", "92ee26057ed9dea2535d6c8b141d48373932476599196e00352254896db5888f"},
		// other platforms keep the periods: a different digest
		{"meta", KindEmail, "Jane.Saoirse@gmail.com", "58bad64ae1c94e2bfdcf592ca545bea6201cbe1a87f8bef0cb88388f88009649"},
		{"google", KindPhone, "+1 (234) 567-8901", "10e6f0b47054a83359477dcb35231db6de5c69fb1816e1a6b98e192de9e5b9ee"},
		{"tiktok", KindPhone, "+12345678901", "10e6f0b47054a83359477dcb35231db6de5c69fb1816e1a6b98e192de9e5b9ee"},
		{"meta", KindPhone, "+1 234 567 8901", "254aa248acb47dd654ca3ea53f48c2c26d641d23d7e2e93a1ec56258df7674c4"},
		{"tencent", KindPhone, "138 1234 5678", "4c0115d39ddea1eba5a7cdf8edfc18a9"},
		{"tencent", KindPhone, "+86 138-1234-5678", "4c0115d39ddea1eba5a7cdf8edfc18a9"},
		// what cannot be matched is left empty
		{"tencent", KindEmail, "user@example.com", ""},
		{"tencent", KindPhone, "+12345678901", ""}, // not a mainland mobile
		{"google", KindPhone, "2345678901", ""},    // no country code
		{"google", KindEmail, "not-an-email", ""},
	}
	for _, tc := range tests {
		p := Platforms[tc.platform]
		if got := PlatformHash(p, tc.kind, tc.in, "CN"); got != tc.want {
			t.Errorf("%s %s %q = %q, want %q", tc.platform, tc.kind, tc.in, got, tc.want)
		}
	}
}

// TestAdsFile exports the test segment for each platform: the file is
// named after the platform by the caller, holds only the customer key and
// the platform's hash forms (hex digests, nothing in clear), and its keys
// join back to the customers table in a real DuckDB warehouse through the
// salt.
func TestAdsFile(t *testing.T) {
	rec := testBatch(t)
	defer rec.Release()
	salt := "pepper"
	dir := t.TempDir()
	wh, err := warehouse.OpenDuckDB(filepath.Join(dir, "w.duckdb"), warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	db := wh.DB()
	if _, err := db.Exec(`CREATE TABLE customers AS SELECT * FROM (VALUES ('C001'), ('C002'), ('C003'), ('C004'), ('C005'), ('C999')) v(customer_id)`); err != nil {
		t.Fatal(err)
	}
	sha := regexp.MustCompile(`^[0-9a-f]{64}$`)
	md5 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	for _, name := range PlatformNames() {
		t.Run(name, func(t *testing.T) {
			p := Platforms[name]
			path := filepath.Join(dir, "vip_"+name+".csv")
			n, err := Write(rec, path, "csv", Options{Privacy: PrivacyAds, Platform: name, Salt: []byte(salt)})
			if err != nil {
				t.Fatal(err)
			}
			if n != 5 {
				t.Errorf("%d rows, want 5", n)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(f).ReadAll()
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			rows[0][0] = rows[0][0][len("\ufeff"):] // byte order mark
			if !slices.Equal(rows[0], AdsColumns(p)) {
				t.Fatalf("header %q, want %q", rows[0], AdsColumns(p))
			}
			for ri, r := range rows[1:] {
				for ci, v := range r {
					if v == "" {
						continue
					}
					ok := sha.MatchString(v)
					if rows[0][ci] == "phone_md5" {
						ok = md5.MatchString(v)
					}
					if !ok {
						t.Errorf("row %d %s = %q: not a digest", ri+1, rows[0][ci], v)
					}
				}
			}
			// C001's phone +8613812345678 in the platform's form
			if got, want := rows[1][len(rows[1])-1], PlatformHash(p, KindPhone, "+8613812345678", "CN"); got != want {
				t.Errorf("C001 phone %q, want %q", got, want)
			}
			var joined int
			if err := db.QueryRow(`SELECT count(*) FROM customers c JOIN read_csv(?, header = true, all_varchar = true) s
				ON s.customer_key = sha256(? || c.customer_id)`, path, salt).Scan(&joined); err != nil {
				t.Fatal(err)
			}
			if joined != 5 {
				t.Errorf("%d of 5 customer keys join back to customers", joined)
			}
		})
	}
}

func TestAdsNeedsSaltAndPlatform(t *testing.T) {
	rec := testBatch(t)
	defer rec.Release()
	dir := t.TempDir()
	if _, err := Write(rec, filepath.Join(dir, "a.csv"), "csv", Options{Privacy: PrivacyAds, Platform: "google"}); err == nil {
		t.Error("ads mode without a salt accepted")
	}
	if _, err := Write(rec, filepath.Join(dir, "b.csv"), "csv", Options{Privacy: PrivacyAds, Platform: "myspace", Salt: []byte("s")}); err == nil {
		t.Error("unknown platform accepted")
	}
}
