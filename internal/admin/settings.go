package admin

// settingsRoutes manage the site's settings.
func (a *Admin) settingsRoutes() []Route { return nil }
