package complaint

import "sync"

// rings keeps the last few messages of each chat in memory, for a
// complaint's context. It holds at most maxChats chats; past that, an
// arbitrary chat is forgotten (its context restarts empty).
type rings struct {
	mu       sync.Mutex
	size     int
	maxChats int
	chats    map[string]*ring
}

// ring is one chat's recent messages, oldest first once full.
type ring struct {
	msgs []Message
	next int
	full bool
}

func newRings(size, maxChats int) *rings {
	return &rings{size: size, maxChats: maxChats, chats: make(map[string]*ring)}
}

// add records m and returns the chat's messages before it, oldest first,
// then m. A message already in the ring (a redelivery) is not added twice.
func (rs *rings) add(m Message) []Message {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	r := rs.chats[m.ChatID]
	if r == nil {
		if len(rs.chats) >= rs.maxChats {
			for k := range rs.chats {
				delete(rs.chats, k)
				break
			}
		}
		r = &ring{msgs: make([]Message, rs.size)}
		rs.chats[m.ChatID] = r
	}
	before := r.snapshot()
	for i, b := range before {
		if b.Key == m.Key && m.Key != "" {
			return append(before[:i:i], m) // context as it was when m first came
		}
	}
	r.msgs[r.next] = m
	r.next = (r.next + 1) % len(r.msgs)
	r.full = r.full || r.next == 0
	return append(before, m)
}

// snapshot copies the ring's messages, oldest first.
func (r *ring) snapshot() []Message {
	if !r.full {
		return append([]Message(nil), r.msgs[:r.next]...)
	}
	out := make([]Message, 0, len(r.msgs)+1)
	out = append(out, r.msgs[r.next:]...)
	return append(out, r.msgs[:r.next]...)
}
