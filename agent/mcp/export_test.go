package mcp

// SetWaiting has s call fn each time wait_order has read an undecided order
// and is about to wait for it to change. Call it before s serves.
func SetWaiting(s *Server, fn func(orderID uint64)) { s.waiting = fn }
