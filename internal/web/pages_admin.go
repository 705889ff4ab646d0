package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/safeguard-hipaa/safeguard/internal/auth"
	"github.com/safeguard-hipaa/safeguard/internal/hipaa"
	"github.com/safeguard-hipaa/safeguard/internal/store"
)

type memberView struct {
	User *store.User
	Role auth.Role
}

type membersData struct {
	Members []memberView
	Roles   []auth.Role
	Form    memberForm
}

type memberForm struct {
	Email, Name, Role string
}

func (s *Server) membersPage(w http.ResponseWriter, r *http.Request) {
	s.renderMembers(w, r, http.StatusOK, memberForm{Role: string(auth.RoleViewer)}, nil)
}

func (s *Server) renderMembers(w http.ResponseWriter, r *http.Request, status int, f memberForm, errs map[string]string) {
	in := info(r)
	ms, err := s.db.PracticeMembers(r.Context(), in.Practice.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := &membersData{Form: f}
	for _, m := range ms {
		u, err := s.db.User(r.Context(), m.UserID)
		if err != nil {
			continue
		}
		d.Members = append(d.Members, memberView{User: u, Role: auth.Role(m.Role)})
	}
	for _, role := range auth.Roles {
		if in.Role == auth.RoleOwner || !role.Allows(auth.PermManage) {
			d.Roles = append(d.Roles, role)
		}
	}
	v := s.newView(r, "People", "members", d)
	for k, m := range errs {
		v.Errors[k] = m
	}
	if len(errs) > 0 {
		v.Error = "Nothing was changed: see the messages below."
	}
	s.render(w, r, status, "members", v)
}

// memberSubmit adds a person to the practice (creating their account if
// needed), changes a member's role, or removes a member. Only an owner may
// give or take the owner and admin roles.
func (s *Server) memberSubmit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := info(r)
	f := memberForm{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: r.PostFormValue("role")}
	errs := map[string]string{}
	role, err := auth.ParseRole(f.Role)
	if err != nil {
		errs["role"] = hipaa.ErrorMessage(err)
	} else if role.Allows(auth.PermManage) && in.Role != auth.RoleOwner {
		errs["role"] = "Only an owner can make someone an owner or administrator."
	}
	email, err := auth.CheckEmail(f.Email)
	if err != nil {
		errs["email"] = hipaa.ErrorMessage(err)
	}
	if len(errs) > 0 {
		s.renderMembers(w, r, http.StatusUnprocessableEntity, f, errs)
		return
	}
	u, err := s.db.UserByEmail(ctx, email)
	action := r.PostFormValue("action")
	if hipaa.IsNotFound(err) {
		if action != "add" {
			s.renderMembers(w, r, http.StatusUnprocessableEntity, f, map[string]string{"email": "There is no account with this email."})
			return
		}
		u, err = s.auth.CreateUser(ctx, email, f.Name, r.PostFormValue("password"))
		if err != nil {
			if statusOf(err) >= 500 {
				s.fail(w, r, err)
				return
			}
			field := "password"
			switch m := hipaa.ErrorMessage(err); {
			case strings.HasPrefix(m, "name"):
				field = "name"
			case strings.HasPrefix(m, "email"), strings.HasPrefix(m, "an account"):
				field = "email"
			}
			s.renderMembers(w, r, http.StatusUnprocessableEntity, f, map[string]string{field: hipaa.ErrorMessage(err)})
			return
		}
		s.record(r, "user.created", u.Email, nil, map[string]any{"name": u.Name})
	} else if err != nil {
		s.fail(w, r, err)
		return
	}
	old, err := s.auth.Role(ctx, u.ID, in.Practice.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if old.Allows(auth.PermManage) && in.Role != auth.RoleOwner {
		s.renderMembers(w, r, http.StatusForbidden, f, map[string]string{"email": "Only an owner can change an owner or administrator."})
		return
	}
	if u.ID == in.User.ID {
		s.renderMembers(w, r, http.StatusUnprocessableEntity, f, map[string]string{"email": "You cannot change your own role; ask another owner."})
		return
	}
	if action == "remove" {
		if err := s.db.RemoveMembership(ctx, u.ID, in.Practice.ID); err != nil {
			s.fail(w, r, err)
			return
		}
		s.record(r, "member.removed", u.Email, map[string]any{"role": old}, nil)
		s.sessions.Put(ctx, sessFlash, u.Email+" no longer has access to this practice.")
	} else {
		if err := s.db.SetMembership(ctx, u.ID, in.Practice.ID, string(role)); err != nil {
			s.fail(w, r, err)
			return
		}
		s.record(r, "member.role_set", u.Email, map[string]any{"role": old}, map[string]any{"role": role})
		s.sessions.Put(ctx, sessFlash, u.Email+" is now "+role.Label()+".")
	}
	redirect(w, r, "/p/"+in.Practice.ID+"/members")
}

type activityData struct {
	Entries []*store.Activity
	Since   string
}

func (s *Server) activityFilter(r *http.Request) store.ActivityFilter {
	f := store.ActivityFilter{Limit: 500}
	if d, err := time.Parse("2006-01-02", r.URL.Query().Get("since")); err == nil {
		f.Since = d
	}
	return f
}

func (s *Server) activityPage(w http.ResponseWriter, r *http.Request) {
	list, err := s.db.For(info(r).Practice.ID).Activity(r.Context(), s.activityFilter(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "activity", s.newView(r, "Activity log", "activity", &activityData{Entries: list, Since: r.URL.Query().Get("since")}))
}

func (s *Server) activityExport(w http.ResponseWriter, r *http.Request) {
	in := info(r)
	f := s.activityFilter(r)
	f.Limit = 100000
	list, err := s.db.For(in.Practice.ID).Activity(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	name := "activity-" + in.Practice.Slug + "-" + s.db.Now().Format("20060102")
	s.record(r, "activity.exported", in.Practice.ID, nil, map[string]any{"entries": len(list), "format": r.URL.Query().Get("format")})
	if r.URL.Query().Get("format") == "json" {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.json"`)
		_ = auth.WriteActivityJSON(w, list)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	_ = auth.WriteActivityCSV(w, list)
}
