package admin

// taxonomyRoutes manage sections, tags and authors.
func (a *Admin) taxonomyRoutes() []Route { return nil }
