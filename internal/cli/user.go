package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/samizdat-press/samizdat/internal/account"
	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/store"
)

// userCmd creates newsroom accounts: `samizdat user add --email E --role R`.
// The password is read from the terminal (twice), or from the first line of
// standard input when it is not a terminal; with --link, or when standard
// input is empty, a single-use set-password link is printed instead.
func userCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "add" {
		return usageError{"usage: samizdat user add --email E --role admin|editor|author|revenue [--name N] [--link]"}
	}
	var cfg config.Config
	fs := newFlags("user add", stderr)
	cfg.DataFlags(fs)
	email := fs.String("email", "", "e-mail address of the account")
	roleName := fs.String("role", "", "admin, editor, author or revenue")
	name := fs.String("name", "", "the person's name")
	link := fs.Bool("link", false, "print a single-use set-password link instead of reading a password")
	baseURL := fs.String("base-url", "http://127.0.0.1:8080", "public URL of the site, for the link")
	if err := config.Parse(fs, &cfg, args[1:], getenv); err != nil {
		return usageErr(err)
	}
	addr, err := account.NormalizeEmail(*email)
	if err != nil {
		return usageError{"--email: " + err.Error()}
	}
	role, err := account.ParseRole(*roleName)
	if err != nil {
		return usageError{"--role: " + err.Error()}
	}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.UserByEmail(ctx, addr); err == nil {
		return fmt.Errorf("%s already has an account", addr)
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	password := ""
	if !*link {
		if password, err = readPassword(stdin, stderr); err != nil {
			return err
		}
	}
	if password == "" {
		raw, hash, err := account.NewToken()
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		if err := st.CreateInvite(ctx, account.Invite{TokenHash: hash, Email: addr, Role: role, CreatedAt: now,
			ExpiresAt: now.Add(account.InviteLifetime)}); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Open this link within 72 hours to set the password of %s (%s); it works once:\n%s/admin/invite/%s\n",
			addr, role, strings.TrimRight(*baseURL, "/"), raw)
		return nil
	}
	if err := account.ValidatePassword(password); err != nil {
		return fmt.Errorf("password: %w", err)
	}
	hash, err := account.HashPassword(password)
	if err != nil {
		return err
	}
	u := account.User{Email: addr, Name: *name, Role: role, PasswordHash: hash, PasswordChangedAt: time.Now()}
	if err := st.CreateUser(ctx, &u); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created %s (%s)\n", addr, role)
	return nil
}

func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password (at least 12 characters; empty for a set-password link): ")
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil || len(p1) == 0 {
			return "", err
		}
		fmt.Fprint(stderr, "Again: ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", err
		}
		if string(p1) != string(p2) {
			return "", errors.New("the two passwords differ")
		}
		return string(p1), nil
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}
