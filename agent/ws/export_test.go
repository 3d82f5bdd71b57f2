package ws

// CloseDevice closes every open connection of a device, for tests.
func (s *Server) CloseDevice(id string) { s.closeDevice(id) }
