package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/samizdat-press/samizdat/internal/content"
)

// AdminQuery selects articles for the newsroom's list, of every status.
// Zero fields do not filter.
type AdminQuery struct {
	Q         string         // words of the headline, matched as one substring
	Status    content.Status // one status, or all
	SectionID int64
	AuthorID  int64  // a byline
	CreatedBy int64  // the newsroom account that created the article
	Lang      string // one language, or all
	Limit     int    // 50 when zero
	Offset    int
}

// likeEscaper escapes LIKE's wildcards so that what a writer types is
// matched literally.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func (q AdminQuery) where() (string, []any) {
	var conds []string
	var args []any
	if s := strings.TrimSpace(q.Q); s != "" {
		conds = append(conds, `LOWER(a.headline) LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscaper.Replace(strings.ToLower(s))+"%")
	}
	if q.Status != "" {
		conds = append(conds, `a.status = ?`)
		args = append(args, string(q.Status))
	}
	if q.SectionID != 0 {
		conds = append(conds, `a.section_id = ?`)
		args = append(args, q.SectionID)
	}
	if q.AuthorID != 0 {
		conds = append(conds, `EXISTS (SELECT 1 FROM article_authors x WHERE x.article_id = a.id AND x.author_id = ?)`)
		args = append(args, q.AuthorID)
	}
	if q.CreatedBy != 0 {
		conds = append(conds, `a.created_by = ?`)
		args = append(args, q.CreatedBy)
	}
	if q.Lang != "" {
		conds = append(conds, `a.lang = ?`)
		args = append(args, q.Lang)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return ` WHERE ` + strings.Join(conds, ` AND `), args
}

// AdminArticles returns one page of the articles q selects, newest first,
// with their bylines, and how many articles q selects in all.
func (s *Store) AdminArticles(ctx context.Context, q AdminQuery) ([]*content.Article, int, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	if q.Offset < 0 {
		q.Offset = 0
	}
	where, args := q.where()
	var total int
	if err := s.read.QueryRowContext(ctx, s.dialect.rebind(`SELECT COUNT(*) FROM articles a`+where), args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("admin articles: count: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, s.dialect.rebind(`SELECT `+summaryCols+`
		FROM articles a JOIN sections s ON s.id = a.section_id`+where+`
		ORDER BY a.created_at DESC, a.id DESC LIMIT ? OFFSET ?`), append(args, q.Limit, q.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("admin articles: %w", err)
	}
	defer rows.Close()
	var list []*content.Article
	for rows.Next() {
		a, err := scanArticle(rows, false)
		if err != nil {
			return nil, 0, fmt.Errorf("admin articles: %w", err)
		}
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("admin articles: %w", err)
	}
	rows.Close()
	if err := s.loadAuthors(ctx, list); err != nil {
		return nil, 0, err
	}
	return list, total, nil
}
