package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/revenue"
)

// This file holds reader revenue's prompts: manual funding entries,
// campaigns, prompts with their copy variants, and the prompt counters.

// ManualFunding is the revenue.FundingSource of the manual entries.
func (s *Store) ManualFunding() revenue.FundingSource { return manualFunding{s} }

type manualFunding struct{ s *Store }

func (m manualFunding) Funding(ctx context.Context, month time.Time, currency string) (int64, error) {
	var n sql.NullInt64
	err := m.s.read.QueryRowContext(ctx, m.s.dialect.rebind(`SELECT SUM(amount) FROM funding_entries WHERE month = ? AND LOWER(currency) = LOWER(?)`),
		month.UTC().Format("2006-01"), currency).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("manual funding for %s: %w", month.Format("2006-01"), err)
	}
	return n.Int64, nil
}

// ManualEntries lists the manual funding entries, newest month first.
func (s *Store) ManualEntries(ctx context.Context) ([]revenue.ManualEntry, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, month, amount, currency, note, created_at FROM funding_entries ORDER BY month DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list funding entries: %w", err)
	}
	defer rows.Close()
	var out []revenue.ManualEntry
	for rows.Next() {
		var e revenue.ManualEntry
		var month string
		var created int64
		if err := rows.Scan(&e.ID, &month, &e.Amount, &e.Currency, &e.Note, &created); err != nil {
			return nil, fmt.Errorf("list funding entries: %w", err)
		}
		e.Month, _ = time.Parse("2006-01", month)
		e.CreatedAt = time.Unix(created, 0).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}

// promptKeys are what a goal, campaign or prompt edit changes: the prompts,
// and the goal meter some of them show.
var promptKeys = []string{KeyPrompts}

// AddManualEntry records an offline gift or a grant.
func (s *Store) AddManualEntry(ctx context.Context, e *revenue.ManualEntry) error {
	return s.inTxChanging(ctx, promptKeys, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO funding_entries (month, amount, currency, note, created_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`), e.Month.UTC().Format("2006-01"), e.Amount, e.Currency, e.Note, s.now().Unix()).Scan(&e.ID)
		if err != nil {
			return fmt.Errorf("add funding entry: %w", err)
		}
		return nil
	})
}

// DeleteManualEntry removes an entry recorded by mistake.
func (s *Store) DeleteManualEntry(ctx context.Context, id int64) error {
	return s.inTxChanging(ctx, promptKeys, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM funding_entries WHERE id = ?`), id)
		if err != nil {
			return fmt.Errorf("delete funding entry %d: %w", id, err)
		}
		return rowsOrNotFound(res, fmt.Sprintf("funding entry %d", id))
	})
}

// Campaigns lists every campaign, latest start first.
func (s *Store) Campaigns(ctx context.Context) ([]revenue.Campaign, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id, name, starts_at, ends_at FROM campaigns ORDER BY starts_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list campaigns: %w", err)
	}
	defer rows.Close()
	var out []revenue.Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, fmt.Errorf("list campaigns: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func scanCampaign(sc interface{ Scan(...any) error }) (revenue.Campaign, error) {
	var c revenue.Campaign
	var starts int64
	var ends sql.NullInt64
	if err := sc.Scan(&c.ID, &c.Name, &starts, &ends); err != nil {
		return c, err
	}
	c.Starts = time.Unix(starts, 0).UTC()
	c.Ends = fromUnix(ends)
	return c, nil
}

