package livecode

// member is one pool group with what the group directory knows of it.
type member struct {
	ChatID    string
	Name      string
	Count     int
	Source    string
	Known     bool // the directory has the group
	Dismissed bool
}

// open reports whether a member takes new members under threshold.
func (m member) open(threshold int) bool { return m.Known && !m.Dismissed && m.Count < threshold }

// plan is what a code should look like given its pool's fill.
type plan struct {
	Current string
	Status  string
	Detail  string
	Open    int // groups with room, the current one included
}

// planFor decides the current group: the current one while it has room,
// else the next group with room in pool order (wrapping round), else the
// current one stays and the code is full or creates groups. ms holds the
// pool without dismissed groups.
func planFor(r codeRow, ms []member) plan {
	p := plan{Current: r.CurrentChatID}
	for _, m := range ms {
		if m.open(r.Threshold) {
			p.Open++
		}
	}
	idx := indexOf(ms, r.CurrentChatID)
	if idx >= 0 && ms[idx].open(r.Threshold) {
		p.Status = StatusOK
		return p
	}
	if next := nextOpen(ms, idx, r.Threshold); next >= 0 {
		p.Current, p.Status = ms[next].ChatID, StatusOK
		return p
	}
	switch {
	case len(ms) == 0:
		p.Current, p.Status = "", StatusError
		p.Detail = "群池为空：请在活码中添加群 (the pool is empty: add groups)"
	case idx < 0:
		p.Current = ms[len(ms)-1].ChatID
	}
	if p.Status == "" {
		p.Status, p.Detail = fullStatus(r)
	}
	return p
}

// fullStatus is the status of a code whose every group is full.
func fullStatus(r codeRow) (string, string) {
	if r.AutoCreate {
		return StatusAutoCreate, "群池已满，企业微信将自动创建新群「" + r.RoomBaseName + "」(pool full; WeCom creates new groups)"
	}
	return StatusFull, "群池已满且未开启自动建群，落地页显示兜底文字 (pool full and auto-create off; the landing page shows the fallback text)"
}

func indexOf(ms []member, chatID string) int {
	if chatID == "" {
		return -1
	}
	for i, m := range ms {
		if m.ChatID == chatID {
			return i
		}
	}
	return -1
}

// nextOpen returns the index of the first group with room after idx in
// pool order, wrapping round and skipping idx; -1 when there is none.
func nextOpen(ms []member, idx, threshold int) int {
	n := len(ms)
	for step := 1; step <= n; step++ {
		j := (idx + step + n) % n
		if idx < 0 {
			j = step - 1
		}
		if j != idx && ms[j].open(threshold) {
			return j
		}
	}
	return -1
}

// windowFrom is the join way's chat_id_list: the current group, then the
// next groups with room in pool order, at most five in all. A full current
// group stands alone (WeCom creates groups after it when allowed).
func windowFrom(current string, ms []member, threshold int) []string {
	idx := indexOf(ms, current)
	if idx < 0 {
		return nil
	}
	window := []string{current}
	if !ms[idx].open(threshold) {
		return window
	}
	for step := 1; step < len(ms) && len(window) < maxWindow; step++ {
		m := ms[(idx+step)%len(ms)]
		if m.open(threshold) {
			window = append(window, m.ChatID)
		}
	}
	return window
}

// maxWindow is how many groups a join way holds (doc 92229).
const maxWindow = 5
