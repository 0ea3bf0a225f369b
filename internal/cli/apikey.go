package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/store"
)

const apikeyUsage = "usage: samizdat apikey add --name NAME | samizdat apikey list | samizdat apikey revoke KEY_OR_NAME"

// apikeyCmd manages the Ghost Content API's keys: add prints a new key
// (the only time it is shown), list shows every key by name and last
// digits, revoke refuses a key on every node from the next change-feed
// turn on.
func apikeyCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return usageError{apikeyUsage}
	}
	var cfg config.Config
	fs := newFlags("apikey "+args[0], stderr)
	cfg.DataFlags(fs)
	name := new(string)
	switch args[0] {
	case "add":
		name = fs.String("name", "", "what the key is for, such as the app that uses it")
	case "list", "revoke":
	default:
		return usageError{fmt.Sprintf("unknown apikey command %q; %s", args[0], apikeyUsage)}
	}
	if err := config.Parse(fs, &cfg, args[1:], getenv); err != nil {
		return usageErr(err)
	}
	switch {
	case args[0] == "add" && *name == "":
		return usageError{"--name is required: say what the key is for, such as --name \"Mobile app\""}
	case args[0] == "add" && fs.NArg() > 0, args[0] == "list" && fs.NArg() > 0:
		return usageError{fmt.Sprintf("unexpected argument %q; %s", fs.Arg(0), apikeyUsage)}
	case args[0] == "revoke" && fs.NArg() != 1:
		return usageError{"revoke takes one key or key name: samizdat apikey revoke KEY_OR_NAME (see samizdat apikey list)"}
	}
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer st.Close()
	switch args[0] {
	case "add":
		key, _, err := st.CreateAPIKey(ctx, *name)
		if errors.Is(err, store.ErrKeyName) {
			return usageError{"--name: " + err.Error()}
		}
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, key)
		fmt.Fprintf(stderr, "Content API key %q made; it is shown only now. Use it as ?key= under /ghost/api/content/.\n", *name)
		return nil
	case "list":
		keys, err := st.APIKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tKEY\tCREATED\tSTATE")
		for _, k := range keys {
			state := "working"
			if k.Revoked() {
				state = "revoked " + k.RevokedAt.Format("2006-01-02 15:04")
			}
			fmt.Fprintf(tw, "%s\t…%s\t%s\t%s\n", k.Name, k.Hint, k.CreatedAt.Format("2006-01-02 15:04"), state)
		}
		return tw.Flush()
	}
	k, err := st.RevokeAPIKey(ctx, fs.Arg(0))
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no content API key is named %q or is that key; samizdat apikey list shows them", fs.Arg(0))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked %q (…%s)\n", k.Name, k.Hint)
	return nil
}