// Campaign returns one campaign, or ErrNotFound.
func (s *Store) Campaign(ctx context.Context, id int64) (revenue.Campaign, error) {
	c, err := scanCampaign(s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT id, name, starts_at, ends_at FROM campaigns WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("campaign %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return c, fmt.Errorf("campaign %d: %w", id, err)
	}
	return c, nil
}

// SaveCampaign creates (ID 0) or updates a campaign. The database refuses
// an end before the start too, whatever the caller checked.
func (s *Store) SaveCampaign(ctx context.Context, c *revenue.Campaign) error {
	return s.inTxChanging(ctx, promptKeys, func(tx *sql.Tx) error {
		if c.ID == 0 {
			err := tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO campaigns (name, starts_at, ends_at, created_at) VALUES (?, ?, ?, ?) RETURNING id`),
				c.Name, c.Starts.Unix(), unix(c.Ends), s.now().Unix()).Scan(&c.ID)
			if err != nil {
				return fmt.Errorf("create campaign: %w", err)
			}
			return nil
		}
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE campaigns SET name = ?, starts_at = ?, ends_at = ? WHERE id = ?`),
			c.Name, c.Starts.Unix(), unix(c.Ends), c.ID)
		if err != nil {
			return fmt.Errorf("update campaign %d: %w", c.ID, err)
		}
		return rowsOrNotFound(res, fmt.Sprintf("campaign %d", c.ID))
	})
}

