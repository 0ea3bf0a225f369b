package account

import (
	"encoding/base64"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

func TestAccountHashPasswordFormat(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	const prefix = "$argon2id$v=19$m=65536,t=3,p=2$"
	if !strings.HasPrefix(h, prefix) {
		t.Fatalf("hash %q does not start with %q", h, prefix)
	}
	parts := strings.Split(h, "$")
	if len(parts) != 6 {
		t.Fatalf("hash %q has %d parts, want 6", h, len(parts))
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) != saltLen {
		t.Errorf("salt %q: %d bytes, err %v; want %d bytes", parts[4], len(salt), err, saltLen)
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) != argonKeyLen {
		t.Errorf("key %q: %d bytes, err %v; want %d bytes", parts[5], len(key), err, argonKeyLen)
	}
	h2, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	for _, hash := range []string{h, h2} {
		if !CheckPassword(hash, "correct horse battery staple") {
			t.Errorf("CheckPassword(%q, right password) = false", hash)
		}
	}
}

func TestAccountCheckPassword(t *testing.T) {
	const pw = "a long enough password"
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(h, "$")
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	if !CheckPassword(h, pw) {
		t.Fatal("right password refused")
	}
	for _, wrong := range []string{"", "a long enough passwore", "A long enough password", pw + " ", pw[:len(pw)-1]} {
		if CheckPassword(h, wrong) {
			t.Errorf("wrong password %q accepted", wrong)
		}
	}
	// An empty hash (an account with no password yet) matches nothing,
	// not even the password the dummy hash was made from.
	for _, p := range []string{"", pw, "no account has this password; it only burns time"} {
		if CheckPassword("", p) {
			t.Errorf("empty hash accepted %q", p)
		}
	}
	if CheckPassword(dummyHash(), "no account has this password; it only burns time") {
		t.Error("the dummy hash must match no password")
	}

	malformed := map[string]string{
		"garbage":           "not a hash",
		"dollars only":      "$$$$$",
		"too few parts":     strings.Join(parts[:5], "$"),
		"too many parts":    h + "$extra",
		"argon2i":           with(1, "argon2i"),
		"bcrypt":            "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"version 16":        with(2, "v=16"),
		"version junk":      with(2, "v=19junk"),
		"no version":        with(2, ""),
		"params junk":       with(3, "m=65536,t=3,p=2,x=1"),
		"params reordered":  with(3, "t=3,m=65536,p=2"),
		"params missing":    with(3, "m=65536,t=3"),
		"zero time":         with(3, "m=65536,t=0,p=2"),
		"zero threads":      with(3, "m=65536,t=3,p=0"),
		"threads overflow":  with(3, "m=65536,t=3,p=300"),
		"negative memory":   with(3, "m=-1,t=3,p=2"),
		"huge memory":       with(3, "m=4294967295,t=3,p=2"),
		"huge time":         with(3, "m=65536,t=4294967295,p=2"),
		"salt not base64":   with(4, "!!!!"),
		"key not base64":    with(5, "!!!!"),
		"empty key":         with(5, ""),
		"padded key":        with(5, parts[5]+"="),
		"key of other hash": with(5, base64.RawStdEncoding.EncodeToString(make([]byte, argonKeyLen))),
	}
	for name, hash := range malformed {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("CheckPassword(%q) panicked: %v", hash, r)
				}
			}()
			if CheckPassword(hash, pw) {
				t.Errorf("malformed hash %q accepted", hash)
			}
		})
	}
}

func TestAccountValidatePassword(t *testing.T) {
	for _, tc := range []struct {
		pw string
		ok bool
	}{
		{"", false},
		{"short", false},
		{strings.Repeat("a", MinPassword-1), false},
		{strings.Repeat("a", MinPassword), true},
		{strings.Repeat("я", MinPassword), true}, // characters, not bytes
		{strings.Repeat("я", MinPassword-1), false},
		{"correct horse battery staple", true},
		{strings.Repeat("a", MaxPassword), true},
		{strings.Repeat("a", MaxPassword+1), false},
	} {
		err := ValidatePassword(tc.pw)
		if (err == nil) != tc.ok {
			t.Errorf("ValidatePassword(%d runes) = %v, want ok=%v", len([]rune(tc.pw)), err, tc.ok)
		}
	}
	if err := ValidatePassword("short"); err == nil || !strings.Contains(err.Error(), "at least 12 characters") {
		t.Errorf("short password: error %v, want one naming the 12 characters", err)
	}
}

