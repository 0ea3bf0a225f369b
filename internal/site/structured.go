package site

import (
	"encoding/json"
	"fmt"
	"html/template"
	"strings"

	"github.com/samizdat-press/samizdat/internal/content"
)

// ldThing is a schema.org object as JSON-LD.
type ldThing = map[string]any

// publisherLD is the newsroom as schema.org's NewsMediaOrganization, with
// the logo search engines show beside its stories: the logo setting, or
// the site's icon while none is set.
func (s *Site) publisherLD() ldThing {
	st := s.conf()
	org := ldThing{"@type": "NewsMediaOrganization", "@id": st.BaseURL + "/#publisher", "name": st.Name, "url": st.BaseURL + "/"}
	if st.Logo.URL != "" {
		org["logo"] = ldThing{"@type": "ImageObject", "url": st.BaseURL + st.Logo.URL, "width": st.Logo.Width, "height": st.Logo.Height}
	} else {
		org["logo"] = ldThing{"@type": "ImageObject", "url": st.BaseURL + s.assets.url("icon.svg")}
	}
	return org
}

// fallbackImage is the picture of a page that has none of its own: the
// site's logo, when one is set.
func (s *Site) fallbackImage(og *openGraph) bool {
	st := s.conf()
	if st.Logo.URL == "" {
		return false
	}
	og.Image = st.BaseURL + st.Logo.URL
	og.ImageAlt = st.Name
	og.ImageWidth, og.ImageHeight = st.Logo.Width, st.Logo.Height
	return true
}

// websiteLD is the site itself, with the search box search engines may
// offer (schema.org SearchAction).
func (s *Site) websiteLD(lang string) ldThing {
	st := s.conf()
	return ldThing{
		"@type": "WebSite", "@id": st.BaseURL + "/#website", "name": st.Name, "url": st.BaseURL + s.editionPrefix(lang) + "/",
		"description": st.Description, "inLanguage": lang, "publisher": ldThing{"@id": st.BaseURL + "/#publisher"},
		"potentialAction": ldThing{"@type": "SearchAction",
			"target":      st.BaseURL + s.editionPrefix(lang) + "/search?q={search_term_string}",
			"query-input": "required name=search_term_string"},
	}
}

// listLD is a section, tag or author page as a CollectionPage (an author's
// as a ProfilePage about the person) listing the page's stories.
func (s *Site) listLD(kind, name, desc, canonical, lang string, prof *authorFront, list []*content.Article) ldThing {
	st := s.conf()
	items := make([]ldThing, 0, len(list))
	for i, a := range list {
		// The URL only (what a summary list needs): a headline here
		// would be a second copy of each card, which an updated static
		// export patches in place.
		items = append(items, ldThing{"@type": "ListItem", "position": i + 1, "url": st.BaseURL + a.Path()})
	}
	pg := ldThing{
		"@type": kind, "@id": canonical, "url": canonical, "name": name, "inLanguage": lang,
		"isPartOf":   ldThing{"@id": st.BaseURL + "/#website"},
		"mainEntity": ldThing{"@type": "ItemList", "itemListElement": items},
	}
	if desc != "" {
		pg["description"] = desc
	}
	if prof != nil {
		person := ldThing{"@type": "Person", "name": name, "url": canonical}
		if prof.Author.Bio != "" {
			person["description"] = prof.Author.Bio
		}
		if prof.Photo.Present() {
			person["image"] = st.BaseURL + imageURL(prof.Photo, prof.Photo.Width)
		}
		var same []string
		for _, l := range prof.Links {
			if !strings.HasPrefix(strings.ToLower(l.URL), "mailto:") {
				same = append(same, l.URL)
			}
		}
		if len(same) > 0 {
			person["sameAs"] = same
		}
		pg["mainEntity"] = person
		pg["hasPart"] = ldThing{"@type": "ItemList", "itemListElement": items}
	}
	return pg
}

// graphLD writes things as one JSON-LD @graph for a <script> block;
// json.Marshal escapes <, > and &, so the block cannot end early.
func graphLD(things ...ldThing) (template.JS, error) {
	b, err := json.Marshal(ldThing{"@context": "https://schema.org", "@graph": things})
	if err != nil {
		return "", fmt.Errorf("json-ld: %w", err)
	}
	return template.JS(b), nil
}
