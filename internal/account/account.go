// Package account holds newsroom accounts: roles and what each may do,
// password hashing and the random tokens behind sessions and invitations.
// Roles are enforced in one place: Role.Can.
package account

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Role is what a newsroom account is for.
type Role string

const (
	RoleAdmin   Role = "admin"   // everything, including users and site settings
	RoleEditor  Role = "editor"  // all content: edit, publish, unpublish, correct
	RoleAuthor  Role = "author"  // own drafts, submit for review
	RoleRevenue Role = "revenue" // funding goal, campaigns, reports; no content
)

// Roles lists every role, most powerful first.
var Roles = []Role{RoleAdmin, RoleEditor, RoleAuthor, RoleRevenue}

// ParseRole reads a role name.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == strings.ToLower(strings.TrimSpace(s)) {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q: want admin, editor, author or revenue", s)
}

// Permission is one thing an account may do in the admin.
type Permission string

const (
	ViewAdmin       Permission = "admin.view"
	EditOwnArticles Permission = "articles.edit-own"
	EditAllArticles Permission = "articles.edit-all"
	PublishArticles Permission = "articles.publish"
	ManageTaxonomy  Permission = "taxonomy.manage"
	UploadMedia     Permission = "media.upload"
	ManageUsers     Permission = "users.manage"
	ManageSettings  Permission = "settings.manage"
	ManageRevenue   Permission = "revenue.manage"
)

// grants is the whole policy. Nothing else decides who may do what.
var grants = map[Role][]Permission{
	RoleAdmin: {ViewAdmin, EditOwnArticles, EditAllArticles, PublishArticles, ManageTaxonomy,
		UploadMedia, ManageUsers, ManageSettings, ManageRevenue},
	RoleEditor:  {ViewAdmin, EditOwnArticles, EditAllArticles, PublishArticles, ManageTaxonomy, UploadMedia},
	RoleAuthor:  {ViewAdmin, EditOwnArticles, UploadMedia},
	RoleRevenue: {ViewAdmin, ManageRevenue},
}

// Can reports whether the role grants p.
func (r Role) Can(p Permission) bool {
	for _, g := range grants[r] {
		if g == p {
			return true
		}
	}
	return false
}

// User is a newsroom account.
type User struct {
	ID                int64
	Email             string // lowercased
	Name              string
	Role              Role
	PasswordHash      string // empty until a password is set
	PasswordChangedAt time.Time
	CreatedAt         time.Time
	Disabled          bool
	// Lang is the language the account reads the admin in; empty: the
	// site's main language.
	Lang string
}

// NormalizeEmail lowercases and checks an address.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 {
		return "", fmt.Errorf("%q is not an e-mail address", s)
	}
	return s, nil
}

// Session is a signed-in browser. The cookie holds a random token; the
// database holds only its hash, so a leaked database opens no sessions.
type Session struct {
	TokenHash  string
	UserID     int64
	CSRFToken  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute: the session ends then however active
}

// Session lifetimes.
const (
	SessionIdle     = 2 * time.Hour
	SessionAbsolute = 12 * time.Hour
)

// Active reports whether the session may be used at now.
func (s Session) Active(now time.Time) bool {
	return now.Before(s.ExpiresAt) && now.Sub(s.LastSeenAt) < SessionIdle
}

// Invite is a single-use link to set a password: for a new colleague, or
// printed by `samizdat user add` for the first account.
type Invite struct {
	TokenHash string
	Email     string
	Role      Role
	UserID    int64 // set for a password reset of an existing account
	CreatedBy int64
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// InviteLifetime is how long an invitation link works.
const InviteLifetime = 72 * time.Hour