func TestAccountParseRole(t *testing.T) {
	for in, want := range map[string]Role{
		"admin": RoleAdmin, "editor": RoleEditor, "author": RoleAuthor, "revenue": RoleRevenue,
		"ADMIN": RoleAdmin, " Editor ": RoleEditor, "Author\n": RoleAuthor,
	} {
		got, err := ParseRole(in)
		if err != nil || got != want {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "root", "administrator", "owner", "admin,editor", "writer"} {
		if got, err := ParseRole(in); err == nil {
			t.Errorf("ParseRole(%q) = %q, want an error", in, got)
		}
	}
	if len(Roles) != 4 || Roles[0] != RoleAdmin {
		t.Errorf("Roles = %v, want the four roles, admin first", Roles)
	}
}

// TestAccountRoleCan spells out the whole policy, by hand.
func TestAccountRoleCan(t *testing.T) {
	all := []Permission{ViewAdmin, EditOwnArticles, EditAllArticles, PublishArticles, ManageTaxonomy,
		UploadMedia, ManageUsers, ManageSettings, ManageRevenue}
	want := map[Role][]Permission{
		RoleAdmin:   all,
		RoleEditor:  {ViewAdmin, EditOwnArticles, EditAllArticles, PublishArticles, ManageTaxonomy, UploadMedia},
		RoleAuthor:  {ViewAdmin, EditOwnArticles, UploadMedia},
		RoleRevenue: {ViewAdmin, ManageRevenue},
		"":          nil,
		"root":      nil,
		"Admin":     nil, // roles are stored lowercase; no case folding here
	}
	for role, granted := range want {
		for _, p := range all {
			exp := false
			for _, g := range granted {
				exp = exp || g == p
			}
			if got := role.Can(p); got != exp {
				t.Errorf("Role(%q).Can(%s) = %v, want %v", role, p, got, exp)
			}
		}
		if role.Can("") || role.Can("everything") {
			t.Errorf("Role(%q) grants an unknown permission", role)
		}
	}
}

func TestAccountNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		"anna@example.org":            "anna@example.org",
		"  Anna.Petrova@Example.ORG ": "anna.petrova@example.org",
		"a+tag@sub.example.org":       "a+tag@sub.example.org",
	} {
		got, err := NormalizeEmail(in)
		if err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "anna", "anna@", "@example.org", "Anna <anna@example.org>", "anna@example.org, boris@example.org",
		"anna @example.org", strings.Repeat("a", 250) + "@example.org",
	} {
		if got, err := NormalizeEmail(in); err == nil {
			t.Errorf("NormalizeEmail(%q) = %q, want an error", in, got)
		}
	}
}

func TestAccountTokens(t *testing.T) {
	raw, hash, err := NewToken()
	if err != nil {
		t.Fatal(err)
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(b) != 32 {
		t.Errorf("token %q: %d bytes, %v; want 32 URL-safe base64 bytes", raw, len(b), err)
	}
	if strings.ContainsAny(raw, "+/=") {
		t.Errorf("token %q is not URL-safe", raw)
	}
	if hash != HashToken(raw) {
		t.Error("NewToken's hash differs from HashToken(raw)")
	}
	if h, err := hex.DecodeString(hash); err != nil || len(h) != 32 {
		t.Errorf("hash %q is not 64 hex digits", hash)
	}
	if hash == raw || strings.Contains(hash, raw) {
		t.Error("the stored hash reveals the token")
	}
	if HashToken(raw) != HashToken(raw) {
		t.Error("HashToken is not deterministic")
	}
	if HashToken(raw) == HashToken(raw+"x") {
		t.Error("different tokens hash alike")
	}
	// sha256("") is well known.
	if got := HashToken(""); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("HashToken(\"\") = %s, want SHA-256", got)
	}
	seen := map[string]bool{}
	for range 100 {
		raw, _, err := NewToken()
		if err != nil {
			t.Fatal(err)
		}
		if seen[raw] {
			t.Fatal("NewToken repeated a token")
		}
		seen[raw] = true
	}
}

func TestAccountSessionActive(t *testing.T) {
	start := time.Date(2024, 5, 14, 9, 0, 0, 0, time.UTC)
	s := Session{CreatedAt: start, LastSeenAt: start, ExpiresAt: start.Add(SessionAbsolute)}
	if SessionIdle != 2*time.Hour || SessionAbsolute != 12*time.Hour {
		t.Errorf("lifetimes %v / %v, want 2h idle and 12h absolute", SessionIdle, SessionAbsolute)
	}
	for _, tc := range []struct {
		name   string
		seen   time.Duration // last activity, after start
		now    time.Duration // after start
		active bool
	}{
		{"fresh", 0, 0, true},
		{"idle just under the limit", 0, SessionIdle - time.Second, true},
		{"idle at the limit", 0, SessionIdle, false},
		{"idle past the limit", 0, SessionIdle + time.Minute, false},
		{"active recently", 10 * time.Hour, 11 * time.Hour, true},
		{"just before absolute expiry", 11*time.Hour + 59*time.Minute, SessionAbsolute - time.Second, true},
		{"at absolute expiry, though active", SessionAbsolute - time.Second, SessionAbsolute, false},
		{"past absolute expiry, though active", SessionAbsolute, SessionAbsolute + time.Minute, false},
	} {
		s.LastSeenAt = start.Add(tc.seen)
		if got := s.Active(start.Add(tc.now)); got != tc.active {
			t.Errorf("%s: Active = %v, want %v", tc.name, got, tc.active)
		}
	}
	if InviteLifetime != 72*time.Hour {
		t.Errorf("InviteLifetime = %v, want 72h (the users page says so)", InviteLifetime)
	}
}