// DeleteCampaign deletes a campaign and its prompts (their counters stay).
func (s *Store) DeleteCampaign(ctx context.Context, id int64) error {
	return s.inTxChanging(ctx, promptKeys, func(tx *sql.Tx) error {
		// Variants first: SQLite enforces the cascade only with foreign keys on.
		for _, q := range []string{
			`DELETE FROM prompt_variants WHERE prompt_id IN (SELECT id FROM prompts WHERE campaign_id = ?)`,
			`DELETE FROM prompts WHERE campaign_id = ?`,
		} {
			if _, err := tx.ExecContext(ctx, s.dialect.rebind(q), id); err != nil {
				return fmt.Errorf("delete campaign %d: %w", id, err)
			}
		}
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM campaigns WHERE id = ?`), id)
		if err != nil {
			return fmt.Errorf("delete campaign %d: %w", id, err)
		}
		return rowsOrNotFound(res, fmt.Sprintf("campaign %d", id))
	})
}

const promptColumns = `p.id, p.campaign_id, p.name, p.placement, p.paragraph, p.amounts, p.frequency, p.audience, p.thank_you,
	p.min_read, p.sections, p.languages, p.cap, p.priority, p.show_meter, p.snooze_days`

func scanPrompt(sc interface{ Scan(...any) error }) (*revenue.Prompt, error) {
	p := &revenue.Prompt{}
	var amounts, sections, langs string
	var meter int
	if err := sc.Scan(&p.ID, &p.CampaignID, &p.Name, &p.Placement, &p.Paragraph, &amounts, &p.Frequency, &p.Audience, &p.ThankYou,
		&p.MinRead, &sections, &langs, &p.Cap, &p.Priority, &meter, &p.SnoozeDays); err != nil {
		return nil, err
	}
	p.Amounts, _ = revenue.ParseAmounts(amounts)
	p.Sections = strings.Fields(sections)
	p.Languages = strings.Fields(langs)
	p.ShowMeter = meter != 0
	return p, nil
}

// queryPrompts runs a prompt query and loads the prompts' variants.
func (s *Store) queryPrompts(ctx context.Context, query string, args ...any) ([]*revenue.Prompt, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(query), args...)
	if err != nil {
		return nil, err
	}
	var out []*revenue.Prompt
	byID := map[int64]*revenue.Prompt{}
	for rows.Next() {
		p, err := scanPrompt(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
		byID[p.ID] = p
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]string, 0, len(out))
	for _, p := range out {
		ids = append(ids, fmt.Sprint(p.ID))
	}
	// IDs are integers from the database, not input: safe to inline.
	vrows, err := s.read.QueryContext(ctx, `SELECT id, prompt_id, slot, title, body, body_html, button, snooze, weight
		FROM prompt_variants WHERE prompt_id IN (`+strings.Join(ids, ",")+`) ORDER BY prompt_id, slot`)
	if err != nil {
		return nil, err
	}
	defer vrows.Close()
	for vrows.Next() {
		var v revenue.Variant
		if err := vrows.Scan(&v.ID, &v.PromptID, &v.Slot, &v.Title, &v.Body, &v.BodyHTML, &v.Button, &v.Snooze, &v.Weight); err != nil {
			return nil, err
		}
		if p := byID[v.PromptID]; p != nil {
			p.Variants = append(p.Variants, v)
		}
	}
	return out, vrows.Err()
}

// CampaignPrompts lists a campaign's prompts with their variants.
func (s *Store) CampaignPrompts(ctx context.Context, campaign int64) ([]*revenue.Prompt, error) {
	ps, err := s.queryPrompts(ctx, `SELECT `+promptColumns+` FROM prompts p WHERE p.campaign_id = ? ORDER BY p.placement, p.priority DESC, p.id`, campaign)
	if err != nil {
		return nil, fmt.Errorf("prompts of campaign %d: %w", campaign, err)
	}
	return ps, nil
}

// Prompt returns one prompt with its variants, or ErrNotFound.
func (s *Store) Prompt(ctx context.Context, id int64) (*revenue.Prompt, error) {
	ps, err := s.queryPrompts(ctx, `SELECT `+promptColumns+` FROM prompts p WHERE p.id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("prompt %d: %w", id, err)
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("prompt %d: %w", id, ErrNotFound)
	}
	return ps[0], nil
}

// RunningPrompts lists the prompts of the campaigns running at now
// (revenue.PromptSource).
func (s *Store) RunningPrompts(ctx context.Context, now time.Time) ([]*revenue.Prompt, error) {
	ps, err := s.queryPrompts(ctx, `SELECT `+promptColumns+` FROM prompts p JOIN campaigns c ON c.id = p.campaign_id
		WHERE c.starts_at <= ? AND (c.ends_at IS NULL OR c.ends_at > ?) ORDER BY p.id`, now.Unix(), now.Unix())
	if err != nil {
		return nil, fmt.Errorf("running prompts: %w", err)
	}
	return ps, nil
}

// AllVariants names every variant there is, for reports: ID -> "campaign /
// prompt / variant N".
func (s *Store) AllVariants(ctx context.Context) (map[int64]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT v.id, c.name, p.name, v.slot, v.title FROM prompt_variants v
		JOIN prompts p ON p.id = v.prompt_id JOIN campaigns c ON c.id = p.campaign_id`)
	if err != nil {
		return nil, fmt.Errorf("list variants: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var cn, pn, title string
		var slot int
		if err := rows.Scan(&id, &cn, &pn, &slot, &title); err != nil {
			return nil, fmt.Errorf("list variants: %w", err)
		}
		out[id] = fmt.Sprintf("%s / %s / %c: %s", cn, pn, 'A'+slot, title)
	}
	return out, rows.Err()
}

// SavePrompt creates (ID 0) or updates a prompt and its variants. A
// variant keeps its ID across edits (it is matched by slot), so its
// counters and conversions stay with it.
func (s *Store) SavePrompt(ctx context.Context, p *revenue.Prompt) error {
	return s.inTxChanging(ctx, promptKeys, func(tx *sql.Tx) error {
		args := []any{p.CampaignID, p.Name, string(p.Placement), p.Paragraph, revenue.JoinAmounts(p.Amounts), string(p.Frequency),
			string(p.Audience), p.ThankYou, p.MinRead, strings.Join(p.Sections, " "), strings.Join(p.Languages, " "),
			string(p.Cap), p.Priority, boolInt(p.ShowMeter), p.SnoozeDays, s.now().Unix()}
		if p.ID == 0 {
			err := tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO prompts (campaign_id, name, placement, paragraph, amounts, frequency,
				audience, thank_you, min_read, sections, languages, cap, priority, show_meter, snooze_days, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), args...).Scan(&p.ID)
			if err != nil {
				return fmt.Errorf("create prompt: %w", err)
			}
		} else {
			res, err := tx.ExecContext(ctx, s.dialect.rebind(`UPDATE prompts SET campaign_id = ?, name = ?, placement = ?, paragraph = ?,
				amounts = ?, frequency = ?, audience = ?, thank_you = ?, min_read = ?, sections = ?, languages = ?, cap = ?,
				priority = ?, show_meter = ?, snooze_days = ?, updated_at = ? WHERE id = ?`), append(args, p.ID)...)
			if err != nil {
				return fmt.Errorf("update prompt %d: %w", p.ID, err)
			}
			if err := rowsOrNotFound(res, fmt.Sprintf("prompt %d", p.ID)); err != nil {
				return err
			}
		}
		for i := range p.Variants {
			v := &p.Variants[i]
			v.PromptID = p.ID
			err := tx.QueryRowContext(ctx, s.dialect.rebind(`INSERT INTO prompt_variants (prompt_id, slot, title, body, body_html, button, snooze, weight)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (prompt_id, slot) DO UPDATE SET title = excluded.title, body = excluded.body, body_html = excluded.body_html,
				button = excluded.button, snooze = excluded.snooze, weight = excluded.weight RETURNING id`),
				p.ID, v.Slot, v.Title, v.Body, v.BodyHTML, v.Button, v.Snooze, v.Weight).Scan(&v.ID)
			if err != nil {
				return fmt.Errorf("save variant %d of prompt %d: %w", v.Slot, p.ID, err)
			}
		}
		return nil
	})
}

// DeletePrompt deletes a prompt and its variants (their counters stay).
func (s *Store) DeletePrompt(ctx context.Context, id int64) error {
	return s.inTxChanging(ctx, promptKeys, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM prompt_variants WHERE prompt_id = ?`), id); err != nil {
			return fmt.Errorf("delete prompt %d: %w", id, err)
		}
		res, err := tx.ExecContext(ctx, s.dialect.rebind(`DELETE FROM prompts WHERE id = ?`), id)
		if err != nil {
			return fmt.Errorf("delete prompt %d: %w", id, err)
		}
		return rowsOrNotFound(res, fmt.Sprintf("prompt %d", id))
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// AddPromptCounts adds counts to the stored counters in one transaction
// (revenue.CountSink). The upsert adds, so nodes flushing the same day and
// variant add up instead of overwriting each other.
func (s *Store) AddPromptCounts(ctx context.Context, counts []revenue.Count) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		q := s.dialect.rebind(`INSERT INTO prompt_counts (day, variant_id, impressions, clicks, snoozes) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (day, variant_id) DO UPDATE SET impressions = prompt_counts.impressions + excluded.impressions,
			clicks = prompt_counts.clicks + excluded.clicks, snoozes = prompt_counts.snoozes + excluded.snoozes`)
		for _, c := range counts {
			if _, err := tx.ExecContext(ctx, q, c.Day, c.Variant, c.Impressions, c.Clicks, c.Snoozes); err != nil {
				return fmt.Errorf("add prompt counts: %w", err)
			}
		}
		return nil
	})
}

// PromptCounts returns the stored counters for days in [from, to).
func (s *Store) PromptCounts(ctx context.Context, from, to time.Time) ([]revenue.Count, error) {
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT day, variant_id, impressions, clicks, snoozes FROM prompt_counts
		WHERE day >= ? AND day < ? ORDER BY day, variant_id`), from.UTC().Format("2006-01-02"), to.UTC().Format("2006-01-02"))
	if err != nil {
		return nil, fmt.Errorf("prompt counts: %w", err)
	}
	defer rows.Close()
	var out []revenue.Count
	for rows.Next() {
		var c revenue.Count
		if err := rows.Scan(&c.Day, &c.Variant, &c.Impressions, &c.Clicks, &c.Snoozes); err != nil {
			return nil, fmt.Errorf("prompt counts: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
