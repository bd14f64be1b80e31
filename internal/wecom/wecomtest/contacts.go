package wecomtest

// pathExternalContactGet reads one external contact.
const pathExternalContactGet = "/cgi-bin/externalcontact/get"

func init() {
	routes[pathExternalContactGet] = route{auth: true, handle: (*Server).externalContactGet}
	errmsgs[84061] = "not external contact"
}

// externalContactGet answers externalcontact/get (doc 92114) from the
// external members of the seeded group chats: a member's Name and UnionID.
// Any other external_userid answers 84061, as WeCom does for someone no
// staff member has as a contact.
func (s *Server) externalContactGet(r *request) result {
	id := r.query.Get("external_userid")
	if id == "" {
		return fail(40058, "external_userid is required")
	}
	for _, g := range s.st.groups {
		for _, m := range g.Members {
			if m.UserID == id && m.Type == MemberExternal {
				return ok(map[string]any{"external_contact": map[string]any{
					"external_userid": id, "name": m.Name, "type": 1, "unionid": m.UnionID,
				}})
			}
		}
	}
	return fail(84061, "")
}
