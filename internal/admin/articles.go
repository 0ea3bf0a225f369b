package admin

// articleRoutes are the article editor's routes.
func (a *Admin) articleRoutes() []Route { return nil }
